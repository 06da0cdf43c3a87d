"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd).

In a test (the fixtures are plain pytest fixtures; import them into a test
module with `from smtp_server import smtp_server, make_smtp_server`):

    def test_x(smtp_server, monkeypatch):           # STARTTLS + login, a free port
        monkeypatch.setenv("SSL_CERT_FILE", smtp_server.ca_file)
        ...send to smtp_server.host / smtp_server.port as smtp_server.username...
        assert smtp_server.count() == 3
        msg = smtp_server.messages[0]                  # email.message.EmailMessage

    server = make_smtp_server(security="ssl")          # or "none"; username=None for no login

`server.mail_settings()` gives the Config fields ([mail] section) and
`server.env()` the environment (SSL_CERT_FILE, the password variable) a
worker needs to send there, also from a subprocess.

Fault switches (each applies to what comes next, across connections):
`refuse_rcpt(n, code)` answers the next n RCPT with 550/451...,
`refuse_address(addr, code)` always refuses one address, `fail_data(n, code)`
answers the next n DATA with 421 (and closes, as servers do) or 5xx,
`drop_after(n, reply=True)` closes the connection once n more messages were
accepted (reply=False: after storing the n-th, without answering it — the
window where a client cannot know that its message went).

With `store=<folder>` every accepted message is also written there (one
`.eml` per message plus its envelope in a `.json`), so what arrived can be
counted from any process: `read_store(folder)`.  Run as a program, the
server serves until SIGTERM and prints one JSON line (host, port, ca_file):

    python tests/smtp_server.py --store DIR [--security starttls|ssl|none]
                                [--username U --password P]
    with spawn_server(folder, ...) as srv: ...         # the same, as a subprocess
