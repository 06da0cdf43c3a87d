"""Monthly statements: a month closes once, late lines land in the next open
month, clawbacks show with their reason, totals and year-to-date add up;
`run.py statements` and `run.py digest` from the command line."""
from __future__ import annotations

import email
import html
import email.policy
import shutil
import sqlite3
import subprocess
import sys
from decimal import Decimal

from conftest import ROOT, referral

RULES = [["Recipient", "Fixed", "Rate %", "Reward type"],
         ["referrer", "", "1", "cash"],
         ["signer", "300", "", "cash"],
         ["lead", "150", "", "cash"]]
STAFF = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"], ["Kim", "kim@example.com", "Sales"],
         ["Mona", "mona@example.com", "Sales manager"], ["Nobody", "", "Sales"]]


def deal(n: int, **kw):
    return referral(**{"Referrer": f"R{n}", "Referrer phone": f"1380000000{n}", "New customer": f"Customer{n}",
                       "New customer phone": f"1390000000{n}", "Deal amount": 100000, "Deal date": "2026-10-05",
                       "Signer": "Lee", **kw})


def mails(world, kind_word: str = "") -> list[email.message.EmailMessage]:
    out = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
           for p in sorted((world.dir / "outbox").glob("*.eml"))]
    return [m for m in out if kind_word in str(m["Subject"])]


def statements(world) -> dict[str, str]:
    """To → plain text of every statement in the outbox."""
    return {str(m["To"]): m.get_body(("plain",)).get_content() for m in mails(world)
            if "lee@" in str(m["To"]) or "kim@" in str(m["To"])}


def db(world, q: str):
    con = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


def test_statement_day_closes_last_month_once_and_sends_each_staff_member_theirs(world):
    world.standard([deal(1, Approved=True), deal(2, Approved=True, Lead="Kim"), deal(3)], RULES, staff=STAFF)
    world.sync("2026-10-20")                                   # approved in October
    assert statements(world) == {}
    world.sync("2026-11-01")                                   # statement day (default 1)
    got = statements(world)
    assert sorted(got) == ["Kim <kim@example.com>", "Lee <lee@example.com>"]
    assert "600.00" in got["Lee <lee@example.com>"]            # 2 × 300 signer commission
    assert "150.00" in got["Kim <kim@example.com>"]
    assert "R-000003" in got["Lee <lee@example.com>"]          # awaiting approval: listed for information
    assert ("2026-10",) in db(world, "SELECT period FROM periods")
    world.sync("2026-11-02")
    world.sync("2026-11-15")
    assert len(statements(world)) == 2
    assert [k for (k,) in db(world, "SELECT key FROM messages WHERE kind='statement' ORDER BY key")] == [
        "statement|2026-10|kim@example.com", "statement|2026-10|lee@example.com"]


def test_closed_month_is_frozen_late_lines_and_clawbacks_land_in_the_next(world):
    world.standard([deal(1, Approved=True), deal(2)], RULES, staff=STAFF)
    world.sync("2026-10-20")
    world.sync("2026-11-01")                                   # October closed and sent
    world.set_cell(3, "Approved", True)                        # approved late …
    world.sync("2026-10-25")                                   # … by a backfill dated in the closed month
    world.set_cell(2, "Cancelled", True)                       # the first deal is refunded in November
    world.sync("2026-11-20")
    periods = db(world, "SELECT ref_id, kind, amount, period FROM lines WHERE role='signer' ORDER BY id")
    assert [(r, k, Decimal(a), p) for r, k, a, p in periods] == [
        ("R-000001", "issue", 300, "2026-10"), ("R-000002", "issue", 300, "2026-11"),
        ("R-000001", "reversal", -300, "2026-11")]
    world.sync("2026-12-01")
    text = [m.get_body(("plain",)).get_content() for m in mails(world) if "lee@" in str(m["To"])]
    assert len(text) == 2
    nov = next(t for t in text if "November 2026" in t)
    assert "LATE LINES" in nov and "R-000002 | for October 2026" in nov   # the late line
    assert "-¥300.00" in nov                                             # the clawback
    assert "refunded" in nov or "cancelled" in nov              # with its reason
    assert "This month: ¥0.00" in nov and "Year to date: ¥300.00" in nov


def _cli(world, *args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args, "--config", str(world.config)],
                          capture_output=True, text=True, timeout=120, env=env)


