"""Ref IDs survive sorting, inserting, deleting and wiping; write-back touches
only the worker's cells, never turns text into a formula, respects an open
office program, and does not rewrite an unchanged workbook."""
from __future__ import annotations

import datetime as dt

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from conftest import REF_HEADER, referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]


def rows(n):
    return [referral(**{"New customer": f"C{i}", "New customer phone": f"1390000{i:04d}", "Deal amount": 1000 * (i + 1),
                        "Deal date": "2026-10-05"}) for i in range(n)]


def by_customer(world):
    return {r["New customer"]: (r["Ref ID"], r["Referrer reward"]) for r in world.rows()}


def test_ids_follow_rows_through_sort_insert_and_delete(world):
    world.standard(rows(5), RULES)
    world.sync()
    before = by_customer(world)

    def shuffle(ws):
        data = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        data.reverse()
        del data[1]                               # a row deleted
        data.insert(2, [None] * len(data[0]))     # a blank row inserted
        for i, r in enumerate(data):
            for j, v in enumerate(r):
                ws.cell(i + 2, j + 1).value = v
        for j in range(len(data[0])):
            ws.cell(len(data) + 2, j + 1).value = None
    world.edit(shuffle)
    world.sync()
    after = by_customer(world)
    after.pop(None, None)
    assert all(after[k] == before[k] for k in after)
    assert len(after) == 4


def test_wiped_ref_id_gets_its_old_id_back(world):
    world.standard(rows(3), RULES)
    world.sync()
    world.set_cell(3, "Ref ID", None)
    world.set_cell(3, "Deal amount", 99999)      # content edited too: identity is who/whom/when
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001", "R-000002", "R-000003"]


def test_wiped_ref_id_with_the_customer_phone_fixed_at_once_gets_its_old_id_back(world):
    world.standard(rows(3), RULES)
    world.sync()
    world.set_cell(3, "Ref ID", None)
    world.set_cell(3, "New customer phone", "13977776666")   # the phone corrected in the same edit
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001", "R-000002", "R-000003"]
    assert world.sync().cells_written == 0


def test_wiped_ref_id_of_a_row_edited_in_an_earlier_pass_gets_its_old_id_back(world):
    world.standard(rows(3), RULES)
    world.sync()
    world.set_cell(3, "Referrer phone", "13800000009")   # the referrer's phone corrected: a new identity
    world.sync()
    world.set_cell(3, "Ref ID", None)                    # later, the ID wiped
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001", "R-000002", "R-000003"]
    assert world.sync().cells_written == 0


def test_copied_row_gets_a_new_id_and_a_note(world):
    world.standard(rows(2), RULES)
    world.sync()

    def copy(ws):
        for j, c in enumerate(ws[2]):
            ws.cell(4, j + 1, c.value)
        head = [c.value for c in ws[1]]
        ws.cell(4, head.index("New customer phone") + 1, "13911112222")
        ws.cell(4, head.index("Submitted at") + 1, "2026-10-09")
    world.edit(copy)
    world.sync()
    third = world.rows()[2]
    assert third["Ref ID"] == "R-000003"
    assert "R-000001" in third["Problems"]
    assert world.rows()[0]["Ref ID"] == "R-000001"


def test_ids_are_never_reused(world):
    world.standard(rows(3), RULES)
    world.sync()
    world.edit(lambda ws: ws.delete_rows(4))
    world.sync()
    world.edit(lambda ws: ws.append(["2026-10-10", "Zed", "13800000009"] + [None] * 2 + ["New", "13912345678"]))
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001", "R-000002", "R-000004"]


def test_staff_cells_formatting_and_unknown_columns_are_kept(world):
    header = REF_HEADER + ["My notes"]
    world.standard([{**referral(), "My notes": "=SUM(1,2)", "Deal amount": "3万", "Deal date": "2026-10-05"}], RULES,
                   header=header)

    def decorate(ws):
        ws["A2"].font = Font(bold=True, color="FF0000")
        ws["B2"].fill = PatternFill("solid", fgColor="FFFF00")
        dv = DataValidation(type="list", formula1='"TRUE,FALSE"')
        ws.add_data_validation(dv)
        dv.add("S2:S100")
        ws.parent.create_sheet("Notes").append(["keep me", 42])
    world.edit(decorate)
    world.sync()
    ws = world.sheet()
    assert ws["A2"].font.bold and ws["A2"].font.color.rgb.endswith("FF0000")
    assert ws["B2"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws.data_validations.dataValidation and ws.data_validations.dataValidation[0].sqref.ranges
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("Deal amount") + 1).value == "3万"
    assert world.sheet("Notes")["A1"].value == "keep me"
    assert [r["My notes"] for r in world.rows()] == ["=SUM(1,2)"]


