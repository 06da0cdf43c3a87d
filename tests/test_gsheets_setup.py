"""Google Sheets: `run.py init` on an empty spreadsheet, and `run.py check` saying exactly
what to fix for each misconfiguration (the real CLI, against the local stand-in)."""
from __future__ import annotations

import json

from gsheets_world import gs_config

EMAIL = "worker@referrals-test.iam.gserviceaccount.com"
WRITES = ("values_batch_update", "batch_update", "values_update", "values_append")


def empty_sheet(w):
    w.sheet_id = w.standin.add_spreadsheet({"Sheet1": []})
    w._tabs = []
    w._write_config()
    return w.sheet_id


def test_init_sets_up_an_empty_spreadsheet_once(gworld):
    s = gworld.standin
    sid = empty_sheet(gworld)
    p = gworld.cli("init", "--language", "en")
    assert p.returncode == 0, p.stderr
    assert "check" in p.stdout
    grid = s.grid(sid, "推荐登记")
    head = grid[0]
    assert {"Approved", "Ref ID", "Status", "Problems"} <= set(head) or {"审批通过", "编号", "状态"} <= set(head)
    rules = s.grid(sid, "奖励规则")
    assert len(rules) > 5                                        # example rules
    assert s.frozen_rows(sid, "推荐登记") == 1 and s.frozen_rows(sid, "奖励规则") == 1
    text = json.dumps(s.validations(sid, "推荐登记"), ensure_ascii=False, default=str)
    assert text.count("BOOLEAN") >= 4                            # approval and tick columns are checkboxes
    assert "ONE_OF_LIST" in text                                 # referrer type dropdown
    rules_text = json.dumps(s.validations(sid, "奖励规则"), ensure_ascii=False, default=str)
    assert rules_text.count("ONE_OF_LIST") >= 3                  # recipient, referrer type, reward type
    ms_text = json.dumps(s.validations(sid, "阶梯奖励"), ensure_ascii=False, default=str)
    assert ms_text.count("ONE_OF_LIST") >= 4                     # recipient, period, mode, reward type
    protected = s.protected_ranges(sid, "推荐登记")
    assert len(protected) >= 7 and all(p.get("warningOnly") for p in protected)
    dash = s.protected_ranges(sid, "看板")                       # the dashboard's columns A–D are the worker's
    assert [(p["range"].get("startColumnIndex"), p["range"].get("endColumnIndex"), p["warningOnly"])
            for p in dash] == [(0, 4, True)]
    assert s.grid(sid, "看板")[0][0].startswith("推荐奖励看板")
    assert gworld.cli("check").returncode == 0

    s.reset_requests()
    again = gworld.cli("init", "--language", "en")
    assert again.returncode == 0 and "nothing was changed" in again.stdout
    assert sum(s.count(k) for k in WRITES) == 0                  # running it again changes nothing


def test_init_then_sync_fills_the_worker_columns(gworld):
    empty_sheet(gworld)
    assert gworld.cli("init", "--empty", "--language", "en").returncode == 0
    grid = gworld.standin.grid(gworld.sheet_id, "Referrals")
    head = grid[0]
    row = [None] * len(head)
    for h, v in {"Submitted at": "2026-10-01", "Referrer": "Ann", "Referrer phone": "13800000001",
                 "New customer": "Bo", "New customer phone": "13900000001"}.items():
        row[head.index(h)] = v
    gworld.standin.insert_rows(gworld.sheet_id, "Referrals", 2, [row])
    p = gworld.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 0, p.stderr
    assert gworld.sheet_id in p.stdout and ".xlsx" not in p.stdout    # "cells written to <the spreadsheet>"
    r = dict(zip(head, gworld.standin.grid(gworld.sheet_id, "Referrals")[1]))
    assert r["Ref ID"] == "R-000001" and r["Status"]


def _check(w):
    p = w.cli("check")
    return p.returncode, p.stdout + p.stderr


def test_check_names_a_missing_key_file(gworld, tmp_path):
    gworld.standard([], [["Recipient", "Fixed"], ["referrer", 100]])
    gworld.key = tmp_path / "nope.json"
    gworld._write_config()
    code, out = _check(gworld)
    assert code == 1 and "nope.json" in out and "service account" in out.lower()


def test_check_says_an_oauth_client_file_is_not_a_service_account_key(gworld, tmp_path):
    gworld.standard([], [["Recipient", "Fixed"], ["referrer", 100]])
    bad = tmp_path / "client_secret.json"
    bad.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "s3cr3t"}}))
    gworld.key = bad
    gworld._write_config()
    code, out = _check(gworld)
    assert code == 1 and "not a service-account key" in out and "s3cr3t" not in out


def test_check_falls_back_to_google_application_credentials(gworld, monkeypatch):
    gworld.standard([], [["Recipient", "Fixed"], ["referrer", 100]])
    key = gworld.key
    text = gworld.config.read_text()
    gworld.config.write_text("\n".join(l for l in text.splitlines() if not l.startswith("credentials")) + "\n")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    code, out = _check(gworld)
    assert code == 0, out
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    code, out = _check(gworld)
    assert code == 1 and "GOOGLE_APPLICATION_CREDENTIALS" in out


