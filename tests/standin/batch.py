"""spreadsheets:batchUpdate — the structural requests the worker and gspread send.

Implemented: addSheet, deleteSheet, updateSheetProperties, updateSpreadsheetProperties,
setDataValidation, addProtectedRange, updateProtectedRange, deleteProtectedRange, insertDimension,
deleteDimension, appendDimension, updateCells, repeatCell; formatting-only requests are accepted and
ignored. The batch is all-or-nothing, as in the real API.
"""
from __future__ import annotations

from .batch_base import Ctx
from .batch_cells import (add_protected_range, delete_protected_range, repeat_cell, set_data_validation,
                          update_cells, update_protected_range)
from .batch_sheets import (add_sheet, append_dimension, delete_dimension, delete_sheet, insert_dimension,
                           update_sheet_properties, update_spreadsheet_properties)
from .errors import bad_request, unknown_field

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
