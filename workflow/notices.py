"""Which reward notices are due after a pass, and what each says.  Pure.

A referrer gets one reward notice per referral when its reward is approved,
and one milestone notice per milestone step reached (`milestone_notice|R-000123|
Milestones:3:2026:5`, on the referral that reached it); a new customer gets one
welcome notice when their benefit is approved.  The key of each
(`reward_notice|R-000123`) is what the message log keeps, so a notice is never
sent twice, whatever happens to the row afterwards.  When a change is approved
again and a person's rewards differ from what their last notice told, they get
an updated notice (workflow/notice_updates.py).  Staff commissions are not
notices: they go on the monthly statement.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import formataddr, parseaddr

from .cells import norm
from .i18n import Bilingual, Text
from .notice_updates import (NOTHING, UPDATE_OF, Told, cash_of, first_key, label, last_of, no_email, no_longer_theirs,
                             person_of, told_ctx, told_json, update_key)

NOTIFIABLE = frozenset({"approved", "notified", "paid"})


_NOBODY: dict = {}


@dataclass
class Outgoing:
    """One message to render and send."""

    key: str
    kind: str            # reward_notice · welcome_notice · statement · digest
    lang: str
    to_name: str
    to_addr: str
    ctx: dict
    ref_id: str | None = None
    period: str | None = None
    row: int | None = None
    told: str | None = None          # a reward or welcome notice: the lines it tells, as recorded


# the example config's sender name, and how it signs (and sends) a Chinese mail
DEFAULT_SENDER = Bilingual("Referral desk", "推荐奖励组")


def from_header(mail_from: str, lang: str) -> str:
    """The From of a mail in `lang`: the example sender name in the mail's language."""
    name, addr = parseaddr(mail_from)
    if name == DEFAULT_SENDER.en and lang == "zh":
        return formataddr((DEFAULT_SENDER.zh, addr))
    return mail_from


@dataclass
class Sender:
    """What every message shows of who sends it."""

    name: str | Bilingual          # Bilingual: the same sender named in each mail's language
    currency: str
    today: dt.date
    extra: dict = field(default_factory=dict)

    def ctx(self, lang: str, **kw) -> dict:
        name = self.name if isinstance(self.name, str) else self.name.render(lang)
        return {"lang": lang, "currency": self.currency, "sender_name": name, "today": self.today,
                **self.extra, **kw}


def line_ctx(ln, lang: str) -> dict:
    return {"role": ln.role, "reward_type": ln.reward_type, "reward_type_label": label(ln.reward_type, lang),
            "amount": ln.amount if ln.amount else None, "item": ln.item}


def _contact(staff, name: str | None) -> dict | None:
    member = staff.find(name) if name else None
    if member is None:
        return None
    return {"name": member.name, "email": member.email}


