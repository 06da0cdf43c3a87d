"""spreadsheets:batchUpdate — the structural requests the worker and gspread send.

Implemented: addSheet, deleteSheet, updateSheetProperties, updateSpreadsheetProperties,
setDataValidation, addProtectedRange, updateProtectedRange, deleteProtectedRange, insertDimension,
deleteDimension, appendDimension, updateCells, repeatCell; formatting-only requests are accepted and
ignored. The batch is all-or-nothing, as in the real API.
"""
from __future__ import annotations

from .a1 import exceeds
from .cells import Typed, date_cell, from_json, from_serial, number, user_entered
from .errors import ApiError, bad_request, invalid_value, unknown_field

REAL_KINDS = set("""updateSpreadsheetProperties updateSheetProperties updateDimensionProperties updateNamedRange
repeatCell addNamedRange deleteNamedRange addSheet deleteSheet autoFill cutPaste copyPaste mergeCells unmergeCells
updateBorders updateCells addFilterView appendCells clearBasicFilter deleteDimension deleteEmbeddedObject
deleteFilterView duplicateFilterView duplicateSheet findReplace insertDimension insertRange moveDimension
updateEmbeddedObjectPosition pasteData textToColumns updateFilterView deleteRange appendDimension
addConditionalFormatRule updateConditionalFormatRule deleteConditionalFormatRule sortRange setDataValidation
setBasicFilter addProtectedRange updateProtectedRange deleteProtectedRange autoResizeDimensions addChart
updateChartSpec updateBanding addBanding deleteBanding createDeveloperMetadata updateDeveloperMetadata
deleteDeveloperMetadata randomizeRange addDimensionGroup deleteDimensionGroup updateDimensionGroup trimWhitespace
deleteDuplicates updateEmbeddedObjectBorder addSlicer updateSlicerSpec addDataSource updateDataSource
deleteDataSource refreshDataSource cancelDataSourceRefresh addTable updateTable deleteTable""".split())
IGNORED = {"updateDimensionProperties", "autoResizeDimensions", "updateBorders", "addConditionalFormatRule",
           "updateConditionalFormatRule", "deleteConditionalFormatRule", "setBasicFilter", "clearBasicFilter",
           "mergeCells", "unmergeCells"}
CONDITIONS = set("""NUMBER_GREATER NUMBER_GREATER_THAN_EQ NUMBER_LESS NUMBER_LESS_THAN_EQ NUMBER_EQ NUMBER_NOT_EQ
NUMBER_BETWEEN NUMBER_NOT_BETWEEN TEXT_CONTAINS TEXT_NOT_CONTAINS TEXT_STARTS_WITH TEXT_ENDS_WITH TEXT_EQ
TEXT_IS_EMAIL TEXT_IS_URL DATE_EQ DATE_BEFORE DATE_AFTER DATE_ON_OR_BEFORE DATE_ON_OR_AFTER DATE_BETWEEN
DATE_NOT_BETWEEN DATE_IS_VALID ONE_OF_RANGE ONE_OF_LIST BLANK NOT_BLANK CUSTOM_FORMULA BOOLEAN TEXT_NOT_EQ
DATE_NOT_EQ FILTER_EXPRESSION""".split())


class Ctx:
    def __init__(self, book, index: int, kind: str, caller: str):
        self.book, self.index, self.kind, self.caller = book, index, kind, caller

    def fail(self, message: str) -> ApiError:
        return bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def tab(self, sheet_id):
        tab = self.book.tab_by_id(sheet_id or 0)
        if tab is None:
            raise self.fail(f"No grid with id: {sheet_id or 0}")
        return tab

    def span(self, grid: dict | None):
        """(tab, [r0, r1, c0, c1]) of a GridRange; None marks an open side."""
        grid = grid or {}
        tab = self.tab(grid.get("sheetId"))
        r0, c0 = grid.get("startRowIndex") or 0, grid.get("startColumnIndex") or 0
        r1, c1 = grid.get("endRowIndex"), grid.get("endColumnIndex")
        rr1 = tab.row_count if r1 is None else r1
        cc1 = tab.col_count if c1 is None else c1
        if r0 >= tab.row_count or c0 >= tab.col_count or rr1 > tab.row_count or cc1 > tab.col_count:
            raise exceeds(tab, r0, max(rr1, r0 + 1), c0, max(cc1, c0 + 1),
                          f"Invalid requests[{self.index}].{self.kind}: ")
        return tab, [r0, r1, c0, c1]


