"""What the rules give one referral, made into proposal lines only when asked.

Pure.  The matcher (rules.Matcher) answers per row with an offer: per recipient
role, the parts of the lines the rules give.  Most rows of a 100 000-row pass
never need those lines during deciding (nobody approved them yet): what
deciding asks of them is the referrer's cash and whether there is anything at
all, and both are the same for every row with the same offer.  So a decision
keeps the offer, and its lines are made from it the first time someone reads
`Decision.proposed` (decide.py), exactly as they would have been made at once.
"""
from __future__ import annotations

from decimal import Decimal

from .lines import Line
from .numbers import format_amount
from .people import Staff

ZERO = Decimal(0)
NO_CASH = (False, ZERO)      # (a line for the referrer, the referrer's cash): nothing for the referrer


def offer_cash(offer: tuple) -> tuple[bool, Decimal]:
    """(any line for the referrer, the referrer's cash) of an offer, added up in
    line order as over the lines themselves."""
    has, total = False, ZERO
    for role, parts in offer:
        if role == "referrer":
            has = True
            for reward_type, value, _item, _source, _tail in parts:
                if reward_type == "cash":
                    total += value
    return (has, total) if has else NO_CASH


def recipients(r, offer: tuple, staff: Staff):
    """(role, recipient, parts) of an offer for row `r`: staff roles name the staff
    member as the Staff tab spells the name, and give nothing when the cell is
    empty or names nobody there."""
    v = r.v
    for role, parts in offer:
        if role == "referrer":
            yield role, v["referrer"], parts
        elif role == "new_customer":
            yield role, v["customer"], parts
        else:
            member = staff.find(v[role]) if v[role] else None
            if member is not None:
                yield role, member.name, parts


def make_lines(r, offer: tuple, staff: Staff) -> list[Line]:
    """The proposal lines of an offer for row `r`."""
    ref_id = r.ref_id
    out: list[Line] = []
    add = out.append
    for role, who, parts in recipients(r, offer, staff):
        head = f"{role}|{who}"
        for reward_type, value, item, source, key_tail in parts:
            add(Line(ref_id, role, who, reward_type, value, item, 1, "proposal", "approved", source, "", head + key_tail))
    return out


def reward_text(recipient: str, item: str | None, amount: Decimal) -> str:
    """One proposal line as an approval's fingerprint records it."""
    if item and amount:
        return f"{recipient} {item} ({format_amount(amount)})"
    return f"{recipient} {item or format_amount(amount)}"


def offer_texts(r, offer: tuple, staff: Staff) -> list[str]:
    """reward_text of each line make_lines would make, without making them."""
    return [reward_text(who, item, value) for _role, who, parts in recipients(r, offer, staff)
            for _type, value, item, _source, _tail in parts]


def any_lines(r, offer: tuple) -> bool:
    """Whether the offer makes any line for a row whose staff names are all in
    the Staff tab (a row naming someone else needs fixing before this is asked)."""
    v = r.v
    for role, _parts in offer:
        if role == "referrer" or role == "new_customer" or v[role]:
            return True
    return False
