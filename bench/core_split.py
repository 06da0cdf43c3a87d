"""How much could the second core take of the decision core?  An upper bound.

    .venv/bin/python bench/core_split.py bench/out/work_100000/s2_steady [--repeat 3]

Times the per-row part of the core (parse the Referrals rows, then the first
pass of deciding: problems, eligibility, rules) in one process, and then
split in two halves over two processes (fork: the child gets the rows for
free), side by side.  Nothing comes back from the child, so the split figure
is what no real split can beat: a real one must also bring the child's
referrals and decisions back (pickling 50 000 of them costs more than the
split saves), and the cross-row steps (Ref IDs, earliest registrations,
monthly caps, milestones) stay in one process.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflow.backends.xlsx import XlsxBackend  # noqa: E402
from workflow.book import load_book  # noqa: E402
from workflow.config import load  # noqa: E402
from workflow.decide import Context, earliest_registrations, first_pass  # noqa: E402
from workflow.eligibility import EligibilityContext  # noqa: E402
from workflow.ledger import Ledger  # noqa: E402
from workflow.referral_rows import parse_rows  # noqa: E402

TODAY = dt.date(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path, help="a bench state folder with config.toml (and ledger)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    cfg = load(a.dir / "config.toml")
    snap = XlsxBackend(cfg.workbook_path).read()
    states = {}
    if cfg.ledger_path.exists():
        ledger = Ledger(cfg.ledger_path)
        states, _ = ledger.states()
        ledger.close()
    book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
    tab = book.layout.tab("referrals")
    body = snap.tabs[tab.name][tab.header_row:]
    first_row = tab.header_row + 1

    def per_row(rows: list, start: int) -> None:
        refs, _ = parse_rows(rows, start, tab)      # with the programme and category as rules match them
        ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, states, TODAY)
        ectx = EligibilityContext.build(ctx.settings, ctx.staff, ctx.customers, earliest_registrations(refs))
        for r in refs:
            first_pass(r, ctx, ectx)

    gc.disable()
    half = len(body) // 2
    one = two = float("inf")
    for _ in range(a.repeat):
        t = time.perf_counter()
        per_row(body, first_row)
        one = min(one, time.perf_counter() - t)
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            per_row(body[half:], first_row + half)
            os._exit(0)
        per_row(body[:half], first_row)
        os.waitpid(pid, 0)
        two = min(two, time.perf_counter() - t)
    print(f"{len(body)} rows, parse + first pass, best of {a.repeat}: one process {one:.2f} s, "
          f"two processes (nothing brought back) {two:.2f} s = {one / two:.2f}× faster at most")


if __name__ == "__main__":
    main()
