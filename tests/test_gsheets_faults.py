"""Google Sheets backend: 429 bursts, 5xx beyond the retry limit, answers slower than the
timeout — bounded retries with backoff, then a clean failure: nothing half-written, the
ledger consistent, and the next pass completes."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from conftest import referral
from workflow.backends.base import WorkbookUnusable
from workflow.backends.gsheets import GSheetsBackend
from workflow.sync import run_pass

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]
DAY = dt.date(2026, 11, 20)
READ_KINDS = ["metadata", "batch_get"]     # the first pass reads with spreadsheets.get, later ones with batchGet


def rows(n):
    return [referral(**{"New customer": f"C{i}", "New customer phone": f"1390000{i:04d}",
                        "Deal amount": 1000 * (i + 1), "Deal date": "2026-10-05", "Approved": i == 0})
            for i in range(n)]


class Clock:
    """Sleeps recorded, not slept; jitter fixed."""

    def __init__(self):
        self.slept = []

    def sleep(self, s):
        self.slept.append(s)


def backend(w, clock, **kw):
    return GSheetsBackend.from_config(w.cfg(), sleep=clock.sleep, rand=lambda: 1.0, **kw)


def run(w, b):
    return run_pass(w.cfg(), DAY, dt.datetime.combine(DAY, dt.time(9)), backend=b)


def ledger_rows(w):
    db = sqlite3.connect(w.dir / "ledger.sqlite")
    try:
        return db.execute("SELECT count(*) FROM lines").fetchone()[0], db.execute("SELECT count(*) FROM refs").fetchone()[0]
    finally:
        db.close()


def test_a_burst_of_429_is_retried_with_growing_backoff(gworld):
    gworld.standard(rows(3), RULES)
    clock = Clock()
    gworld.standin.fail_next(429, times=3, kinds=READ_KINDS)
    result = run(gworld, backend(gworld, clock))
    assert result.cells_written > 0 and not result.not_written
    assert clock.slept == [1.0, 2.0, 4.0]                       # exponential; jitter = rand() × step
    assert all(r["Ref ID"] for r in gworld.rows())


def test_jitter_spreads_the_waits(gworld):
    gworld.standard(rows(1), RULES)
    clock = Clock()
    gworld.standin.fail_next(503, times=2, kinds=READ_KINDS)
    run_pass(gworld.cfg(), DAY, dt.datetime.combine(DAY, dt.time(9)),
             backend=GSheetsBackend.from_config(gworld.cfg(), sleep=clock.sleep, rand=lambda: 0.25))
    assert clock.slept == [0.25, 0.5]


def test_a_502_html_page_from_googles_front_end_is_retried_too(gworld):
    gworld.standard(rows(2), RULES)
    clock = Clock()
    gworld.standin.fail_next(502, times=2, kinds=READ_KINDS)     # an HTML body: gspread's APIError has code -1
    result = run(gworld, backend(gworld, clock))
    assert result.cells_written > 0 and clock.slept == [1.0, 2.0]


def test_503_beyond_the_limit_on_the_write_fails_cleanly_and_the_next_pass_completes(gworld):
    gworld.standard(rows(3), RULES)
    clock = Clock()
    s = gworld.standin
    s.fail_next(503, times=3, kinds=["values_batch_update", "batch_update"])
    s.reset_requests()
    result = run(gworld, backend(gworld, clock, tries=3))
    assert result.not_written and "3 tries" in result.not_written and "next pass" in result.not_written
    assert s.count("values_batch_update", "batch_update") == 3 and len(clock.slept) == 2
    assert all(not r.get("Ref ID") and not r.get("Status") for r in gworld.rows())   # nothing half-written
    lines, refs = ledger_rows(gworld)
    assert refs == 3 and lines == 1                              # decisions recorded once, C0 approved
    again = run(gworld, backend(gworld, Clock()))
    assert again.cells_written > 0 and not again.not_written
    assert [r["Ref ID"] for r in gworld.rows()] == ["R-000001", "R-000002", "R-000003"]
    assert ledger_rows(gworld) == (1, 3)                         # nothing issued twice


def test_503_beyond_the_limit_on_the_read_stops_the_pass_before_anything_is_recorded(gworld):
    gworld.standard(rows(2), RULES)
    gworld.sync()
    gworld.set_cell(3, "Approved", True)
    before = ledger_rows(gworld)
    gworld.standin.fail_next(503, times=4, kinds=READ_KINDS)
    with pytest.raises(WorkbookUnusable) as err:
        run(gworld, backend(gworld, Clock(), tries=4))
    text = err.value.text.render("en")
    assert "did not answer after 4 tries" in text and "next pass" in text
    assert ledger_rows(gworld) == before
    run(gworld, backend(gworld, Clock()))
    assert [r["Status"] for r in gworld.rows()] == ["Approved", "Approved"]


def test_an_answer_slower_than_the_timeout_is_retried(gworld):
    gworld.standard(rows(2), RULES)
    clock = Clock()
    gworld.standin.delay_next(2.0, times=1, kinds=READ_KINDS)
    result = run(gworld, backend(gworld, clock, timeout=0.5))
    assert result.cells_written > 0 and len(clock.slept) == 1


def test_a_write_answered_after_the_timeout_is_sent_again_and_lands_once(gworld):
    gworld.standard(rows(3), RULES)
    run(gworld, backend(gworld, Clock()))                        # first pass: the worker's columns exist now
    gworld.set_cell(3, "Approved", True)
    s = gworld.standin
    s.delay_next(1.0, times=1, kinds=["values_batch_update"])   # carried out, but after the client gave up
    s.reset_requests()
    result = run(gworld, backend(gworld, Clock(), timeout=0.4))
    assert result.cells_written > 0 and not result.not_written
    assert s.count("values_batch_update") == 2                   # the same cells again: a write is idempotent
    assert [r["Status"] for r in gworld.rows()] == ["Approved", "Approved", "Awaiting approval"]
    assert ledger_rows(gworld) == (2, 3)


def test_answers_always_slower_than_the_timeout_fail_cleanly(gworld):
    gworld.standard(rows(2), RULES)
    gworld.standin.delay_next(1.0, times=2, kinds=READ_KINDS)
    with pytest.raises(WorkbookUnusable) as err:
        run(gworld, backend(gworld, Clock(), timeout=0.3, tries=2))
    assert "no answer within 0.3 s" in err.value.text.render("en")
    assert not (gworld.dir / "ledger.sqlite").exists() or ledger_rows(gworld) == (0, 0)



# ---- fault switches never leak from one test into the next ------------------------------------
# The stand-in lives for the whole session; the `clean_standin` fixture (under gworld and the
# gsheets `world`) switches every fault off before and after each test.  The first test leaves
# every kind of switch on; the second, run after it, finds them all off.

def test_leaves_every_fault_switch_on(gworld):
    s = gworld.standin
    s.fail_next(503, times=50)
    s.delay_next(5.0, times=50)
    s.before_next_write(lambda _s: None)
    s.after_next_read(lambda _s: None)
    s.disable_api()
    assert s.pending_faults() == {"fails": 1, "delays": 1, "before_write": 1, "after_read": 1, "api_enabled": False}


def test_finds_every_fault_switch_off(gworld):
    assert gworld.standin.pending_faults() == {"fails": 0, "delays": 0, "before_write": 0, "after_read": 0,
                                               "api_enabled": True}
    gworld.standard(rows(1), RULES)
    result = run(gworld, backend(gworld, Clock(), tries=1))         # one try: any leftover 503 would fail it
    assert result.cells_written > 0
