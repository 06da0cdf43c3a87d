"""`run.py statements` and `run.py digest`: show, or send, one period's messages.

Without `--send` nothing goes out: the messages are rendered and printed.
`--dry-run` with `--send` lists what would go, sends nothing and closes nothing.
"""
from __future__ import annotations

import datetime as dt
import re
import sys

from . import i18n
from .backends import open_backend
from .book import load_book
from .config import load
from .i18n import Text
from .ledger import Ledger, tabs_seen_at
from .passlock import PassLock

i18n.register({
    "climail.bad_period": {
        "en": "--period: {value!r} is not a month — write it as YYYY-MM, e.g. 2026-10",
        "zh": "--period：{value!r} 不是月份 — 请写成 YYYY-MM，例如 2026-10"},
    "climail.to": {"en": "To: {name} <{addr}>", "zh": "收件人：{name} <{addr}>"},
    "climail.subject": {"en": "Subject: {subject}", "zh": "主题：{subject}"},
    "climail.would_send": {"en": "would send: {name} <{addr}> — {subject}", "zh": "将发送：{name} <{addr}> — {subject}"},
    "climail.summary": {
        "en": "{what} {period}: {n} message(s); sent now {sent}, sent before {before}, not sent {failed}",
        "zh": "{what} {period}：共 {n} 封；本次发送 {sent}，此前已发送 {before}，未发送 {failed}"},
    "climail.shown": {
        "en": "{what} {period}: {n} message(s) shown, nothing sent — add --send to send them",
        "zh": "{what} {period}：已显示 {n} 封，未发送 — 加 --send 才会发送"},
    "climail.sent_before": {"en": "{name} <{addr}>: sent {at} — shown again (the month is closed: its lines are frozen)",
                            "zh": "{name} <{addr}>：已于 {at} 发送 — 以下重新显示（该月已结账，各笔已冻结）"},
    "climail.dry_run": {"en": "{what} {period}: dry run — {n} message(s) would go, nothing sent",
                        "zh": "{what} {period}：试运行 — 将发送 {n} 封，实际未发送"},
    "climail.all_sent": {"en": "{what} {period}: all {n} were sent already — nothing more to send",
                         "zh": "{what} {period}：{n} 封均已发送 — 无需再发送"},
    "climail.none": {"en": "{what} {period}: nobody has anything on it", "zh": "{what} {period}：没有需要发送的内容"},
    "climail.statements": {"en": "statements", "zh": "对账单"},
    "climail.digest": {"en": "manager digest", "zh": "经理摘要"},
    "climail.problem": {"en": "{addr}: {text}", "zh": "{addr}：{text}"},
    "climail.closed": {"en": "{period} is closed now: later lines go to the next month",
                       "zh": "{period} 已结账：之后的变动计入下个月"},
})


def _workbook(cfg, today):
    from .sync import SyncRefused, decide_only, local_day
    from .vanished import gone_at, vanished
    snap = open_backend(cfg).read()
    book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
    if book.errors:
        raise SyncRefused(book.errors + gone_at(cfg.ledger_path, book.layout), book.language, book)
    today = today or local_day(dt.datetime.now().astimezone(), book.settings.timezone)
    decisions, states = decide_only(cfg, snap, book, today)
    gone = vanished(book.layout, states, tabs_seen_at(cfg.ledger_path))
    if gone:
        raise SyncRefused(gone, book.language, book)
    return book, decisions, today


def stopped_digest(cfg, e, today, now: dt.datetime, send: bool, dry_run: bool = False):
    """A refused workbook's digest run (what stops the worker, to the managers), or
    None when the workbook could not be read far enough to know them."""
    from .periodic import stopped_digest_run
    from .sync import local_day
    book = e.book
    if book is None:
        return None
    today = today or local_day(now, book.settings.timezone)
    ledger = Ledger(cfg.ledger_path)
    try:
        return stopped_digest_run(cfg, ledger, book, e.findings, today, now, send=send, dry_run=dry_run)
    finally:
        ledger.close()


