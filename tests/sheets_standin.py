"""A local stand-in of the Google Sheets v4 API, for tests: real HTTP on 127.0.0.1 that the real
gspread 6 client and google-auth talk to. The code lives in tests/standin/; import from here.

Pointing gspread + google-auth at it
------------------------------------
1. A service-account key whose `token_uri` is the stand-in's token endpoint. google-auth signs a real
   RS256 JWT with the key and POSTs it there (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`);
   the stand-in answers {"access_token", "expires_in": 3600, "token_type": "Bearer"}:

       key = make_service_account_key(tmp_path / "sa.json", standin.token_uri)

2. Send the Sheets calls to `standin.url` instead of https://sheets.googleapis.com. gspread copies the
   URLs of `gspread.urls` into `gspread.http_client` at import, so patching them does not work; mount a
   requests transport adapter on the session gspread uses (a google-auth AuthorizedSession):

       gc = gspread.service_account(filename=key, http_client=gspread.HTTPClient)   # or BackOffHTTPClient
       route_session(gc.http_client.session, standin.url)      # rewrites https://sheets.googleapis.com/...
       sh = gc.open_by_key(spreadsheet_id)

   `standin.client(key)` does both. Production code with an `api_endpoint` setting can do the same with
   its own 10-line adapter (connect.EndpointAdapter shows it): the stand-in serves the real paths
   (`/v4/spreadsheets/{id}`, `/v4/spreadsheets/{id}/values:batchGet`, ...), so only scheme+host change.
   Drive calls (https://www.googleapis.com/drive/...) are routed too, so nothing leaves loopback.

Using it
--------
    with SheetsStandin() as s:
        sid = s.add_spreadsheet({"Referrals": [["Submitted at", "Referrer"], ["2026-11-01", "Li Lei"]]})
        ... run the worker against s.url ...
        assert s.grid(sid, "Referrals")[1] == [46327, "Li Lei"]      # a typed date is a serial number
        assert s.count("batch_get") == 1 and s.count("values_batch_update") <= 1

Seeded and staff-typed text is taken as a person types it (USER_ENTERED: dates, numbers, TRUE/FALSE,
"=formulas"; pass value_input="RAW" to keep text). Python date/datetime become date cells (serial number
with a date format: UNFORMATTED_VALUE+SERIAL_NUMBER gives the number, FORMATTED_STRING gives
"2026-11-01"). Request kinds in `requests`/`count()`: token, metadata, values_get, batch_get,
values_update, values_batch_update, values_append, values_clear, values_batch_clear, batch_update,
create, drive_get, unknown. Faults: fail_next, delay_next, before_next_write, after_next_read,
disable_api, share, expire_tokens. Simplifications: number formats belong to the value (writing a number
over a date cell does not keep the date format); formulas evaluate plain arithmetic only; data
validation is stored, not enforced; includeGridData=true is not served.
"""
try:
    from .standin import (EndpointAdapter, Request, SheetsStandin, gspread_client,  # noqa: F401
                          make_service_account_key, route_session, service_account_info)
except ImportError:
    from standin import (EndpointAdapter, Request, SheetsStandin, gspread_client,  # noqa: F401
                         make_service_account_key, route_session, service_account_info)

__all__ = ["SheetsStandin", "Request", "make_service_account_key", "service_account_info", "EndpointAdapter",
           "route_session", "gspread_client"]
