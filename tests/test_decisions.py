"""The decision list of product.md, end to end on real .xlsx files and a real ledger."""
from __future__ import annotations

from conftest import referral

RULES = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"]]


def deal(**kw):
    base = {"Deal amount": 100000, "Deal date": "2026-10-05"}
    base.update(kw)
    return referral(**base)


def test_every_status_of_the_list_in_english(world):
    world.standard([
        referral(**{"New customer phone": None}),                                        # needs fixing
        referral(**{"New customer phone": "13800000001"}),                               # self-referral
        deal(**{"New customer phone": "13900000009", "Cancelled": True}),                # voided
        referral(**{"New customer phone": "13900000002"}),                               # waiting for deal
        deal(**{"New customer phone": "13900000003", "Deal date": "2026-11-18"}),        # holding
        deal(**{"New customer phone": "13900000004"}),                                   # awaiting approval
        deal(**{"New customer phone": "13900000005", "Approved": True}),                 # approved
        deal(**{"New customer phone": "13900000006", "Rejected": True}),                 # rejected
        deal(**{"New customer phone": "13900000007", "Approved": True, "Paid": True}),   # paid
        deal(**{"New customer phone": "13900000008", "Approved": True, "Deal amount": 600000}),  # GM
    ], RULES, {"holding_days": "5", "second_approval_over": "5000"})
    world.sync("2026-11-20")
    assert world.status() == ["Needs fixing", "Not eligible", "Voided", "Waiting for deal",
                              "Holding until 2026-11-25", "Awaiting approval", "Approved", "Rejected", "Paid",
                              "Awaiting GM approval"]
    assert "GM approved: needed too" in world.rows()[9]["Problems"]          # why it waits for the GM
    world.sync("2026-11-25")
    assert world.status()[4] == "Awaiting approval"
    paid = [(l["ref_id"], l["amount"], l["status"]) for l in world.lines()]
    assert paid == [("R-000007", "1000", "approved"), ("R-000009", "1000", "paid")]


def test_waiting_for_payment_then_payable(world):
    world.standard([deal(Approved=True)], RULES, {"payout_requires_paid_in_full": "yes"})
    world.sync()
    assert world.status() == ["Waiting for payment"]
    assert world.lines() == []
    world.set_cell(2, "Paid in full", "✓")
    world.sync()
    assert world.status() == ["Approved"]
    assert [l["amount"] for l in world.lines()] == ["1000"]


def test_problem_text_names_column_value_and_fix(world):
    world.standard([deal(**{"Deal amount": "lots"})], RULES)
    world.sync()
    problem = world.rows()[0]["Problems"]
    assert problem.startswith("Deal amount:") and '"lots"' in problem and "—" in problem


def test_chinese_workbook_gets_chinese_labels_and_headers(world):
    world.book({
        "推荐登记": [["登记时间", " 推荐人 ", "推荐人电话", "新客户", "ＮＥＷ customer phone", "成交金额", "成交日期"],
                 ["2026-10-01", "张三", "13800000001", "李四", "13900000001", "3万", "2026年10月5日"]],
        "奖励规则": [["奖励对象", "比例%", "奖励类型"], ["推荐人", "1", "现金"]],
        "设置": [["项目", "值"], ["全款到账后发放", "否"], ["首次到访前登记", "否"]],
    })
    world.sync()
    ws = world.sheet("推荐登记")
    head = [c.value for c in ws[1]]
    assert {"编号", "状态", "问题", "推荐人奖励", "新客户优惠", "员工提成"} <= set(head)
    assert ws.cell(2, head.index("状态") + 1).value == "待审批"
    assert ws.cell(2, head.index("推荐人奖励") + 1).value == 300


