"""What staff do to a sheet between passes, and what must follow from it."""
from __future__ import annotations

from conftest import REF_HEADER, referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]


def deal(**kw):
    return referral(**{"Deal amount": 100000, "Deal date": "2026-10-05", **kw})


def test_a_copied_row_does_not_inherit_the_approval(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()

    def copy(ws):
        head = [c.value for c in ws[1]]
        for j, c in enumerate(ws[2]):
            ws.cell(3, j + 1).value = c.value
        ws.cell(3, head.index("New customer") + 1).value = "Other"
        ws.cell(3, head.index("New customer phone") + 1).value = "13977777777"
    world.edit(copy)
    world.sync()
    rows = world.rows()
    assert rows[1]["Ref ID"] == "R-000002"
    assert rows[1]["Status"] == "Awaiting approval"
    assert rows[1]["Approved"] in (None, False)
    assert [l["ref_id"] for l in world.lines()] == ["R-000001"]


def test_sorting_only_the_staff_columns_puts_ids_back_with_their_referrals(world):
    rows = [deal(**{"New customer": f"C{i}", "New customer phone": f"1390000{i:04d}", "Deal amount": 1000 * (i + 1),
                    "Approved": i == 0}) for i in range(4)]
    world.standard(rows, RULES)
    world.sync()
    before = {r["New customer"]: r["Ref ID"] for r in world.rows()}

    def partial_sort(ws):   # Excel "continue with the current selection": only the staff columns move
        width = len(REF_HEADER)
        data = [[c.value for c in r[:width]] for r in ws.iter_rows(min_row=2)]
        data.reverse()
        for i, r in enumerate(data):
            for j, v in enumerate(r):
                ws.cell(i + 2, j + 1).value = v
    world.edit(partial_sort)
    world.sync()
    after = {r["New customer"]: r["Ref ID"] for r in world.rows()}
    assert after == before
    assert [(l["ref_id"], l["amount"]) for l in world.lines()] == [("R-000001", "10")]
    assert world.rows()[3]["Status"] == "Approved"      # C0, now at the bottom, keeps its approval


def _partial_sort_by_referrer(ws):   # only the staff columns move; Ref ID, Status, rewards stay in place
    width = len(REF_HEADER)
    data = [[c.value for c in r[:width]] for r in ws.iter_rows(min_row=2)]
    data.sort(key=lambda r: str(r[REF_HEADER.index("Referrer")]))
    for i, r in enumerate(data):
        for j, v in enumerate(r):
            ws.cell(i + 2, j + 1).value = v


def test_a_partial_sort_after_an_earlier_phone_fix_gives_every_referral_its_own_id_and_pays_once(world):
    import email
    import email.policy
    import sqlite3
    world.standard([deal(**{"Referrer": "Zed", "Referrer phone": "13600000099", "New customer": "Yan",
                            "New customer phone": "13600000098"}),
                    deal(**{"Referrer email": "ann@example.com", "New customer phone": None})], RULES)
    world.sync("2026-11-20")
    assert world.status()[1] == "Needs fixing"
    world.set_cell(3, "New customer phone", "13900000011")     # the phone filled in the next day
    world.edit(lambda ws: ws.append(["2026-10-01", "Jack", "13600000020", None, None, "Kate", "13600000021"]))
    world.sync("2026-11-21")
    world.set_cell(3, "Approved", True)
    world.sync("2026-11-21")
    assert [(r["Referrer"], r["Ref ID"], r["Status"]) for r in world.rows()] == [
        ("Zed", "R-000001", "Awaiting approval"), ("Ann", "R-000002", "Notified"),
        ("Jack", "R-000003", "Waiting for deal")]

    world.edit(_partial_sort_by_referrer)
    world.sync("2026-11-22")
    world.sync("2026-11-23")
    rows = world.rows()
    assert [(r["Referrer"], r["New customer"], r["Ref ID"], r["Status"], r["Referrer reward"]) for r in rows] == [
        ("Ann", "Bo", "R-000002", "Notified", 1000), ("Jack", "Kate", "R-000003", "Waiting for deal", None),
        ("Zed", "Yan", "R-000001", "Awaiting approval", 1000)]
    assert [(x["ref_id"], x["amount"], x["status"]) for x in world.lines()] == [("R-000002", "1000", "notified")]
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        ids = [r for (r,) in db.execute("SELECT ref_id FROM refs ORDER BY seq")]
        assert ids == ["R-000001", "R-000002", "R-000003"]     # no new ID given to Ann's referral
    finally:
        db.close()
    sent = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in (world.dir / "outbox").glob("*.eml")]
    assert [str(m["To"]) for m in sent] == ["Ann <ann@example.com>"]   # one notice, not a second one


