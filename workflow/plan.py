"""Decisions vs what the sheet shows → the minimal list of cell writes.

Only worker columns are written, plus clearing approval ticks after a
reward-relevant change.  A cell is written only when its value differs.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from . import i18n
from .backends.base import CellWrite, RowGuard
from .cells import format_amount
from .contract import RECIPIENTS, REWARD_TYPES, STATUSES, WORKER_FIELDS
from .decide import Decision
from .i18n import Text, render
from .layout import TabLayout
from .lines import Line

i18n.register({
    "plan.milestone": {"en": "milestone: {what}", "zh": "阶梯奖励：{what}"},
    "plan.person": {"en": "{name} ({role}) {what}", "zh": "{name}（{role}）{what}"},
    "plan.typed_over": {
        "en": "{field}: {found} was typed into this column, which the worker fills in — it was replaced by what "
              "the worker shows; write notes in the Notes column (and delete this line once read)",
        "zh": "{field}：在此列填写的{found}已被系统内容替换（该列由系统自动填写） — 备注请写在“备注”列（阅后可删除本条）",
    },
})

SEP = {"zh": "；", "en": "; "}


_RENDERED: dict = {}     # (message key, language) → text, for texts without parameters
_PERSONS: dict = {}      # (name, role, what, language) → "name (role) what"
_CANON: dict = {}        # (class, number) → _canon(number)
_PARTS: dict = {}        # (role, rule parts, language) → reward cell (_offer_cells)
_LIMIT = 100_000


def _remember(memo: dict, key, value):
    if len(memo) > _LIMIT:
        memo.clear()
    memo[key] = value
    return value


# A pass shows 100 000 rows, and their statuses, problems and amounts repeat:
# the texts are remembered per process rather than formatted row after row.

def _render(t, lang: str, names=None) -> str:
    if t.__class__ is Text and not t.params:
        hit = _RENDERED.get((t.key, lang))
        return hit if hit is not None else _remember(_RENDERED, (t.key, lang), t.render(lang))
    return t.render(lang, names) if names and t.__class__ is Text else t.render(lang)


def status_text(d: Decision, lang: str) -> str:
    label = STATUSES[d.status].render(lang)
    if d.detail is not None:
        return f"{label}{'' if lang == 'zh' else ' '}{d.detail.render(lang)}"
    return label


def line_text(ln: Line, lang: str) -> str:
    """One reward as people read it: an item names itself; cash is its amount."""
    what = _what(ln.reward_type, ln.amount, ln.item, lang)
    if ln.role == "milestone":
        return Text("plan.milestone", what=what).render(lang)
    return what


def _what(reward_type: str, amount: Decimal, item: str | None, lang: str) -> str:
    if item:
        # the item names itself, and its value when the name does not say it
        # ("补货现金券 (234.57)", but "500元精品券"): a manager sees what a tick approves
        return item if not amount or _names_amount(item, amount) else f"{item} ({format_amount(amount)})"
    if reward_type == "cash":
        return format_amount(amount)
    return f"{REWARD_TYPES[reward_type].render(lang)} {format_amount(amount)}"


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _names_amount(item: str, amount) -> bool:
    """True when a number in the item's name is its amount (500元精品券 at 500)."""
    k = (item, amount)
    hit = _NAMED.get(k)
    if hit is None:
        hit = _remember(_NAMED, k, any(Decimal(n) == amount for n in _NUMBER.findall(item.replace(",", ""))))
    return hit


_NAMED: dict = {}


def reward_cell(lines: list[Line], lang: str):
    """A lone cash amount is written as a number (finance can sum it); else text."""
    if not lines:
        return None
    if len(lines) == 1 and lines[0].reward_type == "cash" and not lines[0].item and lines[0].role != "milestone":
        return lines[0].amount
    return " + ".join(line_text(ln, lang) for ln in lines)


def _person(ln: Line, lang: str) -> str:
    return _person_text(ln.recipient, ln.role, line_text(ln, lang), lang)


def _person_text(name: str, role: str, what: str, lang: str) -> str:
    k = (name, role, what, lang)
    hit = _PERSONS.get(k)
    if hit is None:
        hit = _remember(_PERSONS, k, Text("plan.person", name=name, role=RECIPIENTS[role], what=what).render(lang))
    return hit


def commission_cell(lines: list[Line], lang: str):
    if not lines:
        return None
    return SEP[lang].join([_person(ln, lang) for ln in lines])


