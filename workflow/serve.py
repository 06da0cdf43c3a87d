"""`run.py serve`: the scheduled worker (APScheduler 3, in the workbook's time zone).

Three jobs: a sync every `[worker] every_minutes`, the statement run daily at
`[statements] time` (the pass itself sends last month's statements once, on or
after the workbook's statement day), and the manager digest daily or weekly at
`[digest] time` unless the schedule is "off".

- One worker per workbook: `<ledger>.serve.lock` is held for the worker's life;
  a second `serve` refuses to start (WorkerBusy, exit code 3).
- One job at a time: one lock around every job, one executor thread, and
  `max_instances=1` with missed runs coalesced; passes from other processes
  (`run.py sync` by hand) wait for the pass lock as usual.
- SIGTERM / SIGINT: the running job finishes, nothing new starts, exit 0.
- Every job logs one plain line to stdout; an expected failure logs its reason,
  an unexpected one also its traceback (stderr), and serving goes on.
- Time is passed in: the Worker takes a `clock`, and every job reads the time
  from it once, so tests drive the real triggers with a simulated clock.
"""
from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import i18n
from .i18n import Text
from .passlock import PassBusy, PassLock

DEFAULT_TIMEZONE = "Asia/Shanghai"

i18n.register({
    "serve.job.sync": {"en": "sync", "zh": "同步"},
    "serve.job.statements": {"en": "statements", "zh": "对账单"},
    "serve.job.digest": {"en": "digest", "zh": "经理摘要"},
    "serve.pass": {"en": "{job}: {rows} rows, {changed} changed, {sent} notices sent, {fix} to fix",
                   "zh": "{job}：{rows} 行，{changed} 行有变化，发出通知 {sent} 封，{fix} 行待修正"},
    "serve.statements_sent": {"en": ", statements sent {n}", "zh": "，发出对账单 {n} 封"},
    "serve.to_retry": {"en": ", {n} message(s) to retry", "zh": "，{n} 封邮件待重试"},
    "serve.not_written": {"en": ", not written: {why}", "zh": "，未写入：{why}"},
    "serve.digest": {"en": "{job}: {sent} sent, {before} sent before, {failed} not sent",
                     "zh": "{job}：发出 {sent} 封，此前已发 {before} 封，未发出 {failed} 封"},
    "serve.digest_stopped": {
        "en": "{told} — what stops the worker, not the day's figures: {why}",
        "zh": "{told} — 内容为使工作程序停止的问题，而非当日汇总：{why}"},
    "serve.digest_none": {"en": "{job}: no manager with an email address in the Staff tab — nothing sent",
                          "zh": "{job}：员工表中没有填写邮箱的经理 — 未发送"},
    "serve.failed": {"en": "{job} failed: {why}", "zh": "{job} 失败：{why}"},
    "serve.unexpected": {"en": "an unexpected error ({error}; details follow on stderr) — serving goes on; "
                               "report it if it repeats",
                         "zh": "意外错误（{error}；详情见标准错误输出）— 服务继续运行；如反复出现请报告"},
    "serve.started": {
        "en": "serving {where}: sync every {minutes} min, statements daily at {statements}, digest {digest}; "
              "time zone {tz}; stop with Ctrl+C or SIGTERM",
        "zh": "开始服务 {where}：每 {minutes} 分钟同步一次，每天 {statements} 处理对账单，经理摘要 {digest}；"
              "时区 {tz}；按 Ctrl+C 或发送 SIGTERM 停止"},
    "serve.digest.daily": {"en": "daily at {time}", "zh": "每天 {time}"},
    "serve.digest.weekly": {"en": "every {day} at {time}", "zh": "每周{day} {time}"},
    "serve.digest.off": {"en": "off", "zh": "关闭"},
    "serve.stopping": {"en": "stopping: the running job finishes first", "zh": "正在停止：先完成正在进行的任务"},
    "serve.stopped": {"en": "stopped", "zh": "已停止"},
    "serve.busy": {
        "en": "{path}: another `run.py serve` already runs on this workbook — this one does not start; "
              "stop the other one first (e.g. systemctl stop referral-worker), or keep it",
        "zh": "{path}：已有另一个 `run.py serve` 在处理该工作簿 — 本次未启动；"
              "如需重启请先停止另一个（例如 systemctl stop referral-worker），或继续使用它"},
    "serve.no_timezone": {
        "en": "the workbook could not be read at start ({why}) — the schedule uses the time zone {tz}; "
              "restart the worker once the workbook reads",
        "zh": "启动时无法读取工作簿（{why}）— 计划按时区 {tz} 执行；工作簿可读取后请重启服务"},
})