def test_an_edited_phone_keeps_its_id(world):
    world.standard([deal(**{"New customer phone": "13900000001"})], RULES)
    world.sync()
    world.set_cell(2, "New customer phone", "13900000009")    # a typo corrected
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001"]


def test_paid_row_changed_and_approved_again_is_approved_until_paid_again(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 130000)
    world.sync()
    world.set_cell(2, "Approved", True)
    world.sync()
    row = world.rows()[0]
    assert row["Status"].startswith("Approved")
    assert "Paid" in (row["Problems"] or "")
    assert [(l["amount"], l["status"]) for l in world.lines()] == [("1000", "paid"), ("300", "approved")]
    world.set_cell(2, "Paid", False)
    world.sync()
    world.set_cell(2, "Paid", True)
    world.sync()
    assert world.status() == ["Paid"]
    assert [l["status"] for l in world.lines()] == ["paid", "paid"]


def test_deleting_a_row_with_issued_rewards_is_reported(world):
    world.standard([deal(Approved=True), deal(**{"New customer phone": "13900000002"})], RULES)
    world.sync()
    world.edit(lambda ws: ws.delete_rows(2))
    result = world.sync()
    texts = " ".join(w.text.render("en") for w in result.warnings)
    assert "R-000001" in texts and "1000" in texts
    p = world.cli("check")
    assert "R-000001" in p.stdout


def test_voided_and_gm_rows_say_why(world):
    world.standard([deal(Cancelled=True), deal(**{"New customer phone": "13900000002", "Deal amount": 900000})],
                   RULES, {"second_approval_over": "5000"})
    world.sync()
    rows = world.rows()
    assert rows[0]["Status"] == "Voided" and "Cancelled" in rows[0]["Problems"]
    assert rows[1]["Status"] == "Awaiting approval" and "GM" in rows[1]["Problems"]


def _rename(world, old: str, new: str) -> None:
    def fn(ws):
        for c in ws[1]:
            if c.value == old:
                c.value = new
    world.edit(fn)


def test_a_renamed_approval_column_stops_the_pass_instead_of_reversing_every_approval(world):
    import pytest

    from workflow.sync import SyncRefused
    world.standard([deal(Approved=True, Paid=True), deal(**{"New customer": "Bo", "New customer phone": "13900000002",
                                                           "Approved": True})], RULES)
    world.sync()
    issued = world.lines()
    assert [(l["ref_id"], l["amount"], l["status"]) for l in issued] == [("R-000001", "1000", "paid"),
                                                                         ("R-000002", "1000", "approved")]
    _rename(world, "Approved", "Manager OK")
    with pytest.raises(SyncRefused) as e:
        world.sync()
    text = e.value.findings[0].text.render("en")
    assert "no column “Approved” / “审批通过”" in text and "approvals" in text and "alias" in text
    assert world.lines() == issued                               # nothing reversed
    check = world.cli("check")
    assert check.returncode == 1 and "“Approved”" in check.stdout
    _rename(world, "Manager OK", "Approved")
    world.sync()
    assert world.lines() == issued                               # and nothing re-issued
    assert world.status() == ["Paid", "Approved"]


def test_a_renamed_amount_column_stops_the_pass_and_keeps_the_managers_tick(world):
    import pytest

    from workflow.sync import SyncRefused
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    _rename(world, "Deal amount", "Contract sum")
    with pytest.raises(SyncRefused) as e:
        world.sync()
    assert "no column “Deal amount” / “成交金额”" in e.value.findings[0].text.render("en")
    assert "已审批奖励所依据的值" in e.value.findings[0].text.render("zh")
    _rename(world, "Contract sum", "Deal amount")
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Approved" and row["Approved"] is True and not row["Problems"]
    assert [(l["ref_id"], l["amount"]) for l in world.lines()] == [("R-000001", "1000")]


