"""The common cell spellings, recognised a whole block of cells at a time.

A pass parses 100 000 rows, and most cells are spelled the common way: a
phone of 11 plain digits, a name with nothing to clean, a date-time cell, an
ISO date typed as text.  For those the parsers in `cells` and `dates` would
only confirm the value (or take it apart the obvious way); here they are
recognised in one comprehension per block, without a parser call per cell.

Each function takes distinct non-empty cells and returns {cell: parsed value}
for the cells it recognises — exactly what the parser returns for them; the
other cells go through the parser as usual (which also words every problem).
"""
from __future__ import annotations

import datetime as _dt
import re

from . import cells
from .dates import _MAX_YEAR, _MIN_YEAR, parse_date, parse_datetime

_DATETIME, _DATE = _dt.datetime, _dt.date
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\d(?: \d\d:\d\d(?::\d\d)?)?", re.ASCII)
_SPACED_PHONE = re.compile(r"(\d{3}) (\d{4}) (\d{4})", re.ASCII)          # 138 0013 8000
_PLUS86_MOBILE = re.compile(r"\+86 (1\d\d)-(\d{4})-(\d{4})", re.ASCII)    # +86 138-0013-8000
_SPELLED_LENGTHS = frozenset({13, 17})


def _in_years(d) -> bool:
    return _MIN_YEAR <= d.year <= _MAX_YEAR


def phones(new) -> dict:
    """parse_phone: plain digits (not starting 00 or 86, 5–15 of them) are the
    phone as typed; '138 0013 8000' and '+86 138-0013-8000' are its 11 digits."""
    out = {x: x for x in new if x.__class__ is str and x.isdigit() and x.isascii() and 5 <= len(x) <= 15
           and x[:2] != "00" and x[:2] != "86" and not (x[0] == "1" and len(x) != 11 and 6 <= len(x) <= 12)}
    for x in new:
        if x not in out and x.__class__ is str and len(x) in _SPELLED_LENGTHS:
            m = _SPACED_PHONE.fullmatch(x) or _PLUS86_MOBILE.fullmatch(x)
            if m:
                digits = "".join(m.groups())
                if digits[:2] != "00" and digits[:2] != "86":
                    out[x] = digits
    return out


def texts(new) -> dict:
    """parse_text: printable text without outer spaces or double spaces, within
    the length limit, is the text as typed."""
    limit = cells.TEXT_LIMIT
    return {x: x for x in new if x.__class__ is str and x and x.isprintable() and x[0] != " " and x[-1] != " "
            and "  " not in x and len(x) <= limit}


def datetimes(new) -> dict:
    """parse_datetime: a naive date-time cell within the years accepted is the
    value itself; ISO text (2026-11-18, 2026-11-18 09:30[:15]) is read as ISO."""
    out = {x: x for x in new if x.__class__ is _DATETIME and x.tzinfo is None and _in_years(x)}
    for x in new:
        if x.__class__ is str and _ISO_DATETIME.fullmatch(x):
            try:
                d = _DATETIME.fromisoformat(x)
            except ValueError:      # not a real date or time: the parser words it
                continue
            if _in_years(d):
                out[x] = d
    return out


def dates(new) -> dict:
    """parse_date: a date cell within the years accepted is the value itself;
    ISO text (2026-11-18) is read as ISO."""
    out = {x: x for x in new if x.__class__ is _DATE and _in_years(x)}
    for x in new:
        if x.__class__ is str and _ISO_DATE.fullmatch(x):
            try:
                d = _DATE.fromisoformat(x)
            except ValueError:
                continue
            if _in_years(d):
                out[x] = d
    return out


BY_PARSER = {cells.parse_phone: phones, cells.parse_text: texts, parse_datetime: datetimes, parse_date: dates}
