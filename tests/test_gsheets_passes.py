"""Google Sheets backend: request budget per pass, RAW writes, and staff sorting,
inserting and deleting rows between the worker's read and its write.

Real gspread + google-auth over HTTP against the local stand-in."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import referral
from workflow.backends.gsheets import GSheetsBackend
from workflow.sync import run_pass

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]
READS = ("metadata", "batch_get", "values_get")
WRITES = ("values_batch_update", "batch_update", "values_update")
FIRST_READ = ("metadata", "batch_get")
ZERO = {k: 0 for k in READS + WRITES}


def rows(n):
    return [referral(**{"New customer": f"C{i}", "New customer phone": f"1390000{i:04d}",
                        "Deal amount": 1000 * (i + 1), "Deal date": "2026-10-05"}) for i in range(n)]


def by_customer(w):
    return {r["New customer"]: r for r in w.rows()}


def counts(s):
    return {k: s.count(k) for k in READS + WRITES}


def within_budget(c):
    """The issue's budget: at most 2 read requests and at most 1 write request in a pass."""
    assert sum(c[k] for k in READS) <= 2 and sum(c[k] for k in WRITES) <= 1, c


def measured(w, **kw):
    """One pass; the requests it made, by kind."""
    w.standin.reset_requests()
    result = _pass(w, **kw)
    c = counts(w.standin)
    within_budget(c)
    return result, c


def test_first_pass_on_a_fresh_sheet_reads_tab_list_and_values_at_once(gworld):
    gworld.standard(rows(30), RULES)
    result, c = measured(gworld)        # no tab list cached yet: ONE spreadsheets.get brings it and the values
    assert c == {**ZERO, "metadata": 1, "batch_get": 1, "batch_update": 1}   # + the guard read; new columns:
    assert result.cells_written > 0 and not result.not_written              # grid and cells in one request
    assert all(r["Ref ID"] and r["Status"] == "Awaiting approval" for r in gworld.rows())


def test_steady_changed_and_unchanged_passes(gworld):
    gworld.standard(rows(30), RULES)
    _pass(gworld)
    gworld.set_cell(3, "Approved", True)            # one change: values, guard read, one write
    result, c = measured(gworld)
    assert c == {**ZERO, "batch_get": 2, "values_batch_update": 1}
    assert by_customer(gworld)["C1"]["Status"] == "Approved"
    result, c = measured(gworld)                    # nothing changed: one read, no write at all
    assert result.cells_written == 0 and c == {**ZERO, "batch_get": 1}


def test_a_stale_tab_list_is_read_again_with_the_values(gworld, tmp_path):
    gworld.standard(rows(3), RULES)
    _pass(gworld)
    cache = tmp_path / "ledger.sqlite.sheets.json"
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["stamp"] -= 7200                            # two hours old
    cache.write_text(json.dumps(data), encoding="utf-8")
    gworld.standin.add_tab(gworld.sheet_id, "Customers", [["Name", "Phone", "Since"], ["C0", "13900000000",
                                                                                      "2026-01-01"]])
    gworld.set_cell(3, "Approved", True)
    result, c = measured(gworld)                    # tab list + values in one read, guard read, one write
    assert c == {**ZERO, "metadata": 1, "batch_get": 1, "values_batch_update": 1}
    assert '"Customers"' in cache.read_text(encoding="utf-8")        # the new tab is seen
    assert by_customer(gworld)["C0"]["Status"].startswith("Not eligible")    # and used at once
    assert by_customer(gworld)["C1"]["Status"] == "Approved"
    _, c = measured(gworld)
    assert c == {**ZERO, "batch_get": 1}


@pytest.mark.parametrize("edit", ["rename", "remove"])
def test_a_tab_renamed_or_removed_costs_no_third_read(gworld, tmp_path, edit):
    gworld.standard(rows(3), RULES)
    s, sid = gworld.standin, gworld.sheet_id
    s.add_tab(sid, "Notes", [["anything"]])
    _pass(gworld)
    if edit == "rename":
        s.rename_tab(sid, "Notes", "Notes 2026")
    else:
        s.remove_tab(sid, "Notes")
    gworld.set_cell(3, "Approved", True)
    result, c = measured(gworld)      # the batchGet fails on the old name; tab list + values again; no guard read
    assert c == {**ZERO, "batch_get": 1, "metadata": 1}
    assert result.not_written and "next pass" in result.not_written
    assert by_customer(gworld)["C1"]["Status"] == "Awaiting approval"        # nothing written this time
    result, c = measured(gworld)                                             # the next pass writes it
    assert c == {**ZERO, "batch_get": 2, "values_batch_update": 1} and not result.not_written
    assert by_customer(gworld)["C1"]["Status"] == "Approved"
    assert ("Notes 2026" in (tmp_path / "ledger.sqlite.sheets.json").read_text(encoding="utf-8")) == (edit == "rename")


def test_the_request_count_does_not_grow_with_rows(gworld):
    s = gworld.standin
    gworld.standard(rows(400), RULES)
    gworld.sync()
    gworld.edit(lambda ws: [ws.cell(r, 12).__setattr__("value", 5000 + r) for r in range(2, 402)])   # amounts
    s.reset_requests()
    result = gworld.sync()
    assert result.cells_written >= 400
    assert sum(s.count(k) for k in READS) == 2 and sum(s.count(k) for k in WRITES) == 1


