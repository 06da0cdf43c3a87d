"""Monthly commission statements: what each staff member's lines add up to.  Pure.

A line belongs to the month that was open when the ledger issued it (see
`open_period`): a closed month is frozen, so a line decided after its month
closed lands in the next open month as a *late* line.  A statement lists the
month's lines, the late ones, the clawbacks and adjustments with their
reason, the month's total, the year-to-date total, and — for information —
what still waits for approval.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from . import i18n
from .contract import RECIPIENTS, STATUSES, STAFF_ROLES
from .dates import MONTHS
from .notices import Outgoing, Sender
from .periods import month_key

i18n.register({
    "statement.period": {"en": "{month} {year}", "zh": "{year}年{n}月"},
    "statement.rule": {"en": "Rules row {row}", "zh": "奖励规则第 {row} 行"},
    "statement.reason.approved": {"en": "approved", "zh": "审批通过"},
    "statement.reason.cancelled": {"en": "deal cancelled or refunded", "zh": "退单退款"},
    "statement.reason.rejected": {"en": "rejected", "zh": "已驳回"},
    "statement.reason.not_eligible": {"en": "no longer eligible", "zh": "不再符合条件"},
    "statement.reason.approval_removed": {"en": "approval withdrawn", "zh": "审批已撤销"},
    "statement.reason.changed": {"en": "deal details changed", "zh": "成交信息变更"},
    "statement.reason.milestone": {"en": "milestone", "zh": "阶梯奖励"},
})


def next_month(period: str) -> str:
    y, m = int(period[:4]), int(period[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def previous_month(day: dt.date) -> str:
    first = day.replace(day=1)
    return month_key(first - dt.timedelta(days=1))


def next_statement_day(today: dt.date, day: int) -> dt.date:
    """The first day after `today` on which a month's statements become due."""
    y, m = today.year, today.month
    for _ in range(2):
        last = calendar.monthrange(y, m)[1]
        d = dt.date(y, m, min(day, last))
        if d > today:
            return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return today + dt.timedelta(days=1)


def open_period(today: dt.date, closed: set[str]) -> str:
    """The month new lines belong to: today's, or the first after the last closed one."""
    period = month_key(today)
    while period in closed:
        period = next_month(period)
    return period


def period_label(period: str, lang: str) -> str:
    y, m = int(period[:4]), int(period[5:7])
    return i18n.Text("statement.period", month=MONTHS[m - 1], year=y, n=m).render(lang)


@dataclass
class RefInfo:
    customer: str
    deal_date: dt.date | None


def _rule_label(rule: str, lang: str) -> str:
    tab, _, row = rule.partition(":")
    if tab == "Rules" and row.isdigit():
        return i18n.Text("statement.rule", row=row).render(lang)
    return rule


def _reason(reason: str, lang: str) -> str:
    key = f"statement.reason.{reason}"
    return i18n.Text(key).render(lang) if i18n.known(key) else reason


def line_entry(ln, origin: str, info: RefInfo | None, period: str, lang: str) -> dict:
    return {"ref_id": ln.ref_id, "customer": info.customer if info else "",
            "deal_date": info.deal_date if info else None, "role": ln.role,
            "role_label": RECIPIENTS[ln.role].render(lang) if ln.role in RECIPIENTS else ln.role,
            "rule": _rule_label(ln.rule, lang), "amount": ln.amount, "item": ln.item, "kind": ln.kind,
            "reason_label": _reason(ln.reason, lang), "late": origin < period,
            "origin_period": origin if origin < period else None}


def statement_messages(lines, period: str, staff, infos: dict[str, RefInfo], pending: list[dict], lang: str,
                       sender: Sender, contact: dict | list | None) -> tuple[list[Outgoing], list[str]]:
    """One statement per staff member with lines this month.

    `lines` are (origin period, Line) pairs: the month in which the ledger
    issued each line.  Returns the messages and the names of staff who have a
    statement but no email address."""
    mine: dict[str, list] = {}
    for origin, ln in lines:
        if ln.role in STAFF_ROLES:
            member = staff.find(ln.recipient)
            mine.setdefault(member.name if member else ln.recipient, []).append((origin, ln))
    waiting: dict[str, list[dict]] = {}
    for p in pending:
        member = staff.find(p["recipient"])
        waiting.setdefault(member.name if member else p["recipient"], []).append(p)
    year = period[:4]
    out, no_email = [], []
    for name in sorted(set(mine) | set(waiting)):
        these = [(o, ln) for o, ln in mine.get(name, []) if ln.period == period]
        if not these:      # nothing in the month: no statement (what waits shows on the next one)
            continue
        member = staff.find(name)
        if member is None or not member.email:
            no_email.append(name)
            continue
        entries = [line_entry(ln, o, infos.get(ln.ref_id), period, lang) for o, ln in these]
        ytd = sum((ln.amount for _, ln in mine.get(name, []) if ln.period[:4] == year and ln.period <= period),
                  Decimal(0))
        ctx = sender.ctx(lang, staff=member.name, period=period, period_label=period_label(period, lang),
                         lines=entries, period_total=sum((e["amount"] for e in entries), Decimal(0)),
                         ytd_total=ytd, pending=[{k: v for k, v in p.items() if k != "recipient"}
                                                 for p in waiting.get(name, [])],
                         contact=_contact_for(member, contact))
        out.append(Outgoing(f"statement|{period}|{member.email}", "statement", lang, member.name, member.email,
                            ctx, period=period))
    return out, no_email


WAITING = ("holding", "waiting_payment", "awaiting_approval", "awaiting_gm")


def _contact_for(member, contact):
    """Whom a staff member asks about a line: the first manager who is not themselves."""
    if not isinstance(contact, list):
        return contact
    return next((c for c in contact if c["name"] != member.name), None)


def pending_lines(decisions, lang: str, issued: dict | None = None) -> list[dict]:
    """Staff commissions the rules give but nobody approved yet (for information):
    for a row approved before and changed since, only what the new approval would
    add or take away (`issued`: (ref_id, line key) → net amount already issued)."""
    out = []
    issued = issued or {}
    for d in decisions:
        if d.status not in WAITING:
            continue
        label = STATUSES[d.status].render(lang)
        for ln in d.proposed:
            if ln.role in STAFF_ROLES:
                amount = ln.amount - issued.get((d.ref_id, ln.key), 0)
                if not amount:
                    continue
                out.append({"recipient": ln.recipient, "ref_id": d.ref_id, "customer": d.ref.v.get("customer") or "",
                            "role_label": RECIPIENTS[ln.role].render(lang), "amount": amount,
                            "waiting_for": label})
    return out
