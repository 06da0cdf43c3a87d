"""Parse one raw cell value (see backends/base.py for what raw values are).

Every parser returns the parsed value, None for an empty cell (None, "" or
whitespace only), or raises `CellError` whose `.text` says what was found and
what is expected, in plain words.  The caller prefixes the column name.
Parsers are pure and cheap: the common spelling is tried first.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

# the shared parts, and the number and date parsers: all part of this interface
from .cell_base import (_BAD_CHARS, _CTRL, _MESSAGES, _ZW, CellError, _fail, _finite, _half,  # noqa: F401
                        _shown, _strip, norm)
from .dates import parse_date, parse_datetime  # noqa: F401
from .i18n import Bilingual
from .numbers import format_amount, parse_amount, parse_int, parse_percent  # noqa: F401


# ---------------------------------------------------------------- ticks, phones, emails
_TRUE = frozenset({"true", "1", "1.0", "✓", "✔", "☑", "☒", "✅", "x", "是", "y", "yes", "对", "√"})
_FALSE = frozenset({"false", "0", "0.0", "否", "n", "no", "☐", ""})


def parse_checkbox(v: Any) -> bool:
    """A tick box: TRUE/FALSE, ✓, x, 是/否, Y/N, yes/no, 1/0; empty is False."""
    t = type(v)
    if t is bool:
        return v
    if v is None:
        return False
    if t is str:
        s = _half(_strip(v)).lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    elif (t is int or t is float) and v in (0, 1):
        return v == 1
    raise _fail("cell.checkbox_bad", v)


_PHONE_DROP = {ord(c): None for c in "-.()–—‐−_'" + _ZW}
_PHONE = re.compile(r"(\+|00)?(\d+)")


def parse_phone(v: Any) -> str | None:
    """Digits only: "+86 138-0013-8000" -> "13800138000"; landlines keep their area code ("01012345678")."""
    t = type(v)
    if t is str:
        s = _strip(v)
        if not s:
            return None
        if s.isdigit() and s.isascii():
            if s[:2] != "00" and s[:2] != "86" and 5 <= len(s) <= 15 and not odd_mobile(s):
                return s   # plain digits, as the checks below would return them
        else:
            s = _half(s)
            s = "".join((s[:-2] if s[-2:] == ".0" else s).translate(_PHONE_DROP).split())  # "13800138000.0"
    elif t is int and v >= 0:
        s = str(v)
    elif t is float and _finite(v) and 0 <= v < 1e16 and v.is_integer():
        s = str(int(v))
    elif v is None:
        return None
    else:
        raise _fail("cell.phone_bad", v)
    m = _PHONE.fullmatch(s)
    if not m:
        raise _fail("cell.phone_bad", v)
    digits = m.group(2)
    if digits[:2] == "86":
        rest = digits[2:]
        if len(rest) == 11 and rest[0] == "1":  # Chinese mobile
            digits = rest
        elif m.group(1) and len(rest) >= 5:  # +86 10 1234 5678 -> 01012345678
            digits = rest if rest[0] == "0" else "0" + rest
    if not 5 <= len(digits) <= 15:
        raise _fail("cell.phone_bad", v)
    if not m.group(1) and odd_mobile(digits):
        raise _fail("cell.phone_mobile_digits", v, n=len(digits))
    return digits


def odd_mobile(digits: str) -> bool:
    """A Chinese mobile number (1xx…) with a digit missing or extra: 1390000019.
    Five-digit service numbers (10086, 12345) are not mobiles; with +/00 the
    number is international and not judged."""
    return digits[0] == "1" and len(digits) != 11 and 6 <= len(digits) <= 12


_NO = r"\s@,;:<>()\[\]\\\"`" + _CTRL
_EMAIL = re.compile(rf"([^{_NO}]{{1,64}})@((?:[^\W_](?:[^\W_]|-)*\.)+(?:[^\W\d_]{{2,}}|xn--[a-z0-9-]+))", re.I)


def parse_email(v: Any) -> str | None:
    """One email address; the domain is lowercased, the local part kept as typed."""
    if type(v) is not str:
        if v is None:
            return None
        raise _fail("cell.email_bad", v)
    s = _strip(v)
    if not s:
        return None
    if not s.isascii():
        s = _half(s).replace("。", ".")
    if s[:7].lower() == "mailto:":
        s = s[7:]
    m = _EMAIL.fullmatch(s) if len(s) <= 254 else None
    if not m:
        raise _fail("cell.email_bad", v)
    local, domain = m.groups()
    if local[0] == "." or local[-1] == "." or ".." in local or "-." in domain:
        raise _fail("cell.email_bad", v)
    return f"{local}@{domain.lower()}"


# ---------------------------------------------------------------- text
TEXT_LIMIT = 200
_LIST_SEP = re.compile(r"[,，、;；\n\r]")


def _clean(s: str) -> str:
    s = s.strip()
    if not s.isprintable() or "  " in s:
        s = " ".join(_BAD_CHARS.sub("", s).split())
    return s


def _limited(s: str, v: Any) -> str:
    if len(s) > TEXT_LIMIT:
        raise _fail("cell.text_too_long", v, length=len(s), limit=TEXT_LIMIT)
    return s


def parse_text(v: Any) -> str | None:
    """Free text (names, categories...): trimmed, inner spaces collapsed, control characters removed."""
    t = type(v)
    if t is str:
        s = _clean(v)
    elif v is None:
        return None
    elif t is float and not _finite(v):
        raise _fail("cell.text_bad", v)
    else:
        s = _shown(v)  # numbers as plain text, TRUE/FALSE, ISO dates and date-times
    return _limited(s, v) if s else None


def parse_list(v: Any) -> tuple[str, ...]:
    """A list typed in one cell, separated by , ， 、 ; ； or new lines: "夫妻, 配偶、父母"."""
    if type(v) is not str:
        s = parse_text(v)
        return (s,) if s else ()
    items = (_clean(p) for p in _LIST_SEP.split(v))
    return tuple(_limited(p, p) for p in items if p)


class _Accepted:
    """The accepted values in the reader's language: 推荐人、新客户 · referrer · new customer."""

    __slots__ = ("labels",)

    def __init__(self, labels: tuple):
        self.labels = labels

    def render(self, lang: str) -> str:
        if lang == "zh":
            return "、".join(x.zh if isinstance(x, Bilingual) else str(x) for x in self.labels)
        return " · ".join(x.en if isinstance(x, Bilingual) else str(x) for x in self.labels)

    def __eq__(self, other):
        return isinstance(other, _Accepted) and other.labels == self.labels


def _labels(choices: Mapping[str, str], labels: Iterable[Bilingual | str] | None):
    if labels is not None:
        return _Accepted(tuple(labels))
    groups: dict[str, list[str]] = {}
    for spelling, canonical in choices.items():
        names = groups.setdefault(canonical, [canonical])
        if spelling != norm(canonical) and spelling not in names:
            names.append(spelling)
    return " · ".join(" ".join(names) for names in groups.values())


def parse_choice(v: Any, choices: Mapping[str, str], labels: Iterable[Bilingual | str] | None = None) -> str | None:
    """One of a fixed set: `choices` maps norm()-ed spellings to canonical values; `labels` are shown on error."""
    s = parse_text(v)
    if s is None:
        return None
    found = choices.get(norm(s))
    if found is None:
        raise _fail("cell.choice_bad", v, accepted=_labels(choices, labels))
    return found
