#!/usr/bin/env python3
"""Benchmark sending reward notices, side by side with mailmerge 2.3.0 and bare smtplib.

Not part of the test suite.  Standard library + the project's dependencies (mailmerge is one).

    .venv/bin/python bench/bench_mail.py                 # 2 000 notices
    .venv/bin/python bench/bench_mail.py --quick         # 200 notices, a smoke run
    .venv/bin/python bench/bench_mail.py --repeat 3      # best of 3 for every contestant
    .venv/bin/python bench/bench_mail.py --profile       # + cProfile of our sending path

Every contestant sends to its own, freshly started aiosmtpd server (tests/smtp_server.py,
plain SMTP without login on 127.0.0.1) running in a subprocess, so the server never shares
the GIL with the sender; the server stores each message as a file, and the count there is
checked after each contestant (exactly N, distinct Message-IDs where we send):

  A  mailmerge CLI, --no-limit --no-dry-run (a new connection per message), wall clock
  B  mailmerge CLI, --dry-run --no-limit (rendering only), wall clock; `mailmerge --version`
     is timed as its fixed start-up cost
  C  bare smtplib: the N prebuilt messages (as bytes) over one connection — the server's limit
  D  ours: workflow.outbound.deliver — render, build, ledger intent, send, ledger result —
     with a fresh SQLite ledger, as shipped, over one SMTP connection;
     D' the same with every message-log commit at synchronous=FULL (an fsync per commit, two
     per message), to show what the per-message fsyncs cost
  E  ours: a whole `sync` on an .xlsx workbook with N approved referrals, each with a referrer
     email (first pass: Ref IDs assigned, rows written, N notices sent), in a child process,
     wall clock (Python start-up and imports included, like mailmerge's)
  F  ours: rendering only, Renderer.render + build_message (a fresh Renderer: template
     compilation included); + as_bytes shown for information

The mailmerge template is our English reward notice as our templates render it (text and
HTML parts, multipart/alternative), with the per-row values as mailmerge fields, so both
tools send messages of the same content and size.  Work files: bench/out/mail_<N>/.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import email
import email.generator
import email.policy
import io
import json
import os
import pstats
import shutil
import smtplib
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

OUT = ROOT / "bench" / "out"
MAILMERGE = Path(sys.executable).with_name("mailmerge")
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
MAIL_FROM = "Referral desk <rewards@example.com>"
MARK = "@@BENCH@@ "
TARGETS = {"send": 0.8, "sync": 1.0, "render": 0.2}


# ============================================================================ inputs

def outgoing(n: int) -> list:
    """N English reward notices, each to its own referrer, as due_notices makes them."""
    from workflow.notices import Outgoing
    from workflow.render_samples import reward_notice
    out = []
    for i in range(n):
        ctx = reward_notice("en")
        ref = f"R-{i + 1:06d}"
        ctx.update(referrer=f"Referrer {i + 1}", customer=f"Customer {i + 1} Lee", ref_id=ref,
                   customer_phone=f"139{i + 1:08d}")
        ctx["lines"][0]["amount"] = ctx["total_cash"] = Decimal(500 + i % 500).quantize(Decimal("0.01"))
        out.append(Outgoing(f"reward_notice|{ref}", "reward_notice", "en", f"Referrer {i + 1}",
                            f"ref{i + 1}@example.com", ctx, ref_id=ref))
    return out


def prebuilt(items: list) -> list[tuple[str, bytes]]:
    """The messages ours sends, built once (untimed), for the bare-smtplib contestant."""
    from workflow.message_log import message_id
    from workflow.notify import TEMPLATES
    from workflow.render import Renderer, build_message
    r = Renderer(TEMPLATES, currency="CNY")
    out = []
    for o in items:
        msg = build_message(r.render(o.kind, o.lang, o.ctx), sender=MAIL_FROM, to=(o.to_name, o.to_addr),
                            message_id=message_id(o.key, "rewards@example.com"), date=NOW)
        buf = io.BytesIO()
        email.generator.BytesGenerator(buf).flatten(msg, linesep="\r\n")    # as smtplib.send_message does
        out.append((o.to_addr, buf.getvalue()))
    return out


def mailmerge_files(folder: Path, items: list, port: int | None) -> None:
    """Template, CSV database and server config: our en reward notice with mailmerge fields."""
    from workflow.notify import TEMPLATES
    from workflow.render import Renderer
    from workflow.render_format import format_money, mask_name, mask_phone
    folder.mkdir(parents=True, exist_ok=True)
    first = items[0]
    rendered = Renderer(TEMPLATES, currency="CNY").render(first.kind, first.lang, first.ctx)

    def fields(o) -> dict:
        c = o.ctx
        return {"name": o.to_name, "email": o.to_addr, "ref_id": c["ref_id"], "customer": mask_name(c["customer"]),
                "phone": mask_phone(c["customer_phone"]), "amount": format_money(c["total_cash"], "CNY", "en")}

    body = {}
    for part in ("text", "html"):
        s = getattr(rendered, part)
        assert "{{" not in s and "{%" not in s and "{#" not in s
        for key, value in fields(first).items():
            if key != "email":
                s = s.replace(value, "{{" + key + "}}")
        body[part] = s
    subject = rendered.subject.replace(first.ctx["ref_id"], "{{ref_id}}")
    (folder / "mailmerge_template.txt").write_text(
        f"TO: {{{{name}}}} <{{{{email}}}}>\nFROM: {MAIL_FROM}\nSUBJECT: {subject}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="boundary"\n\n'
        f'--boundary\nContent-Type: text/plain; charset=utf-8\n\n{body["text"]}\n'
        f'--boundary\nContent-Type: text/html; charset=utf-8\n\n{body["html"]}\n--boundary--\n', encoding="utf-8")
    with open(folder / "mailmerge_database.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(fields(first)))
        w.writeheader()
        w.writerows(fields(o) for o in items)
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port or 25}\n", encoding="utf-8")


SYNC_HEADER = ["Submitted at", "Referrer", "Referrer phone", "Referrer email", "New customer", "New customer phone",
               "Program", "Category", "Deal amount", "Deal date", "Signer", "Approved"]


def sync_book(path: Path, n: int) -> None:
    """A workbook with N approved referrals, each with a referrer email (one reward notice each)."""
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Referrals")
    ws.append(SYNC_HEADER)
    for i in range(1, n + 1):
        ws.append(["2026-10-01", f"Referrer {i}", f"138{i:08d}", f"ref{i}@example.com", f"Customer {i} Lee",
                   f"139{i:08d}", "Clear aligners", "Aligners", 50000 + 10 * (i % 1000), "2026-10-05", "Lee", True])
    ws = wb.create_sheet("Rules")
    for r in [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]:
        ws.append(r)
    ws = wb.create_sheet("Settings")
    for r in [["Key", "Value"], ["language", "en"], ["currency", "CNY"], ["timezone", "Asia/Shanghai"],
              ["register_by_first_visit", "no"], ["payout_requires_paid_in_full", "no"]]:
        ws.append(r)
    ws = wb.create_sheet("Staff")
    for r in [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"]]:
        ws.append(r)
    wb.save(path)


def sync_config(folder: Path, port: int) -> Path:
    cfg = folder / "config.toml"
    cfg.write_text(f'[workbook]\nbackend = "xlsx"\npath = "book.xlsx"\n[mail]\nbackend = "smtp"\nfrom = "{MAIL_FROM}"\n'
                   f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\n[ledger]\npath = "ledger.sqlite"\n',
                   encoding="utf-8")
    return cfg


# ============================================================================ contestants

SHM = Path("/dev/shm")


def server(folder: Path):
    """A fresh server in a subprocess.  Its store goes to tmpfs when there is one: the server
    stands in for another machine, so its file writes must not share the disk (and the
    journal commits) with our ledger's fsyncs."""
    from smtp_server import spawn_server
    if SHM.is_dir() and os.access(SHM, os.W_OK):
        folder = SHM / f"bench_mail_{os.getpid()}" / folder.relative_to(OUT)
    if folder.exists():
        shutil.rmtree(folder)
    return spawn_server(folder, security="none", username=None)


