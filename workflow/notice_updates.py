"""Updated notices: what a sent notice told, against what is approved now.  Pure.

A reward notice tells the referrer, and a welcome notice the new customer,
the lines approved for them; the message log keeps what each sent notice told
(`messages.told`, `told_json`).  When a change is approved again and the
person's lines now differ from what their last notice told (more, less, other
rewards, or none), they get an updated notice — `reward_update` or
`welcome_update`, saying what the last notice told and what holds now — once
per new approved state.  Its key is `reward_notice|R-000123|2:<digest>`: the
update's number (1 for the first update) and a short digest of the lines
approved now; the first notice keeps `reward_notice|R-000123`.

Nothing is sent when the person's lines are the same as told (a manager
approving the same amounts again), nor for a referral cancelled, rejected or
no longer eligible (it is not approved; other texts tell of that).  A person
without an email address cannot be sent the update: the row says so, for
staff to tell them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from . import i18n
from .changes import grouped_amount
from .contract import REWARD_TYPES
from .i18n import Text

i18n.register({
    "notice_updates.no_email.referrer": {
        "en": "The referrer's reward changed after their notice: told {before}, approved now {now} — there is no "
              "email address for an updated notice: let the referrer know the new amount",
        "zh": "推荐人的奖励在通知发出后有变动：通知中为 {before}，现审批为 {now} — 没有邮箱，无法发送更新通知："
              "请告知推荐人新的金额",
    },
    "notice_updates.no_email.new_customer": {
        "en": "The new customer's benefit changed after their welcome notice: told {before}, approved now {now} — "
              "there is no email address for an updated notice: let the new customer know the new benefit",
        "zh": "新客礼遇在欢迎通知发出后有变动：通知中为 {before}，现审批为 {now} — 没有邮箱，无法发送更新通知："
              "请告知新客户新的礼遇",
    },
    "notice_updates.none": {"en": "nothing", "zh": "无"},
})

ROLE_OF = {"reward_notice": "referrer", "welcome_notice": "new_customer"}     # first notice → whose lines
UPDATE_OF = {"reward_notice": "reward_update", "welcome_notice": "welcome_update"}
FAMILY = {"reward_notice": "reward_notice", "reward_update": "reward_notice",
          "welcome_notice": "welcome_notice", "welcome_update": "welcome_notice"}


_AMOUNTS: dict[Decimal, str] = {}      # amounts repeat: each normalised once
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode   # one encoder for every notice


def _amount(a: Decimal) -> str:
    text = _AMOUNTS.get(a)
    if text is None:
        if len(_AMOUNTS) > 100_000:
            _AMOUNTS.clear()
        text = _AMOUNTS[a] = format(a.normalize(), "f") if a else "0"
    return text


def told_json(lines) -> str:
    """What a notice tells of these lines, canonical: [[reward type, amount, item], ...] sorted."""
    return _ENCODE(sorted([ln.reward_type, _amount(ln.amount), ln.item or ""] for ln in lines))


def digest(told: str) -> str:
    return hashlib.sha256(told.encode("utf-8")).hexdigest()[:10]


def update_key(family: str, ref_id: str, n: int, told: str) -> str:
    return f"{family}|{ref_id}|{n}:{digest(told)}"


@dataclass
class Told:
    """The last notice of a kind that went to a referral's person."""

    n: int              # 0 the first notice, then 1, 2 … its updates
    lines: str          # told_json
    sent_at: str

    @property
    def day(self) -> dt.date | None:
        try:
            return dt.datetime.fromisoformat(self.sent_at).date()
        except (TypeError, ValueError):
            return None


def last_told(messages) -> dict[tuple[str, str], Told]:
    """(first notice's kind, Ref ID) → the last notice of that family that went."""
    out: dict[tuple[str, str], Told] = {}
    for m in messages:
        family = FAMILY.get(m.kind)
        if family is None or m.state != "sent" or not m.ref_id or m.told is None:
            continue
        n = 0 if m.kind == family else _number(m.key)
        k = (family, m.ref_id)
        if k not in out or n > out[k].n:
            out[k] = Told(n, m.told, m.sent_at or "")
    return out


def _number(key: str) -> int:
    try:
        return int(key.rsplit("|", 1)[1].split(":", 1)[0])
    except (IndexError, ValueError):
        return 0


class _Lines:
    """Told lines as a Problems cell reads them: 4,500元 · 电动牙刷 · discount 500 — or nothing."""

    def __init__(self, told: str):
        self.told = told

    def render(self, lang: str) -> str:
        parts = []
        for reward_type, amount, item in json.loads(self.told):
            a = Decimal(amount)
            if item:
                parts.append((f"{item}（{grouped_amount(a)}）" if lang == "zh" else f"{item} ({grouped_amount(a)})")
                             if a else item)
            elif reward_type == "cash":
                parts.append(f"{grouped_amount(a)}{'元' if lang == 'zh' else ' yuan'}")
            else:
                label = REWARD_TYPES[reward_type].render(lang) if reward_type in REWARD_TYPES else reward_type
                parts.append(f"{label} {grouped_amount(a)}")
        return ("；" if lang == "zh" else "; ").join(parts) or Text("notice_updates.none").render(lang)

    def __eq__(self, other):
        return isinstance(other, _Lines) and other.told == self.told


def no_email(family: str, told: Told, now: str) -> Text:
    """The row's note when the person to tell of an update has no email address."""
    return Text(f"notice_updates.no_email.{ROLE_OF[family]}", before=_Lines(told.lines), now=_Lines(now))


def label(reward_type: str, lang: str) -> str:
    """A reward type as a notice labels it: Cash, Voucher … / 现金、购物卡 …"""
    text = REWARD_TYPES[reward_type].render(lang) if reward_type in REWARD_TYPES else reward_type
    return text[:1].upper() + text[1:]


def told_ctx(told: str, role: str, lang: str) -> list[dict]:
    """The lines a notice told, as a template shows lines (notices.line_ctx)."""
    out = []
    for reward_type, amount, item in json.loads(told):
        a = Decimal(amount)
        out.append({"role": role, "reward_type": reward_type, "reward_type_label": label(reward_type, lang),
                    "amount": a if a else None, "item": item or None})
    return out


def cash_of(told: str) -> Decimal:
    return sum((Decimal(a) for t, a, _ in json.loads(told) if t == "cash"), Decimal(0))