def test_check_names_the_api_to_enable(gworld):
    gworld.standard([], [["Recipient", "Fixed"], ["referrer", 100]])
    gworld.standin.disable_api()
    try:
        code, out = _check(gworld)
    finally:
        gworld.standin.enable_api()
    assert code == 1 and "Google Sheets API" in out and "Enable" in out


def test_check_names_the_address_to_share_with(gworld):
    gworld.sheet_id = gworld.standin.add_spreadsheet({"Referrals": [["Submitted at"]]})
    gworld._write_config()
    gworld.standin.share(gworld.sheet_id, "someone.else@example.com")   # shared, but not with the worker
    code, out = _check(gworld)
    assert code == 1
    assert f"spreadsheet {gworld.sheet_id}: the service account has no access — open the sheet, click Share and " \
           f"add {EMAIL} as Editor" in out
    assert f"把 {EMAIL} 添加为编辑者" in out                            # the Chinese text names it too
    p = gworld.cli("sync", "--today", "2026-11-20")                   # and so does a pass
    assert p.returncode == 2 and EMAIL in p.stderr
    gworld.standin.share(gworld.sheet_id, "someone.else@example.com", EMAIL)
    assert "no access" not in _check(gworld)[1]                        # shared with it: that problem is gone


def test_check_says_the_spreadsheet_is_not_there(gworld):
    gworld.sheet_id = "1NoSuchSpreadsheet0000000000000000000000000"
    gworld._write_config()
    code, out = _check(gworld)
    assert code == 1 and "no such spreadsheet" in out and gworld.sheet_id in out


def test_check_accepts_a_full_url_and_reports_a_missing_header(gworld):
    gworld.book({"Referrals": [["Submitted at", "Referrer"]], "Rules": [["Recipient", "Fixed"], ["referrer", 1]]})
    gworld.sheet_id = f"https://docs.google.com/spreadsheets/d/{gworld.sheet_id}/edit#gid=0"
    gworld._write_config()
    code, out = _check(gworld)
    assert code == 1 and "New customer" in out


def test_secrets_never_reach_the_output(gworld):
    gworld.standard([], [["Recipient", "Fixed"], ["referrer", 100]])
    key = json.loads(gworld.key.read_text())
    code, out = _check(gworld)
    p = gworld.cli("sync", "--today", "2026-11-20")
    for text in (out, p.stdout, p.stderr):
        assert key["private_key"][40:80] not in text and "Bearer" not in text


def test_config_text_has_no_secret(gworld):
    assert "private_key" not in gs_config("x", gworld.key, "http://127.0.0.1:1")


def test_check_reports_a_missing_tab(gworld):
    gworld.book({"Referrals": [["Submitted at", "Referrer", "Referrer phone", "New customer", "New customer phone"]]})
    code, out = _check(gworld)
    assert code == 1 and "Workbook: no tab named" in out and "Rules" in out and "[tabs]" in out


def test_init_keeps_the_rows_staff_already_have(gworld):
    s = gworld.standin
    gworld.sheet_id = s.add_spreadsheet({"Referrals": [
        ["Submitted at", "Referrer", "Referrer phone", "New customer", "New customer phone", "Approved"],
        ["2026-10-01", "Ann", "13800000001", "Bo", "13900000001", True]]})
    gworld._tabs = ["Referrals"]
    gworld._write_config()
    before = s.grid(gworld.sheet_id, "Referrals")
    assert gworld.cli("init", "--empty", "--language", "en").returncode == 0
    assert s.grid(gworld.sheet_id, "Referrals") == before            # not a cell of the staff's tab changed
    assert {"Rules", "Settings", "Staff"} <= set(s.tabs(gworld.sheet_id))
    assert s.validation_at(gworld.sheet_id, "Referrals", 2, 6)["condition"]["type"] == "BOOLEAN"
    s.reset_requests()
    again = gworld.cli("init", "--empty", "--language", "en")
    assert "nothing was changed" in again.stdout and sum(s.count(k) for k in WRITES) == 0


def test_every_refusal_for_want_of_sharing_names_the_address(gworld):
    """init, and a write refused because the sheet stopped being shared mid-pass, name it too."""
    s = gworld.standin
    gworld.sheet_id = s.add_spreadsheet({"Sheet1": []})
    gworld._write_config()
    s.share(gworld.sheet_id, "someone.else@example.com")
    p = gworld.cli("init", "--empty", "--language", "en")
    assert p.returncode != 0 and f"add {EMAIL} as Editor" in p.stderr and f"把 {EMAIL} 添加为编辑者" in p.stderr

    from conftest import referral
    gworld.standard([referral()], [["Recipient", "Fixed"], ["referrer", 100]])
    # right after the guard read (the first pass's only batchGet), before the write
    s.after_next_read(lambda st: st.share(gworld.sheet_id, "someone.else@example.com"), kinds=("batch_get",))
    result = gworld.sync()
    assert result.not_written and EMAIL in result.not_written and "Share" in result.not_written
