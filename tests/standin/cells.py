"""Cell values: what RAW / USER_ENTERED input stores, and what each render option returns.

A plain cell is a bare Python value (str, bool, int, float) and an empty cell is None, so a big
grid is plain lists. A number with a number format (date, date-time, time, percent, "1,200.50") is a
`Shown` number: an int or float subclass carrying `kind` and the `text` it shows, so JSON prints it
as the number with no conversion. A formula is a `Typed`: its result and the formula text.
Numbers are doubles as in Sheets; an integral number is kept as int so JSON prints `53`, not `53.0`.
"""
from __future__ import annotations

import ast
import contextlib
import datetime as dt
import gc
import math
import operator
import re
from decimal import Decimal

EPOCH = dt.datetime(1899, 12, 30)
DATE_KINDS = frozenset(("DATE", "DATE_TIME", "TIME"))


class ShownInt(int):
    """An integral number with a number format (a date's serial number, say)."""

    def __repr__(self):
        return f"ShownInt({int(self)}, {self.kind!r}, {self.text!r})"


class ShownFloat(float):
    __slots__ = ("kind", "text")

    def __repr__(self):
        return f"ShownFloat({float(self)}, {self.kind!r}, {self.text!r})"


def shown(value, kind: str, text: str):
    """`value` (a number) shown as `text` under a number format of `kind`."""
    value = number(value)
    out = ShownInt(value) if type(value) is int else ShownFloat(value)
    out.kind, out.text = kind, text
    return out


PLAIN = frozenset((str, bool, int, float))
SHOWN = frozenset((ShownInt, ShownFloat))
AS_IS = PLAIN | SHOWN          # cells UNFORMATTED_VALUE + SERIAL_NUMBER returns unchanged


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while building millions of cells: with a big grid alive,
    its passes cost more than the work itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Typed:
    """A formula cell (or an error value when `formula` is None): its result and its text."""
    __slots__ = ("value", "formula")

    def __init__(self, value, formula=None):
        self.value, self.formula = value, formula

    def __repr__(self):
        return f"Typed({self.value!r}, {self.formula!r})"



class BadValue(ValueError):
    """A JSON value that cannot go into a cell (object, list)."""


def number(x):
    """A Sheets number: int when integral (so JSON shows 53), else float."""
    if isinstance(x, Decimal):
        x = float(x)
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            raise BadValue(x)
        if x.is_integer() and abs(x) < 2 ** 53:
            return int(x)
    return x


def format_number(x) -> str:
    """Automatic ("General") number format, en_US."""
    if isinstance(x, int):
        return str(x) if abs(x) < 10 ** 15 else f"{x:.5E}".replace("E+", "E+")
    text = f"{x:.10g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}E{exp[0]}{exp[1:].zfill(2)}"
    return text


# -- dates ---------------------------------------------------------------------------------------

def serial(value: dt.date | dt.datetime | dt.time) -> int | float:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return number(delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6)
    if isinstance(value, dt.date):
        return (value - EPOCH.date()).days
    return number((value.hour * 3600 + value.minute * 60 + value.second) / 86400)


def from_serial(x: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=round(x * 86400))


def date_cell(value: dt.date | dt.datetime | dt.time):
    """A cell a person filled with a date: the serial number, shown as ISO text."""
    if isinstance(value, dt.datetime):
        return shown(serial(value), "DATE_TIME", value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, dt.date):
        return shown(serial(value), "DATE", value.isoformat())
    return shown(serial(value), "TIME", value.strftime("%H:%M:%S"))


_DATE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_NUMBER = re.compile(r"^([+-]?)(\$?)((?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?)(%?)$")


def _parse_date(s: str):
    m = _DATE.match(s)
    if m:
        y, sep, mo, d, hh, mm, ss = m.groups()
        date_text = f"{int(y):04d}{sep}{int(mo):02d}{sep}{int(d):02d}"
    else:
        m = _US_DATE.match(s)
        if not m:
            return None
        mo, d, y, hh, mm, ss = m.groups()
        date_text = f"{int(mo)}/{int(d)}/{int(y)}"
    try:
        day = dt.date(int(y), int(mo), int(d))
        if hh is None:
            return shown(serial(day), "DATE", date_text)
        moment = dt.datetime.combine(day, dt.time(int(hh), int(mm), int(ss or 0)))
    except ValueError:
        return None
    clock = f"{int(hh)}:{mm}" + (f":{ss}" if ss else "")
    return shown(serial(moment), "DATE_TIME", f"{date_text} {clock}")


