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

    def full_pass(self, today: str):
        """A pass that decides afresh (not skipped as unchanged): what a row says must not depend on it."""
        ledger = Ledger(self.cfg().ledger_path)
        try:
            ledger.set_meta("last_settled_pass", "")
        finally:
            ledger.close()
        return self.sync(today)

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


# ---- both backends -------------------------------------------------------------------
# The behavioural modules run every `world` test on the .xlsx file and on Google Sheets
# (the local stand-in, through the real gspread + google-auth).  Tests about .xlsx file
# mechanics (bytes, lock files, cell styles, the digest that skips a pass) stay xlsx-only.

BOTH_BACKENDS = {"test_decisions", "test_catalogue", "test_staff_edits", "test_identity_and_writeback",
                 "test_fuzz_pass", "test_dashboard", "test_early_ticks", "test_export_lives"}
XLSX_ONLY = {
    "test_unusable_settings_stop_sync_and_nothing_is_written",   # file bytes (gsheets: test_gsheets_passes)
    "test_staff_cells_formatting_and_unknown_columns_are_kept",  # openpyxl styles
    "test_second_sync_does_not_rewrite_the_file",
    "test_open_in_office_program_skips_the_write_and_catches_up",
    "test_cli_sync_reports_the_lock",
    "test_a_pass_that_could_not_write_is_not_remembered",
    "test_unchanged_inputs_skip_the_pass_until_a_holding_period_ends",   # a sheet has no digest
    "test_any_change_runs_the_pass_in_full",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "xlsx_only: a `world` test about the .xlsx file itself")


def pytest_generate_tests(metafunc):
    if "backend_kind" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    name = metafunc.function.__name__
    if module in BOTH_BACKENDS and name not in XLSX_ONLY and not metafunc.definition.get_closest_marker("xlsx_only"):
        metafunc.parametrize("backend_kind", ["xlsx", "gsheets"])
    else:
        metafunc.parametrize("backend_kind", ["xlsx"])


@pytest.fixture
def backend_kind() -> str:
    return "xlsx"


@pytest.fixture(scope="session")
def sheets(tmp_path_factory):
    """The Sheets stand-in shared by the session and a service-account key pointing at it."""
    from gsheets_world import standin, stop_standin
    s, key = standin(tmp_path_factory.mktemp("standin"))
    yield s, key
    stop_standin()


@pytest.fixture
def world(tmp_path, backend_kind, request) -> World:
    if backend_kind == "gsheets":
        from gsheets_world import SheetsWorld

        class GSheetsWorld(SheetsWorld, World):
            pass
        s, key = request.getfixturevalue("sheets")
        request.getfixturevalue("clean_standin")
        return GSheetsWorld(tmp_path, s, key)
    return World(tmp_path)


@pytest.fixture
def clean_standin(sheets):
    """The session's stand-in with every fault switch off before and after the test, so one test's
    injected 503, delay, edit hook or disabled API never reaches another test; its request log
    starts empty."""
    s, _ = sheets
    s.reset_faults()
    s.reset_requests()
    yield s
    s.reset_faults()


@pytest.fixture
def gworld(tmp_path, sheets, clean_standin):
    """A World on Google Sheets only (for the Sheets backend's own tests)."""
    from gsheets_world import SheetsWorld

    class GSheetsWorld(SheetsWorld, World):
        pass
    s, key = sheets
    return GSheetsWorld(tmp_path, s, key)
