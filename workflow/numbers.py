"""Parse a number cell: amounts (30000, "30,000.00", "¥30,000", "3万", "1.5万元",
"3w", "3万5", "3万5000", "1.2亿"), Rate % cells ("5%", "0.2", "2‰") and whole numbers, and write an
amount as people read it.  Part of the `cells` interface."""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Context, Decimal
from typing import Any, Callable

from .cell_base import _CENT, _LIMIT, _ONE, _ZERO, _fail, _finite, _half, _strip

_PLAIN = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_AMOUNT = re.compile(r"([-+−–])?\s*(?:(?:[¥$]|rmb|cny|usd)\s*)?([-+−–])?\s*(\d[\d,]*(?:\.\d*)?|\.\d+)"
                     r"\s*(?:([亿億万萬千wk])(?:(?<=[万萬wW])\s*(零?\d{1,4})\s*(千)?)?)?\s*(?:元|块|rmb|cny|¥)?\s*整?", re.I)
_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SCALE = {"亿": 8, "億": 8, "万": 4, "萬": 4, "千": 3, "w": 4, "k": 3}     # 3w = 3万, 5k = 5千
_PERCENT = re.compile(r"([-+−–])?\s*(\d+(?:\.\d*)?|\.\d+)\s*([%‰])?")
_INT = re.compile(r"([-+−–])?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?")


def _from_float(v: float) -> Decimal:
    """As a spreadsheet shows it: 15 significant digits (0.1+0.2 -> 0.3)."""
    return Decimal(format(v, ".15g")) if v else _ZERO


def _decimal(v: Any, from_text: Callable[[str, str], Decimal], keys: tuple[str, str, str, str]) -> Decimal | None:
    """Shared by amounts and percentages; keys: (bad, negative, too large, is a date)."""
    t = type(v)
    if t is str:
        s = _strip(v)
        if not s:
            return None
        d = Decimal(s) if _PLAIN.fullmatch(s) else from_text(v, _half(s))
    elif t is int:
        d = Decimal(v)
    elif t is float and _finite(v):
        d = _from_float(v)
    elif v is None:
        return None
    elif t is Decimal and v.is_finite():
        d = v
    else:
        raise _fail(keys[3] if isinstance(v, (_dt.date, _dt.time)) else keys[0], v)
    if d < 0:
        raise _fail(keys[1], v)
    if d >= _LIMIT:
        raise _fail(keys[2], v)
    return d if d else _ZERO


def _amount_text(v: str, s: str) -> Decimal:
    negative = s[:1] == "(" and s[-1:] == ")"  # accountants' negative: (30,000)
    m = _AMOUNT.fullmatch(s[1:-1].strip() if negative else s)
    if not m:
        raise _fail("cell.amount_bad", v)
    sign1, sign2, num, unit, rest, thousand = m.groups()
    unit = unit.lower() if unit else unit
    if "," in num:
        whole, _, frac = num.partition(".")
        if "," in frac or not _GROUPS.fullmatch(whole):
            raise _fail("cell.amount_separator", v)
        num = num.replace(",", "")
    d = Decimal(num)
    if unit:  # exact scaling: shift the exponent
        sign, digits, exp = d.as_tuple()
        d = Decimal((sign, digits, exp + _SCALE[unit]))
        if d.as_tuple().exponent > 0 and d < _LIMIT:
            d = d.quantize(_ONE)
        if rest:
            d += _after_wan(v, s, num, rest, thousand)
    if d and (negative or sign1 not in (None, "+") or sign2 not in (None, "+")):
        raise _fail("cell.amount_negative", v)
    return d


def _after_wan(v: str, s: str, num: str, rest: str, thousand: str | None) -> int:
    """What follows 万: 3万5 = 3万5千 = 35000, 3万5000 = 35000, 3万零500 = 30500.
    What could be meant two ways is asked for: 3万5元 (35,000 or 30,005?),
    3万50 (30,050 or 35,000?), 1.5万5000."""
    if "." in num:
        raise _fail("cell.amount_unclear", v)
    if rest[0] == "零":                   # 3万零500: the digits as they are
        if thousand:
            raise _fail("cell.amount_unclear", v)
        return int(rest[1:])
    if len(rest) == 1:                    # 3万5: the thousands, as said aloud
        if not thousand and ("元" in s or "块" in s):
            raise _fail("cell.amount_unclear", v)
        return int(rest) * 1000
    if len(rest) == 4 and not thousand:   # 3万5000
        return int(rest)
    raise _fail("cell.amount_unclear", v)


