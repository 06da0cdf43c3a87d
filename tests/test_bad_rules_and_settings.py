"""Every malformed Rules, Milestones or Settings cell is named by `check` with
tab, cell and fix, and stops `sync` (exit 2, nothing written or issued)."""
from __future__ import annotations

import openpyxl
import pytest

from conftest import referral

RULE_HEADER = ["Recipient", "Program", "Referrer type", "Category", "Min amount", "Max amount", "Rate %", "Fixed",
               "Cap", "Round to", "Reward type", "Item", "Group", "From", "To"]
GOOD_RULE = ["referrer", "", "", "", "", "", "1", "", "", "", "cash", "", "", "", ""]

BAD_RULE_CELLS = {
    "Recipient": "the boss",
    "Referrer type": "cousin",
    "Min amount": "lots",
    "Max amount": "-5",
    "Rate %": "five",
    "Fixed": "¥¥",
    "Cap": "no cap",
    "Round to": "0",
    "Reward type": "crypto",
    "From": "someday",
    "To": "2026-13-45",
}

BAD_SETTINGS = {
    "language": "klingon",
    "timezone": "Mars/Base",
    "campaign_start": "soon",
    "register_by_first_visit": "perhaps",
    "deal_within_days": "-3",
    "holding_days": "five",
    "second_approval_over": "a lot",
    "monthly_cap_count": "2.5",
    "monthly_cap_amount": "∞",
    "statement_day": "31",
}


def _book(world, rules, settings=None, milestones=None):
    world.standard([referral(**{"Deal amount": 1000, "Deal date": "2026-10-05", "Approved": True})], rules,
                   settings or {}, milestones=milestones)


def _assert_stops(world, needle_cell: str, needle_value: str):
    before = world.path.read_bytes()
    p = world.cli("check")
    assert p.returncode == 1, p.stdout + p.stderr
    assert needle_cell in p.stdout and needle_value in p.stdout, p.stdout
    assert "—" in p.stdout
    p = world.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 2
    assert world.path.read_bytes() == before
    assert not (world.dir / "ledger.sqlite").exists() or world.lines() == []


@pytest.mark.parametrize("header", sorted(BAD_RULE_CELLS))
def test_malformed_rule_cell(world, header):
    row = list(GOOD_RULE)
    row[RULE_HEADER.index(header)] = BAD_RULE_CELLS[header]
    _book(world, [RULE_HEADER, GOOD_RULE, row])
    col = "ABCDEFGHIJKLMNO"[RULE_HEADER.index(header)]
    _assert_stops(world, f"Rules tab, cell {col}3", BAD_RULE_CELLS[header])


@pytest.mark.parametrize("key", sorted(BAD_SETTINGS))
def test_malformed_setting(world, key):
    _book(world, [RULE_HEADER, GOOD_RULE], {key: BAD_SETTINGS[key]})
    _assert_stops(world, "Settings tab, cell B", BAD_SETTINGS[key])


@pytest.mark.parametrize("rule,needle", [
    (["referrer", "", "", "", "", "", "", "", "", "", "cash", "", "", "", ""], "gives nothing"),
    (["referrer", "", "", "", "5000", "1000", "1", "", "", "", "cash", "", "", "", ""], "Min amount"),
    (["referrer", "", "", "", "", "", "1", "", "", "", "cash", "", "", "2026-12-01", "2026-01-01"], "From"),
])
def test_rule_rows_that_make_no_sense(world, rule, needle):
    _book(world, [RULE_HEADER, GOOD_RULE, rule])
    _assert_stops(world, "Rules tab, row 3", needle)


def test_rate_over_a_hundred_percent(world):
    rule = ["referrer", "", "", "", "", "", "250", "", "", "", "cash", "", "", "", ""]
    _book(world, [RULE_HEADER, GOOD_RULE, rule])
    _assert_stops(world, "Rules tab, cell G3", "250 %")