def test_change_after_approval_clears_ticks_and_reissues_only_the_difference(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    assert [l["amount"] for l in world.lines()] == ["1000"]
    world.set_cell(2, "Deal amount", 120000)
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Awaiting approval"
    assert row["Approved"] in (None, False)              # the tick was cleared
    assert "Deal amount 100,000 → 120,000" in row["Problems"]
    assert [l["amount"] for l in world.lines()] == ["1000"]   # the old approval is kept
    world.sync()
    assert world.rows()[0]["Status"] == "Awaiting approval"
    world.set_cell(2, "Approved", True)
    world.sync()
    assert world.rows()[0]["Status"] == "Approved"
    assert world.rows()[0]["Problems"] is None
    assert [l["amount"] for l in world.lines()] == ["1000", "200"]   # only the difference


def test_cancel_after_payment_is_clawback_with_money_to_recover(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Cancelled", "是")
    world.sync()
    assert world.status() == ["Clawback"]
    assert "1000" in world.rows()[0]["Problems"]
    lines = [(l["amount"], l["status"]) for l in world.lines()]
    assert lines == [("1000", "paid"), ("-1000", "clawback")]
    world.sync()
    assert len(world.lines()) == 2


def test_cancel_after_the_notice_before_payment_says_do_not_hand_it_out(world):
    world.standard([deal(Approved=True, **{"Referrer email": "ann@example.com"})], RULES)
    world.sync()
    assert world.status() == ["Notified"]
    world.set_cell(2, "Cancelled", True)
    world.sync()
    assert world.status() == ["Clawback"]
    text = world.rows()[0]["Problems"]
    assert "before the reward was handed out" in text and "do not hand them out" in text and "recover" not in text
    # nothing of it is to be paid any more: both lines void (a payroll of approved/notified lines skips them)
    assert [(l["amount"], l["status"]) for l in world.lines()] == [("1000", "void"), ("-1000", "void")]


def test_cancel_after_approval_before_payment_reverses_with_nothing_to_recover(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Cancelled", "是")
    world.sync()
    assert world.status() == ["Voided"]                 # nothing was paid or stated yet (product.md, step 3)
    assert "nothing to recover" in world.rows()[0]["Problems"]
    lines = [(l["amount"], l["status"]) for l in world.lines()]
    assert lines == [("1000", "void"), ("-1000", "void")]
    world.sync()
    assert len(world.lines()) == 2


def test_rejecting_after_approval_voids_the_lines(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Rejected", True)
    world.sync()
    assert world.status()[0] == "Rejected"
    assert [(l["amount"], l["status"]) for l in world.lines()] == [("1000", "void"), ("-1000", "void")]


def test_duplicate_new_customer_names_the_winner(world):
    world.standard([deal(**{"Submitted at": "2026-10-02"}),
                    deal(**{"Submitted at": "2026-10-01", "Referrer": "Cy", "Referrer phone": "13700000000",
                            "New customer phone": "+86 139-0000-0001"})], RULES)
    world.sync()
    rows = world.rows()
    assert rows[0]["Status"] == "Not eligible" and rows[0]["Ref ID"] == "R-000001"
    assert "R-000002" in rows[0]["Problems"]
    assert rows[1]["Status"] == "Awaiting approval"


def test_monthly_cap_count_keeps_the_new_customer_benefit(world):
    rules = [["Recipient", "Fixed", "Reward type"], ["referrer", 10, "cash"], ["new customer", 5, "cash"]]
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(3)]
    world.standard(rows, rules, {"monthly_cap_count": "2"})
    world.sync()
    got = sorted((l["ref_id"], l["recipient_role"], l["amount"]) for l in world.lines())
    assert got == [("R-000001", "new_customer", "5"), ("R-000001", "referrer", "10"),
                   ("R-000002", "new_customer", "5"), ("R-000002", "referrer", "10"),
                   ("R-000003", "new_customer", "5")]
    assert "monthly limit" in world.rows()[2]["Problems"]


def test_monthly_cap_amount_cuts_the_last_reward(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(3)]
    world.standard(rows, RULES, {"monthly_cap_amount": "2500"})
    world.sync()
    assert [l["amount"] for l in world.lines()] == ["1000", "1000", "500"]


def test_change_of_rules_after_approval_asks_again(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.edit(lambda ws: ws.cell(2, 2, "2"), "Rules")
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Awaiting approval" and "Reward Ann 1,000 → 2,000" in row["Problems"]


def test_unticking_approval_voids_what_was_issued(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Approved", False)
    world.sync()
    assert world.status() == ["Awaiting approval"]
    assert [l["status"] for l in world.lines()] == ["void", "void"]


def test_unusable_settings_stop_sync_and_nothing_is_written(world):
    world.standard([deal()], RULES, {"holding_days": "five"})
    before = world.path.read_bytes()
    p = world.cli("sync")
    assert p.returncode == 2
    assert "holding_days" in p.stderr and '"five"' in p.stderr
    assert world.path.read_bytes() == before
    p = world.cli("check")
    assert p.returncode == 1 and "Settings tab, cell B" in p.stdout


def test_missing_required_header_is_named_by_check(world):
    world.book({"Referrals": [["Submitted at", "Referrer", "New customer"], ["2026-10-01", "A", "B"]],
                "Rules": RULES})
    p = world.cli("check")
    assert p.returncode == 1
    assert '“New customer phone” / “新客户电话”' in p.stdout
    p = world.cli("sync")
    assert p.returncode == 2


def test_config_aliases_map_extra_headers(world):
    world.config.write_text(world.config.read_text() + '[aliases.referrals]\ncustomer_phone = ["Client mobile"]\n')
    world.standard([{"Submitted at": "2026-10-01", "Referrer": "A", "Referrer phone": "13800000001",
                     "New customer": "B", "Client mobile": "13900000001"}], RULES,
                   header=["Submitted at", "Referrer", "Referrer phone", "New customer", "Client mobile"])
    world.sync()
    assert world.status() == ["Waiting for deal"]


def test_problems_name_a_column_by_its_header_as_the_sheet_spells_it(world):
    """A column found under an alias (config's, or a built-in one such as
    "Amount") is named in texts as the sheet shows it, not by the spec's name."""
    world.config.write_text(world.config.read_text() + '[aliases.referrals]\ncustomer_phone = ["Client mobile"]\n')
    header = ["Submitted at", "Referrer", "Referrer phone", "New customer", "Client mobile", "Amount",
              "Deal date", "Approved"]
    base = {"Submitted at": "2026-10-01", "Referrer": "A", "Referrer phone": "13800000001", "New customer": "B",
            "Deal date": "2026-10-05"}
    world.standard([{**base, "Client mobile": "12", "Amount": 100000},
                    {**base, "Client mobile": "13900000002", "Amount": "lots"},
                    {**base, "Client mobile": "13900000003", "Amount": 100000, "Approved": True}],
                   RULES, header=header)
    world.sync()
    rows = world.rows()
    assert rows[0]["Problems"].startswith("Client mobile:"), rows[0]["Problems"]
    assert rows[1]["Problems"].startswith('Amount: "lots"'), rows[1]["Problems"]
    assert "New customer phone" not in rows[0]["Problems"] and "Deal amount" not in rows[1]["Problems"]
    world.set_cell(4, "Amount", 120000)          # changed after approval: the change names the column too
    world.sync()
    changed = world.rows()[2]["Problems"]
    assert "Changed after approval: Amount 100,000 → 120,000" in changed, changed


def test_headers_of_the_spec_keep_the_workbook_language_in_texts(world):
    """English headers in a Chinese workbook: texts stay Chinese throughout."""
    world.standard([deal(**{"Deal amount": "lots"})], RULES, {"language": "zh"})
    world.sync()
    problem = world.rows()[0]["问题"]
    assert problem.startswith("成交金额：“lots”"), problem


def test_check_warns_about_rows_that_can_never_match(world):
    rules = [["Recipient", "Category", "Rate %", "Reward type", "Group"],
             ["referrer", "", "5", "cash", ""], ["referrer", "重点客户", "8", "cash", ""]]
    world.standard([deal()], rules)
    p = world.cli("check")
    assert p.returncode == 0
    assert "Rules tab, row 3" in p.stdout and "never match" in p.stdout


def test_re_tick_right_after_the_clearing_pass_is_a_new_approval(world):
    world.standard([deal(Approved=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 150000)
    world.sync()                                   # clears the tick
    world.set_cell(2, "Approved", True)            # the manager approves again at once
    world.sync()
    assert world.status() == ["Approved"]
    assert [l["amount"] for l in world.lines()] == ["1000", "500"]


def test_waiting_for_payment_says_what_to_do(world):
    world.standard([deal()], RULES, {"payout_requires_paid_in_full": "yes"})
    world.sync()
    assert "Paid in full" in world.rows()[0]["Problems"]


def test_two_groups_of_the_same_type_are_two_lines(world):
    rules = [["Recipient", "Rate %", "Fixed", "Reward type", "Group"],
             ["referrer", "1", "", "cash", "commission"], ["referrer", "", "300", "cash", "bonus"]]
    world.standard([deal(Approved=True)], rules)
    world.sync()
    assert sorted(l["amount"] for l in world.lines()) == ["1000", "300"]
    assert world.sync().cells_written == 0 and len(world.lines()) == 2


def test_amount_cap_is_stable_once_issued(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True, "Deal date": f"2026-10-0{i + 2}"})
            for i in range(3)]
    world.standard(rows, RULES, {"monthly_cap_amount": "2500"})
    world.sync()
    # a late registration with an earlier deal does not take the room of rewards already issued
    world.edit(lambda ws: ws.append(["2026-09-30", "Ann", "13800000001", None, None, "Zed", "13955555555", None, None,
                                     None, None, 100000, "2026-10-01", None, None, None, None, None, True]))
    world.sync()
    assert world.sync().cells_written == 0
    assert [l["amount"] for l in world.lines()] == ["1000", "1000", "500"]
    assert world.status() == ["Approved"] * 3 + ["No reward"]
    assert "limit" in world.rows()[3]["Problems"]


MS_HEADER = ["Recipient", "Count", "Period", "Mode", "Reward type", "Amount", "Item"]


def test_milestone_each_per_month_counts_each_month_afresh(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True, "Deal date": d})
            for i, d in enumerate(["2026-09-03", "2026-09-20", "2026-10-02", "2026-10-09"])]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 2, "month", "each", "cash", 100, ""]])
    world.sync()
    got = [(l["ref_id"], l["amount"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert got == [("R-000002", "100"), ("R-000004", "100")]


def test_export_counts_as_notified_what_a_notice_told(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Referrer email": "ann@example.com",
                    "Approved": i == 0, "Deal date": "2026-10-0" + str(i + 1)}) for i in range(2)]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 2, "year", "each", "cash", 100, ""]])
    world.sync()
    assert [(l["ref_id"], l["status"]) for l in world.lines()] == [("R-000001", "notified")]
    world.set_cell(3, "Approved", True)        # the second approval reaches the milestone
    world.sync()
    got = [(l["ref_id"], l["recipient_role"], l["amount"], l["status"]) for l in world.lines()]
    assert got == [("R-000001", "referrer", "1000", "notified"), ("R-000002", "referrer", "1000", "notified"),
                   ("R-000002", "milestone", "100", "notified")]      # its own milestone notice went