WEEKDAY_ZH = {"mon": "一", "tue": "二", "wed": "三", "thu": "四", "fri": "五", "sat": "六", "sun": "日"}


class WorkerBusy(Exception):
    def __init__(self, text: Text):
        super().__init__(text.render("en"))
        self.text = text


class WorkerLock:
    """`<ledger>.serve.lock`, held while the worker runs; never waited for."""

    def __init__(self, ledger_path: Path):
        self.lock = PassLock(Path(str(ledger_path) + ".serve"), wait_seconds=0)
        self.path = self.lock.path

    def __enter__(self) -> "WorkerLock":
        try:
            self.lock.__enter__()
        except PassBusy:
            raise WorkerBusy(Text("serve.busy", path=str(self.path))) from None
        return self

    def __exit__(self, *exc) -> None:
        self.lock.__exit__(*exc)


def workbook_timezone(cfg) -> tuple[str, str, Text | None]:
    """(time zone, language, problem) from the workbook's Settings, read once at start."""
    from .backends import open_backend
    from .book import load_book
    try:
        snap = open_backend(cfg).read()
        book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
        tz, lang = book.settings.timezone, book.language
    except expected_errors() as e:     # reported, and the worker still starts
        return DEFAULT_TIMEZONE, "zh", Text("serve.no_timezone", why=reason(e, "en"), tz=DEFAULT_TIMEZONE)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TIMEZONE, lang, Text("serve.no_timezone", why=tz, tz=DEFAULT_TIMEZONE)
    return tz, lang, None


def expected_errors() -> tuple[type, ...]:
    """Failures a job reports in one line: the workbook, rules, ledger, mail or disk."""
    from .backends.base import WorkbookBusy, WorkbookChanged, WorkbookUnusable
    from .config import ConfigError
    from .ledger import LedgerError
    from .mail import MailError
    from .sync import SyncRefused
    return (SyncRefused, PassBusy, WorkbookUnusable, WorkbookBusy, WorkbookChanged, LedgerError, MailError,
            ConfigError, sqlite3.DatabaseError, OSError)


def reason(e: BaseException, lang: str) -> str:
    """An expected error as one line in `lang`."""
    findings = getattr(e, "findings", None)
    if findings:
        text = "; ".join(f.text.render(lang) for f in findings)
    elif getattr(e, "text", None) is not None:
        text = i18n.render(e.text, lang)
    else:
        text = str(e) or type(e).__name__
    return " ".join(text.split())


