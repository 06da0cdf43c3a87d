"""Reward lines: what the ledger issues, reverses and adjusts.

A line is keyed by what it gives to whom (role, recipient, reward type, item),
so the net of a referral's lines can be compared with what the rules give
now, and only the difference is issued.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal


@dataclass(slots=True)
class Line:
    ref_id: str
    role: str            # referrer · new_customer · signer · lead · assistant · milestone
    recipient: str
    reward_type: str
    amount: Decimal
    item: str | None = None
    qty: int = 1         # +1 issue, -1 reversal, 0 adjustment
    kind: str = "issue"  # issue · reversal · adjustment · proposal
    reason: str = "approved"   # approved · cancelled · rejected · not_eligible · approval_removed · changed · milestone
    rule: str = ""       # where it came from: "Rules:5", "Milestones:3"
    period: str = ""     # YYYY-MM the line belongs to
    key: str = ""

    def with_key(self) -> "Line":
        return replace(self, key=line_key(self.role, self.recipient, self.reward_type, self.item, self.rule))


def line_key(role: str, recipient: str, reward_type: str, item: str | None, rule: str = "", group: str = "") -> str:
    """What a line gives to whom: two rules of different groups giving the same
    person the same kind of reward are two lines."""
    if role == "milestone":
        return f"milestone|{rule}"
    return f"{role}|{recipient}{key_tail(reward_type, item, group)}"


def key_tail(reward_type: str, item: str | None, group: str) -> str:
    """The part of a line key after role and recipient (one per rule)."""
    return f"|{reward_type}|{item or ''}|{group}"


@dataclass
class Net:
    amount: Decimal = Decimal(0)
    qty: int = 0
    template: Line | None = None
    lines: list = field(default_factory=list)


def net_by_key(lines: list[Line]) -> dict[str, Net]:
    out: dict[str, Net] = {}
    for ln in lines:
        n = out.setdefault(ln.key, Net())
        n.amount += ln.amount
        n.qty += ln.qty
        n.template = n.template or ln
        n.lines.append(ln)
    return out


def reconcile(ref_id: str, issued: list[Line], wanted: list[Line], period: str, reason: str,
              reversal_reason: str = "changed", first_kind: str = "issue") -> list[Line]:
    """Lines that bring the net of `issued` to exactly `wanted` (both keyed)."""
    have = net_by_key(issued)
    want = {ln.key: ln for ln in wanted}
    out: list[Line] = []
    for key, w in want.items():
        h = have.get(key)
        if h is None or h.qty <= 0:
            out.append(replace(w, ref_id=ref_id, qty=1, kind=first_kind if h is None else "issue",
                               reason=reason, period=period, amount=w.amount - (h.amount if h else 0)))
        elif h.amount != w.amount:
            out.append(replace(w, ref_id=ref_id, qty=0, kind="adjustment", reason=reason, period=period,
                               amount=w.amount - h.amount))
    for key, h in have.items():
        if key not in want and (h.qty > 0 or h.amount != 0):
            out.append(replace(h.template, ref_id=ref_id, qty=-h.qty, kind="reversal", reason=reversal_reason,
                               period=period, amount=-h.amount))
    return out


def reverse_all(ref_id: str, issued: list[Line], period: str, reason: str) -> list[Line]:
    return reconcile(ref_id, issued, [], period, reason, reversal_reason=reason)


def has_net(issued: list[Line], roles=None) -> bool:
    if roles is None and _issued_unreversed(issued):
        return True
    return any((n.qty > 0 or n.amount != 0) and (roles is None or n.template.role in roles)
               for n in net_by_key(issued).values())


def _issued_unreversed(lines: list[Line]) -> bool:
    """Some line issued and none reversed: then some key nets above zero (the
    common case, checked without building the nets)."""
    issued = False
    for ln in lines:
        if ln.qty < 0:
            return False
        if ln.qty > 0:
            issued = True
    return issued
