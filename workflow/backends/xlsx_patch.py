"""Patch cell values into an .xlsx package: worksheet XML as bytes, other parts as-is.

Loading a 100 000-row sheet into a DOM (or openpyxl) takes tens of seconds and
drops what the loader does not understand.  The status cells we write are a
tiny fraction of the sheet, so we locate only the rows we touch with regexes
and copy everything else through as untouched byte slices; zip entries that
do not change are copied still compressed.

Assumptions (true for Excel, WPS, LibreOffice and openpyxl output): no CDATA or
comments inside <sheetData>, and one namespace prefix for the whole sheet
(usually none; `x:` from the .NET SDK is handled).
"""
from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from .base import WriteValue

MAX_ROW, MAX_COL = 1_048_576, 16_384

_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_REF = re.compile(rb"^([A-Za-z]{1,3})([0-9]+)$")
_SHEETDATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b([^>]*?)(/?)>")
# Characters XML 1.0 forbids (tab, newline and carriage return are allowed).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# OOXML readers decode _xHHHH_ in strings; a literal one must have its "_" escaped.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


@dataclass
class PatchResult:
    xml: bytes | bytearray   # the patched worksheet part (grown in place: patch_sheet)
    formulas_removed: bool  # a formula cell was overwritten: calcChain must go


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: bytes | str) -> int:
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(ch) - 64
    return number


def split_ref(ref: bytes) -> tuple[int, int] | None:
    """b"AB12" -> (12, 28); None when it is not a plain cell reference."""
    m = _REF.match(ref.replace(b"$", b""))
    return (int(m.group(2)), col_number(m.group(1))) if m else None


def _attrs(raw: bytes) -> list[tuple[bytes, bytes]]:
    """Attributes as (name, value with its quotes), in order, bytes kept verbatim."""
    return _ATTR.findall(raw)


