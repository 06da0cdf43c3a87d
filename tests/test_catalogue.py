"""End-to-end: every scheme of /work/shared/spec/catalogue.md, written as its rule rows.

Each test builds a real .xlsx workbook holding exactly the catalogue's rule rows (plus
the settings and milestones the scheme names), runs real passes on a fixed day, and
checks the ledger export to the cent, the status cells and the reward cells the worker
wrote.  Schemes B, E, F, G and H are written entirely in Chinese (tab names, headers, values,
settings keys, language zh).

Contests (scheme F's leaderboard) are out of scope here.
"""
from __future__ import annotations

from decimal import Decimal

import openpyxl

from workflow.cells import format_amount

# ---------------------------------------------------------------- workbook helpers

RULE_HEADER = ["Recipient", "Program", "Referrer type", "Category", "Min amount", "Max amount", "Rate %", "Fixed",
               "Cap", "Round to", "Reward type", "Item", "Group", "From", "To"]
RULE_KEYS = {"recipient": "Recipient", "program": "Program", "rtype": "Referrer type", "category": "Category",
             "min": "Min amount", "max": "Max amount", "rate": "Rate %", "fixed": "Fixed", "cap": "Cap",
             "round": "Round to", "type": "Reward type", "item": "Item", "group": "Group", "start": "From",
             "end": "To"}
MS_HEADER = ["Recipient", "Program", "Count", "Period", "Mode", "Reward type", "Amount", "Item"]

# English header → 中文表头 (product.md)
ZH = {
    # Referrals
    "Submitted at": "登记时间", "Referrer": "推荐人", "Referrer phone": "推荐人电话", "Referrer email": "推荐人邮箱",
    "Referrer type": "推荐人类型", "New customer": "新客户", "New customer phone": "新客户电话",
    "Relationship": "关系", "First visit": "首次到访", "Program": "活动", "Category": "类别",
    "Deal amount": "成交金额", "Deal date": "成交日期", "Paid in full": "全款到账", "Cancelled": "退单退款",
    "Signer": "签单人", "Lead": "带会主负责人", "Assistant": "带会协助人", "Approved": "审批通过",
    "GM approved": "总经理审批", "Rejected": "驳回", "Paid": "已发放",
    # worker columns
    "Ref ID": "编号", "Status": "状态", "Problems": "问题", "Referrer reward": "推荐人奖励",
    "New customer reward": "新客户优惠", "Staff commission": "员工提成",
    # Rules
    "Recipient": "奖励对象", "Min amount": "金额下限", "Max amount": "金额上限", "Rate %": "比例%",
    "Fixed": "固定金额", "Cap": "封顶", "Round to": "取整", "Reward type": "奖励类型", "Item": "奖品",
    "Group": "分组", "From": "生效日期", "To": "截止日期",
}
REF_HEADER_EN = ["Submitted at", "Referrer", "Referrer phone", "Referrer type", "New customer", "New customer phone",
                 "Relationship", "First visit", "Program", "Category", "Deal amount", "Deal date", "Paid in full",
                 "Cancelled", "Signer", "Lead", "Assistant", "Approved", "GM approved", "Rejected", "Paid"]


def rule(**kw) -> dict:
    return {RULE_KEYS[k]: v for k, v in kw.items()}


def rules_tab(*rows: dict, zh: bool = False) -> list[list]:
    head = [ZH[h] if zh else h for h in RULE_HEADER]
    return [head] + [[r.get(h) for h in RULE_HEADER] for r in rows]


def milestones_tab(*rows: tuple) -> list[list]:
    """rows: (count, period, mode, reward type, amount, item) for the referrer."""
    return [MS_HEADER] + [["referrer", None, c, p, m, t, a, i] for c, p, m, t, a, i in rows]


_phone = iter(range(10_000, 99_999))
PHONES: dict[str, str] = {}          # referrer name → a stable phone


def ref(submitted="2026-10-01", referrer="Ann", referrer_phone=None, customer=None, customer_phone=None,
        zh: bool = False, **kw) -> dict:
    """One referral row keyed by English header (translated when zh); unique phones by default."""
    n = next(_phone)
    row = {"Submitted at": submitted, "Referrer": referrer,
           "Referrer phone": referrer_phone or PHONES.setdefault(referrer, f"138000{n:05d}"),
           "New customer": customer or f"New{n}", "New customer phone": customer_phone or f"139000{n:05d}"}
    for k, v in kw.items():
        row[{"rtype": "Referrer type", "rel": "Relationship", "visit": "First visit", "program": "Program",
             "category": "Category", "amount": "Deal amount", "deal": "Deal date", "paid_in_full": "Paid in full",
             "cancelled": "Cancelled", "signer": "Signer", "lead": "Lead", "assistant": "Assistant",
             "approved": "Approved", "paid": "Paid"}[k]] = v
    return {ZH[h] if zh else h: v for h, v in row.items()}


def zh_book(world, referrals: list[dict], rules: list[list], settings: dict, extra: dict | None = None) -> None:
    """A workbook entirely in Chinese: 推荐登记 / 奖励规则 / 设置 (+ 员工, 老客户, ...)."""
    header = [ZH[h] for h in REF_HEADER_EN]
    world.book({
        "推荐登记": [header] + [[d.get(h) for h in header] for d in referrals],
        "奖励规则": rules,
        "设置": [["项目", "值"]] + [[k, v] for k, v in settings.items()],
        **(extra or {}),
    })


