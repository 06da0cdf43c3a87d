"""`run.py serve`: the scheduled worker, with real parts.

The schedule is tested without waiting: the Worker's real APScheduler triggers
are asked for their next fire times (`trigger.get_next_fire_time(prev, now)`)
over a simulated week, and each job runs with the clock set to its fire time —
real passes on a real .xlsx workbook, a real SQLite ledger, the outbox folder.
The process behaviour (one worker per workbook, SIGTERM) runs `run.py serve`
as a subprocess.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT, referral
from workflow.passlock import PassLock
from workflow.serve import Worker, workbook_timezone

TZ = ZoneInfo("Asia/Shanghai")
RULES = [["Recipient", "Fixed", "Reward type", "Item"],
         ["referrer", "", "gift", "Photo album"],
         ["signer", "300", "cash", ""],
         ["lead", "100", "cash", ""]]
STAFF = [["Name", "Email", "Role"],
         ["Lee", "lee@example.com", "Designer"],
         ["Kim", "kim@example.com", "Photographer"],
         ["Mona", "mona@example.com", "Store manager"]]


def deal(n: int, **kw) -> dict:
    return referral(**{"Referrer": f"Ann{n}", "Referrer phone": f"1380000000{n}", "New customer": f"Bo{n}",
                       "New customer phone": f"1390000000{n}", "Deal amount": 20000,
                       "Deal date": f"2026-11-0{n}", "Signer": "Lee", "Lead": "Kim", "Approved": True, **kw})


def schedule(world, every_minutes=360, digest="daily", weekday="mon") -> None:
    world.config.write_text(world.config.read_text(encoding="utf-8") + f"""[worker]
every_minutes = {every_minutes}
[statements]
time = "08:00"
[digest]
schedule = "{digest}"
time = "08:30"
weekday = "{weekday}"
""", encoding="utf-8")


class Clock:
    """The injected clock: a simulated now the test moves."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def simulate(worker: Worker, clock: Clock, start: dt.datetime, end: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Run every job at each fire time its real trigger gives between start and end, in time order."""
    triggers = worker.triggers(start)
    due = {name: t.get_next_fire_time(None, start) for name, t in triggers.items()}
    order = list(triggers)
    ran = []
    while True:
        name, when = min(((n, w) for n, w in due.items() if w), key=lambda x: (x[1], order.index(x[0])))
        if when > end:
            return ran
        clock.now = when
        worker.run(name)
        ran.append((name, when))
        due[name] = triggers[name].get_next_fire_time(when, when)


def outbox(world) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((world.dir / "outbox").glob("*.eml"))]


def sent_events(world, prefix: str) -> list[tuple[str, str]]:
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return db.execute("SELECT key, at FROM message_events WHERE state='sent' AND key LIKE ? ORDER BY id",
                          (prefix + "%",)).fetchall()
    finally:
        db.close()


def worker_for(world, clock: Clock) -> tuple[Worker, io.StringIO]:
    out = io.StringIO()
    return Worker(world.cfg(), "Asia/Shanghai", "en", clock=clock, out=out, err=io.StringIO()), out


