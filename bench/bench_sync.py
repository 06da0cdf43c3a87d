#!/usr/bin/env python3
"""Benchmark a sync pass on a big Referrals workbook, side by side with openpyxl.

Not part of the test suite.  Standard library + the project's own dependencies.

    .venv/bin/python bench/bench_sync.py                 # 100 000 rows
    .venv/bin/python bench/bench_sync.py --quick         # 10 000 rows, smoke run
    .venv/bin/python bench/bench_sync.py --profile       # + cProfile hotspots

What it does (every timed step runs in a fresh subprocess, so peak RSS is per step):
  1. generates a realistic Referrals workbook (cached in bench/out/, keyed by row count);
  2. times openpyxl load_workbook + save of it (the baseline), python-calamine's raw read
     and the backend read;
  3. times the decision core (Snapshot in memory -> decisions) and whole passes
     (run_pass, as the CLI runs it): first sync, nothing changed, 1 % of rows changed;
  4. prints a table with ratios against the baseline and PASS/FAIL against the targets,
     a phase breakdown of each pass and, with --profile, the cProfile hotspots.

Workbook states live in bench/out/work_<rows>/ (s0_fresh, s1_synced, s2_steady,
s3_changed, s4_after) so a pass can be rerun by hand:
    .venv/bin/python run.py sync --config bench/out/work_100000/s2_steady/config.toml --today 2026-11-20
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# A child runs on the frozen copy of workflow/ the parent took at start (--code), so a
# run never mixes two versions of the code while others edit it.
if "--code" in sys.argv:
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])
else:
    sys.path.insert(0, str(ROOT))

GEN_VERSION = 1            # bump when the generated workbook changes (invalidates the cache)
SEED = 20261120
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(TODAY, dt.time(9, 0))
MARK = "@@BENCH@@ "        # prefix of the one JSON line a child prints
GiB = 1 << 30
MiB = 1 << 20

CONFIG = """[workbook]
backend = "xlsx"
path = "book.xlsx"
[mail]
backend = "outbox"
outbox = "outbox"
[ledger]
path = "ledger.sqlite"
"""

# The English headers of tests/conftest.py REF_HEADER (copied: conftest needs pytest).
REF_HEADER = ["Submitted at", "Referrer", "Referrer phone", "Referrer email", "Referrer type", "New customer",
              "New customer phone", "Relationship", "First visit", "Program", "Category", "Deal amount",
              "Deal date", "Paid in full", "Cancelled", "Signer", "Lead", "Assistant", "Approved", "GM approved",
              "Rejected", "Paid"]
# 25 columns: Notes plus two columns the worker does not know ("Channel", "Follow-up by").
HEADER = REF_HEADER[:10] + ["Channel"] + REF_HEADER[10:18] + ["Notes"] + REF_HEADER[18:] + ["Follow-up by"]
C = {h: i for i, h in enumerate(HEADER)}


# ============================================================================ workbook

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
            "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文辉宇浩然子轩梓涵一诺欣怡晨雨佳琪俊凯"
PROGRAMS = ("2026 老带新", "2026 老带新", "2026 老带新", "秋季推荐")
CHANNELS = ("门店", "线上", "电话", "展会", "老带新群")
RELATIONS = ("朋友", "同事", "邻居", "亲戚", "同学")
NOTES = ("客户要求下月签约", "已电话回访", "VIP 客户", "推荐人为老业主", "需核实关系", "客户在外地，远程签约")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _fmt_datetime(rng, t: dt.datetime):
    p = rng.random()
    if p < 0.40:
        return t                                  # a real date-time cell
    if p < 0.55:
        return t.date()                           # a real date cell
    if p < 0.80:
        return t.strftime("%Y-%m-%d %H:%M")      # text
    if p < 0.90:
        return f"{t.year}/{t.month}/{t.day}"
    return f"{t.year}年{t.month}月{t.day}日"


def _fmt_date(rng, d: dt.date):
    p = rng.random()
    if p < 0.50:
        return d
    if p < 0.80:
        return d.isoformat()
    if p < 0.90:
        return f"{d.year}/{d.month}/{d.day}"
    return f"{d.year}年{d.month}月{d.day}日"


def _fmt_phone(rng, digits: str):
    p = rng.random()
    if p < 0.70:
        return digits
    if p < 0.80:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if p < 0.90:
        return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return int(digits)                           # typed as a number


def _fmt_amount(rng, a: int):
    p = rng.random()
    if p < 0.35:
        return a                                  # 30000
    if p < 0.45:
        return float(a)
    if p < 0.65:
        return f"¥{a:,.2f}"                       # ¥30,000.00
    if p < 0.85:
        return f"{a / 10000:g}万"                 # 3万, 123.4万
    if p < 0.92:
        return f"{a:,}"
    return f"{a / 10000:g}万元"


def _fmt_tick(rng, on: bool):
    if not on:
        return False if rng.random() < 0.4 else None
    p = rng.random()
    return True if p < 0.75 else "是" if p < 0.85 else "✓" if p < 0.95 else "Y"


def _staff(rng):
    roles = ["销售顾问"] * 20 + ["经理"] * 8 + ["助理"] * 8 + ["财务"] * 4
    seen, staff = set(), []
    for i, role in enumerate(roles):
        name = _name(rng)
        while name in seen:
            name = _name(rng)
        seen.add(name)
        staff.append({"name": name, "email": f"staff{i:03d}@example.com", "role": role,
                      "active": "否" if i in (5, 17, 30) else "是", "id": f"E{1000 + i}",
                      "phone": f"135{i:08d}"})
    return staff


def _tabs(rng, n: int):
    """Every tab as a list of rows (the Referrals rows are yielded lazily)."""
    staff = _staff(rng)
    signers = [s["name"] for s in staff if s["role"] == "销售顾问"]
    leads = [s["name"] for s in staff if s["role"] == "经理"]
    assistants = [s["name"] for s in staff if s["role"] == "助理"]
    customers = [[_name(rng), f"137{j:08d}", None, dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2000))]
                 for j in range(3000)]

    rules = [
        ["Recipient", "Program", "Referrer type", "Category", "Min amount", "Max amount", "Rate %", "Fixed", "Cap",
         "Round to", "Reward type", "Item", "Group", "From", "To"],
        ["referrer", None, None, "住宅", None, "100万", 0.3, None, 3000, 1, "cash", None, None, None, None],
        ["referrer", None, None, "住宅", "100万", None, "0.25%", None, "8,000", 1, "cash", None, None, None, None],
        ["referrer", None, None, "商业", None, None, 0.2, None, "1万", 10, "现金", None, None, None, None],
        ["referrer", None, None, "车位", None, None, None, 500, None, None, "cash", None, None, None, None],
        ["referrer", "秋季推荐", None, None, None, None, None, 200, None, None, "voucher", "购物卡", "活动礼",
         dt.date(2026, 9, 1), dt.date(2026, 11, 30)],
        ["referrer", None, "employee", None, None, None, None, 300, None, None, "cash", None, "员工奖", None, None],
        ["new customer", None, None, "住宅, 商业", None, None, None, 1000, None, None, "discount", None, None,
         None, None],
        ["new customer", None, None, "车位", None, None, None, None, None, None, "gift", "物业费一年", None, None, None],
        ["signer", None, None, None, None, None, 0.05, None, 1000, 1, "cash", None, "提成", None, None],
        ["lead", None, None, None, "50万", None, None, 200, None, None, "cash", None, "提成", None, None],
        ["assistant", None, None, None, None, None, None, 100, None, None, "cash", None, "提成", None, None],
    ]
    settings = [["Key", "Value"], ["language", "en"], ["currency", "CNY"], ["timezone", "Asia/Shanghai"],
                ["campaign_start", dt.date(2026, 1, 1)], ["campaign_end", "2026-12-31"],
                ["register_by_first_visit", "yes"], ["new_customer_must_be_new", "yes"],
                ["payout_requires_paid_in_full", "yes"], ["holding_days", 7],
                ["holidays", "2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07"],
                ["workdays", "2026-09-27, 2026-10-10"], ["second_approval_over", "5000"],
                ["monthly_cap_count", 4], ["monthly_cap_amount", "2万"], ["deal_within_days", 120],
                ["excluded_relationships", "夫妻, 配偶, 父母, 子女"], ["statement_day", 5]]
    staff_tab = [["Name", "Email", "Role", "Active", "Employee ID"]] + [
        [s["name"], s["email"], s["role"], s["active"], s["id"]] for s in staff]
    milestones = [["Recipient", "Program", "Count", "Period", "Mode", "Reward type", "Amount", "Item"],
                  ["referrer", None, 3, "month", "each", "cash", 500, None],
                  ["referrer", None, 5, "quarter", "each", "cash", "1000", None],
                  ["referrer", None, 10, "year", "highest", "gift", None, "iPad"]]
    customers_tab = [["Name", "Phone", "Email", "Since"]] + customers
    return {"Referrals": _referral_rows(rng, n, staff, signers, leads, assistants, customers),
            "Rules": rules, "Settings": settings, "Milestones": milestones, "Staff": staff_tab,
            "Customers": customers_tab}


def _referral_rows(rng, n, staff, signers, leads, assistants, customers):
    yield HEADER
    n_ref = max(100, n // 4)
    referrers = [(_name(rng), f"138{k:08d}", f"ref{k}@example.com" if rng.random() < 0.2 else None)
                 for k in range(n_ref)]
    start = dt.date(2026, 1, 5)
    span = (TODAY - dt.timedelta(days=2) - start).days
    days = sorted(rng.randrange(span) for _ in range(n))
    recent: list[tuple[str, str]] = []
    W = len(HEADER)
    made = 0
    for i in range(n):
        day = start + dt.timedelta(days=days[i])
        sub = dt.datetime.combine(day, dt.time(rng.randint(9, 20), rng.randrange(60)))
        row = [None] * W
        # who refers: mostly customers (skewed: a few referrers bring many)
        kind = rng.random()
        if kind < 0.05:
            s = rng.choice(staff)
            name, phone, email, rtype = s["name"], s["phone"], s["email"], "员工"
        else:
            name, phone, email = referrers[int(n_ref * rng.random() ** 2)]
            rtype = "全民经纪人" if kind < 0.10 else "老客户" if kind < 0.20 else "customer" if kind < 0.22 else None
        row[C["Submitted at"]] = _fmt_datetime(rng, sub)
        row[C["Referrer"]] = name
        row[C["Referrer phone"]] = _fmt_phone(rng, phone)
        row[C["Referrer email"]] = email
        row[C["Referrer type"]] = rtype
        # the new customer: new, a duplicate of a recent one, already a customer, or the referrer
        p = rng.random()
        if p < 0.02 and recent:
            cname, cphone = rng.choice(recent[-2000:])
        elif p < 0.03:
            cname, cphone, *_ = rng.choice(customers)
        elif p < 0.032:
            cname, cphone = name, phone
        else:
            cname, cphone = _name(rng), f"139{i:08d}"
        recent.append((cname, cphone))
        row[C["New customer"]] = cname
        row[C["New customer phone"]] = _fmt_phone(rng, cphone)
        r = rng.random()
        row[C["Relationship"]] = None if r < 0.2 else "夫妻" if r < 0.21 else rng.choice(RELATIONS)
        if rng.random() < 0.85:
            visit = day + dt.timedelta(days=rng.randint(-5, -1) if rng.random() < 0.03 else rng.randint(0, 14))
            row[C["First visit"]] = _fmt_date(rng, min(visit, TODAY))
        row[C["Program"]] = rng.choice(PROGRAMS)
        row[C["Channel"]] = rng.choice(CHANNELS)
        c = rng.random()
        category = "住宅" if c < 0.60 else "商业" if c < 0.80 else "车位" if c < 0.95 else None
        row[C["Category"]] = category
        age = (TODAY - day).days
        if rng.random() < (0.75 if age > 45 else 0.45 if age > 14 else 0.15):
            deal = min(day + dt.timedelta(days=rng.randint(3, 80)), TODAY - dt.timedelta(days=rng.randint(1, 3)))
            deal = max(deal, day)
            lo, hi = {"住宅": (80, 300), "商业": (100, 500), "车位": (8, 25), None: (50, 200)}[category]
            amount = rng.randint(lo * 10, hi * 10) * 1000
            row[C["Deal amount"]] = _fmt_amount(rng, amount)
            if rng.random() > 0.02:
                row[C["Deal date"]] = _fmt_date(rng, deal)
            paid_full = rng.random() < (0.85 if (TODAY - deal).days > 20 else 0.5)
            row[C["Paid in full"]] = _fmt_tick(rng, paid_full)
            row[C["Cancelled"]] = True if rng.random() < 0.02 else None
            row[C["Signer"]] = rng.choice(signers) if rng.random() < 0.8 else None
            row[C["Lead"]] = rng.choice(leads) if rng.random() < 0.6 else None
            row[C["Assistant"]] = rng.choice(assistants) if rng.random() < 0.3 else None
            if paid_full and (TODAY - deal).days > 12:
                approved = rng.random() < 0.55
                row[C["Approved"]] = _fmt_tick(rng, approved)
                row[C["GM approved"]] = True if approved and amount > 2_000_000 and rng.random() < 0.6 else None
                row[C["Rejected"]] = True if not approved and rng.random() < 0.015 else None
                row[C["Paid"]] = True if approved and rng.random() < 0.35 else None
        if rng.random() < 0.05:
            row[C["Notes"]] = rng.choice(NOTES)
        if rng.random() < 0.5:
            row[C["Follow-up by"]] = rng.choice(signers)
        if rng.random() < 0.03:  # a row with a problem
            _spoil(rng, row)
        yield row
        made += 1
        if rng.random() < 0.001 and made < n:  # the same row pasted twice
            yield list(row)
            made += 1
            recent.append((cname, cphone))
        if made >= n:
            break


def _spoil(rng, row):
    what = rng.randrange(10)
    if what == 0:
        row[C["Referrer phone"]] = "138-00x1-2345"
    elif what == 1:
        row[C["Submitted at"]] = "2026-02-30"
    elif what == 2:
        row[C["Submitted at"]] = "03/04/2026"
    elif what == 3:
        row[C["Deal amount"]] = "三万"
    elif what == 4:
        row[C["Deal amount"]] = "-5000"
    elif what == 5:
        row[C["New customer phone"]] = None
    elif what == 6:
        row[C["Referrer"]] = row[C["Referrer phone"]] = row[C["Referrer email"]] = None
    elif what == 7:
        row[C["Signer"]] = "不存在的人"
    elif what == 8:
        row[C["First visit"]] = "下周"
    else:
        row[C["Deal date"]] = "2026-13-01"


def book_path(rows: int) -> Path:
    return OUT / f"referrals_{rows}_v{GEN_VERSION}.xlsx"


def ensure_book(rows: int, regenerate: bool = False) -> tuple[Path, float | None]:
    """The cached workbook for `rows`, generated (openpyxl write_only) when missing."""
    path = book_path(rows)
    if path.exists() and not regenerate:
        return path, None
    import openpyxl
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    wb = openpyxl.Workbook(write_only=True)
    for name, rows_iter in _tabs(random.Random(SEED), rows).items():
        ws = wb.create_sheet(name)
        for r in rows_iter:
            ws.append(r)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, path)
    return path, time.perf_counter() - t0


# ============================================================================ children

def _maxrss() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


class GcTimer:
    """Total time spent in the cyclic garbage collector (gc.callbacks)."""

    def __init__(self):
        self.total, self.count, self._t = 0.0, 0, 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._t
            self.count += 1

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def _rss_now() -> int | None:
    """Current resident set size (Linux /proc), else None."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


