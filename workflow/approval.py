"""Approval: the ticks managers set, checked against what the ledger recorded.

Lines are issued only when a payable row is approved (and GM-approved where
the referrer's cash reaches `second_approval_over`).  The ledger keeps the
fingerprint of what was approved; when a reward-relevant cell or the computed
reward changes afterwards, the approval no longer holds: the ticks are
cleared (the only write ever made into a manager column), the row waits for
approval again, and on re-approval only the difference is issued.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from . import i18n
from .explain import Lines, early_tick_note, paid_untick_note, untick_note, withdrawn_by_untick
from .i18n import Text
from .lines import Line, has_net, net_by_key, reconcile, reverse_all
from .changes import changes, rewards_text
from .proposals import offer_texts, reward_text
from .referral import fingerprint

i18n.register({
    "approval.changed": {
        "en": "Changed after approval: {changes} — the approval was withdrawn; check the row and approve again",
        "zh": "审批后有修改：{changes} — 审批已撤销；请核对后重新审批",
    },
    "approval.rules_after_paid": {
        "en": "Rules changed after payment: they now give {now}; {paid} was paid — a paid referral keeps what it was "
              "paid, nothing is issued or recovered for it",
        "zh": "发放后奖励规则有修改：现在应为 {now}；已发放 {paid} — 已发放的推荐保持原发放内容，不补发也不追回",
    },
    "approval.paid_not_approved": {
        "en": "Paid: ticked, but the row is not approved yet, so nothing counts as paid — if it was handed out, a "
              "manager ticks Approved; if not, untick Paid",
        "zh": "已发放：已勾选，但该行尚未审批，系统未记为已发放 — 如已实际发放，请经理勾选“审批通过”；否则请取消“已发放”",
    },
    "approval.paid_stale": {
        "en": "Paid: ticked for what was handed out before the change — hand out {pay} too, approved since (rewards "
              "export, status approved or notified); then untick Paid and, once this note has gone from the row, "
              "tick it again (what was paid before stays paid)",
        "zh": "已发放：勾选的是修改前已发放的部分 — 还需{pay}，为之后审批的部分（见奖励导出，状态 approved 或 notified）；"
              "发放后请取消勾选“已发放”，待本提示从该行消失后再勾选（之前已发放的仍记为已发放）",
    },
    "approval.paid_recover": {
        "en": "Paid before the change: recover {recover} — see the rewards export, status clawback",
        "zh": "修改前已发放：需{recover}（见奖励导出，状态 clawback）",
    },
    "approval.needs_gm": {
        "en": "GM approved: needed too — the referrer's cash reward {cash} reaches {limit} (Settings: "
              "{setting}); the GM ticks GM approved",
        "zh": "总经理审批：还需要 — 推荐人现金奖励 {cash} 达到二级审批金额 {limit}（设置：{setting}）；"
              "请总经理勾选“总经理审批”",
    },
    "approval.gm_only": {
        "en": "GM approved: ticked, but Approved is not — both are needed",
        "zh": "总经理审批：已勾选，但“审批通过”未勾选 — 两者都需要",
    },
    "approval.rejected_notified": {
        "en": "Rejected: ticked after the reward notice went out — the rewards were withdrawn; tell the referrer the "
              "reward is cancelled",
        "zh": "驳回：奖励通知已发出 — 奖励已撤回；请告知推荐人该奖励已取消",
    },
    "approval.changed_paid": {
        "en": "Paid: this referral was paid before the change — once it is approved again, the row says what to hand "
              "out or recover",
        "zh": "已发放：该推荐在修改前已发放 — 重新审批后，本行会写明需补发或追回的部分",
    },
    "approval.both": {
        "en": "Approved and Rejected are both ticked — the row counts as rejected; untick one",
        "zh": "“审批通过”和“驳回”都已勾选 — 按驳回处理；请取消其中一个",
    },
})

i18n.register({
    "approval.early_changed": {
        "en": "Approved was ticked before the row could be approved; since then: {changes} — the tick was "
              "cleared; check the row and approve again",
        "zh": "该行尚不能审批时已勾选审批；之后有修改：{changes} — 已取消勾选；请核对后重新审批",
    },
    "approval.tick_needs_fixing": {
        "en": "Approved: ticked, but the row needs fixing first — once it is corrected the tick is cleared; then "
              "approve the amounts it shows",
        "zh": "审批通过：已勾选，但该行需先修正 — 修正后系统会取消勾选，请核对显示的金额后重新审批",
    },
    "approval.fix_keeps_issued": {
        "en": "The rewards already issued for this referral stay as they are while the row needs fixing — once it "
              "is corrected, the row is compared with what was approved again",
        "zh": "该推荐已发放的奖励在修正期间保持不变 — 修正后会再与已审批的内容核对",
    },
    "approval.tick_no_effect": {
        "en": "Approved: ticked, but this referral gets no reward ({status}) — the tick has no effect",
        "zh": "审批通过：已勾选，但该推荐没有奖励（{status}） — 勾选无效",
    },
})

# RefState.withdrawn when a tick was seen on a row that could not be approved yet
# (needs fixing, not eligible, waiting for the deal or payment, holding, no reward);
# withdrawn_from then holds what the row showed at that moment.
EARLY = "early"


@dataclass
class RefState:
    """What the ledger knows about one Ref ID."""

    lines: list[Line] = field(default_factory=list)
    approval: dict | None = None        # fingerprint honoured at the last approval
    withdrawn: str | None = None        # None · pending (ticks still to clear) · cleared
    withdrawn_from: dict | None = None  # the approval that was withdrawn
    paid: bool = False
    notified: bool = False
    rejected: bool = False
    paid_stale: bool = False            # Paid was ticked before a difference was approved
    # for a paid referral (ledger.states): lines still to hand out (approved after the tick)
    # and lines taking back money handed out (clawback) — workflow/payout.py
    unpaid: list[Line] = field(default_factory=list)
    recover: list[Line] = field(default_factory=list)
    paid_unticked: bool = False         # the last Paid tick was taken away (and was not stale)
    paid_keys: frozenset = frozenset()  # milestone line keys with a line a Paid tick covered


def approval_fingerprint(d) -> dict:
    fp = fingerprint(d.ref)
    if d.proposal_lines is None:     # not made yet (and so no milestone line): read off the offer
        texts = offer_texts(d.ref, d.offer, d.staff) if d.offer else []
    else:
        texts = [reward_text(ln.recipient, ln.item, ln.amount) for ln in d.proposal_lines if ln.role != "milestone"]
    fp["rewards"] = "; ".join(sorted(texts))
    return fp


def note_ticks(d, state: RefState) -> None:
    """Ticks on a row that cannot be approved now: remember what the row shows when
    a tick is first seen, so that the tick approves only that (approve() clears a
    tick whose row changed before it could be approved); a tick taken away is
    forgotten.  Say what a tick there means (or that it means nothing)."""
    v = d.ref.v
    ticked = v["approved"] or v["approved_2"]
    if ticked and state.approval is None and not state.withdrawn:
        d.events.append(("early_tick", {"fp": approval_fingerprint(d)}))
    elif not ticked and state.withdrawn == EARLY:
        d.events.append(("early_tick_gone", {}))
    if d.status == "needs_fixing" and state.approval is not None and has_net(state.lines):
        d.problems.append(Text("approval.fix_keeps_issued"))
    if v["approved"] and state.approval is None:
        if d.status == "needs_fixing":
            d.problems.append(Text("approval.tick_needs_fixing"))
        elif d.status in ("not_eligible", "no_reward"):
            from .contract import STATUSES
            d.problems.append(Text("approval.tick_no_effect", status=STATUSES[d.status]))
        elif state.withdrawn == EARLY and state.withdrawn_from and d.status != "waiting_deal":
            fp = approval_fingerprint(d)
            if fp != state.withdrawn_from:       # the tick will not approve this: say so now, not at payable
                d.problems.append(Text("explain.early_stale", changes=changes(state.withdrawn_from, fp)))
            else:
                early_tick_note(d)
        else:
            early_tick_note(d)


def _referrer_cash(d) -> Decimal:
    return d.referrer_cash()


def approve(d, state: RefState, ctx) -> None:
    """Steps 8–11 for a payable row: set status, lines, events and ticks to clear."""
    v = d.ref.v
    s = ctx.settings
    needs_gm = s.second_approval_over is not None and _referrer_cash(d) >= s.second_approval_over
    ticked = v["approved"] and (v["approved_2"] or not needs_gm)
    any_tick = v["approved"] or v["approved_2"]
    rid = d.ref.ref_id
    if rid in ctx.copies and any_tick:
        # a row copied with its ticks: a manager approved the original, not this one
        _withdraw_ticks(d, v)
        d.status = "awaiting_approval"
        return
    if not any_tick and state.approval is None and not state.withdrawn and not v["rejected"] \
            and not state.rejected:
        # the common case of a row nobody approved yet: nothing to compare
        unticked = untick_note(withdrawn_by_untick(state.lines), state, v) if state.lines else None
        if unticked is not None:
            d.problems.append(unticked)
        if v["paid"] and (unticked is None or unticked.key != "explain.unticked_paid"):
            d.problems.append(Text("approval.paid_not_approved"))
        if needs_gm:
            d.problems.append(Text("approval.needs_gm", cash=_referrer_cash(d), limit=s.second_approval_over,
                                   setting=s.name("second_approval_over")))
        d.status = "awaiting_approval"
        return
    fp = approval_fingerprint(d)

    if v["rejected"] != state.rejected:
        d.events.append(("rejected" if v["rejected"] else "unrejected", {}))
    if v["rejected"]:
        d.status = "rejected"
        if v["approved"]:
            d.problems.append(Text("approval.both"))
        if state.notified and not state.paid:
            d.problems.append(Text("approval.rejected_notified"))
        d.new_lines += reverse_all(rid, [ln for ln in state.lines if ln.role != "milestone"], ctx.period, "rejected")
        if state.approval is not None:
            d.events.append(("approval_removed", {"why": "rejected"}))
        return

    if state.withdrawn == EARLY:
        if not any_tick:
            d.events.append(("early_tick_gone", {}))
        elif fp != state.withdrawn_from:
            # ticked while the row showed something else: that tick does not approve this
            d.events.append(("early_withdrawn", {"to": fp}))
            _withdraw_ticks(d, v)
            d.status = "awaiting_approval"
            d.problems.append(Text("approval.early_changed", changes=changes(state.withdrawn_from or {}, fp)))
            return
    elif state.withdrawn:
        # a tick set before the row could be approved reads so on every pass, not as an approval withdrawn
        key = "approval.changed" if state.lines or state.notified or state.paid else "approval.early_changed"
        changed = [Text(key, changes=changes(state.withdrawn_from or {}, fp))]
        if state.paid:      # said on every pass until approved again, not only on the first
            changed.append(Text("approval.changed_paid"))
        if state.withdrawn == "pending" and any_tick:
            _withdraw_ticks(d, v)
            d.status, d.problems = "awaiting_approval", d.problems + changed
            return
        if not ticked:
            if state.withdrawn == "pending":
                d.events.append(("withdraw_cleared", {}))
            d.status = "awaiting_gm" if v["approved"] and needs_gm else "awaiting_approval"
            d.problems.extend(changed)
            return
        # ticked again after the ticks were cleared: approve what the rules give now
        _issue(d, state, ctx, fp, reason="changed")
        return

    if state.approval is not None:
        if fp != state.approval and _only_contacts_differ(state.approval, fp):
            fp = state.approval     # a phone corrected: the reward is the same (eligibility is re-checked)
        if fp != state.approval and v["paid"] and state.paid and v["approved"] and d.cap_room is None \
                and _only_rewards_differ(state.approval, fp):
            # the Rules changed after this referral was paid: what was handed out stands
            d.proposed = [*_as_paid(state.lines), *(ln for ln in d.proposed if ln.role == "milestone")]
            d.problems.append(Text("approval.rules_after_paid", now=rewards_text(fp["rewards"]),
                                   paid=rewards_text(state.approval.get("rewards"))))
            _approved_status(d, state, v)
            return
        if fp != state.approval:
            d.events.append(("withdrawn", {"from": state.approval, "to": fp}))
            if v["paid"] != state.paid:      # a Paid tick set or taken away meanwhile counts all the same
                d.events.append(("paid" if v["paid"] else "unpaid", {}))
            if any_tick:
                _withdraw_ticks(d, v)
            d.status = "awaiting_approval"
            d.problems.append(Text("approval.changed", changes=changes(state.approval, fp)))
            if state.paid:
                d.problems.append(Text("approval.changed_paid"))
            return
        if not v["approved"] or (needs_gm and not v["approved_2"]):
            # a manager (or the GM, where the GM must approve) took the approval back: what was issued is void
            d.events.append(("approval_removed", {"why": "unticked"}))
            back = reverse_all(rid, [ln for ln in state.lines if ln.role != "milestone"], ctx.period,
                               "approval_removed")
            d.new_lines += back
            d.status = "awaiting_approval" if not v["approved"] else "awaiting_gm"
            unticked = untick_note(back, state, v, "approved" if not v["approved"] else "approved_2")
            if unticked is not None:
                d.problems.append(unticked)
            return
        _approved_status(d, state, v)
        return

    if ticked:
        _issue(d, state, ctx, fp, reason="approved")
        return
    if v["paid"]:
        d.problems.append(Text("approval.paid_not_approved"))
    if v["approved_2"] and not v["approved"]:
        d.problems.append(Text("approval.gm_only"))
    if v["approved"] and needs_gm:
        d.status = "awaiting_gm"
        d.problems.append(Text("approval.needs_gm", cash=_referrer_cash(d), limit=s.second_approval_over,
                               setting=s.name("second_approval_over")))
    else:
        d.status = "awaiting_approval"


def _withdraw_ticks(d, v) -> None:
    d.clear_ticks = tuple(k for k in ("approved", "approved_2") if v[k])


def _issue(d, state: RefState, ctx, fp: dict, reason: str) -> None:
    wanted = [ln for ln in d.proposed if ln.role != "milestone"]
    issued = [ln for ln in state.lines if ln.role != "milestone"]
    first_kind = "issue" if not has_net(issued) else "adjustment"
    new = reconcile(d.ref_id, issued, wanted, ctx.period, reason, first_kind=first_kind)
    d.new_lines += new
    d.events.append(("approval", {"fp": fp}))
    if new and state.paid and d.ref.v["paid"]:
        # the tick is for what was handed out before the change: a new amount is still to
        # pay (the tick is stale), a lower one is money to recover
        pay, recover = _after_paid(state, new)
        if pay:
            d.events.append(("paid_stale", {}))
        state = RefState(paid=True, paid_stale=bool(pay), notified=state.notified, unpaid=pay, recover=recover)
    _approved_status(d, state, d.ref.v)


def _after_paid(state: RefState, new: list[Line]) -> tuple[list[Line], list[Line]]:
    """New lines approved while Paid stands: (still to hand out, to recover), with what the
    ledger already had of each — as the export judges them (workflow/payout.py)."""
    unpaid = {id(ln) for ln in state.unpaid}
    in_force: dict[str, list[Line]] = {}
    for ln in state.lines:
        if ln.role == "milestone":
            continue
        if ln.qty < 0:
            in_force.pop(ln.key, None)
        else:
            in_force.setdefault(ln.key, []).append(ln)
    pay = [ln for ln in state.unpaid if ln.role != "milestone"]
    recover = list(state.recover)
    for ln in new:
        had = in_force.get(ln.key, [])
        if ln.amount < 0 and any(h.amount > 0 and id(h) not in unpaid for h in had):
            recover.append(ln)          # takes back money handed out
        if ln.qty < 0:
            pay = [p for p in pay if p.key != ln.key]
        elif ln.amount > 0:
            pay.append(ln)
    return pay, recover


_CONTACTS = frozenset({"referrer_phone", "customer_phone"})   # emails stay: a notice goes to the email approved


def _only_contacts_differ(approved: dict, now: dict) -> bool:
    """Only phone numbers differ (a digit corrected): who the people are and what they get is the same."""
    keys = approved.keys() | now.keys()
    return all(approved.get(k) == now.get(k) for k in keys - _CONTACTS)


def _only_rewards_differ(approved: dict, now: dict) -> bool:
    """The row is as it was approved; only what the rules give for it changed."""
    return {k: x for k, x in approved.items() if k != "rewards"} == {k: x for k, x in now.items() if k != "rewards"}


def _as_paid(lines: list[Line]) -> list[Line]:
    """What was issued and stands (net per reward), shown instead of what the rules give now."""
    out = []
    for net in net_by_key([ln for ln in lines if ln.role != "milestone"]).values():
        if net.qty > 0:
            out.append(replace(net.template, amount=net.amount, qty=1, kind="proposal"))
    return out


def _approved_status(d, state: RefState, v) -> None:
    d.milestone_ok = True
    recover = [ln for ln in state.recover if ln.role != "milestone"]     # a milestone step: explain.milestone_notes
    if v["paid"] and recover:
        d.problems.append(Text("approval.paid_recover", recover=Lines(recover, True)))
    if v["paid"] and state.paid_stale and state.unpaid:
        d.status = "notified" if state.notified else "approved"
        d.problems.insert(len(d.problems) - bool(recover),
                          Text("approval.paid_stale", pay=Lines(state.unpaid, "give")))
        return
    paid_untick_note(d, state, v)
    if v["paid"]:
        d.status = "paid"
    elif state.notified:
        d.status = "notified"
    else:
        d.status = "approved"
    if v["paid"] != state.paid:
        d.events.append(("paid" if v["paid"] else "unpaid", {}))