@pytest.mark.parametrize("row,needle", [
    (["referrer", "", "", "each", "cash", "100", ""], "Count"),
    (["referrer", "three", "", "each", "cash", "100", ""], "three"),
    (["referrer", "3", "fortnight", "each", "cash", "100", ""], "fortnight"),
    (["referrer", "3", "all", "sometimes", "cash", "100", ""], "sometimes"),
    (["referrer", "3", "all", "highest", "cash", "100", ""], "never ends"),
    (["referrer", "3", "all", "each", "", "", ""], "gives nothing"),
])
def test_malformed_milestone_row(world, row, needle):
    header = ["Recipient", "Count", "Period", "Mode", "Reward type", "Amount", "Item"]
    _book(world, [RULE_HEADER, GOOD_RULE], milestones=[header, row])
    _assert_stops(world, "Milestones tab", needle)


def test_unknown_setting_is_a_warning_only(world):
    _book(world, [RULE_HEADER, GOOD_RULE], {"holdingdayz": "5"})
    p = world.cli("check")
    assert p.returncode == 0 and "holdingdayz" in p.stdout and "warning" in p.stdout


def test_chinese_workbook_gets_chinese_check_output(world):
    world.book({
        "推荐登记": [["登记时间", "推荐人", "推荐人电话", "新客户", "新客户电话"], ["2026-10-01", "甲", "13800000001", "乙", "13900000001"]],
        "奖励规则": [["奖励对象", "比例%"], ["推荐人", "五"]],
    })
    p = world.cli("check")
    assert p.returncode == 1
    assert "奖励规则工作表 B2 单元格（比例%）" in p.stdout and "“五”" in p.stdout


MILESTONE_HEADER = ["Recipient", "Count", "Period", "Mode", "Reward type", "Amount", "Item"]
MILESTONE_ROW = ["referrer", "3", "all", "each", "cash", "100", ""]


@pytest.mark.parametrize("tab,header", [("Rules", "Recipient"), ("Milestones", "Count"), ("Settings", "Key"),
                                        ("Settings", "Value"), ("Staff", "Name")])
def test_a_required_column_deleted_from_a_setup_tab_is_named_and_stops_sync(world, tab, header):
    _book(world, [RULE_HEADER, GOOD_RULE], milestones=[MILESTONE_HEADER, MILESTONE_ROW])
    staff = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"]]

    def drop(ws):
        if tab == "Staff":
            for row in staff:
                ws.append(row)
        head = [c.value for c in ws[1]]
        ws.delete_cols(head.index(header) + 1)
    if tab == "Staff":
        wb = openpyxl.load_workbook(world.path)
        drop(wb.create_sheet("Staff"))
        wb.save(world.path)
    else:
        world.edit(drop, tab)
    before = world.path.read_bytes()
    p = world.cli("check")
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stdout + p.stderr
    assert f"{tab} tab, row 1" in p.stdout and header in p.stdout and "—" in p.stdout, p.stdout
    p = world.cli("sync", "--today", "2026-11-20")
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert world.path.read_bytes() == before


def test_a_setting_typed_twice_with_two_values_stops_sync_and_names_both_cells(world):
    world.standard([referral(**{"Deal amount": 1000, "Deal date": "2026-10-05"})], [RULE_HEADER, GOOD_RULE],
                   {"holding_days": 5})
    world.edit(lambda ws: ws.append(["holding_days", 7]), "Settings")
    rows = world.sheet("Settings").max_row
    p = world.cli("check")
    assert p.returncode == 1
    assert f'Settings tab, cell B{rows}' in p.stdout and 'set twice, to "5" in B' in p.stdout and '"7"' in p.stdout, \
        p.stdout
    world.edit(lambda ws: ws.cell(rows, 2, 5), "Settings")          # the same value twice: fine
    assert world.cli("check").returncode == 0


