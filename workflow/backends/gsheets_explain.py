"""Google Sheets: what went wrong and what to do — one text (English and Chinese) for every
error a pass, `check` or `init` can meet talking to Google, read as `<where>: <what> — <what to do>`.

The `<where>` is what the administrator must look at: the spreadsheet, the key file (its
`token_uri`), or the config's `[workbook] api_endpoint`.  No text ever holds a key, a token or
a request header.
"""
from __future__ import annotations

import re

from google.auth import exceptions as auth_exceptions
from gspread.exceptions import APIError

from .. import i18n
from .gsheets_client import GOOGLE, KeyProblem, NotSheets, NotToken, SheetsDown

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
_WEB_ADDRESS = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", re.IGNORECASE)

i18n.register({
    "gs.key_refused": {
        "en": "{path}: Google refused the service-account key ({what}) — the key may have been deleted or the "
              "account disabled; create a new JSON key for {email} and point credentials at it",
        "zh": "{path}：Google 拒绝了该服务账号密钥（{what}）— 密钥可能已删除或账号已停用；"
              "请为 {email} 新建 JSON 密钥并在 credentials 中指向它"},
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
    "gs.endpoint_bad": {
        "en": "[workbook] api_endpoint = {url}: not a web address — write it as http://host:port or https://host "
              "(the part before /v4/spreadsheets), or remove the line to talk to Google",
        "zh": "[workbook] api_endpoint = {url}：不是网址 — 请写成 http://主机:端口 或 https://主机"
              "（/v4/spreadsheets 之前的部分），或删除这一行以直接连接 Google"},
    "gs.endpoint_unreachable": {
        "en": "[workbook] api_endpoint = {url}: nothing answers there ({what}) — check the address and that the "
              "stand-in or proxy there is running, or remove api_endpoint to talk to Google",
        "zh": "[workbook] api_endpoint = {url}：该地址无响应（{what}）— 请检查地址，并确认那里的替身服务或代理正在运行；"
              "或删除 api_endpoint 以直接连接 Google"},
    "gs.google_unreachable": {
        "en": "{url}: Google Sheets cannot be reached from this machine ({what}) — check the network, a firewall "
              "or the HTTPS_PROXY variable; the next pass tries again",
        "zh": "{url}：本机无法连接 Google Sheets（{what}）— 请检查网络、防火墙或 HTTPS_PROXY 环境变量；下一轮会重试"},
    "gs.endpoint_not_sheets": {
        "en": "[workbook] api_endpoint = {url}: the server there is not the Google Sheets API (it answered {what}) — "
              "give the address of a Sheets API stand-in or proxy (the part before /v4/spreadsheets), or remove "
              "api_endpoint to talk to Google",
        "zh": "[workbook] api_endpoint = {url}：该服务器不是 Google Sheets API（其响应为 {what}）— "
              "请填写 Sheets API 替身服务或代理的地址（/v4/spreadsheets 之前的部分），或删除 api_endpoint 以直接连接 Google"},
    "gs.google_not_sheets": {
        "en": "{url}: something that is not Google Sheets answered ({what}) — a proxy or a network login page may be "
              "in the way; check the network or the HTTPS_PROXY variable",
        "zh": "{url}：响应的不是 Google Sheets（{what}）— 可能有代理或网络登录页拦截；请检查网络或 HTTPS_PROXY 环境变量"},
    "gs.token_unreachable": {
        "en": "{path}: token_uri = {uri}: nothing answers there ({what}) — a key downloaded from Google says "
              "token_uri = " + GOOGLE_TOKEN_URI + "; correct it in the key file or download a new key "
              "(for a local stand-in: is it running?)",
        "zh": "{path}：token_uri = {uri}：该地址无响应（{what}）— 从 Google 下载的密钥中 token_uri 为 "
              + GOOGLE_TOKEN_URI + "；请在密钥文件中改正，或重新下载密钥（本地替身服务：是否在运行？）"},
    "gs.token_not_token": {
        "en": "{path}: token_uri = {uri}: the server there is not an OAuth token endpoint (it answered \"{what}\") — "
              "a key downloaded from Google says token_uri = " + GOOGLE_TOKEN_URI + "; correct it in the key file "
              "or download a new key",
        "zh": "{path}：token_uri = {uri}：该服务器不是 OAuth 令牌端点（其响应为 \"{what}\"）— 从 Google 下载的密钥中 "
              "token_uri 为 " + GOOGLE_TOKEN_URI + "；请在密钥文件中改正，或重新下载密钥"},
})


def endpoint_problem(endpoint: str | None) -> i18n.Text | None:
    """A configured api_endpoint that cannot be a web address."""
    if endpoint is None:
        return None
    if not _WEB_ADDRESS.match(endpoint.strip()):
        return i18n.Text("gs.endpoint_bad", url=i18n.Found(endpoint))
    return None


def explain(exc: Exception, sheet_id: str, email: str, key_path=None, endpoint: str | None = None,
            token_uri: str | None = None) -> i18n.Text:
    """What went wrong and what to do, for any error talking to Sheets (no secrets in it)."""
    own = bool(endpoint) and endpoint.rstrip("/") != GOOGLE
    url = (endpoint or GOOGLE).rstrip("/")
    if isinstance(exc, SheetsDown):
        where = exc.unreachable()
        if where == "token":
            return i18n.Text("gs.token_unreachable", path=str(key_path), uri=token_uri or "?", what=exc.what)
        if where == "api":
            return i18n.Text("gs.endpoint_unreachable" if own else "gs.google_unreachable", url=url, what=exc.what)
        return i18n.Text("gs.down", id=sheet_id, tries=exc.tries, what=exc.what)
    if isinstance(exc, NotSheets):
        return i18n.Text("gs.endpoint_not_sheets" if own else "gs.google_not_sheets", url=url, what=exc.what)
    if isinstance(exc, NotToken):
        return i18n.Text("gs.token_not_token", path=str(key_path), uri=token_uri or "?", what=exc.what)
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


def api_reason(exc: APIError) -> str:
    """The machine-readable reason of an API error (SERVICE_DISABLED, PERMISSION_DENIED, ...)."""
    err = exc.error if isinstance(exc.error, dict) else {}
    for detail in err.get("details") or ():
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return str(err.get("status") or "")
