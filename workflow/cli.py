"""Command line: argument parsing, exit codes, printing. Nothing else.

Exit codes: 0 the command ran (rows may have problems); 1 `check` found
something that stops `sync`; 2 config, workbook or rules unusable (nothing
written or sent).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from pathlib import Path

from . import i18n
from .backends import open_backend
from .backends.base import WorkbookUnusable
from .book import load_book
from .config import ConfigError, load
from .contract import STATUSES
from .i18n import Text
from .ledger import Ledger, LedgerError
from .passlock import PassBusy
from .sync import SyncRefused

i18n.register({
    "cli.summary": {"en": "{rows} referral rows: {counts}", "zh": "共 {rows} 行推荐登记：{counts}"},
    "cli.written": {"en": "{cells} cells written to {where}", "zh": "已写入 {where} 的 {cells} 个单元格"},
    "cli.skipped": {
        "en": "nothing changed since the last pass (workbook, rules, ledger, dates): nothing to do",
        "zh": "自上次处理以来没有变化（工作簿、规则、台账、日期）：无需处理",
    },
    "cli.nothing": {"en": "nothing changed: the workbook was not written", "zh": "没有变化：未写入工作簿"},
    "cli.refused": {
        "en": "sync stopped: nothing was written or sent. Fix these and run again:",
        "zh": "处理已停止：未写入或发送任何内容。请修正以下问题后重新运行：",
    },
    "cli.check_ok": {"en": "check: no problem stops sync", "zh": "检查：没有会阻止处理的问题"},
    "cli.check_errors": {"en": "check: {n} problem(s) stop sync", "zh": "检查：{n} 个问题会阻止处理"},
    "cli.warning": {"en": "warning", "zh": "提醒"},
    "cli.error": {"en": "error", "zh": "错误"},
    "cli.rows_to_fix": {
        "en": "{n} referral row(s) need fixing: see the Problems column",
        "zh": "{n} 行推荐登记待修正：见“问题”列",
    },
    "cli.demo_created": {"en": "demo workbook created: {path}", "zh": "已创建示例工作簿：{path}"},
    "cli.empty_created": {"en": "empty workbook created: {path}", "zh": "已创建空白工作簿：{path}"},
    "cli.demo_no_history": {
        "en": "{ledger} already holds referrals, so the demo starts without history (its ledger is not mixed in)",
        "zh": "{ledger} 已有推荐记录，示例不带历史记录（不与现有台账混合）",
    },
    "cli.exported": {"en": "{n} lines exported to {path}", "zh": "已导出 {n} 行到 {path}"},
    "cli.no_ledger": {"en": "{path}: no ledger yet — run `run.py sync` first; nothing was exported",
                      "zh": "{path}：还没有台账 — 请先运行 `run.py sync`；未导出任何内容"},
})


def _both(text: Text) -> str:
    """A message of a command that does not read the workbook (so knows no language): Chinese, then English."""
    return text.render("zh") + "\n" + text.render("en")


def _today(value: str | None) -> dt.date | None:
    """--today, or None: the pass takes today in the workbook's time zone."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        print(f"--today: {value!r} is not a date — write it as YYYY-MM-DD, e.g. 2026-11-20", file=sys.stderr)
        raise SystemExit(2)


def _counts(statuses, lang: str) -> str:
    """Status counts in the order of the decision list."""
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{label.render(lang)} {statuses[k]}" for k, label in STATUSES.items() if statuses.get(k))


def _print_findings(findings, lang: str, out=sys.stdout) -> None:
    for f in findings:
        label = Text("cli.error" if f.is_error else "cli.warning").render(lang)
        print(f"{label}{'：' if lang == 'zh' else ': '}{f.text.render(lang)}", file=out)


def _ensure_demo(cfg, today: dt.date | None) -> None:
    """The example config runs on the embedded demo workbook, created on first run."""
    if cfg.backend == "xlsx" and cfg.is_example and not cfg.workbook_path.exists():
        from .sync import local_day
        today = today or local_day(dt.datetime.now().astimezone(), "Asia/Shanghai")
        from .demo import create_demo
        create_demo(cfg.workbook_path, today, cfg)
        print(Text("cli.demo_created", path=cfg.workbook_path).render("zh"))


def cmd_sync(args) -> int:
    from .sync import SyncRefused, run_pass
    cfg = load(args.config)
    today = _today(args.today)
    _ensure_demo(cfg, today)
    now = dt.datetime.now().astimezone()
    try:
        result = run_pass(cfg, today, now)
    except SyncRefused as e:
        print(Text("cli.refused").render(e.language), file=sys.stderr)
        _print_findings(e.findings, e.language, sys.stderr)
        return 2
    lang = result.language
    counts = _counts(result.statuses, lang)
    print(Text("cli.summary", rows=result.rows, counts=counts or "-").render(lang))
    if result.skipped:
        print(Text("cli.skipped").render(lang))
    elif result.not_written:
        print(result.not_written)
    elif result.cells_written:
        where = cfg.spreadsheet if cfg.backend == "gsheets" else cfg.workbook_path
        print(Text("cli.written", cells=result.cells_written, where=where).render(lang))
    else:
        print(Text("cli.nothing").render(lang))
    _print_findings(result.warnings, lang)
    return 0


