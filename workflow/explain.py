"""Problem lines for what the ledger did to a row without the row asking for it.

A manager unticking Approved, finance unticking Paid, a tick set before the row
can be approved, and a milestone step taken back from a row because another
referral of the same referrer stopped counting: each is said in the row, in the
same words on the pass it happens and on every pass while the row stays so
(a pass whose inputs are unchanged is skipped, so the next pass must not say
something else).  Pure: decisions and ledger state in, texts out.
"""
from __future__ import annotations

from dataclasses import replace

from . import i18n
from .changes import full_width_value
from .i18n import Bilingual, Text
from .lines import Line

i18n.register({
    "explain.unticked": {
        "en": "{tick} was unticked: the approved rewards were withdrawn ({lines}) — nothing is handed out for "
              "this referral now; tick {tick} again to approve it",
        "zh": "“{tick}”已取消勾选：已审批的奖励已撤回（{lines}） — 该推荐目前不发放奖励；如需审批请重新勾选",
    },
    "explain.unticked_notified": {
        "en": "{tick} was unticked after the reward notice went out: the rewards were withdrawn ({lines}) — do "
              "not hand them out, and let the referrer know; tick {tick} again to approve it",
        "zh": "奖励通知发出后“{tick}”被取消勾选：奖励已撤回（{lines}） — 请勿发放，并告知推荐人；如需审批请重新勾选",
    },
    "explain.unticked_paid": {
        "en": "{tick} was unticked after the rewards were paid: recover {lines} — see the rewards export, status "
              "clawback; tick {tick} again to approve it",
        "zh": "奖励发放后“{tick}”被取消勾选：需{lines}（见奖励导出，状态 clawback）；如需审批请重新勾选",
    },
    "explain.paid_unticked": {
        "en": "Paid was unticked: the rewards of this referral count as not handed out yet (rewards export, status "
              "approved or notified) — tick Paid again once they are handed out",
        "zh": "“已发放”已取消勾选：该推荐的奖励按尚未发放计（奖励导出中状态为 approved 或 notified） — 发放后请重新勾选",
    },
    "explain.early_holding": {
        "en": "Approved ticked early: it takes effect when holding ends on {date}, if the row is unchanged by then "
              "(a change clears the tick)",
        "zh": "提前勾选了审批：等待期于 {date} 结束时生效，前提是该行届时未被修改（修改后会取消勾选）",
    },
    "explain.early_payment": {
        "en": "Approved ticked early: it takes effect once Paid in full is ticked, if the row is unchanged by then "
              "(a change clears the tick)",
        "zh": "提前勾选了审批：勾选“全款到账”后生效，前提是该行届时未被修改（修改后会取消勾选）",
    },
    "explain.early_deal": {
        "en": "Approved ticked early: the deal is not in yet — once it is filled in the tick is cleared; then "
              "approve the amounts the row shows",
        "zh": "提前勾选了审批：尚未成交 — 填写成交信息后系统会取消勾选，请核对显示的金额后重新审批",
    },
    "explain.early_stale": {
        "en": "Approved ticked early, but the row changed since: {changes} — the tick does not cover that and is "
              "cleared once the row is payable; then approve the amounts the row shows",
        "zh": "提前勾选了审批，但该行之后有修改：{changes} — 该勾选不适用于修改后的内容，可审批时系统会取消勾选，请届时"
              "核对显示的金额后重新审批",
    },
    "explain.milestone_recover": {
        "en": "Milestone step taken back: {cause}, so {who}'s approved referrals fall below the step — recover "
              "{what} from {who} (see the rewards export, status clawback)",
        "zh": "阶梯奖励已收回：{cause}，{who}的成功推荐数已不足该档 — 需向{who}追回 {what}（见奖励导出，状态 clawback）",
    },
    "explain.milestone_withdrawn": {
        "en": "Milestone step withdrawn: {cause}, so {who}'s approved referrals fall below the step — do not hand "
              "out {what} to {who}",
        "zh": "阶梯奖励已撤回：{cause}，{who}的成功推荐数已不足该档 — 请勿向{who}发放 {what}",
    },
    "explain.milestone_after_paid": {
        "en": "Paid: a milestone reward was added after payment — hand out {pay} too (rewards export, status "
              "approved); then untick Paid and, once this note has gone from the row, tick it again (what was paid "
              "before stays paid)",
        "zh": "已发放：发放后新增了阶梯奖励 — 还需{pay}（见奖励导出，状态 approved）；发放后请取消勾选“已发放”，"
              "待本提示从该行消失后再勾选（之前已发放的仍记为已发放）",
    },
    "explain.cause": {"en": "{refs} no longer counts ({why})", "zh": "{refs} 已不再计入（{why}）"},
    "explain.cause_unknown": {"en": "the referrals that reached it changed", "zh": "达到该档的推荐已有变化"},
})

