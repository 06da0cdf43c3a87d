"""Payroll export: the ledger's reward and commission lines as CSV.

Columns are fixed: ref_id,recipient_role,recipient,reward_type,amount,item,status,period.

An issued line is `paid` once finance ticked Paid in or after the pass that
issued it (and the tick still stands), `notified` once the notice that told
of it went (the row's notice; for a milestone step its milestone notice; lines
issued after the row's notice stay `approved`), else `approved`; it is `void` when it was later withdrawn (rejected, approval
taken back, no longer eligible, changed) before it was paid.  A reversing line is
`clawback` when the line it reverses was paid (finance ticked Paid) — money to
recover, whether the deal was cancelled or the approval withdrawn — and `void`
when nothing had been handed out yet, notice sent or not.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .cells import format_amount
from .ledger import Ledger
from .message_log import MessageLog

COLUMNS = ["ref_id", "recipient_role", "recipient", "reward_type", "amount", "item", "status", "period"]


def _paid_since(history: list[tuple[int, str]]) -> int | None:
    """The pass of the latest Paid tick, if the tick still stands."""
    if not history or history[-1][1] != "paid":
        return None
    return history[-1][0]


def reward_rows(ledger: Ledger) -> list[dict]:
    states, _ = ledger.states()
    paid = {ref: _paid_since(h) for ref, h in ledger.paid_history().items()}
    notified = ledger.notified_runs()
    told = {m.key for m in MessageLog(ledger).all() if m.state == "sent" and m.kind == "milestone_notice"}
    lines = ledger.line_rows()
    withdrawn = {(ln.ref_id, ln.key) for _, ln in lines if ln.kind == "reversal" and ln.reason != "cancelled"}
    handed_out: set[tuple[str, str]] = set()     # (ref, key) of lines paid
    rows = []
    for run_id, ln in lines:
        st = states.get(ln.ref_id)
        since = paid.get(ln.ref_id)
        if ln.kind == "reversal":      # of money handed out (any reason): to recover
            status = "clawback" if (ln.ref_id, ln.key) in handed_out else "void"
        elif since is not None and since >= run_id:
            status = "paid"            # handed out stays handed out, even when withdrawn later
        elif (ln.ref_id, ln.key) in withdrawn:
            status = "void"
        elif ln.role == "milestone":   # its own notice tells of a milestone step
            status = "notified" if f"milestone_notice|{ln.ref_id}|{ln.rule}" in told else "approved"
        elif st and st.notified and run_id <= notified.get(ln.ref_id, 0):
            status = "notified"        # in the row's notice (a line issued after it was not)
        else:
            status = "approved"
        if status == "paid":
            handed_out.add((ln.ref_id, ln.key))
        rows.append({"ref_id": ln.ref_id, "recipient_role": ln.role, "recipient": _safe(ln.recipient),
                     "reward_type": ln.reward_type, "amount": format_amount(ln.amount),
                     "item": _safe(ln.item or ""), "status": status, "period": ln.period})
    return rows


def _safe(text: str) -> str:
    """A CSV opened in a spreadsheet must not run a formula typed into a name."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_rewards_csv(ledger: Ledger, out: Path) -> int:
    if not out.parent.is_dir():
        if not out.parent.parent.is_dir():   # one missing folder is made; a wrong path is not guessed at
            raise FileNotFoundError(f"{out.parent}: no such folder — create it first or choose another --out")
        out.parent.mkdir()
    rows = reward_rows(ledger)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(out)
    return len(rows)