def test_milestone_highest_per_quarter_pays_once_the_quarter_ended(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True, "Deal date": f"2026-10-0{i + 1}"})
            for i in range(3)]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 1, "quarter", "highest", "cash", 100, ""],
                                            ["referrer", 3, "季度", "取最高", "cash", 500, ""]])
    world.sync("2026-12-31")
    assert [l for l in world.lines() if l["recipient_role"] == "milestone"] == []
    world.sync("2027-01-01")
    got = [(l["ref_id"], l["amount"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert got == [("R-000003", "500")]
    world.sync("2027-01-02")
    assert len([l for l in world.lines() if l["recipient_role"] == "milestone"]) == 1


def test_milestone_highest_pays_every_row_of_the_step_reached(world):
    """Scheme I's first step gives a 500 voucher and 500 VIP points: two rows of count 1."""
    world.standard([deal(Approved=True)], RULES, milestones=[
        MS_HEADER, ["referrer", 1, "quarter", "highest", "voucher", 500, "500元精品券"],
        ["referrer", 1, "quarter", "highest", "points", 500, "VIP500积分"],
        ["referrer", 2, "quarter", "highest", "points", 700, "VIP700积分"]])
    world.sync("2027-01-01")
    got = [(l["reward_type"], l["amount"], l["item"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert got == [("voucher", "500", "500元精品券"), ("points", "500", "VIP500积分")]
    assert world.sync("2027-01-02").cells_written == 0


def test_cancelling_a_referral_takes_back_a_milestone_it_made_possible(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(2)]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 2, "all", "each", "cash", 100, ""]])
    world.sync()
    world.set_cell(2, "Cancelled", True)
    world.sync()
    ms = [(l["ref_id"], l["amount"], l["status"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert ms == [("R-000002", "100", "void"), ("R-000002", "-100", "void")]


import pytest  # noqa: E402


@pytest.mark.parametrize("missing", ["Submitted at", "Referrer", "New customer", "New customer phone"])
def test_each_required_referral_column_missing_is_named(world, missing):
    header = [h for h in ["Submitted at", "Referrer", "Referrer phone", "New customer", "New customer phone"]
              if h != missing]
    world.book({"Referrals": [header, ["x"] * len(header)], "Rules": RULES})
    p = world.cli("check")
    assert p.returncode == 1 and f"“{missing}”" in p.stdout, p.stdout
    assert world.cli("sync").returncode == 2


@pytest.mark.parametrize("header,value,needle", [
    ("Submitted at", "yesterday", "Submitted at:"),
    ("Referrer", "x" * 300, "Referrer:"),
    ("Referrer phone", "call me", "Referrer phone:"),
    ("New customer phone", "12", "New customer phone:"),
    ("Deal date", "2026-02-30", "Deal date:"),
    ("Approved", "maybe", "Approved:"),
])
def test_each_garbled_required_or_key_cell_is_a_row_problem(world, header, value, needle):
    world.standard([deal(**{header: value})], RULES)
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Needs fixing" and needle in row["Problems"]


def test_a_reward_cut_by_the_amount_limit_gets_the_room_a_rejected_referral_leaves(world):
    rules = [["Recipient", "Fixed", "Reward type"], ["referrer", "10", "cash"]]
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Deal date": f"2026-11-0{i + 1}",
                    "Approved": i > 0}) for i in range(3)]
    world.standard(rows, rules, {"monthly_cap_amount": "25"})
    world.sync()
    assert [l["amount"] for l in world.lines()] == ["10", "5"]      # the waiting 11-01 deal holds its place
    assert "cut to 5" in world.rows()[2]["Problems"]
    world.set_cell(2, "Rejected", True)
    world.sync()                                                    # room for 5 more: the cut reward grows
    assert world.status() == ["Rejected", "Approved", "Awaiting approval"]
    assert "5 → 10" in world.rows()[2]["Problems"], world.rows()[2]["Problems"]
    assert "now leaves room for 5 more (an earlier referral of the month no longer counts)" in world.rows()[2]["Problems"]
    world.set_cell(4, "Approved", True)
    world.sync()
    assert world.status() == ["Rejected", "Approved", "Approved"]
    assert [l["amount"] for l in world.lines()] == ["10", "5", "5"] and world.rows()[2]["Problems"] is None
    assert world.sync().cells_written == 0


def test_a_group_named_like_the_reward_type_is_the_blank_group_of_that_type(world):
    for name in ("现金", "Cash"):
        rules = [["Recipient", "Category", "Rate %", "Reward type", "Group"],
                 ["referrer", "key account", "8", "cash", name], ["referrer", "", "5", "cash", ""]]
        world.standard([deal(Approved=True, Category="key account"), deal(**{"Approved": True,
                        "New customer phone": "13900000077"})], rules)
        for f in world.dir.glob("ledger.sqlite*"):
            f.unlink()
        world.sync()
        assert [(l["ref_id"], l["amount"]) for l in world.lines()] == [("R-000001", "8000"), ("R-000002", "5000")], name
        p = world.cli("check")
        assert "never" not in p.stdout                              # the 5 % row still pays the others
        assert "Rules tab, cell E2" in p.stdout and "names a reward type" in p.stdout, p.stdout   # said, though


def test_an_item_shows_its_value_unless_its_name_says_it(world):
    rules = [["Recipient", "Rate %", "Cap", "Fixed", "Reward type", "Item", "Group"],
             ["referrer", "10", "500", "", "voucher", "补货现金券", ""],
             ["referrer", "", "", "500", "voucher", "500元精品券", "gift"],
             ["new_customer", "0.5", "", "", "discount", "购房款优惠", ""]]
    world.standard([deal(**{"Deal amount": 2345.67})], rules)
    world.sync()
    row = world.rows()[0]
    assert row["Referrer reward"] == "补货现金券 (234.57) + 500元精品券", row
    assert row["New customer reward"] == "购房款优惠 (11.73)"


def test_a_registration_dated_in_the_future_needs_fixing_until_that_day(world):
    world.standard([deal(**{"Submitted at": "2027-01-01"})], RULES)
    world.sync("2026-11-20")
    row = world.rows()[0]
    assert row["Status"] == "Needs fixing"
    assert row["Problems"] == ("Submitted at: 2027-01-01 is in the future (today is 2026-11-20) — write the date "
                               "the referral was really registered")
    world.sync("2027-01-01")
    assert world.status() != ["Needs fixing"]


def test_a_change_after_approval_names_each_persons_reward_old_and_new(world):
    rules = [["Recipient", "Rate %", "Reward type"], ["referrer", "1", "cash"], ["signer", "0.5", "cash"]]
    world.standard([deal(Approved=True, Signer="Lee")], rules, staff=[["Name", "Role"], ["Lee", "Sales"]])
    world.sync()
    world.set_cell(2, "Deal amount", 50000)
    world.sync()
    problems = world.rows()[0]["Problems"]
    assert "Deal amount 100,000 → 50,000, Reward Ann 1,000 → 500, Reward Lee 500 → 250 — " in problems, problems



def test_a_milestone_step_taken_back_from_a_paid_row_says_what_to_recover(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True, "Paid": i == 1}) for i in range(2)]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 2, "all", "each", "cash", 50, ""]])
    world.sync("2026-11-20")
    world.set_cell(2, "Cancelled", True)          # R-000001 cancelled: Ann is below the step R-000002 was paid with
    world.sync("2026-11-21")
    ms = [(l["ref_id"], l["amount"], l["status"]) for l in world.lines() if l["recipient_role"] == "milestone"]
    assert ms == [("R-000002", "50", "paid"), ("R-000002", "-50", "clawback")]
    row = world.rows()[1]
    assert row["Status"] == "Paid"
    note = row["Problems"] or ""
    assert "Milestone step taken back" in note and "R-000001" in note and "cancelled" in note, note
    assert "recover 50 yuan from Ann" in note and "status clawback" in note, note
    assert world.full_pass("2026-11-22").cells_written == 0      # said the same while the row stays so