_NO_REWARDS = frozenset({"voided", "not_eligible", "needs_fixing"})
_STAFF = frozenset({"signer", "lead", "assistant"})


def shown_values(d: Decision, lang: str, notes: list[Text] = (), names=None) -> dict:
    """What each worker column should show for this decision; `names`: the
    columns whose header texts name otherwise (TabLayout.names)."""
    referrer = customer = commission = None
    if d.status in _NO_REWARDS:
        pass
    elif d.proposal_lines is None and d.offer:
        referrer, customer, commission = _offer_cells(d, lang)
    else:
        referrer_lines, customer_lines, staff = [], [], []
        for ln in d.proposed:
            role = ln.role
            if role == "referrer" or role == "milestone":
                referrer_lines.append(ln)
            elif role == "new_customer":
                customer_lines.append(ln)
            elif role in _STAFF:
                staff.append(ln)
        referrer, customer = reward_cell(referrer_lines, lang), reward_cell(customer_lines, lang)
        commission = commission_cell(staff, lang)
    problems = [*d.problems, *notes]
    return {
        "ref_id": d.ref_id,
        "status": status_text(d, lang),
        "problems": "\n".join([_render(p, lang, names) for p in problems]) or None,
        "referrer_reward": referrer,
        "customer_reward": customer,
        "commission": commission,
    }


def _offer_cells(d: Decision, lang: str) -> tuple:
    """The reward, benefit and commission cells of a decision whose proposal lines
    were not made (proposals.py), as they read when made."""
    referrer = customer = None
    staff: list[str] = []
    v = d.ref.v
    for role, parts in d.offer:
        if role == "referrer" or role == "new_customer":
            if len(parts) == 1 and parts[0][0] == "cash" and not parts[0][2]:
                cell = parts[0][1]            # a lone cash amount: the number (reward_cell)
            else:
                k = (role, parts, lang)
                cell = _PARTS.get(k, _PARTS)
                if cell is _PARTS:
                    cell = _remember(_PARTS, k, reward_cell([Line("", role, "", reward_type, value, item)
                                                             for reward_type, value, item, _s, _t in parts], lang))
            if role == "referrer":
                referrer = cell
            else:
                customer = cell
        elif v[role]:
            member = d.staff.find(v[role])
            if member is not None:     # as proposals.recipients
                staff += [_person_text(member.name, role, _what(reward_type, value, item, lang), lang)
                          for reward_type, value, item, _s, _t in parts]
    return referrer, customer, SEP[lang].join(staff) if staff else None


def same(a, b) -> bool:
    """Compare a sheet value with a value to write, as a person would see them."""
    if a.__class__ is b.__class__ and a == b:
        return True
    return _canon(a) == _canon(b)


def _canon(v):
    c = v.__class__
    if c is float or c is Decimal:      # remembered: amounts repeat
        k = (c, v)
        hit = _CANON.get(k)
        return hit if hit is not None else _remember(_CANON, k, _canon_value(v))
    return _canon_value(v)


def _canon_value(v):
    if v is None or (isinstance(v, str) and v == ""):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, Decimal)):
        try:
            return "n:" + format_amount(Decimal(repr(v)) if isinstance(v, float) else Decimal(v))
        except ArithmeticError:
            return str(v)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return v


def header_writes(tab: TabLayout, lang: str) -> tuple[list[CellWrite], dict[str, int]]:
    """Worker columns missing from the header: created after the last used column."""
    writes, cols = [], dict(tab.cols)
    nxt = tab.width + 1
    for f in WORKER_FIELDS:
        if f.key not in cols:
            cols[f.key] = nxt
            writes.append(CellWrite(tab.name, tab.header_row, nxt, f.zh if lang == "zh" else f.en))
            nxt += 1
    return writes, cols


_TYPED_CHECKED = ("status", "problems", "referrer_reward", "customer_reward", "commission", "notified")
_WORKER_LABEL = {f.key: f.label for f in WORKER_FIELDS}


def typed_over(row: list, cols: dict[str, int], want: dict, last_shown: str | None,
               writes: list[CellWrite]) -> list[Text]:
    """A note for each worker cell about to be written that holds neither what the
    worker wrote there last (`last_shown`, the ledger's record of the row's shown
    values, in `want`'s order) nor what it writes now: someone typed into it, and
    that text would otherwise go without a word (it is quoted in Problems)."""
    width = len(row)
    if not any(w.col <= width and row[w.col - 1] not in (None, "") for w in writes):
        return []            # every cell written was empty (a first pass): nothing was typed over
    by_col = {c: k for k, c in cols.items()}
    out = []
    for w in writes:
        key = by_col.get(w.col)
        if key not in _TYPED_CHECKED:
            continue
        current = row[w.col - 1] if w.col <= len(row) else None
        if current is None or (current.__class__ is str and not current.strip()):
            continue
        if key == "notified" and isinstance(current, (dt.date, dt.time)):
            continue          # the worker's time, turned into a date cell by an office program
        if not _wrote(current, _last_value(last_shown, want, key) or ""):
            out.append(Text("plan.typed_over", field=_WORKER_LABEL[key], found=i18n.Found(current)))
    return out


