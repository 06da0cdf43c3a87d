"""Ref IDs: assigned once, never reused, found again after sort, insert, delete
or a wiped cell.  Pure: takes the ledger's registry, returns what to record."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import cells, i18n
from .cells import CellError
from .i18n import Text
from .referral import Referral, person_key

i18n.register({
    "identity.moved": {
        "en": "Ref ID: {old} belongs to another row (the rows were sorted without this column) — this row is {new}",
        "zh": "编号：{old} 属于另一行（排序时未包含编号列） — 本行编号为 {new}",
    },
    "identity.copied": {
        "en": "Ref ID: {old} also stands on row {other} — this row is a different referral and got its own ID {new}; approve it on its own",
        "zh": "编号：{old} 同时出现在第 {other} 行 — 本行是另一条推荐，已分配新编号 {new}；请单独审批",
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


_IDENTITY_CELLS = (("submitted", cells.parse_datetime), ("referrer", cells.parse_text),
                   ("referrer_phone", cells.parse_phone), ("referrer_email", cells.parse_email),
                   ("customer", cells.parse_text), ("customer_phone", cells.parse_phone),
                   ("customer_email", cells.parse_email))


def content_identity(content: str | None) -> str | None:
    """identity_key of a row content as the ledger records it (the filled-in
    cells as JSON), its cells parsed as a row's are; None when there is none."""
    try:
        raw = json.loads(content) if content else None
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    v = {}
    for key, parse in _IDENTITY_CELLS:
        x = raw.get(key)
        try:
            v[key] = None if x is None or (isinstance(x, str) and not x.strip()) else parse(x)
        except CellError:
            v[key] = None
    customer = v["customer_phone"] or v["customer_email"] or (v["customer"] or "")
    person = person_key(v["referrer_phone"], v["referrer_email"], v["referrer"])
    sub = v["submitted"].date().isoformat() if v["submitted"] else ""
    return f"{customer}|{person or ''}|{sub}"


@dataclass
class Registry:
    """What the ledger knows: every Ref ID ever assigned and its identity."""

    identity_by_ref: dict[str, str] = field(default_factory=dict)
    next_seq: int = 1

    def refs_by_identity(self, edited: dict[str, str] | None = None) -> dict[str, list[str]]:
        """Identity → its Ref IDs; `edited` (Ref ID → identity now) overrides the first identity."""
        edited = edited or {}
        out: dict[str, list[str]] = {}
        for ref, ident in self.identity_by_ref.items():
            out.setdefault(edited.get(ref, ident), []).append(ref)
        return out


@dataclass
class Assignment:
    new: list[tuple[str, int, str]] = field(default_factory=list)   # (ref_id, seq, identity) to record
    notes: dict[int, Text] = field(default_factory=dict)            # sheet row → note
    copies: set[str] = field(default_factory=set)                   # Ref IDs given to copied rows