def test_a_milestone_step_taken_back_from_an_approved_row_says_not_to_hand_it_out(world):
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Approved": True}) for i in range(2)]
    world.standard(rows, RULES, milestones=[MS_HEADER, ["referrer", 2, "all", "each", "cash", 50, ""]])
    world.sync("2026-11-20")
    world.set_cell(2, "Approved", False)          # R-000001's approval taken back
    world.sync("2026-11-21")
    note = world.rows()[1]["Problems"] or ""
    assert world.rows()[1]["Status"] == "Approved"
    assert "Milestone step withdrawn" in note and "R-000001" in note and "Awaiting approval" in note, note
    assert "do not hand out 50 yuan to Ann" in note, note
    assert world.full_pass("2026-11-22").cells_written == 0


def test_a_row_that_needs_fixing_also_says_a_reason_it_is_not_eligible_already_known(world):
    world.standard([deal(**{"Signer": "Nobody", "Relationship": "夫妻"})], RULES)
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Needs fixing"
    first, second = row["Problems"].split("\n")
    assert "Signer" in first and "Staff" in first
    assert "夫妻" in second


def test_a_not_eligible_reason_that_depends_on_a_cell_that_needs_fixing_is_not_guessed(world):
    world.standard([deal(**{"Submitted at": "yesterday", "First visit": "2026-09-01"})], RULES,
                   {"register_by_first_visit": "yes"})
    world.sync()
    row = world.rows()[0]
    assert row["Status"] == "Needs fixing" and "\n" not in row["Problems"], row["Problems"]


