"""Statement runs and manager digests: build, close the month, deliver once.

`statement_run` closes a month in the ledger (once; a closed month is
frozen) and sends each staff member their statement; `digest_run` sends the
managers their digest.  Both deliver through `outbound.deliver`, so a
statement or digest already sent is never sent again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import i18n
from .digest import digest_messages, managers, stopped_messages
from .message_log import MessageLog
from .notify import in_zone, renderer_for, sender_of, transport_opener
from .outbound import Delivery, deliver
from .periods import month_key
from .statements import RefInfo, pending_lines, previous_month, statement_messages

i18n.register({
    "periodic.no_email": {
        "en": "Staff tab: {name} has a statement for {period} but no email address — add it in the Email column, "
              "then send it with `run.py statements --period {period} --send`",
        "zh": "员工工作表：{name} 有 {period} 的对账单但没有邮箱 — 请在“邮箱”列填写，然后用 "
              "`run.py statements --period {period} --send` 发送"},
    "periodic.not_over": {
        "en": "statements {period}: the month is not over yet — its statements can be shown now, and are sent "
              "on statement day of the month after",
        "zh": "对账单 {period}：该月尚未结束 — 现在可以预览，正式发送在下个月的对账单日",
    },
})


@dataclass
class Run:
    period: str
    messages: list = field(default_factory=list)
    delivery: Delivery | None = None
    no_email: list[str] = field(default_factory=list)
    closed_now: bool = False


def statements_due(today: dt.date, statement_day: int, log: MessageLog, ledger) -> str | None:
    """The month whose statements are due today, if any: last month, from its statement day on,
    until every statement of it went."""
    if today.day < statement_day:
        return None
    period = previous_month(today)
    if period in log.closed_periods() and ledger.meta(f"statements_done:{period}"):
        return None
    return period


def ref_infos(ledger, decisions) -> dict[str, RefInfo]:
    from .cells import parse_date
    infos = {}
    for ref_id, raw in ledger.contents().items():
        try:
            deal = parse_date(raw.get("deal_date")) if raw.get("deal_date") else None
        except Exception:   # a cell that did not parse then does not parse now: shown without a date
            deal = None
        infos[ref_id] = RefInfo(str(raw.get("customer") or ""), deal if isinstance(deal, dt.date) else None)
    for d in decisions:
        infos[d.ref_id] = RefInfo(d.ref.v.get("customer") or "", d.ref.v.get("deal_date"))
    return infos


def statement_run(cfg, ledger, book, decisions, today: dt.date, now: dt.datetime, period: str,
                  send: bool, dry_run: bool = False) -> Run:
    lang = book.language
    log = MessageLog(ledger)
    run = Run(period)
    sender = sender_of(cfg, book.settings, today)
    boss = managers(book.staff)
    contact = [{"name": b.name, "email": b.email} for b in boss]
    lines = [(month_key(dt.date.fromisoformat(day)), ln) for day, ln in ledger.lines_with_day()]
    issued: dict = {}
    for _, ln in lines:
        issued[(ln.ref_id, ln.key)] = issued.get((ln.ref_id, ln.key), 0) + ln.amount
    run.messages, run.no_email = statement_messages(lines, period, book.staff, ref_infos(ledger, decisions),
                                                    pending_lines(decisions, lang, issued), lang, sender, contact)
    if send and not dry_run:
        run.closed_now = log.close_period(period, now.isoformat(timespec="seconds"), today.isoformat())
    run.delivery = deliver(run.messages, log, renderer_for(book.settings), transport_opener(cfg), cfg.mail_from,
                           in_zone(now, book.settings.timezone), lang, dry_run=dry_run or not send)
    if send and not dry_run and not run.delivery.problems and run.delivery.halted is None:
        ledger.set_meta(f"statements_done:{period}", now.isoformat(timespec="seconds"))
    return run


def digest_run(cfg, ledger, book, decisions, today: dt.date, now: dt.datetime, send: bool,
               dry_run: bool = False) -> Run:
    lang = book.language
    messages = digest_messages(decisions, book.staff, lang, sender_of(cfg, book.settings, today), today,
                               cfg.digest_schedule, cfg.digest_roles, cfg.sheet_url,
                               book.layout.tab("referrals").names())
    return _deliver_digest(cfg, ledger, book, messages, today, now, send, dry_run)


def stopped_digest_run(cfg, ledger, book, findings, today: dt.date, now: dt.datetime, send: bool,
                       dry_run: bool = False) -> Run:
    """The day's digest when the workbook cannot be used: what stops the worker."""
    messages = stopped_messages(findings, book.staff, book.language, sender_of(cfg, book.settings, today), today,
                                cfg.digest_schedule, cfg.digest_roles, cfg.sheet_url)
    return _deliver_digest(cfg, ledger, book, messages, today, now, send, dry_run)


def _deliver_digest(cfg, ledger, book, messages, today, now, send, dry_run) -> Run:
    run = Run(today.isoformat())
    run.messages = messages
    run.delivery = deliver(run.messages, MessageLog(ledger), renderer_for(book.settings), transport_opener(cfg),
                           cfg.mail_from, in_zone(now, book.settings.timezone), book.language,
                           dry_run=dry_run or not send)
    return run
