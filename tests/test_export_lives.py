"""Each reward line's own life in the payroll export.

A line is `paid` only when a Paid tick came while the line was in force (issued
and not yet reversed); a line reversed before any Paid tick is `void`, and so is
its reversal; a line issued again after a withdrawal lives its own life
(`approved`, `notified`, `paid`).  A reversal or a negative adjustment is
`clawback` only when what it takes back had been paid.
"""
from __future__ import annotations

from conftest import referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]
FIXED = [["Recipient", "Fixed", "Reward type"], ["referrer", 1000, "cash"]]
BANDS = [["Recipient", "Min amount", "Max amount", "Fixed", "Reward type", "Item", "Group"],
         ["referrer", "5万", "50万", 100, "voucher", "100元OK卡", "档"],
         ["referrer", "50万", "200万", 200, "voucher", "200元月饼票", "档"]]
MS_HEADER = ["Recipient", "Count", "Period", "Mode", "Reward type", "Amount", "Item"]
STAFF = [["Name", "Email", "Role", "Active", "Employee ID"], ["李明", "li@example.com", "顾问", True, "E1"]]


def deal(**kw):
    return referral(**{"Deal amount": 100000, "Deal date": "2026-11-02", **kw})


def got(world, *cols):
    cols = cols or ("amount", "status")
    return [tuple(l[c] for c in cols) for l in world.lines()]


def test_a_band_changed_and_approved_again_before_payment_voids_the_old_band(world):
    """40万 approved → 100元OK卡; corrected to 60万 and approved again → 200元月饼票;
    then Paid: the OK card was never handed out — only the 月饼票 is paid."""
    world.standard([deal(**{"Deal amount": "40万", "Approved": True})], BANDS)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", "60万")
    world.sync("2026-11-21")
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    assert got(world, "amount", "item", "status") == [
        ("100", "100元OK卡", "void"), ("200", "200元月饼票", "approved"), ("-100", "100元OK卡", "void")]
    world.set_cell(2, "Paid", True)
    world.sync("2026-11-23")
    row = world.rows()[0]
    assert row["Status"] == "Paid" and row["Problems"] is None
    assert got(world, "amount", "item", "status") == [
        ("100", "100元OK卡", "void"), ("200", "200元月饼票", "paid"), ("-100", "100元OK卡", "void")]


def test_approval_taken_back_and_given_again_then_paid(world):
    world.standard([deal(Approved=True)], FIXED)
    world.sync("2026-11-20")
    world.set_cell(2, "Approved", None)
    world.sync("2026-11-21")
    assert got(world) == [("1000", "void"), ("-1000", "void")]
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    assert world.status() == ["Approved"]
    assert got(world) == [("1000", "void"), ("-1000", "void"), ("1000", "approved")]
    world.set_cell(2, "Paid", True)
    world.sync("2026-11-23")
    assert world.status() == ["Paid"]
    assert got(world) == [("1000", "void"), ("-1000", "void"), ("1000", "paid")]


def test_rejected_then_rejection_taken_back_is_approved_again(world):
    world.standard([deal(Approved=True)], FIXED)
    world.sync("2026-11-20")
    world.set_cell(2, "Rejected", True)
    world.sync("2026-11-21")
    world.set_cell(2, "Rejected", None)
    world.sync("2026-11-22")
    world.sync("2026-11-23")
    assert world.status() == ["Approved"]
    assert got(world) == [("1000", "void"), ("-1000", "void"), ("1000", "approved")]


