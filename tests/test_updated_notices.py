"""Updated notices: a reward (or benefit) approved again with other amounts after its notice
went is told once more — what the last notice said and what holds now — exactly once.

Real parts: the .xlsx workbook, the SQLite ledger, the outbox folder, passes across days.
"""
from __future__ import annotations

import email
import email.policy
import sqlite3

from conftest import REF_HEADER, referral

HEADER = REF_HEADER + ["New customer email"]
RULES = [["Recipient", "Rate %", "Fixed", "Reward type", "Item"],
         ["referrer", "1.5", "", "cash", ""],
         ["new customer", "", "500", "discount", "500 off the first invoice"]]
RATED_BENEFIT = [RULES[0], RULES[1], ["new customer", "0.2", "", "discount", ""]]
STAFF = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"]]
GM = {"second_approval_over": 3000}


def deal(**kw):
    return referral(**{"Deal amount": 300000, "Deal date": "2026-10-05", "Signer": "Lee", "Approved": True,
                       "GM approved": True, "Referrer email": "ann@example.com",
                       "New customer email": "bo@example.com", **kw})


def mails(world, to: str = "") -> list[email.message.EmailMessage]:
    out = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
           for p in sorted((world.dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)]
    return [m for m in out if to in str(m["To"])]


def text(m) -> str:
    return m.get_body(("plain",)).get_content()


def html(m) -> str:
    return m.get_body(("html",)).get_content()


def sent_keys(world) -> list[str]:
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return [k for (k,) in db.execute("SELECT key FROM messages WHERE state='sent' ORDER BY key")]
    finally:
        db.close()


def reapprove(world, day: str, **cells) -> None:
    """A reward-relevant cell changes after the notice: the ticks are cleared; the manager and
    the GM tick again the next day."""
    for header, value in cells.items():
        world.set_cell(2, header, value)
    world.sync(day)
    row = world.rows()[0]
    assert row["Status"] == "Awaiting approval" and "Changed after approval" in row["Problems"]
    assert row["Approved"] in (None, False) and row["GM approved"] in (None, False)
    world.set_cell(2, "Approved", True)
    world.set_cell(2, "GM approved", True)


def test_a_raised_amount_approved_again_is_told_once_with_before_and_now(world):
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    first = mails(world, "ann@")
    assert len(first) == 1 and "¥4,500.00" in text(first[0])
    assert "Cash: ¥4,500.00" in text(first[0])                 # a label, capitalised
    reapprove(world, "2026-11-21", **{"Deal amount": 350000})
    world.sync("2026-11-22")
    assert [x["amount"] for x in world.lines() if x["recipient_role"] == "referrer"] == ["4500", "750"]
    got = mails(world, "ann@")
    assert len(got) == 2
    update = got[1]
    assert str(update["Subject"]) == "Your referral reward has been updated (R-000001)"
    body = text(update)
    before, now = body.index("Before"), body.index("Now")
    assert before < body.index("¥4,500.00") < now < body.index("¥5,250.00")
    assert "¥750.00 more" in body and "2026-11-20" in body     # the last notice's day
    assert "¥4,500.00" in html(update) and "¥5,250.00" in html(update) and "updated" in html(update)
    assert update["Message-ID"] != first[0]["Message-ID"]
    assert len(mails(world, "bo@")) == 1                       # the benefit did not change: no welcome update
    row = world.rows()[0]
    assert row["Status"] == "Notified" and row["Notice sent"] == "2026-11-22 09:00" and row["Problems"] is None
    keys = sent_keys(world)
    assert "reward_notice|R-000001" in keys and "welcome_notice|R-000001" in keys
    assert [k for k in keys if k.startswith("reward_notice|R-000001|1:")]
    assert [x["status"] for x in world.lines() if x["recipient_role"] == "referrer"] == ["notified", "notified"]
    # later passes send nothing more, full pass or not
    world.sync("2026-11-23")
    world.set_cell(2, "Lead", None)
    world.sync("2026-11-24")
    assert len(mails(world)) == 3 and world.status() == ["Notified"]