def money(v):
    """A sheet cell as people read an amount: numbers → plain decimal text."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return format_amount(Decimal(str(v)))
    return v


def referral_tab(world) -> str:
    names = openpyxl.load_workbook(world.path, read_only=True).sheetnames
    return "Referrals" if "Referrals" in names else "推荐登记"


def rows(world) -> list[dict]:
    return world.rows(referral_tab(world))


def statuses(world) -> list[str]:
    return [r.get("Status") or r.get("状态") for r in rows(world)]


def col(world, header: str) -> list:
    return [money(r.get(header)) for r in rows(world)]


def L(ref_id, role, who, rtype, amount, item="", status="approved", period="2026-11") -> tuple:
    return (ref_id, role, who, rtype, amount, item, status, period)


def ledger(world) -> list[tuple]:
    return sorted((x["ref_id"], x["recipient_role"], x["recipient"], x["reward_type"], x["amount"], x["item"],
                   x["status"], x["period"]) for x in world.lines())


def tick(world, data_rows: list[int], header: str = "Approved", value=True, tab: str | None = None) -> None:
    """Set a cell on referral rows (1-based data rows), as a manager or staff member would."""
    def fn(ws):
        head = [c.value for c in ws[1]]
        for r in data_rows:
            ws.cell(r + 1, head.index(header) + 1).value = value
    world.edit(fn, tab or referral_tab(world))


def resync_adds_nothing(world, today: str) -> None:
    before = ledger(world)
    result = world.sync(today)
    assert result.new_lines == 0
    assert result.cells_written == 0          # nothing changed: nothing written
    assert ledger(world) == before


def rid(n: int) -> str:
    return f"R-{n:06d}"


# ---------------------------------------------------------------- A

def test_a_key_accounts_regions_holding_and_refunds(world):
    """A: 8 % key accounts / 7 % region / 5 % others, one group; holding 5 business days; refunds."""
    rules = rules_tab(
        rule(recipient="referrer", category="重点客户", rate=8, type="cash", group="现金"),
        rule(recipient="referrer", category="指定区域", rate=7, type="cash", group="现金"),
        rule(recipient="referrer", rate=5, type="cash", group="现金"),
    )
    deal = "2026-11-18"  # a Wednesday
    world.standard([
        ref(referrer="Ann", category="重点客户", amount=100000, deal=deal, approved=True),
        ref(referrer="Cat", category="指定区域", amount=100000, deal=deal, approved=True),
        ref(referrer="Eve", category="普通", amount="12,345.30", deal=deal),           # 617.265 → 617.27
        ref(referrer="Gus", category="重点客户", amount=50000, deal=deal, cancelled=True, approved=True),
        ref(referrer="Ivy", category="指定区域", amount=20000, deal=deal, approved=True),
    ], rules, settings={"holding_days": 5}, header=REF_HEADER_EN)

    world.sync("2026-11-20")
    holding = "Holding until 2026-11-25"
    assert statuses(world) == [holding, holding, holding, "Voided", holding]
    # the amounts are shown before approval, so the manager sees them
    assert col(world, "Referrer reward") == ["8000", "7000", "617.27", None, "1400"]
    assert col(world, "Ref ID") == [rid(i) for i in range(1, 6)]
    assert ledger(world) == []

    world.sync("2026-11-24")
    assert statuses(world) == [holding, holding, holding, "Voided", holding]
    assert ledger(world) == []

    world.sync("2026-11-25")
    assert statuses(world) == ["Approved", "Approved", "Awaiting approval", "Voided", "Approved"]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "Ann", "cash", "8000"),
        L(rid(2), "referrer", "Cat", "cash", "7000"),
        L(rid(5), "referrer", "Ivy", "cash", "1400"),
    ])
    resync_adds_nothing(world, "2026-11-25")

    tick(world, [3])
    world.sync("2026-11-26")
    assert statuses(world)[2] == "Approved"
    assert [x for x in ledger(world) if x[0] == rid(3)] == [L(rid(3), "referrer", "Eve", "cash", "617.27")]

    # refund after the reward was issued (not paid or notified yet): Voided, reversing line, nothing to recover
    tick(world, [5], "Cancelled")
    world.sync("2026-12-02")
    assert statuses(world)[4] == "Voided"
    assert "1400" in (rows(world)[4]["Problems"] or "") and "nothing to recover" in rows(world)[4]["Problems"]
    assert [x for x in ledger(world) if x[0] == rid(5)] == sorted([
        L(rid(5), "referrer", "Ivy", "cash", "1400", status="void"),
        L(rid(5), "referrer", "Ivy", "cash", "-1400", status="void", period="2026-12"),
    ])
    assert [x for x in ledger(world) if x[0] == rid(4)] == []
    resync_adds_nothing(world, "2026-12-02")
    assert statuses(world) == ["Approved", "Approved", "Approved", "Voided", "Voided"]

    # finance hands out Ann's reward
    tick(world, [1], "Paid")
    world.sync("2026-12-03")
    assert statuses(world)[0] == "Paid"
    assert [x for x in ledger(world) if x[0] == rid(1)] == [L(rid(1), "referrer", "Ann", "cash", "8000", status="paid")]
    assert len(ledger(world)) == 5


# ---------------------------------------------------------------- B

def test_b_goat_milk_shop_milestones_each_zh(world):
    """B, in Chinese (阶梯奖励 tab): 1 referral: 5 % coupon; 2: 10 % coupon and a small gift; each step once."""
    milestones = [["奖励对象", "活动", "人数", "周期", "方式", "奖励类型", "金额", "奖品"],
                  ["推荐人", None, 1, "累计", "逐档", "优惠", None, "5%折扣券"],
                  ["推荐人", None, 2, "累计", "逐档", "优惠", None, "10%折扣券+小礼物"]]
    zh_book(world, [
        ref(zh=True, referrer="张阿姨", deal="2026-10-05", approved=True),
        ref(zh=True, referrer="张阿姨", deal="2026-10-06", approved="是"),
        ref(zh=True, referrer="张阿姨", deal="2026-10-07", approved="✓"),
        ref(zh=True, referrer="李叔", deal="2026-10-08", approved=True),
        ref(zh=True, referrer="张阿姨", deal="2026-10-09"),
    ], rules_tab(zh=True), {"语言": "zh", "全款到账后发放": "否", "首次到访前登记": "否"},
        extra={"阶梯奖励": milestones})

    world.sync("2026-11-20")
    assert statuses(world) == ["已审批"] * 4 + ["待审批"]
    expected = sorted([
        L(rid(1), "milestone", "张阿姨", "discount", "0", "5%折扣券"),
        L(rid(2), "milestone", "张阿姨", "discount", "0", "10%折扣券+小礼物"),
        L(rid(4), "milestone", "李叔", "discount", "0", "5%折扣券"),
    ])
    assert ledger(world) == expected
    rewards = col(world, "推荐人奖励")
    assert "5%折扣券" in rewards[0] and "10%折扣券+小礼物" in rewards[1] and "5%折扣券" in rewards[3]
    assert rewards[2] is None and rewards[4] is None

    resync_adds_nothing(world, "2026-11-20")
    # the 4th referral approved later: every step was already paid, nothing more
    tick(world, [5], "审批通过")
    world.sync("2026-11-21")
    assert statuses(world) == ["已审批"] * 5
    assert ledger(world) == expected
    resync_adds_nothing(world, "2026-11-22")


# ---------------------------------------------------------------- C

def _band_rows(recipient, amounts):
    edges = [(None, 10000), (10000, 30000), (30000, 50000), (50000, None)]
    return [rule(recipient=recipient, min=lo, max=hi, fixed=a, type="cash") for (lo, hi), a in zip(edges, amounts)]


def test_c_design_studio_gifts_and_staff_commission_by_band(world):
    """C: album template for every deal plus a band gift (groups add up); staff commission by band."""
    rules = rules_tab(
        rule(recipient="referrer", fixed=0, type="gift", item="电子相册模板", group="基础"),
        rule(recipient="referrer", min=10000, max=30000, type="gift", item="定制U盘", group="加赠"),
        rule(recipient="referrer", min=30000, max=50000, type="gift", item="纪念册", group="加赠"),
        rule(recipient="referrer", min=50000, type="gift", item="纪念册+特制U盘", group="加赠"),
        *_band_rows("signer", [100, 200, 300, 400]),
        *_band_rows("lead", [100, 200, 300, 400]),
        *_band_rows("assistant", [50, 100, 150, 200]),
    )
    staff = [["Name", "Email", "Role", "Active"],
             ["小王", "wang@example.com", "设计师", True],
             ["小李", "li@example.com", "摄影师", True],
             ["小张", "zhang@example.com", "助理", True]]
    crew = {"signer": "小王", "lead": "小李", "assistant": "小张"}
    world.standard([
        ref(referrer="Ann", amount="9,999.99", deal="2026-11-02", approved=True, **crew),
        ref(referrer="Bob", amount=10000, deal="2026-11-03", approved=True, **crew),
        ref(referrer="Cy", amount=30000, deal="2026-11-04", approved=True, **crew),
        ref(referrer="Di", amount=50000, deal="2026-11-05", approved=True, **crew),
        ref(referrer="Eve", amount="4.99万", deal="2026-11-06", approved=True, signer="小王"),
        ref(referrer="Fay", amount=20000, deal="2026-11-07", signer="老赵"),    # not in Staff
    ], rules, staff=staff)

    world.sync("2026-11-20")
    assert statuses(world)[:5] == ["Approved"] * 5
    assert statuses(world)[5] == "Needs fixing"
    assert "老赵" in rows(world)[5]["Problems"]

    def staff_lines(n, amounts):
        return [L(rid(n), role, crew[role], "cash", a) for role, a in zip(("signer", "lead", "assistant"), amounts)]

    assert ledger(world) == sorted([
        L(rid(1), "referrer", "Ann", "gift", "0", "电子相册模板"), *staff_lines(1, ["100", "100", "50"]),
        L(rid(2), "referrer", "Bob", "gift", "0", "电子相册模板"), L(rid(2), "referrer", "Bob", "gift", "0", "定制U盘"),
        *staff_lines(2, ["200", "200", "100"]),
        L(rid(3), "referrer", "Cy", "gift", "0", "电子相册模板"), L(rid(3), "referrer", "Cy", "gift", "0", "纪念册"),
        *staff_lines(3, ["300", "300", "150"]),
        L(rid(4), "referrer", "Di", "gift", "0", "电子相册模板"),
        L(rid(4), "referrer", "Di", "gift", "0", "纪念册+特制U盘"),
        *staff_lines(4, ["400", "400", "200"]),
        L(rid(5), "referrer", "Eve", "gift", "0", "电子相册模板"), L(rid(5), "referrer", "Eve", "gift", "0", "纪念册"),
        L(rid(5), "signer", "小王", "cash", "300"),
    ])
    rewards = col(world, "Referrer reward")
    assert rewards[0] == "电子相册模板"
    assert rewards[1] == "电子相册模板 + 定制U盘"
    assert rewards[3] == "电子相册模板 + 纪念册+特制U盘"
    commission = col(world, "Staff commission")
    assert commission[1] == "小王 (signer) 200; 小李 (lead) 200; 小张 (assistant) 100"
    assert commission[4] == "小王 (signer) 300"
    resync_adds_nothing(world, "2026-11-20")


# ---------------------------------------------------------------- D

def test_d_car_dealership_customer_points_employee_cash(world):
    """D: customer referrer 300 points; employee 200 cash; sales consultants excluded; cancelled → void."""
    rules = rules_tab(
        rule(recipient="referrer", rtype="customer", fixed=300, type="points", item="300积分卡"),
        rule(recipient="referrer", rtype="employee", fixed=200, type="cash"),
    )
    staff = [["Name", "Email", "Role", "Active"],
             ["老周", "zhou@example.com", "行政", True],
             ["小孙", "sun@example.com", "销售顾问", True]]
    world.standard([
        ref(referrer="Ann", rtype="customer", amount=150000, deal="2026-11-02", approved=True),
        ref(referrer="老周", rtype="员工", amount=98000, deal="2026-11-03", approved=True),
        ref(referrer="小孙", rtype="employee", amount=120000, deal="2026-11-04", approved=True),
        ref(referrer="Eve", rtype="customer", amount=90000, deal="2026-11-05", cancelled=True),
        ref(referrer="Fay", amount=110000, deal="2026-11-06", approved=True),     # type blank = customer
        ref(referrer="Gil", rtype="customer", amount=80000, deal="2026-11-07"),
    ], rules, settings={"excluded_employee_roles": "销售顾问"}, staff=staff)

    world.sync("2026-11-20")
    assert statuses(world) == ["Approved", "Approved", "Not eligible", "Voided", "Approved", "Awaiting approval"]
    assert "销售顾问" in rows(world)[2]["Problems"]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "Ann", "points", "300", "300积分卡"),
        L(rid(2), "referrer", "老周", "cash", "200"),
        L(rid(5), "referrer", "Fay", "points", "300", "300积分卡"),
    ])
    rewards = col(world, "Referrer reward")
    assert "300积分卡" in rewards[0] and "300积分卡" in rewards[5]
    assert rewards[1] == "200"
    assert rewards[2] is None and rewards[3] is None
    resync_adds_nothing(world, "2026-11-20")


# ---------------------------------------------------------------- E (Chinese workbook)

def test_e_property_shopping_card_after_full_payment_zh(world):
    """E, in Chinese: 800 购物卡 for the referrer, 1000 off for the buyer, only after 全款到账."""
    rules = rules_tab(
        rule(recipient="推荐人", fixed=800, type="购物卡", item="800元购物卡"),
        rule(recipient="新客户", fixed=1000, type="优惠", item="购房减免1000元"),
        zh=True,
    )
    zh_book(world, [
        ref(zh=True, referrer="张三", amount="158万", deal="2026-11-02", approved=True),
        ref(zh=True, referrer="李四", amount="1,200,000", deal="2026-11-03", paid_in_full="是"),
        ref(zh=True, referrer="王五"),
        ref(zh=True, referrer="赵六", amount=900000, deal="2026-11-04", paid_in_full="✓", approved="是",
            cancelled="是"),
    ], rules, {"语言": "zh", "全款到账后发放": "是", "首次到访前登记": "否"})

    world.sync("2026-11-20")
    assert statuses(world) == ["待全款", "待审批", "待成交", "已作废"]
    assert ledger(world) == []
    got = rows(world)
    assert "推荐人奖励" in got[0] and "新客户优惠" in got[0] and "状态" in got[0]
    assert "800元购物卡" in got[0]["推荐人奖励"]
    assert "购房减免1000元" in got[0]["新客户优惠"]

    tick(world, [1], "全款到账", "是")
    tick(world, [2], "审批通过", True)
    world.sync("2026-11-21")
    assert statuses(world) == ["已审批", "已审批", "待成交", "已作废"]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "张三", "voucher", "800", "800元购物卡"),
        L(rid(1), "new_customer", got[0]["新客户"], "discount", "1000", "购房减免1000元"),
        L(rid(2), "referrer", "李四", "voucher", "800", "800元购物卡"),
        L(rid(2), "new_customer", got[1]["新客户"], "discount", "1000", "购房减免1000元"),
    ])
    resync_adds_nothing(world, "2026-11-21")


# ---------------------------------------------------------------- F (Chinese workbook)

def test_f_property_per_mille_rounded_to_hundreds_zh(world):
    """F, in Chinese: 住宅 0.2 % rounded to 100, 商业/SOHO 0.3 %, 车位/仓储 excluded, buyer 0.5 % off."""
    rules = rules_tab(
        rule(recipient="推荐人", category="住宅", rate=0.2, round=100, type="现金"),
        rule(recipient="推荐人", category="商业,SOHO", rate=0.3, type="现金"),
        rule(recipient="新客户", category="住宅", rate=0.5, type="优惠"),
        zh=True,
    )
    zh_book(world, [
        ref(zh=True, referrer="张三", category="住宅", amount=1200000, deal="2026-11-02", approved=True),
        ref(zh=True, referrer="李四", category="住宅", amount="122.5万", deal="2026-11-03", approved="是"),
        ref(zh=True, referrer="王五", category="商业", amount="¥2,000,000", deal="2026-11-04", approved="✓"),
        ref(zh=True, referrer="赵六", category="SOHO", amount="333,333.33", deal="2026-11-05", approved=True),
        ref(zh=True, referrer="钱七", category="车位", amount=200000, deal="2026-11-06", approved=True),
        ref(zh=True, referrer="孙八", category="仓储", amount=80000, deal="2026-11-07", approved=True),
        ref(zh=True, referrer="周九", category="住宅", amount=1230000, deal="2026-11-08"),
    ], rules, {"语言": "zh", "排除类别": "仓储, 车位", "全款到账后发放": "否", "首次到访前登记": "否"})

    world.sync("2026-11-20")
    assert statuses(world) == ["已审批", "已审批", "已审批", "已审批", "不符合条件", "不符合条件", "待审批"]
    got = rows(world)
    assert "车位" in got[4]["问题"] and "仓储" in got[5]["问题"]
    buyer = [r["新客户"] for r in got]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "张三", "cash", "2400"),                   # 0.2 % of 1 200 000
        L(rid(1), "new_customer", buyer[0], "discount", "6000"),
        L(rid(2), "referrer", "李四", "cash", "2500"),                   # 2450 → half up → 2500
        L(rid(2), "new_customer", buyer[1], "discount", "6125"),
        L(rid(3), "referrer", "王五", "cash", "6000"),                   # 0.3 %, no buyer discount
        L(rid(4), "referrer", "赵六", "cash", "1000"),                   # 999.99999 → 1000.00
    ])
    rewards = col(world, "推荐人奖励")
    assert rewards == ["2400", "2500", "6000", "1000", None, None, "2500"]   # 2460 → 2500
    discounts = col(world, "新客户优惠")
    assert "6000" in discounts[0] and "6125" in discounts[1] and "6150" in discounts[6]
    assert discounts[2] is None and discounts[3] is None
    resync_adds_nothing(world, "2026-11-20")


# ---------------------------------------------------------------- G (Chinese workbook)

def test_g_property_2012_strict_identity_rules_zh(world):
    """G, in Chinese: 5000 per unit; registered by the first visit; one referrer per buyer; excluded
    relationships; campaign 2012-01-01 – 2012-07-01; paid after full payment."""
    rules = rules_tab(rule(recipient="推荐人", fixed=5000, type="现金"), zh=True)
    zh_book(world, [
        # 1: registered on the day of the first visit → eligible
        ref(zh=True, submitted="2012-03-01 10:00", referrer="张三", customer="陈一", customer_phone="13911110001",
            visit="2012-03-01", rel="朋友", deal="2012-03-20", amount=900000, paid_in_full=True, approved=True),
        # 2: registered after the first visit
        ref(zh=True, submitted="2012-03-05", referrer="李四", visit="2012-03-04", deal="2012-03-25",
            amount=800000, paid_in_full=True, approved=True),
        # 3: spouses
        ref(zh=True, submitted="2012-03-06", referrer="王五", rel="夫妻", deal="2012-03-26", amount=700000,
            paid_in_full=True, approved=True),
        # 4: before the campaign
        ref(zh=True, submitted="2011-12-31", referrer="赵六", deal="2012-02-01", amount=700000, paid_in_full=True,
            approved=True),
        # 5: the campaign's last day still counts
        ref(zh=True, submitted="2012-07-01", referrer="钱七", deal="2012-07-10", amount=600000, paid_in_full=True,
            approved=True),
        # 6: after the campaign
        ref(zh=True, submitted="2012-07-02", referrer="孙八", deal="2012-07-12", amount=600000, paid_in_full=True,
            approved=True),
        # 7: the same buyer again, by another referrer: one referrer per buyer
        ref(zh=True, submitted="2012-03-08", referrer="周九", customer="陈一", customer_phone="139-1111-0001",
            deal="2012-03-20", amount=900000, paid_in_full=True, approved=True),
        # 8: 配偶 is not in this scheme's list; not paid in full yet
        ref(zh=True, submitted="2012-04-01", referrer="吴十", rel="配偶", deal="2012-04-20", amount=500000,
            approved=True),
        # 9: parents
        ref(zh=True, submitted="2012-04-02", referrer="郑一", rel="父母", deal="2012-04-21", amount=500000,
            paid_in_full=True, approved=True),
    ], rules, {"语言": "zh", "首次到访前登记": "是", "活动开始": "2012-01-01", "活动结束": "2012-07-01",
               "排除关系": "夫妻, 父母, 子女", "全款到账后发放": "是"})

    world.sync("2012-08-01")
    st = statuses(world)
    assert st == ["已审批", "不符合条件", "不符合条件", "不符合条件", "已审批", "不符合条件", "不符合条件", "待全款",
                  "不符合条件"]
    problems = [r["问题"] or "" for r in rows(world)]
    assert "2012-03-04" in problems[1]
    assert "夫妻" in problems[2] and "父母" in problems[8]
    assert "2012-01-01" in problems[3] and "2012-07-01" in problems[5]
    assert rid(1) in problems[6]
    assert col(world, "推荐人奖励")[0] == "5000"
    assert col(world, "推荐人奖励")[7] == "5000"
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "张三", "cash", "5000", period="2012-08"),
        L(rid(5), "referrer", "钱七", "cash", "5000", period="2012-08"),
    ])
    resync_adds_nothing(world, "2012-08-01")


# ---------------------------------------------------------------- H

def test_h_everyone_a_salesperson_one_percent_zh(world):
    """H, in Chinese: 1 % for any referrer type; the buyer must be new (老客户 tab); paid 7 business
    days after signing."""
    rules = rules_tab(rule(recipient="推荐人", rate=1, type="现金"), zh=True)
    customers = [["姓名", "电话", "成为客户日期"],
                 ["老周", "13977770001", "2025-01-01"],
                 ["金女士", "+86 139-7777-0002", "2026-11-18"]]     # became a customer through this deal
    zh_book(world, [
        ref(zh=True, submitted="2026-11-01", referrer="张三", rtype="全民", amount="200万", deal="2026-11-18",
            approved=True),
        ref(zh=True, submitted="2026-11-01", referrer="李四", customer="老周", customer_phone="13977770001",
            amount=1000000, deal="2026-11-18", approved=True),
        ref(zh=True, submitted="2026-11-01", referrer="王五", customer="金女士", customer_phone="13977770002",
            amount="1.5万元", deal="2026-11-18", approved="是"),
        ref(zh=True, submitted="2026-11-01", referrer="赵六", rtype="老客户", amount=1234567.89, deal="2026-11-18"),
    ], rules, {"语言": "zh", "新客户须为新": "是", "等待期工作日": 7, "全款到账后发放": "否", "首次到访前登记": "否"},
        extra={"老客户": customers})

    world.sync("2026-11-26")
    holding = "等待期至 2026-11-27"       # Wed 18th + 7 business days, weekend skipped (product.md's wording)
    assert statuses(world) == [holding, "不符合条件", holding, holding]
    assert "老客户" in rows(world)[1]["问题"]
    assert col(world, "推荐人奖励") == ["20000", None, "150", "12345.68"]
    assert ledger(world) == []

    world.sync("2026-11-27")
    assert statuses(world) == ["已审批", "不符合条件", "已审批", "待审批"]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "张三", "cash", "20000"),
        L(rid(3), "referrer", "王五", "cash", "150"),
    ])
    resync_adds_nothing(world, "2026-11-27")


# ---------------------------------------------------------------- I

def test_i_dealership_ladder_highest_step_once_after_campaign(world):
    """I: 1 → 500 voucher, 2 → a service, 4 → 3000, 5 → 4000; only the highest step, once, after the campaign."""
    ms = milestones_tab(
        (1, "campaign", "highest", "voucher", 500, "500元精品券"),
        (2, "campaign", "highest", "service", None, "免费保养一次"),
        (4, "campaign", "highest", "voucher", 3000, "3000元保险基金"),
        (5, "campaign", "highest", "voucher", 4000, "4000元保险基金"),
    )
    refs = [ref(referrer="Ann", submitted="2026-09-10", deal=f"2026-10-0{i}", approved=True) for i in range(1, 6)]
    refs += [ref(referrer="Bob", submitted="2026-09-10", deal=f"2026-10-1{i}", approved=True) for i in range(1, 4)]
    refs += [ref(referrer="Cy", submitted="2026-09-10", deal="2026-10-20", approved=True),
             ref(referrer="Dan", submitted="2026-09-10", deal="2026-10-21")]
    world.standard(refs, rules_tab(), milestones=ms,
                   settings={"campaign_start": "2026-09-01", "campaign_end": "2026-11-30"})

    world.sync("2026-11-20")
    assert statuses(world) == ["Approved"] * 9 + ["Awaiting approval"]
    assert ledger(world) == []
    world.sync("2026-11-30")          # the campaign's last day: not ended yet
    assert ledger(world) == []

    world.sync("2026-12-01")
    assert ledger(world) == sorted([
        L(rid(5), "milestone", "Ann", "voucher", "4000", "4000元保险基金", period="2026-12"),
        L(rid(7), "milestone", "Bob", "service", "0", "免费保养一次", period="2026-12"),
        L(rid(9), "milestone", "Cy", "voucher", "500", "500元精品券", period="2026-12"),
    ])
    rewards = col(world, "Referrer reward")
    assert "4000元保险基金" in rewards[4] and "免费保养一次" in rewards[6] and "500元精品券" in rewards[8]
    assert [rewards[i] for i in (0, 1, 2, 3, 5, 7, 9)] == [None] * 7
    assert statuses(world) == ["Approved"] * 9 + ["Awaiting approval"]
    resync_adds_nothing(world, "2026-12-02")


# ---------------------------------------------------------------- J

def test_j_securities_gift_by_assets_band(world):
    """J: <2万 small gift, 2–5万 software, 5–50万 100 card, 50–200万 200, 200–500万 400, >500万 600."""
    g = "开户礼"
    rules = rules_tab(
        rule(recipient="referrer", max=20000, type="gift", item="小礼品", group=g),
        rule(recipient="referrer", min=20000, max=50000, type="service", item="炒股软件", group=g),
        rule(recipient="referrer", min=50000, max=500000, fixed=100, type="voucher", item="100元购物卡", group=g),
        rule(recipient="referrer", min=500000, max=2000000, fixed=200, type="voucher", item="200元购物卡", group=g),
        rule(recipient="referrer", min=2000000, max=5000000, fixed=400, type="voucher", item="400元购物卡", group=g),
        rule(recipient="referrer", min=5000000, fixed=600, type="voucher", item="600元购物卡", group=g),
    )
    amounts = ["19,999.99", 20000, "3万", "49999.99", 50000, "499,999.99", "50万", 2000000, "499.99万", "500万"]
    world.standard([ref(referrer=f"P{i}", amount=a, deal="2026-11-02", approved=True)
                    for i, a in enumerate(amounts)], rules)

    world.sync("2026-11-20")
    assert statuses(world) == ["Approved"] * len(amounts)
    want = [("gift", "0", "小礼品"), ("service", "0", "炒股软件"), ("service", "0", "炒股软件"),
            ("service", "0", "炒股软件"), ("voucher", "100", "100元购物卡"), ("voucher", "100", "100元购物卡"),
            ("voucher", "200", "200元购物卡"), ("voucher", "400", "400元购物卡"), ("voucher", "400", "400元购物卡"),
            ("voucher", "600", "600元购物卡")]
    assert ledger(world) == sorted(L(rid(i + 1), "referrer", f"P{i}", t, a, item) for i, (t, a, item) in enumerate(want))
    assert col(world, "Referrer reward") == [item for _, _, item in want]
    resync_adds_nothing(world, "2026-11-20")


# ---------------------------------------------------------------- K

def test_k_leasing_and_sales_mall(world):
    """K: leasing 10 % of the annual rent, purchase 3 % of the contract; other categories get nothing."""
    rules = rules_tab(
        rule(recipient="referrer", category="租赁", rate=10, type="cash"),
        rule(recipient="referrer", category="购买", rate=3, type="cash"),
    )
    world.standard([
        ref(referrer="Ann", category="租赁", amount=120000, deal="2026-11-02", approved=True),
        ref(referrer="Bob", category="购买", amount=3000000, deal="2026-11-03", approved=True),
        ref(referrer="Cy", category="购买", amount="33,333.33", deal="2026-11-04", approved=True),
        ref(referrer="Di", category="租赁", amount="8.88万", deal="2026-11-05", approved=True),
        ref(referrer="Eve", category="其他", amount=50000, deal="2026-11-06", approved=True),
    ], rules)

    world.sync("2026-11-20")
    assert statuses(world) == ["Approved", "Approved", "Approved", "Approved", "No reward"]
    assert rows(world)[4]["Problems"]
    assert ledger(world) == sorted([
        L(rid(1), "referrer", "Ann", "cash", "12000"),
        L(rid(2), "referrer", "Bob", "cash", "90000"),
        L(rid(3), "referrer", "Cy", "cash", "1000"),          # 999.9999 → 1000.00
        L(rid(4), "referrer", "Di", "cash", "8880"),
    ])
    assert col(world, "Referrer reward") == ["12000", "90000", "1000", "8880", None]
    resync_adds_nothing(world, "2026-11-20")


# ---------------------------------------------------------------- L

def test_l_finance_platform_monthly_cap_and_milestones(world):
    """L: referrer 10, new user 5; at most 20 referrer rewards a month; milestones 3 / 5 / 10 each pay once."""
    rules = rules_tab(
        rule(recipient="referrer", fixed=10, type="cash"),
        rule(recipient="new customer", fixed=5, type="cash"),
    )
    ms = milestones_tab(
        (3, "all", "each", "cash", 50, None),
        (5, "all", "each", "service", None, "理财规划一次"),
        (10, "all", "each", "service", None, "VIP会员"),
    )
    refs = [ref(referrer="Ann", submitted="2026-10-20", customer=f"U{i:02d}", deal=f"2026-11-{i:02d}", approved=True)
            for i in range(1, 22)]                                           # 21 deals in November
    refs.append(ref(referrer="Ann", submitted="2026-10-20", customer="U22", deal="2026-12-01", approved=True))
    refs += [ref(referrer="Bob", submitted="2026-10-20", customer=f"B{i}", deal=f"2026-11-0{i}", approved=True)
             for i in range(1, 4)]
    world.standard(refs, rules, settings={"monthly_cap_count": 20}, milestones=ms)

    world.sync("2026-12-02")
    assert statuses(world) == ["Approved"] * 25
    got = rows(world)
    assert "20" in got[20]["Problems"]                       # the 21st November deal: cap reached
    rewards = col(world, "Referrer reward")
    assert rewards[20] is None
    assert col(world, "New customer reward")[20] == "5"
    assert rewards[0] == "10" and rewards[21] == "10"
    assert "50" in rewards[2] and "理财规划一次" in rewards[4] and "VIP会员" in rewards[9]

    want = []
    for i in range(1, 23):
        if i != 21:
            want.append(L(rid(i), "referrer", "Ann", "cash", "10", period="2026-12"))
        want.append(L(rid(i), "new_customer", f"U{i:02d}", "cash", "5", period="2026-12"))
    want += [L(rid(3), "milestone", "Ann", "cash", "50", period="2026-12"),
             L(rid(5), "milestone", "Ann", "service", "0", "理财规划一次", period="2026-12"),
             L(rid(10), "milestone", "Ann", "service", "0", "VIP会员", period="2026-12")]
    for i in range(1, 4):
        want += [L(rid(22 + i), "referrer", "Bob", "cash", "10", period="2026-12"),
                 L(rid(22 + i), "new_customer", f"B{i}", "cash", "5", period="2026-12")]
    want.append(L(rid(25), "milestone", "Bob", "cash", "50", period="2026-12"))
    assert ledger(world) == sorted(want)
    assert sum(Decimal(x[4]) for x in ledger(world) if x[2] == "Ann" and x[3] == "cash") == Decimal(260)
    resync_adds_nothing(world, "2026-12-02")
    resync_adds_nothing(world, "2026-12-03")

    # A late registration for Ann with an earlier November deal, not approved yet: November's 20
    # rewards were already approved and issued, so the newcomer gets no referrer reward — and the
    # rows approved before keep their approval (none of their cells changed).
    def add(ws):
        head = [c.value for c in ws[1]]
        late = ref(referrer="Ann", submitted="2026-10-20", customer="U00", deal="2026-11-01")
        ws.append([late.get(h) for h in head])
    world.edit(add)
    world.sync("2026-12-04")
    assert statuses(world) == ["Approved"] * 25 + ["Awaiting approval"]
    assert col(world, "Approved")[:25] == [True] * 25
    assert not any(col(world, "Problems")[i] for i in range(20))
    assert col(world, "Referrer reward")[:20] == rewards[:20]       # unchanged, milestones included
    assert col(world, "Referrer reward")[25] is None
    assert "20" in rows(world)[25]["Problems"]
    assert col(world, "New customer reward")[25] == "5"
    assert ledger(world) == sorted(want)
    tick(world, [26])
    world.sync("2026-12-05")
    assert statuses(world) == ["Approved"] * 26
    assert ledger(world) == sorted(want + [L(rid(26), "new_customer", "U00", "cash", "5", period="2026-12")])


# ---------------------------------------------------------------- M

def test_m_restaurant_supply_cap_min_order_and_milestone(world):
    """M: referrer 10 % capped at 500 (voucher); buyer 300 off an order of 3000 or more; 5 referrals: 500."""
    rules = rules_tab(
        rule(recipient="referrer", rate=10, cap=500, type="voucher"),
        rule(recipient="new customer", min=3000, fixed=300, type="discount"),
    )
    ms = milestones_tab((5, "all", "each", "voucher", 500, None))
    amounts = ["2,999.99", 3000, 5000, "5000.01", "1.2万"]
    refs = [ref(referrer="Ann", customer=f"Shop{i}", amount=a, deal=f"2026-11-0{i + 1}", approved=True)
            for i, a in enumerate(amounts)]
    refs.append(ref(referrer="Bob", customer="Shop9", amount="4,999.95", deal="2026-11-09"))
    world.standard(refs, rules, milestones=ms)

    world.sync("2026-11-20")
    assert statuses(world) == ["Approved"] * 5 + ["Awaiting approval"]
    referrer = ["300", "300", "500", "500", "500"]
    want = [L(rid(i + 1), "referrer", "Ann", "voucher", a) for i, a in enumerate(referrer)]
    want += [L(rid(i), "new_customer", f"Shop{i - 1}", "discount", "300") for i in (2, 3, 4, 5)]
    want.append(L(rid(5), "milestone", "Ann", "voucher", "500"))
    assert ledger(world) == sorted(want)
    customer = col(world, "New customer reward")
    assert customer[0] is None and all("300" in c for c in customer[1:5])
    rewards = col(world, "Referrer reward")
    assert "300" in rewards[0] and "500" in rewards[2] and "500" in rewards[5]   # Bob: 499.995 → 500.00
    resync_adds_nothing(world, "2026-11-20")

    # Bob's first approval: 500, no milestone (one referral), nothing else changes
    tick(world, [6])
    world.sync("2026-11-21")
    assert statuses(world)[5] == "Approved"
    assert ledger(world) == sorted(want + [L(rid(6), "referrer", "Bob", "voucher", "500"),
                                           L(rid(6), "new_customer", "Shop9", "discount", "300")])
    resync_adds_nothing(world, "2026-11-21")
