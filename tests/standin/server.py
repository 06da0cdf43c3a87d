"""The HTTP side: routing, the OAuth2 token endpoint, bearer-token checks, access checks, injected
faults and the request log. Handlers run one at a time under the stand-in's lock.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import batch, errors, fields, griddata, values
from .cells import no_gc
from .errors import ApiError

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
READ_SCOPES = {"https://www.googleapis.com/auth/" + s for s in
               ("spreadsheets", "spreadsheets.readonly", "drive", "drive.readonly", "drive.file")}
WRITE_SCOPES = {"https://www.googleapis.com/auth/" + s for s in ("spreadsheets", "drive", "drive.file")}
READS = {"metadata", "values_get", "batch_get", "drive_get"}
WRITES = {"values_update", "values_batch_update", "values_append", "values_clear", "values_batch_clear",
          "batch_update"}
METHODS = {"metadata": "GetSpreadsheet", "create": "CreateSpreadsheet", "batch_update": "BatchUpdateSpreadsheet",
           "values_get": "GetValues", "batch_get": "BatchGetValues", "values_update": "UpdateValues",
           "values_batch_update": "BatchUpdateValues", "values_append": "AppendValues",
           "values_clear": "ClearValues", "values_batch_clear": "BatchClearValues", "drive_get": "GetFile"}
_ID = r"([A-Za-z0-9_-]+)"
ROUTES = [  # (method, pattern on the raw path, kind)
    ("POST", r"/token", "token"),
    ("POST", r"/v4/spreadsheets", "create"),
    ("GET", rf"/v4/spreadsheets/{_ID}", "metadata"),
    ("POST", rf"/v4/spreadsheets/{_ID}:batchUpdate", "batch_update"),
    ("GET", rf"/v4/spreadsheets/{_ID}/values:batchGet", "batch_get"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchUpdate", "values_batch_update"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchClear", "values_batch_clear"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/(.+):append", "values_append"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/(.+):clear", "values_clear"),
    ("GET", rf"/v4/spreadsheets/{_ID}/values/(.+)", "values_get"),
    ("PUT", rf"/v4/spreadsheets/{_ID}/values/(.+)", "values_update"),
    ("GET", rf"/drive/v3/files/{_ID}", "drive_get"),
    ("GET", r"/v1/projects/-/serviceAccounts/([^/]+)/allowedLocations", "allowed_locations"),
]
HANDLERS = {"values_get": values.values_get, "batch_get": values.batch_get, "values_update": values.values_update,
            "values_batch_update": values.values_batch_update, "values_append": values.values_append,
            "values_clear": values.values_clear, "values_batch_clear": values.values_batch_clear}


@dataclass
class Request:
    """One request the stand-in received. `query` maps each parameter to its list of values."""
    method: str
    path: str
    kind: str
    query: dict
    body: object
    headers: dict
    spreadsheet_id: str | None = None
    range: str | None = None
    caller: str | None = None
    status: int | None = None
    at: float = field(default_factory=time.monotonic)
    seconds: float | None = None     # time the stand-in took to answer (injected delays included)

    def param(self, name: str, default=None):
        got = self.query.get(name)
        return got[0] if got else default


def route(method: str, raw_path: str):
    for m, pattern, kind in ROUTES:
        match = re.fullmatch(pattern, raw_path)
        if match:
            if m != method:
                continue
            groups = [unquote(g) for g in match.groups()]
            return kind, groups
    return "unknown", []


def decode_jwt(token: str) -> dict | None:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) and isinstance(header, dict) else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms a call
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.standin._serve(self, "GET")

    def do_POST(self):
        self.server.standin._serve(self, "POST")

    def do_PUT(self):
        self.server.standin._serve(self, "PUT")

    def do_DELETE(self):
        self.server.standin._serve(self, "DELETE")

    def do_PATCH(self):
        self.server.standin._serve(self, "PATCH")


class Server:
    """State and HTTP plumbing; SheetsStandin adds the methods tests call."""

    def __init__(self, port: int = 0):
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self.books: dict = {}
        self.tokens: dict[str, tuple[str, set, float]] = {}
        self.requests: list[Request] = []
        self.housekeeping: list[Request] = []
        self._fails: list[dict] = []
        self._delays: list[dict] = []
        self._before_write: list = []
        self._after_read: list = []
        self.api_enabled = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.standin = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.token_uri = self.url + "/token"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sheets-standin", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    # -- one request -----------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(h.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        kind, args = route(method, split.path)
        req = Request(method, split.path, kind, query, None, dict(h.headers.items()))
        if kind == "allowed_locations":
            # google-auth >= 2.4x asks IAM Credentials for the key's "regional access boundary" in a
            # background thread; it is housekeeping, not Sheets use, so it stays out of `requests`.
            self.housekeeping.append(req)
            req.status = 200
            self._send(h, 200, {"locations": [], "encodedLocations": "0x0"}, {})
            return
        if kind not in ("unknown", "token", "create"):
            req.spreadsheet_id = args[0]
            req.range = args[1] if len(args) > 1 else None
        with self._lock:
            self.requests.append(req)
        after = []
        try:
            req.body = self._parse_body(kind, raw)
            self._injected_delay(kind)
            status, payload, headers, after = self._answer(req, h)
        except ApiError as e:
            status, payload, headers = e.status, e.body, e.headers
        except Exception as e:          # a stand-in bug: say so in a 500 and on stderr, keep serving
            traceback.print_exc()
            status, payload, headers = 500, errors.status_body(
                500, f"Internal error encountered. (sheets stand-in: {type(e).__name__}: {e})"), {}
        req.status = status
        try:
            self._finish(h, req, status, payload, headers, after)
        finally:
            req.seconds = time.monotonic() - req.at

    def _finish(self, h, req, status, payload, headers, after) -> None:
        if after:
            try:
                self._send(h, status, payload, headers)
                for fn in after:
                    fn(self)
            finally:
                self._lock.release()
        else:
            self._send(h, status, payload, headers)

    def _parse_body(self, kind: str, raw: bytes):
        if kind == "token":
            return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if not raw:
            return None
        try:
            with no_gc():
                return json.loads(raw)
        except ValueError as e:
            raise errors.bad_field("", f"Invalid JSON payload received. {e}.")

    def _answer(self, req: Request, h):
        fail = self._take(self._fails, req.kind)
        if fail is not None:
            if fail.get("body") is not None:
                raise ApiError(fail["status"], fail["body"])
            raise errors.fault(fail["status"], req.kind, METHODS.get(req.kind, ""))
        if req.kind == "token":
            return 200, self._token(req.body or {}), {"Cache-Control": "no-cache, no-store, max-age=0"}, []
        if req.kind == "unknown":
            raise ApiError(404, errors.html_page(404, req.path))
        req.caller = self._caller(req)
        if not self.api_enabled:
            raise errors.service_disabled()
        with self._lock:
            if req.kind == "create":
                return 200, self._create(req.body or {}), {}, []
            book = self.books.get(req.spreadsheet_id)
            if book is None:
                if req.kind == "drive_get":
                    raise _drive_not_found(req.spreadsheet_id)
                raise errors.not_found()
            if book.shared_with is not None and req.caller not in book.shared_with:
                raise errors.permission_denied()
            if req.kind in WRITES:
                hooks, self._before_write[:] = list(self._before_write), []
                for fn in hooks:
                    fn(self)
            with no_gc():
                payload = self._dispatch(req, book)
            if req.kind in WRITES:
                book.modified = time.time()
            after = []
            for entry in list(self._after_read):
                if req.kind in entry["kinds"]:
                    self._after_read.remove(entry)
                    after.append(entry["fn"])
            if after:
                self._lock.acquire()      # held on until the hooks ran (released in _serve)
            return 200, payload, {}, after

    def _dispatch(self, req: Request, book):
        if req.kind == "metadata":
            meta = book.metadata()
            mask = req.param("fields")
            tree = fields.parse(mask) if mask else None
            data = griddata.wants_grid(req.query, tree)
            if data or req.query.get("ranges"):
                meta = griddata.with_grid(book, meta, req.query, tree, data)
            return fields.select(meta, tree) if mask else meta
        if req.kind == "drive_get":
            return self._drive_file(book, req.param("fields"))
        if req.kind == "batch_update":
            return batch.batch_update(book, req.query, req.body, req.caller or "")
        handler = HANDLERS[req.kind]
        if req.range is not None:
            return handler(book, req.query, req.body, req.range)
        return handler(book, req.query, req.body)

    # -- auth --------------------------------------------------------------------------------------
    def _token(self, form: dict) -> dict:
        grant = form.get("grant_type", "")
        if grant != JWT_GRANT:
            raise ApiError(400, {"error": "unsupported_grant_type",
                                 "error_description": f"Invalid grant_type: {grant}"})
        claims = decode_jwt(form.get("assertion", ""))
        if claims is None:
            raise ApiError(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        if not claims.get("iss") or not claims.get("scope"):
            raise ApiError(400, {"error": "invalid_scope" if claims.get("iss") else "invalid_grant",
                                 "error_description": "Invalid OAuth scope or ID token audience provided."})
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, self.token_uri):
            raise ApiError(400, {"error": "invalid_grant",
                                 "error_description": "Invalid JWT: Failed audience check."})
        if float(claims.get("exp", 0)) < time.time() - 300:
            raise ApiError(400, {"error": "invalid_grant", "error_description":
                                 "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                                 "timeframe. Check your iat and exp values in the JWT claim."})
        token = "ya29.standin-" + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = (claims.get("sub") or claims["iss"], set(claims["scope"].split()),
                                  time.time() + 3600)
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _caller(self, req: Request) -> str:
        method = METHODS.get(req.kind, "")
        header = req.headers.get("Authorization") or req.headers.get("authorization")
        if not header:
            raise errors.unauthenticated(True, method)
        scheme, _, token = header.partition(" ")
        with self._lock:
            known = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if known is not None and known[2] > time.time():
            email, scopes = known[0], known[1]
        else:
            claims = decode_jwt(token.strip()) if scheme.lower() == "bearer" and known is None else None
            if not claims or not claims.get("iss") or float(claims.get("exp", 0)) < time.time():
                raise errors.unauthenticated(False, method)
            email, scopes = claims.get("sub") or claims["iss"], set(str(claims.get("scope", "")).split())
            if not scopes and str(claims.get("aud", "")).startswith("https://sheets.googleapis.com"):
                scopes = set(WRITE_SCOPES)
        needed = WRITE_SCOPES if req.kind in WRITES or req.kind == "create" else READ_SCOPES
        if not scopes & needed:
            raise errors.scope_insufficient(method)
        return email

    # -- faults ------------------------------------------------------------------------------------
    def _take(self, rules: list, kind: str):
        with self._lock:
            for rule in rules:
                kinds = rule["kinds"]
                if (kinds is None and kind not in ("token", "unknown")) or (kinds is not None and kind in kinds):
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        rules.remove(rule)
                    return rule
        return None

    def _injected_delay(self, kind: str) -> None:
        rule = self._take(self._delays, kind)
        if rule is not None:
            self._closing.wait(rule["seconds"])

    # -- small endpoints ---------------------------------------------------------------------------
    def _create(self, body: dict) -> dict:
        props = body.get("properties") or {}
        sheets = body.get("sheets") or [{"properties": {"title": "Sheet1"}}]
        tabs = {}
        sizes = {}
        for s in sheets:
            p = s.get("properties") or {}
            title = p.get("title") or f"Sheet{len(tabs) + 1}"
            tabs[title] = []
            grid = p.get("gridProperties") or {}
            sizes[title] = (grid.get("rowCount", 1000), grid.get("columnCount", 26))
        sid = self.add_spreadsheet(tabs, title=props.get("title") or "Untitled spreadsheet")
        book = self.books[sid]
        for tab in book.tabs:
            tab.row_count, tab.col_count = sizes[tab.title]
        return book.metadata()

    def _drive_file(self, book, mask: str | None) -> dict:
        def stamp(t):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"
        out = {"kind": "drive#file", "id": book.id, "name": book.title,
               "mimeType": "application/vnd.google-apps.spreadsheet", "createdTime": stamp(book.created),
               "modifiedTime": stamp(book.modified or book.created)}
        return fields.select(out, fields.parse(mask)) if mask else out

    # -- output ------------------------------------------------------------------------------------
    def _send(self, h, status: int, payload, headers: dict) -> None:
        if isinstance(payload, str):
            data, ctype = payload.encode("utf-8"), "text/html; charset=UTF-8"
        else:
            with no_gc():
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            ctype = "application/json; charset=UTF-8"
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Vary", "Origin, X-Origin, Referer")
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            h.close_connection = True


def _drive_not_found(file_id: str) -> ApiError:
    message = f"File not found: {file_id}."
    return ApiError(404, {"error": {"code": 404, "message": message, "errors": [
        {"message": message, "domain": "global", "reason": "notFound", "location": "fileId",
         "locationType": "parameter"}]}})
