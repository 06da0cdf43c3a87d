"""Ref IDs: assigned once, never reused, found again after sort, insert, delete
or a wiped cell.  Pure: takes the ledger's registry, returns what to record."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import i18n
from .i18n import Text
from .referral import Referral

i18n.register({
    "identity.copied": {
        "en": "Ref ID: {old} also stands on row {other} — this row is a different referral and got its own ID {new}",
        "zh": "编号：{old} 同时出现在第 {other} 行 — 本行是另一条推荐，已分配新编号 {new}",
    },
})

REF_RE = re.compile(r"^\s*R-(\d{1,9})\s*$")


def format_ref(seq: int) -> str:
    return f"R-{seq:06d}"


def identity_key(r: Referral) -> str:
    v = r.v
    customer = v.get("customer_phone") or v.get("customer_email") or (v.get("customer") or "")
    sub = r.submitted_date.isoformat() if r.submitted_date else ""
    return f"{customer}|{r.person or ''}|{sub}"


@dataclass
class Registry:
    """What the ledger knows: every Ref ID ever assigned and its identity."""

    identity_by_ref: dict[str, str] = field(default_factory=dict)
    next_seq: int = 1

    def refs_by_identity(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ref, ident in self.identity_by_ref.items():
            out.setdefault(ident, []).append(ref)
        return out


@dataclass
class Assignment:
    new: list[tuple[str, int, str]] = field(default_factory=list)   # (ref_id, seq, identity) to record
    notes: dict[int, Text] = field(default_factory=dict)            # sheet row → note


def assign(refs: list[Referral], cell_ids: list, registry: Registry) -> Assignment:
    """Give every referral its Ref ID. cell_ids[i] is the raw Ref ID cell of refs[i]."""
    out = Assignment()
    known = registry.identity_by_ref
    idents: dict[int, str] = {}

    def ident(i: int) -> str:
        """Worked out only where needed: on a synced sheet each ID stands on one row."""
        k = idents.get(i)
        if k is None:
            k = idents[i] = identity_key(refs[i])
        return k

    taken: dict[str, int] = {}            # ref_id → index of the row holding it
    unplaced: list[int] = []
    claims: dict[str, list[int]] = {}
    for i, raw in enumerate(cell_ids):
        m = REF_RE.match(raw) if isinstance(raw, str) else None
        if m:
            claims.setdefault(format_ref(int(m.group(1))), []).append(i)
        else:
            unplaced.append(i)
    copied: dict[int, tuple[str, int]] = {}
    for ref_id, rows in claims.items():
        # the row whose content matches the ledger keeps the ID; else the first one
        owner = rows[0] if len(rows) == 1 else next((i for i in rows if known.get(ref_id) == ident(i)), rows[0])
        taken[ref_id] = owner
        for i in rows:
            if i != owner:
                copied[i] = (ref_id, refs[owner].row)
                unplaced.append(i)
        if ref_id not in known:        # an ID the ledger never saw (e.g. a restored ledger): adopt it
            seq = int(ref_id[2:])
            known[ref_id] = ident(owner)
            out.new.append((ref_id, seq, ident(owner)))
            registry.next_seq = max(registry.next_seq, seq + 1)
    by_ident = registry.refs_by_identity() if unplaced else {}   # a synced sheet has no row without its ID
    for i in sorted(unplaced):
        ref_id = next((c for c in by_ident.get(ident(i), ()) if c not in taken), None)
        if ref_id is None:
            seq = registry.next_seq
            registry.next_seq += 1
            ref_id = format_ref(seq)
            known[ref_id] = ident(i)
            out.new.append((ref_id, seq, ident(i)))
        taken[ref_id] = i
        if i in copied:
            old, other = copied[i]
            out.notes[refs[i].row] = Text("identity.copied", old=old, other=other, new=ref_id)
    for ref_id, i in taken.items():
        refs[i].ref_id = ref_id
        refs[i].seq = int(ref_id[2:])
    return out
