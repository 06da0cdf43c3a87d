"""The Sheets stand-in against Google's recorded answers, and through the real gspread + google-auth.

Contract: every recording in /work/shared/contracts/gsheets (gspread's own cassettes of the real API) is
replayed in order against the stand-in — the Drive "create file" steps seed an empty spreadsheet with the
recorded id — and each Sheets answer must have the recorded status, the same keys, the same JSON types
and the same values, except ids Google picks at random (sheetId, protectedRangeId) and timestamps.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import gspread
import pytest
import requests
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account
from gspread.exceptions import APIError

from sheets_standin import SheetsStandin, make_service_account_key

CONTRACTS = Path("/work/shared/contracts/gsheets")
RECORDED_EMAIL = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"
RANDOM_IDS = {"sheetId", "protectedRangeId"}
TIMESTAMPS = {"createdTime", "modifiedTime"}
CASSETTES = sorted(p.name for p in CONTRACTS.glob("*.json"))


@pytest.fixture
def standin():
    with SheetsStandin() as s:
        yield s


@pytest.fixture
def key(tmp_path, standin):
    return make_service_account_key(tmp_path / "sa.json", standin.token_uri)


@pytest.fixture
def gc(standin, key):
    return standin.client(key)


def bearer_session(standin, key) -> requests.Session:
    creds = service_account.Credentials.from_service_account_file(
        str(key), scopes=["https://www.googleapis.com/auth/spreadsheets"])
    creds.refresh(AuthRequest())                       # google-auth's own token request to the stand-in
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {creds.token}"
    return session


def same_shape(expected, got, where: str, ids: dict) -> None:
    """Same keys, same JSON types, same values; random ids are mapped, timestamps only typed."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__} != {type(expected).__name__} ({got!r})"
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), f"{where}: keys {sorted(got)} != {sorted(expected)}"
        for k, v in expected.items():
            if k in RANDOM_IDS and v != got[k]:
                assert ids.setdefault(v, got[k]) == got[k], f"{where}.{k}: id mapped twice"
            elif k not in TIMESTAMPS:
                same_shape(v, got[k], f"{where}.{k}", ids)
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{where}: {len(got)} items != {len(expected)}: {got!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            same_shape(e, g, f"{where}[{i}]", ids)
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def remap(body, ids: dict):
    if isinstance(body, dict):
        return {k: (ids.get(v, v) if k in RANDOM_IDS else remap(v, ids)) for k, v in body.items()}
    if isinstance(body, list):
        return [remap(v, ids) for v in body]
    return body


@pytest.mark.parametrize("cassette", CASSETTES)
def test_recorded_exchange_replays_identically(cassette, standin, tmp_path):
    key = make_service_account_key(tmp_path / "sa.json", standin.token_uri, email=RECORDED_EMAIL)
    session = bearer_session(standin, key)
    ids: dict = {}
    compared = 0
    for n, step in enumerate(json.loads((CONTRACTS / cassette).read_text())["interactions"]):
        rq, rs = step["request"], step["response"]
        url = urlsplit(rq["uri"])
        if url.netloc == "www.googleapis.com":
            file_id = url.path.rsplit("/", 1)[-1]
            if rq["method"] == "POST":               # Drive creates the spreadsheet: seed an empty one
                made = json.loads(rs["body"]["string"])
                standin.add_spreadsheet({"Sheet1": []}, spreadsheet_id=made["id"], title=made["name"])
                continue
            if rq["method"] == "DELETE":
                standin.books.pop(file_id)
                continue
        body = rq["body"]
        if body:
            body = json.dumps(remap(json.loads(body), ids), ensure_ascii=False).encode("utf-8")
        target = standin.url + url.path + (f"?{url.query}" if url.query else "")
        got = session.request(rq["method"], target, data=body,
                              headers={"Content-Type": "application/json"} if body else {})
        where = f"{cassette}#{n} {rq['method']} {url.path}"
        assert got.status_code == rs["status"]["code"], f"{where}: {got.status_code} {got.text[:300]}"
        same_shape(json.loads(rs["body"]["string"]), got.json(), where, ids)
        compared += 1
    assert compared >= 1, f"{cassette}: nothing replayed"


def test_gspread_reads_typed_values_and_writes_raw(standin, gc, monkeypatch):
    # google-auth 2.6x makes its regional-access-boundary lookup opt-in: switch it on, so the test sees
    # that the lookup, when made, stays on loopback
    monkeypatch.setenv("GOOGLE_SDK_EXPERIMENTAL_PYTHON_REGIONAL_ACCESS_BOUNDARY_LOOKUP_ENABLED", "true")
    sid = standin.add_spreadsheet({"Referrals": [
        ["Submitted at", "Referrer", "Amount", "Approved"],
        [dt.date(2026, 11, 1), "李雷", "1,200.50", True],
        ["2026-11-02 09:30", "Han Meimei", 300, "FALSE"]]})
    ws = gc.open_by_key(sid).worksheet("Referrals")
    got = ws.get(value_render_option="UNFORMATTED_VALUE", date_time_render_option="SERIAL_NUMBER")
    assert got == [["Submitted at", "Referrer", "Amount", "Approved"], [46327, "李雷", 1200.5, True],
                   [46328.395833333336, "Han Meimei", 300, False]]
    shown = ws.get(value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING")
    assert [shown[1][0], shown[2][0]] == ["2026-11-01", "2026-11-02 9:30"]
    assert ws.get("A2:D2")[0] == ["2026-11-01", "李雷", "1,200.50", "TRUE"]

    ws.batch_update([{"range": "E1:H1", "values": [["=SUM(1)", "007", 12, False]]},
                     {"range": "B2:C2", "values": [[None, ""]]}], value_input_option="RAW")
    assert standin.grid(sid, "Referrals")[0][4:] == ["=SUM(1)", "007", 12, False]     # text stays text
    assert standin.grid(sid, "Referrals")[1] == [46327, "李雷", "", True]              # null kept, "" cleared
    ws.update([["=1+1", "007"]], "E2:F2", value_input_option="USER_ENTERED")
    assert standin.value(sid, "Referrals", 2, 5) == 2 and standin.value(sid, "Referrals", 2, 6) == 7
    assert standin.value(sid, "Referrals", 2, 5, render="FORMULA") == "=1+1"
    deadline = time.monotonic() + 3          # google-auth's background IAM lookup stayed on loopback
    while not standin.housekeeping and time.monotonic() < deadline:
        time.sleep(0.02)
    assert standin.housekeeping[0].path.endswith("/allowedLocations")


def test_grid_data_of_ranges_and_of_every_sheet(standin, gc):
    sid = standin.add_spreadsheet({"A": [["h1", None, "h3"], [dt.date(2026, 11, 1), True, "=1/0"], [], ["x"]],
                                   "B": [["q"]]})
    http = gc.http_client
    every = http.fetch_sheet_metadata(sid, params={"fields": "sheets(properties(title),data(rowData(values(effectiveValue))))"})
    assert [s["properties"]["title"] for s in every["sheets"]] == ["A", "B"]
    rows = every["sheets"][0]["data"][0]["rowData"]
    assert rows[0]["values"] == [{"effectiveValue": {"stringValue": "h1"}}, {}, {"effectiveValue": {"stringValue": "h3"}}]
    assert rows[1]["values"][:2] == [{"effectiveValue": {"numberValue": 46327}}, {"effectiveValue": {"boolValue": True}}]
    assert rows[1]["values"][2]["effectiveValue"]["errorValue"]["type"] == "DIV_BY_ZERO"
    assert rows[2] == {} and len(rows) == 4 and "startRow" not in every["sheets"][0]["data"][0]
    some = http.fetch_sheet_metadata(sid, params={"ranges": ["'B'!A:A", "'A'!B2:C"], "fields":
                                                  "sheets(properties(title),data(startRow,startColumn,rowData))"})
    assert [s["properties"]["title"] for s in some["sheets"]] == ["A", "B"]     # only the ranges' sheets, tab order
    block = some["sheets"][0]["data"][0]
    assert block["startRow"] == 1 and block["startColumn"] == 1 and len(block["rowData"]) == 1
    with pytest.raises(APIError) as err:
        http.fetch_sheet_metadata(sid, params={"ranges": ["'Gone'!A:A"], "fields": "sheets.properties.title"})
    assert err.value.code == 400


def test_grid_data_serves_the_number_format_of_formatted_numbers(standin, gc):
    """Not in the recorded contracts: the shape follows the API reference (CellData.effectiveFormat →
    CellFormat.numberFormat → NumberFormat {type, pattern}); a number in the automatic format has none."""
    sid = standin.add_spreadsheet({"Rules": [["Rate %"], ["3%"], ["2.5%"], [0.5], [dt.date(2026, 11, 1)], ["x"]]})
    http = gc.http_client
    for fields in ("sheets(data(rowData(values(effectiveValue,effectiveFormat/numberFormat))))",
                   "sheets(data(rowData(values(effectiveValue,formattedValue,effectiveFormat.numberFormat.type))))"):
        rows = http.fetch_sheet_metadata(sid, params={"fields": fields})["sheets"][0]["data"][0]["rowData"]
        formats = [r["values"][0].get("effectiveFormat") for r in rows]
        assert [r["values"][0]["effectiveValue"] for r in rows[1:4]] == [{"numberValue": 0.03}, {"numberValue": 0.025},
                                                                          {"numberValue": 0.5}]
        if fields.endswith("type))))"):
            assert formats == [None, {"numberFormat": {"type": "PERCENT"}}, {"numberFormat": {"type": "PERCENT"}},
                               None, {"numberFormat": {"type": "DATE"}}, None]
        else:
            assert formats[1:3] == [{"numberFormat": {"type": "PERCENT", "pattern": "0%"}},
                                    {"numberFormat": {"type": "PERCENT", "pattern": "0.00%"}}]
            assert formats[0] is None and formats[3] is None and formats[4]["numberFormat"]["type"] == "DATE"
    shown = gc.open_by_key(sid).values_batch_get(["'Rules'"], params={"valueRenderOption": "FORMATTED_VALUE"})
    assert shown["valueRanges"][0]["values"][1:4] == [["3%"], ["2.5%"], ["0.5"]]


def test_ragged_rows_and_ranges_as_the_api_returns_them(standin, gc):
    sid = standin.add_spreadsheet({"推荐 登记": [["a", None, "c"], [], [None, "b"], [], []],
                                   "Sheet's": [["x"]]}, value_input="RAW")
    sh = gc.open_by_key(sid)
    got = sh.values_batch_get(["'推荐 登记'", "'推荐 登记'!A1:C", "推荐 登记!C:C", "'推荐 登记'!A2:Z",
                               "'推荐 登记'!D1:E3", "'Sheet''s'!A1", "'推荐 登记'!2:3"])["valueRanges"]
    assert [v["range"] for v in got] == [
        "'推荐 登记'!A1:Z1000", "'推荐 登记'!A1:C1000", "'推荐 登记'!C1:C1000", "'推荐 登记'!A2:Z1000",
        "'推荐 登记'!D1:E3", "'Sheet''s'!A1", "'推荐 登记'!A2:Z3"]
    assert [v.get("values") for v in got] == [[["a", "", "c"], [], ["", "b"]], [["a", "", "c"], [], ["", "b"]],
                                              [["c"]], [[], ["", "b"]], None, [["x"]], [[], ["", "b"]]]
    cols = sh.values_batch_get(["'推荐 登记'!A1:C3"], params={"majorDimension": "COLUMNS"})["valueRanges"][0]
    assert cols["values"] == [["a"], ["", "", "b"], ["c"]]
    for bad, message in [("Nope!A1", "Unable to parse range: Nope!A1"),
                         ("'推荐 登记'!A1:AA2",
                          "Range ('推荐 登记'!A1:AA2) exceeds grid limits. Max rows: 1000, max columns: 26")]:
        with pytest.raises(APIError) as err:
            sh.values_batch_get([bad])
        assert (err.value.code, err.value.error["message"], err.value.error["status"]) == \
            (400, message, "INVALID_ARGUMENT")


def test_structure_requests_setup_a_tab(standin, gc):
    sid = standin.add_spreadsheet({"Referrals": [["h1", "h2", "Approved"], ["a", "b"], ["c", "d"]]})
    sh = gc.open_by_key(sid)
    ws = sh.worksheet("Referrals")
    ws.freeze(rows=1)
    ws.add_validation("C2:C", gspread.utils.ValidationConditionType.boolean, [])
    ws.add_validation("B2:B", gspread.utils.ValidationConditionType.one_of_list, ["yes", "no"], showCustomUi=True)
    ws.add_protected_range("A:B", warning_only=True)
    meta = sh.fetch_sheet_metadata()["sheets"][0]
    assert meta["properties"]["gridProperties"] == {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1}
    assert meta["protectedRanges"][0]["warningOnly"] is True
    assert meta["protectedRanges"][0]["editors"] == {"users": ["worker@test-project.iam.gserviceaccount.com"]}
    assert standin.validation_at(sid, "Referrals", 5, 3)["condition"]["type"] == "BOOLEAN"
    assert standin.validation_at(sid, "Referrals", 1, 3) is None
    ws.insert_row(["new"], 2)                          # validations and protections move with the rows
    assert standin.validations(sid, "Referrals")[0]["range"] == {"startRowIndex": 1, "startColumnIndex": 2,
                                                                 "endColumnIndex": 3}
    assert standin.grid(sid, "Referrals")[1:3] == [["new"], ["a", "b"]]
    ws.add_rows(5)
    assert standin.grid_size(sid, "Referrals") == (1006, 26)
    with pytest.raises(APIError) as err:               # all-or-nothing: the addSheet before it is undone
        sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "Rewards"}}},
                                      {"addSheet": {"properties": {"title": "referrals"}}}]})
    assert err.value.error["message"] == ('Invalid requests[1].addSheet: A sheet with the name "referrals" '
                                          "already exists. Please enter another name.")
    assert standin.tabs(sid) == ["Referrals"]
    with pytest.raises(APIError) as err:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert err.value.error["details"][0]["fieldViolations"][0]["field"] == "requests[0]"


