"""referral_rows.parse_rows parses whole columns at once: it must give every row
exactly what parsing that row on its own gives."""
import datetime as dt

import pytest

from conftest import REF_HEADER
from workflow import referral_rows
from workflow.layout import locate

HEADER = REF_HEADER + ["Notes"]
W = len(HEADER)


def _row(**kw):
    row = [None] * W
    for h, v in kw.items():
        row[HEADER.index(h.replace("_", " "))] = v
    return row


ROWS = [
    _row(**{"Submitted at": "2026-10-01", "Referrer": "Ann", "Referrer phone": "13800000001",
            "New customer": "Bo", "New customer phone": "13900000001", "Deal amount": 1, "Paid in full": True}),
    # the same number as int, float and bool: equal in Python, different cells
    _row(**{"Submitted at": dt.datetime(2026, 10, 2, 9, 30), "Referrer": "Cy", "Referrer phone": 13800000002.0,
            "New customer": "Di", "New customer phone": "13900000002", "Deal amount": 1.0, "Paid in full": 1}),
    _row(**{"Submitted at": "2026-10-03", "Referrer": "Ed", "Referrer email": "ed@example.com",
            "New customer": "Fa", "New customer phone": "13900000003", "Deal amount": True, "Paid in full": 1.0}),
    # text of spaces only is empty; empty notes too, but notes of spaces are kept
    _row(**{"Submitted at": "  ", "Referrer": "Gu", "Referrer phone": "   ", "New customer": "Hu",
            "New customer phone": "13900000004", "Notes": ""}),
    _row(**{"Referrer": " ", "Notes": "  "}),
    # only ticks: not a referral
    _row(**{"Approved": False, "Paid": False}),
    [],                                               # a ragged, empty row
    ["2026-10-05", "Ik"],                             # a ragged row
    _row(**{"Submitted at": "not a date", "Referrer": "Jo", "Referrer phone": "12", "New customer": "Ka",
            "New customer phone": "abc", "Deal amount": "-5", "Approved": "maybe", "Referrer type": "alien"}),
    _row(**{"Submitted at": 46000, "Referrer": "Lu", "Referrer phone": "+86 138-0000-0009", "New customer": "Mo",
            "New customer phone": 0, "Deal amount": 0.0, "Cancelled": "是"}),
    _row(**{"Deal amount": 0}),                       # a falsy cell still counts as filled in
]


def _shape(refs, index):
    return [(i, r.row, r.v, r.raw, [p.render("en") for p in r.problems], r.bad_fields, r.person, r.customer_key,
             r.submitted_date) for r, i in zip(refs, index)]


@pytest.mark.parametrize("block", [1, 2, 3, 512])
def test_parse_rows_matches_row_by_row(monkeypatch, block):
    tab = locate({"Referrals": [HEADER]}).tab("referrals")
    alone = []
    for i, row in enumerate(ROWS):
        refs, index = referral_rows.parse_rows([row], 2 + i, tab)
        alone += _shape(refs, [i + j for j in index])
    monkeypatch.setattr(referral_rows, "_BLOCK", block)
    referral_rows._MEMO.update({k: {} for k in referral_rows._MEMO})      # nothing remembered from the rows alone
    refs, index = referral_rows.parse_rows(ROWS, 2, tab)
    assert _shape(refs, index) == alone
    assert [i for i, *_ in alone] == [0, 1, 2, 3, 4, 7, 8, 9, 10]
    amounts = {r.row: r.v["amount"] for r in refs}
    assert amounts[2] == 1 and amounts[3] == 1 and amounts[4] is None     # True is not an amount