def test_statements_command_shows_then_sends_once(world):
    world.standard([deal(1, Approved=True), deal(2, Approved=True, Lead="Kim")], RULES, staff=STAFF)
    world.sync("2026-10-20")
    shown = _cli(world, "statements", "--period", "2026-10", "--today", "2026-10-28")
    assert shown.returncode == 0, shown.stderr
    assert "lee@example.com" in shown.stdout and "600.00" in shown.stdout and "--send" in shown.stdout
    assert mails(world) == [] and ("2026-10",) not in db(world, "SELECT period FROM periods")
    early = _cli(world, "statements", "--period", "2026-10", "--send", "--today", "2026-10-28")
    assert early.returncode == 2 and "not over" in early.stderr
    dry = _cli(world, "statements", "--period", "2026-10", "--send", "--dry-run", "--today", "2026-11-03")
    assert dry.returncode == 0 and "would send" in dry.stdout and mails(world) == []
    assert "dry run" in dry.stdout and "add --send" not in dry.stdout
    sent = _cli(world, "statements", "--period", "2026-10", "--send", "--today", "2026-11-03")
    assert sent.returncode == 0, sent.stderr
    assert len(mails(world)) == 2 and ("2026-10",) in db(world, "SELECT period FROM periods")
    again = _cli(world, "statements", "--period", "2026-10", "--send", "--today", "2026-11-04")
    assert again.returncode == 0 and len(mails(world)) == 2
    frozen = _cli(world, "statements", "--period", "2026-10", "--today", "2026-11-05")
    assert frozen.returncode == 0 and frozen.stdout.count("sent 20") == 2 and "600.00" in frozen.stdout
    assert "all 2 were sent already" in frozen.stdout
    bad = _cli(world, "statements", "--period", "2026-13")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_digest_goes_to_managers_with_what_waits_for_them(world):
    world.standard([deal(1), deal(2, **{"Deal amount": "garbage"}), deal(3, Approved=True)], RULES, staff=STAFF)
    world.sync("2026-11-20")
    p = _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert p.returncode == 0, p.stderr
    digests = [m for m in mails(world) if "mona@" in str(m["To"])]
    assert len(digests) == 1
    body = digests[0].get_body(("plain",)).get_content()
    assert "R-000001" in body and "R-000002" in body and "1,300.00" in body
    _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert len([m for m in mails(world) if "mona@" in str(m["To"])]) == 1     # once a day


def test_digest_marks_a_managers_own_commission_for_another_manager(world):
    staff = STAFF + [["Otto", "otto@example.com", "Sales manager"]]
    world.standard([deal(1, Signer="Mona"), deal(2)], RULES, staff=staff)
    world.sync("2026-11-20")
    p = _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert p.returncode == 0, p.stderr

    def body(who):
        m = [m for m in mails(world) if f"{who}@" in str(m["To"])][0]
        return m.get_body(("plain",)).get_content(), m.get_body(("html",)).get_content()
    mark = "your own reward or commission: let another manager approve it"
    for text in body("mona"):
        assert text.count(mark) == 1, text
        line = [x for x in text.splitlines() if mark in x][0]
        assert "R-000001" in line and "R-000002" not in line
    assert all(mark not in text for text in body("otto"))


def test_digest_names_a_column_by_its_header_as_the_sheet_spells_it(world):
    header = ["Submitted at", "Referrer", "Referrer phone", "New customer", "New customer phone", "Amount",
              "Deal date", "Signer"]
    world.standard([{k: v for k, v in deal(2, Amount="garbage").items() if k in header}], RULES, staff=STAFF,
                   header=header)
    world.sync("2026-11-20")
    p = _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert p.returncode == 0, p.stderr
    body = [m for m in mails(world) if "mona@" in str(m["To"])][0].get_body(("plain",)).get_content()
    assert 'Amount: "garbage"' in body and "Deal amount" not in body, body