def test_the_updated_notice_speaks_the_workbooks_language(world):
    world.standard([deal()], RULES, settings={**GM, "language": "zh"}, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    world.set_cell(2, "Deal amount", 350000)
    world.sync("2026-11-21")
    world.set_cell(2, "Approved", True)
    world.set_cell(2, "GM approved", True)
    world.sync("2026-11-22")
    update = mails(world, "ann@")[-1]
    assert str(update["Subject"]) == "您的推荐奖励已更新（R-000001）"
    body = text(update)
    assert body.index("更新前") < body.index("¥4,500.00") < body.index("现在") < body.index("¥5,250.00")
    assert "增加 ¥750.00" in body and "2026年11月20日" in body
    assert "现金：¥5,250.00" in body
    assert world.status() == ["已通知"]


def test_approving_the_same_amounts_again_sends_nothing(world):
    # the referrer's cash is fixed, the benefit too: a new deal amount changes nothing they get
    rules = [RULES[0], ["referrer", "", "800", "cash", ""], RULES[2]]
    world.standard([deal(**{"GM approved": None})], rules, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    assert len(mails(world)) == 2
    world.set_cell(2, "Deal amount", 310000)
    world.sync("2026-11-21")
    assert world.status() == ["Awaiting approval"]
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    world.sync("2026-11-23")
    assert len(mails(world)) == 2
    assert sent_keys(world) == ["reward_notice|R-000001", "welcome_notice|R-000001"]
    row = world.rows()[0]
    assert row["Status"] == "Notified" and row["Notice sent"] == "2026-11-20 09:00" and row["Problems"] is None


def test_a_lowered_amount_is_told_and_a_change_back_is_told_again(world):
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    reapprove(world, "2026-11-21", **{"Deal amount": 250000})
    world.sync("2026-11-22")
    update = mails(world, "ann@")[-1]
    body = text(update)
    assert body.index("¥4,500.00") < body.index("¥3,750.00") and "¥750.00 less" in body
    assert world.status() == ["Notified"]
    # back to the first amount: what the referrer was told last (3 750) no longer holds either
    reapprove(world, "2026-11-23", **{"Deal amount": 300000})
    world.sync("2026-11-24")
    got = mails(world, "ann@")
    assert len(got) == 3
    body = text(got[-1])
    assert body.index("¥3,750.00") < body.index("¥4,500.00") and "¥750.00 more" in body
    assert "2026-11-22" in body                               # the notice it corrects
    world.sync("2026-11-25")
    assert len(mails(world, "ann@")) == 3


def test_a_changed_benefit_gets_the_new_customer_an_updated_welcome_notice(world):
    world.standard([deal()], RATED_BENEFIT, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    assert "¥600.00" in text(mails(world, "bo@")[0])
    reapprove(world, "2026-11-21", **{"Deal amount": 350000})
    world.sync("2026-11-22")
    welcome = mails(world, "bo@")
    assert len(welcome) == 2
    assert str(welcome[1]["Subject"]) == "Your new-customer benefit has been updated (R-000001)"
    body = text(welcome[1])
    assert body.index("Before") < body.index("Discount: ¥600.00") < body.index("Now") < body.index("¥700.00")
    assert len(mails(world, "ann@")) == 2
    world.sync("2026-11-23")
    assert len(mails(world)) == 4 and world.status() == ["Notified"]


def test_cancelled_or_rejected_after_the_notice_sends_no_update(world):
    other = {"Referrer": "Dee", "Referrer phone": "13800000002", "Referrer email": "dee@example.com",
             "New customer": "Cy", "New customer phone": "13900000002", "New customer email": "cy@example.com"}
    world.standard([deal(), deal(**other)], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    assert len(mails(world)) == 4
    world.set_cell(2, "Cancelled", True)
    world.set_cell(3, "Rejected", True)
    world.set_cell(3, "Approved", None)
    world.sync("2026-11-21")
    world.sync("2026-11-22")
    assert len(mails(world)) == 4
    assert world.status() == ["Clawback", "Rejected"]


def test_no_email_for_the_update_tells_staff_to_let_the_referrer_know(world):
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    reapprove(world, "2026-11-21", **{"Deal amount": 350000, "Referrer email": None})
    world.sync("2026-11-22")
    assert len(mails(world, "ann@")) == 1
    row = world.rows()[0]
    assert row["Status"] == "Approved"                        # the referrer does not know yet
    assert "let the referrer know the new amount" in row["Problems"]
    assert "4,500 yuan" in row["Problems"] and "5,250 yuan" in row["Problems"]
    world.sync("2026-11-23")
    assert "let the referrer know" in world.rows()[0]["Problems"]
    # the email is back: the change is approved again and the update goes by mail
    reapprove(world, "2026-11-24", **{"Referrer email": "ann@example.com"})
    world.sync("2026-11-25")
    got = mails(world, "ann@")
    assert len(got) == 2 and "¥5,250.00" in text(got[1])
    row = world.rows()[0]
    assert row["Status"] == "Notified" and row["Problems"] is None and row["Notice sent"] == "2026-11-25 09:00"


def test_an_update_that_cannot_go_yet_leaves_the_row_approved_with_the_reason(world, monkeypatch, tmp_path):
    import shutil

    from workflow import notify
    templates = tmp_path / "templates"
    shutil.copytree(notify.TEMPLATES, templates)
    monkeypatch.setattr(notify, "TEMPLATES", templates)
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    (templates / "reward_update.en.txt").write_text("Dear {{ referrer }\n", encoding="utf-8")
    reapprove(world, "2026-11-21", **{"Deal amount": 350000})
    world.sync("2026-11-22")
    row = world.rows()[0]
    assert row["Status"] == "Approved" and "reward_update.en.txt" in row["Problems"]
    assert row["Notice sent"] == "2026-11-20 09:00"
    (templates / "reward_update.en.txt").write_text("Dear {{ referrer }}\n", encoding="utf-8")
    world.sync("2026-11-23")
    assert len(mails(world, "ann@")) == 2
    row = world.rows()[0]
    assert row["Status"] == "Notified" and row["Notice sent"] == "2026-11-23 09:00" and row["Problems"] is None


def test_a_ledger_from_before_updated_notices_knows_what_its_notices_told(world):
    """A schema-4 ledger did not record what a notice told: the upgrade takes it from the lines
    the ledger held when the referral was notified.  No first notice goes again."""
    world.standard([deal()], RATED_BENEFIT, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    db = sqlite3.connect(world.dir / "ledger.sqlite", isolation_level=None)
    try:                                                  # as schema 4 had it
        db.executescript("BEGIN; ALTER TABLE messages DROP COLUMN told; PRAGMA user_version=4; COMMIT;")
    finally:
        db.close()
    world.set_cell(2, "Lead", "")
    world.sync("2026-11-21")                              # a full pass on the upgraded ledger: nothing goes
    assert len(mails(world)) == 2 and world.status() == ["Notified"]
    reapprove(world, "2026-11-22", **{"Deal amount": 350000})
    world.sync("2026-11-23")
    assert len(mails(world)) == 4
    update = text(mails(world, "ann@")[-1])
    assert update.index("¥4,500.00") < update.index("¥5,250.00")
    welcome = mails(world, "bo@")[-1]
    assert text(welcome).index("¥600.00") < text(welcome).index("¥700.00")
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 6
    finally:
        db.close()


def test_the_update_lists_before_and_now_in_one_order(world):
    rules = [RULES[0], ["referrer", "", "800", "voucher", "购物卡"], RULES[1]]     # a voucher row above the cash row
    world.standard([deal()], rules, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    reapprove(world, "2026-11-21", **{"Deal amount": 400000})
    world.sync("2026-11-22")
    update = [m for m in mails(world, "ann@") if "updated" in str(m["Subject"]).lower()]
    assert len(update) == 1
    body = text(update[0])
    before, now = body.split("Now", 1)
    order = lambda part: sorted((w for w in ("购物卡", "Cash") if w in part), key=part.index)   # noqa: E731
    assert order(before) == order(now) and len(order(now)) == 2, body


def test_a_referrer_changed_after_the_notice_the_new_one_is_told_and_the_old_one_hears_it_no_longer_holds(world):
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    assert [str(m["To"]) for m in mails(world)] == ["Ann <ann@example.com>", "Bo <bo@example.com>"]
    reapprove(world, "2026-11-21", **{"Referrer": "Cy", "Referrer phone": "13700000003",
                                      "Referrer email": "cy@example.com"})
    world.sync("2026-11-22")
    row = world.rows()[0]
    assert row["Status"] == "Notified" and row["Problems"] is None, row
    assert row["Notice sent"] == "2026-11-22 09:00"            # Cy's notice, not Ann's of the 20th
    cy = mails(world, "cy@")
    assert len(cy) == 1 and str(cy[0]["To"]) == "Cy <cy@example.com>"
    assert str(cy[0]["Subject"]) == mails(world, "ann@")[0]["Subject"]     # Cy's first notice: the first kind
    assert "Cy" in text(cy[0]) and "¥4,500.00" in text(cy[0])
    ann = mails(world, "ann@")
    assert len(ann) == 2
    gone = text(ann[1])
    assert str(ann[1]["Subject"]) == "Your referral reward has been updated (R-000001)"
    assert gone.startswith("Dear Ann") or "Ann" in gone.split("\n")[0], gone[:80]
    assert gone.index("¥4,500.00") < gone.index("Now") and "¥4,500.00 less" in gone
    assert len(mails(world, "bo@")) == 1                        # the new customer's benefit did not change
    lines = {(x["recipient"], x["amount"], x["status"]) for x in world.lines() if x["recipient_role"] == "referrer"}
    assert ("Cy", "4500", "notified") in lines and ("Ann", "4500", "void") in lines, lines
    world.sync("2026-11-23")
    assert len(mails(world)) == 4                               # exactly once
    world.full_pass("2026-11-24")
    assert len(mails(world)) == 4 and world.rows()[0]["Status"] == "Notified"


def test_a_referrer_changed_to_one_without_email_is_approved_and_the_row_says_to_tell_them(world):
    world.standard([deal()], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    reapprove(world, "2026-11-21", **{"Referrer": "Cy", "Referrer phone": "13700000003", "Referrer email": None})
    world.sync("2026-11-22")
    row = world.rows()[0]
    assert row["Status"] == "Approved"
    assert row["Problems"] == ("Referrer: the reward notice went to Ann before the referrer was changed to Cy — "
                               "there is no email address for Cy: let them know of their reward (4,500 yuan)")
    assert len(mails(world, "ann@")) == 2                       # Ann hears it no longer holds for her


def test_a_corrected_referrer_email_sends_the_notice_to_the_new_address_and_nothing_to_the_old(world):
    world.standard([deal(**{"Referrer email": "ann@exmaple.com"})], RULES, settings=GM, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    reapprove(world, "2026-11-21", **{"Referrer email": "ann@example.com"})     # the same Ann, her address mended
    world.sync("2026-11-22")
    assert [str(m["To"]) for m in mails(world)] == ["Ann <ann@exmaple.com>", "Bo <bo@example.com>",
                                                   "Ann <ann@example.com>"]
    assert world.rows()[0]["Status"] == "Notified"
    world.sync("2026-11-23")
    assert len(mails(world)) == 3
