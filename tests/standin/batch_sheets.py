"""batchUpdate requests on tabs and their grid: addSheet, deleteSheet, updateSheetProperties,
updateSpreadsheetProperties, insertDimension, deleteDimension, appendDimension."""
from __future__ import annotations

from .a1 import exceeds
from .batch_base import Ctx, clean, mask
from .errors import invalid_value


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
    for field in mask(ctx, req.get("fields"), props):
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
    fields = mask(ctx, req.get("fields"), props)
    if "title" in fields:
        ctx.book.title = props.get("title", "")
    if "locale" in fields:
        ctx.book.locale = props.get("locale", "en_US")
    if "timeZone" in fields:
        ctx.book.time_zone = props.get("timeZone", "Etc/GMT")
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
