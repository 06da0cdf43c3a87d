"""Google Sheets: a number in a percent-formatted Rules, Milestones or Settings cell is read as the
percentage it shows (a rate typed `3%` is stored 0.03 and pays 3 %, not 0.03 %), within the
request budget, request by request.

Real gspread + google-auth over HTTP against the local stand-in; `set_cell` types into a cell as a
person does in the Sheets UI (`3%` becomes 0.03 with a percent format)."""
from __future__ import annotations

import datetime as dt
import json

from conftest import referral
from workflow.backends.gsheets import GSheetsBackend
from workflow.backends.gsheets_percent import PercentMemory, read_percentages, setting_tabs
from workflow.backends.gsheets_read import grid_values, is_percent_format
from workflow.sync import run_pass

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]
READS = ("metadata", "batch_get", "values_get")
WRITES = ("values_batch_update", "batch_update", "values_update")
ZERO = {k: 0 for k in READS + WRITES}


def rows(n):
    return [referral(**{"New customer": f"C{i}", "New customer phone": f"1390000{i:04d}",
                        "Deal amount": 1000 * (i + 1), "Deal date": "2026-10-05"}) for i in range(n)]


def measured(w):
    w.standin.reset_requests()
    d = dt.date(2026, 11, 20)
    result = run_pass(w.cfg(), d, dt.datetime.combine(d, dt.time(9)), backend=GSheetsBackend.from_config(w.cfg()))
    c = {k: w.standin.count(k) for k in READS + WRITES}
    assert sum(c[k] for k in READS) <= 2 and sum(c[k] for k in WRITES) <= 1, c   # the budget, every pass
    return result, c


def rewards(w):
    return {r["New customer"]: r["Referrer reward"] for r in w.rows()}


def type_rate(w, text):
    w.standin.set_cell(w.sheet_id, "Rules", 2, 2, text)


def test_a_rate_typed_as_a_percentage_pays_the_percentage_it_shows(gworld, tmp_path):
    gworld.standard(rows(3), RULES)
    type_rate(gworld, "3%")                                     # stored 0.03, shown 3%
    assert gworld.grid("Rules")[1][1] == 0.03
    result, c = measured(gworld)       # first pass: the formats come with the tab list and values
    assert c == {**ZERO, "metadata": 1, "batch_get": 1, "batch_update": 1} and not result.not_written
    get = gworld.standin.of_kind("metadata")[0]
    assert "effectiveFormat" in get.param("fields")
    assert rewards(gworld) == {"C0": 30, "C1": 60, "C2": 90}   # 3 % of 1 000, 2 000, 3 000
    memory = json.loads((tmp_path / "ledger.sqlite.formats.json").read_text(encoding="utf-8"))
    assert memory["tabs"]["Rules"] == [[2, 2, 0.03, True]]

    result, c = measured(gworld)                                # nothing changed: one read, no write
    assert c == {**ZERO, "batch_get": 1} and result.cells_written == 0
    assert rewards(gworld) == {"C0": 30, "C1": 60, "C2": 90}


def test_a_changed_percentage_costs_one_formatted_read_and_waits_one_pass(gworld):
    gworld.standard(rows(3), RULES)
    type_rate(gworld, "3%")
    measured(gworld)
    type_rate(gworld, "5%")
    result, c = measured(gworld)     # values, then the formats of the Rules tab: no third (guard) read
    assert c == {**ZERO, "batch_get": 2}
    formatted = gworld.standin.of_kind("batch_get")[1]
    assert formatted.param("valueRenderOption") == "FORMATTED_VALUE"
    assert result.not_written and "Rules" in result.not_written and "next pass" in result.not_written
    assert rewards(gworld) == {"C0": 30, "C1": 60, "C2": 90}    # not written this time
    result, c = measured(gworld)                                # the next pass writes 5 %
    assert c == {**ZERO, "batch_get": 2, "values_batch_update": 1} and not result.not_written
    assert rewards(gworld) == {"C0": 50, "C1": 100, "C2": 150}
    _, c = measured(gworld)
    assert c == {**ZERO, "batch_get": 1}


def test_a_plain_number_stays_the_percent_it_says(gworld):
    gworld.standard(rows(2), RULES)
    gworld.standin.set_cell(gworld.sheet_id, "Rules", 2, 2, 0.5)    # 0.5 in the Rate % column = 0.5 %
    measured(gworld)
    assert rewards(gworld) == {"C0": 5, "C1": 10}
    gworld.standin.set_cell(gworld.sheet_id, "Rules", 2, 2, 2)      # typed over: plain 2 = 2 %
    result, c = measured(gworld)
    assert c == {**ZERO, "batch_get": 2} and result.not_written     # the formats of the new number
    measured(gworld)
    assert rewards(gworld) == {"C0": 20, "C1": 40}


