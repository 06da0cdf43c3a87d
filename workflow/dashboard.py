"""The Dashboard / 看板 tab: what a pass found, for people who never see a terminal.

Pure: takes the decisions of a pass, the warnings it produced and the tab's
cells as read, and returns the cell writes that bring the tab up to date.
The tab belongs to the worker (columns A–D; other columns are left alone).
It is written only when something on it changed: the "as of" date is the
day of that change, so a pass that changes nothing writes nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from . import i18n
from .backends.base import CellWrite
from .cells import norm
from .contract import DASHBOARD, DASHBOARD_TITLE, STATUSES
from .i18n import Bilingual, Text
from .plan import same

WIDTH = 4                  # columns A–D are the worker's
DATE_CELL = (2, 2)         # B2: the day the figures last changed
NEEDS_FIXING_ROWS = 20     # row numbers listed for "needs fixing"
WARNINGS_SHOWN = 30

i18n.register({
    "dash.as_of": {"en": "Figures as of", "zh": "数据日期"},
    "dash.status_head": {"en": "Status", "zh": "状态"},
    "dash.rows_head": {"en": "Rows", "zh": "行数"},
    "dash.rewards_head": {"en": "Rewards (cash)", "zh": "推荐人/新客户奖励（现金）"},
    "dash.commission_head": {"en": "Staff commission (cash)", "zh": "员工提成（现金）"},
    "dash.total": {"en": "Total", "zh": "合计"},
    "dash.todo_head": {"en": "Waiting for someone", "zh": "待处理事项"},
    "dash.todo_what": {"en": "What to do", "zh": "处理方法"},
    "dash.cash_head": {"en": "Cash (rewards + commission)", "zh": "现金合计（奖励 + 提成）"},
    "dash.todo_approval": {"en": "Managers: check the amounts and tick {approved} in the {tab} tab, {rows}",
                           "zh": "销售经理：请核对金额后在{tab}工作表勾选“{approved}”：第 {rows} 行"},
    "dash.todo_gm": {"en": "GM: tick {gm} in the {tab} tab, {rows}",
                     "zh": "总经理：请在{tab}工作表勾选“{gm}”：第 {rows} 行"},
    "dash.todo_fix": {"en": "Staff: correct these rows of the {tab} tab (the Problems column says what): {rows}",
                      "zh": "登记人员：请更正{tab}工作表中的这些行（“问题”列有说明）：第 {rows} 行"},
    "dash.todo_pay": {"en": "Finance: hand these rewards out, then tick {paid} — {tab} tab, {rows}",
                      "zh": "财务：发放这些奖励后勾选“{paid}”：{tab}工作表第 {rows} 行"},
    "dash.todo_clawback": {"en": "Finance: these referrals were cancelled after approval — their Problems cell says "
                                 "what to recover, if anything ({tab} tab, {rows})",
                           "zh": "财务：这些推荐在审批后退单 — “问题”列写明是否需要追回及追回多少（{tab}工作表第 {rows} 行）"},
    "dash.todo_notices": {"en": "Reward notices that could not go yet: they are retried automatically",
                          "zh": "尚未发出的奖励通知：系统会自动重试"},
    "dash.notices": {"en": "Notices waiting", "zh": "待发通知"},
    "dash.no_email": {"en": "Approved, no referrer email", "zh": "已审批、无推荐人邮箱"},
    "dash.todo_no_email": {"en": "Staff: no notice can go — tell the referrer, or fill in Referrer email and the "
                                 "notice goes on the next pass ({tab} tab, {rows})",
                           "zh": "登记人员：无法发送通知 — 请当面告知推荐人，或填写推荐人邮箱，下次处理时自动发送（{tab}工作表第 {rows} 行）"},
    "dash.more_rows": {"en": "{rows} and {more} more", "zh": "{rows} 等，另有 {more} 行"},
    "dash.warnings_head": {"en": "Warnings (the pass ran; check these)", "zh": "提醒（处理已完成，请核对以下事项）"},
    "dash.no_warnings": {"en": "No warnings", "zh": "没有提醒"},
    "dash.more_warnings": {"en": "… and {more} more — the administrator sees them all with `run.py check`",
                           "zh": "……另有 {more} 条 — 管理员可用 `run.py check` 查看全部"},
})

_REWARDS = ("referrer", "new_customer", "milestone")
_COMMISSION = ("signer", "lead", "assistant")
# statuses whose rows show no reward to pay (a clawback's amount to recover is in its Problems text)
_NO_REWARDS = frozenset({"voided", "not_eligible", "needs_fixing", "clawback"})
APPROVED = Bilingual("Approved", "审批通过")
GM = Bilingual("GM approved", "总经理审批")
PAID = Bilingual("Paid", "已发放")


@dataclass
class Figures:
    """What the dashboard shows, counted from a pass's decisions."""

    rows: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    rewards: dict[str, Decimal] = field(default_factory=lambda: {s: Decimal(0) for s in STATUSES})
    commission: dict[str, Decimal] = field(default_factory=lambda: {s: Decimal(0) for s in STATUSES})
    rows_of: dict[str, list[int]] = field(default_factory=lambda: {s: [] for s in STATUSES})   # sheet rows
    notices_pending: int = 0
    no_email_rows: list[int] = field(default_factory=list)   # approved, a reward for the referrer, no email


