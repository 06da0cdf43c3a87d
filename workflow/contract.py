"""The workbook contract: tabs, fields, header names (en/zh) and status labels.

Everything a user types as a header or a tab name is matched through
`cells.norm` (case, spaces and full-width forms ignored).  Config may add
aliases per tab and field.
"""
from __future__ import annotations

from dataclasses import dataclass

from .cells import norm
from .i18n import Bilingual


@dataclass(frozen=True)
class Field:
    key: str
    en: str
    zh: str
    owner: str = "staff"  # staff · manager · worker
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.en, self.zh)

    def names(self) -> tuple[str, ...]:
        return (self.en, self.zh, *self.aliases)


def _f(key, en, zh, owner="staff", required=False, aliases=()):
    return Field(key, en, zh, owner, required, tuple(aliases))


REFERRAL_FIELDS = (
    _f("submitted", "Submitted at", "登记时间", required=True, aliases=("Submitted", "Date", "登记日期")),
    _f("referrer", "Referrer", "推荐人", required=True, aliases=("推荐人姓名",)),
    _f("referrer_phone", "Referrer phone", "推荐人电话", aliases=("推荐人手机",)),
    _f("referrer_email", "Referrer email", "推荐人邮箱"),
    _f("referrer_type", "Referrer type", "推荐人类型"),
    _f("customer", "New customer", "新客户", required=True, aliases=("新客户姓名", "Customer")),
    _f("customer_phone", "New customer phone", "新客户电话", required=True, aliases=("新客户手机", "Customer phone")),
    _f("customer_email", "New customer email", "新客户邮箱", aliases=("Customer email",)),
    _f("relationship", "Relationship", "关系"),
    _f("first_visit", "First visit", "首次到访", aliases=("首次到访日期", "首访日期")),
    _f("program", "Program", "活动", aliases=("Programme",)),
    _f("category", "Category", "类别"),
    _f("amount", "Deal amount", "成交金额", aliases=("Amount",)),
    _f("deal_date", "Deal date", "成交日期"),
    _f("paid_in_full", "Paid in full", "全款到账"),
    _f("cancelled", "Cancelled", "退单退款"),
    _f("signer", "Signer", "签单人"),
    _f("lead", "Lead", "带会主负责人"),
    _f("assistant", "Assistant", "带会协助人"),
    _f("notes", "Notes", "备注"),
    _f("approved", "Approved", "审批通过", owner="manager"),
    _f("approved_2", "GM approved", "总经理审批", owner="manager"),
    _f("rejected", "Rejected", "驳回", owner="manager"),
    _f("paid", "Paid", "已发放", owner="manager"),
    _f("ref_id", "Ref ID", "编号", owner="worker"),
    _f("status", "Status", "状态", owner="worker"),
    _f("problems", "Problems", "问题", owner="worker"),
    _f("referrer_reward", "Referrer reward", "推荐人奖励", owner="worker"),
    _f("customer_reward", "New customer reward", "新客户优惠", owner="worker"),
    _f("commission", "Staff commission", "员工提成", owner="worker"),
    _f("notified", "Notice sent", "通知时间", owner="worker"),
)

RULE_FIELDS = (
    _f("recipient", "Recipient", "奖励对象", required=True),
    _f("program", "Program", "活动", aliases=("Programme",)),
    _f("referrer_type", "Referrer type", "推荐人类型"),
    _f("category", "Category", "类别"),
    _f("min_amount", "Min amount", "金额下限"),
    _f("max_amount", "Max amount", "金额上限"),
    _f("rate", "Rate %", "比例%", aliases=("Rate", "比例")),
    _f("fixed", "Fixed", "固定金额"),
    _f("cap", "Cap", "封顶"),
    _f("round_to", "Round to", "取整"),
    _f("reward_type", "Reward type", "奖励类型"),
    _f("item", "Item", "奖品"),
    _f("group", "Group", "分组"),
    _f("valid_from", "From", "生效日期"),
    _f("valid_to", "To", "截止日期"),
)

MILESTONE_FIELDS = (
    _f("recipient", "Recipient", "奖励对象"),
    _f("program", "Program", "活动", aliases=("Programme",)),
    _f("count", "Count", "人数", required=True),
    _f("period", "Period", "周期"),
    _f("mode", "Mode", "方式"),
    _f("reward_type", "Reward type", "奖励类型"),
    _f("amount", "Amount", "金额"),
    _f("item", "Item", "奖品"),
)

SETTING_FIELDS = (
    _f("key", "Key", "项目", required=True, aliases=("Setting", "设置", "键", "参数")),
    _f("value", "Value", "值", required=True, aliases=("设置值", "内容")),
)

STAFF_FIELDS = (
    _f("name", "Name", "姓名", required=True),
    _f("email", "Email", "邮箱"),
    _f("role", "Role", "岗位"),
    _f("active", "Active", "在职"),
    _f("employee_id", "Employee ID", "工号"),
)

CUSTOMER_FIELDS = (
    _f("name", "Name", "姓名"),
    _f("phone", "Phone", "电话"),
    _f("email", "Email", "邮箱"),
    _f("since", "Since", "成为客户日期"),
)


