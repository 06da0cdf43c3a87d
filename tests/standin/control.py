"""SheetsStandin: the stand-in server plus what tests do to it — seed spreadsheets, edit them as staff
would, look at the result, read the request log, and switch faults on.

Rows and columns are 1-based in this API (as a person counts them); the HTTP side is the real API.
"""
from __future__ import annotations

import time

from .a1 import Box
from .book import Book
from .cells import SHOWN, ShownInt, convert_rows, from_python
from .server import Server


class SheetsStandin(Server):
    def __init__(self, port: int = 0):
        super().__init__(port)
        self._next_id = 0

    def __enter__(self) -> "SheetsStandin":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- seeding -----------------------------------------------------------------------------------
    def add_spreadsheet(self, tabs: dict[str, list[list]], spreadsheet_id: str | None = None,
                        title: str = "Referrals", *, value_input: str = "USER_ENTERED", rows: int = 1000,
                        cols: int = 26, locale: str = "en_US", time_zone: str = "Etc/GMT") -> str:
        """A new spreadsheet with `tabs` in order, shared with anyone. Each tab's grid is at least
        rows x cols (1000 x 26, as a new Google sheet), larger if the data needs it. Values go in as a
        person types them (value_input="USER_ENTERED": "2026-11-01" becomes a date, "1,200" a number,
        "=1+1" a formula); value_input="RAW" keeps text as text. date/datetime become date cells,
        Decimal a number, None an empty cell."""
        with self._lock:
            if spreadsheet_id is None:
                self._next_id += 1
                spreadsheet_id = f"1standin{self._next_id:04d}" + "x" * 32
            book = Book(spreadsheet_id, title, locale, time_zone)
            book.created = time.time()
            for name, data in (tabs or {"Sheet1": []}).items():
                grid = self._convert(data, value_input)
                width = max((len(r) for r in grid), default=0)
                book.add_tab(name, grid, max(rows, len(grid)), max(cols, width))
            self.books[spreadsheet_id] = book
            return spreadsheet_id

    def add_tab(self, spreadsheet_id: str, title: str, data: list[list] = (), *, rows: int = 1000, cols: int = 26,
                value_input: str = "USER_ENTERED") -> None:
        with self._lock:
            grid = self._convert(data, value_input)
            width = max((len(r) for r in grid), default=0)
            self.book(spreadsheet_id).add_tab(title, grid, max(rows, len(grid)), max(cols, width))

    @staticmethod
    def _convert(data, value_input: str) -> list[list]:
        return convert_rows(data, value_input == "USER_ENTERED")

    def book(self, spreadsheet_id: str) -> Book:
        return self.books[spreadsheet_id]

    def tab(self, spreadsheet_id: str, tab: str):
        found = self.book(spreadsheet_id).tab_by_title(tab)
        if found is None:
            raise KeyError(f"sheets stand-in: no tab {tab!r} in {spreadsheet_id}")
        return found

    # -- looking -----------------------------------------------------------------------------------
    def grid(self, spreadsheet_id: str, tab: str, render: str = "UNFORMATTED_VALUE",
             dates: str = "SERIAL_NUMBER") -> list[list]:
        """The tab's values as a whole-tab values.get returns them (ragged, "" for inner blanks)."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            return [[_plain(v) for v in row] for row in t.read(Box(t, 0, t.row_count, 0, t.col_count),
                                                                render, dates)]

    def value(self, spreadsheet_id: str, tab: str, row: int, col: int, render: str = "UNFORMATTED_VALUE",
              dates: str = "SERIAL_NUMBER"):
        """One cell (1-based) as the API would render it; "" when empty."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            got = t.read(Box(t, row - 1, row, col - 1, col), render, dates)
            return _plain(got[0][0]) if got else ""

    def tabs(self, spreadsheet_id: str) -> list[str]:
        return [t.title for t in self.book(spreadsheet_id).tabs]

    def grid_size(self, spreadsheet_id: str, tab: str) -> tuple[int, int]:
        t = self.tab(spreadsheet_id, tab)
        return t.row_count, t.col_count

    def frozen_rows(self, spreadsheet_id: str, tab: str) -> int:
        return self.tab(spreadsheet_id, tab).frozen_rows

    def validations(self, spreadsheet_id: str, tab: str) -> list[dict]:
        """[{"range": GridRange, "rule": rule or None}] in the order they were set (later wins)."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            return [{"range": t.grid_range(v[:4]), "rule": v[4]} for v in t.validations]

    def validation_at(self, spreadsheet_id: str, tab: str, row: int, col: int):
        """The data-validation rule in force at a cell (1-based), or None."""
        with self._lock:
            return self.tab(spreadsheet_id, tab).validation_at(row - 1, col - 1)

    def protected_ranges(self, spreadsheet_id: str, tab: str) -> list[dict]:
        """As spreadsheets.get lists them under sheets[].protectedRanges."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            return [t.protected_json(p) for p in t.protected]

    # -- staff edits -------------------------------------------------------------------------------
    def set_cell(self, spreadsheet_id: str, tab: str, row: int, col: int, value) -> None:
        """A person types `value` into the cell (1-based); the grid grows if needed."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            t.row_count, t.col_count = max(t.row_count, row), max(t.col_count, col)
            t.put(row - 1, col - 1, from_python(value, True))
            self._touch(spreadsheet_id)

    def sort_rows(self, spreadsheet_id: str, tab: str, key, header_rows: int = 1, reverse: bool = False) -> None:
        """Sort the data rows below `header_rows` by key(row) — row as grid() shows it, padded with ""
        to the data width. Empty rows stay at the bottom, as "Sort sheet" does."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            height, width = t.extent()
            body = t.rows[header_rows:height]
            shown = t.read(Box(t, header_rows, max(height, header_rows), 0, t.col_count),
                           "UNFORMATTED_VALUE", "SERIAL_NUMBER")
            shown += [[]] * (len(body) - len(shown))
            order = sorted(range(len(body)), key=lambda i: key(shown[i] + [""] * (width - len(shown[i]))),
                           reverse=reverse)
            t.rows[header_rows:height] = [body[i] for i in order]
            self._touch(spreadsheet_id)

    def insert_rows(self, spreadsheet_id: str, tab: str, at_row: int, rows: list[list]) -> None:
        """Insert `rows` so the first becomes row `at_row` (1-based); rows below shift down. Like
        "Insert row above" in the UI, new rows take validation/protection from the row above."""
        with self._lock:
            t = self.tab(spreadsheet_id, tab)
            t.insert_rows(at_row - 1, len(rows), self._convert(rows, "USER_ENTERED"), inherit_before=True)
            t.col_count = max([t.col_count] + [len(r) for r in rows])
            self._touch(spreadsheet_id)

    def delete_rows(self, spreadsheet_id: str, tab: str, at_row: int, count: int = 1) -> None:
        with self._lock:
            self.tab(spreadsheet_id, tab).delete_rows(at_row - 1, count)
            self._touch(spreadsheet_id)

    def resize(self, spreadsheet_id: str, tab: str, rows: int | None = None, cols: int | None = None) -> None:
        with self._lock:
            self.tab(spreadsheet_id, tab).resize(rows, cols)

    def rename_tab(self, spreadsheet_id: str, tab: str, new_title: str) -> None:
        with self._lock:
            self.tab(spreadsheet_id, tab).title = new_title

    def remove_tab(self, spreadsheet_id: str, tab: str) -> None:
        """A person deletes the tab."""
        with self._lock:
            book = self.book(spreadsheet_id)
            book.tabs.remove(self.tab(spreadsheet_id, tab))
            self._touch(spreadsheet_id)

    def _touch(self, spreadsheet_id: str) -> None:
        self.book(spreadsheet_id).modified = time.time()

    # -- request log -------------------------------------------------------------------------------
    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, *kinds: str) -> int:
        """Requests seen of these kinds (all kinds, token included, when none are given)."""
        with self._lock:
            return sum(1 for r in self.requests if not kinds or r.kind in kinds)

    def of_kind(self, *kinds: str) -> list:
        with self._lock:
            return [r for r in self.requests if r.kind in kinds]

    # -- faults and access -------------------------------------------------------------------------
    def fail_next(self, status: int, times: int = 1, kinds=None, body=None) -> None:
        """The next `times` API requests (of `kinds`; any but token when None) fail with `status` and
        Google's body for it (429 RESOURCE_EXHAUSTED quota error, 500/503 JSON, 502 an HTML page, ...).
        `body` overrides the body (dict -> JSON, str -> HTML)."""
        with self._lock:
            self._fails.append({"status": status, "times": times, "kinds": _kinds(kinds), "body": body})

    def delay_next(self, seconds: float, times: int = 1, kinds=None) -> None:
        """Hold the next `times` requests for `seconds` before answering; the request is still carried
        out afterwards (a write that times out at the client may still land, as with the real API)."""
        with self._lock:
            self._delays.append({"seconds": seconds, "times": times, "kinds": _kinds(kinds)})

    def before_next_write(self, fn) -> None:
        """fn(standin) runs right before the next write (values update/batchUpdate/append/clear or
        spreadsheets batchUpdate) is applied. All pending functions run on that one write."""
        with self._lock:
            self._before_write.append(fn)

    def after_next_read(self, fn, kinds=("batch_get",)) -> None:
        """fn(standin) runs right after the next batchGet (or `kinds`) response is sent, before any
        other request is served."""
        with self._lock:
            self._after_read.append({"fn": fn, "kinds": _kinds(kinds)})

    def reset_faults(self) -> None:
        """Every fault switch off: pending failures, delays and edit hooks dropped, the API enabled."""
        with self._lock:
            self._fails.clear()
            self._delays.clear()
            self._before_write.clear()
            self._after_read.clear()
            self.api_enabled = True

    def pending_faults(self) -> dict:
        """What is still switched on (all zero/True after reset_faults)."""
        with self._lock:
            return {"fails": len(self._fails), "delays": len(self._delays), "before_write": len(self._before_write),
                    "after_read": len(self._after_read), "api_enabled": self.api_enabled}

    def disable_api(self) -> None:
        """Every API call answers 403 SERVICE_DISABLED ("Google Sheets API has not been used ...")."""
        self.api_enabled = False

    def enable_api(self) -> None:
        self.api_enabled = True

    def share(self, spreadsheet_id: str, *emails: str) -> None:
        """Only `emails` may open the spreadsheet from now on (others get 403 PERMISSION_DENIED)."""
        with self._lock:
            self.book(spreadsheet_id).shared_with = set(emails)

    def share_with_anyone(self, spreadsheet_id: str) -> None:
        with self._lock:
            self.book(spreadsheet_id).shared_with = None

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (401), as when an hour has passed."""
        with self._lock:
            self.tokens.clear()

    def client(self, key_path, http_client=None, scopes=None):
        """A real gspread.Client on this stand-in (see connect.py for how it is pointed here)."""
        from .connect import gspread_client
        return gspread_client(key_path, self.url, http_client, scopes)


def _plain(v):
    """A stored number with a format (ShownInt/ShownFloat) as the bare int/float JSON would give."""
    t = type(v)
    if t in SHOWN:
        return int(v) if t is ShownInt else float(v)
    return v


def _kinds(kinds):
    if kinds is None:
        return None
    return {kinds} if isinstance(kinds, str) else set(kinds)