def test_write_checks_typing_and_edits(standin, gc):
    sid = standin.add_spreadsheet({"T": [["h"], ["1"], ["2"], ["3"]]}, rows=10, cols=3)
    sh = gc.open_by_key(sid)
    raw = {"valueInputOption": "RAW"}
    for rng, vals, message in [
            ("T!A1:B1", [["a", "b", "c"]], "Requested writing within range [T!A1:B1], but tried writing to column [C]"),
            ("T!C10", [["a", "b"]], "Range (T!C10:D10) exceeds grid limits. Max rows: 10, max columns: 3")]:
        with pytest.raises(APIError) as err:
            sh.values_update(rng, params=raw, body={"values": vals})
        assert err.value.error["message"] == message
    got = sh.values_update("T!B1", params={"valueInputOption": "USER_ENTERED", "includeValuesInResponse": "true"},
                           body={"majorDimension": "COLUMNS", "values": [["50%", "'007", "3/4/2026", "true"]]})
    assert got["updatedRange"] == "T!B1:B4" and got["updatedData"]["values"] == [["50%"], ["007"], ["3/4/2026"],
                                                                                  ["TRUE"]]
    march_4 = (dt.date(2026, 3, 4) - dt.date(1899, 12, 30)).days
    assert [r[1] for r in standin.grid(sid, "T")] == [0.5, "007", march_4, True]
    meta = sh.fetch_sheet_metadata(params={"fields": "sheets(properties(title,gridProperties))"})
    assert meta == {"sheets": [{"properties": {"title": "T", "gridProperties": {"rowCount": 10, "columnCount": 3}}}]}

    standin.set_cell(sid, "T", 4, 3, dt.datetime(2026, 11, 1, 9, 30))
    standin.delete_rows(sid, "T", 2)
    sh.values_clear("T!A1:B1")
    sh.batch_update({"requests": [
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 2, "endColumnIndex": 3},
                        "cell": {"dataValidation": {"condition": {"type": "BOOLEAN"}}}, "fields": "dataValidation"}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 2},
                         "rows": [{"values": [{"userEnteredValue": {"numberValue": 46327},
                                               "userEnteredFormat": {"numberFormat": {"type": "DATE"}}}]}],
                         "fields": "userEnteredValue,userEnteredFormat.numberFormat"}},
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 7, "endIndex": 9}}}]})
    assert type(standin.grid(sid, "T")[1][1]) is int                # plain Python types, not the stored ones
    assert standin.grid(sid, "T", dates="FORMATTED_STRING") == [["", "", "2026-11-01"], [2, "3/4/2026"],
                                                                [3, True, "2026-11-01 09:30:00"]]
    assert standin.grid_size(sid, "T") == (7, 3)
    assert standin.validation_at(sid, "T", 7, 3) == {"condition": {"type": "BOOLEAN"}}


