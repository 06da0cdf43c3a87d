"""Reward and welcome notices: sent once from a pass, shown on the row, never twice.

Real parts: the .xlsx workbook, the SQLite ledger, the outbox folder and a
real SMTP server (aiosmtpd, STARTTLS and login) on 127.0.0.1.
"""
from __future__ import annotations

import email
import email.policy
import sqlite3

import pytest

from conftest import REF_HEADER, referral
from smtp_server import make_smtp_server, smtp_server  # noqa: F401  (fixtures)

HEADER = REF_HEADER + ["New customer email"]
RULES = [["Recipient", "Rate %", "Fixed", "Reward type", "Item"],
         ["referrer", "1", "", "cash", ""],
         ["new customer", "", "500", "discount", "500 off the first invoice"]]
STAFF = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"], ["Mona", "mona@example.com", "Sales manager"]]


def deal(**kw):
    return referral(**{"Deal amount": 123456, "Deal date": "2026-10-05", "Signer": "Lee",
                       "Referrer email": "ann@example.com", "New customer email": "bo@example.com", **kw})


def outbox(world) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((world.dir / "outbox").glob("*.eml"))]


def messages(world) -> list[tuple]:
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return db.execute("SELECT key, state, to_addr FROM messages ORDER BY key").fetchall()
    finally:
        db.close()


def history(world) -> list[tuple]:
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return db.execute("SELECT key, state FROM message_events ORDER BY id").fetchall()
    finally:
        db.close()


def use_smtp(world, server, monkeypatch) -> None:
    text = world.config.read_text(encoding="utf-8")
    head, _, rest = text.partition("[mail]")
    rest = rest[rest.index("[ledger]"):]
    world.config.write_text(head + server.mail_toml() + rest, encoding="utf-8")
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)


