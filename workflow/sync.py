"""One pass: read → parse → decide → record in the ledger → write back.

The only module that wires the pure core to the adapters.  The ledger is
written before the sheet: if the sheet cannot be written (open in an office
program, changed meanwhile), the next pass finds the same decisions and
writes them then.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import dashboard, i18n
from .backends import open_backend
from .backends.base import WorkbookBusy, WorkbookChanged
from .book import Book, load_book, referral_rows
from .cleared import cleared_rows, cleared_writes, missing_rows
from .config import Config
from .dashboard import find_dashboard
from .decide import Context, decide_all
from .faults import checkpoint
from .findings import Finding
from .identity import assign
from .ledger import Ledger, tabs_seen_at
from .message_log import MessageLog
from .notify import apply_outcome, notify
from .passlock import PassLock
from .periodic import statement_run, statements_due
from .plan import header_guard, header_writes, kept_notes, row_guard, row_writes, shown_values, typed_over
from .statements import next_statement_day, open_period
from .vanished import gone_at, tabs_present, vanished

i18n.register({
    "sync.changed": {
        "en": "{path}: the workbook changed while this pass ran — nothing was written; the next pass writes it",
        "zh": "{path}：本次处理期间工作簿被修改 — 未写入任何内容；下一次处理时写入",
    },
})


class SyncRefused(Exception):
    """The config, workbook or rules are unusable: nothing was written or sent."""

    def __init__(self, findings: list[Finding], language: str, book=None):
        super().__init__("; ".join(f.text.render(language) for f in findings))
        self.findings = findings
        self.language = language
        self.book = book          # the workbook as read, when it was (its Staff tab finds the managers)


@dataclass
class PassResult:
    skipped: bool = False                # nothing changed since the last pass: not even read
    rows: int = 0
    statuses: Counter = field(default_factory=Counter)
    cells_written: int = 0
    changed_rows: int = 0
    new_lines: int = 0
    not_written: str | None = None       # why the sheet was not written, in the workbook's language
    warnings: list[Finding] = field(default_factory=list)
    language: str = "zh"
    settled: bool = False                # the workbook shows every decision of this pass
    horizon: dt.date | None = None       # first later day on which decisions change by themselves
    timezone: str = "Asia/Shanghai"
    notices_sent: int = 0
    notices_pending: int = 0             # notices waiting for a retry
    statements_sent: int = 0


class PassMemo:
    """Skips a pass whose inputs are all unchanged since the last one.

    A pass is a pure function of the workbook, the config, this code, the
    ledger and `today`.  When the workbook's digest, the config and the code are
    the same as at the end of the last settled pass, the ledger has not moved
    since, and `today` lies between that pass's day and the first day on which a
    decision changes by itself (a holding period ending, a milestone period
    closing), the pass would decide exactly the same and write nothing."""

    KEY = "last_settled_pass"

    def __init__(self, cfg: Config, backend, today: dt.date | None, digest: str, now: dt.datetime | None = None):
        self.cfg, self.backend, self.today, self.digest, self.now = cfg, backend, today, digest, now

    @classmethod
    def of(cls, cfg: Config, backend, today: dt.date | None, now: dt.datetime) -> "PassMemo | None":
        digest_fn = getattr(backend, "digest", None)
        digest = digest_fn() if digest_fn else None
        return cls(cfg, backend, today, digest, now) if digest else None

    def _inputs(self) -> dict:
        return {"workbook": self.digest, "config": _file_digest(self.cfg.source), "code": CODE_DIGEST}

    def unchanged(self) -> "PassResult | None":
        if not self.cfg.ledger_path.exists():
            return None
        ledger = Ledger(self.cfg.ledger_path)
        try:
            raw = ledger.meta(self.KEY)
            run_id = ledger.last_run_id()
        finally:
            ledger.close()
        if not raw:
            return None
        last = json.loads(raw)
        if last["inputs"] != self._inputs() or last["run_id"] != run_id:
            return None
        day = (self.today or local_day(self.now, last["timezone"])).isoformat()
        if day < last["today"] or (last["horizon"] and day >= last["horizon"]):
            return None
        return PassResult(skipped=True, rows=last["rows"], statuses=Counter(last["statuses"]),
                          language=last["language"], settled=True)

    def remember(self, result: "PassResult") -> None:
        self.digest = self.backend.digest()          # the workbook as this pass left it
        if not self.digest:
            return
        ledger = Ledger(self.cfg.ledger_path)
        try:
            ledger.set_meta(self.KEY, json.dumps({
                "inputs": self._inputs(), "run_id": ledger.last_run_id(), "today": self.today.isoformat(),
                "horizon": result.horizon.isoformat() if result.horizon else None, "rows": result.rows,
                "statuses": dict(result.statuses), "language": result.language, "timezone": result.timezone}))
        finally:
            ledger.close()


def _file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.exists() else ""


def _code_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


CODE_DIGEST = _code_digest()


def _content(ref) -> str:
    """The row's filled-in cells as canonical JSON, as recorded in rows_seen:
    exactly json.dumps(ref.raw, default=str, ensure_ascii=False, sort_keys=True)."""
    return "".join(_ENCODE(ref.raw, 0))


def _encoder():
    """One JSON encoder for every row of a pass: json.dumps would build two
    objects per call, which costs more than encoding a row."""
    enc = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True)
    standard = lambda obj, _level: (enc.encode(obj),)   # noqa: E731
    make = getattr(json.encoder, "c_make_encoder", None)   # CPython's accelerator, not a public API
    if make is None:
        return standard
    try:
        fast = make(None, str, json.encoder.encode_basestring, None, ": ", ", ", True, False, True)
        sample = {"b": 1.5, "a": "é", "c": dt.date(2026, 1, 2)}
        if "".join(fast(sample, 0)) == enc.encode(sample):
            return fast
    except TypeError:   # its signature changed in this Python
        pass
    return standard


_ENCODE = _encoder()


def _own_cells(row: list, id_col: int | None, ref_id: str) -> bool:
    """The row's worker cells are its own (not another referral's, left there by a
    sort of some columns only): its Ref ID cell holds its ID, or is empty."""
    cell = row[id_col - 1] if id_col and id_col <= len(row) else None
    return cell is None or cell == "" or cell == ref_id


def local_day(now: dt.datetime, timezone: str) -> dt.date:
    """Today as the workbook's people see it (Settings: timezone)."""
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def run_pass(cfg: Config, today: dt.date | None, now: dt.datetime, backend=None, statements: bool = True) -> PassResult:
    """One pass.  `today` None means the day it is now in the workbook's time zone.
    With `statements`, a pass on or after statement day also sends last month's statements."""
    backend = backend or open_backend(cfg)
    # A pass allocates a few objects per cell and frees them all at the end: the
    # cycle collector would rescan the growing heap again and again for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with PassLock(cfg.ledger_path):
            return _locked_pass(cfg, backend, today, now, statements)
    finally:
        if was_enabled:
            gc.enable()


