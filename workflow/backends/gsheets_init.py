"""Google Sheets: `run.py init` — tabs, headers, example rows, checkboxes, dropdowns,
frozen headers and warning-only protection of the worker's columns.

It only adds what is missing: a tab that exists keeps its rows (values are
written only into tabs that are empty), a frozen header, a validation or a
protected range already in place is left alone, so running it again makes
no write request at all.  Reads: the sheet list with protected ranges, the
values of every tab, and the validations of the first data row.
"""
from __future__ import annotations

from ..contract import (DASHBOARD, MODES, PERIODS, RECIPIENTS, REFERRER_TYPES, REWARD_TYPES, TABS, WORKER_FIELDS)
from ..layout import locate
from .gsheets_read import a1_tab, batch_get_tabs, fetch_sheets
from .gsheets_write import batch_body
from .base import CellWrite

PROTECT_NOTE = "referral worker: written by the worker — 由程序填写，请勿手改"
CHECKBOXES = {"referrals": ("paid_in_full", "cancelled", "approved", "approved_2", "rejected", "paid")}
DROPDOWNS = {
    "referrals": {"referrer_type": REFERRER_TYPES},
    "rules": {"recipient": RECIPIENTS, "referrer_type": REFERRER_TYPES, "reward_type": REWARD_TYPES},
    "milestones": {"recipient": RECIPIENTS, "period": PERIODS, "mode": MODES, "reward_type": REWARD_TYPES},
}


def with_worker_columns(tabs, language: str):
    """The Referrals header gets the worker's columns now, so they can be protected at once."""
    out = []
    referrals = {TABS["referrals"].zh, TABS["referrals"].en}
    for name, header, rows, width in tabs:
        if name in referrals:
            names = {h for h in header}
            extra = [f.zh if language == "zh" else f.en for f in WORKER_FIELDS]
            header = list(header) + [h for h in extra if h not in names]
        out.append((name, header, rows, width))
    return out


def _validation_rule(kind, table, language):
    if kind == "bool":
        return {"condition": {"type": "BOOLEAN"}, "showCustomUi": True}
    values = [{"userEnteredValue": (label.zh if language == "zh" else label.en)} for label in table.values()]
    return {"condition": {"type": "ONE_OF_LIST", "values": values}, "showCustomUi": True, "strict": False}


def _same_rule(have: dict | None, want: dict) -> bool:
    if not have:
        return False
    hc, wc = have.get("condition", {}), want["condition"]
    if hc.get("type") != wc["type"]:
        return False
    hv = [v.get("userEnteredValue") for v in hc.get("values", [])]
    wv = [v.get("userEnteredValue") for v in wc.get("values", [])]
    return hv == wv


def _first_row_validations(client, sheet_id, targets) -> dict[tuple[str, int], dict] | None:
    """(tab title, 1-based column) → the data validation on the first data row, for the target tabs;
    None when the server does not return grid data."""
    if not targets:
        return {}
    ranges = [f"{a1_tab(title)}!{row}:{row}" for title, row in targets]
    data = client.fetch_sheet_metadata(sheet_id, params={
        "ranges": ranges, "fields": "sheets(properties(title),data(startColumn,rowData(values(dataValidation))))"})
    out = {}
    if not any("data" in sheet for sheet in data.get("sheets", [])):
        return None     # the server gave no grid data (some proxies and stand-ins): unknown
    for sheet in data.get("sheets", []):
        title = sheet.get("properties", {}).get("title")
        for block in sheet.get("data", []) or []:
            start = block.get("startColumn", 0)
            for row in (block.get("rowData") or [])[:1]:
                for i, cell in enumerate(row.get("values") or []):
                    if cell and cell.get("dataValidation"):
                        out[(title, start + i + 1)] = cell["dataValidation"]
    return out


def _protected_cols(sheet_json: dict) -> set[int]:
    """1-based columns fully covered (all rows) by a protected range."""
    cols = set()
    for p in sheet_json.get("protectedRanges", []) or []:
        r = p.get("range", {})
        if r.get("startRowIndex") not in (None, 0) or r.get("endRowIndex") is not None:
            continue
        lo, hi = r.get("startColumnIndex"), r.get("endColumnIndex")
        if lo is None or hi is None:
            continue
        cols.update(range(lo + 1, hi + 1))
    return cols


