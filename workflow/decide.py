"""Referral rows + rules + what the ledger already issued + today → decisions.

Pure: no I/O, no clock.  The decision order is the spec's: needs fixing, not
eligible, voided/clawback, waiting for deal, waiting for payment, holding,
no reward, awaiting approval, rejected, approved, paid.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from . import i18n
from .approval import EARLY, RefState, approve, note_ticks
from .changes import grouped_amount
from .caps import apply_caps
from .contract import REFERRER_TYPES
from .eligibility import EligibilityContext, known_not_eligible, not_eligible
from .explain import Lines, milestone_after_paid, milestone_notes
from .i18n import Text
from .lines import Line, has_net, net_by_key, reconcile, reverse_all
from .milestones import Milestone, milestone_lines
from .people import Customers, Staff
from .periods import add_business_days, month_key
from .proposals import NO_CASH, ZERO, any_lines, make_lines, offer_cash
from .referral import LABEL, Referral
from .rules import Matcher, Rule
from .settings import Settings

i18n.register({
    "decide.holding": {"en": "until {date}", "zh": "至 {date}"},
    "decide.deal_date_missing": {
        "en": "Deal date: empty — fill it in when the deal is signed",
        "zh": "成交日期：为空 — 成交后请填写",
    },
    "decide.amount_missing": {
        "en": "Deal amount: empty — the reward depends on it; fill it in when the deal is signed",
        "zh": "成交金额：为空 — 奖励按成交金额计算，成交后请填写",
    },
    "decide.not_paid_in_full": {
        "en": "Paid in full: not ticked yet — the reward is payable once the deal is paid in full; tick Paid in full "
              "then",
        "zh": "全款到账：尚未勾选 — 全款到账后才发放奖励；届时请勾选“全款到账”",
    },
    "decide.no_rule": {
        "en": "Rewards: no row of the Rules tab matches this referral (programme: {program}, category: {category}, "
              "amount: {amount}, referrer type: {rtype}) — check the Rules tab if one should",
        "zh": "奖励：奖励规则表中没有与该推荐相符的规则（活动：{program}，类别：{category}，金额：{amount}，"
              "推荐人类型：{rtype}） — 如应有奖励，请检查奖励规则表",
    },
    "decide.clawback": {
        "en": "Cancelled: ticked after the reward was paid — recover {amount} (see the rewards export, status clawback)",
        "zh": "退单退款：奖励发放后勾选 — 需追回 {amount}（见奖励导出，状态 clawback）",
    },
    "decide.reversed": {
        "en": "Cancelled after approval, before anything was paid: the approved rewards were reversed in the "
              "ledger ({amount}) — nothing to recover",
        "zh": "审批后、发放前退单：已审批的奖励已在台账中冲销（{amount}） — 无需追回",
    },
    "decide.notified_cancelled": {
        "en": "Cancelled after the reward notice went out, before the reward was handed out: the rewards were "
              "reversed in the ledger ({amount}) — do not hand them out; let the referrer know",
        "zh": "奖励通知已发出、尚未发放时退单：奖励已在台账中冲销（{amount}） — 请勿发放，并告知推荐人",
    },
    "decide.blank": {"en": "none", "zh": "未填"},
    "decide.submitted_future": {
        "en": "Submitted at: {date} is in the future (today is {today}) — write the date the referral was really "
              "registered",
        "zh": "登记时间：{date} 晚于今天（{today}） — 请改为实际登记日期",
    },
    "decide.voided": {
        "en": "Cancelled: ticked before any reward was issued — nothing is paid for this referral",
        "zh": "退单退款：在发放任何奖励前已勾选 — 该推荐不发放奖励",
    },
})


@dataclass
class Context:
    settings: Settings
    rules: list[Rule]
    milestones: list[Milestone]
    staff: Staff
    customers: Customers
    states: dict[str, RefState]          # ref_id → what the ledger knows
    today: dt.date
    period: str = ""                     # the open month new lines belong to
    copies: frozenset = frozenset()      # Ref IDs just given to rows copied from another

    def __post_init__(self):
        self.period = self.period or month_key(self.today)
        self.matcher = Matcher(self.rules)
        self.offer_cash: dict = {}      # id(offer) → proposals.offer_cash(offer)
        self.payable_dates: dict = {}  # deal date → first payable day
        self.horizon: dt.date | None = None   # the first later day on which a decision changes by itself

    def changes_on(self, day: dt.date) -> None:
        if day > self.today and (self.horizon is None or day < self.horizon):
            self.horizon = day


@dataclass(slots=True)        # 100 000 of them a pass: no __dict__ each
class Decision:
    ref: Referral
    status: str = ""
    detail: Text | None = None
    problems: list[Text] = field(default_factory=list)
    new_lines: list[Line] = field(default_factory=list)     # to append to the ledger
    events: list[tuple[str, dict]] = field(default_factory=list)
    clear_ticks: tuple[str, ...] = ()
    gate: str | None = None                                 # waiting_payment · holding (pre-approval)
    milestone_ok: bool = False                              # counts toward milestones
    cap_room: tuple | None = None                           # (limit, month, more): the monthly limit now gives more
    # what the rules give now: `proposed`, made from the offer when first read (proposals.py)
    offer: tuple = ()                                       # Matcher.rewards for the row
    offer_cash: tuple = NO_CASH                             # proposals.offer_cash(offer)
    staff: Staff | None = None
    proposal_lines: list[Line] | None = None                # `proposed`, once made or set

    @property
    def ref_id(self) -> str:
        return self.ref.ref_id

    @property
    def proposed(self) -> list[Line]:
        """What the rules give now, as proposal lines."""
        lines = self.proposal_lines
        if lines is None:
            lines = self.proposal_lines = make_lines(self.ref, self.offer, self.staff) if self.offer else []
        return lines

    @proposed.setter
    def proposed(self, lines: list[Line]) -> None:
        self.proposal_lines = lines

    def referrer_cash(self) -> Decimal:
        """The cash the proposal lines give the referrer."""
        if self.proposal_lines is None:
            return self.offer_cash[1]
        total = ZERO
        for ln in self.proposal_lines:
            if ln.role == "referrer" and ln.reward_type == "cash":
                total += ln.amount
        return total

    def for_referrer(self) -> bool:
        """Some proposal line is the referrer's."""
        if self.proposal_lines is None:
            return self.offer_cash[0]
        return any(ln.role == "referrer" for ln in self.proposal_lines)

    def any_proposed(self) -> bool:
        """The rules give this row something (lines made or not)."""
        if self.proposal_lines is None:
            return bool(self.offer) and any_lines(self.ref, self.offer)
        return bool(self.proposal_lines)


