"""Payroll export: the ledger's reward and commission lines as CSV.

Columns are fixed: ref_id,recipient_role,recipient,reward_type,amount,item,status,period.
An issued line's status is paid, notified or approved (void when it was later
withdrawn); a reversing line is clawback when the deal was cancelled, else void.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .cells import format_amount
from .ledger import Ledger

COLUMNS = ["ref_id", "recipient_role", "recipient", "reward_type", "amount", "item", "status", "period"]


def reward_rows(ledger: Ledger) -> list[dict]:
    states, _ = ledger.states()
    rows = []
    lines = ledger.lines()
    voided = {(ln.ref_id, ln.key) for ln in lines if ln.kind == "reversal" and ln.reason != "cancelled"}
    for ln in lines:
        st = states.get(ln.ref_id)
        if ln.kind == "reversal":
            status = "clawback" if ln.reason == "cancelled" else "void"
        elif (ln.ref_id, ln.key) in voided:
            status = "void"
        elif st and st.paid:
            status = "paid"
        elif st and st.notified:
            status = "notified"
        else:
            status = "approved"
        rows.append({"ref_id": ln.ref_id, "recipient_role": ln.role, "recipient": _safe(ln.recipient),
                     "reward_type": ln.reward_type, "amount": format_amount(ln.amount),
                     "item": _safe(ln.item or ""), "status": status, "period": ln.period})
    return rows


def _safe(text: str) -> str:
    """A CSV opened in a spreadsheet must not run a formula typed into a name."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_rewards_csv(ledger: Ledger, out: Path) -> int:
    rows = reward_rows(ledger)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(out)
    return len(rows)
