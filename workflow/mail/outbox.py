"""The outbox: one `.eml` file per message in a folder, openable by any mail
program.  The file name comes from the Message-ID, so sending the same
message again replaces its file instead of adding a second one.  Each file is
written to a temporary name in the same folder, flushed to disk and renamed,
so a crash leaves either the whole message or none of it."""
from __future__ import annotations

import email.message
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from ..i18n import Found, Text
from .base import MailError, Transport, message_id, recipients

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")
_TMP_PREFIX = ".sending-"
_MAX_NAME = 120


def wire_bytes(msg: email.message.Message) -> bytes:
    """The message as it would go over SMTP (CRLF line ends), under its own policy:
    a compat32 message with `Header` values serialises as well as a modern one."""
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def file_name(msg: email.message.EmailMessage, data: bytes | None = None) -> str:
    """`<safe Message-ID>.eml`; a short hash is added when characters had to be
    replaced (so two IDs never share a file).  Without a Message-ID the name is
    the hash of the message bytes."""
    mid = message_id(msg).strip("<>").strip()
    if not mid:
        raw = data if data is not None else wire_bytes(msg)
        return "no-id-" + hashlib.sha256(raw).hexdigest()[:24] + ".eml"
    safe = _UNSAFE.sub("_", mid).lstrip(".")
    if safe != mid or len(safe) > _MAX_NAME:
        digest = hashlib.sha256(mid.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        safe = f"{safe[:_MAX_NAME]}-{digest}"
    return safe + ".eml"


class OutboxTransport(Transport):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.name = "outbox"
        self._ready = False

    def _fail(self, exc: OSError) -> MailError:
        reason = exc.strerror or exc.__class__.__name__
        return MailError(Text("mail.outbox_unusable", path=Found(str(self.folder)), reason=reason),
                         temporary=False, fatal=True)

    def __enter__(self) -> "OutboxTransport":
        self._prepare()
        return self

    def _prepare(self) -> None:
        if self._ready:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._fail(exc) from None
        self._ready = True
        self._sweep()

    def _sweep(self, older_than: float = 3600.0) -> None:
        """Temporary files left by a crash long ago are removed."""
        cutoff = time.time() - older_than
        for leftover in self.folder.glob(_TMP_PREFIX + "*"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
            except OSError:
                pass

    def send(self, msg: email.message.EmailMessage) -> None:
        recipients(msg)                        # an unusable address fails here as it would over SMTP
        self._prepare()
        data = wire_bytes(msg)
        target = self.folder / file_name(msg, data)
        try:
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            _sync_folder(self.folder)
        except OSError as exc:
            raise self._fail(exc) from None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
