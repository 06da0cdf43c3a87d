"""A snapshot's tabs → layout, settings, rules, milestones, staff, customers
and referral rows, with every finding about them.  Pure."""
from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding
from .layout import Layout, locate
from .milestones import Milestone, parse_milestones
from .people import Customers, Staff, parse_customers, parse_staff
from .referral import Referral
from .referral_rows import parse_rows
from .rules import Rule, dead_rules, parse_rules
from .settings import Settings, parse_settings

from . import i18n
from .i18n import Text

i18n.register({
    "book.nothing_pays": {
        "en": "Rules tab: there is no usable rule and no milestone, so no referral can earn anything — add rule rows",
        "zh": "奖励规则工作表：没有可用的规则或阶梯奖励，任何推荐都不会有奖励 — 请添加规则",
    },
    "book.no_settings": {
        "en": "Settings tab: not found (looked for Settings, 设置) — every setting takes its default value (for "
              "example no holding period, no second approval and no monthly caps, while the default exclusions "
              "and checks apply); if the tab was renamed or deleted, restore it",
        "zh": "设置工作表：找不到（查找了 Settings、设置） — 所有设置均按默认值（例如无等待期、无二级审批、无月度上限，"
              "默认的排除项和检查照常适用）；如该表被改名或删除，请恢复",
    },
})


@dataclass
class Book:
    layout: Layout
    settings: Settings
    rules: list[Rule]
    milestones: list[Milestone]
    staff: Staff
    customers: Customers
    findings: list[Finding] = field(default_factory=list)
    language: str = "zh"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def load_book(tabs: dict[str, list[list]], tab_names=None, aliases=None) -> Book:
    layout = locate(tabs, tab_names, aliases)
    findings = [Finding(t) for t in layout.problems]

    def usable(key):
        """The tab's layout when its rows can be read: a tab without one of its
        required columns is not read at all (locate() said which is missing)."""
        t = layout.tab(key)
        return t if t is not None and t.complete else None

    def grid(key):
        t = usable(key)
        return tabs[t.name] if t else []

    settings, f = parse_settings(grid("settings"), usable("settings"))
    findings += f
    rules, f = parse_rules(grid("rules"), usable("rules"))
    findings += f
    milestones, f = parse_milestones(grid("milestones"), usable("milestones"), settings)
    findings += f
    staff, f = parse_staff(grid("staff"), usable("staff"))
    findings += f
    customers, f = parse_customers(grid("customers"), usable("customers"))
    findings += f
    if layout.tab("rules") and layout.tab("rules").cols:
        findings += dead_rules(rules, layout.tab("rules").name, settings)
        if not rules and not milestones and not any(x.is_error for x in findings):
            findings.append(Finding(Text("book.nothing_pays"), "warning"))
    if layout.tab("settings") is None and layout.tab("referrals") is not None:
        findings.append(Finding(Text("book.no_settings"), "warning"))
    language = settings.language
    if "language" not in settings.explicit and layout.language_hint:
        language = layout.language_hint
    return Book(layout, settings, rules, milestones, staff, customers, findings, language)


def referral_rows(tabs: dict[str, list[list]], book: Book) -> tuple[list[Referral], list]:
    """Parsed referral rows (blank rows skipped) and each one's raw Ref ID cell."""
    tab = book.layout.tab("referrals")
    if tab is None:
        return [], []
    grid = tabs[tab.name]
    refs, index = parse_rows(grid[tab.header_row:], tab.header_row + 1, tab)
    id_col = tab.cols.get("ref_id")
    rows = grid[tab.header_row:]
    ids = [rows[i][id_col - 1] if id_col and id_col <= len(rows[i]) else None for i in index]
    return refs, ids