EMPTY = RefState()


def earliest_registrations(refs: list[Referral]) -> dict[str, Referral]:
    """customer key → the earliest registration (by submitted, then Ref ID order)."""
    first: dict[str, Referral] = {}
    for r in refs:
        key = r.customer_key
        v = r.v
        if not key or v.get("submitted") is None:
            continue
        if (v["referrer_phone"] and v["referrer_phone"] == v["customer_phone"]) or \
                (v["referrer_email"] and v["referrer_email"] == v["customer_email"]):
            continue
        cur = first.get(key)
        if cur is None or (r.submitted, r.seq) < (cur.submitted, cur.seq):
            first[key] = r
    return first


def _staff_problems(r: Referral, staff: Staff) -> list[Text]:
    out = []
    for key in ("signer", "lead", "assistant"):
        name = r.v[key]
        if name and staff.find(name) is None:
            out.append(Text("row.staff_unknown", field=LABEL[key], found=i18n.Found(name)))
    return out


def _offer(r: Referral, ctx: Context, d: Decision) -> None:
    """What the rules give the row, kept on the decision (its lines are made when read)."""
    v = r.v
    offer = ctx.matcher.rewards(v["program_n"], v["referrer_type"], v["category_n"], v["amount"], r.submitted_date)
    if offer:
        d.offer, d.staff = offer, ctx.staff
        cash = ctx.offer_cash.get(id(offer))      # offers live in the matcher as long as the context
        if cash is None:
            cash = ctx.offer_cash[id(offer)] = offer_cash(offer)
        d.offer_cash = cash
    else:
        d.proposal_lines = []


def _amount_needed(r: Referral, ctx: Context) -> bool:
    v = r.v
    return any(rule.needs_amount and rule.could_match(v["program_n"], v["referrer_type"], v["category_n"],
                                                       r.submitted_date) for rule in ctx.rules)