class Phases:
    """Time chosen functions by wrapping them where they are looked up (no project edits);
    also the RSS after each one and the peak RSS reached by then."""

    def __init__(self):
        self.t: dict[str, float] = {}
        self.mem: dict[str, tuple] = {}
        self.n: dict[str, int] = {}

    def wrap(self, owner, attr: str, label: str) -> None:
        fn = getattr(owner, attr, None)
        if fn is None:
            return
        t = self.t

        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                t[label] = t.get(label, 0.0) + time.perf_counter() - t0
                self.mem[label] = (_rss_now(), _maxrss())
                self.n[label] = self.n.get(label, 0) + 1

        setattr(owner, attr, timed)


def _profiled(fn, prof_out: str | None):
    if not prof_out:
        return fn()
    import cProfile
    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        prof.dump_stats(prof_out)


def child_openpyxl(d: Path, out: dict) -> None:
    import openpyxl
    src = d / "book.xlsx"
    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(src)            # read_only=False, as staff tools open it
    t1 = time.perf_counter()
    saved = d.parent / f"openpyxl_saved_{d.name}.xlsx"
    wb.save(saved)
    t2 = time.perf_counter()
    out.update(load=t1 - t0, save=t2 - t1)
    saved.unlink()


def child_calamine(d: Path, out: dict) -> None:
    from python_calamine import CalamineWorkbook
    src = d / "book.xlsx"
    t0 = time.perf_counter()
    with CalamineWorkbook.from_path(str(src)) as wb:
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    t1 = time.perf_counter()
    out["raw"] = t1 - t0
    from workflow.backends.xlsx import XlsxBackend
    t0 = time.perf_counter()
    XlsxBackend(src).read()
    out["backend_read"] = time.perf_counter() - t0


