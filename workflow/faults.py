"""Crash points for the crash-injection tests.

`REFERRAL_CRASH_AT=after_send` (or `after_send:3`, the third time) makes the
process kill itself with SIGKILL at that point, as a power cut would.  Unset,
a checkpoint does nothing.  Points: after_decide, after_intent, after_send,
after_record, while_waiting (preparing the next messages while the SMTP server
answers), mid_save.
"""
from __future__ import annotations

import os
import signal

_seen: dict[str, int] = {}


# Read once: the tests set it for the worker process they start, and a pass
# calls checkpoint() several times per message.
_SPEC = os.environ.get("REFERRAL_CRASH_AT") or None


def checkpoint(name: str) -> None:
    spec = _SPEC
    if spec is None:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
