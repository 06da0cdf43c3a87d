"""The Rules tab → Rule objects; matching a referral; computing a value.

Value of a matching rule = deal amount × rate % + fixed, capped, then rounded
half up to the rule's unit.  Rules with the same recipient and group are
alternatives (first match, top to bottom, wins); a blank group means the
reward type; different groups add up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from . import cells, i18n
from .cells import CellError, norm
from .contract import (RECIPIENT_CHOICES, RECIPIENTS, REFERRER_TYPE_CHOICES, REFERRER_TYPES,
                       REWARD_TYPE_CHOICES, REWARD_TYPES, TABS)
from .findings import Finding, at_cell, at_row
from .i18n import Text
from .layout import TabLayout, cell_ref
from .lines import key_tail

i18n.register({
    "rule.gives_nothing": {
        "en": "the rule gives nothing — fill in Rate %, Fixed or Item",
        "zh": "该规则没有任何奖励 — 请填写比例%、固定金额或奖品",
    },
    "rule.band_empty": {
        "en": "Min amount {min} is not below Max amount {max}, so no deal can match — correct the band",
        "zh": "金额下限 {min} 不低于金额上限 {max}，没有成交能匹配 — 请更正金额区间",
    },
    "rule.window_empty": {
        "en": "From {start} is after To {end}, so no referral can match — correct the dates",
        "zh": "生效日期 {start} 晚于截止日期 {end}，没有登记能匹配 — 请更正日期",
    },
    "rule.shadowed": {
        "en": "this row can never match: row {row} above, in the same group ({group}), matches every referral it would — move it above row {row} or give it another group",
        "zh": "该行永远不会生效：上方第 {row} 行属于同一分组（{group}），会先匹配所有本行能匹配的登记 — 请把本行移到第 {row} 行之上，或改用其他分组",
    },
    "rule.category_excluded": {
        "en": "this row can never match: its categories {cats} are all excluded (Settings: {setting}) — delete the "
              "row, or take its categories out of that setting",
        "zh": "该行永远不会生效：其类别 {cats} 都已被排除（设置：{setting}） — 请删除该行，或从该设置中去掉这些类别",
    },
    "rule.outside_campaign": {
        "en": "this row can never match: its dates lie outside the campaign ({start} – {end})",
        "zh": "该行永远不会生效：其有效日期在活动期（{start} – {end}）之外",
    },
    "rule.recipient_missing": {
        "en": "empty — write who gets the reward: {labels}",
        "zh": "为空 — 请填写奖励对象：{labels}",
    },
    "rule.no_rules": {
        "en": "Rules tab: there is no rule and no milestone — add at least one rule row",
        "zh": "奖励规则工作表：没有任何规则或阶梯奖励 — 请至少添加一行规则",
    },
    "rule.group_is_type": {
        "en": "{found} names a reward type, so this row is in one group with the {type} rows whose Group is blank: "
              "only the first of them that matches pays — if both should pay, give this group another name",
        "zh": "{found} 是奖励类型的名称，该行与“分组”为空的{type}规则属于同一组：只有其中第一条符合的规则发放 — "
              "如两者都应发放，请给该组另起名称",
    },
    "rule.cap_below_unit": {
        "en": "the cap {cap} is below Round to {unit}, so the rule can never pay anything — raise the cap to {unit} "
              "or more, or round to a smaller unit",
        "zh": "封顶 {cap} 小于取整单位 {unit}，该规则永远不会发放 — 请把封顶提高到 {unit} 或以上，或改用更小的取整单位",
    },
    "rule.cap_off_unit": {
        "en": "the cap {cap} is not a multiple of Round to {unit}, so a reward that reaches the cap pays {paid} "
              "(never more than the cap) — make the cap a multiple of {unit} if {paid} is not meant",
        "zh": "封顶 {cap} 不是取整单位 {unit} 的整数倍，达到封顶的奖励按 {paid} 发放（不超过封顶） — "
              "如不是这个意思，请把封顶改为 {unit} 的整数倍",
    },
    "rule.round_bad": {
        "en": "{found} is not a rounding unit — write 0.01, 1, 10 or 100",
        "zh": "{found} 不是有效的取整单位 — 请填写 0.01、1、10 或 100",
    },
    "rule.rate_too_high": {
        "en": "{found} % is more than the whole deal — write the percent, e.g. 0.2 for 0.2 %",
        "zh": "{found}% 超过了成交金额本身 — 请填写百分比数值，如 0.2 表示 0.2%",
    },
})

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rule:
    row: int                        # sheet row, for people and for the ledger
    recipient: str                  # referrer · new_customer · signer · lead · assistant
    program: str | None             # normalised; None = every programme
    referrer_type: str | None
    categories: frozenset | None    # normalised names; None = any
    min_amount: Decimal | None
    max_amount: Decimal | None
    rate: Decimal | None
    fixed: Decimal | None
    cap: Decimal | None
    round_to: Decimal
    reward_type: str
    item: str | None
    group: str                      # explicit group, or "type:<reward type>"
    group_label: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def needs_amount(self) -> bool:
        return self.rate is not None or self.min_amount is not None or self.max_amount is not None

    def could_match(self, program: str | None, referrer_type: str, category: str | None,
                    submitted: dt.date) -> bool:
        """Matches on everything but the amount."""
        return self.matches(program, referrer_type, category, None, submitted, ignore_amount=True)

    def matches(self, program: str | None, referrer_type: str, category: str | None,
                amount: Decimal | None, submitted: dt.date, ignore_amount: bool = False) -> bool:
        if self.program is not None and self.program != program:
            return False
        if self.referrer_type is not None and self.referrer_type != referrer_type:
            return False
        if self.categories is not None and category not in self.categories:
            return False
        if self.valid_from and submitted < self.valid_from:
            return False
        if self.valid_to and submitted > self.valid_to:
            return False
        if self.needs_amount and not ignore_amount:
            if amount is None:
                return False
            if self.min_amount is not None and amount < self.min_amount:
                return False
            if self.max_amount is not None and amount >= self.max_amount:
                return False
        return True

    def value(self, amount: Decimal | None) -> Decimal:
        v = Decimal(0)
        if self.rate is not None and amount is not None:
            v += amount * self.rate / 100
        if self.fixed is not None:
            v += self.fixed
        if self.cap is not None and v > self.cap:
            v = self.cap
        out = round_half_up(v, self.round_to)
        if self.cap is not None and out > self.cap:
            # capped, then rounded — and still never above the cap: a cap that is
            # not a multiple of the unit pays the multiple below it (check warns)
            out = round_down(self.cap, self.round_to)
        return out


def round_half_up(value: Decimal, unit: Decimal = CENT) -> Decimal:
    q = (value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit
    # keep at least cents precision for display, never an exponent
    return q.quantize(unit if unit < 1 else Decimal(1))


def round_down(value: Decimal, unit: Decimal = CENT) -> Decimal:
    q = (value / unit).quantize(Decimal(1), rounding=ROUND_FLOOR) * unit
    return q.quantize(unit if unit < 1 else Decimal(1))


def _cell(row: list, col: int | None):
    if col is None or col > len(row):
        return None
    return row[col - 1]


def parse_rules(grid: list[list], tab: TabLayout | None) -> tuple[list[Rule], list[Finding]]:
    """Every non-blank row below the header → a Rule, or findings naming the bad cells."""
    rules: list[Rule] = []
    findings: list[Finding] = []
    if tab is None or not tab.cols:
        return rules, findings
    spec = TABS["rules"]
    named: list[tuple] = []          # (rule, cell, group) of groups named like a reward type
    blank: set[tuple] = set()        # (recipient, group) of rows with a blank Group
    for r in range(tab.header_row, len(grid)):
        row = grid[r]
        values = {k: _cell(row, c) for k, c in tab.cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        sheet_row = r + 1
        bad: list[Finding] = []

        def get(key, parser, *args, **kw):
            try:
                return parser(values.get(key), *args, **kw)
            except CellError as e:
                bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols[key]), spec.field(key).label, e.text))
                return None

        recipient = get("recipient", cells.parse_choice, RECIPIENT_CHOICES, labels=list(RECIPIENTS.values()))
        if recipient is None and not bad:
            bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["recipient"]), spec.field("recipient").label,
                               Text("rule.recipient_missing", labels=list(RECIPIENTS.values()))))
        program = get("program", cells.parse_text)
        rtype = get("referrer_type", cells.parse_choice, REFERRER_TYPE_CHOICES, labels=list(REFERRER_TYPES.values()))
        cats = get("category", cells.parse_list)
        min_a = get("min_amount", cells.parse_amount)
        max_a = get("max_amount", cells.parse_amount)
        rate = get("rate", cells.parse_percent)
        fixed = get("fixed", cells.parse_amount)
        cap = get("cap", cells.parse_amount)
        try:
            unit = cells.parse_amount(values.get("round_to"))
        except CellError:            # 百, 元: say what a unit is, not what an amount is
            unit = Decimal(0)
        rtype_reward = get("reward_type", cells.parse_choice, REWARD_TYPE_CHOICES, labels=list(REWARD_TYPES.values()))
        item = get("item", cells.parse_text)
        group = get("group", cells.parse_text)
        vfrom = get("valid_from", cells.parse_date)
        vto = get("valid_to", cells.parse_date)
        if unit is not None and unit <= 0:
            bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["round_to"]), spec.field("round_to").label,
                               Text("rule.round_bad", found=i18n.Found(values.get("round_to")))))
        if rate is not None and rate > 100:
            bad.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["rate"]), spec.field("rate").label,
                               Text("rule.rate_too_high", found=rate)))
        if bad:
            findings.extend(bad)
            continue
        if rate is None and fixed is None and not item:
            findings.append(at_row(tab.name, sheet_row, Text("rule.gives_nothing")))
            continue
        if min_a is not None and max_a is not None and min_a >= max_a:
            findings.append(at_row(tab.name, sheet_row, Text("rule.band_empty", min=min_a, max=max_a)))
            continue
        if vfrom and vto and vfrom > vto:
            findings.append(at_row(tab.name, sheet_row, Text("rule.window_empty", start=vfrom, end=vto)))
            continue
        if cap is not None and unit is not None and round_down(cap, unit) != cap:
            below = round_down(cap, unit) == 0          # then the rule can never pay: an error, not a warning
            findings.append(at_cell(tab.name, cell_ref(sheet_row, tab.cols["cap"]), spec.field("cap").label,
                                    Text("rule.cap_below_unit" if below else "rule.cap_off_unit", cap=cap, unit=unit,
                                         paid=round_down(cap, unit)), "error" if below else "warning"))
            if below:
                continue
        reward_type = rtype_reward or ("gift" if item and rate is None and fixed is None else "cash")
        rules.append(Rule(
            row=sheet_row, recipient=recipient, program=norm(program) if program else None,
            referrer_type=rtype, categories=frozenset(norm(c) for c in cats) if cats else None,
            min_amount=min_a, max_amount=max_a, rate=rate, fixed=fixed, cap=cap,
            round_to=unit if unit is not None else CENT, reward_type=reward_type, item=item,
            group=_group_key(group, reward_type),
            group_label=group or REWARD_TYPES[reward_type].zh, valid_from=vfrom, valid_to=vto))
        if group and rules[-1].group.startswith("type:"):
            named.append((rules[-1], cell_ref(sheet_row, tab.cols["group"]), group))
        elif not group:
            blank.add((recipient, rules[-1].group))
    for rule, where, group in named:     # say it: the same group as the blank-group rows of that type
        if (rule.recipient, rule.group) in blank:
            findings.append(at_cell(tab.name, where, spec.field("group").label,
                                    Text("rule.group_is_type", found=i18n.Found(group),
                                         type=REWARD_TYPES[rule.group[5:]]), "warning"))
    return rules, findings


def _group_key(group: str | None, reward_type: str) -> str:
    """A blank group is the rule's reward type; a group named like a reward type
    (现金, cash, 购物卡 …) is that same group, so "8 % for key accounts, group
    现金" above "5 % for everyone" still pays one of the two, not both."""
    if not group:
        return f"type:{reward_type}"
    named = REWARD_TYPE_CHOICES.get(norm(group))
    return f"type:{named}" if named else f"g:{norm(group)}"


