"""XlsxBackend against real .xlsx files made with openpyxl (and hand-edited XML where
openpyxl cannot produce the case, e.g. cached error values)."""
from __future__ import annotations

import datetime as dt
import os
import random
import re
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from workflow import i18n
from workflow.backends.base import CellWrite, RowGuard, WorkbookBusy, WorkbookChanged, WorkbookUnusable
from workflow.backends.xlsx import XlsxBackend, lock_files

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ---- helpers ---------------------------------------------------------------------

def save(wb: openpyxl.Workbook, tmp_path: Path, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def replace_part(path: Path, part: str, data: bytes | None, drop: tuple[str, ...] = ()) -> None:
    """Rewrite one zip entry in place (None keeps it) — to hand-craft XML openpyxl won't write."""
    with zipfile.ZipFile(path) as src:
        entries = [(i.filename, src.read(i)) for i in src.infolist() if i.filename not in drop]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in entries:
            dst.writestr(name, data if name == part and data is not None else blob)
        if part not in {n for n, _ in entries} and data is not None:
            dst.writestr(part, data)


def sheet_data(path: Path, rows_xml: str, part: str = "xl/worksheets/sheet1.xml") -> None:
    """Replace a sheet's <sheetData> content with hand-written rows."""
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part).decode()
    xml = re.sub(r"<sheetData>.*</sheetData>|<sheetData\s*/>", lambda _: f"<sheetData>{rows_xml}</sheetData>", xml,
                 flags=re.S)
    replace_part(path, part, xml.encode())


def part_bytes(path: Path, part: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(part)


def one_sheet(tmp_path: Path, rows: list[list] | None = None, title: str = "Data") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows or [["Ref", "Name", "Amount"], ["R1", "Ann", 10], ["R2", "Bob", 20]]:
        ws.append(row)
    return save(wb, tmp_path)


def write_and_read(path: Path, writes: list[CellWrite]):
    backend = XlsxBackend(path)
    count = backend.write(backend.read(), writes)
    return count, backend.read().tabs


# ---- reading ---------------------------------------------------------------------

def test_read_pads_to_true_sheet_coordinates(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["C3"], wb.active["D4"] = "first", 2
    snap = XlsxBackend(save(wb, tmp_path)).read()
    grid = snap.tabs["Sheet"]
    assert grid[0] == [] and grid[1] == []
    assert grid[2] == [None, None, "first"]
    assert grid[3] == [None, None, None, 2.0]


def test_read_every_tab_in_workbook_order(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Zeta"
    wb.create_sheet("Alpha")["A1"] = "a"
    wb.create_sheet("R&D 数据")["B2"] = "x"
    snap = XlsxBackend(save(wb, tmp_path)).read()
    assert list(snap.tabs) == ["Zeta", "Alpha", "R&D 数据"]
    assert snap.tabs["Zeta"] == [] and snap.tabs["R&D 数据"] == [[], [None, "x"]]


def test_chart_sheet_is_an_empty_tab_and_other_tabs_still_write(tmp_path):
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    wb.active.append([1])
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, min_row=1, max_row=1))
    wb.create_chartsheet("Chart").add_chart(chart)
    wb.create_sheet("After")["A1"] = "x"
    _, tabs = write_and_read(save(wb, tmp_path), [CellWrite("After", 2, 1, "y")])
    assert tabs == {"Sheet": [[1.0]], "Chart": [], "After": [["x"], ["y"]]}


def test_read_values_keep_their_types(tmp_path):
    path = one_sheet(tmp_path, [
        ["00123", " padded ", 5, 2.5, True, False],
        [dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), dt.time(6, 30)],
        ["short"],
        [],
        [None, None, None, "far"],
    ])
    wb = openpyxl.load_workbook(path)
    wb.active["A40"].font = Font(bold=True)  # a styled empty cell does not make rows
    wb.save(path)
    grid = XlsxBackend(path).read().tabs["Data"]
    assert grid[0] == ["00123", " padded ", 5.0, 2.5, True, False]
    assert isinstance(grid[0][2], float)  # calamine gives every xlsx number as float
    assert grid[1] == [dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), dt.time(6, 30)]
    assert type(grid[1][0]) is dt.date
    assert grid[2] == ["short"]
    assert grid[3] == []
    assert grid[4] == [None, None, None, "far"]
    assert len(grid) == 5