def test_a_paid_reward_cut_by_the_amount_limit_is_topped_up_not_frozen_as_a_rules_edit(world):
    rules = [["Recipient", "Fixed", "Reward type"], ["referrer", "1000", "cash"]]
    rows = [deal(**{"New customer phone": f"1390000{i:04d}", "Deal date": f"2026-11-0{i + 1}", "Approved": True})
            for i in range(2)]
    world.standard(rows, rules, {"monthly_cap_amount": "1500"})
    world.sync()
    world.set_cell(3, "Paid", True)
    world.sync()
    assert world.status() == ["Approved", "Paid"] and "cut to 500" in world.rows()[1]["Problems"]
    world.set_cell(2, "Rejected", True)
    world.sync()
    problems = world.rows()[1]["Problems"]
    assert "Rules changed" not in problems and "room for 500 more" in problems, problems
    world.set_cell(3, "Approved", True)
    world.sync()
    assert [(l["ref_id"], l["amount"]) for l in world.lines() if l["ref_id"] == "R-000002"] == [
        ("R-000002", "500"), ("R-000002", "500")]


def test_a_milestone_paid_out_after_the_referral_was_paid_says_to_hand_it_out(world):
    world.standard([deal(Approved=True, Paid=True)], RULES, milestones=[
        MS_HEADER, ["referrer", 1, "quarter", "highest", "cash", 800, ""]])
    world.sync("2026-12-20")
    assert world.status() == ["Paid"] and world.rows()[0]["Problems"] is None
    world.sync("2027-01-01")                                  # the quarter ended: the step pays, on a paid row
    row = world.rows()[0]
    assert row["Status"] == "Paid"
    assert "a milestone reward was added after payment — hand out milestone: 800 yuan to Ann" in row["Problems"], row
    assert [(l["recipient_role"], l["amount"], l["status"]) for l in world.lines()] == [
        ("referrer", "1000", "paid"), ("milestone", "800", "approved")]
    assert world.sync("2027-01-02").cells_written == 0
    world.set_cell(2, "Paid", False)                          # as the note says: untick, then tick again
    world.sync("2027-01-03")
    world.set_cell(2, "Paid", True)
    world.sync("2027-01-04")
    assert world.rows()[0]["Problems"] is None and world.status() == ["Paid"]
    assert [l["status"] for l in world.lines()] == ["paid", "paid"]


