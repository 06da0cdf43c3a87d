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
from .cells import norm
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
    "notice_updates.no_email_other.referrer": {
        "en": "Referrer: the reward notice went to {before} before the referrer was changed to {name} — there is no "
              "email address for {name}: let them know of their reward ({now})",
        "zh": "推荐人：奖励通知已发给 {before}，之后推荐人改为 {name} — {name} 没有邮箱，无法发送通知：请告知其奖励（{now}）",
    },
    "notice_updates.no_email_other.new_customer": {
        "en": "New customer: the welcome notice went to {before} before the new customer was changed to {name} — "
              "there is no email address for {name}: let them know of their benefit ({now})",
        "zh": "新客户：欢迎通知已发给 {before}，之后新客户改为 {name} — {name} 没有邮箱，无法发送通知：请告知其礼遇（{now}）",
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


def update_key(prefix: str, n: int, told: str) -> str:
    """An updated notice's key: its person's first notice key, its number, what it tells."""
    return f"{prefix}|{n}:{digest(told)}"


@dataclass
class Told:
    """The last notice of a kind that went to one person of a referral."""

    n: int              # 0 the first notice, then 1, 2 … its updates
    lines: str          # told_json
    sent_at: str
    to_addr: str = ""
    to_name: str = ""
    prefix: str = ""    # the key of this person's first notice: its updates' keys start so

    @property
    def day(self) -> dt.date | None:
        try:
            return dt.datetime.fromisoformat(self.sent_at).date()
        except (TypeError, ValueError):
            return None


def last_told(messages) -> dict[tuple[str, str], dict[str, Told]]:
    """(first notice's kind, Ref ID) → address (person_of) → the last notice of that
    family that went to it.  A referral's person can change after its notice went (the
    referrer corrected): each person told keeps their own last notice."""
    out: dict[tuple[str, str], dict[str, Told]] = {}
    for m in messages:
        family = FAMILY.get(m.kind)
        if family is None or m.state != "sent" or not m.ref_id or m.told is None:
            continue
        n = 0 if m.kind == family else _number(m.key)
        people = out.setdefault((family, m.ref_id), {})
        who = person_of(m.to_addr)
        if who not in people or n > people[who].n:
            prefix = m.key if m.kind == family else m.key.rsplit("|", 1)[0]
            people[who] = Told(n, m.told, m.sent_at or "", m.to_addr or "", m.to_name or "", prefix)
    return out


def person_of(addr: str | None) -> str:
    return (addr or "").strip().lower()


def first_key(family: str, ref_id: str, addr: str, people: dict[str, Told]) -> str:
    """The key of the first notice to this address: `reward_notice|R-000123` for the first
    person told, `reward_notice|R-000123|to:<digest>` for another one told later."""
    mine = people.get(person_of(addr))
    if mine is not None:
        return mine.prefix
    plain = f"{family}|{ref_id}"
    if any(t.prefix == plain for t in people.values()):
        return f"{plain}|to:{digest(person_of(addr))}"
    return plain


def last_of(people: dict[str, Told]) -> Told:
    """The person told last."""
    return max(people.values(), key=lambda t: (t.sent_at, t.n))


def no_longer_theirs(people: dict[str, Told], addr: str | None, name: str | None) -> list[Told]:
    """People told of lines who are no longer the referral's person (another name, at
    another address): what they were told does not hold any more.  The same name at
    another address is the address corrected, not another person."""
    who = person_of(addr)
    return [t for a, t in sorted(people.items()) if a != who and t.lines != NOTHING and t.to_name
            and norm(t.to_name) != norm(name or "")]


NOTHING = "[]"            # told_json([])


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


def no_email(family: str, told: Told, now: str, name: str | None = None) -> Text:
    """The row's note when the person to tell of an update has no email address
    (`name`: another person than the one told, `told.to_name`)."""
    if name is not None:
        return Text(f"notice_updates.no_email_other.{ROLE_OF[family]}", before=told.to_name, name=name,
                    now=_Lines(now))
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
