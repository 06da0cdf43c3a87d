"""The 'Not eligible' reasons, each a small function: (referral, context) → Text or None."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import i18n
from .cells import norm
from .i18n import Text
from .people import Customers, Staff
from .referral import Referral
from .settings import Settings

# Each says why nothing is paid and what to correct if that reason is a typing mistake.
# A setting is named as the workbook's Settings tab spells it ({setting}: Settings.name).
i18n.register({
    "elig.self": {
        "en": "New customer: the referrer and the new customer are the same person (same phone or email) — a "
              "self-referral earns no reward; if a phone or email was typed wrongly, correct it",
        "zh": "新客户：推荐人与新客户是同一人（电话或邮箱相同） — 自我推荐不能获得奖励；如电话或邮箱填错，请更正",
    },
    "elig.duplicate": {
        "en": "New customer phone: this new customer was already referred by {winner} (registered {when}) — only the "
              "earliest registration counts, so nothing is paid for this one; if the phone was typed wrongly, correct it",
        "zh": "新客户电话：该新客户已由 {winner} 登记推荐（{when}） — 只有最早的登记有效，本条不发放奖励；如电话填错，请更正",
    },
    "elig.relationship": {
        "en": "Relationship: {found} is excluded from rewards (Settings: {setting}) — nothing is paid for this "
              "referral; if the relationship was typed wrongly, correct it",
        "zh": "关系：{found} 不参与奖励（设置：{setting}） — 该推荐不发放奖励；如关系填错，请更正",
    },
    "elig.category": {
        "en": "Category: {found} is excluded from rewards (Settings: {setting}) — nothing is paid for this "
              "referral; if the category was typed wrongly, correct it",
        "zh": "类别：{found} 不参与奖励（设置：{setting}） — 该推荐不发放奖励；如类别填错，请更正",
    },
    "elig.after_visit": {
        "en": "Submitted at: registered {submitted}, after the new customer's first visit on {visit} — a referral "
              "must be registered before or at the first visit; if one of the two dates is mistyped, correct it",
        "zh": "登记时间：{submitted} 登记，晚于新客户首次到访日 {visit} — 须在首次到访前或当天登记；如两个日期中有填错的，请更正",
    },
    "elig.after_deal": {
        "en": "Submitted at: registered {submitted}, after the deal on {deal} — a referral must be registered before "
              "the deal; if one of the two dates is mistyped, correct it",
        "zh": "登记时间：{submitted} 登记，晚于成交日期 {deal} — 须在成交前登记；如两个日期中有填错的，请更正",
    },
    "elig.before_campaign": {
        "en": "Submitted at: {submitted} is before the campaign started on {start} (Settings: {setting}) — nothing "
              "is paid for this referral; if the date was typed wrongly, correct it",
        "zh": "登记时间：{submitted} 早于活动开始日期 {start}（设置：{setting}） — 该推荐不发放奖励；如日期填错，请更正",
    },
    "elig.after_campaign": {
        "en": "Submitted at: {submitted} is after the campaign ended on {end} (Settings: {setting}) — nothing is "
              "paid for this referral; if the date was typed wrongly, correct it",
        "zh": "登记时间：{submitted} 晚于活动结束日期 {end}（设置：{setting}） — 该推荐不发放奖励；如日期填错，请更正",
    },
    "elig.already_customer": {
        "en": "New customer: already in the Customers tab {since} — only new customers count, so nothing is paid "
              "for this referral; if the phone or email was typed wrongly, correct it",
        "zh": "新客户：已在老客户表中{since} — 只有新客户才计入，该推荐不发放奖励；如电话或邮箱填错，请更正",
    },
    "elig.since_en": {"en": "since {date}", "zh": "（{date} 起）"},
    "elig.since_unknown": {"en": "(no date: known from before)", "zh": "（无日期，视为早已是客户）"},
    "elig.referrer_not_customer": {
        "en": "Referrer: not found in the Customers tab by phone or email — referrers must be existing customers "
              "(Settings: {setting}); add the referrer to the Customers tab, or correct the phone or email",
        "zh": "推荐人：按电话或邮箱在老客户表中找不到 — 推荐人须为老客户（设置：{setting}）；请把推荐人加入老客户表，或更正电话或邮箱",
    },
    "elig.employee_unknown": {
        "en": "Referrer: {found} is typed as employee but is not in the Staff tab — correct the name or the referrer type",
        "zh": "推荐人：{found} 的类型为员工，但不在员工表中 — 请更正姓名或推荐人类型",
    },
    "elig.employee_inactive": {
        "en": "Referrer: {found} is no longer an active employee (Staff: Active) — nothing is paid for this "
              "referral; if the Staff tab is wrong, correct Active there",
        "zh": "推荐人：{found} 已不是在职员工（员工表：在职） — 该推荐不发放奖励；如员工表有误，请更正“在职”",
    },
    "elig.employee_role": {
        "en": "Referrer: {found} works as {role}, and that role cannot earn referral rewards (Settings: {setting}) "
              "— nothing is paid for this referral; if the role in the Staff tab is wrong, correct it there",
        "zh": "推荐人：{found} 的岗位是{role}，该岗位不能获得推荐奖励（设置：{setting}） — 该推荐不发放奖励；"
              "如员工表中的岗位有误，请在员工表中更正",
    },
    "elig.deal_too_late": {
        "en": "Deal date: {deal} is {days} days after the referral, more than the {limit} allowed (Settings: "
              "{setting}) — nothing is paid for this referral; if a date was typed wrongly, correct it",
        "zh": "成交日期：{deal} 距登记 {days} 天，超过允许的 {limit} 天（设置：{setting}） — 该推荐不发放奖励；如日期填错，请更正",
    },
})


@dataclass
class EligibilityContext:
    settings: Settings
    staff: Staff
    customers: Customers
    first_by_customer: dict            # customer key → the earliest Referral
    excluded_relationships: frozenset = frozenset()
    excluded_categories: frozenset = frozenset()
    excluded_roles: frozenset = frozenset()
    memo: dict = field(default_factory=dict)             # relationship → excluded
    memo_categories: dict = field(default_factory=dict)  # category → excluded

    @classmethod
    def build(cls, settings, staff, customers, first_by_customer):
        return cls(settings, staff, customers, first_by_customer,
                   frozenset(norm(x) for x in settings.excluded_relationships),
                   frozenset(norm(x) for x in settings.excluded_categories),
                   frozenset(norm(x) for x in settings.excluded_employee_roles))


def self_referral(r: Referral, ctx):
    v = r.v
    same_phone = v["referrer_phone"] and v["referrer_phone"] == v["customer_phone"]
    same_email = v["referrer_email"] and v["referrer_email"] == v["customer_email"]
    return Text("elig.self") if same_phone or same_email else None


def duplicate(r: Referral, ctx):
    first = ctx.first_by_customer.get(r.customer_key)
    if first is not None and first is not r:
        return Text("elig.duplicate", winner=first.ref_id or f"#{first.row}",
                    when=first.submitted_date.isoformat() if first.submitted_date else "")
    return None


def relationship(r: Referral, ctx):
    rel = r.v["relationship"]
    if rel and norm(rel) in ctx.excluded_relationships:
        return Text("elig.relationship", found=i18n.Found(rel), setting=ctx.settings.name("excluded_relationships"))
    return None


def category(r: Referral, ctx):
    cat = r.v["category"]
    if cat and norm(cat) in ctx.excluded_categories:
        return Text("elig.category", found=i18n.Found(cat), setting=ctx.settings.name("excluded_categories"))
    return None


def after_first_visit(r: Referral, ctx):
    visit = r.v["first_visit"]
    if ctx.settings.register_by_first_visit and visit and r.submitted_date > visit:
        return Text("elig.after_visit", submitted=r.submitted_date.isoformat(), visit=visit.isoformat())
    return None


def after_deal(r: Referral, ctx):
    """Registered after the deal: after the first visit too (a deal is a visit)."""
    deal = r.v["deal_date"]
    if ctx.settings.register_by_first_visit and deal and r.submitted_date > deal:
        return Text("elig.after_deal", submitted=r.submitted_date.isoformat(), deal=deal.isoformat())
    return None


def campaign(r: Referral, ctx):
    s = ctx.settings
    d = r.submitted_date
    if s.campaign_start and d < s.campaign_start:
        return Text("elig.before_campaign", submitted=d.isoformat(), start=s.campaign_start.isoformat(),
                    setting=s.name("campaign_start"))
    if s.campaign_end and d > s.campaign_end:
        return Text("elig.after_campaign", submitted=d.isoformat(), end=s.campaign_end.isoformat(),
                    setting=s.name("campaign_end"))
    return None


def already_customer(r: Referral, ctx):
    if not ctx.settings.new_customer_must_be_new or not ctx.customers.present:
        return None
    known, since = ctx.customers.known(r.v["customer_phone"], r.v["customer_email"])
    if known and (since is None or since < r.submitted_date):
        when = Text("elig.since_en", date=since.isoformat()) if since else Text("elig.since_unknown")
        return Text("elig.already_customer", since=when)
    return None


def referrer(r: Referral, ctx):
    v = r.v
    if v["referrer_type"] == "customer":
        if ctx.settings.referrer_must_be_customer:
            known, _ = ctx.customers.known(v["referrer_phone"], v["referrer_email"])
            if not known:
                return Text("elig.referrer_not_customer", setting=ctx.settings.name("referrer_must_be_customer"))
        return None
    if v["referrer_type"] == "employee":
        member = ctx.staff.find(v["referrer"], v["referrer_email"])
        if member is None:
            return Text("elig.employee_unknown", found=i18n.Found(v["referrer"]))
        if not member.active:
            return Text("elig.employee_inactive", found=i18n.Found(member.name))
        if member.role and norm(member.role) in ctx.excluded_roles:
            return Text("elig.employee_role", found=i18n.Found(member.name), role=member.role,
                        setting=ctx.settings.name("excluded_employee_roles"))
    return None


def deal_too_late(r: Referral, ctx):
    limit = ctx.settings.deal_within_days
    deal = r.v["deal_date"]
    if limit is not None and deal:
        days = (deal - r.submitted_date).days
        if days > limit:
            return Text("elig.deal_too_late", deal=deal.isoformat(), days=days, limit=limit,
                        setting=ctx.settings.name("deal_within_days"))
    return None


CHECKS = (self_referral, duplicate, relationship, category, after_first_visit, after_deal, campaign,
          already_customer, referrer, deal_too_late)


def not_eligible(r: Referral, ctx: EligibilityContext) -> Text | None:
    if _surely_eligible(r, ctx):
        return None
    for check in CHECKS:
        reason = check(r, ctx)
        if reason is not None:
            return reason
    return None


# the fields each check reads (a check runs on a row that needs fixing only when they are all readable)
_READS = {self_referral: ("referrer_phone", "referrer_email", "customer_phone", "customer_email"),
          duplicate: ("customer_phone", "customer_email", "submitted"),
          relationship: ("relationship",), category: ("category",),
          after_first_visit: ("first_visit", "submitted"), after_deal: ("deal_date", "submitted"), campaign: ("submitted",),
          already_customer: ("customer_phone", "customer_email", "submitted"),
          referrer: ("referrer", "referrer_type", "referrer_phone", "referrer_email"),
          deal_too_late: ("deal_date", "submitted")}


def known_not_eligible(r: Referral, ctx: EligibilityContext) -> Text | None:
    """For a row that needs fixing: the first reason it is not eligible that its readable
    cells already show (so that fixing the row does not only reveal it is not eligible)."""
    if not r.problems:
        return not_eligible(r, ctx)
    bad = r.bad_fields
    for check in CHECKS:
        reads = _READS[check]
        if any(k in bad for k in reads) or ("submitted" in reads and r.submitted_date is None):
            continue
        reason = check(r, ctx)
        if reason is not None:
            return reason
    return None


def _excluded(text: str, names: frozenset, memo: dict) -> bool:
    hit = memo.get(text)
    if hit is None:
        hit = memo[text] = norm(text) in names
    return hit


def _surely_eligible(r: Referral, ctx: EligibilityContext) -> bool:
    """All of CHECKS at once, for the common eligible row: one call instead of
    nine on 100 000 rows.  False sends the row through CHECKS, which word
    the reason; this must never say True where a check finds one."""
    v = r.v
    rp, re_, cp, ce = v["referrer_phone"], v["referrer_email"], v["customer_phone"], v["customer_email"]
    if (rp and rp == cp) or (re_ and re_ == ce):
        return False
    first = ctx.first_by_customer.get(r.customer_key)
    if first is not None and first is not r:
        return False
    rel, cat = v["relationship"], v["category"]
    if rel and ctx.excluded_relationships and _excluded(rel, ctx.excluded_relationships, ctx.memo):
        return False
    if cat and ctx.excluded_categories and _excluded(cat, ctx.excluded_categories, ctx.memo_categories):
        return False
    s = ctx.settings
    sd = r.submitted_date
    if s.register_by_first_visit:
        visit, deal = v["first_visit"], v["deal_date"]
        if (visit and sd > visit) or (deal and sd > deal):
            return False
    if (s.campaign_start and sd < s.campaign_start) or (s.campaign_end and sd > s.campaign_end):
        return False
    if s.new_customer_must_be_new and ctx.customers.present:
        known, since = ctx.customers.known(cp, ce)
        if known and (since is None or since < sd):
            return False
    rtype = v["referrer_type"]
    if rtype == "customer":
        if s.referrer_must_be_customer and not ctx.customers.known(rp, re_)[0]:
            return False
    elif rtype == "employee" and referrer(r, ctx) is not None:
        return False
    limit, deal = s.deal_within_days, v["deal_date"]
    if limit is not None and deal and (deal - sd).days > limit:
        return False
    return True