_SPELLED = re.compile(r"(百分之|千分之)\s*(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+(?:点[零一二三四五六七八九]+)?)")
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _chinese_number(t: str) -> Decimal | None:
    """一 … 九十九, with 点 decimals (二点五): what policy documents write in a rate."""
    whole, _, frac = t.partition("点")
    if "十" in whole:
        tens, _, ones = whole.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        n = (_DIGIT.get(tens, -100) if tens else 1) * 10 + (_DIGIT.get(ones, -100) if ones else 0)
    elif len(whole) == 1:
        n = _DIGIT.get(whole, -100)
    else:
        return None
    if n < 0:
        return None
    return Decimal(f"{n}.{''.join(str(_DIGIT[c]) for c in frac)}") if frac else Decimal(n)


def _percent_text(v: str, s: str) -> Decimal:
    spelled = _SPELLED.fullmatch(s)
    if spelled:                 # 千分之二 = 0.2 %, 百分之三 = 3 %
        kind, num = spelled.groups()
        d = Decimal(num) if num[0].isdigit() else _chinese_number(num)
        if d is None:
            raise _fail("cell.percent_bad", v)
        return d / 10 if kind == "千分之" else d
    m = _PERCENT.fullmatch(s)
    if not m:
        raise _fail("cell.percent_bad", v)
    d = Decimal(m.group(2))
    if d and m.group(1) not in (None, "+"):
        raise _fail("cell.percent_negative", v)
    return d / 10 if m.group(3) == "‰" else d       # 2‰ (千分之二) is 0.2 %


_AMOUNT_KEYS = ("cell.amount_bad", "cell.amount_negative", "cell.amount_too_large", "cell.amount_is_date")
_PERCENT_KEYS = ("cell.percent_bad", "cell.percent_negative", "cell.percent_bad", "cell.percent_bad")


def parse_amount(v: Any) -> Decimal | None:
    """Money as an exact Decimal: 30000, "30,000.00", "¥30,000", "3万", "1.5万元"; never negative, below 10**12."""
    return _decimal(v, _amount_text, _AMOUNT_KEYS)


def parse_percent(v: Any) -> Decimal | None:
    """A Rate % cell: the number is the percentage ("0.2" and 0.2 mean 0.2 %, "5%" means 5, "2‰" means 0.2)."""
    return _decimal(v, _percent_text, _PERCENT_KEYS)


def parse_int(v: Any, *, minimum: int = 0) -> int | None:
    """A whole number such as a count or a number of days: 5, "5", 5.0, "５"."""
    t = type(v)
    if t is int:
        n = v
    elif t is str:
        s = _strip(v)
        if not s:
            return None
        if s.isdigit() and s.isascii() and len(s) <= 15:
            n = int(s)
        else:
            m = _INT.fullmatch(_half(s))
            digits = m.group(2).replace(",", "") if m else ""
            if not m or len(digits) > 15:
                raise _fail("cell.int_bad", v)
            n = -int(digits) if m.group(1) not in (None, "+") else int(digits)
    elif t is float and _finite(v) and abs(v) < 1e15 and v.is_integer():
        n = int(v)
    elif v is None:
        return None
    else:
        raise _fail("cell.int_bad", v)
    if n < minimum:
        raise _fail("cell.int_too_small", v, minimum=minimum)
    return n


_FORMATTED: dict = {}   # amount → text: amounts repeat on every row of a pass


def format_amount(d: Decimal) -> str:
    """Plain decimal text, never an exponent: 800, 1234.50, 0.125.  Equal
    amounts give the same text (1.5 and 1.50 alike), so texts are remembered."""
    if not d.is_finite():
        return str(d)
    hit = _FORMATTED.get(d) if d.__class__ is Decimal else None
    if hit is None:
        hit = _format_amount(d)
        if d.__class__ is Decimal:
            if len(_FORMATTED) > 100_000:
                _FORMATTED.clear()
            _FORMATTED[d] = hit
    return hit


def _format_amount(d: Decimal) -> str:
    if not d:
        return "0"
    if d == d.to_integral_value():
        return format(d.to_integral_value(), "f")
    ctx = Context(prec=max(28, len(d.as_tuple().digits) + 4))
    n = d.normalize(ctx)
    return format(n.quantize(_CENT, context=ctx) if n.as_tuple().exponent >= -2 else n, "f")


