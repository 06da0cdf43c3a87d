"""One pass at a time per ledger.

Two passes deciding from the same ledger state would both issue the same
lines.  A pass holds an exclusive OS lock on `<ledger>.lock` from before it
reads the ledger until its last write; a second pass waits for it, then
decides from what the first one recorded.  The lock dies with its process,
so a crash never leaves it stuck.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from . import i18n
from .i18n import Text

i18n.register({
    "lock.busy": {
        "en": "{path}: another pass is still running on this ledger — nothing was done; this pass runs next time",
        "zh": "{path}：另一个处理仍在使用该台账 — 本次未做任何处理；下次再运行",
    },
})

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class PassBusy(Exception):
    def __init__(self, text: Text):
        super().__init__(str(text))
        self.text = text


class PassLock:
    def __init__(self, ledger_path: Path, wait_seconds: float = 120.0, poll: float = 0.2):
        self.path = Path(str(ledger_path) + ".lock")
        self.wait_seconds = wait_seconds
        self.poll = poll
        self.fd: int | None = None

    def __enter__(self) -> "PassLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise PassBusy(Text("lock.busy", path=str(self.path)))
            time.sleep(self.poll)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            _unlock(self.fd)
            os.close(self.fd)
            self.fd = None
