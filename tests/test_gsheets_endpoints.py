"""`run.py check` on a wrong or unreachable endpoint — the config's api_endpoint or the key's
token_uri — says where, what is wrong and what to do (`<where>: <what> — <what to do>`), in
English and Chinese, and exits 1.  The real CLI, the real gspread + google-auth, real sockets."""
from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from sheets_standin import make_service_account_key

RULES = [["Recipient", "Fixed"], ["referrer", 100]]


class _Page(http.server.BaseHTTPRequestHandler):
    """Some other web server: an HTML page for every path."""

    def _page(self):
        body = b"<html><body>It works!</body></html>"
        self.send_response(404 if "/v4/" in self.path or "token" in self.path else 200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args):
        pass


@pytest.fixture
def web_page():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def endpoint(w, url: str) -> None:
    text = w.config.read_text(encoding="utf-8")
    w.config.write_text(text.replace(f'api_endpoint = "{w.standin.url}"', f'api_endpoint = "{url}"'),
                        encoding="utf-8")


def check(w):
    p = w.cli("check")
    return p.returncode, p.stdout + p.stderr


def test_nothing_answers_at_the_api_endpoint(gworld, closed_port):
    gworld.standard([], RULES)
    endpoint(gworld, closed_port)
    code, out = check(gworld)
    assert code == 1
    assert f"[workbook] api_endpoint = {closed_port}: nothing answers there (connection failed: connection refused)" \
        in out
    assert "stand-in or proxy there is running, or remove api_endpoint" in out
    assert "该地址无响应" in out and "Traceback" not in out


def test_the_api_endpoint_is_another_web_server(gworld, web_page):
    gworld.standard([], RULES)
    endpoint(gworld, web_page)
    code, out = check(gworld)
    assert code == 1
    assert f"[workbook] api_endpoint = {web_page}: the server there is not the Google Sheets API " \
           "(it answered HTTP 404, text/html)" in out
    assert "the part before /v4/spreadsheets" in out and "不是 Google Sheets API" in out


def test_an_api_endpoint_that_is_not_a_web_address(gworld):
    gworld.standard([], RULES)
    endpoint(gworld, "127.0.0.1:8085")
    code, out = check(gworld)
    assert code == 1 and '[workbook] api_endpoint = "127.0.0.1:8085": not a web address' in out
    assert "http://host:port" in out and "不是网址" in out


def _key_with_token_uri(w, tmp_path, uri):
    w.key = make_service_account_key(tmp_path / "elsewhere.json", uri, email="worker@referrals-test.iam.gserviceaccount.com")
    w._write_config()


def test_nothing_answers_at_the_keys_token_uri(gworld, tmp_path, closed_port):
    gworld.standard([], RULES)
    _key_with_token_uri(gworld, tmp_path, closed_port + "/token")
    code, out = check(gworld)
    assert code == 1
    assert f"elsewhere.json: token_uri = {closed_port}/token: nothing answers there" in out
    assert "https://oauth2.googleapis.com/token; correct it in the key file or download a new key" in out
    assert "令牌" in out or "密钥文件" in out
    key = json.loads((tmp_path / "elsewhere.json").read_text())
    assert key["private_key"][40:80] not in out


def test_the_keys_token_uri_is_another_web_server(gworld, tmp_path, web_page):
    gworld.standard([], RULES)
    _key_with_token_uri(gworld, tmp_path, web_page + "/token")
    code, out = check(gworld)
    assert code == 1
    assert f"token_uri = {web_page}/token: the server there is not an OAuth token endpoint" in out
    assert "不是 OAuth 令牌端点" in out


def test_sync_says_the_same_and_writes_nothing(gworld, closed_port):
    gworld.standard([{"Submitted at": "2026-10-01"}], RULES)
    endpoint(gworld, closed_port)
    p = gworld.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 2 and f"[workbook] api_endpoint = {closed_port}: nothing answers there" in p.stderr