def test_a_column_nothing_relied_on_may_go(world):
    world.standard([deal()], RULES)
    world.sync()
    _rename(world, "Approved", "Manager OK")        # nothing was approved yet: the tab just has no such column
    world.sync()
    assert world.status() == ["Awaiting approval"]


def test_a_change_to_no_reward_says_none_not_a_dash(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 0)
    world.sync()
    problems = world.rows()[0]["Problems"]
    assert "Reward Ann 1,000 → none — the approval was withdrawn" in problems, problems
    assert "→ —" not in problems


def test_a_paid_reward_withdrawn_by_a_change_is_a_clawback_not_void(world):
    """Paid, then changed so that no reward is due, then approved again: the
    money was handed out, so finance sees it paid and the reversal to recover."""
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 0)
    world.sync()
    assert world.rows()[0]["Approved"] in (None, False)       # the change withdrew the approval
    world.set_cell(2, "Approved", True)
    world.sync()
    assert [(l["ref_id"], l["amount"], l["status"]) for l in world.lines()] == [
        ("R-000001", "1000", "paid"), ("R-000001", "-1000", "clawback")]


def test_text_typed_into_a_worker_column_is_quoted_in_problems_not_dropped_silently(world):
    world.standard([deal(Approved=True), deal(**{"New customer phone": "13900000002"})], RULES)
    world.sync()
    assert world.sync().cells_written == 0
    world.set_cell(2, "Problems", "客户要求加急")
    world.set_cell(2, "Referrer reward", 2000)
    world.sync()
    row = world.rows()[0]
    assert row["Referrer reward"] == 1000 and row["Status"] == "Approved"
    assert 'Problems: "客户要求加急" was typed into this column' in row["Problems"], row
    assert 'Referrer reward: "2000" was typed into this column' in row["Problems"]
    assert "Notes column" in row["Problems"]
    assert world.rows()[1]["Problems"] is None                  # the other row: nothing typed, no note
    assert world.sync().cells_written == 0                      # the worker's own text is not "typed"
    world.set_cell(3, "Deal amount", 200000)                    # another row changes: the note stays
    world.sync()
    assert "客户要求加急" in world.rows()[0]["Problems"]
    world.set_cell(2, "Problems", None)                         # until staff delete it
    world.sync()
    assert world.rows()[0]["Problems"] is None and world.sync().cells_written == 0


def test_text_typed_into_notice_sent_is_quoted_too(world):
    world.standard([deal(Approved=True, **{"Referrer email": "ann@example.com"})], RULES)
    world.sync()
    assert world.status() == ["Notified"]
    world.set_cell(2, "Notice sent", "已电话通知客户")
    world.sync()
    row = world.rows()[0]
    assert row["Notice sent"] != "已电话通知客户"
    assert 'Notice sent: "已电话通知客户" was typed into this column' in row["Problems"]
    assert "delete this line once read" in row["Problems"]


def test_a_partial_sort_is_not_taken_for_text_typed_into_worker_columns(world):
    world.standard([deal(Referrer="Zed", Approved=True),
                    deal(Referrer="Amy", **{"New customer phone": "13900000002", "Deal amount": None})], RULES)
    world.sync()
    world.edit(_partial_sort_by_referrer)
    world.sync()
    assert all("typed into this column" not in (r["Problems"] or "") for r in world.rows()), world.rows()


