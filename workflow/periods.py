"""Calendar arithmetic: business days, and month/quarter/year periods."""
from __future__ import annotations

import calendar
import datetime as dt


def add_business_days(start: dt.date, days: int, holidays=(), workdays=()) -> dt.date:
    """The date `days` business days after `start` (weekends and holidays skipped,
    extra working days such as China's make-up Saturdays counted).

    Deal on Wednesday 2026-11-18 + 5 → Wednesday 2026-11-25."""
    off = set(holidays)
    on = set(workdays)
    d = start
    left = days
    while left > 0:
        d += dt.timedelta(days=1)
        if d in on or (d.weekday() < 5 and d not in off):
            left -= 1
    return d


def month_key(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def period_key(kind: str, d: dt.date) -> str:
    if kind == "month":
        return month_key(d)
    if kind == "quarter":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    if kind == "year":
        return f"{d.year:04d}"
    return kind  # campaign · all: one period


def period_end(kind: str, key: str, campaign_end: dt.date | None = None) -> dt.date | None:
    """Last day of the period, or None when it never ends."""
    if kind == "month":
        y, m = int(key[:4]), int(key[5:7])
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    if kind == "quarter":
        y, q = int(key[:4]), int(key[-1])
        m = q * 3
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    if kind == "year":
        return dt.date(int(key), 12, 31)
    if kind == "campaign":
        return campaign_end
    return None