def _parse_number(s: str):
    m = _NUMBER.match(s)
    if not m or not any(ch.isdigit() for ch in m.group(3)):
        return None
    sign, dollar, body, pct = m.groups()
    if dollar and pct:
        return None
    value = float(body.replace(",", "")) if any(c in body for c in ".eE,") else int(body)
    if sign == "-":
        value = -value
    if pct:
        return shown(value / 100, "PERCENT", s)
    if dollar:
        return shown(value, "CURRENCY", s)
    if "," in body:                       # "1,200.50" gets the format #,##0.00 and shows as typed
        return shown(value, "NUMBER", s)
    return number(value)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def _arith(node):
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.operand))
    raise ValueError(node)


def formula_cell(text: str) -> Typed:
    """`=4/2` evaluates to 2; plain arithmetic only, anything else shows an error value."""
    body = text[1:].replace("^", "**")
    try:
        value = number(float(_arith(ast.parse(body, mode="eval"))))
    except ZeroDivisionError:
        value = "#DIV/0!"
    except Exception:
        value = "#NAME?" if re.search(r"[A-Za-z]", body) else "#ERROR!"
    return Typed(value, text)


def user_entered(s: str):
    """What Sheets stores when a person (or USER_ENTERED) types the text `s`."""
    if s == "":
        return None
    first = s[0]
    if first == "'":
        return s[1:] or None
    if first == "=" and len(s) > 1:
        return formula_cell(s)
    if first.isdigit() or first in "+-.$":
        stripped = s.strip()
        found = _parse_date(stripped) if first.isdigit() else None
        if found is None and first.isdigit():
            m = _TIME.match(stripped)
            if m and int(m.group(1)) < 24:
                found = shown(serial(dt.time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))),
                              "TIME", stripped)
        if found is None:
            found = _parse_number(stripped)
        if found is not None:
            return found
    elif len(s) in (4, 5) and s.upper() in ("TRUE", "FALSE"):
        return s.upper() == "TRUE"
    return s


def from_json(value, user: bool):
    """A JSON cell from a values write; `user` = USER_ENTERED. JSON null is handled by the caller."""
    t = type(value)
    if t is str:
        return user_entered(value) if user else (value or None)
    if t is bool:
        return value
    if t is int or t is float:
        return number(value)
    raise BadValue(value)


_TRIGGERS = frozenset("'=+-.$0123456789tTfF")


def convert_rows(data, user: bool) -> list[list]:
    """Rows a test gives (Python values) as stored cells."""
    out = []
    with no_gc():
        for row in data:
            cells = []
            add = cells.append
            for v in row:
                t = type(v)
                if t is str:
                    add(user_entered(v) if user and v[:1] in _TRIGGERS else (v or None))
                elif t is int or t is bool or v is None:
                    add(v)
                else:
                    add(from_python(v, user))
            out.append(cells)
    return out


def from_python(value, user: bool = True):
    """A value a test puts in the sheet: dates become date cells, Decimal a number, str as typed."""
    if value is None or type(value) in (bool, int, float):
        return number(value) if type(value) is float else value
    if isinstance(value, (dt.date, dt.time)):
        return date_cell(value)
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, str):
        return user_entered(value) if user else (value or None)
    if isinstance(value, (Typed, ShownInt, ShownFloat)):
        return value
    raise TypeError(f"sheets stand-in: cannot put {value!r} in a cell")


# -- rendering -----------------------------------------------------------------------------------

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")


def renderer(value_render: str, date_render: str):
    """A function cell -> JSON value for these render options (empty cells give "")."""
    if value_render == "FORMATTED_VALUE":
        def show(v):
            if v is None:
                return ""
            t = type(v)
            if t is str:
                return v
            if t is bool:
                return "TRUE" if v else "FALSE"
            if t is int or t is float:
                return format_number(v)
            if t is Typed:
                return show(v.value)
            return v.text
        return show

    formulas = value_render == "FORMULA"
    dates_as_text = date_render == "FORMATTED_STRING"

    def raw(v):
        if v is None:
            return ""
        t = type(v)
        if t is Typed:
            return v.formula if formulas and v.formula is not None else v.value
        if dates_as_text and t in SHOWN and v.kind in DATE_KINDS:
            return v.text
        return v
    return raw


def as_is(value_render: str, date_render: str) -> frozenset:
    """Cell types a render returns unchanged (the fast path for big reads)."""
    if value_render == "FORMATTED_VALUE":
        return frozenset((str,))
    return PLAIN if date_render == "FORMATTED_STRING" else AS_IS


def effective(v):
    """The unformatted value of a cell (None when empty)."""
    return v.value if type(v) is Typed else v
