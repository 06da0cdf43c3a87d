"""Parse a date or date-time cell: real date cells, Excel serial numbers, and
the spellings people type (2026-11-18, 2026/11/18, 2026.11.18, 2026年11月18日,
11/18/2026 when unambiguous).  Part of the `cells` interface."""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any

from .cell_base import _fail, _finite, _half, _strip
from .i18n import Text, register

# why a date written in a right format does not exist (the {why} of cell.date_invalid)
register({
    "date.no_month": {"en": "there is no month {m}", "zh": "没有 {m} 月"},
    "date.no_month_either": {"en": "neither {a} nor {b} is a month", "zh": "{a} 和 {b} 都不是月份"},
    "date.no_day": {"en": "there is no day {d}", "zh": "没有 {d} 日"},
    "date.month_has_no_day": {"en": "{month} has no {nth}", "zh": "{m} 月没有 {d} 日"},
    "date.february_has_no_day": {"en": "February {y} has no {nth}", "zh": "{y} 年 2 月没有 {d} 日"},
})
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")      # English month names, whatever the locale

_CLOCK = (r"(?P<ap1>上午|下午|晚上|中午)?\s*(?P<h>\d{1,2})[:时点](?P<mi>\d{1,2})分?"
          r"(?::(?P<s>\d{1,2})(?:\.\d+)?秒?)?\s*(?P<ap2>[ap]\.?m\.?)?\s*(?:z|[+-]\d{2}:?\d{2})?")
_DATE_FORMS = [re.compile(p + r"(?:[\st]*" + _CLOCK + ")?") for p in (
    r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})",
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?",
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    r"(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})",  # d/m/yyyy or m/d/yyyy
    r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?",  # no year
)]
_TIME_ONLY = re.compile(_CLOCK)
_EPOCH = _dt.datetime(1899, 12, 30)  # Excel 1900 date system, for serials >= 61
_MIN_YEAR, _MAX_YEAR = 1990, 2100
_SERIAL_MIN = (_dt.datetime(_MIN_YEAR, 1, 1) - _EPOCH).days
_SERIAL_MAX = (_dt.datetime(_MAX_YEAR + 1, 1, 1) - _EPOCH).days


def _no_such_day(v: Any, y: int, m: int, d: int):
    """cell.date_invalid for month m (of year y) without a day d, saying why."""
    if not 1 <= m <= 12:
        why = Text("date.no_month", m=m)
    elif not 1 <= d <= 31:
        why = Text("date.no_day", d=d)
    else:
        nth = f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"
        why = Text("date.february_has_no_day" if m == 2 else "date.month_has_no_day",
                   month=MONTHS[m - 1], y=y, m=m, d=d, nth=nth)
    return _fail("cell.date_invalid", v, why=why)


def _ymd(v: Any, y: int, m: int, d: int) -> _dt.date:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise _no_such_day(v, y, m, d)
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise _fail("cell.date_year", v, year=y)
    if d > calendar.monthrange(y, m)[1]:
        raise _no_such_day(v, y, m, d)
    return _dt.date(y, m, d)


def _from_number(v: Any, n: int | float) -> _dt.datetime:
    """An Excel serial number (1900 date system), or a yyyymmdd number such as 20261118."""
    if not _finite(n):
        raise _fail("cell.date_number", v)
    if 19000101 <= n <= 29991231 and n == int(n):
        i = int(n)
        return _dt.datetime.combine(_ymd(v, i // 10000, i // 100 % 100, i % 100), _dt.time())
    if not _SERIAL_MIN <= n < _SERIAL_MAX:  # also rejects serials < 61 (1900, fake 1900-02-29)
        raise _fail("cell.date_number", v)
    return _EPOCH + _dt.timedelta(seconds=round(n * 86400))


def _from_text(v: str, s: str, today: _dt.date | None) -> _dt.datetime:
    s = _half(s).lower()
    for form in _DATE_FORMS:
        m = form.fullmatch(s)
        if m:
            break
    else:
        raise _fail("cell.date_is_time" if _TIME_ONLY.fullmatch(s) else "cell.date_bad", v)
    g = m.groupdict()
    if g.get("a"):  # d/m/yyyy or m/d/yyyy: only when one reading is impossible
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
        if a > 12 >= b:
            g["d"], g["m"] = a, b
        elif b > 12 >= a or a == b:
            g["m"], g["d"] = a, b
        elif a <= 12 and b <= 12:
            raise _fail("cell.date_ambiguous", v, a=f"{y:04d}-{a:02d}-{b:02d}", b=f"{y:04d}-{b:02d}-{a:02d}")
        else:
            raise _fail("cell.date_invalid", v, why=Text("date.no_month_either", a=a, b=b))
    month, day = int(g["m"]), int(g["d"])
    if g.get("y") is not None:
        date = _ymd(v, int(g["y"]), month, day)
    elif today is None:
        raise _fail("cell.date_no_year", v)
    else:  # 11月18日: the nearest such day to today
        found = [_dt.date(y, month, day) for y in (today.year - 1, today.year, today.year + 1)
                 if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(y, month)[1]]
        if not found:
            raise _no_such_day(v, today.year, month, day)
        date = min(found, key=lambda d: abs((d - today).days))
    if g["h"] is None:
        return _dt.datetime(date.year, date.month, date.day)
    h, mi, sec = int(g["h"]), int(g["mi"]), int(g["s"] or 0)
    ap = g["ap1"] or g["ap2"]
    if ap and ap != "中午":
        if not 1 <= h <= 12:
            raise _fail("cell.date_bad", v)
        h = (h % 12) + (12 if ap[0] in "p下晚" else 0)
    if h > 23 or mi > 59 or sec > 59:
        raise _fail("cell.date_bad", v)
    return _dt.datetime(date.year, date.month, date.day, h, mi, sec)


def _datetime(v: Any, today: _dt.date | None) -> _dt.datetime | None:
    t = type(v)
    if t is str:
        s = _strip(v)
        return _from_text(v, s, today) if s else None
    if isinstance(v, _dt.datetime):
        d = v.replace(tzinfo=None) if v.tzinfo else v
    elif isinstance(v, _dt.date):
        d = _dt.datetime(v.year, v.month, v.day)
    elif t is int or t is float:
        d = _from_number(v, v)
    elif v is None:
        return None
    else:
        raise _fail("cell.date_is_time" if isinstance(v, _dt.time) else "cell.date_bad", v)
    if not _MIN_YEAR <= d.year <= _MAX_YEAR:
        raise _fail("cell.date_year", v, year=d.year)
    return d


def parse_date(v: Any, *, today: _dt.date | None = None) -> _dt.date | None:
    """A calendar date; a time part is ignored.  `today` completes a date typed without a year (11月18日)."""
    if type(v) is _dt.date and _MIN_YEAR <= v.year <= _MAX_YEAR:
        return v
    d = _datetime(v, today)
    return None if d is None else d.date()


def parse_datetime(v: Any, *, today: _dt.date | None = None) -> _dt.datetime | None:
    """A date with its time of day (midnight when only a date is given); naive, as typed."""
    if v.__class__ is _dt.datetime and v.tzinfo is None and _MIN_YEAR <= v.year <= _MAX_YEAR:
        return v   # the common date-time cell, as _datetime would return it
    return _datetime(v, today)