def at(day: str, hhmm: str = "00:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=TZ)


# ---------------------------------------------------------------- the schedule, with an injected clock

def test_a_statement_day_passes_and_exactly_one_statement_run_happens(world):
    schedule(world)
    world.standard([deal(2), deal(3), deal(4, **{"Signer": "Lee", "Lead": None})], RULES, staff=STAFF)
    clock = Clock(at("2026-11-28"))
    worker, out = worker_for(world, clock)
    ran = simulate(worker, clock, at("2026-11-28"), at("2026-12-03", "23:59"))
    assert [w for n, w in ran if n == "statements"] == [at(f"2026-{d}", "08:00") for d in
                                                         ("11-28", "11-29", "11-30", "12-01", "12-02", "12-03")]
    assert len([1 for n, _ in ran if n == "sync"]) == 24

    # the statements of November went once, on 1 December at 08:00, one per staff member with lines
    statements = [m for m in outbox(world) if "commission statement" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in statements) == ["Kim <kim@example.com>", "Lee <lee@example.com>"], \
        out.getvalue()
    assert {str(m["Subject"]) for m in statements} == {"Your commission statement for November 2026"}
    sent = sent_events(world, "statement|")
    assert sorted(k for k, _ in sent) == ["statement|2026-11|kim@example.com", "statement|2026-11|lee@example.com"]
    assert {when[:16] for _, when in sent} == {"2026-12-01T08:00"}
    lee = next(m for m in statements if "lee@" in str(m["To"]))
    assert "900" in lee.get_body(("plain",)).get_content()          # 3 × 300 signer commission

    log = out.getvalue().splitlines()
    assert [ln for ln in log if "statements sent 2" in ln] == [
        "2026-12-01 08:00 statements: 3 rows, 0 changed, 0 notices sent, 0 to fix, statements sent 2"]
    assert len([ln for ln in log if re.fullmatch(r"\S+ \S+ statements: .*, statements sent 0", ln)]) == 5
    assert not [ln for ln in log if "failed" in ln], log


def test_daily_digest_goes_every_day_at_its_time(world):
    schedule(world)
    world.standard([deal(2), deal(3, Approved=None)], RULES, staff=STAFF)
    clock = Clock(at("2026-11-28"))
    worker, out = worker_for(world, clock)
    ran = simulate(worker, clock, at("2026-11-28"), at("2026-12-03", "23:59"))
    days = ["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]
    assert [w for n, w in ran if n == "digest"] == [at(d, "08:30") for d in days]
    sent = sent_events(world, "digest|")
    assert [k for k, _ in sent] == [f"digest|{d}|mona@example.com" for d in days]
    assert [when[:16] for _, when in sent] == [f"{d}T08:30" for d in days]
    digests = [m for m in outbox(world) if str(m["Subject"]).startswith("Referral rewards:")]
    assert len(digests) == 6 and {str(m["To"]) for m in digests} == {"Mona <mona@example.com>"}
    assert "1 awaiting your approval" in str(digests[0]["Subject"])
    lines = [ln for ln in out.getvalue().splitlines() if " digest" in ln]
    assert lines == [f"{d} 08:30 digest: 1 sent, 0 sent before, 0 not sent" for d in days]


def test_a_day_the_rules_cannot_be_read_the_digest_tells_the_managers_what_stops_the_worker(world):
    schedule(world)
    bad = [RULES[0], ["signer", "three hundred", "cash", ""]]
    world.standard([deal(2)], bad, staff=STAFF)
    clock = Clock(at("2026-11-28"))
    worker, out = worker_for(world, clock)
    ran = simulate(worker, clock, at("2026-11-28"), at("2026-11-29", "23:59"))
    assert [w for n, w in ran if n == "digest"] == [at("2026-11-28", "08:30"), at("2026-11-29", "08:30")]
    digests = sorted(outbox(world), key=lambda m: str(m["Subject"]))   # the passes send nothing;
    assert [str(m["Subject"]) for m in digests] == [                          # each day's digest says why
        f"Referral rewards stopped: 1 problem(s) in the workbook to fix ({d})" for d in ("2026-11-28", "2026-11-29")]
    body = digests[0].get_body(("plain",)).get_content()
    assert 'Rules tab, cell B2 (Fixed): "three hundred"' in body, body
    log = out.getvalue().splitlines()
    digest_lines = [ln for ln in log if " digest" in ln]
    assert len(digest_lines) == 2 and digest_lines[0].startswith(
        "2026-11-28 08:30 digest: 1 sent, 0 sent before, 0 not sent — what stops the worker, not the day's "
        'figures: Rules tab, cell B2 (Fixed): "three hundred"'), digest_lines
    assert all("failed" in ln for ln in log if " sync" in ln)


def test_weekly_digest_goes_on_its_weekday_only_and_off_means_none(world):
    schedule(world, every_minutes=1440, digest="weekly", weekday="wednesday")
    world.standard([deal(2, Approved=None)], RULES, staff=STAFF)
    clock = Clock(at("2026-11-28"))
    worker, _ = worker_for(world, clock)
    ran = simulate(worker, clock, at("2026-11-28"), at("2026-12-10", "23:59"))
    assert [w for n, w in ran if n == "digest"] == [at("2026-12-02", "08:30"), at("2026-12-09", "08:30")]
    assert [k for k, _ in sent_events(world, "digest|")] == ["digest|2026-W49|mona@example.com",
                                                             "digest|2026-W50|mona@example.com"]

    world.config.write_text(world.config.read_text(encoding="utf-8").replace('"weekly"', '"off"'),
                            encoding="utf-8")
    worker, _ = worker_for(world, clock)
    assert sorted(worker.triggers(at("2026-12-11"))) == ["statements", "sync"]


def test_the_schedule_runs_in_the_workbooks_time_zone_read_at_start(world):
    schedule(world)
    world.standard([deal(2)], RULES, staff=STAFF, settings={"timezone": "Europe/Berlin"})
    timezone, lang, problem = workbook_timezone(world.cfg())
    assert (timezone, lang, problem) == ("Europe/Berlin", "en", None)
    worker = Worker(world.cfg(), timezone, lang)
    berlin = ZoneInfo("Europe/Berlin")
    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=berlin)
    fire = worker.triggers(start)["statements"].get_next_fire_time(None, start)
    assert fire == dt.datetime(2026, 11, 29, 8, 0, tzinfo=berlin)
    assert fire.utcoffset() == dt.timedelta(hours=1)
    assert worker.clock().tzinfo == berlin                           # real now, in the workbook's zone

    world.path.unlink()                                              # unreadable at start: the default, said why
    timezone, lang, problem = workbook_timezone(world.cfg())
    assert timezone == "Asia/Shanghai" and problem is not None
    assert "book.xlsx" in problem.render("en") and "Asia/Shanghai" in problem.render("en")
    assert "Asia/Shanghai" in problem.render("zh")


def test_jobs_are_scheduled_one_at_a_time_with_missed_runs_coalesced(world):
    from apscheduler.schedulers.background import BackgroundScheduler
    schedule(world, every_minutes=5)
    worker, _ = worker_for(world, Clock(at("2026-11-28", "10:02")))
    scheduler = BackgroundScheduler(timezone=TZ)
    worker.schedule(scheduler, at("2026-11-28", "10:02"))
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert sorted(jobs) == ["digest", "statements", "sync"]
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    assert jobs["sync"].misfire_grace_time == 150 and jobs["statements"].misfire_grace_time == 12 * 3600
    now = at("2026-11-28", "10:03")
    assert jobs["sync"].trigger.get_next_fire_time(at("2026-11-28", "10:02"), now) == at("2026-11-28", "10:07")
    assert jobs["statements"].trigger.get_next_fire_time(None, now) == at("2026-11-29", "08:00")


# ---------------------------------------------------------------- one line per pass

def test_each_pass_logs_one_plain_line_and_a_failure_logs_its_reason(world):
    world.standard([deal(2), deal(3, Approved=None), deal(4, **{"Deal amount": "lots"}),
                    deal(5, **{"Referrer email": "ann5@example.com"})], RULES, staff=STAFF)
    clock = Clock(at("2026-11-23", "09:05"))
    worker, out = worker_for(world, clock)
    assert worker.run("sync") == "2026-11-23 09:05 sync: 4 rows, 4 changed, 1 notices sent, 1 to fix"

    # unusable rules: one line with the reason, nothing else; serving goes on
    world.edit(lambda ws: ws.cell(2, 2, "a lot"), "Rules")
    clock.now = at("2026-11-23", "09:10")
    line = worker.run("sync")
    assert line.startswith("2026-11-23 09:10 sync failed: Rules") and "\n" not in line
    assert "Traceback" not in out.getvalue() + worker.err.getvalue()

    # an unexpected error: its traceback on stderr, one line on stdout, and the next pass works
    good = worker.cfg.tab_names
    worker.cfg.tab_names = 5
    clock.now = at("2026-11-23", "09:15")
    line = worker.run("sync")
    assert line.startswith("2026-11-23 09:15 sync failed: an unexpected error (AttributeError")
    assert "Traceback" in worker.err.getvalue()
    worker.cfg.tab_names = good
    world.edit(lambda ws: setattr(ws.cell(2, 2), "value", None), "Rules")
    clock.now = at("2026-11-23", "09:20")
    assert worker.run("sync") == "2026-11-23 09:20 sync: 4 rows, 0 changed, 0 notices sent, 1 to fix"
    assert len(out.getvalue().splitlines()) == 4


def test_log_line_is_in_the_workbook_language(world):
    world.standard([deal(2)], RULES, staff=STAFF, settings={"language": "zh"})
    clock = Clock(at("2026-11-23", "09:05"))
    worker, _ = worker_for(world, clock)
    assert worker.run("sync") == "2026-11-23 09:05 同步：1 行，1 行有变化，发出通知 0 封，0 行待修正"


# ---------------------------------------------------------------- the process: one worker, SIGTERM

def start_serve(world) -> tuple[subprocess.Popen, list[str]]:
    """`run.py serve` in the background; its stdout lines collect in the returned list."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--config", str(world.config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=world.dir)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    return proc, lines


def wait_for(lines: list[str], text: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in ln for ln in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"serve never printed {text!r}: {lines} {proc.stderr.read()}")
        time.sleep(0.05)


def test_a_second_serve_on_the_same_workbook_refuses_to_start(world):
    world.standard([deal(2)], RULES, staff=STAFF)
    first, lines = start_serve(world)
    try:
        wait_for(lines, " sync: 1 rows", first)
        second = world.cli("serve")
        assert second.returncode == 3
        assert "another `run.py serve` already runs on this workbook" in second.stderr
        assert "已有另一个 `run.py serve` 在处理该工作簿" in second.stderr
        assert "ledger.sqlite.serve.lock" in second.stderr
        assert first.poll() is None                          # the first one keeps serving
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    assert lines[-1].rstrip().endswith("stopped")


def test_sigterm_during_a_pass_finishes_it_and_exits_0(world):
    world.standard([deal(2), deal(3, **{"Referrer email": "ann3@example.com"})], RULES, staff=STAFF)
    with PassLock(world.cfg().ledger_path):          # the first pass waits here: it is under way
        proc, lines = start_serve(world)
        wait_for(lines, "serving", proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert proc.poll() is None, "serve stopped in the middle of its pass"
        assert world.status() == [None, None]
    assert proc.wait(60) == 0, proc.stderr.read()
    text = "".join(lines)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d sync: 2 rows, 2 changed, 1 notices sent, 0 to fix$", text, re.M)
    assert lines[-1].rstrip().endswith("stopped")
    assert world.status() == ["Approved", "Notified"]
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert {s for (s,) in db.execute("SELECT state FROM messages")} == {"sent"}
    finally:
        db.close()
    # stopped cleanly: a new worker starts on the same workbook
    again, more = start_serve(world)
    wait_for(more, " sync: 2 rows, 0 changed", again)
    again.send_signal(signal.SIGTERM)
    assert again.wait(30) == 0
