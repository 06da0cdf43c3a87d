"""The Dashboard / 看板 tab: counts, cash amounts, what waits for whom and warnings,
written by a real pass into a real workbook (and, through the stand-in, a Google Sheet)."""
from __future__ import annotations

from decimal import Decimal

from conftest import REF_HEADER, referral, rows_from_dicts

RULES = [["Recipient", "Rate %", "Fixed", "Reward type", "Category"],
         ["referrer", "1", "", "cash", ""],
         ["signer", "", "200", "cash", ""],
         ["referrer", "", "500", "voucher", "车位"],        # 车位 is excluded in Settings: never matches
         ]
STAFF = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "销售顾问"]]
TITLE = "Referral rewards — overview (filled in by the worker; typing here is overwritten)"


def deal(phone, **kw):
    base = {"New customer phone": phone, "Deal amount": 100000, "Deal date": "2026-10-05", "Signer": "Lee"}
    base.update(kw)
    return referral(**base)


def referrals():
    return [
        deal("13900000001"),                                      # awaiting approval: 1000 + 200
        deal("13900000002", **{"Deal amount": 250000}),           # awaiting approval: 2500 + 200
        deal("13900000003", Approved=True),                       # approved: 1000 + 200
        deal("13900000004", Approved=True, Paid=True),            # paid
        referral(**{"New customer phone": None}),                 # needs fixing (row 6)
        referral(**{"New customer phone": "13900000006"}),        # waiting for deal
    ]


def make(world, refs=None, dashboard=None, settings=None, language="en"):
    s = {"language": language, "register_by_first_visit": "no", "payout_requires_paid_in_full": "no",
         "excluded_categories": "车位"}
    s.update(settings or {})
    tabs = {"Referrals": rows_from_dicts(REF_HEADER, referrals() if refs is None else refs), "Rules": RULES,
            "Settings": [["Key", "Value"]] + [[k, v] for k, v in s.items()], "Staff": STAFF}
    tabs["Dashboard" if language == "en" else "看板"] = dashboard if dashboard is not None else [[TITLE]]
    world.book(tabs)


def grid(world, name="Dashboard"):
    return [list(r) for r in world.sheet(name).iter_rows(values_only=True)]


def by_label(g, start_label):
    """Rows of the section that starts with the row labelled `start_label`, as label → row."""
    start = next(i for i, r in enumerate(g) if r and r[0] == start_label)
    out = {}
    for r in g[start + 1:]:
        if not r or r[0] is None:
            break
        out[r[0]] = r
    return out


def money(x):
    return None if x is None else Decimal(str(x)).normalize()


def test_counts_amounts_todo_and_warnings_in_english(world):
    make(world)
    world.sync("2026-11-20")
    g = grid(world)
    assert g[0][0] == TITLE
    assert g[1][:2] == ["Figures as of", "2026-11-20"]
    status = by_label(g, "Status")
    assert list(status)[:14] == ["Needs fixing", "Not eligible", "Voided", "Clawback", "Waiting for deal",
                                 "Waiting for payment", "Holding", "No reward", "Awaiting approval",
                                 "Awaiting GM approval", "Rejected", "Approved", "Notified", "Paid"]
    assert status["Awaiting approval"][1] == 2
    assert (money(status["Awaiting approval"][2]), money(status["Awaiting approval"][3])) == (Decimal(3500),
                                                                                             Decimal(400))
    assert status["Approved"][1] == 1 and [money(x) for x in status["Approved"][2:]] == [1000, 200]
    assert status["Needs fixing"][1:] == [1, None, None]
    assert status["Total"][1:] == [6, None, None]
    todo = by_label(g, "Waiting for someone")
    assert todo["Awaiting approval"][1] == 2 and money(todo["Awaiting approval"][2]) == Decimal(3900)
    assert todo["Awaiting approval"][3] == "Managers: check the amounts and tick Approved in the Referrals tab, rows 2, 3"
    assert todo["Needs fixing"][3].endswith("says what): row 6")
    assert todo["Approved"][3].startswith("Finance: hand these rewards out, then tick Paid") and \
        todo["Approved"][3].endswith("row 4")
    assert "Awaiting GM approval" not in todo
    assert todo["Approved, no referrer email"][1] == 1 and todo["Approved, no referrer email"][3].endswith("tab, row 4)")
    warnings = [r[0] for r in g[g.index(next(r for r in g if r and r[0] and r[0].startswith("Warnings"))) + 1:]
                if r and r[0]]
    assert len(warnings) == 1 and "Rules tab" in warnings[0] and "can never match" in warnings[0]


def test_a_pass_that_changes_nothing_on_it_does_not_write_it_and_the_date_follows_changes(world):
    make(world)
    world.sync("2026-11-20")
    before = grid(world)
    world.set_cell(2, "Referrer", "Ann Li")            # a full pass, nothing on the dashboard changes
    world.sync("2026-11-23")
    assert grid(world) == before
    world.set_cell(2, "Approved", True)                # one more approved row: the figures change
    world.sync("2026-11-24")
    after = grid(world)
    assert after[1][1] == "2026-11-24"
    assert by_label(after, "Status")["Approved"][1] == 2


def test_columns_a_to_d_are_the_workers_others_are_kept_and_stale_rows_cleared(world):
    stale = [[TITLE], ["old"], [None, None, None, None, None, "my note"]] + [[None]] * 40 + [["stale line", 1]]
    make(world, dashboard=stale)
    world.sync("2026-11-20")
    g = grid(world)
    assert g[2][5] == "my note"
    assert not any(r[0] == "stale line" for r in g)
    assert all(v is None for r in g[30:] for v in r[:4])


def test_chinese_workbook_gets_a_chinese_dashboard(world):
    make(world, language="zh", dashboard=[["推荐奖励看板"]])
    world.sync("2026-11-20")
    g = grid(world, "看板")
    assert g[0][0].startswith("推荐奖励看板（由系统自动填写")
    assert g[1][:2] == ["数据日期", "2026-11-20"]
    status = by_label(g, "状态")
    assert status["待审批"][1] == 2 and status["已审批"][1] == 1 and status["合计"][1] == 6
    todo = by_label(g, "待处理事项")
    assert todo["待审批"][3] == "销售经理：请核对金额后在Referrals工作表勾选“审批通过”：第 2、3 行"
    assert todo["待修正"][3].endswith("第 6 行")


def test_without_a_dashboard_tab_nothing_is_added(world):
    s = {"language": "en", "register_by_first_visit": "no", "payout_requires_paid_in_full": "no"}
    world.book({"Referrals": rows_from_dicts(REF_HEADER, referrals()), "Rules": RULES,
                "Settings": [["Key", "Value"]] + [[k, v] for k, v in s.items()], "Staff": STAFF})
    result = world.sync("2026-11-20")
    assert result.rows == 6
    assert world.status()[0] == "Awaiting approval"


def test_demo_and_empty_workbooks_come_with_the_tab(tmp_path):
    import datetime as dt
    import openpyxl

    from workflow.demo import build, create_empty
    build(tmp_path / "demo.xlsx", dt.date(2026, 11, 13))
    create_empty(tmp_path / "empty.xlsx", language="en")
    assert openpyxl.load_workbook(tmp_path / "demo.xlsx").sheetnames[-1] == "看板"
    assert openpyxl.load_workbook(tmp_path / "empty.xlsx").sheetnames[-1] == "Dashboard"