def child_core(d: Path, out: dict, prof_out: str | None) -> None:
    """Snapshot in memory → decisions: load_book + referral_rows + assign + decide_all."""
    from workflow.backends.xlsx import XlsxBackend
    from workflow.book import load_book, referral_rows
    from workflow.config import load
    from workflow.decide import Context, decide_all
    from workflow.identity import Registry, assign
    from workflow.ledger import Ledger

    cfg = load(d / "config.toml")
    snap = XlsxBackend(cfg.workbook_path).read()
    if cfg.ledger_path.exists():
        ledger = Ledger(cfg.ledger_path)
        registry = ledger.registry()
        states, _seen = ledger.states()
        ledger.close()
    else:
        registry, states = Registry(), {}
    ph: dict[str, float] = {}

    def core():
        t0 = time.perf_counter()
        book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
        t1 = time.perf_counter()
        refs, ids = referral_rows(snap.tabs, book)
        t2 = time.perf_counter()
        assign(refs, ids, registry)
        t3 = time.perf_counter()
        ctx = Context(book.settings, book.rules, book.milestones, book.staff, book.customers, states, TODAY)
        decisions = decide_all(refs, ctx)
        t4 = time.perf_counter()
        ph.update({"load_book": t1 - t0, "referral_rows": t2 - t1, "assign": t3 - t2, "decide_all": t4 - t3})
        return decisions

    # measured as run_pass runs it: with the cycle collector off for the pass
    gc.disable()
    with GcTimer() as g:
        t0 = time.perf_counter()
        decisions = _profiled(core, prof_out)
        out["seconds"] = time.perf_counter() - t0
    gc.enable()
    out["phases"] = ph
    out["gc"] = [g.total, g.count]
    out["rows"] = len(decisions)
    out["ledger_states"] = len(states)