def _covers(a: Rule, b: Rule) -> bool:
    """True when every referral b matches is matched by a too."""
    if a.program is not None and a.program != b.program:
        return False
    if a.referrer_type is not None and a.referrer_type != b.referrer_type:
        return False
    if a.categories is not None and (b.categories is None or not b.categories <= a.categories):
        return False
    if a.needs_amount and not b.needs_amount:
        return False
    if a.min_amount is not None and (b.min_amount is None or b.min_amount < a.min_amount):
        return False
    if a.max_amount is not None and (b.max_amount is None or b.max_amount > a.max_amount):
        return False
    if a.valid_from and (b.valid_from is None or b.valid_from < a.valid_from):
        return False
    if a.valid_to and (b.valid_to is None or b.valid_to > a.valid_to):
        return False
    return True


def dead_rules(rules: list[Rule], tab_name: str, settings) -> list[Finding]:
    """Warnings for rows that can never match (Settings: excluded categories, the campaign)."""
    out: list[Finding] = []
    excluded = {norm(c) for c in settings.excluded_categories}
    start, end = settings.campaign_start, settings.campaign_end
    for i, b in enumerate(rules):
        for a in rules[:i]:
            if a.recipient == b.recipient and a.group == b.group and _covers(a, b):
                out.append(at_row(tab_name, b.row, Text("rule.shadowed", row=a.row, group=b.group_label), "warning"))
                break
        else:
            if b.categories and b.categories <= excluded:
                why = Text("rule.category_excluded", cats=", ".join(sorted(b.categories)),
                           setting=settings.name("excluded_categories"))
                out.append(at_row(tab_name, b.row, why, "warning"))
            elif (start and b.valid_to and b.valid_to < start) or (end and b.valid_from and b.valid_from > end):
                why = Text("rule.outside_campaign", start=start or "", end=end or "")
                out.append(at_row(tab_name, b.row, why, "warning"))
    return out