def due_notices(decisions, staff, lang: str, sender: Sender, told: dict[tuple[str, str], dict[str, Told]] | None = None,
                unreached: dict[str, list[Text]] | None = None) -> list[Outgoing]:
    """Reward and welcome notices for every approved referral with an email address, and the
    updated ones where `told` (notice_updates.last_told) differs from what is approved now.
    Whether one already went is the message log's business, not this function's.  An update
    due to a person without an email address is a note in `unreached` (Ref ID → notes)."""
    out: list[Outgoing] = []
    told = told or {}
    for d in decisions:
        if d.status not in NOTIFIABLE:
            continue
        v = d.ref.v
        referrer_lines = [ln for ln in d.proposed if ln.role == "referrer"]
        customer_lines = [ln for ln in d.proposed if ln.role == "new_customer"]
        contact = _contact(staff, v.get("signer"))
        common = {"ref_id": d.ref_id, "program": v.get("program"), "deal_date": v.get("deal_date"),
                  "contact": contact}
        referrer_ctx = {"referrer": v.get("referrer") or "", "customer": v.get("customer") or "",
                        "customer_phone": v.get("customer_phone") or "", "payable_from": sender.today, **common}
        customer_ctx = {"customer": v.get("customer") or "", "referrer": v.get("referrer") or "", **common}
        for kind, these, to_name, to_addr, ctx in (
                ("reward_notice", referrer_lines, v.get("referrer"), v.get("referrer_email"), referrer_ctx),
                ("welcome_notice", customer_lines, v.get("customer"), v.get("customer_email"), customer_ctx)):
            people = told.get((kind, d.ref_id), _NOBODY)
            if not (these or people):
                continue
            now = told_json(these)
            role = "referrer" if kind == "reward_notice" else "new_customer"
            greeted = "referrer" if kind == "reward_notice" else "customer"
            for t in no_longer_theirs(people, to_addr, to_name):
                # told before the person was changed: it no longer holds for them
                out.append(_update(kind, t, NOTHING, role, t.to_name, t.to_addr, {**ctx, greeted: t.to_name}, d,
                                   lang, sender))
            if these and to_addr:
                out.append(Outgoing(
                    first_key(kind, d.ref_id, to_addr, people), kind, lang, to_name or "", to_addr,
                    sender.ctx(lang, lines=[line_ctx(ln, lang) for ln in these], total_cash=_cash(these), **ctx),
                    ref_id=d.ref_id, row=d.ref.row, told=now))
            if not to_addr:
                if people and unreached is not None and d.status != "paid":     # paid: the person was handed it
                    last = last_of(people)
                    if norm(last.to_name or "") not in ("", norm(to_name or "")):     # another person
                        if these:
                            unreached.setdefault(d.ref_id, []).append(no_email(kind, last, now, to_name or ""))
                    elif last.lines != now:
                        unreached.setdefault(d.ref_id, []).append(no_email(kind, last, now))
                continue
            before = people.get(person_of(to_addr))
            if before is None or before.lines == now:
                continue
            out.append(_update(kind, before, now, role, to_name or "", to_addr, ctx, d, lang, sender))
        for rule, these in _milestone_steps(d.proposed).items():
            if not v.get("referrer_email"):
                break
            _, _row, period, count = rule.split(":")
            out.append(Outgoing(
                f"milestone_notice|{d.ref_id}|{rule}", "milestone_notice", lang, v.get("referrer") or "",
                v["referrer_email"],
                sender.ctx(lang, referrer=v.get("referrer") or "", count=int(count),
                           period_label=milestone_period_label(period, lang),
                           lines=[line_ctx(ln, lang) for ln in these], ref_id=d.ref_id, contact=contact),
                ref_id=d.ref_id, row=d.ref.row))
    return out


def _update(kind: str, before: Told, now: str, role: str, to_name: str, to_addr: str, ctx: dict, d, lang: str,
            sender: Sender) -> Outgoing:
    """The updated notice telling `before`'s person what holds for them now."""
    previous_cash, cash = cash_of(before.lines), cash_of(now)
    return Outgoing(
        update_key(before.prefix, before.n + 1, now), UPDATE_OF[kind], lang, to_name, to_addr,
        sender.ctx(lang, lines=told_ctx(now, role, lang), total_cash=cash,       # both in one order
                   previous=told_ctx(before.lines, role, lang), previous_total_cash=previous_cash,
                   previous_date=before.day, cash_change=cash - previous_cash, **ctx),
        ref_id=d.ref_id, row=d.ref.row, told=now)


def _milestone_steps(lines) -> dict[str, list]:
    """The milestone lines of a referral by step (their rule: Milestones:row:period:count)."""
    steps: dict[str, list] = {}
    for ln in lines:
        if ln.role == "milestone" and ln.rule.count(":") == 3:
            steps.setdefault(ln.rule, []).append(ln)
    return steps


def milestone_period_label(period: str, lang: str) -> str:
    """2026 → "in 2026" / "2026年"; 2026-Q4, 2026-11, campaign, all likewise."""
    zh = lang == "zh"
    if period == "all":
        return "累计" if zh else "in all"
    if period == "campaign":
        return "本次活动期间" if zh else "during the campaign"
    if len(period) == 4:
        return f"{period}年" if zh else f"in {period}"
    if "-Q" in period:
        return f"{period[:4]}年第{period[-1]}季度" if zh else f"in Q{period[-1]} {period[:4]}"
    return f"{period[:4]}年{int(period[5:7])}月" if zh else f"in {period}"


def _cash(lines) -> Decimal:
    return sum((ln.amount for ln in lines if ln.reward_type == "cash"), Decimal(0))
