"""The stored state of one spreadsheet: tabs in order, each a ragged grid of cells plus its grid size,
frozen rows, data validations and protected ranges.

Rows are 0-based here; `rows[r]` is a list no longer than the column count, None for an empty cell.
"""
from __future__ import annotations

import copy
import random

from .a1 import Box
from .cells import as_is, no_gc, renderer

DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM", "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
                   "italic": False, "strikethrough": False, "underline": False,
                   "foregroundColorStyle": {"rgbColor": {}}},
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
THEME = {"primaryFontFamily": "Arial", "themeColors": [
    {"colorType": kind, "color": {"rgbColor": rgb}} for kind, rgb in (
        ("TEXT", {}), ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
        ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
        ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
        ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
        ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
        ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
        ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
        ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}))]}


def shift_span(lo, hi, at, n, inherit_before=False):
    """[lo, hi) after inserting n (n > 0) or deleting -n (n < 0) lines at `at`; None if it vanishes.
    New lines take the validation/protection of the line before them (inherit_before) or after."""
    inf = float("inf")
    hi_ = inf if hi is None else hi
    if n > 0:
        if at < lo or (at == lo and inherit_before and lo > 0):
            lo, hi_ = lo + n, hi_ + n
        elif at < hi_ or (at == hi_ and inherit_before):
            hi_ += n
    else:
        end = at - n

        def move(x):
            return x if x <= at else (at if x <= end else x + n)
        lo, hi_ = move(lo), move(hi_)
        if hi_ <= lo:
            return None
    return lo, (None if hi_ == inf else int(hi_))


class Tab:
    def __init__(self, sheet_id: int, title: str, rows: list[list], row_count: int, col_count: int):
        self.sheet_id, self.title = sheet_id, title
        self.rows = rows
        self.row_count, self.col_count = row_count, col_count
        self.frozen_rows = self.frozen_cols = 0
        self.hidden = False
        self.validations: list[list] = []     # [r0, r1, c0, c1, rule]; None = open side; later wins
        self.protected: list[dict] = []       # {"id", "span": [r0, r1, c0, c1], "description", "warningOnly", ...}

    # -- reading ---------------------------------------------------------------------------------
    def cell(self, r: int, c: int):
        row = self.rows[r] if r < len(self.rows) else ()
        return row[c] if c < len(row) else None

    def read(self, box: Box, value_render: str, date_render: str, major: str = "ROWS") -> list[list]:
        """Values of `box` as the API returns them: trailing empty cells and rows dropped, inner ones ""."""
        show = renderer(value_render, date_render)
        keep_types = as_is(value_render, date_render)
        c0, c1 = box.c0, box.c1
        out, keep = [], 0
        if major == "COLUMNS":
            cols = [[self.cell(r, c) for r in range(box.r0, box.r1)] for c in range(c0, c1)]
            source, c0, c1 = cols, 0, box.r1 - box.r0
        else:
            source = self.rows[box.r0:box.r1]
        unchanged = keep_types.issuperset
        with no_gc():
            for row in source:
                seg = row[c0:c1]
                n = len(seg)
                while n and seg[n - 1] is None:
                    n -= 1
                if n == 0:
                    out.append([])
                    continue
                if n != len(seg):
                    del seg[n:]
                if None in seg or not unchanged(map(type, seg)):
                    seg = [v if type(v) in keep_types else show(v) for v in seg]
                out.append(seg)
                keep = len(out)
            del out[keep:]
        return out

    def extent(self) -> tuple[int, int]:
        """(rows, cols) up to the last non-empty cell."""
        last_r = last_c = 0
        for r, row in enumerate(self.rows):
            n = len(row)
            while n and row[n - 1] is None:
                n -= 1
            if n:
                last_r, last_c = r + 1, max(last_c, n)
        return last_r, last_c

    # -- writing ---------------------------------------------------------------------------------
    def put(self, r: int, c: int, value) -> None:
        rows = self.rows
        if r >= len(rows):
            if value is None:
                return
            rows.extend([] for _ in range(r + 1 - len(rows)))
        row = rows[r]
        if c >= len(row):
            if value is None:
                return
            row.extend([None] * (c + 1 - len(row)))
        row[c] = value

    def clear(self, box: Box) -> None:
        for row in self.rows[box.r0:box.r1]:
            end = min(box.c1, len(row))
            if box.c0 < end:
                row[box.c0:end] = [None] * (end - box.c0)

    # -- structure -------------------------------------------------------------------------------
    def insert_rows(self, at: int, count: int, rows: list[list] | None = None, inherit_before=False) -> None:
        if at < len(self.rows) or rows:
            while len(self.rows) < at:
                self.rows.append([])
            self.rows[at:at] = rows if rows is not None else [[] for _ in range(count)]
        self.row_count += count
        self._shift(True, at, count, inherit_before)

    def delete_rows(self, at: int, count: int) -> None:
        del self.rows[at:at + count]
        self.row_count -= count
        self._shift(True, at, -count)

    def insert_cols(self, at: int, count: int, inherit_before=False) -> None:
        for row in self.rows:
            if at < len(row):
                row[at:at] = [None] * count
        self.col_count += count
        self._shift(False, at, count, inherit_before)

    def delete_cols(self, at: int, count: int) -> None:
        for row in self.rows:
            del row[at:at + count]
        self.col_count -= count
        self._shift(False, at, -count)

    def resize(self, rows: int | None = None, cols: int | None = None) -> None:
        if rows is not None:
            del self.rows[rows:]
            self.row_count = rows
        if cols is not None:
            for row in self.rows:
                del row[cols:]
            self.col_count = cols

    def _shift(self, on_rows: bool, at: int, n: int, inherit_before=False) -> None:
        lo_i = 0 if on_rows else 2
        spans = [v for v in self.validations] + [p["span"] for p in self.protected]
        dead = []
        for span in spans:
            moved = shift_span(span[lo_i], span[lo_i + 1], at, n, inherit_before)
            if moved is None:
                dead.append(id(span))
            else:
                span[lo_i], span[lo_i + 1] = moved
        self.validations = [v for v in self.validations if id(v) not in dead]
        self.protected = [p for p in self.protected if id(p["span"]) not in dead]

    # -- metadata --------------------------------------------------------------------------------
    def properties(self, index: int) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.col_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        props = {"sheetId": self.sheet_id, "title": self.title, "index": index, "sheetType": "GRID",
                 "gridProperties": grid}
        if self.hidden:
            props["hidden"] = True
        return props

    def grid_range(self, span) -> dict:
        """A GridRange dict as Google echoes it (sheetId 0 and open sides left out)."""
        out = {}
        if self.sheet_id:
            out["sheetId"] = self.sheet_id
        for key, v in zip(("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"), span):
            if v is not None:
                out[key] = v
        return out

    def protected_json(self, p: dict, for_reply: bool = False) -> dict:
        out = {"protectedRangeId": p["id"], "range": self.grid_range(p["span"])}
        if p.get("description"):
            out["description"] = p["description"]
        if p.get("warningOnly"):
            out["warningOnly"] = True
        out["requestingUserCanEdit"] = True
        out["editors"] = {} if for_reply else {"users": list(p["editors"])}   # as recorded: reply shows {}
        return out

    def validation_at(self, r: int, c: int):
        found = None
        for r0, r1, c0, c1, rule in self.validations:
            if r0 <= r < (r1 if r1 is not None else r + 1) and c0 <= c < (c1 if c1 is not None else c + 1):
                found = rule
        return found


