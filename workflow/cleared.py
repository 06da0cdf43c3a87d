"""Referrals that left the sheet: a row deleted, or a row whose staff cells were cleared.

A cleared row keeps the worker's cells (Ref ID, status, rewards) of the referral
that was on it, which would go on showing `R-000004 | Approved | 1000` for a
referral that is no longer there.  The worker empties its own cells on such a
row (staff cells are never written): when the ledger issued rewards for the
referral, the Ref ID stays and Problems says that those rewards stand and what
to do; otherwise the row is left empty.  Rows deleted outright are a warning
(the dashboard), as there is no row to say it in.  Pure.
"""
from __future__ import annotations

from . import i18n
from .cells import format_amount
from .contract import WORKER_FIELDS
from .findings import Finding
from .i18n import Text
from .lines import net_by_key
from .plan import row_writes

i18n.register({
    "sync.row_missing": {
        "en": "Referrals tab: {ref} is no longer in the sheet, but the ledger has issued {what} for it — put the row "
              "back (its Ref ID finds it again), or restore it and tick Cancelled or Rejected to reverse it",
        "zh": "推荐登记工作表：{ref} 已不在表中，但台账已为其发放 {what} — 请把该行恢复（按编号会重新识别），"
              "或恢复后勾选“退单退款”或“驳回”以冲销",
    },
    "cleared.warning": {
        "en": "Referrals tab: row {row} of {ref} was cleared, but the ledger has issued {what} for it — put the "
              "row's content back (its Ref ID finds it again), or put it back and tick Cancelled or Rejected to "
              "reverse it",
        "zh": "推荐登记工作表：{ref} 所在的第 {row} 行已被清空，但台账已为其发放 {what} — 请恢复该行内容（按编号会"
              "重新识别），或恢复后勾选“退单退款”或“驳回”以冲销",
    },
    "cleared.row": {
        "en": "{ref}: the referral was removed from this row (its cells are empty), but the rewards issued for it "
              "stand in the ledger ({what}) — put the referral back in this row to go on, or put it back and tick "
              "Cancelled or Rejected to reverse them",
        "zh": "{ref}：该推荐已从本行清除（单元格为空），但台账中已为其发放的奖励仍然有效（{what}） — 如需继续，请在本行"
              "恢复该推荐；如需冲销，请恢复后勾选“退单退款”或“驳回”",
    },
})

_KEYS = [f.key for f in WORKER_FIELDS]


def _issued(state) -> str | None:
    """What the ledger issued for a referral and did not reverse, as people read it."""
    if state is None or not state.lines:
        return None
    nets = [n for n in net_by_key(state.lines).values() if n.qty > 0 or n.amount]
    if not nets:
        return None
    return " + ".join(f"{n.template.recipient} {n.template.item or format_amount(n.amount)}" for n in nets)


def cleared_rows(tab, grid: list[list], present_rows: set[int], known_ids) -> list[tuple[int, str]]:
    """(sheet row, Ref ID) of each row with no referral on it whose Ref ID cell still
    holds an ID the worker gave (`known_ids`): its staff cells were cleared."""
    id_col = tab.cols.get("ref_id")
    if id_col is None:
        return []
    out = []
    for i in range(tab.header_row, len(grid)):
        sheet_row = i + 1
        if sheet_row in present_rows:
            continue
        row = grid[i]
        cell = row[id_col - 1] if id_col <= len(row) else None
        if cell.__class__ is str and cell in known_ids:
            out.append((sheet_row, cell))
    return out


def cleared_writes(tab_name: str, cols: dict, grid: list[list], cleared: list[tuple[int, str]], present_ids,
                   states: dict, lang: str) -> tuple[list, list[tuple[str, str]]]:
    """The worker's cells of each cleared row brought to what the row should show, and
    (Ref ID, shown) for each row that keeps its Ref ID (the ledger's record of what the
    worker shows there, so that its note is not taken for text typed in)."""
    writes, shown = [], []
    for sheet_row, ref in cleared:
        want = dict.fromkeys(_KEYS)
        what = None if ref in present_ids else _issued(states.get(ref))   # a referral still elsewhere: a leftover
        if what is not None:
            want["ref_id"] = ref
            want["problems"] = Text("cleared.row", ref=ref, what=what).render(lang)
            shown.append((ref, "\x1f".join("" if v is None else str(v) for v in want.values())))
        writes += row_writes(tab_name, sheet_row, grid[sheet_row - 1], cols, want)
    return writes, shown


def missing_rows(states: dict, present: set, cleared: dict | None = None) -> list[Finding]:
    """Warnings for referrals with rewards issued whose row was deleted from the sheet (or
    cleared: `cleared` maps their Ref ID to the row)."""
    out = []
    cleared = cleared or {}
    for ref_id in sorted(set(states) - present):
        what = _issued(states[ref_id])
        if what:
            row = cleared.get(ref_id)
            text = Text("cleared.warning", ref=ref_id, what=what, row=row) if row else \
                Text("sync.row_missing", ref=ref_id, what=what)
            out.append(Finding(text, "warning"))
    return out
