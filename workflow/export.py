"""Payroll export: the ledger's reward and commission lines as CSV.

Columns are fixed: ref_id,recipient_role,recipient,reward_type,amount,item,status,period.

Each line is judged by its own life (workflow/payout.py).  An issued line (or an
adjustment) is `paid` when finance's Paid tick came while the line was in
force — issued in or before the tick's pass and not yet reversed — and the tick
was not taken away while the line was in force; a line reversed before any Paid
tick is not paid, even when Paid is ticked later for what replaced it.  A line
not paid is `void` when it was later withdrawn (rejected, approval taken back,
no longer eligible, changed), else `notified` once the notice that told of it
went (the row's notices, or the updated notice that told of a change approved
after them; for a milestone step its milestone notice; lines issued after the
row's last notice stay `approved`), else `approved`.  A line issued again
after a withdrawal (ticked again, rejection taken back, a milestone step reached
again) lives its own life: `approved`, `notified`, then `paid`.  A line reversed
by a cancellation before it was paid keeps its approved/notified status; its
reversal is void.

A reversing line is `clawback` when what it reverses was paid — money to
recover, whatever the reason (cancelled, withdrawn, changed) — and `void` when
nothing had been handed out yet, notice sent or not.  A negative adjustment
(the amount lowered on re-approval) is `clawback` when the line it lowers had
been paid before it; else it is judged like any line (paid with the rest when
the Paid tick came after it).  A positive adjustment after payment is a new
amount to pay: `approved`/`notified` until a Paid tick covers it.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .cells import format_amount
from .ledger import Ledger
from .message_log import MessageLog
from .payout import lives

COLUMNS = ["ref_id", "recipient_role", "recipient", "reward_type", "amount", "item", "status", "period"]


def reward_rows(ledger: Ledger) -> list[dict]:
    states, _ = ledger.states()
    history = ledger.paid_history()
    notified = ledger.notified_runs()
    told = {m.key for m in MessageLog(ledger).all() if m.state == "sent" and m.kind == "milestone_notice"}
    lines = ledger.line_rows()
    by_ref: dict[str, list[int]] = {}
    for i, (_, ln) in enumerate(lines):
        by_ref.setdefault(ln.ref_id, []).append(i)
    outcome: list[str] = [""] * len(lines)
    for ref_id, idxs in by_ref.items():
        for i, life in zip(idxs, lives([lines[i] for i in idxs], history.get(ref_id, []))):
            outcome[i] = life.outcome
    rows = []
    for i, (run_id, ln) in enumerate(lines):
        st = states.get(ln.ref_id)
        status = outcome[i]            # paid · clawback · void, or open: approved or notified
        if status == "open" and ln.role == "milestone":   # its own notice tells of a milestone step
            status = "notified" if f"milestone_notice|{ln.ref_id}|{ln.rule}" in told else "approved"
        elif status == "open":
            # in the row's last notice, first or updated (a line issued after it was not)
            status = "notified" if st and st.notified and run_id <= notified.get(ln.ref_id, 0) else "approved"
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
