"""The embedded demo: a property sales office (Chinese, English available via
the `language` setting) a week into its referral programme.

`create_demo` writes the workbook as it stood a week ago, runs one pass as of
that day (so the ledger has history: approvals, issued lines), then applies
what staff did since — a refund, an edited amount, finance ticking Paid — so
the next `sync` shows every status of the decision list.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .contract import DASHBOARD, DASHBOARD_TITLE, TABS

RULES = [
    # scheme E: 800 shopping card to the referrer, 1000 off for the buyer (residential and commercial)
    ["推荐人", "", "", "住宅,商业", "", "", "", 800, "", "", "购物卡", "800元购物卡", "购物卡"],
    ["新客户", "", "", "住宅,商业", "", "", "", 1000, "", "", "优惠", "购房减免1000元", ""],
    # scheme F: per mille of the deal in cash, residential rounded to hundreds
    ["推荐人", "", "", "住宅", "", "", 0.2, "", "", 100, "现金", "", "现金奖励"],
    ["推荐人", "", "", "商业,SOHO", "", "", 0.3, "", "", "", "现金", "", "现金奖励"],
    # scheme C: staff commission by deal band (signer, lead 100/200/300/400; assistant 50/100/150/200)
    *[[role, "", "", "", lo, hi, "", fee, "", "", "现金", "", ""]
      for role, fees in (("签单人", (100, 200, 300, 400)), ("带会主负责人", (100, 200, 300, 400)),
                         ("带会协助人", (50, 100, 150, 200)))
      for (lo, hi), fee in zip(((None, 1000000), (1000000, 3000000), (3000000, 5000000), (5000000, None)), fees)],
]
RULE_HEADER = ["奖励对象", "活动", "推荐人类型", "类别", "金额下限", "金额上限", "比例%", "固定金额", "封顶", "取整",
               "奖励类型", "奖品", "分组"]

SETTINGS = [
    ["language", "zh", "语言：zh 中文 / en English"],
    ["holding_days", 5, "成交后等待期（工作日）"],
    ["payout_requires_paid_in_full", "是", "全款到账后发放"],
    ["register_by_first_visit", "是", "须在首次到访前登记"],
    ["new_customer_must_be_new", "是", "新客户须为新客户"],
    ["excluded_relationships", "夫妻, 配偶, 父母, 子女", ""],
    ["excluded_categories", "车位, 储藏室", ""],
    ["second_approval_over", 5000, "推荐人现金奖励达到此金额需总经理审批"],
]

STAFF = [["王芳", "wangfang@example.com", "销售经理", "是", "E001"],
         ["李明", "liming@example.com", "置业顾问", "是", "E002"],
         ["张伟", "zhangwei@example.com", "置业顾问", "是", "E003"],
         ["陈静", "chenjing@example.com", "总经理", "是", "E004"],
         ["刘洋", "liuyang@example.com", "置业顾问", "否", "E005"]]

CUSTOMERS = [["赵磊", "13700000001", "zhaolei@example.com", "2023-05-01"],
             ["钱芳", "13700000002", "", "2024-09-12"],
             ["孙强", "13700000003", "sunqiang@example.com", "2025-03-08"],
             ["周敏", "13700000004", "", "2022-11-20"]]

REF_HEADER = ["登记时间", "推荐人", "推荐人电话", "推荐人邮箱", "推荐人类型", "新客户", "新客户电话", "新客户邮箱", "关系", "首次到访",
              "类别", "成交金额", "成交日期", "全款到账", "退单退款", "签单人", "带会主负责人", "带会协助人", "备注",
              "审批通过", "总经理审批", "驳回", "已发放"]


def _rows(t: dt.date) -> list[dict]:
    """The referral rows, dated around `t` (the day of the history pass)."""
    def d(days: int) -> str:
        return (t + dt.timedelta(days=days)).isoformat()

    zl = {"推荐人": "赵磊", "推荐人电话": "137 0000 0001", "推荐人邮箱": "zhaolei@example.com"}
    qf = {"推荐人": "钱芳", "推荐人电话": "+86 137-0000-0002"}
    sq = {"推荐人": "孙强", "推荐人电话": "13700000003", "推荐人邮箱": "sunqiang@example.com"}
    zm = {"推荐人": "周敏", "推荐人电话": "13700000004"}
    rows = [
        # approved and paid a week ago; the deal is refunded afterwards → Clawback
        {**zl, "登记时间": d(-40), "新客户": "吴晓", "新客户电话": "13900000001", "关系": "朋友", "首次到访": d(-39),
         "类别": "住宅", "成交金额": "186万", "成交日期": d(-30), "全款到账": True, "签单人": "李明",
         "审批通过": True, "已发放": True, "备注": "客户已退房"},
        # approved a week ago; the amount is corrected afterwards → approval withdrawn
        {**qf, "登记时间": d(-38), "新客户": "郑洁", "新客户电话": "13900000002", "关系": "同事", "首次到访": d(-37),
         "类别": "住宅", "成交金额": 1500000, "成交日期": d(-28), "全款到账": True, "签单人": "张伟",
         "带会主负责人": "王芳", "审批通过": True},
        # approved and paid
        {**sq, "登记时间": d(-36), "新客户": "冯刚", "新客户电话": "13900000003", "新客户邮箱": "fenggang@example.com",
         "关系": "朋友", "首次到访": d(-35),
         "类别": "住宅", "成交金额": "¥2,350,000.00", "成交日期": d(-25), "全款到账": True, "签单人": "李明",
         "带会协助人": "张伟", "审批通过": True},
        # approved, paid in full, waiting for finance
        {**zm, "登记时间": d(-33), "新客户": "陈晨", "新客户电话": "13900000004", "关系": "邻居", "首次到访": d(-33),
         "类别": "住宅", "成交金额": "98万", "成交日期": d(-20), "全款到账": True, "签单人": "张伟", "审批通过": True},
        # approved a week ago, the referrer has an email: notified
        {**zl, "登记时间": d(-34), "新客户": "林夕", "新客户电话": "13900000030", "关系": "朋友", "首次到访": d(-33),
         "类别": "住宅", "成交金额": "95万", "成交日期": d(-22), "全款到账": True, "签单人": "张伟", "审批通过": True},
        # awaiting approval
        {**zl, "登记时间": d(-30), "新客户": "褚楠", "新客户电话": "13900000005", "关系": "朋友", "首次到访": d(-29),
         "类别": "住宅", "成交金额": "320万", "成交日期": d(-15), "全款到账": True, "签单人": "李明",
         "带会主负责人": "王芳", "带会协助人": "张伟"},
        {**sq, "登记时间": d(-29), "新客户": "卫东", "新客户电话": "13900000006", "关系": "亲戚", "首次到访": d(-28),
         "类别": "商业", "成交金额": "88万", "成交日期": d(-14), "全款到账": True, "签单人": "张伟"},
        # commercial, referrer cash ≥ 5000 → needs the GM too
        {**qf, "登记时间": d(-28), "新客户": "蒋涛", "新客户电话": "13900000007", "关系": "客户", "首次到访": d(-27),
         "类别": "商业", "成交金额": "260万", "成交日期": d(-12), "全款到账": True, "签单人": "李明",
         "审批通过": True},
        # rejected
        {**zm, "登记时间": d(-27), "新客户": "沈琳", "新客户电话": "13900000008", "关系": "朋友", "首次到访": d(-26),
         "类别": "住宅", "成交金额": "135万", "成交日期": d(-11), "全款到账": True, "签单人": "张伟", "驳回": True,
         "备注": "客户由中介带看，非老带新"},
        # paid in full not yet
        {**zl, "登记时间": d(-20), "新客户": "韩雪", "新客户电话": "13900000009", "关系": "朋友", "首次到访": d(-19),
         "类别": "住宅", "成交金额": "210万", "成交日期": d(-6), "签单人": "李明"},
        # deal just signed: holding (5 business days)
        {**sq, "登记时间": d(-12), "新客户": "杨帆", "新客户电话": "13900000010", "关系": "同学", "首次到访": d(-11),
         "类别": "住宅", "成交金额": "156万", "成交日期": d(6), "全款到账": True, "签单人": "张伟"},
        # no deal yet
        {**qf, "登记时间": d(-8), "新客户": "朱琳", "新客户电话": "13900000011", "关系": "朋友", "首次到访": d(-7)},
        {**zm, "登记时间": d(-3), "新客户": "秦岚", "新客户电话": "13900000012", "关系": "同事"},
        # office space: no rule gives anything
        {**sq, "登记时间": d(-25), "新客户": "尤佳", "新客户电话": "13900000013", "关系": "朋友", "首次到访": d(-24),
         "类别": "写字楼", "成交金额": "400万", "成交日期": d(-10), "全款到账": True},
        # cancelled before any approval → Voided
        {**zl, "登记时间": d(-22), "新客户": "许诺", "新客户电话": "13900000014", "关系": "朋友", "首次到访": d(-21),
         "类别": "住宅", "成交金额": "120万", "成交日期": d(-9), "退单退款": True, "签单人": "李明"},
        # not eligible, one reason each
        {**zl, "登记时间": d(-21), "新客户": "赵磊", "新客户电话": "13700000001", "关系": "本人", "类别": "住宅"},
        {**qf, "登记时间": d(-19), "新客户": "吴晓", "新客户电话": "139-0000-0001", "关系": "朋友", "类别": "住宅"},
        {**sq, "登记时间": d(-18), "新客户": "孙丽", "新客户电话": "13900000015", "关系": "夫妻", "类别": "住宅",
         "成交金额": "300万", "成交日期": d(-5), "全款到账": True},
        {**zm, "登记时间": d(-17), "新客户": "何平", "新客户电话": "13900000016", "关系": "朋友", "类别": "车位",
         "成交金额": "18万", "成交日期": d(-4), "全款到账": True},
        {**zl, "登记时间": d(-10), "新客户": "吕方", "新客户电话": "13900000017", "关系": "朋友", "首次到访": d(-16),
         "类别": "住宅"},
        {**qf, "登记时间": d(-9), "新客户": "周敏", "新客户电话": "13700000004", "关系": "朋友", "类别": "住宅"},
        # needs fixing, one problem each
        {**sq, "登记时间": d(-7), "新客户": "施洋", "新客户电话": "13900000018", "关系": "朋友", "类别": "住宅",
         "成交金额": "三百万左右", "成交日期": d(-2), "全款到账": True},
        {**zm, "登记时间": d(-6), "新客户": "张华", "关系": "朋友", "类别": "住宅"},
        {"登记时间": d(-5), "推荐人": "马丽", "新客户": "孔亮", "新客户电话": "13900000019", "关系": "朋友",
         "类别": "住宅"},
        {**zl, "登记时间": d(-4), "新客户": "曹阳", "新客户电话": "13900000020", "关系": "朋友", "类别": "住宅",
         "成交金额": "175万", "成交日期": d(-1), "全款到账": True, "签单人": "李老师"},
        {**qf, "登记时间": "上周五", "新客户": "严冬", "新客户电话": "13900000021", "关系": "朋友"},
        # an employee referrer (a sales consultant) and a public referrer
        {"登记时间": d(-15), "推荐人": "王芳", "推荐人邮箱": "wangfang@example.com", "推荐人类型": "员工",
         "新客户": "华青", "新客户电话": "13900000022", "关系": "朋友", "首次到访": d(-14), "类别": "住宅",
         "成交金额": "110万", "成交日期": d(-8), "全款到账": True, "签单人": "李明"},
        {"登记时间": d(-14), "推荐人": "金鑫", "推荐人电话": "13600000001", "推荐人类型": "全民", "新客户": "魏来",
         "新客户电话": "13900000023", "关系": "朋友", "首次到访": d(-13), "类别": "SOHO", "成交金额": "95万",
         "成交日期": d(-7), "全款到账": True, "签单人": "张伟"},
    ]
    return rows


def _after(t: dt.date) -> dict[int, dict]:
    """What staff changed during the week after the history pass (row index → cells)."""
    return {0: {"退单退款": True},             # refund of an approved deal
            1: {"成交金额": 1580000},          # amount corrected after approval
            2: {"已发放": True}}               # finance paid it


def _sheet(wb, name: str, header: list[str], rows: list[list], widths: int = 14):
    ws = wb.create_sheet(name)
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    for r in rows:
        ws.append(r)
    for i in range(1, len(header) + 1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = widths
    ws.freeze_panes = "A2"
    return ws


TICK_HEADERS = ("全款到账", "退单退款", "审批通过", "总经理审批", "驳回", "已发放",
                "Paid in full", "Cancelled", "Approved", "GM approved", "Rejected", "Paid")


def _tick_dropdowns(ws, header: list[str]) -> None:
    """TRUE/FALSE dropdowns on the checkbox columns, as a spreadsheet's checkboxes."""
    dv = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
    ws.add_data_validation(dv)
    for i, h in enumerate(header):
        if h in TICK_HEADERS:
            col = openpyxl.utils.get_column_letter(i + 1)
            dv.add(f"{col}2:{col}2000")


