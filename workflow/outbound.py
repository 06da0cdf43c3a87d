"""Sending messages exactly once: render, record the intent, send, record the result.

The order is what makes a notice go once and never get lost:

1. a key already `sent` in the message log is skipped;
2. the intent (key, address, Message-ID) is committed to the ledger — for up
   to CHUNK messages in one transaction, before the first of them goes;
3. each message goes to the transport (outbox file or SMTP);
4. its result is committed, message by message: over SMTP in the wait for the
   server's reply to the next command (MAIL FROM of the next message) or before
   any other ledger write; with the outbox as soon as the file is written —
   never for several at once, never after the next message went.

A stop between 2 and 4 leaves the key at `intent`; the next pass sends it
again with the same Message-ID.  The outbox then replaces the same file; over
SMTP the recipient may get the same message twice, which mail programs show
once (same Message-ID) — the only window SMTP leaves open, and only for the
one message that was with the server when the stop came.  The other messages
of the chunk were not handed over yet: they are simply sent next pass.

Recording, rendering and building are done in the waits: while the SMTP
server answers a command, the transport calls `idle` until the reply is
there; it records the last message's result, then renders or builds the next
ones a part at a time, so the server's reply time is not added to ours.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import parseaddr

from . import i18n
from .faults import checkpoint
from .i18n import Text
from .message_log import MessageLog, due, message_id
from .notices import Outgoing, from_header

i18n.register({
    "outbound.failed": {
        "en": "Notice to {addr} not sent yet: {error} — nothing to do if this is temporary; it is retried "
              "automatically (next try after {next})",
        "zh": "发给 {addr} 的通知暂未发出：{error} — 如为临时问题无需处理，系统会自动重试（{next} 之后）"},
    "outbound.refused": {
        "en": "Notice to {addr} was refused by the mail server: {error} — check the email address; the notice "
              "goes again once the address is corrected",
        "zh": "发给 {addr} 的通知被邮件服务器拒收：{error} — 请核对邮箱地址；改正后会重新发送"},
    "outbound.template": {
        "en": "Notice not sent: the template cannot be used ({error}) — the administrator fixes the template; "
              "the notice goes on the next pass after that",
        "zh": "通知未发出：模板无法使用（{error}）— 请管理员修正模板，之后下一轮会发送"},
    "outbound.halted": {"en": "Notice not sent: {error}", "zh": "通知未发出：{error}"},
})


@dataclass
class Delivery:
    """What happened to each key this pass."""

    sent_at: dict[str, str] = field(default_factory=dict)     # key → when it went (this pass or before)
    problems: dict[str, Text] = field(default_factory=dict)   # key → why it has not gone
    sent_now: list[str] = field(default_factory=list)
    previews: list[tuple[Outgoing, object]] = field(default_factory=list)   # dry run: (what, rendered)
    halted: Text | None = None                                # mail cannot work at all this pass


def _stamp(now: dt.datetime) -> str:
    return now.isoformat(timespec="seconds")


def deliver(outgoing: list[Outgoing], log: MessageLog, renderer, open_transport, mail_from: str,
            now: dt.datetime, lang: str, dry_run: bool = False, known: dict | None = None) -> Delivery:
    """Send every due message once.  `open_transport()` gives the transport (a
    context manager) and is called only when something is to be sent.  `known`
    (key → MessageState, every message the log has) spares reading them again."""
    result = Delivery()
    todo: list[Outgoing] = []
    if known is None:
        known = {m.key: m for m in log.all()}      # one query, not one per message: a pass has thousands
    for out in outgoing:
        m = known.get(out.key)
        if m is not None and m.state == "sent":
            result.sent_at[out.key] = m.sent_at
        elif m is not None and m.state == "not_due":
            continue                               # approved before notices existed: none goes, nothing to fix
        elif due(m, out.to_addr, now):
            todo.append(out)
        else:
            result.problems[out.key] = _problem(m.state, out.to_addr, m.error, m.next_try)
    if not todo:
        return result
    ids = {o.key: known[o.key].message_id for o in todo if o.key in known and known[o.key].message_id}
    with log.batch():
        _send_all(todo, ids, log, renderer, open_transport, mail_from, now, lang, dry_run, result)
    return result


CHUNK = 16          # intents committed in one transaction, and how far ahead messages are prepared


@dataclass
class _Ready:
    """One message on its way: rendered, built and made into bytes ahead of its turn."""

    out: Outgoing
    mid: str
    steps: object = None                   # the render, while its parts are being made
    rendered: object = None
    msg: object = None
    data: bytes | None = None
    problem: Text | None = None            # its template cannot be used: it does not go
    error: Exception | None = None         # anything else: raised when its turn comes, as before


class _Ahead:
    """What the sender does while the SMTP server answers, one small piece at a time
    (`step`, which the transport calls until the reply is there):

    - first, record the result of the message the server accepted last (`sent`): it
      is committed in the next command's wait instead of between two messages;
    - then prepare the next messages in order, never past `limit`: each template of a
      message is rendered a few pieces of output at a time (`Renderer.render_steps`),
      then the message is built, then made into bytes.

    `step()` never raises for a message (its error is kept for its turn) and says
    whether there is more to do; `get(i)` finishes message i at once if the waits did
    not; `flush()` records the pending result now (before any other ledger write, and
    at the end)."""

    def __init__(self, todo: list[Outgoing], ids: dict[str, str], renderer, mail_from: str, now: dt.datetime,
                 log: MessageLog) -> None:
        domain = parseaddr(mail_from)[1] or mail_from
        install = log.install_id()
        # a message already known (an intent left by a stopped pass, a retry) keeps its
        # Message-ID: sent again, it is the same message to a mail program
        self.items = [_Ready(out, ids.get(out.key) or message_id(out.key, domain, install)) for out in todo]
        self.renderer, self.mail_from, self.now, self.log = renderer, mail_from, now, log
        self.broken: dict[str, Text] = {}  # kind → why its template cannot be used
        self.next = 0                      # the first message not yet ready
        self.limit = 0
        self.unrecorded: tuple | None = None   # (key, at, to_addr, Message-ID) of a message that went

    def sent(self, key: str, at: str, to_addr: str, mid: str) -> None:
        """The server accepted this message: recorded in the next wait (or by `flush`)."""
        self.flush()
        self.unrecorded = (key, at, to_addr, mid)

    def flush(self) -> None:
        pending, self.unrecorded = self.unrecorded, None
        if pending is not None:
            self.log.sent(*pending)
            checkpoint("after_record")

    def get(self, i: int) -> _Ready:
        while self.next <= i:
            self._advance()
        return self.items[i]

    def step(self) -> bool:
        if self.unrecorded is not None:
            self.flush()
            return True
        if self.next < self.limit:
            checkpoint("while_waiting")          # a message may be with the server right now
            self._advance()
            return self.next < self.limit
        return False

    def _advance(self) -> None:
        from .mail.outbox import wire_bytes
        from .render import TemplateProblem, build_message
        r = self.items[self.next]
        out = r.out
        try:
            if r.rendered is None:
                if out.kind in self.broken:
                    r.problem = self.broken[out.kind]
                else:
                    try:
                        if r.steps is None:
                            r.steps = self.renderer.render_steps(out.kind, out.lang, out.ctx)
                        try:
                            next(r.steps)
                            return                 # the next part in the next step
                        except StopIteration as done:
                            r.rendered, r.steps = done.value, None
                            return                 # built in the next step
                    except TemplateProblem as e:
                        r.steps = None
                        r.problem = self.broken[out.kind] = Text("outbound.template", error=e.text)
            elif r.msg is None:
                r.msg = build_message(r.rendered, sender=from_header(self.mail_from, out.lang),
                                      to=(out.to_name, out.to_addr), message_id=r.mid, date=self.now)
                return                             # made into bytes in the next step
            else:
                r.data = wire_bytes(r.msg)
        except Exception as e:             # not swallowed: raised by _send_all when this message's turn comes
            r.error, r.steps = e, None
        self.next += 1


def _send_all(todo, ids, log, renderer, open_transport, mail_from, now, lang, dry_run, result: Delivery) -> None:
    """Chunk by chunk: the intents of the chunk in one transaction, then message after message
    over one connection, each result committed in the wait for the server's next reply."""
    if dry_run:
        _preview(todo, renderer, result)
        return
    from .mail import MailError
    ahead = _Ahead(todo, ids, renderer, mail_from, now, log)
    stamp = _stamp(now)
    transport = None
    try:
        for start in range(0, len(todo), CHUNK):
            stop = min(start + CHUNK, len(todo))
            ahead.limit = min(stop + CHUNK, len(todo))     # the next chunk is prepared while this one goes
            chunk = [ahead.get(i) for i in range(start, stop)]
            go = []
            if result.halted is None:
                go = [r for r in chunk if r.data is not None]
                ahead.flush()
                log.intents([(r.out.key, r.out.kind, r.out.ref_id, r.out.period, r.out.to_addr, r.mid, r.out.told,
                              r.out.to_name) for r in go], stamp)
                for _ in go:
                    checkpoint("after_intent")
            untried = []
            for r in chunk:
                out = r.out
                if r.error is not None:
                    raise r.error
                if r.problem is not None:
                    result.problems[out.key] = r.problem
                    continue
                if result.halted is not None:
                    result.problems[out.key] = Text("outbound.halted", error=result.halted)
                    if go:
                        untried.append((out.key, out.to_addr, r.mid))
                    continue
                try:
                    if transport is None:
                        transport = open_transport()
                        transport.__enter__()
                        transport.idle = ahead.step
                    transport.send(r.msg, r.data)
                except MailError as e:
                    ahead.flush()
                    text = i18n.render(e.text, lang)
                    fatal = getattr(e, "fatal", False)
                    log.failed(out.key, now, text, permanent=not e.temporary and not fatal)
                    m = log.get(out.key)
                    if fatal:
                        result.halted = e.text
                        result.problems[out.key] = Text("outbound.halted", error=e.text)
                    else:
                        result.problems[out.key] = _problem(m.state, out.to_addr, text, m.next_try)
                    continue
                checkpoint("after_send")
                ahead.sent(out.key, stamp, out.to_addr, r.mid)
                if not transport.waits:
                    ahead.flush()             # no wait to record it in: now, before the next one goes
                result.sent_at[out.key] = stamp
                result.sent_now.append(out.key)
                r.rendered = r.msg = r.data = None            # a pass may send thousands: keep only what is due
            ahead.flush()
            if untried:                                       # intent recorded, never handed over
                log.not_tried(untried, stamp, i18n.render(Text("outbound.halted", error=result.halted), lang))
    finally:
        if transport is not None:
            transport.idle = None
        try:
            ahead.flush()                # a message the server accepted is recorded, whatever came after
        finally:
            if transport is not None:
                transport.__exit__(None, None, None)


def _preview(todo, renderer, result: Delivery) -> None:
    """Dry run: render every message, send nothing, record nothing."""
    from .render import TemplateProblem
    broken: dict[str, Text] = {}
    for out in todo:
        if out.kind in broken:
            result.problems[out.key] = broken[out.kind]
            continue
        try:
            result.previews.append((out, renderer.render(out.kind, out.lang, out.ctx)))
        except TemplateProblem as e:
            broken[out.kind] = result.problems[out.key] = Text("outbound.template", error=e.text)


def _problem(state: str, addr: str, error: str | None, next_try: str | None) -> Text:
    if state == "refused":
        return Text("outbound.refused", addr=addr, error=error or "")
    when = (next_try or "").replace("T", " ")[:16]
    return Text("outbound.failed", addr=addr, error=error or "", next=when)