def test_the_gm_unticking_an_approval_the_gm_had_to_give_withdraws_it(world):
    world.standard([deal(Approved=True, **{"GM approved": True})], RULES, {"second_approval_over": "500"})
    world.sync()
    assert world.status() == ["Approved"]
    world.set_cell(2, "GM approved", False)
    world.sync()
    assert world.status() == ["Awaiting GM approval"]
    assert world.rows()[0]["Problems"].startswith("GM approved was unticked: the approved rewards were withdrawn")
    assert [(l["amount"], l["status"]) for l in world.lines()] == [("1000", "void"), ("-1000", "void")]
    world.set_cell(2, "GM approved", True)
    world.sync()
    assert world.status() == ["Approved"] and [l["status"] for l in world.lines()][-1] == "approved"


def test_rejected_after_the_notice_says_to_tell_the_referrer(world):
    world.standard([deal(Approved=True, **{"Referrer email": "ann@example.com"})], RULES)
    world.sync()
    assert world.status() == ["Notified"]
    world.set_cell(2, "Approved", False)
    world.set_cell(2, "Rejected", True)
    world.sync()
    assert world.status() == ["Rejected"]
    assert "tell the referrer the reward is cancelled" in world.rows()[0]["Problems"]


def test_a_paid_row_changed_says_the_difference_comes_with_the_new_approval(world):
    world.standard([deal(Approved=True, Paid=True)], RULES)
    world.sync()
    world.set_cell(2, "Deal amount", 80000)
    world.sync()
    problems = world.rows()[0]["Problems"]
    assert "Deal amount 100,000 → 80,000" in problems and "paid before the change — once it is approved again" in problems
    world.full_pass("2026-11-21")                 # said on every pass until it is approved again, not only once
    assert world.rows()[0]["Problems"] == problems
    world.set_cell(2, "Approved", True)
    world.sync("2026-11-22")
    assert "paid before the change" not in (world.rows()[0]["Problems"] or "")