class Offer:
    """A rule that can match, with what a proposal line from it needs.  Values
    are remembered per amount: deal amounts repeat across 100 000 rows."""

    __slots__ = ("rule", "group", "band", "lo", "hi", "values", "fixed_value", "source", "key_tail")

    def __init__(self, rule: Rule):
        self.rule = rule
        self.group = rule.group
        self.band = rule.needs_amount
        self.lo, self.hi = rule.min_amount, rule.max_amount
        self.values: dict = {}
        self.fixed_value = None if rule.needs_amount else rule.value(None)
        self.source = f"Rules:{rule.row}"
        self.key_tail = key_tail(rule.reward_type, rule.item, rule.group)

    def value(self, amount: Decimal | None) -> Decimal:
        if self.fixed_value is not None:
            return self.fixed_value
        v = self.values.get(amount)
        if v is None:
            v = self.values[amount] = self.rule.value(amount)
        return v


class Matcher:
    """What the rules give one referral: per recipient role, the first matching
    rule per group; groups add up.  The conditions that do not depend on the
    amount are remembered per (programme, referrer type, category, day): a
    pass over 100 000 rows then only checks bands and looks values up."""

    def __init__(self, rules: list[Rule]):
        self.by_role: dict[str, list[Rule]] = {}
        for rule in rules:
            self.by_role.setdefault(rule.recipient, []).append(rule)
        self.roles = tuple(self.by_role)
        self._offers = {id(rule): Offer(rule) for rule in rules}
        self._candidates: dict[tuple, tuple] = {}    # conditions → (candidates, amount → rewards)
        self._same: dict[tuple, tuple] = {}          # one entry per distinct set of candidates

    def candidates(self, program, referrer_type, category, submitted) -> tuple:
        """((role, (Offer, ...)), ...) for the roles with a rule that can match."""
        return self._entry(program, referrer_type, category, submitted)[0]

    def _entry(self, program, referrer_type, category, submitted) -> tuple:
        k = (program, referrer_type, category, submitted)
        entry = self._candidates.get(k)
        if entry is None:
            cands = tuple((role, offers) for role in self.roles
                          if (offers := tuple(self._offers[id(r)] for r in self.by_role[role]
                                              if r.could_match(program, referrer_type, category, submitted))))
            entry = self._candidates[k] = self._same.setdefault(cands, (cands, {}))
        return entry

    def rewards(self, program, referrer_type, category, amount, submitted) -> tuple:
        """((role, ((reward type, value, item, source, key tail), ...)), ...):
        what the rules give one referral, role by role, as the parts of its
        proposal lines; remembered per (candidates, amount)."""
        entry = self._candidates.get((program, referrer_type, category, submitted))
        if entry is None:
            entry = self._entry(program, referrer_type, category, submitted)
        hit = entry[1].get(amount)
        if hit is None:
            hit = entry[1][amount] = tuple(
                (role, tuple((o.rule.reward_type, value, o.rule.item, o.source, o.key_tail) for o, value in chosen))
                for role, offers in entry[0] if (chosen := self.choose(offers, amount)))
        return hit

    @staticmethod
    def choose(offers: tuple, amount: Decimal | None) -> list[tuple[Offer, Decimal]]:
        """(offer, value) of the rules that give something for this amount: the
        first matching rule per group."""
        out = []
        seen = None
        for o in offers:
            if seen is not None and o.group in seen:
                continue
            if o.band and (amount is None or (o.lo is not None and amount < o.lo)
                           or (o.hi is not None and amount >= o.hi)):
                continue
            if seen is None:
                seen = {o.group}
            else:
                seen.add(o.group)
            value = o.value(amount)
            if value > 0 or o.rule.item:
                out.append((o, value))
        return out


def needs_amount(rules: list[Rule], recipient_roles=None) -> bool:
    return any(r.needs_amount for r in rules if recipient_roles is None or r.recipient in recipient_roles)