def _locked_pass(cfg: Config, backend, today: dt.date | None, now: dt.datetime, statements: bool) -> PassResult:
    """The pass proper, under the pass lock."""
    memo = PassMemo.of(cfg, backend, today, now)
    done = memo.unchanged() if memo else None
    if done is not None:
        return done
    snap = backend.read()
    book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
    if book.errors:         # with what the ledger misses too: every reason at once
        raise SyncRefused(book.errors + gone_at(cfg.ledger_path, book.layout), book.language)
    if today is None:
        today = local_day(now, book.settings.timezone)
        if memo:
            memo.today = today
    result = apply_pass(cfg, backend, snap, book, today, now, statements)
    result.timezone = book.settings.timezone
    if memo and result.settled:
        memo.remember(result)
    return result


def apply_pass(cfg: Config, backend, snap, book: Book, today: dt.date, now: dt.datetime,
               statements: bool = True) -> PassResult:
    lang = book.language
    result = PassResult(language=lang, warnings=[f for f in book.findings if not f.is_error])
    refs, cell_ids = referral_rows(snap.tabs, book)
    ledger = Ledger(cfg.ledger_path)
    try:
        registry = ledger.registry()
        states, seen = ledger.states()
        seen_tabs = ledger.tabs_seen()
        gone = vanished(book.layout, states, seen_tabs)
        if gone:
            raise SyncRefused(gone, lang)
        if not tabs_present(book.layout) <= seen_tabs:       # remembered: their loss then stops a pass
            ledger.set_meta("tabs_seen", ",".join(sorted(seen_tabs | tabs_present(book.layout))))
        assignment = assign(refs, cell_ids, registry, {ref: content for ref, (content, _) in seen.items()})
        log = MessageLog(ledger)
        if ledger.meta("language") != lang:      # what `export` speaks, with no workbook to read
            ledger.set_meta("language", lang)
        ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, states, today,
                      period=open_period(today, log.closed_periods()), copies=frozenset(assignment.copies))
        decisions = decide_all(refs, ctx)
        tab = book.layout.tab("referrals")
        grid = snap.tabs[tab.name]
        present = {r.ref_id for r in refs}
        cleared = cleared_rows(tab, grid, {r.row for r in refs}, registry.identity_by_ref)
        result.warnings += missing_rows(states, present, dict((ref, row) for row, ref in cleared))

        rows_seen, events, lines = [], [], []
        for d in decisions:
            r = d.ref
            content = _content(r)
            if content != seen.get(r.ref_id, (None, None))[0]:
                rows_seen.append((r.ref_id, r.row, content))
            events += [(r.ref_id, kind, data) for kind, data in d.events]
            lines += d.new_lines
        result.new_lines = len(lines)
        run_id = None
        if assignment.new or rows_seen or events or lines:
            summary = {"rows": len(decisions), "new_lines": len(lines)}
            run_id = ledger.record_pass(now.isoformat(timespec="seconds"), today.isoformat(), summary,
                                        assignment.new, rows_seen, [], events, lines)
        checkpoint("after_decide")
        del rows_seen, events, lines
        # the decisions are on record: now the notices that became due go out
        notices = notify(cfg, ledger, book, decisions, states, today, now)
        result.notices_sent, result.notices_pending = notices.sent, notices.pending
        if notices.halted is not None:
            result.warnings.append(Finding(notices.halted, "warning"))
        notified_events = apply_outcome(decisions, notices)
        due = statements_due(today, book.settings.statement_day, log, ledger)
        period = due if statements else None
        # a pass that leaves due statements to the statement run must not let a later pass be skipped
        next_day = today if due and not statements else next_statement_day(today, book.settings.statement_day)
        if period:
            run = statement_run(cfg, ledger, book, decisions, today, now, period, send=True)
            result.statements_sent = len(run.delivery.sent_now)
            result.warnings += [Finding(i18n.Text("periodic.no_email", name=n, period=period), "warning") for n in run.no_email]
            result.notices_pending += len(run.delivery.problems)

        writes, cols = header_writes(tab, lang)
        guards = [header_guard(tab, grid[tab.header_row - 1])] if getattr(backend, "guards_rows", False) else None
        shown_log = []
        names = tab.names()
        id_col, p_col = cols.get("ref_id"), cols.get("problems")
        for d in decisions:
            r = d.ref
            note = assignment.notes.get(r.row)
            want = shown_values(d, lang, [note] if note else [], names)
            want["notified"] = notices.shown_at.get(r.ref_id)
            row_w = row_writes(tab.name, r.row, grid[r.row - 1], cols, want, d.clear_ticks)
            if row_w and note is None and _own_cells(grid[r.row - 1], id_col, r.ref_id):
                # text typed into the worker's columns is quoted in Problems, not dropped unseen
                last = seen.get(r.ref_id, (None, None))[1]
                row = grid[r.row - 1]
                typed = [*kept_notes(row[p_col - 1] if p_col and p_col <= len(row) else None, last, want),
                         *typed_over(row, cols, want, last, row_w)]
                if typed:
                    want = shown_values(d, lang, typed, names)
                    want["notified"] = notices.shown_at.get(r.ref_id)
                    row_w = row_writes(tab.name, r.row, row, cols, want, d.clear_ticks)
            writes += row_w
            if row_w and guards is not None:
                guards.append(row_guard(tab, r.row, grid[r.row - 1]))
            result.changed_rows += bool(row_w)
            shown = "\x1f".join(["" if v is None else str(v) for v in want.values()])
            if shown != seen.get(r.ref_id, (None, None))[1]:
                shown_log.append((r.ref_id, d.status, shown))
            result.statuses[d.status] += 1
        cleared_w, cleared_shown = cleared_writes(tab.name, cols, grid, cleared, present, states, lang)
        for w in cleared_w:
            if guards is not None and guards[-1].row != w.row:
                guards.append(row_guard(tab, w.row, grid[w.row - 1]))
        writes += cleared_w
        shown_log += [(ref, "cleared", shown) for ref, shown in cleared_shown if shown != seen.get(ref, (None, None))[1]]
        result.rows = len(decisions)
        writes += _dashboard(cfg, snap, book, decisions, result, today)
        if shown_log or notified_events:
            summary = {"rows": result.rows, "statuses": dict(result.statuses), "writes": len(writes),
                       "notices_sent": notices.sent}
            ledger.record_pass(now.isoformat(timespec="seconds"), today.isoformat(), summary, [], [], shown_log,
                               notified_events, [], run_id=run_id)
    finally:
        ledger.close()
    result.horizon = min([d for d in (ctx.horizon, next_day) if d], default=None)
    cleared = [(d.ref.row, d.ref_id) for d in decisions if d.clear_ticks]
    # the write needs only the cells and the version read: let the rows go first
    del refs, cell_ids, states, seen, decisions, grid, ctx, shown_log, present
    snap.tabs = {name: [] for name in snap.tabs}
    if writes:
        try:
            result.cells_written = backend.write(snap, writes, guards) if guards else backend.write(snap, writes)
        except (WorkbookBusy, WorkbookChanged) as e:
            result.not_written = i18n.render(e.text, lang)
        else:
            left_out = set(getattr(backend, "dropped", None) or ())   # rows moved away meanwhile: next pass
            if left_out:
                result.not_written = i18n.render(backend.dropped_text, lang)
            _confirm_cleared(cfg, now, today, [ref for row, ref in cleared if (tab.name, row) not in left_out])
            result.settled = not cleared and not left_out and not result.notices_pending
    else:
        result.settled = not result.notices_pending
    return result