def test_a_referral_registered_after_its_deal_is_not_eligible_and_says_which_dates(world):
    world.standard([
        deal(**{"Submitted at": "2026-10-08 09:30", "Deal date": "2026-10-05"}),
        deal(**{"New customer phone": "13900000002", "Submitted at": "2026-10-05 18:00", "Deal date": "2026-10-05"}),
        deal(**{"New customer phone": "13900000003", "Submitted at": "2026-10-08", "First visit": "2026-10-09",
                "Deal date": "2026-10-05", "Approved": True}),
    ], RULES, {"register_by_first_visit": "yes"})
    world.sync()
    rows = world.rows()
    assert world.status() == ["Not eligible", "Awaiting approval", "Not eligible"]
    assert rows[0]["Problems"] == ("Submitted at: registered 2026-10-08, after the deal on 2026-10-05 — a referral "
                                   "must be registered before the deal; if one of the two dates is mistyped, "
                                   "correct it")
    assert "after the deal on 2026-10-05" in rows[2]["Problems"]
    assert world.lines() == []                   # the tick on row 3 pays nothing
    _set_setting(world, "language", "zh")
    world.sync()
    assert world.rows()[0]["Problems"].startswith("登记时间：2026-10-08 登记，晚于成交日期 2026-10-05 — 须在成交前登记")
    _set_setting(world, "register_by_first_visit", "no")     # a shop that registers at the till
    world.sync()
    assert world.status()[0] == "待审批"


def test_a_row_that_needs_fixing_says_the_visit_or_deal_it_was_registered_after_when_readable(world):
    world.standard([
        deal(**{"Submitted at": "2026-10-08", "First visit": "2026-10-02", "Deal date": "soon"}),
        deal(**{"New customer phone": "13900000002", "Submitted at": "2026-10-08", "First visit": "last week",
                "Deal date": "2026-10-05"}),
    ], RULES, {"register_by_first_visit": "yes"})
    world.sync()
    (a, b) = [r["Problems"].split("\n") for r in world.rows()]
    assert world.status() == ["Needs fixing", "Needs fixing"]
    assert a[0].startswith("Deal date:") and "after the new customer's first visit on 2026-10-02" in a[1]
    assert b[0].startswith("First visit:") and "after the deal on 2026-10-05" in b[1]


def test_a_not_eligible_row_says_nothing_is_paid_and_names_the_setting_as_the_settings_tab_spells_it(world):
    world.standard([
        deal(Relationship="夫妻"),                                                     # excluded by default
        deal(**{"New customer phone": "13900000002", "Category": "车位"}),
        deal(**{"New customer phone": "13900000003", "Submitted at": "2026-09-20"}),
        deal(**{"New customer phone": "13900000004", "Approved": True, "Deal amount": 600000}),
    ], RULES, {"excluded_categories": "车位", "campaign_start": "2026-09-25", "second_approval_over": "5000"})
    world.sync()
    p = [r["Problems"] for r in world.rows()]
    assert p[0] == ('Relationship: "夫妻" is excluded from rewards (Settings: excluded_relationships) — nothing is '
                    'paid for this referral; if the relationship was typed wrongly, correct it')
    assert p[1] == ('Category: "车位" is excluded from rewards (Settings: excluded_categories) — nothing is paid '
                    'for this referral; if the category was typed wrongly, correct it')
    assert p[2] == ("Submitted at: 2026-09-20 is before the campaign started on 2026-09-25 (Settings: "
                    "campaign_start) — nothing is paid for this referral; if the date was typed wrongly, correct it")
    assert "(Settings: second_approval_over); the GM ticks GM approved" in p[3]
    _set_setting(world, "language", "zh")
    _set_setting(world, "excluded_categories", "车位", key_as="排除类别")
    world.sync()
    p = [r["Problems"] for r in world.rows()]
    assert p[0] == "关系：“夫妻” 不参与奖励（设置：排除关系 excluded_relationships） — 该推荐不发放奖励；如关系填错，请更正"
    assert p[1] == "类别：“车位” 不参与奖励（设置：排除类别） — 该推荐不发放奖励；如类别填错，请更正"
    assert p[2] == ("登记时间：2026-09-20 早于活动开始日期 2026-09-25（设置：campaign_start） — 该推荐不发放奖励；"
                    "如日期填错，请更正")
    assert "（设置：second_approval_over）；请总经理勾选“总经理审批”" in p[3]


