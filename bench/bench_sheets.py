#!/usr/bin/env python3
"""Benchmark the Google Sheets backend on the local stand-in: requests per pass and wall
time for 10, 1 000 and 100 000 referral rows, side by side with the naive approach
(gspread's `Worksheet.update_cell` once per changed cell) for the same changes.

Not part of the test suite.  Uses the test stand-in (tests/sheets_standin.py), the real
gspread + google-auth over HTTP on 127.0.0.1.

    .venv/bin/python bench/bench_sheets.py                      # 10, 1 000 and 100 000 rows
    .venv/bin/python bench/bench_sheets.py --sizes 10,1000      # quicker
    .venv/bin/python bench/bench_sheets.py --sample 500         # naive calls timed per size

Per size, three passes of `run_pass` (as the CLI runs it):
  first   — fresh sheet, no sheet list cached: every row gets its Ref ID, status, reward;
  steady  — nothing changed;
  changed — 1 % of rows ticked Approved (at least one), typed into the stand-in untimed.
The naive column writes exactly the cells our pass wrote, one `update_cell` (one write
request) each; with more cells than --sample, `sample` calls are timed and the rest
extrapolated (marked ~).  Google's quota is 60 write requests per minute per user, so
the naive approach needs cells / 60 minutes of quota where a pass needs one request.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sheets_standin import SheetsStandin, make_service_account_key   # noqa: E402
from workflow.backends.gsheets import GSheetsBackend                 # noqa: E402
from workflow.config import load                                      # noqa: E402
from workflow.sync import run_pass                                    # noqa: E402

TODAY = dt.date(2026, 11, 20)
HEADER = ["Submitted at", "Referrer", "Referrer phone", "Referrer type", "New customer", "New customer phone",
          "Relationship", "Category", "Deal amount", "Deal date", "Paid in full", "Signer", "Approved", "Paid"]
RULES = [["Recipient", "Category", "Rate %", "Fixed", "Round to", "Reward type", "Item"],
         ["referrer", "", "0.2", "", "100", "cash", ""],
         ["new customer", "", "", "1000", "", "discount", ""],
         ["signer", "", "", "200", "", "cash", ""]]
READS = ("metadata", "batch_get", "values_get")
WRITES = ("values_batch_update", "batch_update", "values_update", "values_append")
QUOTA = 60   # write requests per minute per user (Google Sheets API default)


def referral_rows(n: int, rng: random.Random) -> list[list]:
    rows = []
    for i in range(n):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randrange(60))
        deal = rng.random() < 0.7
        rows.append([day.isoformat(), f"Referrer {i % 997}", f"138{i % 997:08d}", "customer", f"Customer {i}",
                     f"139{i:08d}", "friend", "residential",
                     rng.randrange(500_000, 5_000_000) if deal else None,
                     (day + dt.timedelta(days=10)).isoformat() if deal else None,
                     True if deal else None, "Li", None, None])
    return rows


def config(folder: Path, sheet_id: str, key: Path, url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(f'[workbook]\nbackend = "gsheets"\nspreadsheet = "{sheet_id}"\ncredentials = "{key}"\n'
                    f'api_endpoint = "{url}"\n[ledger]\npath = "ledger.sqlite"\n[mail]\noutbox = "outbox"\n',
                    encoding="utf-8")
    return path


def timed_pass(s: SheetsStandin, cfg_path: Path) -> dict:
    cfg = load(cfg_path)
    s.reset_requests()
    t0 = time.perf_counter()
    result = run_pass(cfg, TODAY, dt.datetime.combine(TODAY, dt.time(9)), backend=GSheetsBackend.from_config(cfg))
    wall = time.perf_counter() - t0
    written = []
    for r in s.of_kind("values_batch_update", "batch_update"):
        body = r.body or {}
        for item in body.get("data", []):
            written.append(item)
        for req in body.get("requests", []):
            if "updateCells" in req:
                written.append(req["updateCells"])
    return {"wall": wall, "reads": s.count(*READS), "writes": s.count(*WRITES), "cells": result.cells_written,
            "ranges": written, "not_written": result.not_written}


def naive(s: SheetsStandin, key: Path, sheet_id: str, cells: list[tuple[int, int, object]], sample: int) -> dict:
    """The same cells, one Worksheet.update_cell each (gspread's documented per-cell write)."""
    gc = s.client(key)
    ws = gc.open_by_key(sheet_id).worksheet("Referrals")
    todo = cells[:sample]
    t0 = time.perf_counter()
    for r, c, v in todo:
        ws.update_cell(r, c, v)
    spent = time.perf_counter() - t0
    per = spent / len(todo) if todo else 0.0
    return {"requests": len(cells), "wall": per * len(cells), "estimated": len(cells) > len(todo)}


def cells_of(ranges: list[dict]) -> list[tuple[int, int, object]]:
    """(row, col, value) of every cell a pass wrote, from the request bodies the stand-in logged."""
    from workflow.backends.gsheets_write import col_letters   # noqa: F401  (same A1 scheme)
    import re
    out = []
    for item in ranges:
        if "range" in item:       # values:batchUpdate: 'Tab'!F2:H2
            m = re.search(r"!([A-Z]+)(\d+)", item["range"])
            col = 0
            for ch in m.group(1):
                col = col * 26 + ord(ch) - 64
            row = int(m.group(2))
            for j, v in enumerate(item["values"][0]):
                out.append((row, col + j, v))
        else:                     # updateCells from a grid-growing first pass
            start = item["start"]
            for j, cell in enumerate(item["rows"][0]["values"]):
                v = next(iter((cell.get("userEnteredValue") or {"x": ""}).values()))
                out.append((start["rowIndex"] + 1, start["columnIndex"] + 1 + j, v))
    return out


def run_size(s: SheetsStandin, key: Path, n: int, sample: int, rng: random.Random) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench_sheets_{n}_"))
    sheet_id = s.add_spreadsheet({"Referrals": [HEADER] + referral_rows(n, rng), "Rules": RULES,
                                  "Settings": [["Key", "Value"], ["language", "en"],
                                               ["register_by_first_visit", "no"]],
                                  "Staff": [["Name", "Email", "Role", "Active"], ["Li", "li@example.com", "sales", "yes"]]},
                                 value_input="RAW", rows=n + 10)
    cfg = config(folder, sheet_id, key, s.url)
    out = []
    first = timed_pass(s, cfg)
    out.append(("first", first))
    out.append(("steady", timed_pass(s, cfg)))
    grid = s.grid(sheet_id, "Referrals")
    col = grid[0].index("Approved") + 1
    status = grid[0].index("Status")
    waiting = [i + 1 for i, row in enumerate(grid) if i and len(row) > status and row[status] == "Awaiting approval"]
    for r in rng.sample(waiting, max(1, min(len(waiting), n // 100))) if waiting else []:
        s.set_cell(sheet_id, "Referrals", r, col, True)
    out.append(("changed", timed_pass(s, cfg)))
    rows = []
    for name, p in out:
        cells = cells_of(p["ranges"])
        nv = naive(s, key, sheet_id, cells, sample) if cells else {"requests": 0, "wall": 0.0, "estimated": False}
        rows.append({"rows": n, "pass": name, **{k: p[k] for k in ("wall", "reads", "writes", "cells")},
                     "naive_requests": nv["requests"], "naive_wall": nv["wall"], "estimated": nv["estimated"]})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,1000,100000")
    ap.add_argument("--sample", type=int, default=300, help="naive update_cell calls timed per pass at most")
    args = ap.parse_args()
    rng = random.Random(20261120)
    table = []
    with tempfile.TemporaryDirectory() as tmp, SheetsStandin() as s:
        key = make_service_account_key(Path(tmp) / "key.json", s.token_uri)
        for n in (int(x) for x in args.sizes.split(",")):
            table += run_size(s, key, n, args.sample, rng)
            print(f"... {n} rows done", file=sys.stderr)
    print(f"{'rows':>7} {'pass':<8} {'reads':>5} {'writes':>6} {'cells':>8} {'wall s':>8} | "
          f"{'naive writes':>12} {'naive wall s':>13} {'quota min':>10} {'ratio':>9}")
    for r in table:
        ratio = r["naive_requests"] / r["writes"] if r["writes"] else float("nan")
        mark = "~" if r["estimated"] else " "
        print(f"{r['rows']:>7} {r['pass']:<8} {r['reads']:>5} {r['writes']:>6} {r['cells']:>8} {r['wall']:>8.2f} | "
              f"{r['naive_requests']:>12} {mark}{r['naive_wall']:>12.2f} {r['naive_requests'] / QUOTA:>10.1f} "
              f"{'' if r['writes'] == 0 else f'{ratio:>8.0f}x'}")
    print(f"\nquota min = minutes of Google's {QUOTA} write requests/minute/user quota the naive approach uses up "
          f"for the same cells; a pass here uses at most 1 write request, whatever the row count.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