def cmd_check(args) -> int:
    cfg = load(args.config)
    # read-only: a missing demo workbook is reported, not created; the sheet list is read afresh
    snap = (open_backend(cfg, max_age=0, tries=2) if cfg.backend == "gsheets" else open_backend(cfg)).read()
    book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
    lang = book.language
    _print_findings(book.findings, lang)
    gone = []
    if book.errors:         # what the ledger relies on is named with them, not after they are fixed
        from .vanished import gone_at
        gone = gone_at(cfg.ledger_path, book.layout)
        _print_findings(gone, lang)
    else:
        from .sync import local_day, preview
        statuses, missing, gone = preview(cfg, snap, book,
                                          local_day(dt.datetime.now().astimezone(), book.settings.timezone))
        _print_findings(missing + gone, lang)
        counts = _counts(statuses, lang)
        print(Text("cli.summary", rows=sum(statuses.values()), counts=counts or "-").render(lang))
        if statuses.get("needs_fixing"):
            print(Text("cli.rows_to_fix", n=statuses["needs_fixing"]).render(lang))
    from .notify import renderer_for
    for problem in renderer_for(book.settings).problems():     # broken templates stop mail, not sync
        print(f"{Text('cli.warning').render(lang)}: {i18n.render(problem, lang)}")
    busy = open_backend(cfg).busy()
    if busy is not None:
        print(f"{Text('cli.warning').render(lang)}: {i18n.render(busy, lang)}")
    errors = book.errors + gone
    if errors:
        print(Text("cli.check_errors", n=len(errors)).render(lang))
        return 1
    print(Text("cli.check_ok").render(lang))
    return 0


def cmd_export(args) -> int:
    from .export import write_rewards_csv
    cfg = load(args.config)
    if not cfg.ledger_path.exists():
        print(_both(Text("cli.no_ledger", path=cfg.ledger_path)), file=sys.stderr)
        return 2
    ledger = Ledger(cfg.ledger_path)
    try:
        lang = ledger.meta("language")      # the workbook's language at the last pass
        n = write_rewards_csv(ledger, Path(args.out))
    except FileNotFoundError as e:
        print(f"export: {e}", file=sys.stderr)
        return 2
    finally:
        ledger.close()
    done = Text("cli.exported", n=n, path=args.out)
    print(done.render(lang) if lang in ("en", "zh") else _both(done))
    return 0


def cmd_init(args) -> int:
    cfg = load(args.config)
    if cfg.backend == "gsheets" and not args.path:   # fills the configured spreadsheet (only what is missing)
        print(open_backend(cfg).initialise(args.empty, args.language).render(args.language))
        return 0
    path = Path(args.path) if args.path else cfg.workbook_path
    if path.exists() and not args.force:
        print(f"{path}: already exists — pass --force to replace it (its rows would be lost)", file=sys.stderr)
        return 2
    from .demo import create_demo, create_empty
    if args.empty:
        create_empty(path, args.language)
        print(Text("cli.empty_created", path=path).render(args.language))
        return 0
    from .sync import local_day
    today = _today(args.today) or local_day(dt.datetime.now().astimezone(), "Asia/Shanghai")
    history = create_demo(path, today, cfg if path == cfg.workbook_path else None, args.language)
    print(Text("cli.demo_created", path=path).render(args.language))
    if not history and path == cfg.workbook_path:
        print(Text("cli.demo_no_history", ledger=cfg.ledger_path).render(args.language))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description="Referral rewards run from a spreadsheet.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--config", type=Path, default=None,
                        help="config file (default: config.toml if present, else config.example.toml)")
        return sp

    s = common(sub.add_parser("sync", help="one full pass over the workbook"))
    s.add_argument("--today", help="behave as on this date (YYYY-MM-DD)")
    s.set_defaults(func=cmd_sync)
    c = common(sub.add_parser("check", help="read-only: config, workbook and rules problems"))
    c.set_defaults(func=cmd_check)
    e = sub.add_parser("export", help="export ledger lines")
    esub = e.add_subparsers(dest="what", required=True)
    er = common(esub.add_parser("rewards", help="approved reward and commission lines as CSV"))
    er.add_argument("--out", required=True, help="the CSV file to write")
    er.set_defaults(func=cmd_export)
    i = common(sub.add_parser("init", help="write a fresh demo (or empty) workbook"))
    i.add_argument("--path", help="where to write it (default: the config's workbook path)")
    i.add_argument("--empty", action="store_true", help="only the tabs and headers, no example rows")
    i.add_argument("--language", choices=("zh", "en"), default="zh")
    i.add_argument("--today", help="date the demo rows around this day (YYYY-MM-DD)")
    i.add_argument("--force", action="store_true", help="replace an existing workbook")
    i.set_defaults(func=cmd_init)
    from .cli_mail import add_parsers
    add_parsers(sub, common)
    from .serve import add_parser as add_serve
    add_serve(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"config: {e}", file=sys.stderr)
        return 2
    except SyncRefused as e:
        print(Text("cli.refused").render(e.language), file=sys.stderr)
        _print_findings(e.findings, e.language, sys.stderr)
        return 2
    except WorkbookUnusable as e:
        print(i18n.render(e.text, "zh") + "\n" + i18n.render(e.text, "en"), file=sys.stderr)
        return 1 if args.command == "check" else 2
    except LedgerError as e:
        print(f"ledger: {e}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as e:
        print(f"ledger: the ledger file cannot be read ({e}) — restore it from a backup, or point [ledger] path "
              f"at a new file (the worker then starts a new ledger)", file=sys.stderr)
        return 2
    except PassBusy as e:
        print(i18n.render(e.text, "zh") + "\n" + i18n.render(e.text, "en"), file=sys.stderr)
        return 3
    except NotImplementedError as e:
        print(f"config: {e} — use backend = \"xlsx\" for now", file=sys.stderr)
        return 2