def assign(refs: list[Referral], cell_ids: list, registry: Registry, contents: dict | None = None) -> Assignment:
    """Give every referral its Ref ID. cell_ids[i] is the raw Ref ID cell of refs[i].

    An ID in a cell is believed when the row is the referral the ledger knows
    under it (same new customer, referrer and day).  When it is not, and that
    referral stands on another row, the cell was moved away from its row (a
    sort of some columns only) or copied with the row: the row gets the ID of
    the referral it is, or a new one.  When that referral is nowhere in the
    sheet, the row itself was edited (a typo fixed) and keeps its ID.  A
    referral edited so in an earlier pass is what its content last recorded
    (`contents`) says, not what it was when its ID was given: a partial sort
    then gives it back its own ID, and its old identity to no other row.

    A row without an ID whose identity the ledger does not know (its ID wiped
    and its customer's phone fixed in the same edit) gets back the ID of the one
    referral missing from the sheet with the same referrer, day and customer
    name (`contents`: Ref ID → the row content last recorded, as JSON)."""
    out = Assignment()
    known = registry.identity_by_ref
    idents = [identity_key(r) for r in refs]
    in_sheet = set(idents)
    claims: dict[str, list[int]] = {}
    unplaced: list[int] = []
    edited = None                         # Ref ID → identity now, where it changed: built when first needed
    match = REF_RE.match
    for i, raw in enumerate(cell_ids):
        m = match(raw) if isinstance(raw, str) else None
        if m:
            written = len(raw) == 8 and raw.isascii() and raw[:2] == "R-" and raw[2:].isdigit()   # R-000123
            ref_id = raw if written else format_ref(int(m.group(1)))
            rows = claims.get(ref_id)
            if rows is None:
                claims[ref_id] = [i]
            else:
                rows.append(i)
        else:
            unplaced.append(i)
    taken: dict[str, int] = {}            # ref_id → index of the row holding it
    displaced: dict[int, str] = {}        # row index → the ID it claimed but is not
    for ref_id, rows in claims.items():
        ident = known.get(ref_id)
        if ident is None:                 # an ID the ledger never saw (e.g. a restored ledger): adopt it
            owner = rows[0]
            seq = int(ref_id[2:])
            known[ref_id] = idents[owner]
            out.new.append((ref_id, seq, idents[owner]))
            registry.next_seq = max(registry.next_seq, seq + 1)
        else:
            if len(rows) == 1:
                owner = rows[0] if idents[rows[0]] == ident else None
            else:
                owner = next((i for i in rows if idents[i] == ident), None)
            if owner is None and ident not in in_sheet:
                if edited is None:
                    edited = _edited(known, in_sheet, contents)
                ident = edited.get(ref_id, ident)
                owner = next((i for i in rows if idents[i] == ident), None)
                if owner is None and ident not in in_sheet:
                    owner = rows[0]       # edited in place: keeps its ID
        if owner is not None:
            taken[ref_id] = owner
            if len(rows) == 1:
                continue
        for i in rows:
            if i != owner:
                displaced[i] = ref_id
    if (displaced or unplaced) and edited is None:
        edited = _edited(known, in_sheet, contents)
    by_ident = registry.refs_by_identity(edited) if displaced or unplaced else {}
    missing = None                        # the index of referrals no row holds: built when first needed
    for i in sorted([*unplaced, *displaced]):
        ref_id = next((c for c in by_ident.get(idents[i], ()) if c not in taken), None)
        if ref_id is None and contents and i not in displaced:
            if missing is None:
                missing = _missing_index(known, claims, in_sheet, edited)
            ref_id = _missing_referral(refs[i], idents[i], missing, taken, contents)
        if ref_id is None:
            seq = registry.next_seq
            registry.next_seq += 1
            ref_id = format_ref(seq)
            known[ref_id] = idents[i]
            out.new.append((ref_id, seq, idents[i]))
            by_ident.setdefault(idents[i], []).append(ref_id)
        taken[ref_id] = i
        claimed = displaced.get(i)
        if claimed is not None:
            holder = taken.get(claimed)
            if holder is not None and holder in claims[claimed]:
                out.copies.add(ref_id)    # the referral under that ID still carries it: this row is a copy
                out.notes[refs[i].row] = Text("identity.copied", old=claimed, other=refs[holder].row, new=ref_id)
            else:
                out.notes[refs[i].row] = Text("identity.moved", old=claimed, new=ref_id)
    for ref_id, i in taken.items():
        refs[i].ref_id = ref_id
        refs[i].seq = int(ref_id[2:])
    return out


def _edited(known: dict, in_sheet: set, contents: dict | None) -> dict[str, str]:
    """Ref ID → the identity of the content last recorded under it, for the
    referrals whose first identity no row has any more and whose content says
    they changed since (a phone filled in or corrected in an earlier pass)."""
    out: dict[str, str] = {}
    if not contents:
        return out
    for ref_id, ident in known.items():
        if ident not in in_sheet:
            now = content_identity(contents.get(ref_id))
            if now is not None and now != ident:
                out[ref_id] = now
    return out


def _missing_index(known: dict, claims: dict, in_sheet: set, edited: dict) -> dict[str, list[str]]:
    """"referrer|day" → the Ref IDs the ledger knows that no row holds or is (built once, when needed)."""
    out: dict[str, list[str]] = {}
    for ref_id, ident in known.items():
        ident = edited.get(ref_id, ident)
        if ref_id not in claims and ident not in in_sheet:
            out.setdefault("|".join(ident.rsplit("|", 2)[1:]), []).append(ref_id)
    return out


def _missing_referral(r: Referral, ident: str, missing: dict, taken: dict, contents: dict) -> str | None:
    """The one referral absent from the sheet that this row is, by referrer, day and customer name."""
    from .cells import norm
    name = norm(r.v.get("customer") or "")
    if not name:
        return None
    _customer, person, day = ident.rsplit("|", 2)
    found = []
    for ref_id in missing.get(f"{person}|{day}", ()):
        if ref_id in taken:
            continue
        try:
            was = json.loads(contents.get(ref_id) or "{}")
        except ValueError:
            continue
        if norm(str(was.get("customer") or "")) == name:
            found.append(ref_id)
    return found[0] if len(found) == 1 else None