def test_a_deal_date_that_does_not_exist_says_so_without_a_format_hint(world):
    world.standard([deal(**{"Deal date": "2026-11-31"})], RULES, {"language": "zh"})
    world.sync()
    assert world.status() == ["待修正"]
    assert world.rows()[0]["问题"] == "成交日期：“2026-11-31”不是真实存在的日期（11 月没有 31 日） — 请更正日期"


ITEM_RULES = [["Recipient", "Rate %", "Fixed", "Reward type", "Item", "Group"],
              ["referrer", "1", "", "cash", "", "cash"], ["referrer", "", "800", "voucher", "购物卡", "card"]]


@pytest.mark.parametrize("lang,problems,cell", [
    ("zh", "审批后有修改：推荐人 Ann → Cy、奖励 Ann 1,000；Ann 购物卡（800） → Cy 1,000；Cy 购物卡（800） — 审批已撤销；"
           "请核对后重新审批", "1000 + 购物卡 (800)"),
    ("en", "Changed after approval: Referrer Ann → Cy, Reward Ann 1,000; Ann 购物卡 (800) → Cy 1,000; Cy 购物卡 (800) "
           "— the approval was withdrawn; check the row and approve again", "1000 + 购物卡 (800)"),
])
def test_a_change_after_approval_lists_the_rewards_in_the_languages_punctuation(world, lang, problems, cell):
    world.standard([deal(Approved=True)], ITEM_RULES, {"language": lang})
    world.sync()
    world.set_cell(2, "Referrer", "Cy")
    world.sync()
    row = world.rows()[0]
    problem_col, reward_col = ("问题", "推荐人奖励") if lang == "zh" else ("Problems", "Referrer reward")
    assert row[problem_col] == problems
    assert row[reward_col] == cell          # the reward cell keeps its form: a pass does not rewrite it


def test_a_clawback_of_an_item_names_its_value_in_chinese_brackets(world):
    world.standard([deal(Approved=True, Paid=True)], ITEM_RULES, {"language": "zh"})
    world.sync()
    world.set_cell(2, "Cancelled", True)
    world.sync()
    assert world.rows()[0]["问题"] == ("退单退款：奖励发放后勾选 — 需追回 Ann（推荐人） 1000元；Ann（推荐人） 购物卡（800）"
                                     "（见奖励导出，状态 clawback）")


def _set_setting(world, key: str, value: str, key_as: str | None = None) -> None:
    def fn(ws):
        for row in ws.iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value
                if key_as:
                    row[0].value = key_as
    world.edit(fn, "Settings")


def test_a_change_after_approval_that_leaves_the_reward_as_it_was_says_so(world):
    rules = [["Recipient", "Fixed", "Reward type"], ["referrer", "1000", "cash"]]
    world.standard([deal(Approved=True)], rules)
    world.sync()
    world.set_cell(2, "Deal amount", 120000)
    world.sync()
    assert world.rows()[0]["Problems"] == ("Changed after approval: Deal amount 100,000 → 120,000, the reward stays "
                                           "the same — the approval was withdrawn; check the row and approve again")
    world.set_cell(2, "Deal amount", 150000)
    world.set_cell(2, "Approved", True)
    world.sync()
    world.set_cell(2, "Deal amount", 200000)
    world.sync()
    assert "the reward stays the same" in world.rows()[0]["Problems"]


def test_a_changed_referrer_type_reads_in_the_workbooks_words(world):
    world.standard([deal(Approved=True)], RULES, {"language": "zh"})
    world.sync()
    world.set_cell(2, "Referrer type", "全民")
    world.sync()
    problems = world.rows()[0]["问题"]           # the worker's columns come in the workbook's language
    assert "推荐人类型 老客户 → 全民" in problems and "public" not in problems, problems
