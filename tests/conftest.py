"""Shared test helpers: a real .xlsx workbook, a real SQLite ledger, real passes.

`world` gives a folder with a config.toml; `world.book({...})` writes a workbook
with openpyxl; `world.sync("2026-11-20")` runs one pass through the same code
the CLI runs; `world.rows()` reads the Referrals tab back with openpyxl as a
list of {header: value}; `world.lines()` returns the export rows.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow.config import load  # noqa: E402
from workflow.export import reward_rows  # noqa: E402
from workflow.ledger import Ledger  # noqa: E402
from workflow.sync import run_pass  # noqa: E402

CONFIG = """[workbook]
backend = "xlsx"
path = "book.xlsx"
[mail]
backend = "outbox"
outbox = "outbox"
[ledger]
path = "ledger.sqlite"
"""

REF_HEADER = ["Submitted at", "Referrer", "Referrer phone", "Referrer email", "Referrer type", "New customer",
              "New customer phone", "Relationship", "First visit", "Program", "Category", "Deal amount",
              "Deal date", "Paid in full", "Cancelled", "Signer", "Lead", "Assistant", "Approved", "GM approved",
              "Rejected", "Paid"]


def referral(**kw) -> dict:
    """One referral row as {header: value}, with sensible defaults."""
    base = {"Submitted at": "2026-10-01", "Referrer": "Ann", "Referrer phone": "13800000001",
            "New customer": "Bo", "New customer phone": "13900000001"}
    base.update(kw)
    return base


def rows_from_dicts(header: list[str], dicts: list[dict]) -> list[list]:
    return [header] + [[d.get(h) for h in header] for d in dicts]


class World:
    def __init__(self, folder: Path):
        self.dir = folder
        self.config = folder / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.path = folder / "book.xlsx"

    def book(self, tabs: dict[str, list[list]]) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in tabs.items():
            ws = wb.create_sheet(name)
            for r in rows:
                ws.append(r)
        wb.save(self.path)
        return self.path

    def standard(self, referrals: list[dict], rules: list[list], settings: dict | None = None,
                 milestones: list[list] | None = None, staff: list[list] | None = None,
                 customers: list[list] | None = None, header: list[str] | None = None) -> Path:
        """Referrals as dicts; Rules/Milestones as [header, *rows]; Settings as a dict."""
        tabs = {"Referrals": rows_from_dicts(header or REF_HEADER, referrals), "Rules": rules}
        s = {"language": "en", "register_by_first_visit": "no", "payout_requires_paid_in_full": "no"}
        s.update(settings or {})
        tabs["Settings"] = [["Key", "Value"]] + [[k, v] for k, v in s.items()]
        if milestones:
            tabs["Milestones"] = milestones
        if staff:
            tabs["Staff"] = staff
        if customers:
            tabs["Customers"] = customers
        return self.book(tabs)

    def cfg(self):
        return load(self.config)

    def sync(self, today: str = "2026-11-20"):
        d = dt.date.fromisoformat(today)
        return run_pass(self.cfg(), d, dt.datetime.combine(d, dt.time(9, 0)))

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "run.py"), *args, "--config", str(self.config)],
                              capture_output=True, text=True, timeout=300, cwd=self.dir)

    def sheet(self, name: str = "Referrals"):
        return openpyxl.load_workbook(self.path)[name]

    def rows(self, name: str = "Referrals") -> list[dict]:
        ws = self.sheet(name)
        grid = list(ws.iter_rows(values_only=True))
        head = list(grid[0])
        return [dict(zip(head, r)) for r in grid[1:]]

    def status(self) -> list[str]:
        return [r.get("Status") or r.get("状态") for r in self.rows()]

    def edit(self, fn, name: str = "Referrals") -> None:
        """Change the workbook as a person would (openpyxl load, edit, save)."""
        wb = openpyxl.load_workbook(self.path)
        fn(wb[name])
        wb.save(self.path)

    def set_cell(self, row: int, header: str, value, name: str = "Referrals") -> None:
        def fn(ws):
            head = [c.value for c in ws[1]]
            ws.cell(row, head.index(header) + 1).value = value
        self.edit(fn, name)

    def lines(self) -> list[dict]:
        ledger = Ledger(self.cfg().ledger_path)
        try:
            return reward_rows(ledger)
        finally:
            ledger.close()


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)
