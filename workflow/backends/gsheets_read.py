"""Google Sheets: reading — every tab in ONE request.

* With the sheet list (titles, ids, grid sizes) known: one values:batchGet of
  every tab, unformatted, dates as serial numbers.
* Without it (no cache yet, the cache older than `max_age` seconds, or a tab
  renamed or removed): one spreadsheets.get whose `fields` mask asks for the
  sheet properties AND every tab's cell values (`effectiveValue`: numbers with
  dates as serial numbers, text, booleans, errors) with their number format
  (`effectiveFormat.numberFormat`, to find percent cells: gsheets_percent) —
  the metadata and the values in the same request, so the pass keeps its second read for the guard read
  before the write.  The answer is bulkier than a batchGet, so the cheaper
  batchGet is used whenever the cached list can be trusted.

The sheet list is kept in memory and in a small JSON file beside the ledger.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gspread.exceptions import APIError

from .base import RawValue
from .percent import is_percent_pattern

META_FIELDS = "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount))"
VALUE_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS"}


@dataclass(frozen=True)
class SheetInfo:
    title: str
    sheet_id: int
    grid: bool = True            # a chart sheet (OBJECT) has no cells
    rows: int = 1000
    cols: int = 26
    frozen: int = 0


def a1_tab(title: str) -> str:
    """A tab name as A1 notation wants it: always quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def col_letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


GRID_FIELDS = ("sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,"
               "frozenRowCount)),data(rowData(values(effectiveValue,effectiveFormat/numberFormat))))")
ERROR_TEXT = {"NULL_VALUE": "#NULL!", "DIV_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!", "NAME": "#NAME?",
              "NUM": "#NUM!", "N_A": "#N/A", "ERROR": "#ERROR!", "LOADING": "Loading..."}


def fetch_sheets(client, sheet_id: str) -> list[SheetInfo]:
    data = client.fetch_sheet_metadata(sheet_id, params={"fields": META_FIELDS})
    return sheet_infos(data)


def sheet_infos(data: dict) -> list[SheetInfo]:
    out = []
    for sheet in data.get("sheets", []):
        p = sheet.get("properties", {})
        g = p.get("gridProperties", {})
        out.append(SheetInfo(p.get("title", ""), int(p.get("sheetId", 0)), p.get("sheetType", "GRID") == "GRID",
                             int(g.get("rowCount", 0) or 0), int(g.get("columnCount", 0) or 0),
                             int(g.get("frozenRowCount", 0) or 0)))
    return out