"""
from __future__ import annotations

import argparse
import email
import email.message
import email.policy
import json
import logging
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
USERNAME = "mailer@example.com"
PASSWORD = "s3cret-pw-4711"
PASSWORD_ENV = "TEST_SMTP_PASSWORD"

_CA: list = []

# aiosmtpd logs a deprecation warning of its own on every login; keep test output clean.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())


def _ca() -> tuple[trustme.CA, trustme.LeafCert]:
    """One test CA and one certificate for 127.0.0.1 and localhost per process."""
    if not _CA:
        ca = trustme.CA()
        _CA.append((ca, ca.issue_cert(HOST, "localhost")))
    return _CA[0]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    connection: int             # 1 for the first connection this server accepted, 2 for the next...

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, owner: "SmtpServer") -> None:
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.owner._rcpt_fault(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        owner = self.owner
        reply = owner._data_fault()
        if reply:
            if reply.startswith("421"):
                server.loop.call_soon(server.transport.close)
            return reply
        if owner.on_data is not None:
            owner.on_data(envelope)            # a test looks at the world as each message arrives
        number = owner._store(envelope, getattr(server, "connection_no", 0))
        drop = owner._drop_now()
        if drop == "silent":
            server.transport.close()           # stored, never answered
        elif drop == "after_reply":
            server.loop.call_soon(server.transport.close)   # runs after the 250 below is written
        return f"250 2.0.0 OK queued as {number}"


class _Controller(Controller):
    def __init__(self, owner: "SmtpServer", **kwargs) -> None:
        super().__init__(_Handler(owner), hostname=HOST, port=0, **kwargs)
        self.owner = owner

    def factory(self):
        smtp = super().factory()
        smtp.connection_no = self.owner._new_connection()
        if self.owner.security != "starttls":
            # aiosmtpd cannot see that implicit TLS is secure (and "none" is meant to be plain):
            # allow AUTH there.  Set afterwards to skip its warning about this setting.
            smtp._auth_require_tls = False
        return smtp

    def _trigger_server(self):
        # Bound to port 0: learn the real port before the controller pokes its server.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, folder: Path | str, *, security: str = "starttls", username: str | None = USERNAME,
                 password: str | None = PASSWORD, store: Path | str | None = None) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"security {security!r}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.security, self.username, self.password = security, username, password
        self.store = Path(store) if store else None
        self.host, self.port = HOST, 0
        self.ca_file = str(self.folder / "ca.pem")
        self.received: list[Received] = []
        self.logins: list[tuple[str, bool]] = []        # (user, accepted) for every AUTH attempt
        self.connections = 0
        self._lock = threading.Lock()
        self._rcpt_faults: list[str] = []
        self._address_faults: dict[str, str] = {}
        self._data_faults: list[str] = []
        self._drop: tuple[int, bool] | None = None
        self._controller: _Controller | None = None
        self.on_data = None        # called with each envelope whose data arrived, before its 250

    # -- life -----------------------------------------------------------------------------
    def start(self) -> "SmtpServer":
        ca, cert = _ca()
        ca.cert_pem.write_to_path(self.ca_file)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(server_ctx)
        kwargs: dict = {"server_hostname": "localhost", "ready_timeout": 10.0, "ident": "test-smtp"}
        if self.security == "ssl":
            kwargs["ssl_context"] = server_ctx            # implicit TLS from the first byte
        elif self.security == "starttls":
            kwargs.update(tls_context=server_ctx, require_starttls=True)
        if self.username:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=True)
        if self.store:
            self.store.mkdir(parents=True, exist_ok=True)
        self._controller = _Controller(self, **kwargs)
        self._controller.start()
        self.port = self._controller.port
        with self._lock:
            self.connections = 0                          # the controller's own start-up probe
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what arrived ---------------------------------------------------------------------
    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            items = list(self.received)
        return [r.message for r in items]

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def wait_for(self, n: int, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.count() < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.count()

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]

    # -- what a worker needs to send here ---------------------------------------------------------
    def mail_settings(self, password_env: str = PASSWORD_ENV) -> dict:
        """Config fields: cfg.mail_backend ... cfg.smtp_password_env."""
        return {"mail_backend": "smtp", "smtp_host": self.host, "smtp_port": self.port,
                "smtp_security": self.security, "smtp_username": self.username,
                "smtp_password_env": password_env if self.username else None}

    def mail_toml(self, password_env: str = PASSWORD_ENV, mail_from: str = "Referral desk <rewards@example.com>") -> str:
        lines = ["[mail]", 'backend = "smtp"', f'from = "{mail_from}"', f'host = "{self.host}"', f"port = {self.port}",
                 f'security = "{self.security}"']
        if self.username:
            lines += [f'username = "{self.username}"', f'password_env = "{password_env}"']
        return "\n".join(lines) + "\n"

    def env(self, password_env: str = PASSWORD_ENV) -> dict[str, str]:
        out = {"SSL_CERT_FILE": self.ca_file}
        if self.username and self.password:
            out[password_env] = self.password
        return out

    # -- fault switches ---------------------------------------------------------------------------
    def refuse_rcpt(self, n: int = 1, code: int = 550) -> None:
        with self._lock:
            self._rcpt_faults += [_reply(code, "rcpt")] * n

    def refuse_address(self, address: str, code: int = 550) -> None:
        with self._lock:
            self._address_faults[address.lower()] = _reply(code, "rcpt")

    def fail_data(self, n: int = 1, code: int = 421) -> None:
        with self._lock:
            self._data_faults += [_reply(code, "data")] * n

    def drop_after(self, n: int = 1, reply: bool = True) -> None:
        with self._lock:
            self._drop = (n, reply)

    # -- called from the server's thread ----------------------------------------------------------------
    def _new_connection(self) -> int:
        with self._lock:
            self.connections += 1
            return self.connections

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == (self.username or "").encode()
              and auth_data.password == (self.password or "").encode())
        user = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else ""
        with self._lock:
            self.logins.append((user, ok))
        return AuthResult(success=ok, handled=False)

    def _rcpt_fault(self, address: str) -> str | None:
        with self._lock:
            if address.lower() in self._address_faults:
                return self._address_faults[address.lower()]
            return self._rcpt_faults.pop(0) if self._rcpt_faults else None

    def _data_fault(self) -> str | None:
        with self._lock:
            return self._data_faults.pop(0) if self._data_faults else None

    def _drop_now(self) -> str | None:
        with self._lock:
            if self._drop is None:
                return None
            left, reply = self._drop
            if left > 1:
                self._drop = (left - 1, reply)
                return None
            self._drop = None
            return "after_reply" if reply else "silent"

    def _store(self, envelope, connection: int) -> int:
        data = bytes(envelope.original_content or b"")
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), data, connection)
        with self._lock:
            self.received.append(item)
            number = len(self.received)
        if self.store:
            _write_store(self.store, item, number)
        return number


def _reply(code: int, what: str) -> str:
    texts = {("rcpt", 5): "5.1.1 No such user here", ("rcpt", 4): "4.2.1 Mailbox busy, try again later",
             ("data", 5): "5.6.0 Message refused", ("data", 4): "4.3.0 Service not available, closing channel"}
    return f"{code} {texts[(what, code // 100)]}"


def _write_store(folder: Path, item: Received, number: int) -> None:
    stem = f"{time.time_ns()}-{os.getpid()}-{number:06d}"
    envelope = {"mail_from": item.mail_from, "rcpt_tos": item.rcpt_tos, "connection": item.connection}
    (folder / f".{stem}.json").write_text(json.dumps(envelope), encoding="utf-8")
    os.replace(folder / f".{stem}.json", folder / f"{stem}.json")
    (folder / f".{stem}.eml").write_bytes(item.data)
    os.replace(folder / f".{stem}.eml", folder / f"{stem}.eml")   # the .eml appears last, whole


def read_store(folder: Path | str) -> list[Received]:
    """Every message a server stored in `folder`, in arrival order."""
    out = []
    for eml in sorted(Path(folder).glob("[0-9]*.eml")):
        env = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
        out.append(Received(env["mail_from"], env["rcpt_tos"], eml.read_bytes(), env["connection"]))
    return out


# -- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture
def smtp_server(tmp_path):
    """A STARTTLS server with login (USERNAME / PASSWORD) on a free port."""
    with SmtpServer(tmp_path / "smtp-server") as server:
        yield server


@pytest.fixture
def make_smtp_server(tmp_path):
    """make_smtp_server(security="ssl", username=None, store=...) → a started SmtpServer."""
    started: list[SmtpServer] = []

    def make(**options) -> SmtpServer:
        server = SmtpServer(tmp_path / f"smtp-server-{len(started) + 1}", **options)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


# -- as its own process ----------------------------------------------------------------------------------------

class ServerProcess:
    """The server in a subprocess writing to a store folder; survives whatever the test kills."""

    def __init__(self, folder: Path | str, security: str = "starttls", username: str | None = USERNAME,
                 password: str | None = PASSWORD) -> None:
        self.folder = Path(folder)
        self.store = self.folder / "store"
        self.security, self.username, self.password = security, username, password
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "ServerProcess":
        args = [sys.executable, __file__, "--folder", str(self.folder), "--store", str(self.store),
                "--security", self.security]
        if self.username:
            args += ["--username", self.username, "--password", self.password or ""]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        info = json.loads(self.proc.stdout.readline() or "{}")
        if "port" not in info:
            self.proc.kill()
            raise RuntimeError("the SMTP test server did not start")
        self.host, self.port, self.ca_file = info["host"], info["port"], info["ca_file"]
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def received(self) -> list[Received]:
        return read_store(self.store)

    def count(self) -> int:
        return len(list(self.store.glob("[0-9]*.eml")))

    mail_settings = SmtpServer.mail_settings
    mail_toml = SmtpServer.mail_toml
    env = SmtpServer.env


spawn_server = ServerProcess


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="SMTP test server on 127.0.0.1 (serves until SIGTERM)")
    ap.add_argument("--folder", required=True, help="where ca.pem is written")
    ap.add_argument("--store", help="write every message here")
    ap.add_argument("--security", default="starttls", choices=["starttls", "ssl", "none"])
    ap.add_argument("--username")
    ap.add_argument("--password")
    args = ap.parse_args(argv)
    server = SmtpServer(args.folder, security=args.security, username=args.username, password=args.password,
                        store=args.store).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps({"host": server.host, "port": server.port, "ca_file": server.ca_file}), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
