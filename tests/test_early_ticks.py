"""A tick set before a row can be approved (needs fixing, holding, waiting, not
eligible) approves only what the row showed then: if the row changes before it
becomes payable, the tick is cleared and the row waits for a new approval."""
from __future__ import annotations

from conftest import referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]
STAFF = [["Name", "Email"], ["Lee", "lee@example.com"]]


def deal(**kw):
    base = {"Deal amount": 100000, "Deal date": "2026-11-18"}
    base.update(kw)
    return referral(**base)


def book(world, rows, **settings):
    world.standard(rows, RULES, {"holding_days": "5", **settings}, staff=STAFF)


def problems(world):
    return world.rows()[0]["Problems"] or ""


def test_a_tick_on_a_row_that_needs_fixing_is_cleared_when_the_row_is_fixed(world):
    book(world, [deal(**{"Deal date": "2026-10-05", "Signer": "Lii", "Approved": True})])
    world.sync("2026-11-20")
    assert world.status() == ["Needs fixing"]
    assert "needs fixing first" in problems(world) and "Staff tab" in problems(world)
    world.set_cell(2, "Signer", "Lee")                      # the clerk fixes the name; the tick is still there
    world.sync("2026-11-21")
    assert world.status() == ["Awaiting approval"]
    assert world.rows()[0]["Approved"] in (None, False)     # the tick the manager set on the broken row is gone
    assert "before the row could be approved" in problems(world) and "Lii → Lee" in problems(world)
    assert world.lines() == []                              # nothing issued on a tick for another row content
    world.sync("2026-11-22")
    assert world.status() == ["Awaiting approval"] and world.lines() == []
    world.set_cell(2, "Approved", True)                      # approved again, seeing the amount
    world.sync("2026-11-23")
    assert world.status() == ["Approved"]
    assert [(l["recipient"], l["amount"]) for l in world.lines()] == [("Ann", "1000")]


def test_a_tick_during_holding_approves_when_the_holding_ends_if_nothing_changed(world):
    book(world, [deal(Approved=True)])
    world.sync("2026-11-20")
    assert world.status() == ["Holding until 2026-11-25"] and world.lines() == []
    world.sync("2026-11-25")
    assert world.status() == ["Approved"]
    assert world.rows()[0]["Approved"] is True
    assert [l["amount"] for l in world.lines()] == ["1000"]


def test_a_tick_during_holding_does_not_cover_an_amount_changed_afterwards(world):
    book(world, [deal(Approved=True)])
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 900000)                # the amount the manager saw was 1000 of reward
    world.sync("2026-11-21")
    assert world.status() == ["Holding until 2026-11-25"]
    world.sync("2026-11-25")
    assert world.status() == ["Awaiting approval"]
    assert world.rows()[0]["Approved"] in (None, False)
    assert "100,000 → 900,000" in problems(world) and "Ann 1,000 → 9,000" in problems(world)
    assert world.lines() == []
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-26")
    assert world.status() == ["Approved"] and [l["amount"] for l in world.lines()] == ["9000"]


def test_a_tick_taken_away_before_the_row_is_payable_is_forgotten(world):
    book(world, [deal(Approved=True)])
    world.sync("2026-11-20")
    world.set_cell(2, "Approved", False)
    world.sync("2026-11-21")
    world.set_cell(2, "Deal amount", 200000)
    world.sync("2026-11-22")
    world.set_cell(2, "Approved", True)                      # ticked again, seeing 2000
    world.sync("2026-11-25")
    assert world.status() == ["Approved"] and [l["amount"] for l in world.lines()] == ["2000"]


def test_a_tick_on_a_referral_that_is_not_eligible_says_it_has_no_effect(world):
    book(world, [deal(**{"Relationship": "夫妻", "Approved": True})])
    world.sync("2026-11-20")
    assert world.status() == ["Not eligible"]
    assert "the tick has no effect" in problems(world)
    assert world.lines() == []


def test_an_approved_row_that_needs_fixing_says_its_issued_rewards_stand(world):
    book(world, [deal(**{"Deal date": "2026-10-05", "Approved": True})])
    world.sync("2026-11-20")
    assert world.status() == ["Approved"] and [l["amount"] for l in world.lines()] == ["1000"]
    world.set_cell(2, "Deal amount", "abc")
    world.sync("2026-11-21")
    assert world.status() == ["Needs fixing"]
    assert "already issued" in problems(world) and "Deal amount" in problems(world)
    world.set_cell(2, "Deal amount", 100000)                  # put back as approved: the approval holds
    world.sync("2026-11-22")
    assert world.status() == ["Approved"] and [l["amount"] for l in world.lines()] == ["1000"]


def test_an_early_tick_says_when_it_takes_effect(world):
    book(world, [deal(Approved=True)])
    world.sync("2026-11-20")
    assert world.status() == ["Holding until 2026-11-25"]
    assert "Approved ticked early: it takes effect when holding ends on 2026-11-25" in problems(world)
    world.standard([deal(Approved=True)], RULES, {"payout_requires_paid_in_full": "yes"}, staff=STAFF)
    world.sync("2026-11-21")
    assert world.status() == ["Waiting for payment"]
    assert "takes effect once Paid in full is ticked" in problems(world)


def test_an_early_tick_on_a_row_changed_since_says_it_will_not_approve_the_change(world):
    book(world, [deal(Approved=True)])
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 900000)
    world.sync("2026-11-21")
    assert world.status() == ["Holding until 2026-11-25"]
    assert "changed since" in problems(world) and "100,000 → 900,000" in problems(world)
    assert "takes effect" not in problems(world)


def test_an_early_tick_cleared_when_the_deal_came_reads_the_same_on_later_passes(world):
    from conftest import referral
    world.standard([referral(Approved=True)], [["Recipient", "Fixed", "Reward type"], ["referrer", 1000, "cash"]])
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 100000)
    world.set_cell(2, "Deal date", "2026-11-02")
    world.sync("2026-11-21")
    text = world.rows()[0]["Problems"]
    assert text.startswith("Approved was ticked before the row could be approved"), text
    for day in ("2026-11-22", "2026-11-23"):
        assert world.sync(day).changed_rows == 0
        assert world.rows()[0]["Problems"] == text