CANCELLED = Bilingual("cancelled", "已退单")
NOW = {"en": "now {status}", "zh": "现为“{status}”"}


class Lines:
    """Lines as people read them: Ann (referrer) 1000 yuan; Bo (new customer) 500元购物卡."""

    def __init__(self, lines: list[Line], verb: bool | str = False):
        self.lines, self.verb = lines, verb      # True: what to recover from whom; "give": to hand out to whom

    def render(self, lang: str) -> str:
        from .contract import RECIPIENTS
        parts = []
        for ln in self.lines:
            what = said(replace(ln, amount=abs(ln.amount)), lang)
            role = RECIPIENTS.get(ln.role)
            if lang == "zh":
                who = f"{ln.recipient}（{role.zh}）" if role else ln.recipient
                parts.append(f"向{who}补发 {what}" if self.verb == "give" else
                             f"向{who}追回 {what}" if self.verb else f"{who} {what}")
            else:
                who = f"{ln.recipient} ({role.en})" if role else ln.recipient
                parts.append(f"{what} to {who}" if self.verb == "give" else
                             f"{what} from {who}" if self.verb else f"{who} {what}")
        return ("；" if lang == "zh" else ", " if self.verb else "; ").join(parts)

    def __eq__(self, other):
        return isinstance(other, Lines) and (other.lines, other.verb) == (self.lines, self.verb)


def said(ln: Line, lang: str) -> str:
    """A line's reward as a sentence says it: cash with its unit (1000元, 1000 yuan); in Chinese an
    item's value in Chinese brackets (购物卡（800）), where the reward cell keeps line_text's 购物卡 (800)."""
    from .plan import line_text
    what = line_text(ln, lang)
    if ln.reward_type == "cash" and not ln.item:
        return what + ("元" if lang == "zh" else " yuan")
    return full_width_value(what) if lang == "zh" and ln.item else what


def withdrawn_by_untick(lines: list[Line]) -> list[Line]:
    """The lines a manager's untick of Approved reversed, when that is the last thing
    the ledger did to the referral's own rewards (none when anything came after)."""
    own = [ln for ln in lines if ln.role != "milestone"]
    out: list[Line] = []
    for ln in reversed(own):
        if ln.kind != "reversal" or ln.reason != "approval_removed":
            break
        out.append(ln)
    out.reverse()
    return out


def untick_note(reversed_lines: list[Line], state, v, tick="approved") -> Text | None:
    """Approved (or GM approved, `tick`) unticked on an approved row: what was withdrawn, and what to do."""
    if not reversed_lines:
        return None
    from .referral import LABEL
    if v["paid"] and state.paid:
        recover = [ln for ln in state.recover if ln.role != "milestone"] or reversed_lines
        return Text("explain.unticked_paid", lines=Lines(recover, verb=True), tick=LABEL[tick])
    key = "explain.unticked_notified" if state.notified else "explain.unticked"
    return Text(key, lines=Lines(reversed_lines), tick=LABEL[tick])


def paid_untick_note(d, state, v) -> None:
    """Paid unticked on a paid row (a stale tick taken away as asked is not a surprise)."""
    if v["paid"]:
        return
    if (state.paid and not state.paid_stale) or (not state.paid and state.paid_unticked):
        d.problems.append(Text("explain.paid_unticked"))


def early_tick_note(d) -> None:
    """A tick on a row that is not payable yet but will be: when it takes effect."""
    if d.status == "holding" and d.detail is not None:
        d.problems.append(Text("explain.early_holding", date=d.detail.params.get("date", "")))
    elif d.status == "waiting_payment":
        d.problems.append(Text("explain.early_payment"))
    elif d.status == "waiting_deal":
        d.problems.append(Text("explain.early_deal"))


# ---- milestone steps taken back ------------------------------------------------------