def _dashboard(cfg: Config, snap, book: Book, decisions, result: PassResult, today: dt.date) -> list:
    """Writes that bring the Dashboard / 看板 tab up to date, when the workbook has one."""
    name = find_dashboard(list(snap.tabs), cfg.tab_names.get("dashboard"))
    if name is None:
        return []
    want = dashboard.content(dashboard.figures(decisions, result.notices_pending), result.warnings,
                             book.layout.tab("referrals").name, book.language)
    return dashboard.dashboard_writes(name, snap.tabs[name], want, today)


def _confirm_cleared(cfg: Config, now: dt.datetime, today: dt.date, ref_ids: list[str]) -> None:
    """The approval ticks are off the sheet now: a tick seen later is a new approval."""
    if not ref_ids:
        return
    ledger = Ledger(cfg.ledger_path)
    try:
        ledger.record_pass(now.isoformat(timespec="seconds"), today.isoformat(), {"ticks_cleared": len(ref_ids)},
                           [], [], [], [(r, "withdraw_cleared", {}) for r in ref_ids], [])
    finally:
        ledger.close()


def decide_only(cfg: Config, snap, book: Book, today: dt.date) -> tuple[list, dict]:
    """The decisions a pass would make now, recording and writing nothing: (decisions, states)."""
    from .identity import Registry
    refs, cell_ids = referral_rows(snap.tabs, book)
    registry, states, seen, closed = Registry(), {}, {}, set()
    if cfg.ledger_path.exists():
        ledger = Ledger(cfg.ledger_path)
        try:
            registry = ledger.registry()
            states, seen = ledger.states()
            closed = MessageLog(ledger).closed_periods()
        finally:
            ledger.close()
    assignment = assign(refs, cell_ids, registry, {ref: content for ref, (content, _) in seen.items()})
    ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, states, today,
                  period=open_period(today, closed), copies=frozenset(assignment.copies))
    return decide_all(refs, ctx), states


def preview(cfg: Config, snap, book: Book, today: dt.date) -> tuple[Counter, list[Finding], list[Finding]]:
    """The statuses a pass would give, without recording or writing anything (for
    `check`): (statuses, warnings, errors that would stop the pass)."""
    decisions, states = decide_only(cfg, snap, book, today)
    statuses = Counter(d.status for d in decisions)
    return statuses, missing_rows(states, {d.ref_id for d in decisions}), \
        vanished(book.layout, states, tabs_seen_at(cfg.ledger_path))