class SheetCache:
    """The sheet list, in memory and in a JSON file (titles and ids only: nothing secret)."""

    def __init__(self, path: Path | None, sheet_id: str, max_age: float = 3600.0, clock=time.time):
        self.path, self.sheet_id, self.max_age, self.clock = path, sheet_id, max_age, clock
        self.sheets: list[SheetInfo] | None = None
        self.stamp = 0.0

    def get(self) -> list[SheetInfo] | None:
        if self.sheets is None and self.path is not None:
            self._load()
        if self.sheets is not None and self.clock() - self.stamp > self.max_age:
            return None
        return self.sheets

    def put(self, sheets: list[SheetInfo]) -> None:
        self.sheets, self.stamp = sheets, self.clock()
        if self.path is None:
            return
        data = {"spreadsheet": self.sheet_id, "stamp": self.stamp,
                "sheets": [[s.title, s.sheet_id, s.grid, s.rows, s.cols, s.frozen] for s in sheets]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            with open(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            pass   # only a cache: the next pass reads the sheet list again

    def forget(self) -> None:
        self.sheets = None
        if self.path is not None:
            try:
                self.path.unlink()
            except OSError:
                pass

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("spreadsheet") != self.sheet_id:
                return
            self.sheets = [SheetInfo(str(t), int(i), bool(g), int(r), int(c), int(f))
                           for t, i, g, r, c, f in data["sheets"]]
            self.stamp = float(data.get("stamp", 0))
        except (OSError, ValueError, TypeError, KeyError):
            self.sheets = None


def is_bad_range(exc: APIError) -> bool:
    """The batchGet named a tab that is not there (renamed or removed)."""
    return exc.code == 400 and "range" in str((exc.error or {}).get("message", "")).lower()


def batch_get_tabs(client, sheet_id: str, sheets: list[SheetInfo]) -> dict[str, list[list[RawValue]]]:
    """Every grid tab's values in one request; chart sheets are empty grids."""
    grids = [s for s in sheets if s.grid]
    tabs: dict[str, list[list[RawValue]]] = {s.title: [] for s in sheets}
    if not grids:
        return tabs
    data = client.values_batch_get(sheet_id, [a1_tab(s.title) for s in grids], params=dict(VALUE_PARAMS))
    ranges = data.get("valueRanges", [])
    for sheet, vr in zip(grids, ranges):
        tabs[sheet.title] = to_grid(vr.get("values") or [])
    return tabs


Percent = set[tuple[int, int]]     # (row, column) 1-based of the number cells formatted as a percentage


def fetch_everything(client, sheet_id: str, scan=lambda titles: ()) -> tuple[
        list[SheetInfo], dict[str, list[list[RawValue]]], dict[str, Percent]]:
    """The sheet list, every tab's values, and the percent cells of the tabs `scan(titles)` names, in
    one spreadsheets.get (see the module's docstring)."""
    data = client.fetch_sheet_metadata(sheet_id, params={"fields": GRID_FIELDS})
    sheets = sheet_infos(data)
    tabs: dict[str, list[list[RawValue]]] = {s.title: [] for s in sheets}
    percent: dict[str, Percent] = {t: set() for t in scan([s.title for s in sheets if s.grid])}
    for info, sheet in zip(sheets, data.get("sheets", [])):
        if info.grid:
            tabs[info.title] = grid_values(sheet.get("data") or [], percent.get(info.title))
    return sheets, tabs, percent


def is_percent_format(cell: dict) -> bool:
    """A GridData cell holding a number whose format shows a percentage."""
    fmt = (cell.get("effectiveFormat") or {}).get("numberFormat")
    if not fmt or "numberValue" not in (cell.get("effectiveValue") or {}):
        return False
    return fmt.get("type") == "PERCENT" or is_percent_pattern(fmt.get("pattern", ""))


def _effective(cell: dict) -> RawValue:
    v = cell.get("effectiveValue") if cell else None
    if not v:
        return None
    if "stringValue" in v:
        return v["stringValue"] or None
    if "numberValue" in v:
        return v["numberValue"]
    if "boolValue" in v:
        return v["boolValue"]
    if "errorValue" in v:
        return ERROR_TEXT.get((v["errorValue"] or {}).get("type"), "#ERROR!")
    return None


def grid_values(blocks: list[dict], percent: Percent | None = None) -> list[list[RawValue]]:
    """GridData of a whole sheet → raw rows, as values:batchGet would have given them; the cells
    formatted as a percentage go into `percent`."""
    rows: list[list[RawValue]] = []
    for block in blocks[:1]:
        for _ in range(block.get("startRow", 0)):
            rows.append([])
        start = block.get("startColumn", 0)
        lead = [None] * start
        for row in block.get("rowData") or ():
            cells = row.get("values") or ()
            rows.append(lead + [_effective(c) for c in cells])
            if percent is not None:
                percent.update((len(rows), start + c) for c, cell in enumerate(cells, 1)
                               if "effectiveFormat" in cell and is_percent_format(cell))
    return to_grid(rows)


def to_grid(values: list[list]) -> list[list[RawValue]]:
    """API rows → raw rows: "" is an empty cell (None), trailing empties trimmed."""
    grid = []
    for row in values:
        if "" in row:
            row = [None if v == "" else v for v in row]
        while row and row[-1] is None:
            row.pop()
        grid.append(row)
    while grid and not grid[-1]:
        grid.pop()
    return grid