def _gate(r: Referral, ctx: Context, d: Decision) -> bool:
    """Steps 4–6. True when the row stops here (status set)."""
    v = r.v
    s = ctx.settings
    if v["deal_date"] is None:
        d.status = "waiting_deal"
        if v["amount"] is not None:
            d.problems.append(Text("decide.deal_date_missing"))
        return True
    if v["amount"] is None and _amount_needed(r, ctx):
        d.status = "waiting_deal"
        d.problems.append(Text("decide.amount_missing"))
        return True
    if s.payout_requires_paid_in_full and not v["paid_in_full"]:
        d.gate = "waiting_payment"
        d.problems.append(Text("decide.not_paid_in_full"))
    elif s.holding_days:
        payable = ctx.payable_dates.get(v["deal_date"])
        if payable is None:
            payable = ctx.payable_dates[v["deal_date"]] = add_business_days(
                v["deal_date"], s.holding_days, s.holidays, s.workdays)
        if ctx.today < payable:
            ctx.changes_on(payable)
            d.gate = "holding"
            d.detail = Text("decide.holding", date=payable.isoformat())
    return False


def first_pass(r: Referral, ctx: Context, ectx: EligibilityContext) -> Decision:
    """Steps 1–6 for one row, and the rewards the rules give it."""
    d = Decision(r)
    v = r.v
    find = ctx.staff.find
    signer, lead, assistant = v["signer"], v["lead"], v["assistant"]
    future = r.submitted_date is not None and r.submitted_date > ctx.today
    if r.problems or (signer and find(signer) is None) or (lead and find(lead) is None) \
            or (assistant and find(assistant) is None) or future:
        d.status, d.problems = "needs_fixing", list(r.problems) + _staff_problems(r, ctx.staff)
        if future:
            ctx.changes_on(r.submitted_date)      # the day it is no longer in the future
            d.problems.append(Text("decide.submitted_future", date=r.submitted_date.isoformat(),
                                   today=ctx.today.isoformat()))
        reason = known_not_eligible(r, ectx)     # said now, not only once the row is fixed
        if reason is not None:
            d.problems.append(reason)
        return d
    reason = not_eligible(r, ectx)
    if reason is not None:
        state = ctx.states.get(r.ref_id, EMPTY)
        d.status = "not_eligible"
        d.problems.append(reason)
        d.new_lines = reverse_all(r.ref_id, state.lines, ctx.period, "not_eligible")
        _drop_approval(d, state)
        return d
    if v["cancelled"]:
        state = ctx.states.get(r.ref_id, EMPTY)
        if state.lines:
            # Clawback once a reward was paid or stated (the notice went); before
            # that, Voided — its lines reversed in the ledger, nothing to recover
            d.status = "clawback" if state.paid or state.notified else "voided"
            d.new_lines = reverse_all(r.ref_id, state.lines, ctx.period, "cancelled")
            back = [ln for ln in (*state.lines, *d.new_lines) if ln.kind == "reversal" and ln.reason == "cancelled"]
            if back:
                key = "decide.clawback" if state.paid else \
                    "decide.notified_cancelled" if state.notified else "decide.reversed"
                d.problems.append(Text(key, amount=Lines(back)))
        else:
            d.status = "voided"
            d.problems.append(Text("decide.voided"))
        _drop_approval(d, state)
        return d
    _offer(r, ctx, d)
    _gate(r, ctx, d)
    return d


def _drop_approval(d: Decision, state) -> None:
    if state.approval is not None or (state.withdrawn and state.withdrawn != EARLY):
        d.events.append(("approval_removed", {"why": d.status}))


