"""A1 notation as the Sheets API reads it and echoes it back.

Accepted: `Tab`, `'My Tab'` (quotes doubled inside), `Tab!A1`, `Tab!A1:C`, `Tab!C:C`, `Tab!2:2`,
`Tab!A2:Z`, `Tab!A2:2`, an unquoted title with spaces (`My Tab!A:A`, as gspread sends it in
batchGet), and a bare `A1:B2` on the first tab. Echo: `Sheet1!A1:D4`, a single cell as `Sheet1!B3`,
titles quoted unless they are plain identifiers that do not look like a cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import bad_request

_PART = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]{0,8})$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


def col_letters(number: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def quote_title(title: str) -> str:
    if _PLAIN_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass
class Box:
    """Rows r0..r1 and columns c0..c1 of one tab, 0-based, end exclusive."""
    tab: object
    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def rows(self) -> int:
        return self.r1 - self.r0

    @property
    def cols(self) -> int:
        return self.c1 - self.c0

    def a1(self) -> str:
        """Echo form: `Sheet1!A1:D4`, or `Sheet1!B3` for one cell."""
        return echo(self.tab.title, self.r0, self.r1, self.c0, self.c1)


def echo(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    start = f"{col_letters(c0 + 1)}{r0 + 1}"
    cells = start if (r1 - r0 == 1 and c1 - c0 == 1) else f"{start}:{col_letters(c1)}{r1}"
    return f"{quote_title(title)}!{cells}"


def split_title(text: str) -> tuple[str | None, str | None]:
    """('My Tab', 'A1:C') for "'My Tab'!A1:C"; (None, text) when no title is written."""
    if text.startswith("'"):
        out, i = [], 1
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == "":
                    return "".join(out), None
                if rest.startswith("!"):
                    return "".join(out), rest[1:]
                break
            out.append(ch)
            i += 1
        raise unparsable(text)
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def unparsable(text: str):
    return bad_request(f"Unable to parse range: {text}")


def exceeds(tab, r0: int, r1: int, c0: int, c1: int, prefix: str = ""):
    return bad_request(f"{prefix}Range ({echo(tab.title, r0, r1, c0, c1)}) exceeds grid limits. "
                       f"Max rows: {tab.row_count}, max columns: {tab.col_count}")


def parse_cells(cells: str) -> tuple[int | None, int | None, int | None, int | None] | None:
    """(r0, r1, c0, c1) with None for an open side, or None when `cells` is not A1 notation."""
    parts = cells.split(":")
    if len(parts) > 2 or not cells:
        return None
    found = []
    for part in parts:
        m = _PART.match(part)
        if not m or not (m.group(1) or m.group(2)):
            return None
        col = col_number(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) if m.group(2) else None
        if row == 0:
            return None
        found.append((row, col))
    (ra, ca) = found[0]
    if len(found) == 1:
        if ra is None or ca is None:
            return None
        return ra - 1, ra, ca - 1, ca
    (rb, cb) = found[1]
    if (ra is None and rb is not None and ca is None) or (ca is None and cb is not None and ra is None):
        return None
    r_lo = None if ra is None and rb is None else min(x for x in (ra, rb) if x is not None)
    r_hi = None if ra is None or rb is None else max(ra, rb)
    c_lo = None if ca is None and cb is None else min(x for x in (ca, cb) if x is not None)
    c_hi = None if ca is None or cb is None else max(ca, cb)
    if ra is None or rb is None:     # "A:C", "A2:C": open at the bottom
        r_lo = ra if ra is not None else 1
        r_hi = None
    if ca is None or cb is None:     # "2:5", "A2:5": open at the right
        c_lo = ca if ca is not None else 1
        c_hi = None
    return r_lo - 1, r_hi, c_lo - 1, c_hi


def resolve(book, text: str, prefix: str = "") -> Box:
    """The box `text` names in `book`; 400 "Unable to parse range" or "exceeds grid limits" otherwise."""
    title, cells = split_title(text.strip())
    if title is None:
        tab = book.tab_by_title(cells)
        if tab is not None:
            return Box(tab, 0, tab.row_count, 0, tab.col_count)
        tab = book.tabs[0] if book.tabs else None
        if tab is None:
            raise unparsable(text)
    else:
        tab = book.tab_by_title(title)
        if tab is None:
            raise unparsable(text)
        if not cells:
            return Box(tab, 0, tab.row_count, 0, tab.col_count)
    parsed = parse_cells(cells)
    if parsed is None:
        raise unparsable(text)
    r0, r1, c0, c1 = parsed
    r1 = tab.row_count if r1 is None else r1
    c1 = tab.col_count if c1 is None else c1
    if r0 >= tab.row_count or c0 >= tab.col_count or r1 > tab.row_count or c1 > tab.col_count:
        raise exceeds(tab, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1), prefix)
    return Box(tab, r0, r1, c0, c1)
