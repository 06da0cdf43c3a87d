"""Google Sheets: the service-account key, the HTTP client, bounded retries.

gspread's `HTTPClient` does the talking, on a google-auth `AuthorizedSession`
built from the service-account key (the key's `token_uri` is where the token
is fetched).  Two things are ours:

* `api_endpoint` replaces https://sheets.googleapis.com in every call, so the
  worker can talk to a local stand-in or a proxy;
* retries are bounded: HTTP 429 and 5xx, timeouts and dropped connections are
  tried again up to `tries` times with exponential backoff and full jitter
  (gspread's BackOffHTTPClient retries without bound), every request has an
  explicit timeout, and then `SheetsDown` is raised.

Nothing here ever prints or logs the key, a token or a request header.
"""
from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import requests
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from .. import i18n

GOOGLE = "https://sheets.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

i18n.register({
    "gs.no_credentials": {
        "en": "[workbook] credentials: no service-account key is configured — set credentials = \"<key>.json\" in "
              "the config, or the environment variable GOOGLE_APPLICATION_CREDENTIALS to the key file's path "
              "(README: Google Sheets setup)",
        "zh": "[workbook] credentials：未配置服务账号密钥 — 请在配置文件中设置 credentials = \"<密钥>.json\"，"
              "或把环境变量 GOOGLE_APPLICATION_CREDENTIALS 设为密钥文件路径（见 README：Google Sheets setup）"},
    "gs.key_missing": {
        "en": "{path}: the service-account key file is not there — download a JSON key for the service account "
              "(Google Cloud console → IAM → Service accounts → Keys → Add key → JSON) and put it at this path",
        "zh": "{path}：找不到服务账号密钥文件 — 请在 Google Cloud 控制台（IAM → 服务账号 → 密钥 → 添加密钥 → JSON）"
              "下载 JSON 密钥并放到此路径"},
    "gs.key_not_sa": {
        "en": "{path}: this is not a service-account key ({what}) — download a JSON key of type "
              "\"service_account\" (Google Cloud console → IAM → Service accounts → Keys → Add key → JSON); "
              "an OAuth client or API key does not work",
        "zh": "{path}：这不是服务账号密钥（{what}）— 请下载类型为 \"service_account\" 的 JSON 密钥"
              "（Google Cloud 控制台 → IAM → 服务账号 → 密钥 → 添加密钥 → JSON）；OAuth 客户端或 API 密钥不可用"},
    "gs.bad_id": {
        "en": "[workbook] spreadsheet = {value}: not a spreadsheet ID or URL — copy the sheet's address from the "
              "browser (https://docs.google.com/spreadsheets/d/<ID>/edit) or just the <ID> part",
        "zh": "[workbook] spreadsheet = {value}：不是表格 ID 或网址 — 请从浏览器复制表格地址"
              "（https://docs.google.com/spreadsheets/d/<ID>/edit）或其中的 <ID> 部分"},
})

_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class SheetsDown(Exception):
    """Retries exhausted: 429/5xx/timeouts every time.  `what` names the last problem (no secrets);
    `failures` lists (where, kind) per try: where "api" or "token", kind "unreachable", "timeout", "busy"."""

    def __init__(self, what: str, tries: int, failures=()):
        super().__init__(what)
        self.what, self.tries, self.failures = what, tries, list(failures)

    def unreachable(self) -> str | None:
        """"api" or "token" when every try failed to connect there (a wrong address, nothing running)."""
        wheres = {w for w, k in self.failures if k == "unreachable"}
        if self.failures and all(k == "unreachable" for _, k in self.failures) and len(wheres) == 1:
            return wheres.pop()
        return None


def spreadsheet_id(value: str) -> str | None:
    """The spreadsheet ID from an ID or a full URL; None when it is neither."""
    value = (value or "").strip()
    m = _URL_ID.search(value)
    if m:
        return m.group(1)
    return value if _ID.match(value) else None


def load_key(path: Path | None) -> tuple[service_account.Credentials, str]:
    """Credentials and the account's address from a service-account JSON key.
    Raises KeyProblem with the text saying what to fix."""
    if path is None:
        raise KeyProblem(i18n.Text("gs.no_credentials"))
    path = Path(path)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyProblem(i18n.Text("gs.key_missing", path=str(path))) from None
    except IsADirectoryError:
        raise KeyProblem(i18n.Text("gs.key_missing", path=str(path))) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KeyProblem(i18n.Text("gs.key_not_sa", path=str(path), what=type(exc).__name__)) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else None
        what = f"type {kind!r}" if kind else "no \"type\": \"service_account\""
        raise KeyProblem(i18n.Text("gs.key_not_sa", path=str(path), what=what))
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, KeyError) as exc:   # missing fields, unreadable private key
        missing = str(exc).split(":")[0] if isinstance(exc, ValueError) else f"missing {exc}"
        raise KeyProblem(i18n.Text("gs.key_not_sa", path=str(path), what=missing[:80])) from None
    return creds, info.get("client_email", "")


class KeyProblem(Exception):
    def __init__(self, text: i18n.Text):
        super().__init__(str(text))
        self.text = text


