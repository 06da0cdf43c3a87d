"""The Settings tab → typed Settings, with a finding for every unusable cell."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

from . import cells, i18n
from .cells import CellError, norm
from .findings import Finding, at_cell
from .i18n import Bilingual, Text
from .layout import TabLayout, cell_ref

i18n.register({
    "settings.twice": {
        "en": "{setting} is set twice, to {first} in {where} and to {found} here — delete one of the two rows",
        "zh": "{setting} 设置了两次：{where} 为 {first}，此处为 {found} — 请删除其中一行",
    },
    "settings.unknown_key": {
        "en": "{found} is not a setting this worker knows — check the spelling (known: {known}); the row is ignored",
        "zh": "{found} 不是可识别的设置项 — 请检查拼写（可用：{known}）；该行已忽略",
    },
    "settings.bad_language": {
        "en": "{found} is not a language — write zh or en",
        "zh": "{found} 不是可用语言 — 请填写 zh 或 en",
    },
    "settings.bad_timezone": {
        "en": "{found} is not a time zone — write a name such as Asia/Shanghai",
        "zh": "{found} 不是有效时区 — 请填写如 Asia/Shanghai 的时区名",
    },
    "settings.campaign_order": {
        "en": "the campaign ends ({end}) before it starts ({start}) — correct one of the two dates",
        "zh": "活动结束日期（{end}）早于开始日期（{start}） — 请更正其中一个日期",
    },
    "settings.statement_day": {
        "en": "{found} is not a day of the month — write a number from 1 to 28",
        "zh": "{found} 不是有效的日期 — 请填写 1 到 28 之间的数字",
    },
})


@dataclass
class Settings:
    language: str = "zh"
    currency: str = "CNY"
    timezone: str = "Asia/Shanghai"
    campaign_start: dt.date | None = None
    campaign_end: dt.date | None = None
    register_by_first_visit: bool = True
    new_customer_must_be_new: bool = True
    referrer_must_be_customer: bool = False
    excluded_relationships: tuple[str, ...] = ("夫妻", "配偶", "父母", "子女")
    excluded_categories: tuple[str, ...] = ()
    excluded_employee_roles: tuple[str, ...] = ()
    deal_within_days: int | None = None
    payout_requires_paid_in_full: bool = True
    holding_days: int = 0
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()
    second_approval_over: Decimal | None = None
    monthly_cap_count: int | None = None
    monthly_cap_amount: Decimal | None = None
    statement_day: int = 1
    explicit: set = field(default_factory=set)   # keys set in the workbook
    spelled: dict = field(default_factory=dict)  # key → its Key cell as typed (second_approval_over, 二级审批金额)

    def name(self, key: str) -> "SettingName":
        """The setting `key` as a problem text names it: as this workbook's Settings tab spells it."""
        return SettingName(key, self.spelled.get(key))


@dataclass(frozen=True)
class SettingName:
    """A setting named in a text so that it can be found in the Settings tab: its Key cell
    as typed there; when the tab has no row for it, its key (in Chinese: its label, then
    its key — a row may use either)."""

    key: str
    spelled: str | None = None

    def render(self, lang: str) -> str:
        if self.spelled:
            return self.spelled
        return f"{SETTING_NAMES[self.key][0]} {self.key}" if lang == "zh" else self.key


# key → (中文, parser kind)
SETTING_NAMES = {
    "language": ("语言", "language"),
    "currency": ("货币", "text"),
    "timezone": ("时区", "timezone"),
    "campaign_start": ("活动开始", "date"),
    "campaign_end": ("活动结束", "date"),
    "register_by_first_visit": ("首次到访前登记", "bool"),
    "new_customer_must_be_new": ("新客户须为新", "bool"),
    "referrer_must_be_customer": ("推荐人须为老客户", "bool"),
    "excluded_relationships": ("排除关系", "list"),
    "excluded_categories": ("排除类别", "list"),
    "excluded_employee_roles": ("排除员工岗位", "list"),
    "deal_within_days": ("成交期限天数", "int"),
    "payout_requires_paid_in_full": ("全款到账后发放", "bool"),
    "holding_days": ("等待期工作日", "int"),
    "holidays": ("节假日", "dates"),
    "workdays": ("调休工作日", "dates"),
    "second_approval_over": ("二级审批金额", "amount"),
    "monthly_cap_count": ("每月奖励次数上限", "int"),
    "monthly_cap_amount": ("每月奖励金额上限", "amount"),
    "statement_day": ("对账单日", "day"),
}
_LOOKUP = {}
for _k, (_zh, _kind) in SETTING_NAMES.items():
    _LOOKUP[norm(_k)] = _k
    _LOOKUP[norm(_k.replace("_", " "))] = _k
    _LOOKUP[norm(_zh)] = _k
