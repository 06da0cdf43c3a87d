"""Sending messages exactly once: render, record the intent, send, record the result.

The order is what makes a notice go once and never get lost:

1. a key already `sent` in the message log is skipped;
2. the intent (key, address, Message-ID) is committed to the ledger;
3. the message goes to the transport (outbox file or SMTP);
4. the result is committed.

A stop between 2 and 4 leaves the key at `intent`; the next pass sends it
again with the same Message-ID.  The outbox then replaces the same file; over
SMTP the recipient may get the same message twice, which mail programs show
once (same Message-ID) — the only window SMTP leaves open.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import parseaddr

from . import i18n
from .faults import checkpoint
from .i18n import Text
from .message_log import MessageLog, due, message_id
from .notices import Outgoing

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
        elif due(m, out.to_addr, now):
            todo.append(out)
        else:
            result.problems[out.key] = _problem(m.state, out.to_addr, m.error, m.next_try)
    if not todo:
        return result
    with log.batch():
        _send_all(todo, log, renderer, open_transport, mail_from, now, lang, dry_run, result)
    return result


def _send_all(todo, log, renderer, open_transport, mail_from, now, lang, dry_run, result: Delivery) -> None:
    """Render, record the intent, send, record the result — message after message, one connection."""
    from .mail import MailError
    from .render import TemplateProblem, build_message
    broken: dict[str, Text] = {}
    transport = None
    try:
        for out in todo:
            if out.kind in broken:
                result.problems[out.key] = broken[out.kind]
                continue
            try:
                rendered = renderer.render(out.kind, out.lang, out.ctx)
            except TemplateProblem as e:
                broken[out.kind] = result.problems[out.key] = Text("outbound.template", error=e.text)
                continue
            if dry_run:
                result.previews.append((out, rendered))
                continue
            if result.halted is not None:
                result.problems[out.key] = Text("outbound.halted", error=result.halted)
                continue
            mid = message_id(out.key, parseaddr(mail_from)[1] or mail_from)
            msg = build_message(rendered, sender=mail_from, to=(out.to_name, out.to_addr), message_id=mid,
                                date=now)
            log.intent(out.key, out.kind, out.ref_id, out.period, out.to_addr, mid, _stamp(now))
            checkpoint("after_intent")
            try:
                if transport is None:
                    transport = open_transport()
                    transport.__enter__()
                transport.send(msg)
            except MailError as e:
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
            log.sent(out.key, _stamp(now))
            checkpoint("after_record")
            result.sent_at[out.key] = _stamp(now)
            result.sent_now.append(out.key)
    finally:
        if transport is not None:
            transport.__exit__(None, None, None)


def _problem(state: str, addr: str, error: str | None, next_try: str | None) -> Text:
    if state == "refused":
        return Text("outbound.refused", addr=addr, error=error or "")
    when = (next_try or "").replace("T", " ")[:16]
    return Text("outbound.failed", addr=addr, error=error or "", next=when)