def test_auth_errors_have_googles_shapes(standin, gc, key):
    sid = standin.add_spreadsheet({"Sheet1": [["x"]]})
    plain = requests.get(f"{standin.url}/v4/spreadsheets/{sid}")
    assert plain.status_code == 401 and plain.json()["error"]["status"] == "UNAUTHENTICATED"
    assert plain.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
    wrong = requests.get(f"{standin.url}/v4/spreadsheets/{sid}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("missing-sheet")
    standin.share(sid, "someone@else.example")
    with pytest.raises(PermissionError) as err:
        gc.open_by_key(sid)
    assert err.value.__cause__.error == {"code": 403, "message": "The caller does not have permission",
                                         "status": "PERMISSION_DENIED"}
    standin.share(sid, "worker@test-project.iam.gserviceaccount.com")
    assert gc.open_by_key(sid).sheet1.get("A1") == [["x"]]
    standin.disable_api()
    with pytest.raises(PermissionError) as err:
        gc.open_by_key(sid)
    body = err.value.__cause__.error
    assert body["message"].startswith("Google Sheets API has not been used in project")
    assert body["details"][0]["reason"] == "SERVICE_DISABLED"
    standin.enable_api()
    tokens = standin.count("token")
    standin.expire_tokens()                            # google-auth refreshes on 401 and retries
    assert gc.open_by_key(sid).sheet1.get("A1") == [["x"]]
    assert standin.count("token") == tokens + 1
    readonly = standin.client(key, scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"])
    with pytest.raises(APIError) as err:
        readonly.open_by_key(sid).sheet1.update([["y"]], "A1")
    assert err.value.error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_token_endpoint_checks_the_assertion(standin):
    post = lambda form: requests.post(standin.token_uri, data=form)    # noqa: E731
    assert post({"grant_type": "password"}).json()["error"] == "unsupported_grant_type"
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert post({"grant_type": grant, "assertion": "a.b"}).json()["error"] == "invalid_grant"
    import base64
    claims = base64.urlsafe_b64encode(json.dumps({"iss": "x@y", "scope": "s", "aud": "https://evil",
                                                  "exp": time.time() + 60}).encode()).decode()
    bad_aud = post({"grant_type": grant, "assertion": f"e30.{claims}.sig"})
    assert (bad_aud.status_code, bad_aud.json()["error"]) == (400, "invalid_grant")


def test_fault_switches(standin, gc):
    sid = standin.add_spreadsheet({"Sheet1": [["a", "b"], ["c", "d"]]})
    sh = gc.open_by_key(sid)
    standin.fail_next(429, times=2, kinds="batch_get")
    for _ in range(2):
        with pytest.raises(APIError) as err:
            sh.values_batch_get(["Sheet1"])
        assert (err.value.code, err.value.error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert sh.values_batch_get(["Sheet1"])["valueRanges"][0]["values"] == [["a", "b"], ["c", "d"]]
    standin.fail_next(503)
    with pytest.raises(APIError) as err:
        sh.values_batch_get(["Sheet1"])
    assert err.value.error == {"code": 503, "message": "The service is currently unavailable.",
                               "status": "UNAVAILABLE"}
    standin.fail_next(502)
    with pytest.raises(APIError) as err:
        sh.values_batch_get(["Sheet1"])
    assert err.value.response.status_code == 502 and "<title>Error 502" in err.value.response.text

    gc.http_client.set_timeout(0.3)
    standin.delay_next(0.8, kinds="values_batch_update")
    with pytest.raises(requests.exceptions.ReadTimeout):
        sh.values_batch_update({"valueInputOption": "RAW", "data": [{"range": "Sheet1!C1", "values": [["late"]]}]})
    time.sleep(0.7)
    assert standin.value(sid, "Sheet1", 1, 3) == "late"          # the write still landed
    gc.http_client.set_timeout(None)

    standin.reset_requests()
    read = sh.values_batch_get(["Sheet1"])
    # staff sort the rows between the worker's read and its write: the write lands on whatever is there now
    standin.before_next_write(lambda s: s.sort_rows(sid, "Sheet1", key=lambda row: row[0], reverse=True,
                                                    header_rows=0))
    sh.values_batch_update({"valueInputOption": "RAW", "data": [{"range": "Sheet1!B1", "values": [["B!"]]}]})
    assert read["valueRanges"][0]["values"][0][0] == "a"
    assert standin.grid(sid, "Sheet1") == [["c", "B!"], ["a", "b", "late"]]
    standin.after_next_read(lambda s: s.insert_rows(sid, "Sheet1", 1, [["inserted"]]))
    sh.values_batch_get(["Sheet1"])
    assert standin.grid(sid, "Sheet1")[0] == ["inserted"]
    assert standin.count("batch_get", "values_batch_update") == 3 and standin.count() == 3


def test_append_create_and_drive_metadata(standin, gc):
    sid = standin.add_spreadsheet({"Log": [["when", "what"], ["1", "x"]]})
    sh = gc.open_by_key(sid)
    got = sh.worksheet("Log").append_rows([["2", "y"], ["3", "z"]], value_input_option="RAW")
    assert got["tableRange"] == "Log!A1:B2" and got["updates"]["updatedRange"] == "Log!A3:B4"
    assert standin.grid(sid, "Log")[2:] == [["2", "y"], ["3", "z"]]
    assert sh.get_lastUpdateTime().endswith("Z")                   # Drive files.get on the stand-in
    made = gc.http_client.request("post", "https://sheets.googleapis.com/v4/spreadsheets",
                                  json={"properties": {"title": "New"}}).json()
    assert made["sheets"][0]["properties"]["title"] == "Sheet1" and standin.tabs(made["spreadsheetId"]) == ["Sheet1"]


def test_big_workbook_is_served_in_seconds(standin, gc):
    row = ["Li Lei", "13800138000", 1234.5, True] + [f"col {j}" for j in range(21)]
    sid = standin.add_spreadsheet({"Referrals": [[dt.date(2026, 11, 1)] + row[:24]] * 100_000}, value_input="RAW")
    sh = gc.open_by_key(sid)
    started = time.monotonic()
    got = sh.values_batch_get(["Referrals"], params={"valueRenderOption": "UNFORMATTED_VALUE"})
    total = time.monotonic() - started
    served = standin.of_kind("batch_get")[-1].seconds
    values = got["valueRanges"][0]["values"]
    assert len(values) == 100_000 and values[-1][:3] == [46327, "Li Lei", "13800138000"]
    print(f"100 000 x 25 batchGet: stand-in {served:.2f} s, with gspread parsing {total:.2f} s")
    assert served < 8, f"stand-in took {served:.2f} s"
