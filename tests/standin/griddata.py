"""spreadsheets.get with grid data: `ranges` and a `fields` mask naming `sheets.data` (or
includeGridData=true without a mask), as the real API serves them.

- With `ranges`, only the sheets the ranges fall in are listed, each with one GridData per range
  (`startRow`/`startColumn` left out when 0, as Google leaves out zero numbers).
- Without `ranges`, every grid sheet is listed with one GridData of its whole grid.
- rowData runs to the last row holding something the mask asks for; a row's `values` run to its
  last such cell; an empty cell is {}. Cell fields served: effectiveValue ({numberValue,
  stringValue, boolValue, errorValue}; dates as serial numbers), userEnteredValue, formattedValue,
  dataValidation, and effectiveFormat.numberFormat {type, pattern} of a number that has a number
  format (typed as a date, a time, `3%`, `$5`, `1,200.50`); a number in the automatic format has no
  numberFormat, and no effectiveFormat is served then. Other cell fields are left out.
  effectiveFormat is not in the recorded contracts: its shape follows the API reference
  (CellData.effectiveFormat → CellFormat.numberFormat → NumberFormat {type, pattern}).
"""
from __future__ import annotations

from .a1 import Box, resolve
from .cells import SHOWN, Typed, renderer
from .fields import select

PATTERNS = {"PERCENT": ("0%", "0.00%"), "CURRENCY": ("$#,##0", "$#,##0.00"), "NUMBER": ("#,##0", "#,##0.00"),
            "DATE": ("yyyy-mm-dd",) * 2, "DATE_TIME": ("yyyy-mm-dd H:mm:ss",) * 2, "TIME": ("H:mm:ss",) * 2}

ERRORS = {"#NULL!": "NULL_VALUE", "#DIV/0!": "DIV_BY_ZERO", "#VALUE!": "VALUE", "#REF!": "REF",
          "#NAME?": "NAME", "#NUM!": "NUM", "#N/A": "N_A", "#ERROR!": "ERROR"}


def wants_grid(query: dict, tree: dict | None) -> bool:
    if tree is None:
        return (query.get("includeGridData") or ["false"])[0].lower() == "true"
    sheets = tree.get("sheets", {})
    return sheets is None or "data" in sheets


def _extended(v) -> dict:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, (int, float)):
        return {"numberValue": v}
    if isinstance(v, str) and v in ERRORS:
        return {"errorValue": {"type": ERRORS[v], "message": f"{v} (sheets stand-in)"}}
    return {"stringValue": str(v)}


def number_format(raw) -> dict | None:
    """The effectiveFormat of a stored cell, when it has a number format."""
    v = raw.value if type(raw) is Typed else raw
    if type(v) not in SHOWN or v.kind not in PATTERNS:
        return None
    plain, decimals = PATTERNS[v.kind]
    return {"numberFormat": {"type": v.kind, "pattern": decimals if "." in v.text else plain}}


def _cells_wanted(tree: dict | None) -> dict | None:
    """The mask below sheets.data.rowData.values (None = every field)."""
    node = tree
    for key in ("sheets", "data", "rowData", "values"):
        if node is None:
            return None
        node = node.get(key, {}) if key in node else {}
    return node


def _values_only(tab, box, formats) -> list[dict]:
    """The fast path for a mask of effectiveValue (and the number format) alone: only stored cells
    are looked at."""
    effective = renderer("UNFORMATTED_VALUE", "SERIAL_NUMBER")
    rows = []
    for row in tab.rows[box.r0:box.r1]:
        seg = row[box.c0:box.c1]
        n = len(seg)
        while n and seg[n - 1] is None:
            n -= 1
        cells = [{} if v is None else {"effectiveValue": _extended(effective(v))} for v in seg[:n]]
        if formats is not False:
            for cell, v in zip(cells, seg):
                fmt = number_format(v) if v is not None else None
                if fmt is not None:
                    cell["effectiveFormat"] = select(fmt, formats)
        rows.append({"values": cells} if n else {})
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _grid(tab, box, wanted) -> dict:
    if wanted is not None and set(wanted) - {"effectiveFormat"} == {"effectiveValue"}:
        return _block(box, _values_only(tab, box, wanted.get("effectiveFormat", False)))
    effective = renderer("UNFORMATTED_VALUE", "SERIAL_NUMBER")
    formatted = renderer("FORMATTED_VALUE", "FORMATTED_STRING")
    entered = renderer("FORMULA", "SERIAL_NUMBER")
    every = wanted is None
    rows = []
    wide = every or "dataValidation" in wanted     # a validation can sit on an empty cell
    height = box.r1 if wide else min(box.r1, len(tab.rows))
    for r in range(box.r0, height):
        values, last = [], 0
        width = box.c1 if wide else min(box.c1, len(tab.rows[r]))
        for c in range(box.c0, width):
            raw = tab.cell(r, c)
            cell = {}
            if raw is not None:
                if every or "effectiveValue" in wanted:
                    cell["effectiveValue"] = _extended(effective(raw))
                if every or "userEnteredValue" in wanted:
                    v = entered(raw)
                    cell["userEnteredValue"] = ({"formulaValue": v} if isinstance(v, str) and v.startswith("=")
                                                else _extended(v))
                if every or "formattedValue" in wanted:
                    cell["formattedValue"] = formatted(raw)
                fmt = number_format(raw) if every or "effectiveFormat" in wanted else None
                if fmt is not None:
                    cell["effectiveFormat"] = select(fmt, None if every else wanted["effectiveFormat"])
            if every or "dataValidation" in wanted:
                rule = tab.validation_at(r, c)
                if rule is not None:
                    cell["dataValidation"] = rule
            values.append(cell)
            if cell:
                last = len(values)
        rows.append({"values": values[:last]} if last else {})
    while rows and not rows[-1]:
        rows.pop()
    return _block(box, rows)


def _block(box, rows) -> dict:
    out = {}
    if box.r0:
        out["startRow"] = box.r0
    if box.c0:
        out["startColumn"] = box.c0
    if rows:
        out["rowData"] = rows
    return out


def with_grid(book, meta: dict, query: dict, tree: dict | None, data: bool) -> dict:
    """`meta` (book.metadata()) limited to the sheets of `ranges`, with grid data when asked for."""
    ranges = query.get("ranges") or []
    wanted = _cells_wanted(tree)
    by_id = {s["properties"]["sheetId"]: s for s in meta["sheets"]}
    if ranges:
        order, blocks = [], {}
        for text in ranges:
            box = resolve(book, text)
            sid = box.tab.sheet_id
            if sid not in blocks:
                order.append(sid)
                blocks[sid] = []
            blocks[sid].append(box)
        # listed in the spreadsheet's tab order, as Google does
        order.sort(key=lambda sid: by_id[sid]["properties"]["index"])
        meta["sheets"] = [by_id[sid] for sid in order]
    else:
        blocks = {t.sheet_id: [_whole(t)] for t in book.tabs}
    if data:
        for sheet in meta["sheets"]:
            sid = sheet["properties"]["sheetId"]
            tab = book.tab_by_id(sid)
            sheet["data"] = [_grid(tab, box, wanted) for box in blocks.get(sid, [])]
    return meta


def _whole(tab):
    return Box(tab, 0, tab.row_count, 0, tab.col_count)
