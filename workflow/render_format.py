"""Small pure helpers for what mail shows: masks, money, dates, header values, addresses.

They are the template filters (`mask_name`, `mask_phone`, `money`, `date`) and
the guards every header value and address from the sheet goes through.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from .cells import CellError, parse_email

# ---------------------------------------------------------------- masks


def mask_name(name: Any) -> str:
    """Another person's name: the first character of each word kept, the rest
    one `*` per character.  张三 → 张*, 欧阳娜娜 → 欧***, "Ann Lee" → "A** L**".
    A one-character word is masked whole (张 → *, so nothing is given away);
    an empty name stays empty."""
    if name is None:
        return ""
    words = str(name).split()
    return " ".join(w[0] + "*" * (len(w) - 1) if len(w) > 1 else "*" for w in words)


def mask_phone(phone: Any) -> str:
    """Another person's phone: a Chinese mobile shows 3 + 4 digits (138****8000);
    any other number shows only its last 4 digits (*******5678); 4 digits or
    fewer are masked whole.  Separators and a +86 prefix are dropped."""
    if phone is None:
        return ""
    if isinstance(phone, float) and phone.is_integer():
        phone = int(phone)
    text = str(phone).strip()
    digits = "".join(c for c in text if c.isdigit() and c.isascii())
    abroad = text[:1] == "+" or text[:2] == "00"   # an international prefix: +86 is home, others are not
    if text[:2] == "00":
        digits = digits[2:]
    if abroad and digits[:2] == "86":
        digits, abroad = digits[2:], False
    if not abroad and len(digits) == 11 and digits[0] == "1":
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits) if digits else ("****" if str(phone).strip() else "")
    return "*" * (len(digits) - 4) + digits[-4:]


# ---------------------------------------------------------------- money and dates
_ZERO_DECIMALS = frozenset({"JPY", "KRW", "VND", "CLP", "ISK"})
_SYMBOLS = {"CNY": "¥", "RMB": "¥"}
_CENT = Decimal("0.01")


def format_money(amount: Decimal | int | None, currency: str = "CNY", lang: str = "zh") -> str:
    """Money as a person reads it, the same in both languages: CNY "¥1,234.50",
    any other ISO code "USD 1,234.50"; a minus in front when negative
    ("-¥50.00"); two decimals (none for JPY, KRW, ...), more only when the
    amount really has them, so nothing is ever rounded away.  None → ""."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or isinstance(amount, float):
        raise TypeError("money is Decimal, never float")
    if not isinstance(amount, Decimal):
        amount = Decimal(amount if isinstance(amount, int) else str(amount).strip())
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    code = (currency or "CNY").strip().upper()
    places = 0 if code in _ZERO_DECIMALS else 2
    a = abs(amount)
    quantum = Decimal(1).scaleb(-places)
    if a == a.quantize(quantum):
        body = format(a.quantize(quantum), f",.{places}f")
    else:
        body = format(a.normalize(), ",f")
    symbol = _SYMBOLS.get(code)
    shown = symbol + body if symbol else f"{code} {body}"
    return "-" + shown if amount < 0 and a != 0 else shown


def format_date(value: Any, lang: str = "zh") -> str:
    """A date: 2026-11-20 in English, 2026年11月20日 in Chinese.  A datetime shows
    its date; None → ""; text is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if lang == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        return value.isoformat()
    return str(value)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_PERIOD = re.compile(r"(\d{4})-(\d{1,2})")


def format_month(value: Any, lang: str = "zh") -> str:
    """A period "2026-09" (or a date) as a month: 2026年9月 / September 2026.
    None → ""; anything else is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        year, month = value.year, value.month
    else:
        m = _PERIOD.fullmatch(str(value).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            return str(value)
        year, month = int(m.group(1)), int(m.group(2))
    return f"{year}年{month}月" if lang == "zh" else f"{_MONTHS[month - 1]} {year}"


# ---------------------------------------------------------------- headers and addresses
_SPACE_LIKE = frozenset({"Zs", "Zl", "Zp"})


def _header_char(c: str) -> str:
    if c.isprintable():
        return c
    cat = unicodedata.category(c)
    if c.isspace() or cat in _SPACE_LIKE:   # \t \r \n \x0b \x0c \x1c-\x1f \x85 U+2028 U+2029 ...
        return " "
    return ""                               # \x00, \x7f, other controls, format chars, surrogates


def clean_header(value: Any) -> str:
    """One safe header line from any value: CR, LF and every other control or
    format character removed (line breaks become spaces), whitespace collapsed.
    Nothing from the sheet can start a new header."""
    if value is None:
        return ""
    s = str(value)
    if not s.isprintable():
        s = "".join(_header_char(c) for c in s)
    return " ".join(s.split())


_NAMED = re.compile(r"[^<>]*<([^<>]+)>")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029,;]")


def parse_address(value: Any) -> str | None:
    """One usable email address from a sheet cell ("zs@example.com" or
    "张三 <zs@example.com>"), or None when the cell holds anything else: line
    breaks, control characters, commas or semicolons (several addresses), a
    non-ASCII local part.  An international domain is written in its ASCII
    (xn--) form.  None means: report a problem on the row, send nothing."""
    if not isinstance(value, str):
        return None
    if _FORBIDDEN.search(value):
        return None
    s = value.strip()
    if not s:
        return None
    m = _NAMED.fullmatch(s)
    if m:
        s = m.group(1).strip()
    if s.count("@") != 1:
        return None
    try:
        addr = parse_email(s)
    except CellError:
        return None
    if addr is None:
        return None
    local, domain = addr.rsplit("@", 1)
    if not local.isascii():
        return None
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return f"{local}@{domain}"


__all__ = ["mask_name", "mask_phone", "format_money", "format_date", "format_month", "clean_header", "parse_address"]