def decide_all(refs: list[Referral], ctx: Context) -> list[Decision]:
    ectx = EligibilityContext.build(ctx.settings, ctx.staff, ctx.customers, earliest_registrations(refs))
    decisions = [first_pass(r, ctx, ectx) for r in refs]
    apply_caps(decisions, ctx.settings, ctx.states)
    has_milestones = bool(ctx.milestones)
    counts: dict = {}      # programme → counts toward milestones without a rule
    states = ctx.states
    for d in decisions:
        if d.status or d.gate:
            d.status = d.status or d.gate
            v = d.ref.v
            if v["approved"] or v["approved_2"] or d.ref.ref_id in states:   # ticks on a row not payable yet
                note_ticks(d, states.get(d.ref.ref_id, EMPTY))
            continue
        state = states.get(d.ref.ref_id, EMPTY)
        program = d.ref.v["program_n"]
        counts_for_milestone = counts.get(program)
        if counts_for_milestone is None:
            # with no referrer rule for its programme, a referral still counts toward milestones
            counts_for_milestone = counts[program] = has_milestones and not any(
                rule.recipient == "referrer" and rule.program in (None, program) for rule in ctx.rules
            ) and any(m.program is None or m.program == program for m in ctx.milestones)
        if not counts_for_milestone and not d.any_proposed() and not has_net(state.lines):
            d.status = "no_reward"
            if not d.problems:
                v = d.ref.v
                blank = Text("decide.blank")
                amount = v["amount"]
                d.problems.append(Text("decide.no_rule", program=v["program"] or blank,
                                       category=v["category"] or blank,
                                       amount=grouped_amount(amount) if amount is not None else blank,
                                       rtype=REFERRER_TYPES[v["referrer_type"]]))
            note_ticks(d, state)
            continue
        approve(d, state, ctx)
        if d.cap_room is not None and d.status in ("awaiting_approval", "awaiting_gm"):
            cap, month, more = d.cap_room      # not the row, not the rules: an earlier referral left room
            d.problems.append(Text("decide.cap_room", cap=cap, month=month, more=more,
                                   setting=ctx.settings.name("monthly_cap_amount")))
    _milestones(decisions, ctx)
    return decisions


def _milestones(decisions: list[Decision], ctx: Context) -> None:
    if not ctx.milestones and not any(
            ln.role == "milestone" for s in ctx.states.values() for ln in s.lines):
        return
    # a step already issued stays on the referral it was issued with, even if a
    # referral with an earlier deal is approved later
    issued_by_ref: dict[str, list[Line]] = {}      # milestone lines already in the ledger
    for ref_id, st in ctx.states.items():
        if st.lines:
            issued = [ln for ln in st.lines if ln.role == "milestone"]
            if issued:
                issued_by_ref[ref_id] = issued
    approved: dict[str, list] = {}
    by_ref = {}       # the decisions a step can be on: approved, or with a step issued (in row order)
    for d in decisions:
        r = d.ref
        if d.milestone_ok:
            by_ref[r.ref_id] = d
            approved.setdefault(r.person, []).append((r.v["deal_date"], r.seq, r.ref_id, r.v["program_n"]))
        elif r.ref_id in issued_by_ref:
            by_ref[r.ref_id] = d
    placed: dict[tuple, str] = {}
    for ref_id, issued in issued_by_ref.items():
        for key, net in net_by_key(issued).items():
            if net.qty > 0 and ref_id in by_ref and by_ref[ref_id].milestone_ok:
                placed[(net.template.recipient, net.template.rule)] = ref_id
    wanted: dict[str, list[Line]] = {}
    for m in milestone_lines(ctx.milestones, approved, ctx.today, ctx.settings.campaign_end, ctx.changes_on):
        who = by_ref[m.ref_id].ref.v["referrer"]
        rule = f"Milestones:{m.milestone_row}:{m.period}:{m.count}"
        ref_id = placed.get((who, rule), m.ref_id)
        ln = Line(ref_id, "milestone", who, m.reward_type, m.amount, m.item, rule=rule).with_key()
        wanted.setdefault(ref_id, []).append(ln)
    no_lines: list[Line] = []
    touched = issued_by_ref.keys() | wanted.keys()
    for ref_id, d in by_ref.items():
        if ref_id not in touched:
            continue
        issued = issued_by_ref.get(ref_id, no_lines)
        want = wanted.get(ref_id, no_lines)
        if not issued and not want:
            continue
        d.proposed = d.proposed + want
        if d.status in ("clawback", "voided", "not_eligible") and issued:
            continue  # reversed with the row's other lines already
        reason = "cancelled" if d.status == "clawback" else "changed"
        d.new_lines += reconcile(d.ref_id, issued, want, ctx.period, "milestone", reversal_reason=reason)
        milestone_after_paid(d, ctx.states.get(ref_id, EMPTY))
    if issued_by_ref:
        milestone_notes([by_ref[r] for r in issued_by_ref if r in by_ref], decisions, ctx, EMPTY)