def test_read_duration_cell_gives_its_number(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1.5
    wb.active["A1"].number_format = "[h]:mm:ss"
    assert XlsxBackend(save(wb, tmp_path)).read().tabs["Sheet"] == [[1.5]]


def test_read_error_cells_arrive_as_text(tmp_path):
    path = one_sheet(tmp_path)
    sheet_data(path, '<row r="1"><c r="A1" t="e"><f>NA()</f><v>#N/A</v></c><c r="B1" t="e"><v>#DIV/0!</v></c>'
                     '<c r="C1" t="e"><v>#SPILL!</v></c><c r="D1" t="str"><f>"t=\'e\'"</f><v>t="e"</v></c>'
                     "<c r='E1' t='e'><v>#REF!</v></c></row>"
                     '<row r="2"><c r="A2"><v>4</v></c></row>')
    assert XlsxBackend(path).read().tabs["Data"] == [["#N/A", "#DIV/0!", "#SPILL!", 't="e"', "#REF!"], [4.0]]


@pytest.mark.parametrize("content", [None, b"not a zip at all", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                     b"PK\x03\x04broken"])
def test_unreadable_file_is_unusable(tmp_path, content):
    path = tmp_path / "book.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(WorkbookUnusable) as err:
        XlsxBackend(path).read()
    assert isinstance(err.value.text, i18n.Text)
    for lang in ("en", "zh"):
        assert str(path) in err.value.text.render(lang)


def test_zip_without_workbook_is_unusable(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookUnusable):
        XlsxBackend(path).read()


def test_version_is_mtime_size_and_inode(tmp_path):
    path = one_sheet(tmp_path)
    st = os.stat(path)
    snap = XlsxBackend(path).read()
    assert snap.version == (st.st_mtime_ns, st.st_size, st.st_ino)
    assert snap.meta["parts"] == {"Data": "xl/worksheets/sheet1.xml"}


# ---- writing values ----------------------------------------------------------------

def test_write_replaces_cell_and_keeps_its_style(tmp_path):
    path = one_sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    cell = wb.active["C2"]
    cell.font, cell.fill = Font(bold=True, color="FFFF0000"), PatternFill("solid", fgColor="FFFFFF00")
    cell.number_format = "#,##0.00"
    wb.save(path)
    count, tabs = write_and_read(path, [CellWrite("Data", 2, 3, Decimal("1234.50"))])
    assert count == 1 and tabs["Data"][1] == ["R1", "Ann", 1234.5]
    after = openpyxl.load_workbook(path).active["C2"]
    assert after.value == 1234.5
    assert after.font.b and after.font.color.rgb == "FFFF0000"
    assert after.fill.fgColor.rgb == "FFFFFF00" and after.number_format == "#,##0.00"


def test_new_cells_take_the_format_of_their_column_or_row(tmp_path):
    """A cell the worker creates looks like one typed there: a manager who formats
    the reward column as money sees the worker's amounts as money."""
    path = one_sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.column_dimensions["D"].number_format = "#,##0.00"
    ws.row_dimensions[3].number_format = "0.0%"
    ws["C2"].number_format = "0"          # a cell of its own keeps its own format
    wb.save(path)
    assert re.search(r'<col [^>]*style="[1-9]', part_bytes(path, "xl/worksheets/sheet1.xml").decode())
    writes = [CellWrite("Data", 2, 4, Decimal("30000")), CellWrite("Data", 6, 4, Decimal("1234.5")),
              CellWrite("Data", 3, 5, Decimal("0.25")), CellWrite("Data", 2, 2, "Ann B"),
              CellWrite("Data", 2, 3, Decimal("11")), CellWrite("Data", 2, 5, "note")]
    _, tabs = write_and_read(path, writes)
    assert tabs["Data"][1] == ["R1", "Ann B", 11.0, 30000.0, "note"]
    ws = openpyxl.load_workbook(path).active
    assert ws["D2"].number_format == "#,##0.00" and ws["D6"].number_format == "#,##0.00"   # the column's
    assert ws["E3"].number_format == "0.0%"                                                # the row's
    assert ws["C2"].number_format == "0" and ws["E2"].number_format == "General"
    assert ws["B2"].number_format == "General" and ws["D6"].value == 1234.5


def test_write_inserts_cells_and_rows_in_order(tmp_path):
    path = one_sheet(tmp_path, [["A", None, "C"], [], ["x"], [], [None, "y"]])  # rows 2 and 4 do not exist
    writes = [CellWrite("Data", 1, 2, "B"), CellWrite("Data", 2, 1, "new2"), CellWrite("Data", 4, 3, 4),
              CellWrite("Data", 7, 2, "tail"), CellWrite("Data", 5, 1, "before-y")]
    _, tabs = write_and_read(path, writes)
    assert tabs["Data"] == [["A", "B", "C"], ["new2"], ["x"], [None, None, 4.0], ["before-y", "y"], [],
                            [None, "tail"]]
    xml = part_bytes(path, "xl/worksheets/sheet1.xml").decode()
    assert [int(r) for r in re.findall(r'<row r="(\d+)"', xml)] == [1, 2, 3, 4, 5, 7]
    assert re.findall(r'<c r="([A-Z]+)1"', xml) == ["A", "B", "C"]
    assert list(openpyxl.load_workbook(path).active.values)[0] == ("A", "B", "C")


def test_write_header_beyond_extent_widens_dimension_and_spans(tmp_path):
    path = one_sheet(tmp_path)
    sheet_data(path, '<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><t>Ref</t></is></c>'
                     '<c r="C1" t="inlineStr"><is><t>Amount</t></is></c></row>')
    _, tabs = write_and_read(path, [CellWrite("Data", 1, 6, "Status 状态")])
    assert tabs["Data"] == [["Ref", None, "Amount", None, None, "Status 状态"]]
    xml = part_bytes(path, "xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:F3"' in xml and 'spans="1:6"' in xml
    ws = openpyxl.load_workbook(path).active
    assert ws["F1"].value == "Status 状态" and ws.max_column == 6


@pytest.mark.parametrize("text", ["=1+2", "+86 138", "-5", "@x", "=SUM(A1:A2)"])
def test_formula_looking_text_stays_text(tmp_path, text):
    path = one_sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active["B2"] = "=1+1"  # overwriting a formula must leave no <f>
    wb.save(path)
    _, tabs = write_and_read(path, [CellWrite("Data", 2, 2, text), CellWrite("Data", 3, 2, text)])
    assert tabs["Data"][1][1] == text and tabs["Data"][2][1] == text
    ws = openpyxl.load_workbook(path).active
    for ref in ("B2", "B3"):
        assert ws[ref].value == text and ws[ref].data_type == "s"
    assert "<f>" not in part_bytes(path, "xl/worksheets/sheet1.xml").decode()


def test_write_bool_int_decimal_and_none(tmp_path):
    path = one_sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active["B3"].font = Font(italic=True)
    wb.save(path)
    writes = [CellWrite("Data", 2, 4, True), CellWrite("Data", 3, 4, False), CellWrite("Data", 2, 5, 30000),
              CellWrite("Data", 3, 5, Decimal("1E+3")), CellWrite("Data", 2, 6, Decimal("-0.000001")),
              CellWrite("Data", 2, 2, None), CellWrite("Data", 3, 2, None), CellWrite("Data", 9, 9, None),
              CellWrite("Data", 3, 6, Decimal("17290.00")), CellWrite("Data", 3, 7, Decimal("100.50"))]
    count, tabs = write_and_read(path, writes)
    assert count == 10
    assert tabs["Data"] == [["Ref", "Name", "Amount"], ["R1", None, 10.0, True, 30000.0, -0.000001],
                            ["R2", None, 20.0, False, 1000.0, 17290.0, 100.5]]
    xml = part_bytes(path, "xl/worksheets/sheet1.xml").decode()
    assert "<v>1000</v>" in xml and "<v>-0.000001</v>" in xml and 'r="B2"' not in xml
    assert "<v>17290</v>" in xml and "<v>100.5</v>" in xml          # no trailing zeros: tools read 17290, not 17290.0
    ws = openpyxl.load_workbook(path).active
    assert ws["D2"].value is True and ws["E2"].value == 30000 and ws["B3"].value is None and ws["B3"].font.i
    assert type(ws["F3"].value) is int and ws["F3"].value == 17290


def test_awkward_strings_round_trip(tmp_path):
    texts = [" lead and trail ", "two\nlines", "crlf\r\nend", "tab\there", "<a & b>", "_x0041_ stays", "引号\"'",
             "emoji 🎉"]
    path = one_sheet(tmp_path)
    writes = [CellWrite("Data", 10 + i, 1, t) for i, t in enumerate(texts)] + [CellWrite("Data", 9, 1, "bell\x07x\x00")]
    _, tabs = write_and_read(path, writes)
    assert [row[0] for row in tabs["Data"][9:]] == texts
    assert tabs["Data"][8] == ["bellx"]
    ws = openpyxl.load_workbook(path).active
    # openpyxl does not decode OOXML _xHHHH_ escapes in inline strings (Excel and calamine do)
    assert [ws.cell(10 + i, 1).value for i in range(len(texts))] == [
        "_x005F_x0041_ stays" if t.startswith("_x0041_") else t for t in texts]


# ---- what must survive -----------------------------------------------------------------

def rich_book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws.append(["Ref", "Amount", "Status"])
    ws.append(["R1", 5, "new"])
    ws.append(["R2", 7, "new"])
    ws["E1"] = "=SUM(B2:B3)"
    dv = DataValidation(type="list", formula1='"new,paid"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("C2:C100")
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="Rules!$B$1")
    rules = wb.create_sheet("Rules")
    rules.append(["rate", 0.05])
    return save(wb, tmp_path)


def test_other_parts_survive_byte_for_byte(tmp_path):
    path = rich_book(tmp_path)
    def entries():
        with zipfile.ZipFile(path) as zf:
            return {i.filename: (zf.read(i), i.compress_type, i.compress_size, i.CRC, i.date_time)
                    for i in zf.infolist()}
    before = entries()
    write_and_read(path, [CellWrite("Referrals", 2, 3, "paid")])
    after = entries()
    assert list(after) == list(before)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["xl/worksheets/sheet1.xml"]
    wb = openpyxl.load_workbook(path)
    ws = wb["Referrals"]
    assert ws["C2"].value == "paid" and ws["E1"].value == "=SUM(B2:B3)"
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["C2:C100"]
    assert wb.defined_names["Rate"].attr_text == "Rules!$B$1"
    assert wb["Rules"]["B1"].value == 0.05


def test_overwriting_formula_drops_calc_chain(tmp_path):
    path = rich_book(tmp_path)
    replace_part(path, "xl/calcChain.xml", f'<calcChain xmlns="{MAIN}"><c r="E1" i="1"/></calcChain>'.encode())
    types = part_bytes(path, "[Content_Types].xml").replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    rels = part_bytes(path, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    replace_part(path, "[Content_Types].xml", types)
    replace_part(path, "xl/_rels/workbook.xml.rels", rels)
    write_and_read(path, [CellWrite("Referrals", 2, 3, "paid")])  # not a formula: calcChain stays
    assert "xl/calcChain.xml" in zipfile.ZipFile(path).namelist()
    write_and_read(path, [CellWrite("Referrals", 1, 5, "total")])
    with zipfile.ZipFile(path) as zf:
        assert "xl/calcChain.xml" not in zf.namelist()
        assert b"calcChain" not in zf.read("[Content_Types].xml") + zf.read("xl/_rels/workbook.xml.rels")
    assert openpyxl.load_workbook(path)["Referrals"]["E1"].value == "total"


def test_overwriting_shared_formula_master_hands_formula_on(tmp_path):
    path = one_sheet(tmp_path)
    sheet_data(path, "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>' + (
            f'<c r="B{r}"><f t="shared" ref="B1:B4" si="0">A1*2</f><v>2</v></c>' if r == 1 else
            f'<c r="B{r}"><f t="shared" si="0"/><v>{2 * r}</v></c>') + "</row>" for r in range(1, 5)))
    write_and_read(path, [CellWrite("Data", 1, 2, "manual"), CellWrite("Data", 2, 2, 9)])
    ws = openpyxl.load_workbook(path).active
    assert [ws[f"B{r}"].value for r in range(1, 5)] == ["manual", 9, "=A3*2", "=A4*2"]


def test_write_into_self_closing_sheetdata_and_prefixed_xml(tmp_path):
    path = one_sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Empty")
    wb.create_sheet("Prefixed")
    wb.save(path)
    empty = part_bytes(path, "xl/worksheets/sheet2.xml")
    replace_part(path, "xl/worksheets/sheet2.xml", re.sub(rb"<sheetData>\s*</sheetData>", b"<sheetData/>", empty))
    replace_part(path, "xl/worksheets/sheet3.xml", (
        f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1"/><x:sheetData><x:row r="2">'
        '<x:c r="B2"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>').encode())
    _, tabs = write_and_read(path, [CellWrite("Empty", 2, 2, "in"), CellWrite("Prefixed", 2, 1, "a"),
                                    CellWrite("Prefixed", 3, 3, "c")])
    assert tabs["Empty"] == [[], [None, "in"]]
    assert tabs["Prefixed"] == [[], ["a", 1.0], [None, None, "c"]]
    assert b"<x:c r=\"A2\" t=\"inlineStr\"><x:is><x:t" in part_bytes(path, "xl/worksheets/sheet3.xml")


def test_rows_and_cells_without_r_keep_their_place(tmp_path):
    path = one_sheet(tmp_path)
    sheet_data(path, '<row><c t="inlineStr"><is><t>a1</t></is></c><c><v>2</v></c></row>'
                     '<row><c r="C2"><v>3</v></c></row><row><c><v>4</v></c></row>')
    _, tabs = write_and_read(path, [CellWrite("Data", 1, 3, "c1"), CellWrite("Data", 2, 1, "a2")])
    assert tabs["Data"] == [["a1", 2.0, "c1"], ["a2", None, 3.0], [4.0]]


# ---- refusing to write ------------------------------------------------------------------

def test_empty_writes_touch_nothing(tmp_path):
    path = one_sheet(tmp_path)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    backend = XlsxBackend(path)
    snap, before = backend.read(), path.read_bytes()
    assert backend.write(snap, []) == 0
    assert os.stat(path).st_mtime_ns == 1_600_000_000_000_000_000 and path.read_bytes() == before


@pytest.mark.parametrize("lock_name", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_lock_file_means_busy(tmp_path, lock_name):
    path = one_sheet(tmp_path)
    backend = XlsxBackend(path)
    snap = backend.read()
    assert backend.busy() is None
    (tmp_path / lock_name).write_text("someone")
    before = path.read_bytes()
    text = backend.busy()
    assert text is not None and lock_name in text.render("en") and lock_name in text.render("zh")
    with pytest.raises(WorkbookBusy):
        backend.write(snap, [CellWrite("Data", 2, 3, 1)])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["book.xlsx", lock_name])


def test_lock_file_names(tmp_path):
    assert [p.name for p in lock_files(tmp_path / "referrals.xlsx")] == ["~$referrals.xlsx", ".~lock.referrals.xlsx#"]


def test_changed_since_read_is_refused(tmp_path):
    path = one_sheet(tmp_path)
    backend = XlsxBackend(path)
    snap = backend.read()
    wb = openpyxl.load_workbook(path)
    wb.active["A5"] = "someone typed this"
    wb.save(path)
    os.utime(path, ns=(snap.version[0] + 5_000_000_000,) * 2)
    before = path.read_bytes()
    with pytest.raises(WorkbookChanged) as err:
        backend.write(snap, [CellWrite("Data", 2, 3, 1)])
    assert "xlsx.changed" == err.value.text.key
    assert path.read_bytes() == before


def test_guards(tmp_path):
    path = one_sheet(tmp_path, [["Ref", "Status"], ["R1"], [7]])
    backend = XlsxBackend(path)
    snap, before = backend.read(), path.read_bytes()
    with pytest.raises(WorkbookChanged):
        backend.write(snap, [CellWrite("Data", 2, 2, "ok")], [RowGuard("Data", 2, 1, "R2")])
    with pytest.raises(WorkbookChanged):
        backend.write(snap, [CellWrite("Data", 2, 2, "ok")], [RowGuard("Data", 4, 1, "R9")])
    assert path.read_bytes() == before
    good = [RowGuard("Data", 2, 1, "R1"), RowGuard("Data", 3, 1, "7"), RowGuard("Data", 4, 1, None)]
    assert backend.write(snap, [CellWrite("Data", 2, 2, "ok")], good) == 1


def test_atomic_save_leaves_no_temp_files_and_keeps_mode(tmp_path):
    path = one_sheet(tmp_path)
    os.chmod(path, 0o640)
    backend = XlsxBackend(path)
    snap = backend.read()
    with pytest.raises(ValueError):
        backend.write(snap, [CellWrite("Data", 2, 2, "x"), CellWrite("Nope", 1, 1, "x")])
    with pytest.raises(TypeError):
        backend.write(snap, [CellWrite("Data", 2, 2, 1.5j)])
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"] and backend.read().version == snap.version
    backend.write(snap, [CellWrite("Data", 2, 2, "x")])
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


# ---- a bigger sheet ---------------------------------------------------------------------

def test_scattered_patch_on_3000_rows_changes_only_written_cells(tmp_path):
    rnd = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Big"
    ws.append([f"H{c}" for c in range(8)])
    for r in range(3000):
        ws.append([f"R{r:05d}", r * 1.25, None if r % 3 else "sometimes", r, dt.date(2024, 1, 1 + r % 28),
                   "z" * (r % 4), None, True if r % 2 else False])
    wb.create_sheet("Other")["A1"] = "keep"
    path = save(wb, tmp_path)
    backend = XlsxBackend(path)
    before = backend.read()
    writes = {(1, 9): "Status", (1, 10): "Note"}
    for row in rnd.sample(range(2, 3002), 150):
        for col, value in ((3, "filled"), (7, Decimal(row) / 4), (9, f"s{row}"), (10, None), (2, None)):
            writes[(row, col)] = value
    writes.update({(3005, 1): "appended", (3002, 12): True})
    count = backend.write(before, [CellWrite("Big", r, c, v) for (r, c), v in writes.items()])
    assert count == len(writes)
    after = backend.read()
    assert after.tabs["Other"] == before.tabs["Other"]
    old, new = before.tabs["Big"], after.tabs["Big"]
    for r in range(max(len(old), len(new))):
        for c in range(12):
            got = new[r][c] if r < len(new) and c < len(new[r]) else None
            if (r + 1, c + 1) in writes:
                value = writes[(r + 1, c + 1)]
                assert got == (float(value) if isinstance(value, Decimal) else value), (r + 1, c + 1)
            else:
                assert got == (old[r][c] if r < len(old) and c < len(old[r]) else None), (r + 1, c + 1)
    ws = openpyxl.load_workbook(path, read_only=True)["Big"]
    assert ws.max_row == 3005 and ws.max_column == 12


# ---- percent-formatted cells ---------------------------------------------------------

def test_a_number_in_a_percent_formatted_cell_reads_as_the_percentage_it_shows(tmp_path):
    """Typing 0.3% in Excel stores 0.003 with a percent format: the Rules rate
    (in %) must read 0.3, not 0.003."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rules"
    ws.append(["Rate %", "Fixed", "Note"])
    ws.append([0.003, 500, "plain"])
    ws.append([0.3, 0.25, 0.5])
    ws.append(["0.3%", None, 3.0000000000000001E-3])
    ws["A2"].number_format = "0.0%"          # custom percent format
    ws["A3"].number_format = "0%"            # built-in 9
    ws["B3"].number_format = "0.00"          # not a percentage: stays a number
    ws["A4"].number_format = "0.00%"         # text in a percent cell stays the text
    ws["C4"].number_format = '0.00%;[Red]-0.00%'
    ws.append([None, None, None])
    wb.create_sheet("Other")["A1"] = 0.5
    tabs = XlsxBackend(save(wb, tmp_path)).read().tabs
    assert tabs["Rules"][1] == ["0.3%", 500, "plain"]
    assert tabs["Rules"][2] == ["30%", 0.25, 0.5]
    assert tabs["Rules"][3] == ["0.3%", None, "0.3%"]
    assert tabs["Other"] == [[0.5]]


def test_a_percent_formatted_rule_rate_pays_what_the_cell_shows(tmp_path):
    from conftest import World, referral
    w = World(tmp_path)
    w.standard([referral(**{"Deal amount": 880000, "Deal date": "2026-10-05"})],
               [["Recipient", "Rate %", "Reward type"], ["referrer", 0.003, "cash"]])
    w.edit(lambda ws: setattr(ws["B2"], "number_format", "0.0%"), "Rules")
    w.sync()
    assert w.rows()[0]["Referrer reward"] == 2640
