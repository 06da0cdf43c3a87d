"""Time the decision core and the sync loop on a workbook + ledger, phase by phase.

    .venv/bin/python bench/core_timing.py BOOK.xlsx LEDGER.sqlite [--today 2026-11-20] [--digest]

Phases: parse (load_book + referral_rows), ledger (Ledger.states), assign,
decide (decide_all), loop (apply_pass's per-row loop: shown values, cell writes,
row content, shown string).  Nothing is written: the ledger is only read.
`--digest` prints a hash of everything the core and the loop produce (statuses,
texts in both languages, lines, events, cell writes, content), to check that an
optimisation changed no behaviour.  Proposal lines are hashed without their Ref ID:
they are shared between rows (decide._proposals); the lines issued carry it.
"""
from __future__ import annotations

import argparse
from dataclasses import replace
import datetime as dt
import gc
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow.backends.xlsx import XlsxBackend  # noqa: E402
from workflow.book import load_book, referral_rows  # noqa: E402
from workflow.decide import Context, decide_all  # noqa: E402
from workflow.identity import assign  # noqa: E402
from workflow.ledger import Ledger  # noqa: E402
from workflow.plan import header_writes, row_writes, shown_values  # noqa: E402
from workflow import sync  # noqa: E402


def _text(t, lang):
    return None if t is None else t.render(lang)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("book")
    ap.add_argument("ledger")
    ap.add_argument("--today", default="2026-11-20")
    ap.add_argument("--lang", default=None)
    ap.add_argument("--digest", action="store_true")
    a = ap.parse_args()
    gc.disable()
    today = dt.date.fromisoformat(a.today)
    t = time.perf_counter()
    snap = XlsxBackend(Path(a.book)).read()
    print(f"read {time.perf_counter() - t:.2f}")

    t0 = time.perf_counter()
    book = load_book(snap.tabs)
    refs, ids = referral_rows(snap.tabs, book)
    t1 = time.perf_counter()
    ledger = Ledger(Path(a.ledger))
    registry = ledger.registry()
    states, seen = ledger.states()
    t2 = time.perf_counter()
    assignment = assign(refs, ids, registry)
    t3 = time.perf_counter()
    ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, states, today)
    decisions = decide_all(refs, ctx)
    t4 = time.perf_counter()

    lang = a.lang or book.language
    tab = book.layout.tab("referrals")
    grid = snap.tabs[tab.name]
    writes, cols = header_writes(tab, lang)
    rows_seen, shown_log = [], []
    for d in decisions:
        r = d.ref
        note = assignment.notes.get(r.row)
        want = shown_values(d, lang, [note] if note else [])
        writes += row_writes(tab.name, r.row, grid[r.row - 1], cols, want, d.clear_ticks)
        last_content, last_shown = seen.get(r.ref_id, (None, None))
        content = sync._content(r)
        if content != last_content:
            rows_seen.append((r.ref_id, r.row, content))
        shown = "\x1f".join(["" if v is None else str(v) for v in want.values()])
        if shown != last_shown:
            shown_log.append((r.ref_id, d.status, shown))
    t5 = time.perf_counter()
    print(f"parse {t1 - t0:.2f} ledger {t2 - t1:.2f} assign {t3 - t2:.2f} decide {t4 - t3:.2f} "
          f"loop {t5 - t4:.2f} | core (no ledger) {t4 - t0 - (t2 - t1):.2f}")
    print(f"rows {len(decisions)} writes {len(writes)} rows_seen {len(rows_seen)} shown_log {len(shown_log)}")

    if a.digest:
        h = hashlib.sha256()

        def put(*xs):
            h.update(repr(xs).encode())

        put(sorted(assignment.new), sorted((k, _text(v, "en")) for k, v in assignment.notes.items()))
        put(ctx.horizon)
        for d in decisions:
            put(d.ref_id, d.status, d.gate, d.milestone_ok, d.clear_ticks,
                [(_text(p, "en"), _text(p, "zh")) for p in d.problems], _text(d.detail, "en"), _text(d.detail, "zh"),
                [repr(replace(ln, ref_id="")) for ln in d.proposed], [repr(ln) for ln in d.new_lines],
                [(k, sorted(v.items(), key=str) if isinstance(v, dict) else v) for k, v in d.events])
        for w in writes:
            put(w.tab, w.row, w.col, w.value.__class__.__name__, w.value)
        put(rows_seen, shown_log)
        print("digest", h.hexdigest())


if __name__ == "__main__":
    main()
