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
    "gs.key_refused": {
        "en": "{path}: Google refused the service-account key ({what}) — the key may have been deleted or the "
              "account disabled; create a new JSON key for {email} and point credentials at it",
        "zh": "{path}：Google 拒绝了该服务账号密钥（{what}）— 密钥可能已删除或账号已停用；"
              "请为 {email} 新建 JSON 密钥并在 credentials 中指向它"},
    "gs.bad_id": {
        "en": "[workbook] spreadsheet = {value}: not a spreadsheet ID or URL — copy the sheet's address from the "
              "browser (https://docs.google.com/spreadsheets/d/<ID>/edit) or just the <ID> part",
        "zh": "[workbook] spreadsheet = {value}：不是表格 ID 或网址 — 请从浏览器复制表格地址"
              "（https://docs.google.com/spreadsheets/d/<ID>/edit）或其中的 <ID> 部分"},
    "gs.api_disabled": {
        "en": "Google Sheets API is not enabled for the service account's project — open Google Cloud console → "
              "APIs & Services → Library → \"Google Sheets API\" → Enable (then wait a minute and run check again)",
        "zh": "服务账号所在的项目未启用 Google Sheets API — 请在 Google Cloud 控制台 → API 和服务 → 库 → "
              "\"Google Sheets API\" → 启用（稍等一分钟后再运行 check）"},
    "gs.not_shared": {
        "en": "spreadsheet {id}: the service account has no access — open the sheet, click Share and add "
              "{email} as Editor",
        "zh": "表格 {id}：服务账号无权访问 — 请打开表格，点“共享”，把 {email} 添加为编辑者"},
    "gs.not_found": {
        "en": "spreadsheet {id}: no such spreadsheet — check [workbook] spreadsheet in the config (copy the ID or "
              "URL from the browser) and that it is shared with {email}",
        "zh": "表格 {id}：找不到该表格 — 请检查配置文件中 [workbook] 的 spreadsheet（从浏览器复制 ID 或网址），"
              "并确认已共享给 {email}"},
    "gs.refused": {
        "en": "spreadsheet {id}: Google Sheets refused the request (HTTP {code}: {what}) — nothing was written; "
              "check the sheet and the config, then run `run.py check`",
        "zh": "表格 {id}：Google Sheets 拒绝了请求（HTTP {code}：{what}）— 未写入任何内容；请检查表格和配置后运行 "
              "`run.py check`"},
    "gs.down": {
        "en": "spreadsheet {id}: Google Sheets did not answer after {tries} tries ({what}) — nothing was written "
              "this time; no action needed, the next pass tries again",
        "zh": "表格 {id}：尝试 {tries} 次后 Google Sheets 仍无响应（{what}）— 本次未写入任何内容；无需处理，"
              "下一轮会重试"},
})

_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class SheetsDown(Exception):
    """Retries exhausted: 429/5xx/timeouts every time.  `what` names the last problem (no secrets)."""

    def __init__(self, what: str, tries: int):
        super().__init__(what)
        self.what, self.tries = what, tries


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
        last = ""
        for attempt in range(self.tries):
            if attempt:
                self.sleep(self.rand() * min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            try:
                return super().request(method, endpoint, params=params, data=data, json=json, files=files,
                                       headers=headers)
            except APIError as exc:
                if exc.code not in RETRY_STATUS:
                    raise
                last = f"HTTP {exc.code}"
            except requests.Timeout:
                last = f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as exc:
                last = f"connection failed ({type(exc).__name__})"
            except auth_exceptions.TransportError as exc:
                last = f"token request failed ({type(exc).__name__})"
            except auth_exceptions.RefreshError as exc:
                if not getattr(exc, "retryable", False) and not _server_side(exc):
                    raise
                last = "token request failed"
        raise SheetsDown(last, self.tries)


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


def api_reason(exc: APIError) -> str:
    """The machine-readable reason of an API error (SERVICE_DISABLED, PERMISSION_DENIED, ...)."""
    err = exc.error if isinstance(exc.error, dict) else {}
    for detail in err.get("details") or ():
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return str(err.get("status") or "")


def explain(exc: Exception, sheet_id: str, email: str, key_path=None) -> i18n.Text:
    """What went wrong and what to do, for any error talking to Sheets (no secrets in it)."""
    if isinstance(exc, SheetsDown):
        return i18n.Text("gs.down", id=sheet_id, tries=exc.tries, what=exc.what)
    if isinstance(exc, KeyProblem):
        return exc.text
    if isinstance(exc, auth_exceptions.RefreshError):
        what = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "invalid_grant"
        return i18n.Text("gs.key_refused", path=str(key_path), email=email, what=what.split(":")[0][:80])
    if isinstance(exc, APIError):
        reason = api_reason(exc)
        message = str((exc.error or {}).get("message", ""))
        if reason in ("SERVICE_DISABLED", "ACCESS_NOT_CONFIGURED") or "has not been used in project" in message:
            return i18n.Text("gs.api_disabled")
        if exc.code == 403:
            return i18n.Text("gs.not_shared", id=sheet_id, email=email)
        if exc.code == 404:
            return i18n.Text("gs.not_found", id=sheet_id, email=email)
        if exc.code == 401:
            return i18n.Text("gs.key_refused", path=str(key_path), email=email, what=f"HTTP 401 {reason}".strip())
        return i18n.Text("gs.refused", id=sheet_id, code=exc.code, what=message[:200] or reason)
    raise exc