def init_spreadsheet(client, sheet_id: str, tabs, language: str) -> dict:
    """Bring the spreadsheet to `tabs` ((name, header, rows, width) in order) without touching
    anything already there.  Returns counts of what was done (0 everywhere on a second run)."""
    # the tabs' own language decides headers and dropdown labels (the demo is Chinese whatever --language says)
    language = "zh" if any(name == TABS["referrals"].zh for name, *_ in tabs) else "en"
    tabs = with_worker_columns(tabs, language)
    meta = client.fetch_sheet_metadata(sheet_id, params={"fields": (
        "sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount)),"
        "protectedRanges(protectedRangeId,range,warningOnly,description))")})
    sheets = meta.get("sheets", [])
    by_title = {s["properties"]["title"]: s for s in sheets}
    current = batch_get_tabs(client, sheet_id, fetch_sheets_from(sheets))
    requests, value_writes, done = [], [], {"tabs": 0, "values": 0, "format": 0}
    taken = {s["properties"].get("sheetId") for s in sheets}
    next_id = max([i for i in taken if isinstance(i, int)] + [0]) + 1
    final: dict[str, list[list]] = {}
    ids: dict[str, int] = {}
    for name, header, rows, _ in tabs:
        if name in by_title:
            ids[name] = by_title[name]["properties"]["sheetId"]
        else:
            ids[name] = next_id
            next_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": ids[name], "title": name,
                "gridProperties": {"rowCount": max(1000, len(rows) + 100), "columnCount": max(26, len(header))}}}})
            done["tabs"] += 1
        if current.get(name):
            final[name] = current[name]
        else:
            final[name] = [list(header)] + [list(r) for r in rows]
            for r, row in enumerate(final[name], start=1):
                for c, v in enumerate(row, start=1):
                    if v is not None and v != "":
                        value_writes.append(CellWrite(name, r, c, v))
            done["values"] += 1
    ours = {name for name, *_ in tabs}
    if done["tabs"]:   # a new spreadsheet's own empty "Sheet1" goes once our tabs are there
        for s in sheets:
            title = s["properties"]["title"]
            if title not in ours and not current.get(title) and len(sheets) == 1:
                requests.append({"deleteSheet": {"sheetId": s["properties"]["sheetId"]}})
    layout = locate(final)
    targets, wants = [], []
    for key, tab in layout.tabs.items():
        if tab is None or tab.name not in ids:
            continue
        sid, hrow = ids[tab.name], tab.header_row
        sheet_json = by_title.get(tab.name, {})
        frozen = sheet_json.get("properties", {}).get("gridProperties", {}).get("frozenRowCount", 0)
        if frozen < hrow:
            requests.append({"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
                "frozenRowCount": hrow}}, "fields": "gridProperties.frozenRowCount"}})
            done["format"] += 1
        for f in CHECKBOXES.get(key, ()):
            if f in tab.cols:
                wants.append((tab.name, sid, hrow, tab.cols[f], _validation_rule("bool", None, language)))
        for f, table in DROPDOWNS.get(key, {}).items():
            if f in tab.cols:
                wants.append((tab.name, sid, hrow, tab.cols[f], _validation_rule("list", table, language)))
        if key == "referrals":
            have = _protected_cols(sheet_json)
            for f in WORKER_FIELDS:
                c = tab.cols.get(f.key)
                if c and c not in have:
                    requests.append({"addProtectedRange": {"protectedRange": {
                        "range": {"sheetId": sid, "startColumnIndex": c - 1, "endColumnIndex": c},
                        "description": PROTECT_NOTE, "warningOnly": True}}})
                    done["format"] += 1
        if any(w[0] == tab.name for w in wants) and tab.name in by_title:
            targets.append((tab.name, hrow + 1))
    for name, sid in ids.items():      # the dashboard's columns A–D are the worker's too
        if name in (DASHBOARD.zh, DASHBOARD.en) and not {1, 2, 3, 4} <= _protected_cols(by_title.get(name, {})):
            requests.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": sid, "startColumnIndex": 0, "endColumnIndex": 4},
                "description": PROTECT_NOTE, "warningOnly": True}}})
            done["format"] += 1
    existing = _first_row_validations(client, sheet_id, targets)
    # without grid data, our protected worker columns (added in the same batch) say init already ran
    marked = any(p.get("description") == PROTECT_NOTE for s in sheets for p in s.get("protectedRanges", []) or [])
    for title, sid, hrow, col, rule in wants:
        if existing is None and marked and title in by_title:
            continue
        if existing is not None and _same_rule(existing.get((title, col)), rule):
            continue
        requests.append({"setDataValidation": {"range": {
            "sheetId": sid, "startRowIndex": hrow, "startColumnIndex": col - 1, "endColumnIndex": col},
            "rule": rule}})
        done["format"] += 1
    if requests:
        client.batch_update(sheet_id, {"requests": requests})
    if value_writes:
        body, _ = batch_body(value_writes)
        client.values_batch_update(sheet_id, body)
    return done


def fetch_sheets_from(sheets_json):
    """SheetInfo list from a spreadsheets.get answer already at hand."""
    from .gsheets_read import SheetInfo
    out = []
    for s in sheets_json:
        p = s.get("properties", {})
        out.append(SheetInfo(p.get("title", ""), int(p.get("sheetId", 0)), p.get("sheetType", "GRID") == "GRID"))
    return out


__all__ = ["init_spreadsheet", "fetch_sheets"]
