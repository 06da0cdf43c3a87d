"""Monthly limits per referrer (Settings: monthly_cap_count, monthly_cap_amount).

Part of deciding (decide.decide_all calls apply_caps after the first pass);
pure: no I/O, no clock.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from . import i18n
from .i18n import Text
from .lines import Line, has_net
from .periods import month_key
from .settings import Settings

if TYPE_CHECKING:
    from .decide import Decision

i18n.register({
    "decide.cap_count": {
        "en": "Referrer reward: the monthly limit of {cap} rewards for this referrer in {month} is reached (Settings: "
              "{setting}) — no referrer reward for this referral; the other rewards stand",
        "zh": "推荐人奖励：该推荐人 {month} 的每月奖励次数上限（{cap} 次）已满（设置：{setting}） — 本条不发推荐人奖励，其他奖励照常",
    },
    "decide.cap_room": {
        "en": "Referrer reward: the monthly limit of {cap} (Settings: {setting}) for this referrer in {month} now "
              "leaves room for {more} more (an earlier referral of the month no longer counts) — approve the new amount",
        "zh": "推荐人奖励：该推荐人 {month} 的每月奖励金额上限 {cap}（设置：{setting}）现在还可多发 {more}（当月较早的推荐已不再计入） — "
              "请审批新的金额",
    },
    "decide.cap_amount": {
        "en": "Referrer reward: cut to {paid} by the monthly limit of {cap} for this referrer in {month} (Settings: "
              "{setting}) — the rest is not paid unless an earlier referral of the month drops out",
        "zh": "推荐人奖励：受每月奖励金额上限 {cap} 限制（设置：{setting}），{month} 只能再发 {paid} — "
              "超出部分不发放，除非当月较早的推荐不再计入",
    },
})

ZERO = Decimal(0)


def apply_caps(decisions: list[Decision], s: Settings, states: dict) -> None:
    """Monthly limits per referrer, by deal month.  Rewards already issued keep
    their place and their amount; the room left is shared out among the others
    in deal order, a reward cut when it was issued taking its turn for the rest."""
    if s.monthly_cap_count is None and s.monthly_cap_amount is None:
        return
    counts: dict[tuple, int] = {}
    sums: dict[tuple, Decimal] = {}
    pending = []
    months: dict = {}     # deal date → month
    for d in decisions:
        if d.status:
            continue
        if not d.for_referrer():
            continue            # nothing for the referrer: no limit applies
        r = d.ref
        v = r.v
        if v["rejected"]:
            continue
        deal = v["deal_date"]
        month = months.get(deal)
        if month is None:
            month = months[deal] = month_key(deal)
        k = (r.person, month)
        state = states.get(r.ref_id)
        issued = [ln for ln in state.lines if ln.role == "referrer"] if state is not None and state.lines else None
        if not issued or not has_net(issued):
            pending.append((deal, v.get("submitted"), r.seq, k, d))
            continue
        counts[k] = counts.get(k, 0) + 1
        paid = _cash(issued)
        sums[k] = sums.get(k, ZERO) + paid
        if s.monthly_cap_amount is not None and d.referrer_cash() > paid:
            # cut by the limit when issued (or more since): it keeps what it has and
            # gets what room is left in its turn, e.g. after an earlier referral of
            # the month was rejected
            pending.append((deal, v.get("submitted"), r.seq, k, d, paid))
    pending.sort(key=_deal_order)
    for _deal, _submitted, _seq, k, d, *had in pending:
        month = k[1]
        if had:
            paid = had[0]
            room = max(s.monthly_cap_amount - sums.get(k, ZERO), ZERO)
            extra = min(d.referrer_cash() - paid, room)
            sums[k] = sums.get(k, ZERO) + extra
            if extra > 0:    # said by decide_all when the row waits for approval of the new amount
                d.cap_room = (s.monthly_cap_amount, month, extra)
            if d.referrer_cash() > paid + extra:
                d.proposed = _cut_cash(d.proposed, paid + extra)
                d.problems.append(Text("decide.cap_amount", cap=s.monthly_cap_amount, month=month, paid=paid + extra,
                                       setting=s.name("monthly_cap_amount")))
            continue
        if s.monthly_cap_count is not None and counts.get(k, 0) >= s.monthly_cap_count:
            d.proposed = [ln for ln in d.proposed if ln.role != "referrer"]
            d.problems.append(Text("decide.cap_count", cap=s.monthly_cap_count, month=month,
                                   setting=s.name("monthly_cap_count")))
            continue
        counts[k] = counts.get(k, 0) + 1
        if s.monthly_cap_amount is not None:
            cash = d.referrer_cash()
            room = max(s.monthly_cap_amount - sums.get(k, ZERO), ZERO)
            if cash > room:
                d.proposed = _cut_cash(d.proposed, room)
                d.problems.append(Text("decide.cap_amount", cap=s.monthly_cap_amount, month=month, paid=room,
                                       setting=s.name("monthly_cap_amount")))
            sums[k] = sums.get(k, ZERO) + min(cash, room)


def _deal_order(pending: tuple) -> tuple:
    return pending[:3]     # deal date, submitted, Ref ID order


def _cash(lines: list[Line]) -> Decimal:
    total = ZERO
    for ln in lines:
        if ln.reward_type == "cash":
            total += ln.amount
    return total


def _cut_cash(lines: list[Line], room: Decimal) -> list[Line]:
    out = []
    for ln in lines:
        if ln.role == "referrer" and ln.reward_type == "cash":
            take = min(ln.amount, room)
            room -= take
            if take > 0 or ln.item:
                out.append(replace(ln, amount=take))
            continue
        out.append(ln)
    return out