def _report(run, what: str, lang: str, send: bool, dry_run: bool, renderer=None) -> int:
    label = Text(what).render(lang)
    d = run.delivery
    earlier = [out for out in run.messages if out.key in d.sent_at and out.key not in d.sent_now]
    for name in run.no_email:
        print(Text("periodic.no_email", name=name, period=run.period).render(lang), file=sys.stderr)
    if not run.messages:
        print(Text("climail.none", what=label, period=run.period).render(lang))
        return 0
    if not send and renderer is not None:     # what already went is shown too, as it went (the month is frozen)
        for out in earlier:
            rendered = renderer.render(out.kind, out.lang, out.ctx)
            print(Text("climail.sent_before", name=out.to_name, addr=out.to_addr, at=d.sent_at[out.key]).render(lang))
            print(Text("climail.subject", subject=rendered.subject).render(lang))
            print()
            print(rendered.text.rstrip())
            print("\n" + "-" * 60)
    if not send or dry_run:
        for out, rendered in d.previews:
            if dry_run:
                print(Text("climail.would_send", name=out.to_name, addr=out.to_addr,
                           subject=rendered.subject).render(lang))
                continue
            print(Text("climail.to", name=out.to_name, addr=out.to_addr).render(lang))
            print(Text("climail.subject", subject=rendered.subject).render(lang))
            print()
            print(rendered.text.rstrip())
            print("\n" + "-" * 60)
    failed = 0
    for out in run.messages:
        if out.key in d.problems:
            failed += 1
            print(Text("climail.problem", addr=out.to_addr, text=d.problems[out.key]).render(lang), file=sys.stderr)
    if send and not dry_run:
        before = len([k for k in d.sent_at if k not in d.sent_now])
        print(Text("climail.summary", what=label, period=run.period, n=len(run.messages), sent=len(d.sent_now),
                   before=before, failed=failed).render(lang))
        if run.closed_now:
            print(Text("climail.closed", period=run.period).render(lang))
    elif dry_run:
        print(Text("climail.dry_run", what=label, period=run.period, n=len(d.previews)).render(lang))
    elif earlier and not d.previews:
        print(Text("climail.all_sent", what=label, period=run.period, n=len(earlier)).render(lang))
    else:
        print(Text("climail.shown", what=label, period=run.period, n=len(d.previews)).render(lang))
    return 1 if failed else 0


def cmd_statements(args) -> int:
    from .periodic import statement_run
    from .statements import previous_month
    cfg = load(args.config)
    if args.period and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.period):
        bad = Text("climail.bad_period", value=args.period)
        print(bad.render("zh") + "\n" + bad.render("en"), file=sys.stderr)
        return 2
    today = _today_arg(args)
    now = dt.datetime.now().astimezone()
    with PassLock(cfg.ledger_path):
        book, decisions, today = _workbook(cfg, today)
        lang = book.language
        period = args.period or previous_month(today)
        if args.send and period >= f"{today.year:04d}-{today.month:02d}":
            print(Text("periodic.not_over", period=period).render(lang), file=sys.stderr)
            return 2
        ledger = Ledger(cfg.ledger_path)
        try:
            run = statement_run(cfg, ledger, book, decisions, today, now, period, send=args.send,
                                dry_run=args.dry_run)
        finally:
            ledger.close()
    from .notify import renderer_for
    return _report(run, "climail.statements", lang, args.send, args.dry_run, renderer_for(book.settings))


def cmd_digest(args) -> int:
    from .periodic import digest_run
    from .sync import SyncRefused
    cfg = load(args.config)
    today = _today_arg(args)
    now = dt.datetime.now().astimezone()
    with PassLock(cfg.ledger_path):
        try:
            book, decisions, today = _workbook(cfg, today)
        except SyncRefused as e:
            # nothing can be decided: the managers are told what stops the worker, and
            # the command still fails (exit 2) with the same findings as `sync`
            run = stopped_digest(cfg, e, today, now, args.send, args.dry_run)
            if run is not None:
                _report(run, "climail.digest", e.language, args.send, args.dry_run)
            raise
        ledger = Ledger(cfg.ledger_path)
        try:
            run = digest_run(cfg, ledger, book, decisions, today, now, send=args.send, dry_run=args.dry_run)
        finally:
            ledger.close()
    return _report(run, "climail.digest", book.language, args.send, args.dry_run)


def _today_arg(args):
    from .cli import _today
    return _today(getattr(args, "today", None))


def add_parsers(sub, common) -> None:
    st = common(sub.add_parser("statements", help="show (or --send) one month's commission statements"))
    st.add_argument("--period", help="the month, YYYY-MM (default: last month)")
    st.add_argument("--send", action="store_true", help="send them (and close the month)")
    st.add_argument("--dry-run", action="store_true", help="with --send: list what would go, send nothing")
    st.add_argument("--today", help="behave as on this date (YYYY-MM-DD)")
    st.set_defaults(func=cmd_statements)
    dg = common(sub.add_parser("digest", help="show (or --send) today's manager digest"))
    dg.add_argument("--send", action="store_true", help="send it to every manager")
    dg.add_argument("--dry-run", action="store_true", help="with --send: list what would go, send nothing")
    dg.add_argument("--today", help="behave as on this date (YYYY-MM-DD)")
    dg.set_defaults(func=cmd_digest)