class Worker:
    """The three jobs, each run under one lock and logged in one line."""

    def __init__(self, cfg, timezone: str = DEFAULT_TIMEZONE, language: str = "zh",
                 clock: Callable[[], dt.datetime] | None = None, out: TextIO | None = None,
                 err: TextIO | None = None):
        self.cfg = cfg
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.language = language
        self.clock = clock or (lambda: dt.datetime.now(self.tz))
        self.out, self.err = out, err
        self.lock = threading.Lock()
        self._printing = threading.Lock()
        self.stopping = threading.Event()
        self.jobs = {"sync": self.sync, "statements": self.statements, "digest": self.digest}

    # ---- the schedule ---------------------------------------------------------------------------

    def triggers(self, start: dt.datetime) -> dict:
        """name → APScheduler trigger; the interval counts from `start`."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger
        cfg = self.cfg
        out = {"sync": IntervalTrigger(minutes=cfg.sync_minutes, start_date=start, timezone=self.tz)}
        hh, mm = cfg.statement_time.split(":")
        out["statements"] = CronTrigger(hour=int(hh), minute=int(mm), timezone=self.tz)
        if cfg.digest_schedule != "off":
            hh, mm = cfg.digest_time.split(":")
            days = cfg.digest_weekday if cfg.digest_schedule == "weekly" else "*"
            out["digest"] = CronTrigger(day_of_week=days, hour=int(hh), minute=int(mm), timezone=self.tz)
        return out

    def grace_seconds(self, name: str) -> int:
        """How late a missed run may still start (after a suspend, a long pass)."""
        if name == "sync":
            return max(60, self.cfg.sync_minutes * 30)
        return 12 * 3600 if name == "statements" else 2 * 3600

    def schedule(self, scheduler, start: dt.datetime) -> None:
        for name, trigger in self.triggers(start).items():
            scheduler.add_job(self.run, trigger, args=(name,), id=name, name=name, max_instances=1,
                              coalesce=True, misfire_grace_time=self.grace_seconds(name))

    # ---- running one job --------------------------------------------------------------------------

    def run(self, name: str, even_stopping: bool = False) -> str | None:
        """Run one job now (by the clock) and log its line; None when stopping."""
        with self.lock:
            if self.stopping.is_set() and not even_stopping:
                return None
            now = self.clock().astimezone(self.tz)
            lang = self.language
            try:
                text, lang = self.jobs[name](now)
            except expected_errors() as e:
                lang = getattr(e, "language", lang)
                text = Text("serve.failed", job=Text(f"serve.job.{name}"), why=reason(e, lang)).render(lang)
            except Exception as e:
                print(f"{now:%Y-%m-%d %H:%M} {name}:", file=self.err or sys.stderr)
                traceback.print_exc(file=self.err or sys.stderr)
                why = Text("serve.unexpected", error=f"{type(e).__name__}: {e}")
                text = Text("serve.failed", job=Text(f"serve.job.{name}"), why=why).render(lang)
            return self.log(now, text)

    def log(self, now: dt.datetime, text: str) -> str:
        line = f"{now:%Y-%m-%d %H:%M} {' '.join(text.split())}"
        with self._printing:
            print(line, file=self.out or sys.stdout, flush=True)
        return line

    def say(self, text: Text) -> str:
        return self.log(self.clock().astimezone(self.tz), text.render(self.language))

    # ---- the jobs: each returns (its line without the time, language) ------------------------------

    def sync(self, now: dt.datetime) -> tuple[str, str]:
        return self._pass("sync", now, statements=False)

    def statements(self, now: dt.datetime) -> tuple[str, str]:
        return self._pass("statements", now, statements=True)

    def _pass(self, name: str, now: dt.datetime, statements: bool) -> tuple[str, str]:
        from .sync import run_pass
        result = run_pass(self.cfg, None, now, statements=statements)
        self.language = lang = result.language
        return pass_line(name, result), lang

    def digest(self, now: dt.datetime) -> tuple[str, str]:
        from .cli_mail import _workbook, stopped_digest
        from .ledger import Ledger
        from .periodic import digest_run
        from .sync import SyncRefused, local_day
        with PassLock(self.cfg.ledger_path):
            try:
                book, decisions, today = _workbook(self.cfg, local_day(now, self.timezone))
            except SyncRefused as e:
                # nothing can be decided: the managers get what stops the worker instead
                run = stopped_digest(self.cfg, e, local_day(now, self.timezone), now, send=True)
                if run is None or not run.messages:
                    raise
                self.language = lang = e.language
                told, _ = self._digest_line(run, lang)
                return Text("serve.digest_stopped", why=reason(e, lang), told=told).render(lang), lang
            self.language = lang = book.language
            ledger = Ledger(self.cfg.ledger_path)
            try:
                run = digest_run(self.cfg, ledger, book, decisions, today, now, send=True)
            finally:
                ledger.close()
        return self._digest_line(run, lang)

    @staticmethod
    def _digest_line(run, lang: str) -> tuple[str, str]:
        job = Text("serve.job.digest")
        if not run.messages:
            return Text("serve.digest_none", job=job).render(lang), lang
        d = run.delivery
        before = len([k for k in d.sent_at if k not in d.sent_now])
        failed = len([m for m in run.messages if m.key in d.problems])
        text = Text("serve.digest", job=job, sent=len(d.sent_now), before=before, failed=failed).render(lang)
        if d.halted is not None:
            text += " — " + i18n.render(d.halted, lang)
        elif failed:
            text += " — " + i18n.render(next(iter(d.problems.values())), lang)
        return text, lang


def pass_line(name: str, result) -> str:
    """`sync: 27 rows, 3 changed, 2 notices sent, 4 to fix` (+ statements sent, retries, not written)."""
    lang = result.language
    text = Text("serve.pass", job=Text(f"serve.job.{name}"), rows=result.rows, changed=result.changed_rows,
                sent=result.notices_sent, fix=result.statuses.get("needs_fixing", 0)).render(lang)
    if name == "statements" or result.statements_sent:
        text += Text("serve.statements_sent", n=result.statements_sent).render(lang)
    if result.notices_pending:
        text += Text("serve.to_retry", n=result.notices_pending).render(lang)
    if result.not_written:
        text += Text("serve.not_written", why=result.not_written).render(lang)
    return text


def started_text(cfg, timezone: str) -> Text:
    if cfg.digest_schedule == "weekly":
        digest = Text("serve.digest.weekly", time=cfg.digest_time,
                      day=i18n.Bilingual(cfg.digest_weekday.capitalize(), WEEKDAY_ZH[cfg.digest_weekday]))
    elif cfg.digest_schedule == "daily":
        digest = Text("serve.digest.daily", time=cfg.digest_time)
    else:
        digest = Text("serve.digest.off")
    return Text("serve.started", where=cfg.workbook_path or cfg.spreadsheet, minutes=cfg.sync_minutes,
                statements=cfg.statement_time, digest=digest, tz=timezone)


def serve(cfg, clock: Callable[[], dt.datetime] | None = None, out: TextIO | None = None) -> int:
    """Run until SIGTERM / SIGINT; 0 then.  WorkerBusy when another worker has this workbook."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    with WorkerLock(cfg.ledger_path):
        timezone, language, problem = workbook_timezone(cfg)
        worker = Worker(cfg, timezone, language, clock, out)
        stop = threading.Event()

        def on_signal(signum, frame):      # only flags: the running job finishes, nothing new starts
            worker.stopping.set()
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        if problem is not None:
            worker.say(problem)
        worker.say(started_text(cfg, timezone))
        worker.run("sync", even_stopping=True)    # one pass right away, in this thread
        if not stop.is_set():
            scheduler = BackgroundScheduler(timezone=worker.tz, executors={"default": ThreadPoolExecutor(1)})
            worker.schedule(scheduler, worker.clock())
            scheduler.start()
            while not stop.wait(1.0):
                pass
            worker.say(Text("serve.stopping"))
            scheduler.shutdown(wait=True)         # the running job finishes
        worker.say(Text("serve.stopped"))
    return 0


def cmd_serve(args) -> int:
    from .cli import _ensure_demo
    from .config import load
    cfg = load(args.config)
    _ensure_demo(cfg, None)
    try:
        return serve(cfg)
    except WorkerBusy as e:
        print(e.text.render("zh") + "\n" + e.text.render("en"), file=sys.stderr)
        return 3


def add_parser(sub, common) -> None:
    s = common(sub.add_parser("serve", help="keep running: sync every few minutes, statements, manager digest"))
    s.set_defaults(func=cmd_serve)
