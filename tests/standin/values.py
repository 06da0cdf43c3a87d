"""spreadsheets.values.*: get, batchGet, update (PUT), batchUpdate, append, clear, batchClear.

Each handler takes the Book, the query (dict of lists, as parse_qs gives) and the JSON body, and
returns the response dict or raises ApiError. Writes check everything before changing a cell, so a
rejected batch leaves the sheet as it was.
"""
from __future__ import annotations

from .a1 import Box, col_letters, echo, exceeds, resolve
from .cells import DATE_RENDER, VALUE_RENDER, BadValue, from_json
from .errors import bad_request, invalid_value, unknown_field

LIST_VALUE = "type.googleapis.com/google.protobuf.ListValue"
ENUMS = {
    "valueRenderOption": ("value_render_option", "ValueRenderOption", VALUE_RENDER, "FORMATTED_VALUE"),
    "dateTimeRenderOption": ("date_time_render_option", "DateTimeRenderOption", DATE_RENDER, "SERIAL_NUMBER"),
    "majorDimension": ("major_dimension", "Dimension", ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED"), "ROWS"),
    "valueInputOption": ("value_input_option", "ValueInputOption",
                         ("RAW", "USER_ENTERED", "INPUT_VALUE_OPTION_UNSPECIFIED"), None),
    "insertDataOption": ("insert_data_option", "InsertDataOption", ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE"),
}


def param(query: dict, name: str, default=None):
    values = query.get(name)
    return values[0] if values else default


def enum(source: dict, name: str, from_query: bool = True):
    field, proto, allowed, default = ENUMS[name]
    value = param(source, name) if from_query else source.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid_value(field if from_query else name, f"type.googleapis.com/google.apps.sheets.v4.{proto}",
                            value)
    return "ROWS" if value == "DIMENSION_UNSPECIFIED" else value


def value_range(box: Box, query_or_body: dict, from_query: bool = True, major=None) -> dict:
    vro = enum(query_or_body, "valueRenderOption", from_query)
    dtro = enum(query_or_body, "dateTimeRenderOption", from_query)
    major = major or enum(query_or_body, "majorDimension", from_query)
    out = {"range": box.a1(), "majorDimension": major}
    values = box.tab.read(box, vro, dtro, major)
    if values:
        out["values"] = values
    return out


def values_get(book, query: dict, body, range_text: str) -> dict:
    return value_range(resolve(book, range_text), query)


def batch_get(book, query: dict, body) -> dict:
    boxes = [resolve(book, text) for text in query.get("ranges", [])]
    for name in ("valueRenderOption", "dateTimeRenderOption", "majorDimension"):
        enum(query, name)
    out = {"spreadsheetId": book.id}
    if boxes:
        out["valueRanges"] = [value_range(box, query) for box in boxes]
    return out


# -- writing ------------------------------------------------------------------------------------

class Planned:
    """One checked write: cells to put (row, col, value) and what the response reports."""

    def __init__(self, box: Box, puts: list, rows: int, cols: int):
        self.box, self.puts, self.height, self.width = box, puts, rows, cols

    def apply(self) -> None:
        put = self.box.tab.put
        for r, c, v in self.puts:
            put(r, c, v)

    def response(self, book, include_values: bool = False, render: dict | None = None) -> dict:
        out = {"spreadsheetId": book.id}
        if not self.puts:
            return out
        r0, c0 = self.box.r0, self.box.c0
        out["updatedRange"] = echo(self.box.tab.title, r0, r0 + self.height, c0, c0 + self.width)
        out["updatedRows"] = len({r for r, _, _ in self.puts})
        out["updatedColumns"] = len({c for _, c, _ in self.puts})
        out["updatedCells"] = len(self.puts)
        if include_values:
            box = Box(self.box.tab, r0, r0 + self.height, c0, c0 + self.width)
            out["updatedData"] = value_range(box, render or {}, from_query=False, major="ROWS")
        return out


def plan_write(book, range_text: str, values, major: str, user: bool, field: str, grow: bool = False,
               at: tuple[int, int] | None = None, prefix: str = "") -> Planned:
    box = resolve(book, range_text, prefix)
    if at is not None:
        box = Box(box.tab, at[0], box.r1, at[1], box.c1)
    if not isinstance(values, list):
        raise invalid_value(field, LIST_VALUE, values)
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise invalid_value(f"{field}[{i}]", LIST_VALUE, row)
    if major == "COLUMNS":
        width = max((len(col) for col in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    height = len(values)
    width = max((len(row) for row in values), default=0)
    tab = box.tab
    anchor_only = at is not None or (box.rows == 1 and box.cols == 1)
    if not anchor_only and (height > box.rows or width > box.cols):
        over = (f"row [{box.r0 + height}]" if height > box.rows else f"column [{col_letters(box.c0 + width)}]")
        raise bad_request(f"{prefix}Requested writing within range [{box.a1()}], but tried writing to {over}")
    if not grow and (box.r0 + height > tab.row_count or box.c0 + width > tab.col_count):
        raise exceeds(tab, box.r0, box.r0 + height, box.c0, box.c0 + width, prefix)
    puts = []
    for i, row in enumerate(values):
        r = box.r0 + i
        for j, v in enumerate(row):
            if v is None:
                continue
            try:
                puts.append((r, box.c0 + j, from_json(v, user)))
            except BadValue:
                raise invalid_value(f"{field}[{i}][{j}]", "type.googleapis.com/google.protobuf.Value", v)
    return Planned(box, puts, height, width)


def input_option(value, required_message: str) -> bool:
    if value in (None, "INPUT_VALUE_OPTION_UNSPECIFIED"):
        raise bad_request(required_message)
    return value == "USER_ENTERED"


def check_keys(body: dict, allowed: tuple, where: str = "") -> None:
    for key in body:
        if key not in allowed:
            raise unknown_field(key, where)


def values_update(book, query: dict, body, range_text: str) -> dict:
    body = body or {}
    check_keys(body, ("range", "majorDimension", "values"))
    user = input_option(enum(query, "valueInputOption"), "'valueInputOption' is required but not specified")
    major = enum(body, "majorDimension", from_query=False)
    plan = plan_write(book, range_text, body.get("values", []), major, user, "data.values")
    plan.apply()
    include = param(query, "includeValuesInResponse") in ("true", "True", "1")
    render = {"valueRenderOption": param(query, "responseValueRenderOption"),
              "dateTimeRenderOption": param(query, "responseDateTimeRenderOption")}
    return plan.response(book, include, {k: v for k, v in render.items() if v})


def values_batch_update(book, query: dict, body) -> dict:
    body = body or {}
    check_keys(body, ("valueInputOption", "data", "includeValuesInResponse", "responseValueRenderOption",
                      "responseDateTimeRenderOption"))
    option = enum(body, "valueInputOption", from_query=False)
    user = input_option(option, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    plans = []
    for i, item in enumerate(body.get("data") or []):
        if not isinstance(item, dict):
            raise invalid_value(f"data[{i}]", "type.googleapis.com/google.apps.sheets.v4.ValueRange", item)
        check_keys(item, ("range", "majorDimension", "values"), f"data[{i}]")
        major = enum(item, "majorDimension", from_query=False)
        plans.append(plan_write(book, item.get("range", ""), item.get("values", []), major, user,
                                f"data[{i}].values", prefix=f"Invalid data[{i}]: "))
    for plan in plans:
        plan.apply()
    render = {k[len("response"):][0].lower() + k[len("response") + 1:]: body[k]
              for k in ("responseValueRenderOption", "responseDateTimeRenderOption") if body.get(k)}
    responses = [p.response(book, bool(body.get("includeValuesInResponse")), render) for p in plans]
    out = {"spreadsheetId": book.id}
    cells = [(id(p.box.tab), r, c) for p in plans for r, c, _ in p.puts]
    if cells:
        out["totalUpdatedRows"] = len({(t, r) for t, r, _ in cells})
        out["totalUpdatedColumns"] = len({(t, c) for t, _, c in cells})
        out["totalUpdatedCells"] = len(cells)
        out["totalUpdatedSheets"] = len({t for t, _, _ in cells})
    if responses:
        out["responses"] = responses
    return out


def values_append(book, query: dict, body, range_text: str) -> dict:
    body = body or {}
    check_keys(body, ("range", "majorDimension", "values"))
    user = input_option(enum(query, "valueInputOption"), "'valueInputOption' is required but not specified")
    insert = enum(query, "insertDataOption") == "INSERT_ROWS"
    box = resolve(book, range_text)
    tab = box.tab
    r = box.r0
    while r < len(tab.rows) and any(v is not None for v in tab.rows[r][box.c0:box.c1]):
        r += 1
    values = body.get("values", [])
    probe = plan_write(book, range_text, values, enum(body, "majorDimension", from_query=False), user,
                       "data.values", grow=True, at=(r, box.c0))
    probe.box = Box(tab, r, r + probe.height, box.c0, box.c0 + probe.width)
    if insert and probe.height:
        tab.insert_rows(r, probe.height)
    else:
        if r + probe.height > tab.row_count:
            tab.row_count = r + probe.height
    if box.c0 + probe.width > tab.col_count:
        tab.col_count = box.c0 + probe.width
    probe.apply()
    out = {"spreadsheetId": book.id}
    if r > box.r0:
        right = box.c0 + 1
        for row in tab.rows[box.r0:r]:
            used = [i for i, v in enumerate(row[box.c0:box.c1]) if v is not None]
            right = max(right, box.c0 + used[-1] + 1 if used else 0)
        out["tableRange"] = echo(tab.title, box.r0, r, box.c0, right)
    out["updates"] = probe.response(book)
    return out


def values_clear(book, query: dict, body, range_text: str) -> dict:
    box = resolve(book, range_text)
    box.tab.clear(box)
    return {"spreadsheetId": book.id, "clearedRange": box.a1()}


def values_batch_clear(book, query: dict, body) -> dict:
    boxes = [resolve(book, text) for text in (body or {}).get("ranges", [])]
    for box in boxes:
        box.tab.clear(box)
    out = {"spreadsheetId": book.id}
    if boxes:
        out["clearedRanges"] = [box.a1() for box in boxes]
    return out