def test_a_rules_edit_after_payment_leaves_the_paid_referral_as_paid(world):
    world.standard([deal(Approved=True, Paid=True), deal(Approved=True, **{"New customer phone": "13900000002"})],
                   RULES)
    world.sync()
    assert world.status() == ["Paid", "Approved"]
    world.edit(lambda ws: ws.cell(2, 2, "2"), "Rules")              # Rate % 1 → 2
    world.sync()
    paid, approved = world.rows()
    assert paid["Status"] == "Paid" and paid["Approved"] is True and paid["Paid"] is True
    assert paid["Referrer reward"] == 1000
    assert paid["Problems"] == ("Rules changed after payment: they now give Ann 2,000; Ann 1,000 was paid — a paid "
                                "referral keeps what it was paid, nothing is issued or recovered for it")
    assert approved["Status"] == "Awaiting approval" and "Ann 1,000 → 2,000" in approved["Problems"]
    assert [(l["ref_id"], l["amount"], l["status"]) for l in world.lines()] == [
        ("R-000001", "1000", "paid"), ("R-000002", "1000", "approved")]      # in force until approved again
    assert world.sync().cells_written == 0



def test_unticking_approved_or_paid_is_said_in_the_row(world):
    world.standard([deal(Approved=True), deal(**{"New customer phone": "13900000077", "Approved": True,
                                                 "Paid": True})], RULES)
    world.sync("2026-11-20")
    assert world.status() == ["Approved", "Paid"]
    world.set_cell(2, "Approved", False)
    world.set_cell(3, "Paid", False)
    world.sync("2026-11-21")
    rows = world.rows()
    assert world.status() == ["Awaiting approval", "Approved"]
    assert "Approved was unticked" in rows[0]["Problems"] and "Ann (referrer) 1000 yuan" in rows[0]["Problems"]
    assert "tick Approved again" in rows[0]["Problems"]
    assert "Paid was unticked" in rows[1]["Problems"] and "not handed out yet" in rows[1]["Problems"]
    assert world.full_pass("2026-11-22").cells_written == 0       # the notes stay while the rows stay so
    world.set_cell(2, "Approved", True)
    world.set_cell(3, "Paid", True)
    world.sync("2026-11-23")
    assert world.status() == ["Approved", "Paid"]
    assert [r["Problems"] for r in world.rows()] == [None, None]


def test_a_cleared_row_does_not_keep_showing_the_referral_it_held(world):
    world.standard([deal(Approved=True), deal(**{"New customer phone": "13900000077"})], RULES)
    world.sync("2026-11-20")
    kept = {h: c for h, c in zip(REF_HEADER, [c.value for c in world.sheet()[2]])}

    def clear(ws):       # staff clear their columns of both rows
        for row in (2, 3):
            for j in range(len(REF_HEADER)):
                ws.cell(row, j + 1).value = None
    world.edit(clear)
    result = world.sync("2026-11-21")
    approved, *rest = world.rows()
    assert approved["Ref ID"] == "R-000001" and approved["Status"] is None and approved["Referrer reward"] is None
    assert "removed from this row" in approved["Problems"] and "Ann 1000" in approved["Problems"]
    assert all(v is None for r in rest for v in r.values())   # nothing issued: the row is simply empty again
    warnings = [f.text.render("en") for f in result.warnings]
    assert any("row 2 of R-000001 was cleared" in w for w in warnings), warnings
    assert not any("no longer in the sheet" in w for w in warnings)
    assert world.full_pass("2026-11-22").cells_written == 0
    for h, v in kept.items():                                   # put back: found again by its Ref ID
        world.set_cell(2, h, v)
    world.sync("2026-11-23")
    row = world.rows()[0]
    assert (row["Ref ID"], row["Status"], row["Problems"]) == ("R-000001", "Approved", None)
    assert [l["amount"] for l in world.lines()] == ["1000"]


def test_paid_unticked_in_the_pass_that_withdraws_the_approval_is_recorded(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Paid", False)
    world.set_cell(2, "Deal amount", 200000)             # changed in the same edit
    world.sync()
    assert world.status() == ["Awaiting approval"]
    assert [l["status"] for l in world.lines()] == ["approved"]    # not paid any more: the tick was taken away


def test_a_phone_corrected_after_approval_keeps_the_approval(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "New customer phone", "13900000009")
    world.sync()
    assert world.status() == ["Paid"] and world.rows()[0]["Approved"] is True
    assert world.rows()[0]["Problems"] is None and [l["status"] for l in world.lines()] == ["paid"]
