"""Proposal lines are made only when read (workflow/proposals.py): what deciding and
the writer read off a decision's offer must be exactly what the lines made from it say.

Runs the pure core on a workbook held in memory (rows of raw cells, as a backend
reads them): rules with rates, fixed amounts, bands, items with and without their
value in the name, points, two groups, staff commissions; rows with and without
staff, with names the Staff tab spells otherwise, with amounts no rule matches.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import REF_HEADER, referral, rows_from_dicts

from workflow.approval import approval_fingerprint
from workflow.book import load_book, referral_rows
from workflow.decide import Context, decide_all
from workflow.identity import Registry, assign
from workflow.plan import shown_values

RULES = [
    ["Recipient", "Min amount", "Max amount", "Rate %", "Fixed", "Cap", "Round to", "Reward type", "Item", "Group"],
    ["referrer", None, 100000, "1", None, None, None, "cash", None, None],
    ["referrer", 100000, None, "1.5", "200", "3000", "10", "cash", None, None],
    ["referrer", 50000, None, None, "100", None, None, "points", None, "积分"],
    ["new_customer", None, None, None, "500", None, None, "gift", "500元精品券", None],
    ["new_customer", 80000, None, None, "234.57", None, None, "gift", "补货现金券", "券"],
    ["signer", None, None, "0.5", None, None, None, "cash", None, None],
    ["lead", 30000, None, None, "300", None, None, "cash", None, None],
    ["assistant", None, None, None, "50", None, None, "cash", "茶歇券", None],
]
STAFF = [["Name", "Email", "Role", "Active"], ["小王", "wang@example.com", "顾问", True],
         ["Li Lei", "li@example.com", "经理", True], ["小张", "", "助理", True]]


def _rows() -> list[dict]:
    out = []
    amounts = [None, 800, 30000, 49999.99, 50000, "8万", 99999, 100000, "12.5万", 1000000]
    for i, amount in enumerate(amounts):
        for j, crew in enumerate(({}, {"Signer": "小王"}, {"Signer": "li lei", "Lead": "小王"},
                                  {"Signer": "小王", "Lead": "Li Lei", "Assistant": "小张"})):
            n = i * 10 + j
            row = referral(**{"Referrer": f"推荐人{n % 7}", "Referrer phone": f"1380000{n % 7:04d}",
                              "New customer": f"客户{n}", "New customer phone": f"1390000{n:04d}",
                              "Deal amount": amount, "Deal date": "2026-10-05" if amount is not None else None,
                              "Approved": n % 3 == 0, **crew})
            out.append(row)
    return out


def _decisions(today="2026-11-20"):
    tabs = {"Referrals": rows_from_dicts(REF_HEADER, _rows()), "Rules": RULES, "Staff": STAFF,
            "Settings": [["Key", "Value"], ["language", "zh"], ["register_by_first_visit", "no"],
                         ["payout_requires_paid_in_full", "no"]]}
    book = load_book(tabs)
    refs, ids = referral_rows(tabs, book)
    assign(refs, ids, Registry())
    ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, {},
                  dt.date.fromisoformat(today))
    return decide_all(refs, ctx)


def _cash(lines) -> Decimal:
    return sum((ln.amount for ln in lines if ln.role == "referrer" and ln.reward_type == "cash"), Decimal(0))


def test_what_is_read_off_an_offer_is_what_its_lines_say():
    decisions = _decisions()
    unmade = [d for d in decisions if d.proposal_lines is None and d.offer]
    assert len(unmade) > 20          # most rows were decided without making their lines
    for d in unmade:
        before = {lang: shown_values(d, lang) for lang in ("zh", "en")}
        cash, for_referrer, anything = d.referrer_cash(), d.for_referrer(), d.any_proposed()
        fp = approval_fingerprint(d)
        assert d.proposal_lines is None       # none of that made them
        lines = d.proposed
        assert d.proposal_lines is lines
        assert {lang: shown_values(d, lang) for lang in ("zh", "en")} == before
        assert cash == _cash(lines) and cash.as_tuple() == _cash(lines).as_tuple()
        assert for_referrer == any(ln.role == "referrer" for ln in lines)
        assert anything == bool(lines)
        assert approval_fingerprint(d) == fp


def test_made_lines_name_staff_as_the_staff_tab_spells_them_and_carry_the_ref_id():
    decisions = _decisions()
    d = next(d for d in decisions if d.ref.v["signer"] == "li lei" and d.ref.v["amount"] == Decimal(30000))
    lines = d.proposed
    assert [(ln.role, ln.recipient, ln.amount) for ln in lines if ln.role in ("signer", "lead")] == \
        [("signer", "Li Lei", Decimal("150.000")), ("lead", "小王", Decimal(300))]
    assert {ln.ref_id for ln in lines} == {d.ref_id}
    assert shown_values(d, "en")["commission"] == "Li Lei (signer) 150; 小王 (lead) 300"


def test_cells_read_off_the_offer():
    decisions = _decisions()
    by = {(d.ref.v["amount"], d.ref.v["assistant"]): d for d in decisions if d.ref.v["signer"] in (None, "小王")}
    # 12.5万: 1.5 % + 200 = 2075, rounded to 10 → 2080 (under the cap), points 100; two gifts
    d = by[(Decimal(125000), "小张")]
    zh = shown_values(d, "zh")
    assert zh["referrer_reward"].startswith("2080") and "100" in zh["referrer_reward"]
    assert zh["customer_reward"] == "500元精品券 + 补货现金券 (234.57)"
    assert "茶歇券 (50)" in zh["commission"]
    # a lone cash amount is written as a number finance can add up
    assert shown_values(by[(Decimal(800), None)], "en")["referrer_reward"] == Decimal(8)
