"""The Milestones tab: rewards for reaching a number of approved referrals.

Mode `each` pays every step reached, once per period.  Mode `highest` pays only
the highest step reached, once the period has ended.  A milestone line is
attached to the referral that reached the step.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from . import cells, i18n
from .cells import CellError, norm
from .contract import (MODE_CHOICES, MODES, PERIOD_CHOICES, PERIODS, RECIPIENT_CHOICES, RECIPIENTS,
                       REWARD_TYPE_CHOICES, REWARD_TYPES, TABS)
from .findings import Finding, at_cell, at_row
from .i18n import Text
from .layout import TabLayout, cell_ref
from .periods import period_end, period_key

i18n.register({
    "milestone.gives_nothing": {
        "en": "the milestone gives nothing — fill in Amount or Item",
        "zh": "该阶梯奖励没有任何奖励 — 请填写金额或奖品",
    },
    "milestone.count_missing": {
        "en": "empty — write how many approved referrals reach this step, e.g. 3",
        "zh": "为空 — 请填写达到此档所需的成功推荐人数，如 3",
    },
    "milestone.never_ends": {
        "en": "mode highest pays once the period has ended, but period {period} never ends{hint} — use mode each, or another period",
        "zh": "“取最高”方式在周期结束后发放，但周期“{period}”不会结束{hint} — 请改用“逐档”或其他周期",
    },
    "milestone.no_campaign_end": {"en": " (Settings: {setting} is not set)", "zh": "（设置：{setting} 未填写）"},
    "milestone.recipient": {
        "en": "{found}: milestones count a referrer's referrals — write referrer",
        "zh": "{found}：阶梯奖励按推荐人的推荐数计算 — 请填写“推荐人”",
    },
})


@dataclass(frozen=True)
class Milestone:
    row: int
    program: str | None
    count: int
    period: str
    mode: str
    reward_type: str
    amount: Decimal
    item: str | None


@dataclass(frozen=True)
class MilestoneLine:
    ref_id: str
    milestone_row: int
    period: str           # the counting period key, e.g. 2026-Q4
    count: int
    reward_type: str
    amount: Decimal
    item: str | None


def _cell(row, col):
    if col is None or col > len(row):
        return None
    return row[col - 1]


def parse_milestones(grid, tab: TabLayout | None, settings) -> tuple[list[Milestone], list[Finding]]:
    """Milestone rows (settings: the campaign's end, for period campaign)."""
    campaign_end = settings.campaign_end
    out: list[Milestone] = []
    findings: list[Finding] = []
    if tab is None or not tab.cols:
        return out, findings
    spec = TABS["milestones"]
    for r in range(tab.header_row, len(grid)):
        row = grid[r]
        values = {k: _cell(row, c) for k, c in tab.cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        sheet_row = r + 1
        bad: list[Finding] = []
        bad_keys: set[str] = set()

        def get(key, parser, *args, **kw):
            try:
                return parser(values.get(key), *args, **kw)
            except CellError as e:
                bad_keys.add(key)
                bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols[key]), spec.field(key).label, e.text))
                return None

        recipient = get("recipient", cells.parse_choice, RECIPIENT_CHOICES, labels=list(RECIPIENTS.values()))
        program = get("program", cells.parse_text)
        count = get("count", cells.parse_int, minimum=1)
        period = get("period", cells.parse_choice, PERIOD_CHOICES, labels=list(PERIODS.values())) or "all"
        mode = get("mode", cells.parse_choice, MODE_CHOICES, labels=list(MODES.values())) or "each"
        rtype = get("reward_type", cells.parse_choice, REWARD_TYPE_CHOICES, labels=list(REWARD_TYPES.values()))
        amount = get("amount", cells.parse_amount)
        item = get("item", cells.parse_text)
        if recipient not in (None, "referrer"):
            bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["recipient"]), spec.field("recipient").label,
                               Text("milestone.recipient", found=RECIPIENTS[recipient])))
        if count is None and "count" not in bad_keys:
            bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["count"]), spec.field("count").label,
                               Text("milestone.count_missing")))
        if bad:
            findings.extend(bad)
            continue
        if not amount and not item:
            findings.append(at_row(tab.name, sheet_row, Text("milestone.gives_nothing")))
            continue
        if mode == "highest" and (period == "all" or (period == "campaign" and campaign_end is None)):
            hint = Text("milestone.no_campaign_end", setting=settings.name("campaign_end")) if period == "campaign" else ""
            findings.append(at_row(tab.name, sheet_row, Text("milestone.never_ends", period=PERIODS[period],
                                                             hint=hint)))
            continue
        out.append(Milestone(sheet_row, norm(program) if program else None, count, period, mode,
                             rtype or ("cash" if amount and not item else "gift"), amount or Decimal(0), item))
    return out, findings


def milestone_lines(milestones: list[Milestone], approved: dict[str, list], today: dt.date,
                    campaign_end: dt.date | None, changes_on=None) -> list[MilestoneLine]:
    """approved: person key → that person's approved referrals, each (deal_date, order, ref_id, program).

    Returns every milestone line due today, attached to the referral that reached it."""
    lines: list[MilestoneLine] = []
    if not milestones:
        return lines
    ladders = _ladders(milestones).items()
    for person, refs in approved.items():
        refs = sorted(refs)
        for ladder_key, ladder in ladders:
            program, period_kind, mode = ladder_key
            groups: dict[str, list] = {}
            for deal, order, ref_id, prog in refs:
                if program is not None and prog != program:
                    continue
                groups.setdefault(period_key(period_kind, deal), []).append(ref_id)
            for pkey, ids in groups.items():
                n = len(ids)
                reached = [m for m in ladder if m.count <= n]
                if not reached:
                    continue
                if mode == "highest":
                    end = period_end(period_kind, pkey, campaign_end)
                    if end is None or today <= end:
                        if end is not None and changes_on is not None:
                            changes_on(end + dt.timedelta(days=1))   # pays the day after
                        continue
                    # every row of the highest step reached: "500元精品券 and VIP500积分"
                    # at one step are two rows of the same count
                    top = max(m.count for m in reached)
                    reached = [m for m in reached if m.count == top]
                for m in reached:
                    lines.append(MilestoneLine(ids[m.count - 1], m.row, pkey, m.count, m.reward_type, m.amount, m.item))
    return lines


def _ladders(milestones: list[Milestone]) -> dict[tuple, list[Milestone]]:
    out: dict[tuple, list[Milestone]] = {}
    for m in milestones:
        out.setdefault((m.program, m.period, m.mode), []).append(m)
    return out
