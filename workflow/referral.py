"""One referral row: its parsed values and the problems that make it 'Needs fixing'
(read column by column in referral_rows.py).  Pure."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import compress, repeat
from operator import is_not, itemgetter

from . import cells, i18n
from .cells import norm
from .contract import TABS
from .i18n import Text

i18n.register({
    "row.cell": {"en": "{field}: {problem}", "zh": "{field}：{problem}"},
    "row.required": {
        "en": "{field}: empty — fill it in",
        "zh": "{field}：为空 — 请填写",
    },
    "row.contact_required": {
        "en": "Referrer phone: empty, and no referrer email either — fill in one of the two",
        "zh": "推荐人电话：为空，推荐人邮箱也为空 — 请至少填写其中一项",
    },
    "row.staff_unknown": {
        "en": "{field}: {found} is not in the Staff tab — correct the name or add the person to Staff",
        "zh": "{field}：{found} 不在员工工作表中 — 请更正姓名或将其加入员工表",
    },
})

SPEC = TABS["referrals"]
LABEL = {f.key: f.label for f in SPEC.fields}

# field → parser; the order is the order problems are listed in
PARSERS = (
    ("submitted", cells.parse_datetime),
    ("referrer", cells.parse_text),
    ("referrer_phone", cells.parse_phone),
    ("referrer_email", cells.parse_email),
    ("referrer_type", None),          # choice, below
    ("customer", cells.parse_text),
    ("customer_phone", cells.parse_phone),
    ("customer_email", cells.parse_email),
    ("relationship", cells.parse_text),
    ("first_visit", cells.parse_date),
    ("program", cells.parse_text),
    ("category", cells.parse_text),
    ("amount", cells.parse_amount),
    ("deal_date", cells.parse_date),
    ("paid_in_full", cells.parse_checkbox),
    ("cancelled", cells.parse_checkbox),
    ("signer", cells.parse_text),
    ("lead", cells.parse_text),
    ("assistant", cells.parse_text),
    ("approved", cells.parse_checkbox),
    ("approved_2", cells.parse_checkbox),
    ("rejected", cells.parse_checkbox),
    ("paid", cells.parse_checkbox),
)
REQUIRED = ("submitted", "referrer", "customer", "customer_phone")
TICKS = ("paid_in_full", "cancelled", "approved", "approved_2", "rejected", "paid")
RELEVANT = ("submitted", "referrer", "referrer_phone", "referrer_email", "referrer_type", "customer",
            "customer_phone", "customer_email", "relationship", "first_visit", "program", "category",
            "amount", "deal_date", "signer", "lead", "assistant")
class Referral:
    """A parsed referral row. `v` maps field → parsed value (None when empty or bad)."""

    __slots__ = ("row", "v", "_raw", "_cells", "problems", "ref_id", "seq", "person", "customer_key", "bad_fields",
                 "submitted_date")

    def __init__(self, row: int, v: dict, raw: dict, problems: list[Text], bad_fields: set):
        self.row = row
        self.v = v
        self._raw, self._cells = raw, None
        self.problems = problems
        self.bad_fields = bad_fields
        self.ref_id: str | None = None
        self.seq = 0
        self.person = person_key(v.get("referrer_phone"), v.get("referrer_email"), v.get("referrer"))
        self.customer_key = v.get("customer_phone") or v.get("customer_email")
        s = v.get("submitted")
        self.submitted_date: dt.date | None = s.date() if s else None

    @classmethod
    def of(cls, row: int, v: dict, raw: dict | None, cells_: tuple, problems: list[Text], bad_fields: set,
           person: str | None, customer_key: str | None, submitted_date: dt.date | None) -> "Referral":
        """As Referral(...), with the keys worked out already (for whole columns
        at once); `raw` None: the filled-in cells are the ones of `cells_`
        (names, cells) that are not None."""
        r = _new_referral(cls)
        r.row, r.v, r._raw, r._cells, r.problems, r.bad_fields = row, v, raw, cells_, problems, bad_fields
        r.ref_id, r.seq = None, 0
        r.person, r.customer_key, r.submitted_date = person, customer_key, submitted_date
        return r

    @property
    def raw(self) -> dict:
        """The row's filled-in cells by field (and notes), as found.  Built when
        asked for: only the sync's row content reads it, once a pass."""
        if self._raw is not None:
            return self._raw
        names, cells_ = self._cells
        return dict(compress(zip(names, cells_), map(is_not, cells_, repeat(None))))

    @property
    def submitted(self) -> dt.datetime | None:
        return self.v.get("submitted")

    @property
    def amount(self) -> Decimal | None:
        return self.v.get("amount")

    @property
    def needs_fixing(self) -> bool:
        return bool(self.problems)


_new_referral = object.__new__


def person_key(phone, email, name) -> str | None:
    if phone:
        return "p:" + phone
    if email:
        return "e:" + email
    if name:
        return "n:" + norm(name)
    return None


def fingerprint(ref: Referral) -> dict[str, str]:
    """The reward-relevant values as plain strings, to see what changed after approval."""
    out = {}
    for key, value in zip(RELEVANT, _relevant(ref.v)):
        if value is not None:
            c = value.__class__
            out[key] = value if c is str else value.isoformat() if c is _DATE or c is _DATETIME else _as_text(value)
    return out


_relevant = itemgetter(*RELEVANT)   # every parsed row has every field (None when empty)
_DATE, _DATETIME = dt.date, dt.datetime


def _as_text(value) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
