"""A local stand-in of the Google Sheets v4 API, for tests: real HTTP on 127.0.0.1 that the real
gspread 6 client and google-auth talk to. The code lives in tests/standin/; import from here.

Pointing gspread + google-auth at it
------------------------------------
1. A service-account key whose `token_uri` is the stand-in's token endpoint. google-auth signs a real
   RS256 JWT with the key's private key and POSTs it there (form `grant_type=urn:ietf:params:oauth:
   grant-type:jwt-bearer&assertion=<JWT>`); the stand-in checks it (3 parts, iss, scope, aud — google-auth
   always sets aud to https://oauth2.googleapis.com/token; the stand-in's own token_uri is accepted too)
   and answers {"access_token", "expires_in": 3600, "token_type": "Bearer"}:

       key = make_service_account_key(tmp_path / "sa.json", standin.token_uri)

2. Send the calls for https://sheets.googleapis.com to `standin.url`; paths and queries stay the real
   ones (`/v4/spreadsheets/{id}`, `/v4/spreadsheets/{id}/values:batchGet?ranges=...`), only scheme and
   host change. gspread copies the `gspread.urls` constants into `gspread.http_client` at import, so
   patching them does nothing. Either override `HTTPClient.request` and rewrite the `endpoint` prefix
   (what an `api_endpoint` setting does), or mount a requests transport adapter on the session:

       gc = gspread.service_account(filename=key, http_client=gspread.HTTPClient)
       route_session(gc.http_client.session, standin.url)
       sh = gc.open_by_key(spreadsheet_id)

   `standin.client(key)` does both.

3. google-auth >= 2.4x, after getting a token, looks up the service account's "regional access
   boundary" at https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<email>/allowedLocations,
   in a background thread, through the AuthorizedSession's separate auth session. Unrouted, a test run
   tries the internet (and logs NameResolutionError warnings). route_session() also routes that host on
   `session._auth_request_session`; with your own AuthorizedSession, pass
   `auth_request=google.auth.transport.requests.Request(s)` where `s` is a requests.Session with
   `s.mount("https://iamcredentials.googleapis.com/", EndpointAdapter("https://iamcredentials.googleapis.com",
   standin.url))`. The stand-in answers {"locations": [], "encodedLocations": "0x0"} and keeps these
   calls out of `requests` (they are in `housekeeping`). Drive calls (www.googleapis.com/drive/...) are
   routed too: files.get answers id/name/createdTime/modifiedTime.

Using it
--------
    with SheetsStandin() as s:
        sid = s.add_spreadsheet({"Referrals": [["Submitted at", "Referrer"], ["2026-11-01", "Li Lei"]]})
        ... run the worker against s.url ...
        assert s.grid(sid, "Referrals")[1] == [46327, "Li Lei"]      # a typed date is a serial number
        assert s.count("batch_get") == 1 and s.count("values_batch_update") <= 1

- Seeded and staff-typed text is taken as a person types it (value_input="USER_ENTERED": "2026-11-01"
  and "3/4/2026" become dates, "1,200.50" and "13800138000" numbers, "TRUE" a boolean, "=1+1" a formula,
  "'007" the text 007); value_input="RAW" keeps text as text. date/datetime become date cells (serial
  number with a date format: UNFORMATTED_VALUE + SERIAL_NUMBER gives 46327, FORMATTED_STRING
  "2026-11-01"), Decimal a number, None an empty cell. New tabs are at least 1000 x 26, as in Google.
- grid()/value() render like the API (UNFORMATTED_VALUE + SERIAL_NUMBER by default, ragged, "" for inner
  blanks) and return plain Python types. Rows and columns are 1-based in the Python API.
- insert_rows() is "insert rows above": validations/protections come from the row above; the API's
  insertDimension follows its inheritFromBefore flag.
- Request kinds (`requests`, `count()`, `of_kind()`): token, metadata, values_get, batch_get,
  values_update, values_batch_update, values_append, values_clear, values_batch_clear, batch_update,
  create, drive_get, unknown. Each Request has method, path, kind, query (name -> list of values; or
  .param(name)), body (parsed JSON; the form for token), headers, caller, status, seconds.
- Faults: fail_next(status, times, kinds, body), delay_next(seconds, times, kinds) (the request is still
  carried out after the delay), before_next_write(fn), after_next_read(fn), disable_api()/enable_api()
  (403 SERVICE_DISABLED), reset_faults()/pending_faults() (every switch off / what is still on),
  share(id, *emails)/share_with_anyone(id) (403 PERMISSION_DENIED),
  expire_tokens() (401, google-auth refreshes), readonly scopes (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT).
- Simplifications: a number format belongs to the value (writing over a date cell does not keep the
  format); formulas evaluate plain arithmetic only (else #NAME?); data validation is stored, not
  enforced on writes; grid data (spreadsheets.get with `ranges` or a `fields` mask naming sheets.data)
  serves effectiveValue, userEnteredValue, formattedValue and dataValidation only; formatting requests are
  accepted and ignored.
"""
try:
    from .standin import (EndpointAdapter, Request, SheetsStandin, gspread_client,  # noqa: F401
                          make_service_account_key, route_session, service_account_info)
except ImportError:
    from standin import (EndpointAdapter, Request, SheetsStandin, gspread_client,  # noqa: F401
                         make_service_account_key, route_session, service_account_info)

__all__ = ["SheetsStandin", "Request", "make_service_account_key", "service_account_info", "EndpointAdapter",
           "route_session", "gspread_client"]
