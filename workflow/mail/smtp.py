"""Sending over SMTP: one connection for a whole batch, opened on the first
message (STARTTLS, SSL or plain; login when a username is set), reopened
once if the server drops it, closed with QUIT at the end of the batch.

Every failure becomes a `MailError` saying whether to retry later and
whether sending should stop for this pass.  The password never appears in
an error, even when a server repeats it back."""
from __future__ import annotations

import base64
import email.message
import functools
import select
import smtplib
import socket
import ssl
from typing import Callable

from ..i18n import Found, Text
from .base import MailError, Transport, message_id, recipients
from .outbox import wire_bytes

DEFAULT_TIMEOUT = 30.0

# The server closed the connection under us: reconnect once and send again.
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
            ssl.SSLEOFError, ssl.SSLZeroReturnError)


@functools.lru_cache(maxsize=1)
def _local_hostname() -> str:
    """The name given in EHLO; looked up once per process, not per connection."""
    return socket.getfqdn()


class _Dropped(Exception):
    pass


class _WhileWaiting:
    """An smtplib client that, each time it has sent a command and waits for
    the server's reply, runs `idle` (the caller's next small piece of work)
    until the reply is there or `idle` says there is nothing more to do: the
    server answers while we prepare the next message, not while we wait."""

    idle: Callable[[], bool] | None = None

    def getreply(self):
        idle = self.idle
        if idle is not None:
            sock = self.sock
            if sock is None:
                idle()
            else:
                ready = _reply_there(sock)
                while idle() and not ready():
                    pass
        return super().getreply()


def _reply_there(sock) -> Callable[[], bool]:
    """A check, without waiting, whether the server's reply has arrived."""
    if not hasattr(select, "poll"):                   # not on every system
        return lambda: bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
    pending = getattr(sock, "pending", None)           # TLS: bytes already decrypted
    if pending is None:
        return lambda: bool(poller.poll(0))
    return lambda: bool(pending() or poller.poll(0))


class _SMTP(_WhileWaiting, smtplib.SMTP):
    pass


class _SMTP_SSL(_WhileWaiting, smtplib.SMTP_SSL):
    pass