def test_losing_the_memory_costs_a_read_never_an_amount(gworld, tmp_path):
    gworld.standard(rows(2), RULES)
    type_rate(gworld, "3%")
    measured(gworld)
    (tmp_path / "ledger.sqlite.formats.json").unlink()
    result, c = measured(gworld)          # formats read again; the amounts were right, nothing to write
    assert c == {**ZERO, "batch_get": 2} and result.cells_written == 0 and not result.not_written
    assert rewards(gworld) == {"C0": 30, "C1": 60}
    _, c = measured(gworld)
    assert c == {**ZERO, "batch_get": 1}


def test_settings_and_milestones_are_read_too_and_the_referrals_tab_is_left_as_it_is(gworld):
    milestones = [["Milestone", "Count", "Bonus", "Period", "Mode"], ["m1", 1, 100, "all", "each"]]
    gworld.standard(rows(2), RULES, milestones=milestones)
    s, sid = gworld.standin, gworld.sheet_id
    s.set_cell(sid, "Milestones", 2, 3, "1%")                  # 0.01 shown as 1%
    s.set_cell(sid, "Settings", 2, 2, "12.5%")
    s.set_cell(sid, "Referrals", 2, 12, "50%")                 # not a tab of settings: the number as stored
    for backend in (GSheetsBackend.from_config(gworld.cfg()), GSheetsBackend.from_config(gworld.cfg())):
        snap = backend.read()                                  # the full read, then a batchGet from memory
        assert snap.tabs["Milestones"][1][2] == "1%" and snap.tabs["Settings"][1][1] == "12.5%"
        assert snap.tabs["Referrals"][1][11] == 0.5 and snap.tabs["Rules"][1][1] == "1"
    assert snap.meta["reads"] == 1


# ---- the parts --------------------------------------------------------------------------

def test_the_setting_tabs_are_found_as_the_layout_finds_them():
    titles = ["推荐登记", " 奖励规则 ", "设置", "Notes", "RULES 2"]
    assert setting_tabs(titles, {}) == [" 奖励规则 ", "设置"]
    assert setting_tabs(titles, {"rules": ["Rules 2"]}) == ["RULES 2", "设置"]
    assert setting_tabs(["Referrals"], {}) == []


def test_grid_data_percent_cells_are_found_by_type_or_pattern():
    def cell(v, fmt=None):
        out = {"effectiveValue": {"numberValue": v}}
        if fmt:
            out["effectiveFormat"] = {"numberFormat": fmt}
        return out
    blocks = [{"startColumn": 1, "rowData": [
        {"values": [{"effectiveValue": {"stringValue": "Rate %"}}]},
        {"values": [cell(0.03, {"type": "PERCENT", "pattern": "0%"}), cell(0.5),
                    cell(0.2, {"type": "NUMBER", "pattern": "0.0%"}), cell(7, {"type": "NUMBER", "pattern": '0"%"'}),
                    cell(46000, {"type": "DATE", "pattern": "yyyy-mm-dd"}),
                    {"effectiveValue": {"stringValue": "3%"}, "effectiveFormat": {"numberFormat": {"type": "PERCENT"}}}]}]}]
    percent = set()
    assert grid_values(blocks, percent) == [[None, "Rate %"], [None, 0.03, 0.5, 0.2, 7, 46000, "3%"]]
    assert percent == {(2, 2), (2, 4)}            # a literal "%" in quotes is no percentage; text is text
    assert not is_percent_format({})


def test_the_memory_applies_only_while_every_number_is_as_learned(tmp_path):
    path = tmp_path / "f.json"
    memory = PercentMemory(path, "sheet-1")
    asked = []

    def fetch(titles):
        asked.append(list(titles))
        return {"Rules": [["Rate %", "Fixed"], ["3%", "5"]]}
    tabs = {"Rules": [["Rate %", "Fixed"], [0.03, 5]], "Settings": [["Key", "Value"], ["language", "en"]]}
    assert read_percentages(memory, tabs, ["Rules", "Settings"], fetch)
    assert tabs["Rules"][1] == ["3%", 5] and asked == [["Rules"]]          # Settings has no number: no read
    again = PercentMemory(path, "sheet-1")                                  # from the file
    tabs = {"Rules": [["Rate %", "Fixed"], [0.03, 5]]}
    assert not read_percentages(again, tabs, ["Rules"], fetch) and tabs["Rules"][1] == ["3%", 5]
    tabs = {"Rules": [["Rate %", "Fixed"], [0.03, 6]]}                       # another number: read again
    assert read_percentages(again, tabs, ["Rules"], lambda t: {"Rules": [[], ["3%", "6"]]})
    assert tabs["Rules"][1] == ["3%", 6]
    other = PercentMemory(path, "sheet-2")                                  # another spreadsheet: nothing known
    assert other.percent_cells("Rules", {(2, 1): 0.03, (2, 2): 6}) is None
    path.write_text("{not json", encoding="utf-8")
    assert PercentMemory(path, "sheet-1").percent_cells("Rules", {(2, 1): 0.03}) is None
