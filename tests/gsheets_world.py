"""The behavioural suite's World, on Google Sheets: the same grids uploaded to the
local Sheets stand-in, passes run through the real gspread + google-auth over HTTP,
the sheet read back and edited through the stand-in.

`edit(fn)` hands `fn` an in-memory openpyxl worksheet holding the tab's values
(as a person would edit it), then puts every cell that changed back into the
stand-in; values are stored as Google stores them (dates as serial numbers).
"""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl

EPOCH = dt.datetime(1899, 12, 30)

_LOCK = threading.Lock()
_STANDIN = None
_KEY = None


def standin(tmp_root: Path):
    """One stand-in for the whole session, started on first use."""
    global _STANDIN, _KEY
    with _LOCK:
        if _STANDIN is None:
            from sheets_standin import SheetsStandin, make_service_account_key
            s = SheetsStandin()
            s.__enter__()
            _STANDIN = s
            _KEY = make_service_account_key(tmp_root / "standin-key.json", s.token_uri,
                                            email="worker@referrals-test.iam.gserviceaccount.com")
        return _STANDIN, _KEY


def stop_standin() -> None:
    global _STANDIN
    if _STANDIN is not None:
        _STANDIN.__exit__(None, None, None)
        _STANDIN = None


def sheet_value(v):
    """A Python value as the Sheets API stores it (dates as serial numbers)."""
    if isinstance(v, dt.datetime):
        return (v - EPOCH).total_seconds() / 86400
    if isinstance(v, dt.date):
        return (v - EPOCH.date()).days
    if isinstance(v, dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second) / 86400
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if v == "":
        return None
    return v


def gs_config(sheet_id: str, key: Path, url: str) -> str:
    return f"""[workbook]
backend = "gsheets"
spreadsheet = "{sheet_id}"
credentials = "{key}"
api_endpoint = "{url}"
[mail]
backend = "outbox"
outbox = "outbox"
[ledger]
path = "ledger.sqlite"
"""


class SheetsWorld:
    """Mixed into conftest's World (World's other helpers stay as they are)."""
    backend = "gsheets"

    def __init__(self, folder: Path, standin, key: Path):
        super().__init__(folder)
        self.standin, self.key = standin, key
        self.sheet_id: str | None = None
        self._tabs: list[str] = []
        self._write_config()

    @property
    def path(self) -> Path:
        """A fresh .xlsx export of the spreadsheet's values, for tests that read the workbook with openpyxl."""
        out = self.dir / "export.xlsx"
        if self.sheet_id is None:
            return out
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name in self.standin_tabs():
            ws = wb.create_sheet(name[:31])
            src = self.sheet(name)
            for row in src.iter_rows():
                for c in row:
                    if c.value is not None:
                        ws.cell(c.row, c.column).value = c.value
                        ws.cell(c.row, c.column).data_type = c.data_type
        wb.save(out)
        return out

    @path.setter
    def path(self, value) -> None:   # World.__init__ sets it; the spreadsheet has no file
        pass

    def standin_tabs(self) -> list[str]:
        return list(self._tabs)

    def _write_config(self) -> None:
        extra = ""
        if self.config.exists():   # keep what a test appended ([aliases] ...)
            text = self.config.read_text(encoding="utf-8")
            extra = text.split("path = \"ledger.sqlite\"\n", 1)[1] if "path = \"ledger.sqlite\"\n" in text else ""
        self.config.write_text(gs_config(self.sheet_id or "none-yet-0000", self.key, self.standin.url) + extra,
                               encoding="utf-8")

    def book(self, tabs: dict[str, list[list]]):
        grids = {name: [list(row) for row in rows] for name, rows in tabs.items()}
        self.sheet_id = self.standin.add_spreadsheet(grids, value_input="RAW")   # as openpyxl stores them
        self._tabs = list(grids)
        self._write_config()
        return self.sheet_id

    def grid(self, name: str = "Referrals") -> list[list]:
        return self.standin.grid(self.sheet_id, name)

    def sheet(self, name: str = "Referrals"):
        """An in-memory worksheet holding the tab's values (read it; edits go through edit())."""
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = name[:31]
        for r, row in enumerate(self.grid(name), start=1):
            for c, v in enumerate(row, start=1):
                if v is not None and v != "":
                    cell = ws.cell(r, c)
                    cell.value = v
                    if isinstance(v, str) and v.startswith("="):
                        cell.data_type = "s"     # text, as the sheet holds it (not a formula)
        return ws

    def rows(self, name: str = "Referrals") -> list[dict]:
        grid = [list(r) for r in self.grid(name)]
        if not grid:
            return []
        width = max(len(r) for r in grid)
        grid = [r + [None] * (width - len(r)) for r in grid]
        head = grid[0]
        return [dict(zip(head, [None if v == "" else v for v in r])) for r in grid[1:]]

    def edit(self, fn, name: str = "Referrals") -> None:
        before = self.grid(name)
        ws = self.sheet(name)
        fn(ws)
        after = [[_typed(c) for c in row] for row in ws.iter_rows()]
        height = max(len(before), len(after))
        for r in range(height):
            old = before[r] if r < len(before) else []
            new = after[r] if r < len(after) else []
            for c in range(max(len(old), len(new))):
                a = old[c] if c < len(old) else None
                b = new[c] if c < len(new) else None
                nb = b[1:] if isinstance(b, str) and b.startswith("'") else sheet_value(b)
                if (None if a == "" else a) != nb or type(a) is not type(nb):
                    if (a is None or a == "") and b is None:
                        continue
                    self.standin.set_cell(self.sheet_id, name, r + 1, c + 1, b)


def _typed(cell):
    """What to type into the stand-in for an openpyxl cell: text stays text (a leading
    apostrophe, as in the Sheets UI) unless openpyxl holds it as a formula."""
    v = cell.value
    if isinstance(v, str):
        if v == "":
            return None
        if cell.data_type == "f":
            return v
        return "'" + v
    return v