def demo_tabs(referral_rows: list[dict], language: str = "zh") -> list[tuple[str, list[str], list[list], int]]:
    """The demo workbook's tabs: (name, header, rows, column width), in order."""
    return [
        ("推荐登记", REF_HEADER, [[r.get(h) for h in REF_HEADER] for r in referral_rows], 14),
        ("奖励规则", RULE_HEADER, RULES, 14),
        ("阶梯奖励", ["奖励对象", "人数", "周期", "方式", "奖励类型", "金额", "奖品"],
         [["推荐人", 3, "年", "逐档", "现金", 2000, ""], ["推荐人", 5, "年", "逐档", "礼品", "", "家电礼包"]], 14),
        ("设置", ["项目", "值", "说明"], [[k, language if k == "language" else v, d] for k, v, d in SETTINGS], 24),
        ("员工", ["姓名", "邮箱", "岗位", "在职", "工号"], STAFF, 14),
        ("老客户", ["姓名", "电话", "邮箱", "成为客户日期"], CUSTOMERS, 14),
        (DASHBOARD.zh, [DASHBOARD_TITLE.zh], [], 26),
    ]


def build(path: Path, t: dt.date, referral_rows: list[dict] | None = None, language: str = "zh") -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rows = referral_rows if referral_rows is not None else _rows(t)
    for name, header, tab_rows, widths in demo_tabs(rows, language):
        ws = _sheet(wb, name, header, tab_rows, widths)
        if name == "推荐登记":
            _tick_dropdowns(ws, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def create_demo(path: Path, today: dt.date, cfg=None, language: str = "zh") -> bool:
    """Write the demo workbook; with a config whose ledger is still empty, also give
    it a week of history (a ledger that already holds referrals is never mixed
    with the demo's).  True when the history was added."""
    t = today - dt.timedelta(days=7)
    build(path, t, language=language)
    if cfg is None or _ledger_in_use(cfg.ledger_path):
        return False
    from .sync import run_pass
    run_pass(cfg, t, dt.datetime.combine(t, dt.time(18, 0), tzinfo=ZoneInfo("Asia/Shanghai")))
    wb = openpyxl.load_workbook(path)
    ws = wb["推荐登记"]
    head = [c.value for c in ws[1]]
    for index, changes in _after(t).items():
        for header, value in changes.items():
            ws.cell(index + 2, head.index(header) + 1, value)
    wb.save(path)
    return True


def _ledger_in_use(path: Path) -> bool:
    if not path.exists():
        return False
    import sqlite3
    db = sqlite3.connect(path)
    try:
        return bool(db.execute("SELECT count(*) FROM refs").fetchone()[0])
    except sqlite3.DatabaseError:
        return True
    finally:
        db.close()


def empty_tabs(language: str = "zh") -> list[tuple[str, list[str], list[list], int]]:
    """Every tab with its headers in one language, and every setting at its default:
    (name, header, rows, column width), in order."""
    zh = language == "zh"
    out = [(spec.zh if zh else spec.en, [f.zh if zh else f.en for f in spec.fields], [], 14)
           for spec in TABS.values() if spec.key != "settings"]
    out.append((TABS["settings"].zh if zh else TABS["settings"].en,
                ["项目", "值", "说明"] if zh else ["Key", "Value", "Meaning"], _default_settings(language), 24))
    out.append((DASHBOARD.zh if zh else DASHBOARD.en, [DASHBOARD_TITLE.render(language)], [], 26))
    return out


def create_empty(path: Path, language: str = "zh") -> None:
    """Every tab with its headers in one language, and every setting at its default."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    referrals = TABS["referrals"].zh if language == "zh" else TABS["referrals"].en
    for name, header, rows, widths in empty_tabs(language):
        ws = _sheet(wb, name, header, rows, widths)
        if name == referrals:
            _tick_dropdowns(ws, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _default_settings(language: str) -> list[list]:
    from .settings import SETTING_NAMES, Settings
    zh = language == "zh"
    defaults = Settings(language=language)
    rows = []
    for key, (zh_name, kind) in SETTING_NAMES.items():
        value = getattr(defaults, key)
        if isinstance(value, bool):
            value = ("是" if value else "否") if zh else ("yes" if value else "no")
        elif isinstance(value, tuple):
            value = ", ".join(str(v) for v in value)
        rows.append([key, value, zh_name])
    return rows