def test_text_written_never_becomes_a_formula(world):
    world.standard([referral()], RULES)

    def as_text(ws):   # text cells that start with '=' (openpyxl would save plain '=...' as formulas)
        head = [c.value for c in ws[1]]
        for header, text in (("Deal amount", "=1+1"), ("Referrer", '=HYPERLINK("x")')):
            cell = ws.cell(2, head.index(header) + 1)
            cell.value = text
            cell.data_type = "s"
    world.edit(as_text)
    world.sync()
    ws = world.sheet()
    head = [c.value for c in ws[1]]
    cell = ws.cell(2, head.index("Problems") + 1)
    assert cell.data_type == "s" and "=1+1" in cell.value
    # the status column of a row whose text starts with '=' stays text as well
    assert not str(ws.cell(2, head.index("Status") + 1).value).startswith("=")


def test_second_sync_does_not_rewrite_the_file(world):
    world.standard(rows(4), RULES)
    world.sync()
    stamp = world.path.stat().st_mtime_ns
    data = world.path.read_bytes()
    result = world.sync()
    assert result.cells_written == 0 and world.path.stat().st_mtime_ns == stamp
    assert world.path.read_bytes() == data


def test_open_in_office_program_skips_the_write_and_catches_up(world):
    world.standard(rows(2), RULES)
    for lock in ("~$book.xlsx", ".~lock.book.xlsx#"):
        (world.dir / lock).write_text("locked")
        data = world.path.read_bytes()
        result = world.sync()
        assert result.not_written and "lock" in result.not_written.lower()
        assert world.path.read_bytes() == data
        (world.dir / lock).unlink()
    world.sync()
    assert [r["Ref ID"] for r in world.rows()] == ["R-000001", "R-000002"]   # the IDs recorded while locked


def test_cli_sync_reports_the_lock(world):
    world.standard(rows(1), RULES)
    (world.dir / "~$book.xlsx").write_text("x")
    p = world.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 0 and "~$book.xlsx" in p.stdout


def test_dates_typed_as_real_dates_and_serials(world):
    world.standard([referral(**{"Submitted at": dt.datetime(2026, 10, 1, 9, 30), "Deal amount": 50000,
                                "Deal date": 46300})], RULES)   # serial 46300 = 2026-10-04
    world.sync()
    assert world.status() == ["Awaiting approval"]
    assert world.rows()[0]["Referrer reward"] == 500


def test_unchanged_inputs_skip_the_pass_until_a_holding_period_ends(world):
    world.standard([referral(**{"Deal amount": 100000, "Deal date": "2026-11-18", "Approved": True})], RULES,
                   {"holding_days": "5"})
    assert not world.sync("2026-11-20").skipped
    again = world.sync("2026-11-21")
    assert again.skipped and again.rows == 1 and again.statuses["holding"] == 1
    assert world.sync("2026-11-24").skipped
    woke = world.sync("2026-11-25")                       # the holding period ended: decide again
    assert not woke.skipped and world.status() == ["Approved"]
    assert [l["amount"] for l in world.lines()] == ["1000"]


def test_any_change_runs_the_pass_in_full(world):
    world.standard(rows(2), RULES)
    world.sync()
    assert world.sync().skipped
    world.set_cell(2, "Approved", True)                   # a person's edit
    assert not world.sync().skipped
    assert world.sync().skipped
    world.config.write_text(world.config.read_text() + "\n# edited\n")   # a config edit
    assert not world.sync().skipped
    (world.dir / "ledger.sqlite").unlink()                # a lost ledger
    for extra in ("ledger.sqlite-wal", "ledger.sqlite-shm"):
        (world.dir / extra).unlink(missing_ok=True)
    assert not world.sync().skipped
    assert world.sync("2026-11-19").skipped is False      # an earlier --today (backfill)


def test_a_pass_that_could_not_write_is_not_remembered(world):
    world.standard(rows(1), RULES)
    (world.dir / "~$book.xlsx").write_text("x")
    assert world.sync().not_written
    assert world.sync().not_written                        # still tries, still says so
    (world.dir / "~$book.xlsx").unlink()
    assert world.sync().cells_written > 0


def test_new_worker_columns_go_after_every_used_column(world):
    world.standard(rows(2), RULES)
    world.edit(lambda ws: ws.cell(3, len(REF_HEADER) + 2).__setattr__("value", "记得回访"))
    world.sync()
    ws = world.sheet()
    assert ws.cell(3, len(REF_HEADER) + 2).value == "记得回访"
    head = [c.value for c in ws[1]]
    assert head.index("Ref ID") >= len(REF_HEADER) + 2