def figures(decisions, notices_pending: int = 0) -> Figures:
    out = Figures(notices_pending=notices_pending)
    for d in decisions:
        status = d.status
        out.rows[status] += 1
        out.rows_of[status].append(d.ref.row)
        if status in _NO_REWARDS:
            continue
        if status == "approved" and not d.ref.v.get("referrer_email") and \
                any(ln.role == "referrer" for ln in d.proposed):
            out.no_email_rows.append(d.ref.row)
        for ln in d.proposed:
            if ln.reward_type != "cash" or ln.item:
                continue
            if ln.role in _REWARDS:
                out.rewards[status] += ln.amount
            elif ln.role in _COMMISSION:
                out.commission[status] += ln.amount
    for rows in out.rows_of.values():
        rows.sort()
    return out


DASHBOARD_ALIASES = ("仪表盘", "汇总", "Overview")


def find_dashboard(tab_names: list[str], configured: list[str] | None = None) -> str | None:
    """The dashboard tab's name in the workbook, or None (then there is no dashboard)."""
    wanted = [norm(n) for n in (configured or [DASHBOARD.en, DASHBOARD.zh, *DASHBOARD_ALIASES])]
    by_norm = {norm(n): n for n in tab_names}
    return next((by_norm[w] for w in wanted if w in by_norm), None)


def _rows_text(rows: list[int], lang: str) -> str:
    shown = ", ".join(str(r) for r in rows[:NEEDS_FIXING_ROWS]) if lang == "en" else \
        "、".join(str(r) for r in rows[:NEEDS_FIXING_ROWS])
    if len(rows) > NEEDS_FIXING_ROWS:
        shown = Text("dash.more_rows", rows=shown, more=len(rows) - NEEDS_FIXING_ROWS).render(lang)
    if lang == "zh":
        return shown
    return ("row " if len(rows) == 1 else "rows ") + shown        # English: row 6, rows 6, 7


def content(f: Figures, warnings: list, referrals_tab: str, lang: str) -> list[list]:
    """The tab's rows (columns A–D), without the date in B2."""
    t = lambda key, **kw: Text(key, **kw).render(lang)   # noqa: E731
    rows: list[list] = [[DASHBOARD_TITLE.render(lang)], [t("dash.as_of")], [],
                        [t("dash.status_head"), t("dash.rows_head"), t("dash.rewards_head"),
                         t("dash.commission_head")]]
    for status, label in STATUSES.items():
        shows_money = status not in _NO_REWARDS
        rows.append([label.render(lang), f.rows[status], f.rewards[status] if shows_money else None,
                     f.commission[status] if shows_money else None])
    rows.append([t("dash.total"), sum(f.rows.values())])
    rows += [[], [t("dash.todo_head"), t("dash.rows_head"), t("dash.cash_head"), t("dash.todo_what")]]
    todo = (("awaiting_approval", "dash.todo_approval"), ("awaiting_gm", "dash.todo_gm"),
            ("needs_fixing", "dash.todo_fix"), ("approved", "dash.todo_pay"), ("notified", "dash.todo_pay"),
            ("clawback", "dash.todo_clawback"))
    for status, key in todo:
        if f.rows[status]:
            what = t(key, tab=referrals_tab, rows=_rows_text(f.rows_of[status], lang), approved=APPROVED.render(lang),
                     gm=GM.render(lang), paid=PAID.render(lang))
            money = None if status in _NO_REWARDS else f.rewards[status] + f.commission[status]
            rows.append([STATUSES[status].render(lang), f.rows[status], money, what])
    if f.notices_pending:
        rows.append([t("dash.notices"), f.notices_pending, None, t("dash.todo_notices")])
    if f.no_email_rows:
        rows.append([t("dash.no_email"), len(f.no_email_rows), None,
                     t("dash.todo_no_email", tab=referrals_tab, rows=_rows_text(sorted(f.no_email_rows), lang))])
    rows += [[], [t("dash.warnings_head")]]
    texts = [w.text.render(lang) for w in warnings]
    rows += [[x] for x in texts[:WARNINGS_SHOWN]] or [[t("dash.no_warnings")]]
    if len(texts) > WARNINGS_SHOWN:
        rows.append([t("dash.more_warnings", more=len(texts) - WARNINGS_SHOWN)])
    return rows


def dashboard_writes(tab: str, grid: list[list], want: list[list], today: dt.date) -> list[CellWrite]:
    """Cell writes that make columns A–D of the tab show `want` (and the date in B2),
    or none when the tab shows it already."""
    def have(r, c):
        row = grid[r - 1] if r <= len(grid) else ()
        return row[c - 1] if c <= len(row) else None

    height = max(len(want), min(len(grid), 2000))
    writes = []
    for r in range(1, height + 1):
        row = want[r - 1] if r <= len(want) else []
        for c in range(1, WIDTH + 1):
            if (r, c) == DATE_CELL:
                continue
            value = row[c - 1] if c <= len(row) else None
            if not same(have(r, c), value):
                writes.append(CellWrite(tab, r, c, value))
    if writes:
        writes.append(CellWrite(tab, *DATE_CELL, today.isoformat()))
    return writes