def test_a_milestone_step_lost_and_reached_again_is_approved(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(2)]
    world.standard(rows, FIXED, milestones=[MS_HEADER, ["referrer", 2, "all", "each", "cash", 100, ""]])
    world.sync("2026-11-20")
    world.set_cell(2, "Rejected", True)
    world.sync("2026-11-21")
    world.set_cell(2, "Rejected", None)
    world.sync("2026-11-22")
    ms = [(l["amount"], l["status"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert ms == [("100", "void"), ("-100", "void"), ("100", "approved")]


def test_a_paid_reward_reduced_is_a_clawback_and_the_row_says_what_to_recover(world):
    """1% of 100 000 paid; the amount corrected to 80 000 and approved again: the
    -200 adjustment takes back money handed out — clawback — and the row, still
    paid, names what to recover from whom (no untick-and-tick-again round)."""
    rules = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"], ["signer", "0.5", "cash"]]
    world.standard([deal(Approved=True, Paid=True, Signer="李明", Referrer="黄河")], rules, staff=STAFF)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 80000)
    world.sync("2026-12-01")
    world.set_cell(2, "Approved", True)
    world.sync("2026-12-02")
    assert got(world, "recipient", "amount", "status") == [
        ("黄河", "1000", "paid"), ("李明", "500", "paid"), ("黄河", "-200", "clawback"), ("李明", "-100", "clawback")]
    for _ in range(2):      # the same on the next pass: the text stays while the row is paid
        row = world.rows()[0]
        assert row["Status"] == "Paid"
        text = row["Problems"] or ""
        assert "recover 200 yuan from 黄河 (referrer), 100 yuan from 李明 (signer)" in text, text
        assert "status clawback" in text and "untick" not in text and "run once" not in text
        world.sync("2026-12-03")


def test_the_recover_text_in_chinese(world):
    world.standard([deal(Approved=True, Paid=True, Referrer="黄河")], RULES, {"language": "zh"})
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 80000)
    world.sync("2026-12-01")
    world.set_cell(2, "Approved", True)
    world.sync("2026-12-02")
    assert world.status() == ["已发放"]
    text = world.rows()[0].get("问题") or world.rows()[0].get("Problems")
    assert "向黄河（推荐人）追回 200元" in text, text
    assert "clawback" in text and "取消勾选" not in text


def test_a_paid_reward_raised_is_a_new_amount_to_pay_and_what_was_paid_stays_paid(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 130000)
    world.sync("2026-12-01")
    world.set_cell(2, "Approved", True)
    world.sync("2026-12-02")
    row = world.rows()[0]
    assert row["Status"] == "Approved"
    assert "hand out 300 yuan to Ann (referrer)" in row["Problems"], row["Problems"]
    assert "run once" not in row["Problems"]
    assert got(world) == [("1000", "paid"), ("300", "approved")]
    world.set_cell(2, "Paid", None)          # as the row asks, once the 300 is handed out
    world.sync("2026-12-03")
    assert world.rows()[0]["Problems"] is None
    assert got(world) == [("1000", "paid"), ("300", "approved")]     # the 1000 was handed out all along
    world.set_cell(2, "Paid", True)
    world.sync("2026-12-04")
    assert world.status() == ["Paid"]
    assert got(world) == [("1000", "paid"), ("300", "paid")]


def test_a_band_changed_after_payment_recovers_the_old_band_and_pays_the_new(world):
    world.standard([deal(**{"Deal amount": "40万", "Approved": True, "Paid": True})], BANDS)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", "60万")
    world.sync("2026-11-21")
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    assert got(world, "amount", "status") == [("100", "paid"), ("200", "approved"), ("-100", "clawback")]
    text = world.rows()[0]["Problems"]
    assert "hand out 200元月饼票 to Ann (referrer)" in text and "recover 100元OK卡 from Ann (referrer)" in text, text
    world.set_cell(2, "Paid", None)
    world.sync("2026-11-23")
    world.set_cell(2, "Paid", True)
    world.sync("2026-11-24")
    assert got(world, "amount", "status") == [("100", "paid"), ("200", "paid"), ("-100", "clawback")]


def test_a_reduction_approved_before_the_paid_tick_is_paid_with_the_rest(world):
    """Reduced before anything was handed out, then paid: the net is paid, nothing to recover."""
    world.standard([deal(Approved=True)], RULES)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 80000)
    world.sync("2026-11-21")
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    assert got(world) == [("1000", "approved"), ("-200", "approved")]
    world.set_cell(2, "Paid", True)
    world.sync("2026-11-23")
    assert world.status() == ["Paid"] and world.rows()[0]["Problems"] is None
    assert got(world) == [("1000", "paid"), ("-200", "paid")]


def test_a_paid_tick_taken_away_means_not_paid(world):
    world.standard([deal(Approved=True, Paid=True)], FIXED)
    world.sync("2026-11-20")
    world.set_cell(2, "Paid", None)     # ticked by mistake
    world.sync("2026-11-21")
    assert world.status() == ["Approved"]
    assert got(world) == [("1000", "approved")]