def test_demo_statements_render_for_the_current_month(tmp_path):
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.example.toml")
    cfg = str(tmp_path / "config.example.toml")
    run = [sys.executable, str(ROOT / "run.py")]
    assert subprocess.run(run + ["sync", "--config", cfg, "--today", "2026-11-23"], capture_output=True,
                          timeout=300).returncode == 0
    p = subprocess.run(run + ["statements", "--period", "2026-11", "--config", cfg, "--today", "2026-11-23"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "liming@example.com" in p.stdout and "2026年11月" in p.stdout


def test_a_statement_without_an_email_is_named_in_the_pass_output(world):
    world.standard([deal(1, Approved=True, Signer="Nobody")], RULES, staff=STAFF)
    world.sync("2026-10-20")
    result = world.sync("2026-11-01")
    texts = [w.text.render("en") for w in result.warnings]
    assert any("Nobody" in t and "2026-10" in t and "Email column" in t for t in texts), texts


def test_a_row_changed_after_approval_shows_only_the_difference_as_pending_and_nobody_asks_themselves(world):
    staff = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales manager"],
             ["Mona", "mona@example.com", "Sales manager"]]
    rules = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"], ["signer", "0.1", "cash"]]
    world.standard([deal(1, Approved=True), deal(2, Approved=True)], rules, staff=staff)
    world.sync("2026-10-20")                                   # 100 signer commission issued on each row
    world.set_cell(3, "Deal amount", 150000)                   # row 2 changed after approval: 150 would be due
    world.sync("2026-10-21")
    assert world.status()[1] == "Awaiting approval"
    world.sync("2026-11-01")
    lee = statements(world)["Lee <lee@example.com>"]
    month, _, pending = lee.partition("NOT PAYABLE YET")
    assert "R-000002" in pending and "50.00" in pending and "150.00" not in pending   # only what re-approval adds
    assert "please contact Mona" in lee and "please contact Lee" not in lee


def test_digest_of_a_day_the_rules_cannot_be_read_tells_the_managers_what_stops_the_worker(world):
    bad = RULES[:1] + [["referrer", "", "three", "cash"]] + RULES[2:]
    world.standard([deal(1)], bad, staff=STAFF)
    refused = _cli(world, "sync", "--today", "2026-11-20")
    assert refused.returncode == 2 and mails(world) == []          # sync itself sends nothing

    shown = _cli(world, "digest", "--today", "2026-11-20")         # without --send: shown, nothing sent
    assert shown.returncode == 2 and "Rules tab, cell C2" in shown.stdout and mails(world) == []

    p = _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert p.returncode == 2 and "Rules tab, cell C2" in p.stderr     # still a refused workbook
    assert "manager digest 2026-11-20: 1 message(s); sent now 1" in p.stdout
    digests = mails(world)
    assert [str(m["To"]) for m in digests] == ["Mona <mona@example.com>"]
    assert str(digests[0]["Subject"]) == "Referral rewards stopped: 1 problem(s) in the workbook to fix (2026-11-20)"
    for body in (digests[0].get_body(("plain",)).get_content(),
                 html.unescape(digests[0].get_body(("html",)).get_content())):
        assert 'Rules tab, cell C2 (Rate %): "three" is not a percentage' in body, body
        assert "Referral rewards have stopped" in body and "Nothing is waiting" not in body
    _cli(world, "digest", "--send", "--today", "2026-11-20")
    assert len(mails(world)) == 1                                     # that day's digest: once

    world.standard([deal(1)], RULES, staff=STAFF)                     # fixed the same day: the real digest still goes
    assert _cli(world, "sync", "--today", "2026-11-20").returncode == 0
    assert _cli(world, "digest", "--send", "--today", "2026-11-20").returncode == 0
    normal = [m for m in mails(world) if "stopped" not in str(m["Subject"])]
    assert len(normal) == 1 and "R-000001" in normal[0].get_body(("plain",)).get_content()
    assert len(mails(world)) == 2


def test_digest_says_when_a_referral_needs_the_gm_too_and_what_its_amount_is(world):
    world.standard([deal(1)], RULES, {"second_approval_over": "500"}, staff=STAFF)
    world.sync("2026-11-20")
    assert _cli(world, "digest", "--send", "--today", "2026-11-20").returncode == 0
    body = [m for m in mails(world) if "mona@" in str(m["To"])][0].get_body(("plain",)).get_content()
    line = [x for x in body.splitlines() if "R-000001" in x][0]
    assert "cash ¥1,300.00" in line and line.endswith("needs approval, then GM approval"), line


def test_digest_shows_a_voucher_the_approval_gives_not_only_cash(world):
    rules = [["Recipient", "Fixed", "Reward type", "Item"], ["referrer", "800", "voucher", "购物卡"]]
    world.standard([deal(1)], rules, staff=STAFF)
    world.sync("2026-11-20")
    assert _cli(world, "digest", "--send", "--today", "2026-11-20").returncode == 0
    body = [m for m in mails(world) if "mona@" in str(m["To"])][0].get_body(("plain",)).get_content()
    line = [x for x in body.splitlines() if "R-000001" in x][0]
    assert "cash ¥0.00 + 购物卡 (800)" in line, line