@dataclass(frozen=True)
class TabSpec:
    key: str
    en: str
    zh: str
    fields: tuple[Field, ...]
    required: bool = False

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.en, self.zh)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


TABS = {
    "referrals": TabSpec("referrals", "Referrals", "推荐登记", REFERRAL_FIELDS, required=True),
    "rules": TabSpec("rules", "Rules", "奖励规则", RULE_FIELDS, required=True),
    "milestones": TabSpec("milestones", "Milestones", "阶梯奖励", MILESTONE_FIELDS),
    "settings": TabSpec("settings", "Settings", "设置", SETTING_FIELDS),
    "staff": TabSpec("staff", "Staff", "员工", STAFF_FIELDS),
    "customers": TabSpec("customers", "Customers", "老客户", CUSTOMER_FIELDS),
}

# The worker's own tab (optional): counts, amounts, what waits for whom, warnings. See dashboard.py.
DASHBOARD = TabSpec("dashboard", "Dashboard", "看板", ())
DASHBOARD_TITLE = Bilingual("Referral rewards — overview (filled in by the worker; typing here is overwritten)",
                            "推荐奖励看板（由系统自动填写，在此输入的内容会被覆盖）")

WORKER_FIELDS = tuple(f for f in REFERRAL_FIELDS if f.owner == "worker")
MANAGER_FIELDS = tuple(f for f in REFERRAL_FIELDS if f.owner == "manager")
STAFF_ENTRY_FIELDS = tuple(f for f in REFERRAL_FIELDS if f.owner == "staff")

# Status keys in decision order, with their fixed labels.
STATUSES = {
    "needs_fixing": Bilingual("Needs fixing", "待修正"),
    "not_eligible": Bilingual("Not eligible", "不符合条件"),
    "voided": Bilingual("Voided", "已作废"),
    "clawback": Bilingual("Clawback", "追回"),
    "waiting_deal": Bilingual("Waiting for deal", "待成交"),
    "waiting_payment": Bilingual("Waiting for payment", "待全款"),
    "holding": Bilingual("Holding", "等待期"),
    "no_reward": Bilingual("No reward", "无奖励"),
    "awaiting_approval": Bilingual("Awaiting approval", "待审批"),
    "awaiting_gm": Bilingual("Awaiting GM approval", "待总经理审批"),
    "rejected": Bilingual("Rejected", "已驳回"),
    "approved": Bilingual("Approved", "已审批"),
    "notified": Bilingual("Notified", "已通知"),
    "paid": Bilingual("Paid", "已发放"),
}

RECIPIENTS = {
    "referrer": Bilingual("referrer", "推荐人"),
    "new_customer": Bilingual("new customer", "新客户"),
    "signer": Bilingual("signer", "签单人"),
    "lead": Bilingual("lead", "带会主负责人"),
    "assistant": Bilingual("assistant", "带会协助人"),
}
STAFF_ROLES = ("signer", "lead", "assistant")

REWARD_TYPES = {
    "cash": Bilingual("cash", "现金"),
    "voucher": Bilingual("voucher", "购物卡"),
    "discount": Bilingual("discount", "优惠"),
    "points": Bilingual("points", "积分"),
    "gift": Bilingual("gift", "礼品"),
    "service": Bilingual("service", "服务"),
}
REWARD_TYPE_ALIASES = {"代金券": "voucher", "购物卡/代金券": "voucher", "券": "voucher", "折扣": "discount",
                       "礼物": "gift", "赠品": "gift"}

REFERRER_TYPES = {
    "customer": Bilingual("customer", "老客户"),
    "employee": Bilingual("employee", "员工"),
    "public": Bilingual("public", "全民"),
}
REFERRER_TYPE_ALIASES = {"客户": "customer", "old customer": "customer", "staff": "employee", "全民经纪人": "public"}

PERIODS = {
    "month": Bilingual("month", "月"),
    "quarter": Bilingual("quarter", "季度"),
    "year": Bilingual("year", "年"),
    "campaign": Bilingual("campaign", "活动期"),
    "all": Bilingual("all", "累计"),
}
MODES = {"each": Bilingual("each", "逐档"), "highest": Bilingual("highest", "取最高")}


def choices(table: dict[str, Bilingual], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Accepted spellings (normalised) → canonical key, for cells.parse_choice."""
    out: dict[str, str] = {}
    for key, label in table.items():
        for name in (key, label.en, label.zh, key.replace("_", " ")):
            out[norm(name)] = key
    for name, key in (aliases or {}).items():
        out[norm(name)] = key
    return out


RECIPIENT_CHOICES = choices(RECIPIENTS, {"新客": "new_customer", "customer": "new_customer", "主负责人": "lead",
                                         "协助人": "assistant", "newcustomer": "new_customer"})
REWARD_TYPE_CHOICES = choices(REWARD_TYPES, REWARD_TYPE_ALIASES)
REFERRER_TYPE_CHOICES = choices(REFERRER_TYPES, REFERRER_TYPE_ALIASES)
PERIOD_CHOICES = choices(PERIODS, {"月度": "month", "季": "quarter", "年度": "year", "活动": "campaign",
                                   "全部": "all", "累积": "all"})
MODE_CHOICES = choices(MODES, {"每档": "each", "最高": "highest"})