def test_text_stays_text_and_ticks_are_booleans(gworld):
    gworld.standard([referral(**{"Deal amount": "=1+1", "Deal date": "2026-10-05"}),
                     referral(**{"New customer": "Di", "New customer phone": "13900000002",
                                 "Deal amount": 100000, "Deal date": "2026-10-05", "Approved": True})], RULES)
    gworld.sync()
    gworld.set_cell(3, "Deal amount", 200000)      # a reward-relevant change after approval clears the tick
    gworld.sync()
    first, second = gworld.rows()
    assert isinstance(first["Problems"], str) and "=1+1" in first["Problems"]
    assert second["Approved"] is False                               # the tick cleared with a real boolean
    s = gworld.standin
    assert all(r.body["valueInputOption"] == "RAW" for r in s.of_kind("values_batch_update"))
    cells = [c for r in s.of_kind("batch_update") for q in r.body["requests"] if "updateCells" in q
             for row in q["updateCells"]["rows"] for c in row["values"]]
    assert cells and all(set(c.get("userEnteredValue", {})) <= {"stringValue", "numberValue", "boolValue"}
                         for c in cells)                             # never formulaValue: text stays text
    reads = s.of_kind("batch_get")
    assert reads and all(r.param("valueRenderOption") == "UNFORMATTED_VALUE"
                         and r.param("dateTimeRenderOption") == "SERIAL_NUMBER" for r in reads)
    assert second["Status"] == "Awaiting approval" and second["Referrer reward"] == 2000


# ---- staff edits between the worker's read and its write ---------------------------------

def _pass(w, **options):
    d = dt.date(2026, 11, 20)
    return run_pass(w.cfg(), d, dt.datetime.combine(d, dt.time(9)),
                    backend=GSheetsBackend.from_config(w.cfg(), **options))


def _tick_all(w, customers):
    head = w.grid()[0]
    col = head.index("Approved") + 1
    for i, r in enumerate(w.rows(), start=2):
        if r["New customer"] in customers:
            w.standin.set_cell(w.sheet_id, "Referrals", i, col, True)


def _consistent(w):
    """Every row shows its own referral: reward = 1 % of its own amount, status per its own tick."""
    for r in w.rows():
        assert r["Referrer reward"] == r["Deal amount"] // 100, r
        assert r["Status"] == ("Approved" if r["Approved"] is True else "Awaiting approval"), r


def test_rows_sorted_between_read_and_write_get_their_own_cells(gworld):
    gworld.standard(rows(6), RULES)
    gworld.sync()
    ids = {c: r["Ref ID"] for c, r in by_customer(gworld).items()}
    _tick_all(gworld, {"C1", "C4"})
    col = gworld.grid()[0].index("Deal amount") + 1
    gworld.standin.after_next_read(lambda _s: gworld.standin.sort_rows(gworld.sheet_id, "Referrals",
                                                                   key=lambda row: -(row[col - 1] or 0)))
    result = _pass(gworld)
    assert not result.not_written
    _consistent(gworld)
    assert {c: r["Ref ID"] for c, r in by_customer(gworld).items()} == ids
    assert [r["New customer"] for r in gworld.rows()] == ["C5", "C4", "C3", "C2", "C1", "C0"]


def test_rows_inserted_and_deleted_between_read_and_write(gworld):
    gworld.standard(rows(5), RULES)
    gworld.sync()
    _tick_all(gworld, {"C2", "C3"})
    s, sid = gworld.standin, gworld.sheet_id

    def staff(_s):
        s.delete_rows(sid, "Referrals", 2)                          # C0 goes
        s.insert_rows(sid, "Referrals", 3, [["2026-10-09", "Eve", "13800000009", None, None, "New",
                                             "13912345678"]])        # a new row above C2
    s.after_next_read(staff)
    _pass(gworld)
    got = by_customer(gworld)
    assert "C0" not in got and got["New"]["Status"] in (None, "")       # nobody else's cells landed there
    assert got["New"]["Ref ID"] in (None, "")
    assert got["C2"]["Status"] == "Approved" and got["C3"]["Status"] == "Approved"
    assert got["C1"]["Status"] == "Awaiting approval"
    _pass(gworld)                                                     # the next pass handles the new row
    assert by_customer(gworld)["New"]["Ref ID"] and by_customer(gworld)["New"]["Status"]


def test_a_row_without_an_id_that_moved_waits_for_the_next_pass(gworld):
    gworld.standard(rows(3), RULES)
    s, sid = gworld.standin, gworld.sheet_id
    s.after_next_read(lambda _s: s.insert_rows(sid, "Referrals", 2, [["2026-10-09", "Eve", "13800000009", None, None,
                                                                   "Top", "13912345670"]]),
                      kinds=FIRST_READ)     # right after the first pass's one read (tab list and values)
    result = _pass(gworld)       # first pass: no row has an ID yet, every row moved down by one
    assert result.not_written and "next pass" in result.not_written
    assert all(r["Ref ID"] in (None, "") and r["Status"] in (None, "") for r in gworld.rows())
    _pass(gworld)
    got = by_customer(gworld)
    assert len({r["Ref ID"] for r in got.values()}) == 4
    _consistent_amounts = [r for r in got.values() if r["Deal amount"]]
    for r in _consistent_amounts:
        assert r["Referrer reward"] == r["Deal amount"] // 100


def test_a_header_changed_between_read_and_write_writes_nothing(gworld):
    gworld.standard(rows(2), RULES)
    gworld.sync()
    gworld.set_cell(2, "Approved", True)
    s, sid = gworld.standin, gworld.sheet_id
    head = gworld.grid()[0]
    status_col = head.index("Status") + 1
    s.after_next_read(lambda _s: s.set_cell(sid, "Referrals", 1, status_col, "Notes 2"))
    s.reset_requests()
    result = _pass(gworld)
    assert result.not_written and s.count("values_batch_update") == 0
