"""The fixed CLI and the ledger, driven as an administrator would."""
from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys

import openpyxl
import pytest

from conftest import ROOT, referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]


def deal(**kw):
    return referral(**{"Deal amount": 100000, "Deal date": "2026-10-05", **kw})


def test_demo_from_the_example_config_shows_every_status(tmp_path):
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.example.toml")
    run = [sys.executable, str(ROOT / "run.py"), "sync", "--config", str(tmp_path / "config.example.toml"),
           "--today", "2026-11-23"]
    p = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    book = tmp_path / "data" / "referrals.xlsx"
    ws = openpyxl.load_workbook(book)["推荐登记"]
    head = [c.value for c in ws[1]]
    statuses = {str(r[head.index("状态")]) for r in ws.iter_rows(min_row=2, values_only=True)}
    labels = ["待修正", "不符合条件", "已作废", "追回", "待成交", "待全款", "等待期", "无奖励", "待审批",
              "待总经理审批", "已驳回", "已审批", "已通知", "已发放"]
    for label in labels:
        assert any(s.startswith(label) for s in statuses), (label, statuses)
    notices = sorted((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(notices) >= 3      # reward notices to referrers with an email, a welcome to a new customer
    assert 20 <= ws.max_row - 1 <= 40
    stamp = book.stat().st_mtime_ns
    p = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and book.stat().st_mtime_ns == stamp


def test_export_columns_and_signs(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Cancelled", True)
    world.sync()
    out = world.dir / "out" / "rewards.csv"
    p = world.cli("export", "rewards", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"2 lines exported to {out}"     # in the workbook's language only
    with open(out, newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f)
        rows = list(r)
    assert r.fieldnames == ["ref_id", "recipient_role", "recipient", "reward_type", "amount", "item", "status", "period"]
    assert [(x["amount"], x["status"], x["period"]) for x in rows] == [("1000", "paid", "2026-11"),
                                                                       ("-1000", "clawback", "2026-11")]


def test_export_neutralises_formulas_in_names(world):
    world.standard([deal(Referrer="=cmd()", Approved=True)], RULES)
    world.edit(lambda ws: setattr(ws["B2"], "data_type", "s"))
    world.sync()
    out = world.dir / "r.csv"
    assert world.cli("export", "rewards", "--out", str(out)).returncode == 0
    assert "'=cmd()" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("config,needle", [
    ('[workbook]\nbackend = "excel"\n', "backend"),
    ('[workbook\npath = 1', "not valid TOML"),
    ('[mail]\npassword = "secret"\n', "password_env"),
    ('[wrokbook]\npath = "x.xlsx"\n', "unknown section"),
    ('[workbook]\nbackend = "gsheets"\n', "spreadsheet"),
    ('[workbook]\npaht = "x.xlsx"\n', "unknown key 'paht'"),
    ('[workbook]\npath = 5\n', "expected text"),
    ('[mail]\nport = "25"\n', "whole number"),
    ('[tabs]\nreferrals = 5\n', "list of names"),
    ('[aliases.referrals]\ncustomer_phone = 5\n', "list of names"),
    ('[aliases.referals]\ncustomer_phone = "x"\n', "unknown tab"),
])
def test_unusable_config_exits_2_with_a_clear_message(world, config, needle):
    world.standard([deal()], RULES)
    world.config.write_text(config)
    for cmd in ("sync", "check"):
        p = world.cli(cmd)
        assert p.returncode == 2 and needle in p.stderr, (cmd, p.stderr)
        assert "secret" not in p.stderr + p.stdout


def test_missing_workbook_is_explained(world):
    p = world.cli("sync")
    assert p.returncode == 2 and "book.xlsx" in p.stderr and "run.py init" in p.stderr


def test_init_writes_an_empty_workbook_that_check_accepts(world):
    p = world.cli("init", "--empty", "--language", "en")
    assert p.returncode == 0, p.stderr
    wb = openpyxl.load_workbook(world.path)
    assert {"Referrals", "Rules", "Milestones", "Settings", "Staff", "Customers"} <= set(wb.sheetnames)
    assert world.cli("init").returncode == 2          # never overwrites without --force
    p = world.cli("check")
    assert p.returncode == 0, p.stdout


def test_bad_today_is_explained(world):
    world.standard([deal()], RULES)
    p = world.cli("sync", "--today", "20.11.2026")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr


def test_ledger_keeps_history_and_refuses_rewrites(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 200000)
    world.sync()
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds[:3] == ["approval", "withdrawn", "withdraw_cleared"]
    assert db.execute("SELECT count(*) FROM rows_seen").fetchone()[0] == 2     # the row, then its edit
    assert db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 2
    assert all(at for (at,) in db.execute("SELECT at FROM lines"))
    for table in ("lines", "events", "decisions", "rows_seen", "refs"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(f"DELETE FROM {table}")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE lines SET amount = '1'")


def test_today_is_the_workbook_time_zone_day(world):
    import datetime as dt
    from workflow.sync import run_pass
    world.standard([deal(**{"Deal date": "2026-11-18", "Approved": True})], RULES,
                   {"holding_days": "5", "timezone": "Asia/Shanghai"})
    # 2026-11-24 17:00 UTC is already 2026-11-25 01:00 in Shanghai: the holding period is over there
    now = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.timezone.utc)
    run_pass(world.cfg(), None, now)
    assert world.status() == ["Approved"]


def test_two_passes_at_once_issue_each_line_once(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(30)]
    world.standard(rows, RULES)
    cmd = [sys.executable, str(ROOT / "run.py"), "sync", "--config", str(world.config), "--today", "2026-11-20"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    lines = world.lines()
    assert len(lines) == 30 and len({l["ref_id"] for l in lines}) == 30


def test_a_ledger_that_is_not_a_database_is_explained(world):
    world.standard([deal()], RULES)
    (world.dir / "ledger.sqlite").write_text("not a database")
    p = world.cli("sync")
    assert p.returncode == 2 and "ledger" in p.stderr and "Traceback" not in p.stderr


def test_init_demo_never_mixes_into_a_ledger_in_use(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    p = world.cli("init", "--force", "--language", "en", "--today", "2026-11-23")
    assert p.returncode == 0 and "already holds referrals" in p.stdout
    assert {l["ref_id"] for l in world.lines()} == {"R-000001"}
    settings = {r[0]: r[1] for r in openpyxl.load_workbook(world.path)["设置"].iter_rows(values_only=True)}
    assert settings["language"] == "en"