_HEADER_WORDS = {norm(w) for w in ("key", "项目", "setting", "设置", "键", "参数", "设置项", "name", "名称")}


def _parse_value(kind: str, raw):
    if kind == "bool":
        return cells.parse_checkbox(raw)
    if kind == "date":
        return cells.parse_date(raw)
    if kind == "int":
        return cells.parse_int(raw, minimum=0)
    if kind == "amount":
        return cells.parse_amount(raw)
    if kind == "list":
        return cells.parse_list(raw)
    if kind == "dates":
        return tuple(d for d in (cells.parse_date(p) for p in cells.parse_list(raw)) if d) \
            if isinstance(raw, str) else tuple(x for x in (cells.parse_date(raw),) if x)
    if kind == "language":
        t = norm(cells.parse_text(raw) or "")
        lang = {"zh": "zh", "中文": "zh", "chinese": "zh", "cn": "zh", "en": "en", "english": "en", "英文": "en"}.get(t)
        if t and not lang:
            raise CellError(Text("settings.bad_language", found=i18n.Found(raw)))
        return lang
    if kind == "timezone":
        from zoneinfo import ZoneInfo
        t = cells.parse_text(raw)
        if t:
            try:
                ZoneInfo(t)
            except Exception:  # ZoneInfo raises several types for a bad name
                raise CellError(Text("settings.bad_timezone", found=i18n.Found(raw)))
        return t
    if kind == "day":
        n = cells.parse_int(raw, minimum=1)
        if n is not None and not 1 <= n <= 28:
            raise CellError(Text("settings.statement_day", found=i18n.Found(raw)))
        return n
    return cells.parse_text(raw)


_EMPTY = Bilingual("empty", "空")


def parse_settings(grid: list[list], tab: TabLayout | None) -> tuple[Settings, list[Finding]]:
    """Read key/value rows. Unknown keys are warnings; unreadable values are errors."""
    s = Settings()
    findings: list[Finding] = []
    if tab is None:
        return s, findings
    kcol = tab.cols.get("key", 1)
    vcol = tab.cols.get("value", 2)
    start = tab.header_row if tab.cols else 0
    seen: dict[str, tuple] = {}     # setting → (cell, value, cell as typed) of the row that set it
    for r in range(start, len(grid)):
        row = grid[r]
        key_raw = row[kcol - 1] if len(row) >= kcol else None
        raw = row[vcol - 1] if len(row) >= vcol else None
        if not isinstance(key_raw, str) or not key_raw.strip():
            continue
        nk = norm(key_raw)
        key = _LOOKUP.get(nk)
        if key is None:
            if nk not in _HEADER_WORDS:
                findings.append(at_cell(tab.name, cell_ref(r + 1, kcol), key_raw.strip(),
                                        Text("settings.unknown_key", found=i18n.Found(key_raw.strip()),
                                             known=", ".join(SETTING_NAMES)), "warning"))
            continue
        zh, kind = SETTING_NAMES[key]
        try:
            value = _parse_value(kind, raw)
        except CellError as e:
            findings.append(at_cell(tab.name, cell_ref(r + 1, vcol), Bilingual(key, zh), e.text))
            continue
        here = cell_ref(r + 1, vcol)
        if key in seen and seen[key][1] != value:
            where, _first, first_raw = seen[key]
            findings.append(at_cell(tab.name, here, Bilingual(key, zh),
                                    Text("settings.twice", setting=Bilingual(key, zh), where=where,
                                         first=_EMPTY if first_raw in (None, "") else i18n.Found(first_raw),
                                         found=_EMPTY if raw in (None, "") else i18n.Found(raw))))
            continue
        seen.setdefault(key, (here, value, raw))
        s.spelled.setdefault(key, key_raw.strip())
        if value is None and kind not in ("list", "dates"):
            # a blank value means the default, except for optional limits
            if key in ("campaign_start", "campaign_end", "deal_within_days", "second_approval_over",
                       "monthly_cap_count", "monthly_cap_amount"):
                setattr(s, key, None)
            continue
        setattr(s, key, value)
        s.explicit.add(key)
    if s.campaign_start and s.campaign_end and s.campaign_end < s.campaign_start:
        findings.append(Finding(Text("settings.campaign_order", start=s.campaign_start.isoformat(),
                                     end=s.campaign_end.isoformat())))
    return s, findings


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings) if f.name not in ("explicit", "spelled")]