def clean(d):
    """Drop JSON nulls, as protobuf parsing does."""
    if isinstance(d, dict):
        return {k: clean(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [clean(v) for v in d]
    return d


def mask(fields: str | None, given: dict) -> set[str]:
    """Field paths named by a FieldMask string; "*" means every field present in `given`."""
    if not fields:
        raise bad_request("Invalid requests: 'fields' is required")
    out = set()
    for part in fields.split(","):
        part = part.strip().replace("/", ".")
        if part == "*":
            out |= set(paths(given))
        elif part:
            out.add(part)
    if "gridProperties" in out:
        out.discard("gridProperties")
        out |= {"gridProperties." + k for k in (given.get("gridProperties") or {})}
    return out


def paths(d: dict, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict) and k == "gridProperties":
            yield from paths(v, prefix + k + ".")
        else:
            yield prefix + k


# -- requests ------------------------------------------------------------------------------------

def add_sheet(ctx: Ctx, req: dict) -> dict:
    props = clean(req.get("properties") or {})
    book = ctx.book
    title = props.get("title") or f"Sheet{len(book.tabs) + 1}"
    if book.tab_by_title(title) is not None and book.tab_by_title(title).title.casefold() == title.casefold():
        raise ctx.fail(f'A sheet with the name "{title}" already exists. Please enter another name.')
    sheet_id = props.get("sheetId")
    if sheet_id is not None and book.tab_by_id(sheet_id) is not None:
        raise ctx.fail(f"Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    index = props.get("index")
    index = len(book.tabs) if index is None else min(index, len(book.tabs))
    tab = book.add_tab(title, [], grid.get("rowCount", 1000), grid.get("columnCount", 26),
                       sheet_id if sheet_id is not None else book.new_id({t.sheet_id for t in book.tabs}), index)
    tab.frozen_rows = grid.get("frozenRowCount", 0)
    tab.frozen_cols = grid.get("frozenColumnCount", 0)
    tab.hidden = bool(props.get("hidden"))
    return {"addSheet": {"properties": tab.properties(book.tabs.index(tab))}}


def delete_sheet(ctx: Ctx, req: dict) -> dict:
    tab = ctx.tab(req.get("sheetId"))
    if len(ctx.book.tabs) == 1:
        raise ctx.fail("You can't remove all the sheets in a document.")
    ctx.book.tabs.remove(tab)
    return {}


def update_sheet_properties(ctx: Ctx, req: dict) -> dict:
    props = clean(req.get("properties") or {})
    tab = ctx.tab(props.get("sheetId"))
    grid = props.get("gridProperties") or {}
    for field in mask(req.get("fields"), props):
        name = field.split(".")[-1]
        if field == "title":
            other = ctx.book.tab_by_title(props.get("title", ""))
            if other is not None and other is not tab and other.title.casefold() == props["title"].casefold():
                raise ctx.fail(f'A sheet with the name "{props["title"]}" already exists. '
                               "Please enter another name.")
            tab.title = props.get("title") or tab.title
        elif field == "index":
            ctx.book.tabs.remove(tab)
            ctx.book.tabs.insert(min(props.get("index", 0), len(ctx.book.tabs)), tab)
        elif field == "hidden":
            tab.hidden = bool(props.get("hidden"))
        elif field == "gridProperties.rowCount":
            if grid.get("rowCount", 0) < 1:
                raise ctx.fail("You can't delete all the rows on the sheet.")
            tab.resize(rows=grid["rowCount"])
        elif field == "gridProperties.columnCount":
            if grid.get("columnCount", 0) < 1:
                raise ctx.fail("You can't delete all the columns on the sheet.")
            tab.resize(cols=grid["columnCount"])
        elif field == "gridProperties.frozenRowCount":
            tab.frozen_rows = grid.get("frozenRowCount", 0)
        elif field == "gridProperties.frozenColumnCount":
            tab.frozen_cols = grid.get("frozenColumnCount", 0)
        elif field.startswith("gridProperties.") or name in ("tabColor", "tabColorStyle", "rightToLeft"):
            pass                                   # display-only (hideGridlines, tab colour)
        elif field != "sheetId":
            raise invalid_value("fields", "type.googleapis.com/google.protobuf.FieldMask", field)
    return {}


def update_spreadsheet_properties(ctx: Ctx, req: dict) -> dict:
    props = clean(req.get("properties") or {})
    fields = mask(req.get("fields"), props)
    if "title" in fields:
        ctx.book.title = props.get("title", "")
    if "locale" in fields:
        ctx.book.locale = props.get("locale", "en_US")
    if "timeZone" in fields:
        ctx.book.time_zone = props.get("timeZone", "Etc/GMT")
    return {}


def set_data_validation(ctx: Ctx, req: dict) -> dict:
    tab, span = ctx.span(req.get("range"))
    rule = clean(req.get("rule")) or None
    if rule is not None:
        kind = (rule.get("condition") or {}).get("type")
        if kind not in CONDITIONS:
            raise invalid_value(f"requests[{ctx.index}].set_data_validation.rule.condition.type",
                                "type.googleapis.com/google.apps.sheets.v4.ConditionType", kind)
        if kind == "ONE_OF_LIST" and not rule["condition"].get("values"):
            raise ctx.fail("Invalid ConditionValue: ONE_OF_LIST requires at least one value")
    inf = float("inf")

    def covers(outer, inner):
        return all((outer[i] or 0) <= (inner[i] or 0) and (inner[i + 1] if inner[i + 1] is not None else inf)
                   <= (outer[i + 1] if outer[i + 1] is not None else inf) for i in (0, 2))
    tab.validations = [v for v in tab.validations if not covers(span, v)]
    tab.validations.append(span + [rule])
    return {}


def add_protected_range(ctx: Ctx, req: dict) -> dict:
    pr = clean(req.get("protectedRange") or {})
    tab, span = ctx.span(pr.get("range"))
    taken = {p["id"] for t in ctx.book.tabs for p in t.protected}
    entry = {"id": pr.get("protectedRangeId") or ctx.book.new_id(taken), "span": span,
             "description": pr.get("description"), "warningOnly": bool(pr.get("warningOnly")),
             "editors": sorted(set((pr.get("editors") or {}).get("users", [])) | {ctx.caller})}
    tab.protected.append(entry)
    return {"addProtectedRange": {"protectedRange": tab.protected_json(entry, for_reply=True)}}


def _find_protected(ctx: Ctx, pid):
    for tab in ctx.book.tabs:
        for p in tab.protected:
            if p["id"] == pid:
                return tab, p
    raise ctx.fail(f"No protected range with id: {pid}")


def update_protected_range(ctx: Ctx, req: dict) -> dict:
    pr = clean(req.get("protectedRange") or {})
    tab, entry = _find_protected(ctx, pr.get("protectedRangeId"))
    for field in mask(req.get("fields"), pr):
        if field == "range":
            new_tab, entry["span"] = ctx.span(pr.get("range"))
            if new_tab is not tab:
                tab.protected.remove(entry)
                new_tab.protected.append(entry)
        elif field in ("description", "warningOnly"):
            entry[field] = pr.get(field)
        elif field == "editors":
            entry["editors"] = sorted(set((pr.get("editors") or {}).get("users", [])) | {ctx.caller})
    return {}


def delete_protected_range(ctx: Ctx, req: dict) -> dict:
    tab, entry = _find_protected(ctx, req.get("protectedRangeId"))
    tab.protected.remove(entry)
    return {}


def _dimension(ctx: Ctx, rng: dict):
    rng = clean(rng or {})
    tab = ctx.tab(rng.get("sheetId"))
    dim = rng.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise invalid_value(f"requests[{ctx.index}].{ctx.kind}.range.dimension",
                            "type.googleapis.com/google.apps.sheets.v4.Dimension", dim)
    start, end = rng.get("startIndex", 0), rng.get("endIndex")
    limit = tab.row_count if dim == "ROWS" else tab.col_count
    return tab, dim, start, end, limit


def insert_dimension(ctx: Ctx, req: dict) -> dict:
    tab, dim, start, end, limit = _dimension(ctx, req.get("range"))
    if end is None or end <= start or start > limit:
        raise ctx.fail(f"Invalid range: startIndex {start}, endIndex {end}; the sheet has {limit}.")
    if req.get("inheritFromBefore") and start == 0:
        raise ctx.fail("Cannot inherit properties from before if inserting at the beginning of the sheet.")
    before = bool(req.get("inheritFromBefore"))
    if dim == "ROWS":
        tab.insert_rows(start, end - start, inherit_before=before)
    else:
        tab.insert_cols(start, end - start, inherit_before=before)
    return {}


def delete_dimension(ctx: Ctx, req: dict) -> dict:
    tab, dim, start, end, limit = _dimension(ctx, req.get("range"))
    end = limit if end is None else end
    if end <= start or end > limit:
        raise exceeds(tab, start if dim == "ROWS" else 0, end if dim == "ROWS" else 1,
                      start if dim == "COLUMNS" else 0, end if dim == "COLUMNS" else 1,
                      f"Invalid requests[{ctx.index}].{ctx.kind}: ")
    if start == 0 and end == limit:
        what = "rows" if dim == "ROWS" else "columns"
        raise ctx.fail(f"You can't delete all the {what} on the sheet.")
    (tab.delete_rows if dim == "ROWS" else tab.delete_cols)(start, end - start)
    return {}


def append_dimension(ctx: Ctx, req: dict) -> dict:
    tab = ctx.tab(req.get("sheetId"))
    length = req.get("length") or 0
    if length < 1:
        raise ctx.fail("length must be greater than 0")
    if req.get("dimension") == "COLUMNS":
        tab.col_count += length
    else:
        tab.row_count += length
    return {}


def cell_value(data: dict):
    """The stored value of a CellData's userEnteredValue (+ DATE number format), or None."""
    uev = clean(data.get("userEnteredValue") or {})
    fmt = ((data.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
    if "formulaValue" in uev:
        return user_entered(uev["formulaValue"])
    if "numberValue" in uev:
        n = number(uev["numberValue"])
        if fmt in ("DATE", "DATE_TIME"):
            moment = from_serial(n)
            return date_cell(moment.date() if fmt == "DATE" else moment)
        return n
    for key in ("stringValue", "boolValue"):
        if key in uev:
            return from_json(uev[key], False)
    if "errorValue" in uev:
        return Typed(uev["errorValue"].get("message", "#ERROR!"))     # an error value, no formula
    return None


def _write_cells(ctx: Ctx, tab, r: int, c: int, data: dict, fields: set[str]) -> None:
    if any(f == "*" or f.startswith("userEnteredValue") for f in fields):
        tab.put(r, c, cell_value(data))
    elif any(f.startswith("userEnteredFormat.numberFormat") for f in fields):
        value = tab.cell(r, c)
        fmt = ((data.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
        if fmt in ("DATE", "DATE_TIME") and type(value) in (int, float):
            moment = from_serial(value)
            tab.put(r, c, date_cell(moment.date() if fmt == "DATE" else moment))
    if any(f == "*" or f.startswith("dataValidation") for f in fields):
        tab.validations.append([r, r + 1, c, c + 1, clean(data.get("dataValidation")) or None])


def update_cells(ctx: Ctx, req: dict) -> dict:
    fields = {f.strip().replace("/", ".") for f in (req.get("fields") or "").split(",") if f.strip()}
    if not fields:
        raise ctx.fail("At least one field must be updated.")
    if req.get("start") is not None:
        start = req["start"]
        tab = ctx.tab(start.get("sheetId"))
        r0, c0, r1, c1 = start.get("rowIndex", 0), start.get("columnIndex", 0), None, None
    else:
        tab, (r0, r1, c0, c1) = ctx.span(req.get("range"))
    rows = req.get("rows") or []
    height = len(rows)
    width = max((len(row.get("values") or []) for row in rows), default=0)
    if r0 + height > tab.row_count or c0 + width > tab.col_count:
        raise exceeds(tab, r0, r0 + max(height, 1), c0, c0 + max(width, 1),
                      f"Invalid requests[{ctx.index}].{ctx.kind}: ")
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get("values") or []):
            _write_cells(ctx, tab, r0 + i, c0 + j, data or {}, fields)
    if r1 is not None or c1 is not None:       # a range: cells not given are cleared for the fields
        for r in range(r0, r1 if r1 is not None else tab.row_count):
            given = len((rows[r - r0].get("values") or [])) if r - r0 < height else 0
            for c in range(c0 + given, c1 if c1 is not None else tab.col_count):
                _write_cells(ctx, tab, r, c, {}, fields)
    return {}


def repeat_cell(ctx: Ctx, req: dict) -> dict:
    tab, (r0, r1, c0, c1) = ctx.span(req.get("range"))
    fields = {f.strip().replace("/", ".") for f in (req.get("fields") or "").split(",") if f.strip()}
    data = req.get("cell") or {}
    r1 = tab.row_count if r1 is None else r1
    c1 = tab.col_count if c1 is None else c1
    if any(f == "*" or f.startswith("dataValidation") for f in fields):
        set_data_validation(ctx, {"range": req.get("range"), "rule": data.get("dataValidation")})
        fields = {f for f in fields if not f.startswith("dataValidation") and f != "*"} | (
            {"userEnteredValue", "userEnteredFormat"} if "*" in fields else set())
    if any(f.startswith("userEnteredValue") or f.startswith("userEnteredFormat.numberFormat") for f in fields):
        for r in range(r0, r1):
            for c in range(c0, c1):
                _write_cells(ctx, tab, r, c, data, fields)
    return {}


HANDLERS = {
    "addSheet": add_sheet, "deleteSheet": delete_sheet, "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties, "setDataValidation": set_data_validation,
    "addProtectedRange": add_protected_range, "updateProtectedRange": update_protected_range,
    "deleteProtectedRange": delete_protected_range, "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension, "appendDimension": append_dimension, "updateCells": update_cells,
    "repeatCell": repeat_cell,
}


def batch_update(book, query: dict, body, caller: str = "") -> dict:
    body = body or {}
    for key in body:
        if key not in ("requests", "includeSpreadsheetInResponse", "responseRanges", "responseIncludeGridData"):
            raise unknown_field(key, "")
    requests = body.get("requests") or []
    snap = book.snapshot()
    replies = []
    try:
        for i, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                raise bad_request(f"Invalid requests[{i}]: exactly one kind of request must be set.")
            (kind, payload), = request.items()
            if kind not in REAL_KINDS:
                raise unknown_field(kind, f"requests[{i}]")
            if kind in IGNORED:
                replies.append({})
                continue
            if kind not in HANDLERS:
                raise bad_request(f"Invalid requests[{i}].{kind}: the Sheets stand-in does not implement {kind}.")
            replies.append(HANDLERS[kind](Ctx(book, i, kind, caller), payload or {}))
    except Exception:
        book.restore(snap)
        raise
    out = {"spreadsheetId": book.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = book.metadata()
    return out