def test_approved_row_gets_its_notices_once_and_shows_notified(world):
    world.standard([deal(Approved=True), deal(**{"New customer": "Cy", "New customer phone": "13900000002"})],
                   RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    got = outbox(world)
    assert sorted(str(m["To"]) for m in got) == ["Ann <ann@example.com>", "Bo <bo@example.com>"]
    rows = world.rows()
    assert rows[0]["Status"] == "Notified" and rows[0]["Notice sent"] == "2026-11-20 09:00"
    assert rows[1]["Status"] == "Awaiting approval" and rows[1]["Notice sent"] is None
    assert [m[:2] for m in messages(world)] == [("reward_notice|R-000001", "sent"),
                                               ("welcome_notice|R-000001", "sent")]
    # later passes, and approving the second row, never send the first ones again
    world.sync("2026-11-21")
    world.set_cell(3, "Approved", True)
    world.sync("2026-11-22")
    world.sync("2026-11-23")
    keys = [k for k, state in history(world) if state == "sent"]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 4
    assert len(outbox(world)) == 4
    assert [r["Status"] for r in world.rows()] == ["Notified", "Notified"]
    assert [x["status"] for x in world.lines() if x["recipient_role"] == "referrer"] == ["notified", "notified"]


def test_two_ledgers_never_give_their_notices_the_same_message_id(world, tmp_path):
    from conftest import World
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    (tmp_path / "second_site").mkdir()
    other = World(tmp_path / "second_site")            # another site, or a ledger started afresh
    other.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    other.sync("2026-11-20")
    ids, other_ids = ({str(m["To"]): m["Message-ID"] for m in outbox(w)} for w in (world, other))
    assert ids.keys() == other_ids.keys() == {"Ann <ann@example.com>", "Bo <bo@example.com>"}
    assert not set(ids.values()) & set(other_ids.values())       # a mail program keeps both
    world.full_pass("2026-11-21")
    assert {str(m["To"]): m["Message-ID"] for m in outbox(world)} == ids
    from workflow.ledger import Ledger
    fresh = Ledger(tmp_path / "fresh.sqlite")         # made with the ledger: a dry run writes nothing for it
    try:
        assert len(fresh.db.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()[0]) == 32
    finally:
        fresh.close()


def test_notice_content_masks_other_people_and_escapes_sheet_text(world):
    world.standard([deal(Approved=True, **{"New customer": "<b>Bo & Co</b>", "New customer phone": "13800138000"})],
                   RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    notice = next(m for m in outbox(world) if "ann@example.com" in str(m["To"]))
    text = notice.get_body(("plain",)).get_content()
    html = notice.get_body(("html",)).get_content()
    assert "1,234.56" in text and "1,234.56" in html        # 1 % of 123 456, to the cent
    assert "138****8000" in text and "13800138000" not in text + html
    assert "Bo & Co" not in text and "<b>" not in html     # the other person's name is masked
    assert "R-000001" in str(notice["Subject"])
    assert notice["Message-ID"].endswith("@example.com>")


def test_no_email_means_no_notice_and_the_row_stays_approved(world):
    world.standard([deal(Approved=True, **{"Referrer email": None, "New customer email": None})], RULES,
                   staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    assert outbox(world) == [] and world.status() == ["Approved"]


def test_smtp_notices_over_starttls_with_login(world, smtp_server, monkeypatch):
    use_smtp(world, smtp_server, monkeypatch)
    world.standard([deal(Approved=True), deal(Approved=True, **{"New customer": "Cy", "New customer phone": "13900000002",
                                                               "Referrer email": "dee@example.com",
                                                               "New customer email": "cy@example.com"})],
                   RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    got = smtp_server.messages
    assert sorted(str(m["To"]) for m in got) == ["Ann <ann@example.com>", "Ann <dee@example.com>",
                                                  "Bo <bo@example.com>", "Cy <cy@example.com>"]
    assert smtp_server.connections == 1                       # one connection for the whole batch
    for m in got:
        assert m.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in m.iter_parts()] == ["text/plain", "text/html"]
    assert len(set(smtp_server.message_ids())) == 4
    world.sync("2026-11-21")
    assert smtp_server.count() == 4


def test_server_down_leaves_approved_with_the_reason_and_retries_later(world, make_smtp_server, monkeypatch):
    server = make_smtp_server()
    use_smtp(world, server, monkeypatch)
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    server.stop()
    world.sync("2026-11-20")
    row = world.rows()[0]
    assert row["Status"] == "Approved"
    assert "Notice not sent" in row["Problems"] and "cannot connect" in row["Problems"]
    assert {state for _, state, _ in messages(world)} == {"failed"}
    server.start()                                            # the same port may be gone: point at the new one
    use_smtp(world, server, monkeypatch)
    world.sync("2026-11-21")                                  # a day later: past the back-off
    assert server.count() == 2 and world.status() == ["Notified"]
    assert world.rows()[0]["Problems"] is None


def test_refused_address_is_a_problem_on_the_row_until_corrected(world, smtp_server, monkeypatch):
    use_smtp(world, smtp_server, monkeypatch)
    smtp_server.refuse_address("ann@example.com", 550)
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    row = world.rows()[0]
    assert "refused" in row["Problems"] and "ann@example.com" in row["Problems"]
    assert [str(m["To"]) for m in smtp_server.messages] == ["Bo <bo@example.com>"]
    world.sync("2026-11-22")                                   # not retried to the same address
    assert smtp_server.count() == 1
    world.set_cell(2, "Referrer email", "ann@example.org")
    world.sync("2026-11-23")                                   # the email is part of what was approved
    assert world.status() == ["Awaiting approval"]
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-23")
    assert sorted(str(m["To"]) for m in smtp_server.messages) == ["Ann <ann@example.org>", "Bo <bo@example.com>"]


def test_missing_password_variable_stops_sending_not_the_pass(world, smtp_server, monkeypatch):
    use_smtp(world, smtp_server, monkeypatch)
    monkeypatch.delenv("REFERRAL_SMTP_PASSWORD", raising=False)
    world.config.write_text(world.config.read_text().replace('password_env = "', 'password_env = "NOPE_'))
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    result = world.sync("2026-11-20")
    assert smtp_server.count() == 0 and world.status() == ["Approved"]
    assert "NOPE_" in world.rows()[0]["Problems"]
    assert any("NOPE_" in w.text.render("en") for w in result.warnings)
    assert smtp_server.password not in world.rows()[0]["Problems"]


def test_broken_template_stops_that_notice_not_the_pass(world, monkeypatch, tmp_path):
    import shutil

    from workflow import notify
    templates = tmp_path / "templates"
    shutil.copytree(notify.TEMPLATES, templates)
    (templates / "reward_notice.en.txt").write_text("Hello {{ referrer }\n", encoding="utf-8")
    monkeypatch.setattr(notify, "TEMPLATES", templates)
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    row = world.rows()[0]
    assert row["Status"] == "Approved" and "reward_notice.en.txt" in row["Problems"]
    assert [str(m["To"]) for m in outbox(world)] == ["Bo <bo@example.com>"]   # the welcome still went
    (templates / "reward_notice.en.txt").write_text("Hello {{ referrer }}\n", encoding="utf-8")
    world.sync("2026-11-21")
    assert len(outbox(world)) == 2 and world.status() == ["Notified"]


@pytest.mark.parametrize("value", ["ann@example.com\r\nBcc: evil@example.com", "Ann\nBcc: x@y.z <a@b.c>"])
def test_header_injection_in_the_sheet_never_reaches_a_header(world, value):
    world.standard([deal(Approved=True, Referrer=value)], RULES, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    for m in outbox(world):
        assert m["Bcc"] is None
        assert all("\n" not in str(v) and "\r" not in str(v) for v in m.values())


def test_check_names_a_broken_template_with_file_and_line(world, monkeypatch, tmp_path):
    import shutil
    import subprocess
    import sys

    from conftest import ROOT
    from workflow import notify
    world.standard([deal(Approved=True)], RULES, staff=STAFF, header=HEADER)
    ok = world.cli("check")
    assert ok.returncode == 0 and "template" not in ok.stdout.lower()
    templates = tmp_path / "templates"
    shutil.copytree(notify.TEMPLATES, templates)
    (templates / "statement.en.txt").write_text("Line one\n{% for x in lines %}\n", encoding="utf-8")
    code = ("import sys, pathlib; sys.path.insert(0, sys.argv[1]); from workflow import notify, cli; "
            "notify.TEMPLATES = pathlib.Path(sys.argv[2]); sys.exit(cli.main(['check', '--config', sys.argv[3]]))")
    p = subprocess.run([sys.executable, "-c", code, str(ROOT), str(templates), str(world.config)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr                      # a template stops mail, not sync
    assert "statement.en.txt" in p.stdout and "line 2" in p.stdout.lower()


def as_schema_2(path) -> None:
    """The ledger as the worker left it before it had messages (schema 2): no message,
    message-history or period tables."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for table in ("message_events", "periods"):
            for op in ("update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        db.executescript("BEGIN; DROP TABLE messages; DROP TABLE message_events; DROP TABLE periods; "
                         "PRAGMA user_version=2; COMMIT;")
    finally:
        db.close()


def test_ledger_upgraded_from_before_notices_sends_none_for_referrals_approved_before(world, monkeypatch):
    """Referrals approved or paid under a schema-2 ledger (no notices then) get no notice after the
    upgrade — the referrers of months ago are not suddenly mailed — and the ledger says why; a
    referral approved after the upgrade gets its notices as usual."""
    import workflow.sync
    from workflow.ledger import NOT_DUE_REASON
    from workflow.notify import NoticeOutcome
    other = {"Referrer": "Dee", "Referrer phone": "13800000002", "Referrer email": "dee@example.com",
             "New customer": "Cy", "New customer phone": "13900000002", "New customer email": "cy@example.com"}
    later = {"Referrer": "Eve", "Referrer phone": "13800000003", "Referrer email": "eve@example.com",
             "New customer": "Fay", "New customer phone": "13900000003", "New customer email": "fay@example.com"}
    world.standard([deal(Approved=True), deal(Approved=True, Paid=True, **other), deal(**later)], RULES,
                   staff=STAFF, header=HEADER)
    with monkeypatch.context() as m:               # the worker before notices: a pass without them
        m.setattr(workflow.sync, "notify", lambda *args, **kw: NoticeOutcome())
        world.sync("2026-11-20")
    assert world.status() == ["Approved", "Paid", "Awaiting approval"]
    as_schema_2(world.dir / "ledger.sqlite")
    before = {p.name for p in (world.dir / "outbox").glob("*.eml")}

    world.set_cell(4, "Approved", True)            # approved after the upgrade
    world.sync("2026-11-21")
    world.sync("2026-11-22")
    new = [m for m in outbox(world) if m["Message-ID"] and not any(m["Message-ID"].strip("<>") in n for n in before)]
    notices = sorted(str(m["To"]) for m in new if "R-0000" in str(m["Subject"]))
    assert notices == ["Eve <eve@example.com>", "Fay <fay@example.com>"]
    rows = world.rows()
    assert [r["Status"] for r in rows] == ["Approved", "Paid", "Notified"]
    assert [r["Notice sent"] for r in rows] == [None, None, "2026-11-21 09:00"]
    assert [r["Problems"] for r in rows[:2]] == [None, None]              # nothing to fix on the old rows
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 6
        states = db.execute("SELECT key, state, error FROM messages ORDER BY key").fetchall()
        told = db.execute("SELECT key, state FROM message_events WHERE key LIKE '%R-000001' ORDER BY id").fetchall()
    finally:
        db.close()
    assert [(k, s) for k, s, _ in states] == [
        ("reward_notice|R-000001", "not_due"), ("reward_notice|R-000002", "not_due"),
        ("reward_notice|R-000003", "sent"), ("welcome_notice|R-000001", "not_due"),
        ("welcome_notice|R-000002", "not_due"), ("welcome_notice|R-000003", "sent")]
    assert all(e == NOT_DUE_REASON for _, s, e in states if s == "not_due")
    assert "schema 3" in NOT_DUE_REASON and "第 3 版" in NOT_DUE_REASON
    assert told == [("reward_notice|R-000001", "not_due"), ("welcome_notice|R-000001", "not_due")]


MILESTONES = [["Recipient", "Count", "Period", "Mode", "Reward type", "Amount", "Item"],
              ["referrer", 2, "year", "each", "cash", 2000, ""]]


def two_deals(second_approved: bool):
    return [deal(Approved=True),
            deal(Approved=second_approved, **{"New customer": "Cy", "New customer phone": "13900000002",
                                              "New customer email": "cy@example.com", "Deal date": "2026-10-06"})]


def test_a_milestone_reached_is_announced_once_to_the_referrer(world):
    world.standard(two_deals(False), RULES, staff=STAFF, header=HEADER + ["Notes"], milestones=MILESTONES)
    world.sync("2026-11-20")
    assert not [m for m in outbox(world) if "milestone" in str(m["Subject"])]
    world.set_cell(3, "Approved", True)                 # Ann's second approved referral: the step of 2 in 2026
    world.sync("2026-11-21")
    got = [m for m in outbox(world) if "milestone" in str(m["Subject"])]
    assert [str(m["To"]) for m in got] == ["Ann <ann@example.com>"]
    assert str(got[0]["Subject"]) == "You reached a referral milestone: 2 referrals in 2026"
    text = got[0].get_body(("plain",)).get_content()
    assert "¥2,000.00" in text and "R-000002" in text and "Cy" not in text
    assert ("milestone_notice|R-000002|Milestones:2:2026:2", "sent", "ann@example.com") in messages(world)
    assert [r["Status"] for r in world.rows()] == ["Notified", "Notified"]
    world.sync("2026-11-22")
    world.set_cell(3, "Notes", "called her")            # a full pass again: nothing goes twice
    world.sync("2026-11-23")
    assert len([m for m in outbox(world) if "milestone" in str(m["Subject"])]) == 1
    exported = [(l["recipient_role"], l["status"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert exported == [("milestone", "notified")]          # its own notice told of it


def test_milestones_issued_before_the_upgrade_to_milestone_notices_are_not_announced(world):
    world.standard(two_deals(True), RULES, staff=STAFF, header=HEADER + ["Notes"], milestones=MILESTONES)
    world.sync("2026-11-20")                            # the step is issued (and, with this code, announced)
    db = sqlite3.connect(world.dir / "ledger.sqlite", isolation_level=None)
    try:                                                # as a schema-3 ledger had it: no milestone notice yet
        for op in ("update", "delete"):
            db.execute(f"DROP TRIGGER IF EXISTS message_events_no_{op}")
        db.executescript("BEGIN; DELETE FROM message_events WHERE key LIKE 'milestone_notice|%'; "
                         "DELETE FROM messages WHERE kind = 'milestone_notice'; PRAGMA user_version=3; COMMIT;")
    finally:
        db.close()
    for p in (world.dir / "outbox").glob("*.eml"):
        p.unlink()
    world.set_cell(2, "Notes", "edited")                # a full pass on the upgraded ledger
    world.sync("2026-11-21")
    assert outbox(world) == []
    rows = [r for r in messages(world) if r[0].startswith("milestone_notice|")]
    assert rows == [("milestone_notice|R-000002|Milestones:2:2026:2", "not_due", "")]


def test_the_default_sender_signs_in_the_mails_language_and_a_named_one_as_configured(world):
    world.standard([deal(Approved=True)], RULES, settings={"language": "zh"}, staff=STAFF, header=HEADER)
    world.sync("2026-11-20")
    bodies = [m.get_body(("plain",)).get_content() for m in outbox(world)]
    assert bodies and all("推荐奖励组" in b and "Referral desk" not in b for b in bodies)
    assert all(str(m["From"]) == "推荐奖励组 <rewards@example.com>" for m in outbox(world))   # the example name, in Chinese
    for p in (world.dir / "outbox").glob("*.eml"):
        p.unlink()
    world.config.write_text(world.config.read_text(encoding="utf-8").replace(
        'outbox = "outbox"', 'outbox = "outbox"\nfrom = "星河口腔 <desk@example.com>"'), encoding="utf-8")
    world.standard([deal(Approved=True, **{"New customer": "Cy", "New customer phone": "13900000002"})], RULES,
                   settings={"language": "zh"}, staff=STAFF, header=HEADER)
    world.sync("2026-11-21")
    new = outbox(world)
    assert new and all("星河口腔" in m.get_body(("plain",)).get_content() for m in new)


def test_a_mails_date_is_on_the_workbooks_clock(world):
    world.standard([deal(Approved=True)], RULES, settings={"timezone": "Asia/Shanghai"}, staff=STAFF, header=HEADER)
    p = world.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 0, p.stderr
    dates = [m["Date"] for m in outbox(world)]
    assert dates and all(str(d).endswith("+0800") for d in dates), dates
    assert all(d.datetime.utcoffset().total_seconds() == 8 * 3600 for d in dates)