def _attr(attrs: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, quoted in attrs:
        if key == name:
            return quoted[1:-1]
    return None


def _row_number(raw: bytes) -> int | None:
    """A row tag's r; fast path for the usual r-first layout, since every row is looked at."""
    if raw.startswith(b' r="'):
        return int(raw[4:raw.index(b'"', 4)])
    r = _attr(_attrs(raw), b"r")
    return int(r) if r is not None else None


def _join_attrs(attrs: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(b" " + key + b"=" + quoted for key, quoted in attrs)


def number_text(value: int | Decimal | float) -> str:
    """Plain decimal notation, no trailing zeros (17290.00 → "17290", so a tool reading the file gets
    the integer 17290, not 17290.0): Excel reads "1E+20" fine but people and some tools do not."""
    if isinstance(value, int):
        return str(value)
    dec = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not dec.is_finite():
        raise ValueError(f"cannot write {value!r} to a cell")
    text = format(dec, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def escape_text(value: str) -> bytes:
    """A str as the content of <t>: illegal characters dropped, \\r kept as &#13;."""
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", _ILLEGAL.sub("", value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;").encode("utf-8")


def cell_xml(p: bytes, ref: bytes, value: WriteValue, kept: list[tuple[bytes, bytes]]) -> bytes | None:
    """The <c> element for a written value; None when a cleared cell has no style to keep.

    Strings are inline strings, which are never formulas, whatever they start with."""
    head = b"<" + p + b"c r=\"" + ref + b"\"" + _join_attrs(kept)
    if value is None:
        return head + b"/>" if _attr(kept, b"s") is not None else None
    if isinstance(value, bool):
        return head + b' t="b"><' + p + b"v>" + (b"1" if value else b"0") + b"</" + p + b"v></" + p + b"c>"
    if isinstance(value, (int, Decimal, float)):
        num = number_text(value).encode()
        return head + b"><" + p + b"v>" + num + b"</" + p + b"v></" + p + b"c>"
    if isinstance(value, str):
        return (head + b' t="inlineStr"><' + p + b'is><' + p + b't xml:space="preserve">' + escape_text(value)
                + b"</" + p + b"t></" + p + b"is></" + p + b"c>")
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


class _SheetPatcher:
    """One pass over <sheetData>: rewrite touched rows, insert missing ones, copy the rest."""

    def __init__(self, xml: bytes, cells: dict[tuple[int, int], WriteValue]) -> None:
        m = _SHEETDATA.search(xml)
        if m is None:
            raise ValueError("worksheet has no <sheetData>")
        self.p = p = m.group(1)
        if m.group(3):  # <sheetData/>: open it up so rows can go in
            xml = xml[:m.start()] + b"<" + p + b"sheetData" + m.group(2) + b"></" + p + b"sheetData>" + xml[m.end():]
            m = _SHEETDATA.search(xml)
        self.xml, self.start = xml, m.start()
        self.body, self.end = m.end(), xml.find(b"</" + p + b"sheetData>", m.end())
        if self.end < 0:
            raise ValueError("worksheet <sheetData> is not closed")
        self.rows: dict[int, dict[int, WriteValue]] = {}
        for (row, col), value in cells.items():
            self.rows.setdefault(row, {})[col] = value
        self.col_styles = _column_styles(xml[:m.start()], p)
        self.formulas_removed = False
        self.orphans: list[tuple[bytes, bytes, bytes, str]] = []  # shared-formula masters overwritten
        self._row_re = re.compile(b"<" + re.escape(p) + rb"row\b([^>]*)>")  # greedy: fast on long tags
        self._cell_re = re.compile(b"<" + re.escape(p) + rb"c\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + b"c>)", re.S)
        self._f_re = re.compile(b"<" + re.escape(p) + rb"f\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + b"f>)", re.S)

    def run(self) -> bytearray:
        # grown in place, each piece let go once added: a 100 000-row sheet's XML is
        # over 100 MB, and a list of its pieces joined at the end held it twice
        out = bytearray(self._patched_head())
        last, wanted, implicit = self.start, deque(sorted(self.rows)), 0
        for m in self._row_re.finditer(self.xml, self.body, self.end):
            if not wanted:
                break  # the rest of the sheet is copied as one slice
            raw = m.group(1)
            closed = raw.endswith(b"/")
            raw = raw[:-1] if closed else raw
            explicit = _row_number(raw)
            number = implicit = explicit or implicit + 1
            while wanted and wanted[0] < number:  # rows that do not exist yet go before this one
                out += self.xml[last:m.start()]
                out += self._new_row(wanted.popleft())
                last = m.start()
            if wanted and wanted[0] == number:
                wanted.popleft()
                inner_end = m.end() if closed else self.xml.find(b"</" + self.p + b"row>", m.end())
                if inner_end < 0:
                    raise ValueError(f"row {number} is not closed")
                row_end = m.end() if closed else inner_end + len(self.p) + 6
                out += self.xml[last:m.start()]
                out += self._rewrite_row(number, _attrs(raw), self.xml[m.end():inner_end])
                last = row_end
            elif explicit is None:  # rows before it may shift: make its number explicit
                out += self.xml[last:m.start()]
                out += b"<%srow r=\"%d\"" % (self.p, number) + m.group(1) + b">"
                last = m.end()
        if wanted:
            out += self.xml[last:self.end]
            for row in wanted:
                out += self._new_row(row)
            last = self.end
        out += self.xml[last:]
        result = out
        for orphan in self.orphans:
            result = self._adopt_shared_master(result, *orphan)
        return result

    def _patched_head(self) -> bytes:
        """Everything before <sheetData>, with <dimension ref> widened to the cells written."""
        head = self.xml[:self.start]
        filled = [rc for rc, v in self._cells_items() if v is not None]
        dim = re.search(b"<" + re.escape(self.p) + rb"dimension\b[^>]*?\bref=\"([^\"]*)\"", head)
        if not filled or dim is None:
            return head
        corners = [split_ref(part) for part in dim.group(1).split(b":")]
        if any(c is None for c in corners):
            return head
        rows = [c[0] for c in corners] + [rc[0] for rc in filled]
        cols = [c[1] for c in corners] + [rc[1] for rc in filled]
        ref = f"{col_letters(min(cols))}{min(rows)}:{col_letters(max(cols))}{max(rows)}".encode()
        return head[:dim.start(1)] + ref + head[dim.end(1):]

    def _cells_items(self):
        return (((row, col), v) for row, cols in self.rows.items() for col, v in cols.items())

    def _new_row(self, number: int) -> bytes:
        return self._rewrite_row(number, [], b"")

    def _rewrite_row(self, number: int, attrs: list[tuple[bytes, bytes]], inner: bytes) -> bytes:
        """The row with its wanted cells replaced or inserted, cells sorted by column."""
        cells, other, pos, col = {}, [], 0, 0
        for m in self._cell_re.finditer(inner):
            if inner[pos:m.start()].strip():
                other.append(inner[pos:m.start()])
            pos = m.end()
            cattrs = _attrs(m.group(1))
            where = split_ref(_attr(cattrs, b"r") or b"")
            col = where[1] if where else col + 1
            cells[col] = (cattrs, m.group(0), m.group(2) or b"")
        if inner[pos:].strip():
            other.append(inner[pos:])
        built = {}
        row_style = _attr(attrs, b"s") if _attr(attrs, b"customFormat") in (b"1", b"true") else None
        for col in sorted(set(cells) | set(self.rows[number])):
            ref = f"{col_letters(col)}{number}".encode()
            if col not in self.rows[number]:
                cattrs, whole, _ = cells[col]
                at = len(self.p) + 2  # just after "<c": give an r-less cell its explicit reference
                built[col] = whole if _attr(cattrs, b"r") else whole[:at] + b' r="' + ref + b'"' + whole[at:]
                continue
            if col in cells:
                cattrs, _, content = cells[col]
                self._note_formula(content, ref)
                kept = [(k, v) for k, v in cattrs if k not in (b"r", b"t", b"cm", b"vm")]
            else:    # a new cell is formatted as one typed there: the row's format, else its column's
                style = row_style if row_style is not None else self.col_styles.get(col)
                kept = [] if style is None or self.rows[number][col] is None else [(b"s", b'"' + style + b'"')]
            xml = cell_xml(self.p, ref, self.rows[number][col], kept)
            if xml is not None:
                built[col] = xml
        row_attrs = [(b"r", b'"%d"' % number)] + [(k, v) for k, v in attrs if k not in (b"r", b"spans")]
        if built and _attr(attrs, b"spans") is not None:
            row_attrs.insert(1, (b"spans", b'"%d:%d"' % (min(built), max(built))))
        tag = b"<" + self.p + b"row" + _join_attrs(row_attrs)
        return tag + b">" + b"".join(built.values()) + b"".join(other) + b"</" + self.p + b"row>"

    def _note_formula(self, content: bytes, ref: bytes) -> None:
        """Remember an overwritten formula; a shared-formula master must hand its text on."""
        f = self._f_re.search(content)
        if f is None:
            return
        self.formulas_removed = True
        fattrs = _attrs(f.group(1))
        if _attr(fattrs, b"t") == b"shared" and _attr(fattrs, b"si") is not None and f.group(2):
            self.orphans.append((_attr(fattrs, b"si"), f.group(1), f.group(2), ref.decode()))

    def _adopt_shared_master(self, xml: bytes, si: bytes, fattrs: bytes, text: bytes, origin: str) -> bytes:
        """Cells sharing a formula only hold its id; the first one left becomes the new master.

        Without this Excel reports the workbook as damaged and drops those formulas."""
        p = re.escape(self.p)
        pattern = re.compile(b"<" + p + rb"f\b[^>]*?\bsi=[\"']" + re.escape(si)
                             + rb"[\"'][^>]*?(?:/>|>\s*</" + p + b"f>)")
        dep = pattern.search(xml, self.start)
        if dep is None:
            return xml
        cell_start = xml.rfind(b"<" + self.p + b"c ", 0, dep.start())
        ref = _attr(_attrs(xml[cell_start:xml.find(b">", cell_start)]), b"r")
        if ref is None:
            return xml
        from openpyxl.formula.translate import Translator  # only needed here; slow to import

        formula = Translator("=" + html.unescape(text.decode()), origin=origin).translate_formula(ref.decode())
        body = formula[1:].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        master = b"<" + self.p + b"f" + fattrs + b">" + body + b"</" + self.p + b"f>"
        return xml[:dep.start()] + master + xml[dep.end():]


def _column_styles(head: bytes, p: bytes) -> dict[int, bytes]:
    """Column → the style id its <col> gives the cells typed into it (style 0 is no format)."""
    out: dict[int, bytes] = {}
    for m in re.finditer(b"<" + re.escape(p) + rb"col\b([^>]*?)/?>", head):
        attrs = _attrs(m.group(1))
        style, lo, hi = _attr(attrs, b"style"), _attr(attrs, b"min"), _attr(attrs, b"max")
        if style and style != b"0" and style.isdigit() and lo and hi and lo.isdigit() and hi.isdigit():
            for col in range(int(lo), min(int(hi), MAX_COL) + 1):
                out[col] = style
    return out


def patch_sheet(xml: bytes, cells: dict[tuple[int, int], WriteValue]) -> PatchResult:
    """Apply {(row, col): value} (1-based) to one worksheet part."""
    patcher = _SheetPatcher(xml, cells)
    return PatchResult(patcher.run(), patcher.formulas_removed)


def drop_calc_chain(content_types: bytes, rels: bytes, rel_id: str, part: str) -> tuple[bytes, bytes]:
    """[Content_Types].xml and workbook rels without the calcChain part (Excel rebuilds it)."""
    override = re.compile(rb"<(?:\w+:)?Override\b[^>]*?PartName=[\"']/" + re.escape(part.encode()) + rb"[\"'][^>]*/>")
    rel = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*?\bId=[\"']" + re.escape(rel_id.encode()) + rb"[\"'][^>]*/>")
    return override.sub(b"", content_types, count=1), rel.sub(b"", rels, count=1)
