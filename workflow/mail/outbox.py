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
from email.policy import Compat32
from pathlib import Path

from ..i18n import Found, Text
from .base import MailError, Transport, message_id, recipients

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")
_TMP_PREFIX = ".sending-"
_MAX_NAME = 120


def wire_bytes(msg: email.message.Message) -> bytes:
    """The message as it would go over SMTP (CRLF line ends), under its own policy:
    a compat32 message with `Header` values serialises as well as a modern one.

    A compat32 message of plain parts (ASCII text payloads, multiparts with their
    boundary set, as `build_message` makes them) is written here directly, byte
    for byte what `as_bytes` gives, in a fraction of its time; anything else goes
    through `as_bytes`."""
    policy = msg.policy.clone(linesep="\r\n")
    if isinstance(policy, Compat32):
        out: list[bytes] = []
        if _plain(msg, policy, out):
            return b"".join(out)
    return msg.as_bytes(policy=policy)


_ANY_NL = re.compile(r"\r\n|\r|\n")


def _plain(part: email.message.Message, policy: Compat32, out: list[bytes]) -> bool:
    """Append what email.generator.BytesGenerator writes for `part`, when it is one of
    the plain cases; False (and `out` to be thrown away) for anything else."""
    if part.preamble is not None or part.epilogue is not None:
        return False
    payload = part._payload
    maintype = part.get_content_maintype()
    if isinstance(payload, list):
        boundary = part.get_boundary() if maintype == "multipart" and part.get_content_subtype() != "signed" else None
        if not boundary or not boundary.isascii() or not payload:
            return False
        body = None
    elif isinstance(payload, str) and payload.isascii() and maintype not in ("multipart", "message"):
        crlf = payload.replace("\n", "\r\n") if "\r" not in payload else _ANY_NL.sub("\r\n", payload)
        body = crlf.encode("ascii")
    else:
        return False
    for name, value in part.raw_items():
        out.append(policy.fold_binary(name, value))
    out.append(b"\r\n")
    if body is not None:
        out.append(body)
        return True
    delimiter = b"--" + boundary.encode("ascii")
    out.append(delimiter + b"\r\n")
    for i, sub in enumerate(payload):
        if i:
            out.append(b"\r\n" + delimiter + b"\r\n")
        if not isinstance(sub, email.message.Message) or not _plain(sub, policy, out):
            return False
    out.append(b"\r\n" + delimiter + b"--\r\n")
    return True


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

    def send(self, msg: email.message.EmailMessage, data: bytes | None = None) -> None:
        recipients(msg)                        # an unusable address fails here as it would over SMTP
        self._prepare()
        if data is None:
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
