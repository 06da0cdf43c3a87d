"""batchUpdate requests on cells: setDataValidation, add/update/deleteProtectedRange, updateCells,
repeatCell (values, DATE number formats and data validation; other formatting is ignored)."""
from __future__ import annotations

from .a1 import exceeds
from .batch_base import CONDITIONS, Ctx, clean, mask
from .cells import Typed, date_cell, from_json, from_serial, number, user_entered
from .errors import invalid_value


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
    for field in mask(ctx, req.get("fields"), pr):
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
