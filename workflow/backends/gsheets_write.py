"""Google Sheets: writing — row guards checked on a fresh read, then ONE values:batchUpdate.

Staff sort, insert and delete rows while a pass runs.  Right before the write,
one values:batchGet reads the guard columns again (the Ref ID column, and for
rows that had no Ref ID yet a few key cells such as the new customer's name
and phone; the header row comes with them, being row 1..n of each column).
Then, for every row the pass writes:

* the row still holds what the guard expects → its cells are written there;
* it does not, but its Ref ID is now found in exactly one other row (sorted,
  rows inserted or deleted above it) → its cells are written to that row;
* otherwise (its Ref ID is gone or twice in the sheet, or it had none) → its
  cells are not written this time and the pass says so; the next pass reads
  the sheet again and writes them.

A guard marked `whole` (the header row) refuses the whole batch when it does
not hold: columns moved, so no cell address can be trusted.

Values go with valueInputOption=RAW, so text is never parsed into a formula,
a number or a date; booleans are real booleans; Decimal is a number; None
clears the cell ("").
"""
from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal

from .base import CellWrite, RawValue, RowGuard
from .gsheets_read import VALUE_PARAMS, a1_tab, col_letters

MAX_ROW, MAX_COL = 10_000_000, 18_278


def json_value(value) -> object:
    """A cell value as the API takes it with RAW input."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (Decimal, float)):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} to a cell")
        if isinstance(value, Decimal) and value == value.to_integral_value() and abs(value) < 2 ** 53:
            return int(value)
        return float(value)
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


def check_writes(tabs, writes: list[CellWrite]) -> None:
    """Bad coordinates or values are a caller bug: refuse before anything is sent."""
    for w in writes:
        if w.tab not in tabs:
            raise ValueError(f"write to unknown tab {w.tab!r}")
        if not (1 <= w.row <= MAX_ROW and 1 <= w.col <= MAX_COL):
            raise ValueError(f"cell row {w.row} col {w.col} is outside a worksheet")
        json_value(w.value)


def guard_ranges(guards: list[RowGuard]) -> list[tuple[str, int]]:
    """(tab, column) pairs to read again before writing."""
    cols = set()
    for g in guards:
        cols.add((g.tab, g.col))
        for c, _ in g.keys:
            cols.add((g.tab, c))
    return sorted(cols)


def read_columns(client, sheet_id: str, cols: list[tuple[str, int]]) -> dict[tuple[str, int], list[RawValue]]:
    """The guard columns as they are now, in one values:batchGet (column-major)."""
    if not cols:
        return {}
    ranges = [f"{a1_tab(t)}!{col_letters(c)}:{col_letters(c)}" for t, c in cols]
    params = dict(VALUE_PARAMS, majorDimension="COLUMNS")
    data = client.values_batch_get(sheet_id, ranges, params=params)
    out = {}
    for key, vr in zip(cols, data.get("valueRanges", [])):
        values = vr.get("values") or [[]]
        out[key] = [None if v == "" else v for v in values[0]]
    return out


def _norm_id(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


def _same(a, b) -> bool:
    if a == "":
        a = None
    if b == "":
        b = None
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


class Placement:
    """Where each guarded row is now: row → new row, or None (not placed safely)."""

    def __init__(self, guards: list[RowGuard], now: dict[tuple[str, int], list[RawValue]]):
        self.now = now
        self._index: dict[tuple[str, int], dict[str, list[int]]] = {}
        self.moves: dict[tuple[str, int], int | None] = {}
        self.refused: RowGuard | None = None
        for g in guards:
            self.moves[(g.tab, g.row)] = self._place(g)

    def _cell(self, tab: str, col: int, row: int) -> RawValue:
        column = self.now.get((tab, col), [])
        return column[row - 1] if 0 < row <= len(column) else None

    def _holds(self, g: RowGuard, row: int) -> bool:
        if _norm_id(self._cell(g.tab, g.col, row)) != _norm_id(g.expected):
            return False
        return all(_same(self._cell(g.tab, c, row), v) for c, v in g.keys)

    def _place(self, g: RowGuard) -> int | None:
        if self._holds(g, g.row):
            return g.row
        if g.whole:
            self.refused = self.refused or g
            return None
        ref = _norm_id(g.expected)
        if ref is None:
            return None
        rows = self._rows_by_id(g.tab, g.col).get(ref, [])
        if len(rows) == 1 and self._holds(g, rows[0]):
            return rows[0]
        return None

    def _rows_by_id(self, tab: str, col: int) -> dict[str, list[int]]:
        key = (tab, col)
        if key not in self._index:
            index: dict[str, list[int]] = defaultdict(list)
            for i, v in enumerate(self.now.get(key, []), start=1):
                ref = _norm_id(v)
                if ref is not None:
                    index[ref].append(i)
            self._index[key] = index
        return self._index[key]


def place_writes(writes: list[CellWrite], placement: Placement | None):
    """Writes moved to where their rows are now; and the (tab, row)s left out."""
    if placement is None:
        return writes, []
    out, dropped = [], set()
    for w in writes:
        key = (w.tab, w.row)
        if key not in placement.moves:
            out.append(w)        # not guarded (the caller did not ask)
            continue
        new = placement.moves[key]
        if new is None:
            dropped.add(key)
        elif new == w.row:
            out.append(w)
        else:
            out.append(CellWrite(w.tab, new, w.col, w.value))
    return out, sorted(dropped)


def batch_body(writes: list[CellWrite]) -> tuple[dict, int]:
    """One values:batchUpdate body: a range per run of adjacent cells in a row; last write to a cell wins."""
    cells: dict[tuple[str, int], dict[int, object]] = defaultdict(dict)
    for w in writes:
        cells[(w.tab, w.row)][w.col] = json_value(w.value)
    data, count = [], 0
    for (tab, row), by_col in cells.items():
        cols = sorted(by_col)
        start = prev = cols[0]
        run = [by_col[start]]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                run.append(by_col[c])
                prev = c
                continue
            ref = f"{col_letters(start)}{row}" if prev == start else f"{col_letters(start)}{row}:{col_letters(prev)}{row}"
            data.append({"range": f"{a1_tab(tab)}!{ref}", "majorDimension": "ROWS", "values": [run]})
            count += len(run)
            if c is not None:
                start = prev = c
                run = [by_col[c]]
    return {"valueInputOption": "RAW", "data": data}, count


# ---- a write beyond the grid ------------------------------------------------------------
# values:batchUpdate cannot write outside a sheet's rows × columns (new worker columns on the
# first pass, usually).  Then the same cells go in ONE spreadsheets.batchUpdate instead:
# appendDimension for the missing rows/columns, then updateCells with literal values
# (stringValue is never parsed, like RAW).

def growth(writes: list[CellWrite], sheets) -> dict[str, tuple[int, int]]:
    """tab → (rows, columns) to append so every write fits its grid (known sheets only)."""
    size = {s.title: s for s in sheets}
    need: dict[str, list[int]] = {}
    for w in writes:
        n = need.setdefault(w.tab, [0, 0])
        n[0], n[1] = max(n[0], w.row), max(n[1], w.col)
    out = {}
    for tab, (rows, cols) in need.items():
        s = size.get(tab)
        if s is None or not s.rows or not s.cols:
            continue
        more = (max(0, rows - s.rows), max(0, cols - s.cols))
        if any(more):
            out[tab] = more
    return out


def _cell_data(value) -> dict:
    v = json_value(value)
    if v == "":
        return {}
    if isinstance(v, bool):
        return {"userEnteredValue": {"boolValue": v}}
    if isinstance(v, str):
        return {"userEnteredValue": {"stringValue": v}}
    return {"userEnteredValue": {"numberValue": v}}


def cells_body(writes: list[CellWrite], sheets, grow: dict[str, tuple[int, int]]) -> tuple[dict, int]:
    """One spreadsheets.batchUpdate: grow the grids, then every run of cells."""
    ids = {s.title: s.sheet_id for s in sheets}
    requests = []
    for tab, (rows, cols) in grow.items():
        if cols:
            requests.append({"appendDimension": {"sheetId": ids[tab], "dimension": "COLUMNS", "length": cols}})
        if rows:
            requests.append({"appendDimension": {"sheetId": ids[tab], "dimension": "ROWS", "length": rows}})
    cells: dict[tuple[str, int], dict[int, object]] = defaultdict(dict)
    for w in writes:
        cells[(w.tab, w.row)][w.col] = w.value
    count = 0
    for (tab, row), by_col in cells.items():
        cols = sorted(by_col)
        runs, run = [], [cols[0]]
        for c in cols[1:]:
            if c == run[-1] + 1:
                run.append(c)
            else:
                runs.append(run)
                run = [c]
        runs.append(run)
        for run in runs:
            requests.append({"updateCells": {
                "start": {"sheetId": ids[tab], "rowIndex": row - 1, "columnIndex": run[0] - 1},
                "rows": [{"values": [_cell_data(by_col[c]) for c in run]}], "fields": "userEnteredValue"}})
            count += len(run)
    return {"requests": requests}, count