def test_a_missing_settings_tab_is_a_warning_naming_the_defaults(world):
    world.book({"Referrals": [["Submitted at", "Referrer", "Referrer phone", "New customer", "New customer phone"]],
                "Rules": [RULE_HEADER, GOOD_RULE]})
    p = world.cli("check")
    assert p.returncode == 0 and "Settings tab: not found" in p.stdout and "no holding period" in p.stdout, p.stdout


def test_a_cap_that_is_not_a_multiple_of_the_rounding_unit_never_pays_above_the_cap(world):
    header = ["Recipient", "Rate %", "Cap", "Round to", "Reward type"]
    world.standard([referral(**{"Deal amount": 56000, "Deal date": "2026-10-05", "Approved": True}),
                    referral(**{"Deal amount": 20000, "Deal date": "2026-10-05", "Approved": True,
                                "New customer phone": "13900000099"})],
                   [header, ["referrer", "1", "550", "100", "cash"]])
    p = world.cli("check")
    assert p.returncode == 0 and "Rules tab, cell C2" in p.stdout and "pays 500" in p.stdout, p.stdout
    world.sync()
    assert [l["amount"] for l in world.lines()] == ["500", "200"]      # 560 → capped 550 → never 600


def test_a_cap_below_the_rounding_unit_stops_sync(world):
    header = ["Recipient", "Rate %", "Cap", "Round to", "Reward type"]
    _book(world, [header, ["referrer", "1", "50", "100", "cash"]])
    _assert_stops(world, "Rules tab, cell C2", "below Round to 100")


def test_a_round_to_written_as_a_word_says_what_a_unit_is(world):
    row = list(GOOD_RULE)
    row[RULE_HEADER.index("Round to")] = "百"
    _book(world, [RULE_HEADER, GOOD_RULE, row])
    _assert_stops(world, "Rules tab, cell J3", "is not a rounding unit — write 0.01, 1, 10 or 100")


@pytest.mark.parametrize("tab,needle", [("Settings", "every setting would fall back to its default"),
                                        ("Milestones", "the milestone rewards issued would be reversed")])
def test_a_tab_the_last_passes_decided_with_deleted_stops_the_pass(world, tab, needle):
    _book(world, [RULE_HEADER, GOOD_RULE], {"holding_days": "5"}, milestones=[MILESTONE_HEADER, MILESTONE_ROW])
    assert world.cli("sync", "--today", "2026-11-20").returncode == 0
    wb = openpyxl.load_workbook(world.path)
    wb.remove(wb[tab])
    wb.save(world.path)
    before = world.path.read_bytes()
    p = world.cli("check")
    assert p.returncode == 1 and f"{tab} tab: not found" in p.stdout and needle in p.stdout, p.stdout
    p = world.cli("sync", "--today", "2026-11-21")
    assert p.returncode == 2 and needle in p.stderr
    assert world.path.read_bytes() == before


def test_check_names_bad_cells_and_a_column_the_ledger_relies_on_in_one_run(world):
    assert world.cli("init", "--today", "2026-11-20").returncode == 0      # the demo, with its ledger history
    assert world.cli("sync", "--today", "2026-11-20").returncode == 0
    wb = openpyxl.load_workbook(world.path)
    wb["奖励规则"]["G4"], wb["奖励规则"]["I5"], wb["设置"]["B3"] = "0.2%%", "一万", "五天"
    for c in wb["推荐登记"][1]:
        if c.value == "审批通过":
            c.value = "经理审批"
    wb.save(world.path)
    before = world.path.read_bytes()
    needles = ("G4", "“0.2%%”", "I5", "“一万”", "B3", "“五天”", "找不到列 “Approved” / “审批通过” — 上次处理时该列有审批记录")
    p = world.cli("check")
    assert p.returncode == 1 and all(n in p.stdout for n in needles), p.stdout
    assert "检查：4 个问题会阻止处理" in p.stdout, p.stdout
    p = world.cli("sync", "--today", "2026-11-21")
    assert p.returncode == 2 and all(n in p.stderr for n in needles), p.stderr
    assert world.path.read_bytes() == before