def milestone_notes(candidates, decisions, ctx, empty) -> None:
    """On each counting row (approved, notified, paid) of `candidates` (the rows with milestone
    lines in the ledger), a note for each milestone step the ledger took back from it: the
    step was reached with a referral that no longer counts."""
    by_person = None
    steps = None
    for d in candidates:
        if not d.milestone_ok:
            continue
        state = ctx.states.get(d.ref.ref_id, empty)
        taken = _taken_back(state, d)
        if not taken:
            continue
        if by_person is None:
            by_person = {}
            for o in decisions:
                by_person.setdefault(o.ref.person, []).append(o)
            steps = {m.row: m for m in ctx.milestones}
        for key, back in taken:
            cause = _cause(d, back, by_person.get(d.ref.person, ()), steps, ctx.states, empty)
            what = _What(back)
            paid = key in state.paid_keys
            d.problems.append(Text("explain.milestone_recover" if paid else "explain.milestone_withdrawn",
                                   cause=cause, who=back.recipient, what=what))


def milestone_after_paid(d, state) -> None:
    """A milestone step issued to a referral already paid (a highest step paid when the
    period ended, a step reached again): say what to hand out too, until a Paid tick
    covers it; the tick standing is marked stale, so unticking it keeps what was paid."""
    if d.status != "paid" or not state.paid:      # a tick set in this pass covers everything in force
        return
    lines = [ln for ln in (*state.lines, *d.new_lines) if ln.role == "milestone"]
    if not lines:
        return
    from .lines import net_by_key
    due = [replace(n.template, amount=n.amount) for key, n in net_by_key(lines).items()
           if n.qty > 0 and key not in state.paid_keys and (n.amount or n.template.item)]
    if not due:
        return
    if not state.paid_stale and any(ln.role == "milestone" and ln.qty > 0 for ln in d.new_lines):
        d.events.append(("paid_stale", {}))
    d.problems.append(Text("explain.milestone_after_paid", pay=Lines(due, "give")))


def _taken_back(state, d) -> list[tuple[str, Line]]:
    """(key, reversing line) for each milestone step of the row that is reversed now."""
    lines = [ln for ln in state.lines if ln.role == "milestone"]
    lines += [ln for ln in d.new_lines if ln.role == "milestone"]
    if not lines:
        return []
    last: dict[str, Line] = {}
    net: dict[str, int] = {}
    for ln in lines:
        last[ln.key] = ln
        net[ln.key] = net.get(ln.key, 0) + ln.qty
    return [(k, ln) for k, ln in last.items() if ln.qty < 0 and net[k] <= 0]


class _What:
    def __init__(self, ln: Line):
        self.ln = ln

    def render(self, lang: str) -> str:
        return said(replace(self.ln, amount=abs(self.ln.amount), role=""), lang)     # the step's reward itself

    def __eq__(self, other):
        return isinstance(other, _What) and other.ln == self.ln


class _Why:
    def __init__(self, status: str):
        self.status = status

    def render(self, lang: str) -> str:
        from .contract import STATUSES
        if self.status in ("clawback", "voided"):
            return CANCELLED.render(lang)
        return NOW[lang if lang in NOW else "en"].format(status=STATUSES[self.status].render(lang))

    def __eq__(self, other):
        return isinstance(other, _Why) and other.status == self.status


def _cause(d, back: Line, mine, steps: dict, states: dict, empty):
    """Which referrals of the same referrer stopped counting toward the step (by the
    step's programme and counting period)."""
    from .periods import period_key
    parts = back.rule.split(":")          # Milestones:<row>:<period key>:<count>
    step = steps.get(int(parts[1])) if len(parts) == 4 and parts[1].isdigit() else None
    if step is None:
        return Text("explain.cause_unknown")
    out = []
    for o in mine:
        if o.milestone_ok or o is d:
            continue
        v = o.ref.v
        if step.program is not None and v["program_n"] != step.program:
            continue
        if v["deal_date"] is None or period_key(step.period, v["deal_date"]) != parts[2]:
            continue
        st = states.get(o.ref.ref_id, empty)
        if any(ln.qty > 0 and ln.role != "milestone" for ln in st.lines):     # it counted once
            out.append(o)
    if not out:
        return Text("explain.cause_unknown")
    return [Text("explain.cause", refs=o.ref.ref_id, why=_Why(o.status)) for o in out]