def child_sync(d: Path, out: dict, prof_out: str | None) -> None:
    """One whole pass as the CLI runs it: run_pass(load(config), today, now)."""
    import workflow.backends.xlsx as xb
    import workflow.sync as sync
    from workflow.config import load
    from workflow.ledger import Ledger

    ph = Phases()
    if not prof_out:  # coarse wrappers only: a handful of calls per pass, negligible overhead
        ph.wrap(xb.XlsxBackend, "read", "backend.read")
        ph.wrap(xb, "_errors_as_text", "  ↳ error-cell scan (zip inflate)")
        ph.wrap(xb, "_grid", "  ↳ calamine→python grid (_grid)")
        for name in ("load_book", "referral_rows", "assign", "decide_all"):
            ph.wrap(sync, name, name)
        ph.wrap(Ledger, "__init__", "ledger open")
        ph.wrap(Ledger, "registry", "ledger.registry")
        ph.wrap(Ledger, "states", "ledger.states")
        ph.wrap(Ledger, "record_pass", "ledger.record_pass")
        ph.wrap(xb.XlsxBackend, "write", "backend.write (zip patch)")
        ph.wrap(xb, "patch_sheet", "  ↳ patch_sheet (XML regex patch)")
    with GcTimer() as g:
        t0 = time.perf_counter()
        result = _profiled(lambda: sync.run_pass(load(d / "config.toml"), TODAY, NOW), prof_out)
        out["seconds"] = time.perf_counter() - t0
    out["phases"] = ph.t
    out["mem"] = ph.mem
    out["calls"] = ph.n
    out["gc"] = [g.total, g.count]
    out["rows"] = result.rows
    out["cells_written"] = result.cells_written
    out["changed_rows"] = result.changed_rows
    out["new_lines"] = result.new_lines
    out["not_written"] = result.not_written
    out["statuses"] = dict(result.statuses.most_common())
    out["warnings"] = len(result.warnings)


