"""The .xlsx package around the worksheets: which zip entry holds which tab,
and a package written back with patched sheets and every other entry copied
byte for byte (still compressed)."""
from __future__ import annotations

import posixpath
import struct
import xml.etree.ElementTree as ET
import zipfile
from urllib.parse import unquote

from .xlsx_patch import drop_calc_chain, patch_sheet

_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_STRICT_REL_TYPE = "http://purl.oclc.org/ooxml/officeDocument/relationships/"


def _entry(zf: zipfile.ZipFile, part: str) -> str | None:
    """The zip entry for a part name; part names are case-insensitive in OOXML."""
    names = {n.lower(): n for n in zf.namelist()}
    return names.get(part.lower())


def _rels(zf: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(Id, type suffix, target part) of a part's internal relationships."""
    folder, name = posixpath.split(part)
    entry = _entry(zf, posixpath.join(folder, "_rels", name + ".rels"))
    if entry is None:
        return []
    found = []
    for el in ET.fromstring(zf.read(entry)):
        target, kind = unquote(el.get("Target", "")), el.get("Type", "")
        if el.get("TargetMode") == "External" or not target:
            continue
        resolved = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((el.get("Id", ""), kind.replace(_REL_TYPE, "").replace(_STRICT_REL_TYPE, ""), resolved))
    return found


def workbook_part(zf: zipfile.ZipFile) -> str:
    main = [target for _, kind, target in _rels(zf, "") if kind == "officeDocument"]
    part = main[0] if main else "xl/workbook.xml"
    if _entry(zf, part) is None:
        raise zipfile.BadZipFile("no workbook part")
    return _entry(zf, part)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Tab name -> zip entry of its worksheet, in workbook order (chart sheets left out)."""
    wb_part = workbook_part(zf)
    targets = {rid: target for rid, kind, target in _rels(zf, wb_part) if kind == "worksheet"}
    parts = {}
    for el in ET.fromstring(zf.read(wb_part)).iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        entry = _entry(zf, targets.get(rid, ""))
        if entry is not None:
            parts[el.get("name", "")] = entry
    return parts


def styles_part(zf: zipfile.ZipFile) -> str | None:
    """The zip entry of the workbook's styles part, if it has one."""
    wb_part = workbook_part(zf)
    target = next((t for _rid, kind, t in _rels(zf, wb_part) if kind == "styles"), None)
    return _entry(zf, target) if target else None


def write_patched_package(src: zipfile.ZipFile, out, cells: dict[str, dict]) -> None:
    """Write the package to `out`: patched sheets, everything else byte-identical."""
    parts, wb_part = sheet_parts(src), workbook_part(src)
    replaced, formulas_removed = {}, False
    for tab, tab_cells in cells.items():
        if tab not in parts:
            raise ValueError(f"tab {tab!r} is not a worksheet in {src.filename}")
        result = patch_sheet(src.read(parts[tab]), tab_cells)
        replaced[parts[tab]], formulas_removed = result.xml, formulas_removed or result.formulas_removed
    chain = [(rid, target) for rid, kind, target in _rels(src, wb_part) if kind == "calcChain"]
    if formulas_removed and chain and _entry(src, chain[0][1]):
        rid, target = chain[0]
        folder, name = posixpath.split(wb_part)
        rels_entry, types_entry = _entry(src, posixpath.join(folder, "_rels", name + ".rels")), "[Content_Types].xml"
        replaced[types_entry], replaced[rels_entry] = drop_calc_chain(
            src.read(types_entry), src.read(rels_entry), rid, _entry(src, target))
        replaced[_entry(src, target)] = None  # dropped: Excel rebuilds the calculation chain
    with zipfile.ZipFile(out, "w") as dst:
        dst.comment = src.comment
        for info in src.infolist():
            if info.filename not in replaced:
                copy_entry(src, info, dst)
            elif replaced[info.filename] is not None:
                dst.writestr(fresh_info(info), replaced[info.filename])


def fresh_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """Same name, time, compression and attributes; sizes and offsets left for the writer."""
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
    copy.create_system, copy.comment = info.create_system, info.comment
    return copy


def copy_entry(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """Copy an unchanged entry's compressed bytes as they are.

    Recompressing a big sharedStrings.xml costs seconds and is not byte-identical.
    zipfile has no public raw copy, so this writes the local header with ZipInfo.FileHeader
    and registers the entry the way ZipFile.writestr does (stable since Python 3.6)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        dst.writestr(fresh_info(info), src.read(info))  # unusual entry: take the slow, safe way
        return
    src.fp.seek(info.header_offset)
    header = src.fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    src.fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = src.fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename} is truncated")
    copy = fresh_info(info)
    copy.CRC, copy.compress_size, copy.file_size = info.CRC, info.compress_size, info.file_size
    copy.header_offset = dst.fp.tell()
    dst.fp.write(copy.FileHeader())
    dst.fp.write(raw)
    dst.filelist.append(copy)
    dst.NameToInfo[copy.filename] = copy
    dst.start_dir = dst.fp.tell()
    dst._didModify = True
