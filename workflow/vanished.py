"""Columns that held what the ledger relies on, and are gone from the sheet now.

A renamed header (审批通过 → 经理审批) looks to a pass like every tick taken
away: it would reverse every approved reward, or see every deal amount as
empty.  A referral column the ledger holds an approval, a payment, a rejection,
a cancellation or an approved value of is therefore needed as much as a
required one: while it is missing, the pass stops and says which column.
Pure: takes the workbook's layout and what the ledger knows; `gone_at` reads
the ledger for them, so that a workbook with other errors too (a bad rule
cell) is told everything that stops it at once.
"""
from __future__ import annotations

from . import i18n
from .contract import TABS
from .findings import Finding
from .i18n import Text
from .referral import RELEVANT

i18n.register({
    "vanished.column": {
        "en": "{tab} tab: no column {names} — at the last pass it held {what}, so nothing was processed now "
              "(nothing is reversed or re-issued); rename the column back, or give its new header as an alias "
              "in the config ([aliases.referrals])",
        "zh": "{tab}工作表：找不到列 {names} — 上次处理时该列有{what}，本次未做任何处理（不会冲销或重发奖励）；"
              "请把列名改回，或在配置中把新表头设为别名（[aliases.referrals]）",
    },
    "vanished.tab": {
        "en": "{tab} tab: not found (looked for {names}) — the last passes decided with it, and without it "
              "{what}; nothing was processed now (nothing is reversed or re-issued); restore the tab or its name",
        "zh": "{tab}工作表：找不到（查找了 {names}） — 之前的处理都依据该表，缺少它会{what}；本次未做任何处理（不会冲销或重发奖励）；"
              "请恢复该工作表或其名称",
    },
    "vanished.tab.settings": {"en": "every setting would fall back to its default (holding period, second "
                                    "approval, caps, exclusions)",
                              "zh": "使所有设置回到默认值（等待期、二级审批、上限、排除项）"},
    "vanished.tab.milestones": {"en": "the milestone rewards issued would be reversed",
                                "zh": "冲销已发放的阶梯奖励"},
    "vanished.tab.customers": {"en": "the checks against existing customers would be skipped",
                               "zh": "跳过按老客户表所做的检查"},
    "vanished.approvals": {"en": "approvals", "zh": "审批记录"},
    "vanished.paid": {"en": "rewards ticked as paid", "zh": "已发放的勾选"},
    "vanished.rejected": {"en": "rejections", "zh": "驳回记录"},
    "vanished.cancelled": {"en": "cancellations", "zh": "退单记录"},
    "vanished.value": {"en": "values that approved rewards were computed from",
                       "zh": "已审批奖励所依据的值"},
})

_TICKS = ("approved", "paid", "rejected", "cancelled")
_WITHOUT_COLUMN = {"referrer_type": "customer"}    # what a row has when the sheet has no such column


def vanished_columns(layout, states: dict) -> list[Finding]:
    """An error for each referral column the ledger relies on that the sheet lacks."""
    tab = layout.tab("referrals")
    if tab is None or not states:
        return []
    absent = [key for key in (*_TICKS, *RELEVANT) if key not in tab.cols]
    if not absent:
        return []
    needed: dict[str, str] = {}
    for st in states.values():
        if st.approval is not None:
            needed.setdefault("approved", "vanished.approvals")
            for key, value in st.approval.items():
                if value and value != _WITHOUT_COLUMN.get(key):
                    needed.setdefault(key, "vanished.value")
        if st.paid:
            needed.setdefault("paid", "vanished.paid")
        if st.rejected:
            needed.setdefault("rejected", "vanished.rejected")
        if "cancelled" not in needed and any(ln.reason == "cancelled" for ln in st.lines):
            needed["cancelled"] = "vanished.cancelled"
    spec = TABS["referrals"]
    out = []
    for key in absent:
        if key in needed and not spec.field(key).required:     # a required one: locate() named it
            f = spec.field(key)
            out.append(Finding(Text("vanished.column", tab=tab.name, names=" / ".join(f"“{n}”" for n in (f.en, f.zh)),
                                    what=Text(needed[key]))))
    return out


# tabs whose absence would change what the ledger decided before: a deleted
# Settings tab turns holding and second approval off, a deleted Milestones tab
# reverses the steps issued, a deleted Customers tab lets old customers count as new
TRACKED_TABS = ("settings", "milestones", "customers")


def vanished_tabs(layout, seen: frozenset) -> list[Finding]:
    """An error for each tracked tab the last passes had (`seen`, from the ledger) and the workbook lacks."""
    out = []
    for key in TRACKED_TABS:
        if key in seen and layout.tab(key) is None:
            spec = TABS[key]
            out.append(Finding(Text("vanished.tab", tab=spec.zh if layout.language_hint == "zh" else spec.en,
                                    names=f"{spec.en}, {spec.zh}", what=Text(f"vanished.tab.{key}"))))
    return out


def tabs_present(layout) -> frozenset:
    return frozenset(key for key in TRACKED_TABS if layout.tab(key) is not None)


def vanished(layout, states: dict, seen: frozenset) -> list[Finding]:
    """vanished_columns and vanished_tabs: everything the ledger relies on that the workbook lacks."""
    return vanished_columns(layout, states) + vanished_tabs(layout, seen)


def gone_at(path, layout) -> list[Finding]:
    """vanished() for the ledger at `path`, read only (none yet: nothing is relied on)."""
    if not path.exists():
        return []
    from .ledger import Ledger
    ledger = Ledger(path)
    try:
        return vanished(layout, ledger.states()[0], ledger.tabs_seen())
    finally:
        ledger.close()