class SheetsClient(HTTPClient):
    """gspread's HTTP client with our endpoint, timeout and bounded retries."""

    def __init__(self, credentials, endpoint: str | None = None, timeout: float = 30.0, tries: int = 5,
                 sleep=time.sleep, rand=random.random, backoff: float = 1.0, max_backoff: float = 32.0):
        if endpoint and endpoint.rstrip("/") != GOOGLE and \
                hasattr(credentials, "_maybe_start_regional_access_boundary_refresh"):
            # Talking to a stand-in or proxy: google-auth's background access-boundary lookup would go
            # to iamcredentials.googleapis.com directly, around it.  Skip it for this key only.
            credentials._maybe_start_regional_access_boundary_refresh = lambda *args, **kwargs: None
        session = AuthorizedSession(credentials, refresh_timeout=timeout)
        super().__init__(auth=None, session=session)
        self.auth = credentials
        self.endpoint = (endpoint or GOOGLE).rstrip("/")
        self.timeout = timeout
        self.tries = max(1, tries)
        self.sleep, self.rand = sleep, rand
        self.backoff, self.max_backoff = backoff, max_backoff

    def request(self, method, endpoint, params=None, data=None, json=None, files=None, headers=None):
        if endpoint.startswith(GOOGLE):
            endpoint = self.endpoint + endpoint[len(GOOGLE):]
        failures: list[tuple[str, str]] = []      # (where: "api" | "token", kind: unreachable | timeout | busy)
        last = ""
        for attempt in range(self.tries):
            if attempt:
                self.sleep(self.rand() * min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            try:
                response = super().request(method, endpoint, params=params, data=data, json=json, files=files,
                                           headers=headers)
            except APIError as exc:
                status = exc.response.status_code if exc.response is not None else exc.code
                if status not in RETRY_STATUS:
                    if _not_json(exc.response):
                        raise NotSheets(exc.response) from None
                    raise
                last = f"HTTP {status}"
                failures.append(("api", "busy"))
                continue
            except requests.Timeout:
                last = f"no answer within {self.timeout:g} s"
                failures.append(("api", "timeout"))
                continue
            except requests.ConnectionError as exc:
                last = f"connection failed: {_reason(exc)}"
                failures.append(("api", "unreachable"))
                continue
            except auth_exceptions.TransportError as exc:
                cause = exc.args[0] if exc.args else exc
                timeout = isinstance(cause, requests.Timeout)
                last = f"token request: {'no answer within %g s' % self.timeout if timeout else _reason(cause)}"
                failures.append(("token", "timeout" if timeout else "unreachable"))
                continue
            except auth_exceptions.RefreshError as exc:
                if len(exc.args) == 1 and isinstance(exc.args[0], str) and not _server_side(exc):
                    raise NotToken(exc.args[0]) from None    # the token_uri answered, but not as OAuth does
                if not getattr(exc, "retryable", False) and not _server_side(exc):
                    raise
                last = "token request failed"
                failures.append(("token", "busy"))
                continue
            if _not_json(response):
                raise NotSheets(response)
            return response
        raise SheetsDown(last, self.tries, failures)


class NotSheets(Exception):
    """The endpoint answered, but not as the Sheets API does (an HTML page, another web server)."""

    def __init__(self, response):
        ctype = (response.headers.get("Content-Type") or "no content type").split(";")[0] if response is not None \
            else "no answer"
        code = response.status_code if response is not None else 0
        super().__init__(f"HTTP {code}, {ctype}")
        self.what = f"HTTP {code}, {ctype}"


class NotToken(Exception):
    """The key's token_uri answered, but not as an OAuth token endpoint does."""

    def __init__(self, body: str):
        text = " ".join((body or "").split())
        super().__init__(text[:60])
        self.what = text[:60] or "an empty answer"


def _not_json(response) -> bool:
    if response is None:
        return False
    ctype = (response.headers.get("Content-Type") or "").lower()
    return "json" not in ctype


def _reason(exc) -> str:
    """A short, secret-free reason for a failed connection: refused, unknown host, TLS, ..."""
    text = str(exc)
    for needle, say in (("Connection refused", "connection refused"), ("Name or service not known", "unknown host"),
                        ("nodename nor servname", "unknown host"), ("Temporary failure in name resolution",
                                                                     "unknown host"),
                        ("getaddrinfo failed", "unknown host"), ("CERTIFICATE_VERIFY_FAILED", "TLS certificate refused"),
                        ("SSL", "TLS handshake failed"), ("timed out", "connection timed out"),
                        ("Network is unreachable", "network unreachable"), ("No route to host", "no route to host")):
        if needle in text:
            return say
    return type(exc).__name__


def _server_side(exc: auth_exceptions.RefreshError) -> bool:
    """A token endpoint answering 5xx/429 (google-auth gives up after its own short retries)."""
    data = exc.args[1] if len(exc.args) > 1 else None
    text = json_text(data)
    return any(code in text for code in ("500", "502", "503", "504", "429", "Internal", "unavailable"))


def json_text(data) -> str:
    try:
        return data if isinstance(data, str) else json.dumps(data)[:500]
    except (TypeError, ValueError):
        return ""