def child_mutate(d: Path, out: dict, share: float) -> None:
    """Change `share` of the rows with the project's own XlsxBackend.write:
    half get a new deal amount, half get their Approved box ticked (rows awaiting approval)."""
    from decimal import Decimal

    from workflow.backends.base import CellWrite
    from workflow.backends.xlsx import XlsxBackend
    from workflow.book import load_book
    from workflow.cells import CellError, parse_amount
    from workflow.config import load

    cfg = load(d / "config.toml")
    backend = XlsxBackend(cfg.workbook_path)
    snap = backend.read()
    book = load_book(snap.tabs, cfg.tab_names, cfg.aliases)
    tab = book.layout.tab("referrals")
    grid = snap.tabs[tab.name]
    cols = tab.cols
    a_col, ap_col, st_col = cols["amount"], cols["approved"], cols.get("status")

    def cell(row, col):
        return row[col - 1] if col and col <= len(row) else None

    with_amount, awaiting = [], []
    for r in range(tab.header_row, len(grid)):
        row = grid[r]
        try:
            amount = parse_amount(cell(row, a_col))
        except CellError:
            amount = None
        if amount:
            with_amount.append((r + 1, amount))
        status = cell(row, st_col)
        if isinstance(status, str) and status.startswith("Awaiting approval") and not cell(row, ap_col):
            awaiting.append(r + 1)
    rng = random.Random(SEED + 1)
    want = max(1, round((len(grid) - tab.header_row) * share))
    ticks = rng.sample(awaiting, min(len(awaiting), want // 2))
    amounts = rng.sample(with_amount, min(len(with_amount), want - len(ticks)))
    writes = [CellWrite(tab.name, row, ap_col, True) for row in ticks]
    for row, amount in amounts:
        new = (amount * Decimal("1.05")).quantize(Decimal(1))
        writes.append(CellWrite(tab.name, row, a_col, new if rng.random() < 0.5 else f"¥{new:,.2f}"))
    t0 = time.perf_counter()
    out["cells"] = backend.write(snap, writes)
    out["seconds"] = time.perf_counter() - t0
    out["ticked"], out["amounts"] = len(ticks), len(amounts)


def code_hash(folder: Path) -> str:
    import hashlib
    h = hashlib.sha1()
    for f in sorted(folder.rglob("*.py")):
        h.update(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def child_main(args) -> None:
    d = Path(args.dir)
    import workflow
    out: dict = {"code": code_hash(Path(workflow.__file__).parent), "code_dir": str(Path(workflow.__file__).parent)}
    if args.child == "openpyxl":
        child_openpyxl(d, out)
    elif args.child == "calamine":
        child_calamine(d, out)
    elif args.child == "core":
        child_core(d, out, args.profile_out)
    elif args.child == "sync":
        child_sync(d, out, args.profile_out)
    elif args.child == "mutate":
        child_mutate(d, out, args.share)
    out["maxrss"] = _maxrss()
    print(MARK + json.dumps(out, default=str), flush=True)


# ============================================================================ parent

CODE_DIR: Path | None = None     # the frozen copy's parent folder (set by main)


def run_child(mode: str, d: Path, *extra: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--dir", str(d), *extra]
    if CODE_DIR is not None:
        cmd += ["--code", str(CODE_DIR)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(MARK)), None)
    if proc.returncode != 0 or line is None:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise SystemExit(f"bench child {mode!r} on {d} failed (exit {proc.returncode})")
    res = json.loads(line[len(MARK):])
    res["wall"] = wall
    CODE_SEEN.add(res.get("code"))
    return res


CODE_SEEN: set = set()


def copy_state(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def best(mode: str, src: Path, dst: Path | None, repeat: int, key: str = "seconds", extra=()) -> dict:
    """Run a child `repeat` times (each on a fresh copy of `src` when it changes state); keep the fastest.
    The last run's folder is left in `dst`."""
    runs = []
    for _ in range(repeat):
        d = copy_state(src, dst) if dst else src
        runs.append(run_child(mode, d, *extra))
    res = min(runs, key=lambda r: r[key])
    res["all"] = [r[key] for r in runs]
    res["maxrss"] = max((r["maxrss"] or 0) for r in runs) or None
    return res


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _mib(b) -> str:
    return "-" if not b else f"{b / MiB:,.0f} MiB"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version
    parts = []
    for pkg in ("openpyxl", "python-calamine"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} ?")
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "workflow"], capture_output=True, text=True,
                               cwd=ROOT).stdout.strip().splitlines()
        parts.append(f"git {head}" + (f" + {len(dirty)} uncommitted file(s) in workflow/" if dirty else ""))
    except OSError:
        pass
    return ", ".join(parts)


def print_table(rows: list[tuple]) -> None:
    head = ("measurement", "seconds", "ratio", "target", "result", "peak RSS")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join("{:<%d}" % w if i in (0, 3) else "{:>%d}" % w for i, w in enumerate(widths))
    print(fmt.format(*head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt.format(*r))


def print_phases(title: str, res: dict) -> None:
    ph = res.get("phases") or {}
    total = res["seconds"]
    print(f"\n{title}: {total:.2f} s  (rows {res.get('rows')}, cells written {res.get('cells_written', '-')}, "
          f"changed rows {res.get('changed_rows', '-')}, new ledger lines {res.get('new_lines', '-')}"
          + (f", NOT WRITTEN: {res['not_written']}" if res.get("not_written") else "") + ")")
    top = sum(v for k, v in ph.items() if not k.startswith(" "))
    mem = res.get("mem") or {}
    print(f"    {'phase':<38} {'seconds':>10}  {'share':>7}   {'RSS after':>10}  {'peak by then':>12}")
    calls = res.get("calls") or {}
    for k, v in ph.items():
        rss, peak = mem.get(k, (None, None))
        label = k + (f" (x{calls[k]})" if calls.get(k, 1) > 1 else "")
        print(f"    {label:<38} {v:8.3f} s  {100 * v / total:5.1f} %   {_mib(rss):>10}  {_mib(peak):>12}")
    if ph and "load_book" in ph and "backend.read" in ph:
        rest = total - top
        print(f"    {'rest: apply_pass loop (plan, _content)':<38} {rest:8.3f} s  {100 * rest / total:5.1f} %")
    gc_t, gc_n = res.get("gc", (0, 0))
    print(f"    {'(cyclic GC pauses, inside the above)':<38} {gc_t:8.3f} s  {100 * gc_t / total:5.1f} %"
          f"  ({gc_n} collections)")


def _show_path(file: str) -> str:
    p = Path(file)
    for base in ([CODE_DIR] if CODE_DIR else []) + [ROOT]:
        if p.is_relative_to(base):
            return str(p.relative_to(base))
    return "/".join(p.parts[-2:])


def print_profile(title: str, path: Path, top: int) -> None:
    import pstats
    st = pstats.Stats(str(path))
    total = st.total_tt
    entries = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in st.stats.items():
        if file == "~":
            where = func                       # a built-in
        else:
            where = f"{_show_path(file)}:{line} {func}"
        calls = f"{nc}" if nc == cc else f"{nc}/{cc}"
        entries.append((ct, tt, calls, where))
    skip = ("bench/bench_sync.py", "cProfile", "<built-in method builtins.exec>")
    print(f"\n{title}  (profiled total {total:.2f} s; profiling inflates per-call costs)")
    print(f"  top {top} by cumulative time:")
    print(f"    {'cum s':>8} {'own s':>8} {'calls':>12}  function")
    shown = 0
    for ct, tt, calls, where in sorted(entries, key=lambda e: -e[0]):
        if any(s in where for s in skip):
            continue
        print(f"    {ct:8.3f} {tt:8.3f} {calls:>12}  {where}")
        shown += 1
        if shown >= top:
            break
    print(f"  top {top} by own time (excluding callees):")
    for ct, tt, calls, where in sorted(entries, key=lambda e: -e[1])[:top]:
        print(f"    {ct:8.3f} {tt:8.3f} {calls:>12}  {where}")
    by_module: dict[str, float] = {}
    for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in st.stats.items():
        mod = func if file == "~" else _show_path(file)
        by_module[mod] = by_module.get(mod, 0.0) + tt
    print("  own time by module / built-in (top 12):")
    for mod, tt in sorted(by_module.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {tt:8.3f} s  {100 * tt / total:5.1f} %  {mod}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="Referrals rows (default 100000)")
    ap.add_argument("--quick", action="store_true", help="10 000 rows: a smoke run")
    ap.add_argument("--repeat", type=int, default=1, help="run each timed step N times, keep the fastest")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile the nothing-changed pass and the decision core (separate runs)")
    ap.add_argument("--top", type=int, default=25, help="hotspots to list per profile (default 25)")
    ap.add_argument("--share", type=float, default=0.01, help="share of rows changed for (e) (default 0.01)")
    ap.add_argument("--regenerate", action="store_true", help="rebuild the cached workbook")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", help=argparse.SUPPRESS)
    ap.add_argument("--code", help=argparse.SUPPRESS)
    ap.add_argument("--live-code", action="store_true",
                    help="run on workflow/ as it is, not on a copy frozen at start")
    args = ap.parse_args()
    if args.child:
        return child_main(args)

    n = 10_000 if args.quick else args.rows
    R = max(1, args.repeat)
    started = time.perf_counter()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else (0.0,)
    log(f"workbook: {n} rows")
    book, gen = ensure_book(n, args.regenerate)
    log(f"  {book} ({book.stat().st_size / MiB:.1f} MiB) "
        + (f"generated in {gen:.1f} s" if gen is not None else "cached"))

    work = OUT / f"work_{n}"
    if work.exists():
        shutil.rmtree(work)
    s0 = work / "s0_fresh"
    s0.mkdir(parents=True)
    global CODE_DIR
    if not args.live_code:
        CODE_DIR = work / "code"
        shutil.copytree(ROOT / "workflow", CODE_DIR / "workflow",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # the notices' templates live beside the package: without them every notice fails,
        # no pass settles, and the nothing-changed pass is never skipped
        shutil.copytree(ROOT / "templates", CODE_DIR / "templates")
        log(f"  workflow/ frozen in {CODE_DIR.relative_to(ROOT)} (hash {code_hash(CODE_DIR / 'workflow')})")
    shutil.copy2(book, s0 / "book.xlsx")
    (s0 / "config.toml").write_text(CONFIG, encoding="utf-8")

    log("(a) openpyxl load_workbook + save of the generated workbook (baseline)")
    opx = best("openpyxl", s0, None, R, key="load")
    log(f"  load {opx['load']:.2f} s, save {opx['save']:.2f} s")
    log("    python-calamine raw read, XlsxBackend.read")
    cal = best("calamine", s0, None, R, key="raw")
    log(f"  raw {cal['raw']:.2f} s, backend {cal['backend_read']:.2f} s")
    log("(b') decision core on the fresh workbook, empty ledger")
    core0 = best("core", s0, None, R)
    log(f"  {core0['seconds']:.2f} s")
    log("(c) first sync (assigns Ref IDs, writes every row)")
    first = best("sync", s0, work / "s1_synced", R)
    log(f"  {first['seconds']:.2f} s, {first['cells_written']} cells written")
    log("(d) sync when nothing changed")
    steady = best("sync", work / "s1_synced", work / "s2_steady", R)
    log(f"  {steady['seconds']:.2f} s, {steady['cells_written']} cells written")
    third = None
    if steady["cells_written"]:
        log("(d') the second pass wrote cells: a third pass, to see a pass that really has nothing to do")
        third = best("sync", work / "s2_steady", work / "s2b_third", R)
        log(f"  {third['seconds']:.2f} s, {third['cells_written']} cells written")
    log("(b) decision core on the synced workbook + ledger")
    core = best("core", work / "s2_steady", None, R)
    log(f"  {core['seconds']:.2f} s")
    log(f"    changing {args.share:.0%} of the rows with XlsxBackend.write (untimed)")
    mut = run_child("mutate", copy_state(work / "s2_steady", work / "s3_changed"), "--share", str(args.share))
    log(f"  {mut['amounts']} amounts changed, {mut['ticked']} approvals ticked, in {mut['seconds']:.2f} s")
    log(f"(e) sync after {args.share:.0%} of the rows changed")
    changed = best("sync", work / "s3_changed", work / "s4_after", R)
    log(f"  {changed['seconds']:.2f} s, {changed['cells_written']} cells written")
    log("    openpyxl load of the synced workbook (reference)")
    opx_synced = run_child("openpyxl", work / "s2_steady")
    profiles = []
    if args.profile:
        for title, mode, src, dst in (
                ("cProfile: whole sync, nothing changed", "sync", work / "s2_steady", work / "p_steady"),
                ("cProfile: decision core (synced workbook + ledger)", "core", work / "s2_steady", None)):
            log(title)
            prof = work / f"profile_{mode}.pstats"
            d = copy_state(src, dst) if dst else src
            run_child(mode, d, "--profile-out", str(prof))
            profiles.append((title, prof))

    # ---------------------------------------------------------------- report
    L, S = opx["load"], opx["save"]
    LS = L + S

    def ok(flag: bool) -> str:
        return "PASS" if flag else "FAIL"

    rows = [
        ("(a) openpyxl load_workbook = L (baseline)", f"{L:.2f}", "1.00 L", "", "", _mib(opx["maxrss"])),
        ("(a) openpyxl save = S", f"{S:.2f}", f"{S / L:.2f} L", "", "", ""),
        ("(a) openpyxl load + save = L+S", f"{LS:.2f}", f"{LS / L:.2f} L", "", "", ""),
        ("    openpyxl load, synced workbook (ref)", f"{opx_synced['load']:.2f}", f"{opx_synced['load'] / L:.2f} L",
         "", "", _mib(opx_synced["maxrss"])),
        ("    python-calamine raw read (ref)", f"{cal['raw']:.2f}", f"{cal['raw'] / L:.3f} L", "", "",
         _mib(cal["maxrss"])),
        ("    XlsxBackend.read → Snapshot (ref)", f"{cal['backend_read']:.2f}", f"{cal['backend_read'] / L:.3f} L",
         "", "", ""),
        ("(b) decision core, synced book + ledger", f"{core['seconds']:.2f}", f"{core['seconds'] / L:.3f} L",
         "≤ 2 s", ok(core["seconds"] <= 2.0), _mib(core["maxrss"])),
        ("    decision core, fresh book, no ledger", f"{core0['seconds']:.2f}", f"{core0['seconds'] / L:.3f} L",
         "(info)", "", _mib(core0["maxrss"])),
        ("(c) whole first sync", f"{first['seconds']:.2f}", f"{first['seconds'] / LS:.2f} (L+S)", "(info)", "",
         _mib(first["maxrss"])),
        ("(d) whole sync, nothing changed", f"{steady['seconds']:.2f}", f"{steady['seconds'] / L:.3f} L",
         "≤ 0.2 L", ok(steady["seconds"] <= 0.2 * L), _mib(steady["maxrss"])),
    ]
    if third is not None:
        rows.append((f"    3rd pass (2nd wrote {steady['cells_written']} cells)", f"{third['seconds']:.2f}",
                     f"{third['seconds'] / L:.3f} L", "≤ 0.2 L", ok(third["seconds"] <= 0.2 * L),
                     _mib(third["maxrss"])))
    rows += [
        (f"(e) whole sync, {args.share:.0%} rows changed", f"{changed['seconds']:.2f}",
         f"{changed['seconds'] / LS:.3f} (L+S)", "≤ 1 (L+S)", ok(changed["seconds"] <= LS), _mib(changed["maxrss"])),
    ]
    for label, res in (("first sync", first), ("nothing changed", steady), (f"{args.share:.0%} changed", changed)):
        rss = res["maxrss"]
        rows.append((f"(f) peak RSS, {label}", "", f"{rss / GiB:.2f} GiB" if rss else "-", "≤ 1 GiB",
                     ok(rss is not None and rss <= GiB) if rss else "n/a", _mib(rss)))

    print()
    print(f"bench_sync: {n} Referrals rows x {len(HEADER)} columns + Rules/Settings/Staff/Milestones/Customers; "
          f"{book.name} {book.stat().st_size / MiB:.1f} MiB; today {TODAY}")
    print(f"python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPU; {_versions()}")
    print(f"code: " + (f"workflow/ frozen at start, hash {', '.join(sorted(map(str, CODE_SEEN)))}" if CODE_DIR
                       else f"live workflow/, hash(es) seen {', '.join(sorted(map(str, CODE_SEEN)))}"))
    if len(CODE_SEEN) > 1:
        print("WARNING: the code changed between steps: the figures mix versions")
    if hasattr(os, "getloadavg"):
        print(f"load average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
              f"(other processes on the machine skew the timings)")
    print(f"each timed step in a fresh subprocess; best of {R}; ratios: L = openpyxl load, "
          f"L+S = openpyxl load + save")
    print()
    print_table(rows)
    if R > 1:
        print("\nall runs (s): " + "; ".join(f"{k} {', '.join(f'{x:.2f}' for x in v['all'])}" for k, v in
                                            (("load", opx), ("core", core), ("first", first), ("steady", steady),
                                             ("changed", changed))))
    print(f"\nstatuses after the first sync: " + ", ".join(f"{k} {v}" for k, v in first["statuses"].items()))
    print(f"book warnings: {first['warnings']}; 1 % change = {mut['amounts']} amounts changed + "
          f"{mut['ticked']} approvals ticked ({mut['cells']} cells, XlsxBackend.write {mut['seconds']:.2f} s)")
    if steady["cells_written"]:
        print(f"NOTE: the nothing-changed (second) pass wrote {steady['cells_written']} cells in "
              f"{steady['changed_rows']} rows and {steady['new_lines']} ledger lines — a second pass should be a "
              f"no-op; compare {(work / 's1_synced').relative_to(ROOT)} with {(work / 's2_steady').relative_to(ROOT)}"
              + (f"; the third pass wrote {third['cells_written']} cells" if third else ""))
    print_phases("phases, (c) first sync", first)
    print_phases("phases, (d) nothing changed", steady)
    if third is not None:
        print_phases("phases, (d') third pass", third)
    print_phases(f"phases, (e) {args.share:.0%} changed", changed)
    print(f"\nphases, (b) decision core: " + ", ".join(f"{k} {v:.3f} s" for k, v in core["phases"].items())
          + f"; GC {core['gc'][0]:.3f} s")
    for title, prof in profiles:
        print_profile(title, prof, args.top)
        print(f"  (full profile: {prof.relative_to(ROOT)} — python -m pstats {prof.relative_to(ROOT)})")
    print(f"\nstates kept in {work.relative_to(ROOT)}/ ; bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