class Book:
    def __init__(self, spreadsheet_id: str, title: str, locale: str = "en_US", time_zone: str = "Etc/GMT",
                 seed: int = 0):
        self.id, self.title, self.locale, self.time_zone = spreadsheet_id, title, locale, time_zone
        self.tabs: list[Tab] = []
        self.shared_with: set[str] | None = None      # None = anyone may open it
        self.random = random.Random(f"{spreadsheet_id}/{seed}")
        self.modified = None

    def new_id(self, taken=()) -> int:
        while True:
            n = self.random.randrange(10 ** 8, 2 ** 31 - 1)
            if n not in taken:
                return n

    def add_tab(self, title: str, rows: list[list], row_count: int, col_count: int, sheet_id: int | None = None,
                index: int | None = None) -> Tab:
        if sheet_id is None:
            sheet_id = 0 if not self.tabs else self.new_id({t.sheet_id for t in self.tabs})
        tab = Tab(sheet_id, title, rows, row_count, col_count)
        self.tabs.insert(len(self.tabs) if index is None else index, tab)
        return tab

    def tab_by_title(self, title: str) -> Tab | None:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        folded = title.casefold()
        for tab in self.tabs:
            if tab.title.casefold() == folded:
                return tab
        return None

    def tab_by_id(self, sheet_id: int) -> Tab | None:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        return None

    def metadata(self) -> dict:
        sheets = []
        for i, tab in enumerate(self.tabs):
            sheet = {"properties": tab.properties(i)}
            if tab.protected:
                sheet["protectedRanges"] = [tab.protected_json(p) for p in tab.protected]
            sheets.append(sheet)
        return {
            "spreadsheetId": self.id,
            "properties": {"title": self.title, "locale": self.locale, "autoRecalc": "ON_CHANGE",
                           "timeZone": self.time_zone, "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                           "spreadsheetTheme": copy.deepcopy(THEME)},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.id}/edit",
        }

    def snapshot(self):
        """Everything needed to undo a failed batchUpdate (requests are all-or-nothing)."""
        return [(tab, tab.__dict__.copy(), [list(r) for r in tab.rows], copy.deepcopy(tab.validations),
                 copy.deepcopy(tab.protected)) for tab in self.tabs], self.title

    def restore(self, snap) -> None:
        tabs, self.title = snap
        self.tabs = []
        for tab, attrs, rows, validations, protected in tabs:
            tab.__dict__.update(attrs)
            tab.rows, tab.validations, tab.protected = rows, validations, protected
            self.tabs.append(tab)
