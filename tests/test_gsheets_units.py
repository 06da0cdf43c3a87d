"""Google Sheets backend, the pure parts: spreadsheet IDs from URLs, cell values as the
API takes them, one range per run of cells, and where guarded rows are placed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.backends.base import CellWrite, RowGuard
from workflow.backends.gsheets_client import spreadsheet_id
from workflow.backends.gsheets_read import a1_tab, col_letters, grid_values, to_grid
from workflow.backends.gsheets_write import Placement, batch_body, json_value, place_writes


def test_spreadsheet_id_from_an_id_or_any_url():
    sid = "1AbC-dEf_0123456789xyz"
    assert spreadsheet_id(sid) == sid
    assert spreadsheet_id(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0") == sid
    assert spreadsheet_id(f" https://docs.google.com/spreadsheets/d/{sid} ") == sid
    assert spreadsheet_id("my sheet") is None and spreadsheet_id("") is None


def test_values_as_the_api_takes_them():
    assert json_value(None) == ""                       # clears the cell
    assert json_value(True) is True and json_value("=1+1") == "=1+1"
    assert json_value(Decimal("1200.00")) == 1200 and isinstance(json_value(Decimal("1200.00")), int)
    assert json_value(Decimal("12.5")) == 12.5
    with pytest.raises(ValueError):
        json_value(Decimal("NaN"))
    with pytest.raises(TypeError):
        json_value(object())


def test_a1_names_and_columns():
    assert a1_tab("It's") == "'It''s'" and a1_tab("推荐登记") == "'推荐登记'"
    assert [col_letters(c) for c in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_api_rows_become_raw_grids():
    assert to_grid([["a", "", 1], ["", ""], [True, 0, ""], [], [""]]) == [["a", None, 1], [], [True, 0]]


def test_one_range_per_run_of_adjacent_cells():
    writes = [CellWrite("T", 2, 3, "x"), CellWrite("T", 2, 4, 5), CellWrite("T", 2, 7, None),
              CellWrite("T", 3, 3, True), CellWrite("T", 2, 3, "y")]        # the last write to a cell wins
    body, count = batch_body(writes)
    assert body["valueInputOption"] == "RAW" and count == 4
    assert [(d["range"], d["values"]) for d in body["data"]] == [
        ("'T'!C2:D2", [["y", 5]]), ("'T'!G2", [[""]]), ("'T'!C3", [[True]])]


def _placement(guards, ids, names=None):
    now = {("T", 1): ids}
    if names is not None:
        now[("T", 2)] = names
    return Placement(guards, now)


def test_rows_that_hold_their_id_stay_and_moved_ids_are_followed():
    guards = [RowGuard("T", 2, 1, "R-1"), RowGuard("T", 3, 1, "R-2"), RowGuard("T", 4, 1, "R-3")]
    p = _placement(guards, ["Ref ID", "R-2", "R-1", "R-3"])          # rows 2 and 3 swapped
    writes = [CellWrite("T", 2, 5, "a"), CellWrite("T", 3, 5, "b"), CellWrite("T", 4, 5, "c")]
    placed, dropped = place_writes(writes, p)
    assert sorted((w.row, w.value) for w in placed) == [(2, "b"), (3, "a"), (4, "c")] and dropped == []


def test_ids_gone_or_doubled_and_moved_rows_without_id_wait():
    guards = [RowGuard("T", 2, 1, "R-1"), RowGuard("T", 3, 1, "R-2"),
              RowGuard("T", 4, 1, None, keys=((2, "Bo"),)), RowGuard("T", 5, 1, None, keys=((2, "Di"),))]
    p = _placement(guards, ["Ref ID", "R-2", "", "", None, "R-2"], ["Name", "x", "y", "Bo", "Cy"])
    assert p.moves == {("T", 2): None, ("T", 3): None, ("T", 4): 4, ("T", 5): None}
    placed, dropped = place_writes([CellWrite("T", r, 9, r) for r in (2, 3, 4, 5)] + [CellWrite("T", 1, 9, "h")], p)
    assert [(w.row, w.value) for w in placed] == [(4, 4), (1, "h")]     # unguarded writes go as they are
    assert dropped == [("T", 2), ("T", 3), ("T", 5)]


def test_an_id_typed_as_a_number_still_matches():
    p = _placement([RowGuard("T", 2, 1, "123")], ["Ref ID", 123.0])
    assert p.moves[("T", 2)] == 2


def test_a_header_that_changed_refuses_everything():
    p = _placement([RowGuard("T", 1, 1, "Ref ID", keys=((2, "Status"),), whole=True)], ["Ref ID"], ["Problems"])
    assert p.refused is not None


def test_grid_data_becomes_the_same_raw_grid_as_a_batch_get():
    blocks = [{"rowData": [
        {"values": [{"effectiveValue": {"stringValue": "Ref ID"}}, {}, {"effectiveValue": {"stringValue": "Paid"}}]},
        {},
        {"values": [{"effectiveValue": {"numberValue": 46327}}, {"effectiveValue": {"boolValue": True}},
                    {"effectiveValue": {"errorValue": {"type": "N_A", "message": "x"}}},
                    {"effectiveValue": {"stringValue": ""}}, {}]},
        {}, {"values": [{}]}]}]
    assert grid_values(blocks) == [["Ref ID", None, "Paid"], [], [46327, True, "#N/A"]]
    assert grid_values([{"startRow": 1, "startColumn": 2, "rowData": [{"values": [
        {"effectiveValue": {"stringValue": "x"}}]}]}]) == [[], [None, None, "x"]]
    assert grid_values([]) == []
