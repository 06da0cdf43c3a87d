"""A snapshot's tabs → layout, settings, rules, milestones, staff, customers
and referral rows, with every finding about them.  Pure."""
from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding
from .layout import Layout, locate
from .milestones import Milestone, parse_milestones
from .people import Customers, Staff, parse_customers, parse_staff
from .referral import Referral, parse_rows
from .rules import Rule, dead_rules, parse_rules
from .settings import Settings, parse_settings

from . import i18n
from .i18n import Text

i18n.register({
    "book.nothing_pays": {
        "en": "Rules tab: there is no usable rule and no milestone, so no referral can earn anything — add rule rows",
        "zh": "奖励规则工作表：没有可用的规则或阶梯奖励，任何推荐都不会有奖励 — 请添加规则",
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

    def grid(key):
        t = layout.tab(key)
        return tabs[t.name] if t else []

    settings, f = parse_settings(grid("settings"), layout.tab("settings"))
    findings += f
    rules, f = parse_rules(grid("rules"), layout.tab("rules"))
    findings += f
    milestones, f = parse_milestones(grid("milestones"), layout.tab("milestones"), settings.campaign_end)
    findings += f
    staff, f = parse_staff(grid("staff"), layout.tab("staff"))
    findings += f
    customers, f = parse_customers(grid("customers"), layout.tab("customers"))
    findings += f
    if layout.tab("rules") and layout.tab("rules").cols:
        findings += dead_rules(rules, layout.tab("rules").name, settings.excluded_categories,
                               (settings.campaign_start, settings.campaign_end))
        if not rules and not milestones and not any(x.is_error for x in findings):
            findings.append(Finding(Text("book.nothing_pays"), "warning"))
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