class SmtpTransport(Transport):
    waits = True
    def __init__(self, host: str, port: int, security: str, sender: str, *,
                 username: str | None = None, password: str | None = None, password_env: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.host, self.port, self.security = host, int(port), security
        self.sender = sender
        self.username, self._password, self.password_env = username, password, password_env
        self._ssl_context = ssl_context
        self.timeout = timeout
        self.name = f"smtp {host}:{self.port}"
        self._conn: smtplib.SMTP | None = None
        self._broken: MailError | None = None
        self.connections = 0          # how many connections this batch opened (for logs)

    # -- batch ---------------------------------------------------------------------------
    def __enter__(self) -> "SmtpTransport":
        return self

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def send(self, msg: email.message.EmailMessage, data: bytes | None = None) -> None:
        if self._broken is not None:
            raise self._broken
        to = recipients(msg)
        try:
            self._deliver(self._connection(), msg, to, data)
        except _Dropped:
            self._discard()
            try:
                self._deliver(self._connection(), msg, to, data)
            except _Dropped as again:
                self._discard()
                raise self._stop(Text("mail.dropped", server=self._where(), reason=_why(again.__cause__)),
                                 temporary=True)

    # -- connection ------------------------------------------------------------------------
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _stop(self, text: Text, temporary: bool) -> MailError:
        """An error that stops sending with this transport: later sends raise it at once."""
        self._broken = MailError(text, temporary=temporary, fatal=True)
        return self._broken

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()   # honours SSL_CERT_FILE
        return self._ssl_context

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None and self._conn.sock is not None:
            self._conn.idle = self.idle
            return self._conn
        self._discard()
        conn = None
        try:
            if self.security == "ssl":
                conn = _SMTP_SSL(self.host, self.port, local_hostname=_local_hostname(),
                                 timeout=self.timeout, context=self._context())
            else:
                conn = _SMTP(self.host, self.port, local_hostname=_local_hostname(), timeout=self.timeout)
            conn.idle = self.idle
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise self._stop(Text("mail.no_starttls", server=self._where()), temporary=False)
                conn.starttls(context=self._context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password or "")
        except MailError:
            _close_quietly(conn)
            raise
        except BaseException as exc:
            _close_quietly(conn)
            raise self._connect_error(exc) from None
        self.connections += 1
        self._conn = conn
        return conn

    def _connect_error(self, exc: BaseException) -> BaseException:
        where = self._where()
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return self._stop(Text("mail.login_refused", server=where, user=Found(self.username or ""),
                                   reply=self._reply(exc), var=self.password_env or ""), temporary=False)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return self._stop(Text("mail.no_login", server=where, reason=self._scrub(str(exc))), temporary=False)
        if isinstance(exc, (ssl.SSLError, ssl.CertificateError)) and not isinstance(exc, _DROPPED):
            return self._stop(Text("mail.tls_failed", server=where, reason=_why(exc)), temporary=False)
        if _is_timeout(exc):
            return self._stop(Text("mail.timeout", server=where, seconds=_seconds(self.timeout)), temporary=True)
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._stop(Text("mail.server_error", server=where, reply=self._reply(exc)), temporary=True)
        if isinstance(exc, OSError):
            return self._stop(Text("mail.connect_failed", server=where, reason=_why(exc)), temporary=True)
        return exc

    # -- one message -------------------------------------------------------------------------
    def _deliver(self, conn: smtplib.SMTP, msg: email.message.EmailMessage, to: list[str],
                 data: bytes | None = None) -> None:
        where = self._where()
        try:
            if msg.get("Bcc") is None and msg.get("Resent-Bcc") is None:
                # the bytes once, as the outbox writes them: send_message would copy the
                # message and flatten it again, which costs more than rendering it
                conn.sendmail(self.sender, to, data if data is not None else wire_bytes(msg))
            else:
                conn.send_message(msg, from_addr=self.sender, to_addrs=to)
            # Some recipients refused, others accepted: the message went; sending it
            # again would give the accepted ones a second copy.
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            replies = "; ".join(self._reply_of(code, text) for code, text in exc.recipients.values())
            who = ", ".join(exc.recipients)
            if codes and all(400 <= code < 500 for code in codes):
                raise MailError(Text("mail.recipient_deferred", server=where, recipients=who, reply=replies),
                                temporary=True) from None
            raise MailError(Text("mail.recipient_refused", server=where, recipients=who, reply=replies),
                            temporary=False) from None
        except smtplib.SMTPSenderRefused as exc:
            text = Text("mail.sender_refused", server=where, sender=Found(self.sender), reply=self._reply(exc))
            if 400 <= exc.smtp_code < 500:
                raise MailError(text, temporary=True) from None
            raise self._stop(text, temporary=False) from None
        except smtplib.SMTPDataError as exc:
            mid = Found(message_id(msg) or msg.get("Subject", ""))
            if 400 <= exc.smtp_code < 500:
                raise MailError(Text("mail.message_deferred", server=where, msgid=mid, reply=self._reply(exc)),
                                temporary=True) from None
            raise MailError(Text("mail.message_refused", server=where, msgid=mid, reply=self._reply(exc)),
                            temporary=False) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(Text("mail.message_refused", server=where, msgid=Found(message_id(msg)),
                                 reply=self._scrub(str(exc))), temporary=False) from None
        except _DROPPED as exc:
            if _is_timeout(exc):
                self._discard()
                raise self._stop(Text("mail.timeout", server=where, seconds=_seconds(self.timeout)),
                                 temporary=True) from None
            raise _Dropped() from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(Text("mail.server_error", server=where, reply=self._reply(exc)),
                            temporary=not exc.smtp_code >= 500) from None
        except (TimeoutError, socket.timeout):
            self._discard()
            raise self._stop(Text("mail.timeout", server=where, seconds=_seconds(self.timeout)),
                             temporary=True) from None
        except ssl.SSLError as exc:
            self._discard()
            raise self._stop(Text("mail.tls_failed", server=where, reason=_why(exc)), temporary=True) from None
        except OSError as exc:
            raise _Dropped() from exc

    # -- texts -----------------------------------------------------------------------------------
    def _reply(self, exc: smtplib.SMTPResponseException) -> str:
        return self._reply_of(exc.smtp_code, exc.smtp_error)

    def _reply_of(self, code: int, text: bytes | str) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return self._scrub(f"{code} {' '.join(str(text).split())}"[:200])

    def _scrub(self, text: str) -> str:
        """Remove the password (plain and as AUTH sends it) from a server's words."""
        secret = self._password
        if not secret:
            return text
        forms = {secret, base64.b64encode(secret.encode()).decode()}
        user = (self.username or "").encode()
        forms.add(base64.b64encode(b"\0" + user + b"\0" + secret.encode()).decode())
        for form in forms:
            text = text.replace(form, "***")
        return text


def _close_quietly(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except OSError:
            pass


def _is_timeout(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _why(exc: BaseException | None) -> str:
    if exc is None:
        return "connection closed"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason) + (f": {exc.verify_message}" if getattr(exc, "verify_message", None) else "")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or exc.__class__.__name__


def _seconds(value: float) -> str:
    return f"{value:g}"
