"""What every cell parser shares: the problem texts (en/zh), CellError, and the
small helpers that clean a raw value.  `cells`, `numbers` and `dates` build on
it (and `cells` re-exports what callers use), so importing any of them first
works."""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from .i18n import Found, Text, register

_EX = ("write it like 2026-11-18", "请按 2026-11-18 的格式填写")
_MESSAGES = {
    "amount_bad": ("{found} is not an amount — write a number such as 30000, 30,000.00 or 3万",
                   "{found}不是有效金额 — 请填写数字，如 30000、30,000.00 或 3万"),
    "amount_unclear": ("{found} can be read more than one way (is 3万5元 35,000 or 30,005?) — write it as a plain "
                       "number, such as 35000 or 3.5万",
                       "{found}有歧义（例如 3万5元 是 35,000 还是 30,005？） — 请写成明确的数字，如 35000 或 3.5万"),
    "amount_negative": ("{found} is negative — an amount cannot be negative; write it without the minus sign",
                        "{found}是负数 — 金额不能为负，请去掉负号"),
    "amount_too_large": ("{found} is too large for an amount — check for extra digits", "{found}金额过大 — 请检查是否多写了数字"),
    "amount_separator": ("{found} has a comma in an unexpected place — use commas only between groups of three digits "
                         "and a dot for decimals, such as 30,000.00",
                         "{found}中的逗号位置不对 — 逗号只能用于每三位分隔，小数用点，如 30,000.00"),
    "amount_is_date": ("{found} is a date or time, not an amount — write the amount as a number "
                       "(if the cell is formatted as a date, change its format to Number)",
                       "{found}是日期或时间，不是金额 — 请填写数字金额（如果单元格格式是日期，请改为数字格式）"),
    "percent_bad": ("{found} is not a percentage — write a number such as 0.2 (meaning 0.2 %), 5% or 2‰",
                    "{found}不是有效比例 — 请填写数字，如 0.2（表示 0.2%）、5% 或 2‰"),
    "percent_negative": ("{found} is negative — a percentage cannot be negative; write it without the minus sign",
                         "{found}是负数 — 比例不能为负，请去掉负号"),
    "date_bad": ("{found} is not a date — " + _EX[0], "{found}不是有效日期 — " + _EX[1]),
    "date_invalid": ("{found} is not a real date ({why}) — correct the date",     # the format was right
                     "{found}不是真实存在的日期（{why}） — 请更正日期"),
    "date_ambiguous": ("{found} is ambiguous: it could mean {a} or {b} — write the date as year-month-day, such as {a}",
                       "{found}有歧义：可能是 {a}，也可能是 {b} — 请按“年-月-日”填写，如 {a}"),
    "date_year": ("{found} has the year {year}, which looks wrong — " + _EX[0],
                  "{found}中的年份 {year} 看起来不对 — " + _EX[1]),
    "date_number": ("{found} is a number, not a date — " + _EX[0], "{found}是数字，不是日期 — " + _EX[1]),
    "date_no_year": ("{found} has no year — write the full date like 2026-11-18", "{found}缺少年份 — 请填写完整日期，如 2026-11-18"),
    "date_is_time": ("{found} is a time without a date — " + _EX[0], "{found}只有时间，没有日期 — " + _EX[1]),
    "checkbox_bad": ("{found} is not a tick — tick it or write TRUE/FALSE, ✓, 是/否, Y/N",
                     "{found}不是勾选值 — 请勾选，或填写 TRUE/FALSE、✓、是/否、Y/N"),
    "phone_bad": ("{found} is not a phone number — write a phone number such as 138 0013 8000",
                  "{found}不是有效电话号码 — 请填写电话号码，如 138 0013 8000"),
    "phone_mobile_digits": ("{found} starts like a mobile number but has {n} digits — a mobile number has 11; "
                            "check for a missing or extra digit",
                            "{found}像手机号，但有 {n} 位 — 手机号应为 11 位，请检查是否多填或漏填"),
    "email_bad": ("{found} is not an email address — write one address such as name@example.com",
                  "{found}不是有效邮箱地址 — 请填写一个邮箱，如 name@example.com"),
    "text_bad": ("{found} is not readable text — please retype it", "{found}不是可读的文字 — 请重新填写"),
    "text_too_long": ("{found} is too long ({length} characters) — keep it to {limit} characters or fewer",
                      "{found}太长（{length} 个字符） — 请不超过 {limit} 个字符"),
    "choice_bad": ("{found} is not one of the accepted values — write one of: {accepted}",
                   "{found}不是可选的值 — 请填写以下之一：{accepted}"),
    "int_bad": ("{found} is not a whole number — write a whole number such as 5", "{found}不是整数 — 请填写整数，如 5"),
    "int_too_small": ("{found} is too small — write a whole number of {minimum} or more",
                      "{found}太小 — 请填写不小于 {minimum} 的整数"),
}
register({f"cell.{k}": {"en": en, "zh": zh} for k, (en, zh) in _MESSAGES.items()})


class CellError(Exception):
    """A cell value that cannot be used; `.text` (an i18n.Text) says what was found and what is expected."""

    def __init__(self, text: Text) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text.render("en")


# ---------------------------------------------------------------- helpers
_ZW = "\u200b\u200c\u200d\u2060\ufeff"
_CTRL = "\x00-\x08\x0e-\x1b\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff"
_BAD_CHARS = re.compile(f"[{_CTRL}]")
_DROP_ZW = {ord(c): None for c in _ZW}
_INF = (float("inf"), float("-inf"))
_ZERO, _ONE, _CENT, _LIMIT = Decimal(0), Decimal(1), Decimal("0.01"), Decimal(10) ** 12


def _strip(s: str) -> str:
    s = s.strip()
    if s and (s[0] in _ZW or s[-1] in _ZW):
        s = s.translate(_DROP_ZW).strip()
    return s


def _half(s: str) -> str:
    """Full-width forms to half-width (NFKC), only when needed."""
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


def _finite(v: float) -> bool:
    return v == v and v not in _INF


def _shown(v: Any) -> str:
    """A raw value as a person sees it in the cell (printable, one line)."""
    if isinstance(v, str):
        return " ".join(_BAD_CHARS.sub(" ", v).split())
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v) if not _finite(v) else str(int(v)) if v.is_integer() and abs(v) < 1e15 else format(v, ".15g")
    if isinstance(v, (_dt.datetime, _dt.time)):
        return v.strftime(("%Y-%m-%d " if isinstance(v, _dt.datetime) else "") + ("%H:%M:%S" if v.second else "%H:%M"))
    return str(v)


def _fail(key: str, v: Any, **params: Any) -> CellError:
    return CellError(Text(key, found=Found(_shown(v)), **params))


def norm(s: str) -> str:
    """Matching key for headers, tab names and choices: NFKC, casefold, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", s).casefold().translate(_DROP_ZW).split())
