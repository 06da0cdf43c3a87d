"""xlsx: cells formatted as a percentage are read as the percentage they show (see percent.py).

calamine gives the stored number (0.003 for a cell showing 0.3%).  So for the
tabs a person types settings into (every worksheet part but the big ones: a
Referrals tab has no percentages and is not scanned), a number in a
percent-formatted cell arrives as the text it shows ("0.3%").
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

from .percent import is_percent_pattern, percent_text

_SMALL_PART = 2_000_000        # bytes of worksheet XML: the Rules, Settings, Milestones, Staff tabs
_BUILTIN_PERCENT = {9, 10}     # 0% and 0.00%
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)>\s*<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ATTR = re.compile(rb"""(\w+)\s*=\s*["']([^"']*)["']""")
_REF = re.compile(rb"^([A-Z]{1,3})([0-9]+)$")


def percent_styles(zf: zipfile.ZipFile, styles_entry: str | None) -> set[bytes]:
    """The cell style ids (the `s` of a cell) whose number format is a percentage."""
    if styles_entry is None:
        return set()
    try:
        root = ET.fromstring(zf.read(styles_entry))
    except ET.ParseError:
        return set()
    local = {el: el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    custom = {int(el.get("numFmtId", "-1")) for el, tag in local.items()
              if tag == "numFmt" and is_percent_pattern(el.get("formatCode", ""))}
    percent = _BUILTIN_PERCENT | custom
    xfs = next((el for el, tag in local.items() if tag == "cellXfs"), None)
    if xfs is None:
        return set()
    out = set()
    for i, xf in enumerate(x for x in xfs if x.tag.rsplit("}", 1)[-1] == "xf"):
        fmt = xf.get("numFmtId", "0")
        if fmt.isdigit() and int(fmt) in percent:
            out.add(str(i).encode())
    return out


def percent_texts(zf: zipfile.ZipFile, part: str, styles: set[bytes]) -> list[tuple[int, int, str]]:
    """(row, column, shown text) of the numbers in percent-formatted cells of one small worksheet part."""
    if not styles or zf.getinfo(part).file_size > _SMALL_PART:
        return []
    out = []
    for m in _CELL.finditer(zf.read(part)):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get(b"s") not in styles or attrs.get(b"t", b"n") != b"n":
            continue
        ref = _REF.match(attrs.get(b"r", b""))
        if ref is None:
            continue
        text = percent_text(m.group(2))
        if text is None:
            continue
        col = 0
        for ch in ref.group(1).decode():
            col = col * 26 + ord(ch) - 64
        out.append((int(ref.group(2)), col, text))
    return out
