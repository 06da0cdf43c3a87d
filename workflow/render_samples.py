"""What each template is given: one full and one sparse sample context per kind and language.

`Renderer.problems()` renders every template with these samples, so a name a
template uses that the worker does not provide (a typo such as `custmer`) is
reported by `check` with its file and line before anything is sent.  The
samples are also the reference for templates/README.md and for tests: they
hold exactly the names the worker passes.  Keep them in step with
workflow/notices.py and the statement and digest builders.
"""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

D = Decimal
KINDS = ("reward_notice", "welcome_notice", "reward_update", "welcome_update", "milestone_notice", "statement",
         "digest")

_LABELS = {
    "cash": {"zh": "现金", "en": "Cash"},              # reward types as notices label them (notice_updates.label)
    "gift": {"zh": "礼品", "en": "Gift"},
    "discount": {"zh": "优惠", "en": "Discount"},
    "referrer": {"zh": "推荐人", "en": "Referrer"},
    "signer": {"zh": "签单人", "en": "Signer"},
    "lead": {"zh": "主导", "en": "Lead"},
    "assistant": {"zh": "协助", "en": "Assistant"},
    "approval": {"zh": "审批", "en": "approval"},
    "gm_approval": {"zh": "总经理审批", "en": "GM approval"},
    "refund": {"zh": "客户退款", "en": "Customer refund"},
    "correction": {"zh": "金额更正", "en": "Amount corrected"},
    "paid_in_full": {"zh": "等待全款到账", "en": "Waiting for payment in full"},
    "holding": {"zh": "等待期未满", "en": "Holding period not over"},
}


def _l(key: str, lang: str) -> str:
    return _LABELS[key][lang]


def _common(lang: str) -> dict:
    return {"lang": lang, "currency": "CNY", "today": dt.date(2026, 11, 20),
            "sender_name": "星河口腔 推荐奖励组" if lang == "zh" else "Riverside Dental Referral Desk"}


def _contact(lang: str) -> dict:
    return {"name": "李静" if lang == "zh" else "Grace Li", "email": "grace.li@example.com"}


def reward_notice(lang: str) -> dict:
    zh = lang == "zh"
    return {**_common(lang),
            "referrer": "王丽华" if zh else "Helen Wang", "customer": "陈志强" if zh else "Peter Chen",
            "customer_phone": "13912345678", "ref_id": "R-000123",
            "program": "隐形矫正" if zh else "Clear aligners", "deal_date": dt.date(2026, 10, 8),
            "lines": [{"role": "referrer", "reward_type": "cash", "reward_type_label": _l("cash", lang),
                       "amount": D("500.00"), "item": None},
                      {"role": "referrer", "reward_type": "gift", "reward_type_label": _l("gift", lang),
                       "amount": None, "item": "电动牙刷一支" if zh else "An electric toothbrush"}],
            "total_cash": D("500.00"), "payable_from": dt.date(2026, 11, 25), "contact": _contact(lang)}


def welcome_notice(lang: str) -> dict:
    zh = lang == "zh"
    return {**_common(lang),
            "customer": "陈志强" if zh else "Peter Chen", "referrer": "王丽华" if zh else "Helen Wang",
            "ref_id": "R-000123", "program": "隐形矫正" if zh else "Clear aligners",
            "deal_date": dt.date(2026, 10, 8),
            "lines": [{"role": "new_customer", "reward_type": "discount",
                       "reward_type_label": _l("discount", lang), "amount": D("300.00"), "item": None}],
            "total_cash": D("0"), "contact": _contact(lang)}


def reward_update(lang: str) -> dict:
    """The referrer's reward approved again after a change: what the last notice told, and now."""
    zh = lang == "zh"
    ctx = reward_notice(lang)
    ctx["previous"] = [dict(ctx["lines"][0], amount=D("450.00")), dict(ctx["lines"][1])]
    ctx.update(previous_total_cash=D("450.00"), previous_date=dt.date(2026, 11, 12), cash_change=D("50.00"))
    ctx["lines"][1]["item"] = "电动牙刷一支及刷头" if zh else "An electric toothbrush with brush heads"
    return ctx


def welcome_update(lang: str) -> dict:
    """The new customer's benefit approved again after a change."""
    ctx = welcome_notice(lang)
    ctx["previous"] = [dict(ctx["lines"][0], amount=D("200.00"))]
    ctx.update(previous_total_cash=D("0"), previous_date=dt.date(2026, 11, 12), cash_change=D("0"))
    return ctx


def statement(lang: str) -> dict:
    zh = lang == "zh"

    def line(ref_id, customer, deal_date, role, rule, amount, kind="issue", reason=None, late=False,
             origin=None, item=None):
        return {"ref_id": ref_id, "customer": customer, "deal_date": deal_date, "role": role,
                "role_label": _l(role, lang), "rule": rule, "amount": D(amount), "item": item, "kind": kind,
                "reason_label": _l(reason, lang) if reason else None, "late": late, "origin_period": origin}

    rule = (lambda n: f"规则第 {n} 行") if zh else (lambda n: f"Rules row {n}")
    return {**_common(lang),
            "staff": "赵敏" if zh else "Mia Zhao", "period": "2026-10",
            "period_label": "2026年10月" if zh else "October 2026",
            "lines": [
                line("R-000123", "陈志强" if zh else "Peter Chen", dt.date(2026, 10, 8), "signer", rule(5), "300.00"),
                line("R-000131", "刘洋" if zh else "Yang Liu", dt.date(2026, 10, 15), "lead", rule(7), "150.50"),
                line("R-000098", "孙悦" if zh else "Joy Sun", dt.date(2026, 9, 21), "signer", rule(5), "300.00",
                     late=True, origin="2026-09"),
                line("R-000087", "周杰" if zh else "Jay Zhou", dt.date(2026, 9, 2), "assistant", rule(9),
                     "-80.00", kind="reversal", reason="refund", origin="2026-09"),
                line("R-000131", "刘洋" if zh else "Yang Liu", dt.date(2026, 10, 15), "lead", rule(7), "20.00",
                     kind="adjustment", reason="correction"),
            ],
            "period_total": D("690.50"), "ytd_total": D("8240.50"),
            "pending": [{"ref_id": "R-000140", "customer": "吴婷" if zh else "Tina Wu", "role_label": _l("signer", lang),
                         "amount": D("300.00"), "waiting_for": _l("paid_in_full", lang)}],
            "contact": _contact(lang)}