# how a typed-over note reads, in each language (to keep it until staff delete it)
_TYPED_MARK = ("was typed into this column, which the worker fills in", "已被系统内容替换（该列由系统自动填写）")


class Verbatim:
    """A problem line kept as the worker wrote it before."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def render(self, lang: str, names=None) -> str:
        return self.text


def kept_notes(current_problems, last_shown: str | None, want: dict) -> list[Verbatim]:
    """The typed-over notes the worker wrote into Problems before and that are still
    there: they stay until staff delete them (the typed text is quoted in them)."""
    if current_problems.__class__ is not str or last_shown is None:
        return []
    if not any(m in current_problems for m in _TYPED_MARK):
        return []
    last = _last_value(last_shown, want, "problems")
    if last is None:
        return []
    before = set(last.split("\n"))
    return [Verbatim(line) for line in current_problems.split("\n")
            if line in before and any(m in line for m in _TYPED_MARK)]


def _last_value(last_shown: str | None, want: dict, key: str) -> str | None:
    """What the worker showed in `key`'s cell last, from the ledger's record of a row's
    shown values (joined in `want`'s order); None when there is no such record."""
    if last_shown is None or key not in want:
        return None
    last = last_shown.split("\x1f")
    return last[list(want).index(key)] if len(last) == len(want) else None


def _wrote(current, shown: str) -> bool:
    """The cell holds the value the worker wrote, which the ledger keeps as text."""
    if same(current, shown):
        return True
    try:
        return same(current, Decimal(shown))       # an amount was written as a number
    except ArithmeticError:
        return False


def row_writes(tab_name: str, sheet_row: int, row: list, cols: dict[str, int], want: dict,
               clear_ticks=()) -> list[CellWrite]:
    out = []
    width = len(row)
    for key, value in want.items():
        c = cols.get(key)
        if c is None:
            continue
        current = row[c - 1] if c <= width else None
        if current.__class__ is value.__class__ and current == value:   # same(), inlined: most cells are
            continue
        if not same(current, value):
            out.append(CellWrite(tab_name, sheet_row, c, value))
    for key in clear_ticks:
        c = cols.get(key)
        if c is None:
            continue
        current = row[c - 1] if c <= width else None
        out.append(CellWrite(tab_name, sheet_row, c, False if isinstance(current, bool) else None))
    return out


_KEY_FIELDS = ("customer", "customer_phone", "submitted")


def row_guard(tab: TabLayout, sheet_row: int, row: list) -> RowGuard:
    """The row may be written while it still holds the Ref ID read (or, with none yet,
    the same new customer, phone and date), wherever staff moved it meanwhile."""
    def cell(c):
        return row[c - 1] if c and c <= len(row) else None
    id_col = tab.cols.get("ref_id") or tab.width + 1     # a new column when the header has none yet
    raw = cell(tab.cols.get("ref_id"))
    expected = None if raw is None or raw == "" else raw if isinstance(raw, str) else str(raw)
    keys = () if expected else tuple((tab.cols[k], cell(tab.cols[k])) for k in _KEY_FIELDS if k in tab.cols)
    return RowGuard(tab.name, sheet_row, id_col, expected, keys)


def header_guard(tab: TabLayout, header: list) -> RowGuard:
    """Nothing is written when the header's worker and key columns moved since the read."""
    def cell(c):
        return header[c - 1] if c <= len(header) else None
    fields = [f.key for f in WORKER_FIELDS] + list(_KEY_FIELDS)
    cols = sorted({tab.cols[k] for k in fields if k in tab.cols})
    id_col = tab.cols.get("ref_id") or tab.width + 1
    raw = cell(id_col)
    return RowGuard(tab.name, tab.header_row, id_col, None if raw is None else str(raw),
                    tuple((c, cell(c)) for c in cols if c != id_col), whole=True)


__all__ = ["shown_values", "row_writes", "header_writes", "status_text", "render"]