def children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for child processes so far."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def received(srv, n: int, ids: bool) -> str:
    """'N ok' when the server holds exactly n messages (with n distinct Message-IDs), else what it holds."""
    got = srv.received()
    distinct = len({email.message_from_bytes(r.data, policy=email.policy.compat32)["Message-ID"] for r in got})
    if len(got) != n or (ids and distinct != n):
        return f"WRONG: {len(got)} received, {distinct} distinct Message-IDs (expected {n})"
    return f"{n} ok"


def run_mailmerge(folder: Path, items: list, dry: bool) -> tuple[float, float, str]:
    args = [str(MAILMERGE), "--no-limit", "--dry-run" if dry else "--no-dry-run", "--output-format", "text"]
    if dry:
        mailmerge_files(folder, items, None)
        c0, t0 = children_cpu(), time.perf_counter()
        p = subprocess.run(args, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        took, cpu = time.perf_counter() - t0, children_cpu() - c0
        return took, cpu, "rendered" if p.returncode == 0 else f"FAILED: {p.stderr.strip()[-300:]}"
    with server(folder / "server") as srv:
        mailmerge_files(folder, items, srv.port)
        c0, t0 = children_cpu(), time.perf_counter()
        p = subprocess.run(args, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        took, cpu = time.perf_counter() - t0, children_cpu() - c0
        check = received(srv, len(items), ids=False) if p.returncode == 0 else f"FAILED: {p.stderr.strip()[-300:]}"
    return took, cpu, check


def mailmerge_startup() -> float:
    t0 = time.perf_counter()
    subprocess.run([str(MAILMERGE), "--version"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def run_smtplib(folder: Path, messages: list[tuple[str, bytes]]) -> tuple[float, float, str]:
    with server(folder / "server") as srv:
        c0, t0 = time.process_time(), time.perf_counter()
        conn = smtplib.SMTP(srv.host, srv.port)
        for to, data in messages:
            conn.sendmail("rewards@example.com", [to], data)
        conn.quit()
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        return took, cpu, received(srv, len(messages), ids=True)


class Split:
    """Time spent in chosen callables, wrapped where deliver looks them up; a callable's
    time excludes that of the wrapped ones it calls (the rendering done in the SMTP
    client's waits counts as rendering, not as sending)."""

    def __init__(self):
        self.t: dict[str, float] = {}
        self._inner: list[float] = []

    def wrap(self, owner, attr: str, label: str):
        fn = getattr(owner, attr)
        t, inner = self.t, self._inner

        def timed(*a, **kw):
            t0 = time.perf_counter()
            inner.append(0.0)
            try:
                return fn(*a, **kw)
            finally:
                took = time.perf_counter() - t0
                t[label] = t.get(label, 0.0) + took - inner.pop()
                if inner:
                    inner[-1] += took
        setattr(owner, attr, timed)
        return fn

    def wrap_steps(self, owner, attr: str, label: str):
        """The same for a generator function: the time of each of its steps."""
        fn = getattr(owner, attr)
        t, inner = self.t, self._inner

        def timed(*a, **kw):
            steps = fn(*a, **kw)
            while True:
                t0 = time.perf_counter()
                inner.append(0.0)
                try:
                    next(steps)
                except StopIteration as done:
                    return done.value
                finally:
                    took = time.perf_counter() - t0
                    t[label] = t.get(label, 0.0) + took - inner.pop()
                    if inner:
                        inner[-1] += took
                yield
        setattr(owner, attr, timed)
        return fn


def run_ours(folder: Path, items: list, synchronous: str | None = None, profile: Path | None = None,
             split: Split | None = None) -> tuple[float, float, str]:
    import workflow.mail.outbox as outbox_mod
    import workflow.render as render_mod
    from workflow.config import Config
    from workflow.ledger import Ledger
    from workflow.mail import open_transport
    from workflow.message_log import MessageLog
    from workflow.notify import TEMPLATES
    from workflow.outbound import deliver
    from workflow.render import Renderer
    work = folder / f"ours_{(synchronous or 'shipped').lower()}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    with server(work / "server") as srv:
        cfg = Config(source=work / "config.toml", mail_backend="smtp", mail_from=MAIL_FROM, smtp_host=srv.host,
                     smtp_port=srv.port, smtp_security="none")
        ledger = Ledger(work / "ledger.sqlite")
        log, renderer = MessageLog(ledger), Renderer(TEMPLATES, currency="CNY")
        if synchronous:      # information: every message-log commit at this setting, whatever deliver asks
            ledger.db.execute(f"PRAGMA synchronous={synchronous}")
            if hasattr(log, "batch"):
                log.batch = contextlib.nullcontext
        original_build = original_wire = None
        if split is not None:
            split.wrap(log, "intents", "ledger intents (commit per chunk)")
            split.wrap(log, "sent", "ledger result (commit)")
            split.wrap_steps(renderer, "render_steps", "rendering (Renderer.render_steps)")
            original_build = split.wrap(render_mod, "build_message", "build_message")
            original_wire = split.wrap(outbox_mod, "wire_bytes", "wire_bytes")

        def opener():
            transport = open_transport(cfg)
            if split is not None:
                split.wrap(transport, "send", "SMTP exchange (smtplib)")
            return transport

        prof = cProfile.Profile() if profile else None
        c0, t0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        result = deliver(items, log, renderer, opener, MAIL_FROM, NOW, "en")
        if prof:
            prof.disable()
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        if prof:
            prof.dump_stats(profile)
        if original_build is not None:
            render_mod.build_message = original_build
            outbox_mod.wire_bytes = original_wire
        sent = ledger.db.execute("SELECT count(*) FROM messages WHERE state='sent'").fetchone()[0]
        ledger.close()
        check = received(srv, len(items), ids=True)
        if len(result.sent_now) != len(items) or sent != len(items):
            check = f"WRONG: {len(result.sent_now)} sent, {sent} in the ledger; " + check
    return took, cpu, check


def run_sync(folder: Path, book: Path, n: int, profile: Path | None = None) -> tuple[float, float, float, str]:
    work = folder / "sync"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy(book, work / "book.xlsx")
    with server(work / "server") as srv:
        cfg = sync_config(work, srv.port)
        args = [sys.executable, __file__, "--child-sync", str(cfg)] + (["--child-profile", str(profile)] if profile else [])
        c0, t0 = children_cpu(), time.perf_counter()
        p = subprocess.run(args, capture_output=True, text=True)
        took, cpu = time.perf_counter() - t0, children_cpu() - c0
        line = next((ln for ln in p.stdout.splitlines() if ln.startswith(MARK)), None)
        if p.returncode != 0 or line is None:
            return took, cpu, 0.0, f"FAILED: {p.stderr.strip()[-500:]}"
        info = json.loads(line[len(MARK):])
        check = received(srv, n, ids=True)
        if info["sent"] != n or info["notified"] != n:
            check = f"WRONG: {info['sent']} sent, {info['notified']} rows Notified; " + check
    return took, cpu, info["pass"], check


def child_sync(config: str, profile: str | None) -> None:
    from workflow.config import load
    from workflow.sync import run_pass
    cfg = load(Path(config))
    prof = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    result = prof.runcall(run_pass, cfg, TODAY, NOW) if prof else run_pass(cfg, TODAY, NOW)
    took = time.perf_counter() - t0
    if prof:
        prof.dump_stats(profile)
    print(MARK + json.dumps({"pass": took, "sent": result.notices_sent,
                             "notified": result.statuses.get("notified", 0)}), flush=True)


def run_render(items: list) -> tuple[float, float, float, str]:
    """Render + build every notice with a fresh Renderer; then as_bytes of each (information)."""
    from workflow.message_log import message_id
    from workflow.notify import TEMPLATES
    from workflow.render import Renderer, build_message
    c0, t0 = time.process_time(), time.perf_counter()
    r = Renderer(TEMPLATES, currency="CNY")
    msgs = [build_message(r.render(o.kind, o.lang, o.ctx), sender=MAIL_FROM, to=(o.to_name, o.to_addr),
                          message_id=message_id(o.key, "rewards@example.com"), date=NOW) for o in items]
    t1, c1 = time.perf_counter(), time.process_time()
    for m in msgs:
        m.as_bytes()
    return t1 - t0, c1 - c0, time.perf_counter() - t1, "rendered"


# ============================================================================ report

def best(fn, repeat: int):
    """The fastest of `repeat` runs whose check is ok; else the last run."""
    runs = [fn() for _ in range(repeat)]
    good = [r for r in runs if "ok" in r[-1] or r[-1] == "rendered"]
    return min(good or runs[-1:], key=lambda r: r[0])


def verdict(ratio: float, target: float, higher: bool) -> str:
    ok = ratio >= target if higher else ratio <= target
    return f"{'PASS' if ok else 'FAIL'} ({'≥' if higher else '≤'} {target:g})"


def hotspots(path: Path, limit: int = 18) -> str:
    buf = io.StringIO()
    st = pstats.Stats(str(path), stream=buf)
    st.sort_stats("tottime").print_stats(limit)
    return "\n".join(ln for ln in buf.getvalue().splitlines() if ln.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Send N notices: ours vs mailmerge 2.3.0 vs bare smtplib")
    ap.add_argument("--count", type=int, default=2000, help="notices per contestant (default 2000)")
    ap.add_argument("--quick", action="store_true", help="200 notices: a smoke run")
    ap.add_argument("--repeat", type=int, default=1, help="best of R runs per contestant (default 1)")
    ap.add_argument("--profile", action="store_true", help="also cProfile our sending path and the sync")
    ap.add_argument("--child-sync", help=argparse.SUPPRESS)
    ap.add_argument("--child-profile", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_sync:
        child_sync(args.child_sync, args.child_profile)
        return 0
    n = 200 if args.quick else args.count
    folder = OUT / f"mail_{n}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"bench_mail: {n} notices, best of {args.repeat}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; work files in {folder}", flush=True)

    items = outgoing(n)
    messages = prebuilt(items)
    book = folder / "book.xlsx"
    sync_book(book, n)
    size = sum(len(m) for _, m in messages) / n
    print(f"  messages: {size:,.0f} bytes on average (text + HTML, multipart/alternative)", flush=True)

    rows = []

    def step(label, fn):
        print(f"  … {label}", flush=True)
        r = best(fn, args.repeat)
        rows.append((label, r))
        return r

    mm_send = step("A mailmerge send", lambda: run_mailmerge(folder / "mailmerge", items, dry=False))
    mm_dry = step("B mailmerge --dry-run", lambda: run_mailmerge(folder / "mailmerge_dry", items, dry=True))
    startup = min(mailmerge_startup() for _ in range(3))
    bare = step("C bare smtplib", lambda: run_smtplib(folder / "smtplib", messages))
    split = Split()
    ours = step("D ours deliver", lambda: run_ours(folder, items))
    run_ours(folder, items, split=split)          # the same once more, timing its parts
    ours_full = step("D' ours deliver (FULL)", lambda: run_ours(folder, items, "FULL"))
    sync = step("E ours whole sync", lambda: run_sync(folder, book, n))
    render = step("F ours render", lambda: run_render(items))

    def rate(t):
        return f"{n / t:,.0f}/s" if t else "-"

    print()
    print(f"| contestant ({n} notices) | wall s | messages/s | sender CPU s | check |")
    print("|---|---:|---:|---:|---|")
    labels = {"A mailmerge send": "mailmerge 2.3.0 send (a connection per message; process)",
              "B mailmerge --dry-run": "mailmerge 2.3.0 --dry-run (rendering only; process)",
              "C bare smtplib": "bare smtplib, one connection, prebuilt messages",
              "D ours deliver": "ours: deliver (render, ledger intent + result, send), as shipped",
              "D' ours deliver (FULL)": "ours: deliver, every message-log commit at synchronous=FULL (information)",
              "E ours whole sync": "ours: whole sync of the .xlsx (process)",
              "F ours render": "ours: Renderer.render + build_message"}
    for label, r in rows:
        print(f"| {labels[label]} | {r[0]:.2f} | {rate(r[0])} | {r[1]:.2f} | {r[-1]} |")
    print(f"\n  mailmerge start-up (`mailmerge --version`): {startup:.2f} s; the whole sync's run_pass alone: "
          f"{sync[2]:.2f} s; as_bytes of the {n} built messages: {render[2]:.2f} s")
    send_ratio = bare[0] / ours[0]
    sync_ratio = sync[0] / mm_send[0]
    render_ratio = render[0] / mm_dry[0]
    print("\n| target | ratio | verdict |")
    print("|---|---:|---|")
    print(f"| our sending throughput / bare smtplib's | {send_ratio:.2f} | {verdict(send_ratio, TARGETS['send'], True)} |")
    print(f"| whole sync time / mailmerge send time | {sync_ratio:.2f} | {verdict(sync_ratio, TARGETS['sync'], False)} |")
    print(f"| our rendering time / mailmerge --dry-run time | {render_ratio:.2f} | "
          f"{verdict(render_ratio, TARGETS['render'], False)} |")
    print(f"\n  (information) throughput with every message-log commit at synchronous=FULL (an fsync each): "
          f"{bare[0] / ours_full[0]:.2f} × bare smtplib's; sender CPU per message: bare smtplib "
          f"{1e6 * bare[1] / n:,.0f} µs, ours {1e6 * ours[1] / n:,.0f} µs, ours at FULL {1e6 * ours_full[1] / n:,.0f} µs")

    total = sum(split.t.values())
    print(f"\n  where our deliver's time goes (one more run as shipped, {total:.2f} s in the parts below; "
          f"recording results, rendering and building run mostly inside the SMTP exchange's waits, and count as themselves):")
    for label, t in sorted(split.t.items(), key=lambda kv: -kv[1]):
        print(f"    {label:26s} {t:6.2f} s  {1e6 * t / n:7.0f} µs/message")

    if args.profile:
        prof = folder / "profile_deliver.pstats"
        run_ours(folder, items, profile=prof)
        print(f"\n  cProfile of deliver (tottime), {prof}:\n" + hotspots(prof))
        prof = folder / "profile_sync.pstats"
        run_sync(folder, book, n, profile=prof)
        print(f"\n  cProfile of the whole sync (tottime), {prof}:\n" + hotspots(prof))
    shutil.rmtree(SHM / f"bench_mail_{os.getpid()}", ignore_errors=True)
    bad = [label for label, r in rows if not ("ok" in r[-1] or r[-1] == "rendered")]
    if bad:
        print(f"\n  CHECK FAILED: {', '.join(bad)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