def digest(lang: str) -> dict:
    zh = lang == "zh"
    return {**_common(lang),
            "manager": "黄总" if zh else "Frank Huang",
            "counts": [{"label": label, "n": n} for label, n in (
                (("待审批", 3), ("需修正", 2), ("等待期中", 5), ("已通知", 12)) if zh else
                (("Awaiting approval", 3), ("To fix", 2), ("Holding", 5), ("Notified", 12)))],
            "awaiting": [{"ref_id": "R-000140", "row": 42, "referrer": "王丽华" if zh else "Helen Wang",
                          "customer": "吴婷" if zh else "Tina Wu", "amount": D("500.00"),
                          "other": "500元购物卡" if zh else "A ¥500 shopping card",
                          "what": _l("approval", lang), "own": False},
                         {"ref_id": "R-000141", "row": 43, "referrer": "郑凯" if zh else "Kai Zheng",
                          "customer": "何芳" if zh else "Fang He", "amount": D("2000.00"), "other": "",
                          "what": _l("gm_approval", lang), "own": True}],
            "to_fix": [{"ref_id": "R-000137", "row": 39,
                        "problem": "成交金额“约3千”不是金额 — 请填写数字，如 3000" if zh else
                        'Deal amount "about 3k" is not an amount — write a number such as 3000'}],
            "holding_soon": [{"ref_id": "R-000129", "until": dt.date(2026, 11, 25), "amount": D("300.00")}],
            "stopped": [],
            "sheet_url": "https://docs.google.com/spreadsheets/d/EXAMPLE"}


def stopped_digest(lang: str) -> dict:
    """The digest of a day the workbook cannot be used: only what stops the worker."""
    zh = lang == "zh"
    return {**digest(lang), "counts": [], "awaiting": [], "to_fix": [], "holding_soon": [],
            "stopped": ["奖励规则工作表 E3 单元格（比例%）：“三个点”不是百分比 — 请填写数字，如 3 或 3%" if zh else
                        'Rules tab, cell E3 (Rate %): "three" is not a percentage — write a number such as 3 or 3%']}


def milestone_notice(lang: str) -> dict:
    zh = lang == "zh"
    return {**_common(lang),
            "referrer": "王丽华" if zh else "Helen Wang", "count": 5, "period_label": "2026年" if zh else "in 2026",
            "ref_id": "R-000123",
            "lines": [{"role": "milestone", "reward_type": "cash", "reward_type_label": _l("cash", lang),
                       "amount": D("2000.00"), "item": None}],
            "contact": _contact(lang)}


_BUILDERS = {"reward_notice": reward_notice, "welcome_notice": welcome_notice, "reward_update": reward_update,
             "welcome_update": welcome_update, "milestone_notice": milestone_notice, "statement": statement,
             "digest": digest}


def sample(kind: str, lang: str) -> dict:
    """The full sample context of a kind in a language (a fresh copy)."""
    return copy.deepcopy(_BUILDERS[kind](lang))


def sparse(kind: str, lang: str) -> dict:
    """The same context with every optional value absent: None where a value
    may be missing, empty lists, zero totals."""
    ctx = sample(kind, lang)
    if kind in ("reward_notice", "welcome_notice"):
        ctx.update(program=None, deal_date=None, contact=None, total_cash=D("0"))
        ctx["lines"] = [{"role": "referrer" if kind == "reward_notice" else "new_customer",
                         "reward_type": "gift", "reward_type_label": _LABELS["gift"][lang], "amount": None,
                         "item": "礼品卡" if lang == "zh" else "A gift card"}]
        if kind == "reward_notice":
            ctx.update(payable_from=None, customer_phone="")
    elif kind in ("reward_update", "welcome_update"):
        # nothing approved now (the rules give this person nothing any more), and an empty "before"
        ctx.update(program=None, deal_date=None, contact=None, total_cash=D("0"), lines=[], previous=[],
                   previous_total_cash=D("0"), previous_date=None, cash_change=D("0"))
        if kind == "reward_update":
            ctx.update(payable_from=None, customer_phone="")
    elif kind == "milestone_notice":
        ctx.update(contact=None, lines=[{"role": "milestone", "reward_type": "gift", "reward_type_label":
                                         _LABELS["gift"][lang], "amount": None,
                                         "item": "家电礼包" if lang == "zh" else "A home appliance set"}])
    elif kind == "statement":
        ctx.update(lines=[], pending=[], contact=None, period_total=D("0"), ytd_total=D("0"))
    elif kind == "digest":
        ctx.update(counts=[], awaiting=[], to_fix=[], holding_soon=[], sheet_url=None)
    return ctx


def samples(kind: str, lang: str) -> list[dict]:
    """The samples, full first: what `problems()` renders each template with
    (the digest also as the digest of a day the workbook cannot be used)."""
    out = [sample(kind, lang), sparse(kind, lang)]
    if kind == "digest":
        out.append({**out[1], **stopped_digest(lang), "sheet_url": None})
    return out


__all__ = ["KINDS", "sample", "sparse", "samples"]
