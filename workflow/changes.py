"""What changed since an approval, as people read it: "Deal amount 100,000 →
50,000, Reward Ann 1000 → 500" — the fields of two approval fingerprints
compared, each person's reward old → new (in Chinese: "奖励 赵磊 800元购物卡（800）；…").  Pure."""
from __future__ import annotations

import os
import re
from decimal import Decimal

from . import i18n
from .cells import format_amount
from .contract import REFERRER_TYPES
from .i18n import Bilingual, Text
from .referral import LABEL

i18n.register({
    "approval.change": {"en": "{field} {old} → {new}", "zh": "{field} {old} → {new}"},
    "approval.rewards_same": {"en": "the reward stays the same", "zh": "奖励不变"},
})

REWARD_LABEL = Bilingual("Reward", "奖励")
NO_REWARD = Bilingual("none", "无")
EMPTY_CELL = Bilingual("empty", "空")


def changes(old: dict, new: dict) -> list[Text]:
    out = []
    blank = "—"
    for key in sorted(set(old) | set(new), key=lambda k: (k == "rewards", k)):
        if old.get(key) == new.get(key):
            continue
        a, b = old.get(key) or blank, new.get(key) or blank
        if key == "amount":    # as people read it: 2,350,000, not 2350000.00
            a, b = (_plain(x) for x in (a, b))
        if key == "referrer_type":     # the workbook's word for it: 全民 → 老客户, not public → customer
            a, b = (REFERRER_TYPES.get(x, x) for x in (a, b))
        if key == "rewards":   # name only the rewards that differ, person by person
            sa, sb = set(a.split("; ")), set(b.split("; "))
            gone, came = sorted(sa - sb), sorted(sb - sa)
            for x, y in _same_person(gone, came):
                x, y = _drop_same_name(x, y)
                out.append(Text("approval.change", field=REWARD_LABEL, old=Rewards(x), new=Rewards(y)))
            if not gone and not came:
                continue
            a, b = "; ".join(gone) or blank, "; ".join(came) or blank
            a, b = _drop_same_name(a, b)
            a, b = (x if x == blank else Rewards(x) for x in (a, b))
        none = NO_REWARD if key == "rewards" else EMPTY_CELL      # a word, not a dash beside the text's own dashes
        out.append(Text("approval.change", field=REWARD_LABEL if key == "rewards" else LABEL[key],
                        old=none if a == blank else a, new=none if b == blank else b))
    if out and old.get("rewards") and old.get("rewards") == new.get("rewards"):
        out.append(Text("approval.rewards_same"))      # a quick approval again: only the row's cells changed
    return out


_TAIL = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(\)?)$")
_VALUE = re.compile(r"(^| )\(([\d,.]+)\)$")      # an item's value, as proposals.reward_text adds it


class Rewards:
    """Rewards of a fingerprint ("赵磊 800元购物卡 (800); 孙强 1900", as the ledger keeps them) as a
    sentence reads them, amounts grouped: "孙强 1,900"; in Chinese with its punctuation:
    "赵磊 800元购物卡（800）；孙强 1,900" (an item's name is left as typed)."""

    __slots__ = ("parts",)

    def __init__(self, rewards: str):
        self.parts = tuple(map(_grouped_tail, rewards.split("; ")))

    def render(self, lang: str) -> str:
        if lang != "zh":
            return "; ".join(self.parts)
        return "；".join(map(full_width_value, self.parts))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rewards) and other.parts == self.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"Rewards({'; '.join(self.parts)!r})"


def full_width_value(text: str) -> str:
    """A reward's text with an item's value in Chinese brackets: "赵磊 购物卡 (800)" → "赵磊 购物卡（800）"."""
    return _VALUE.sub(r"（\2）", text)


def rewards_text(rewards: str | None):
    """A fingerprint's rewards as a sentence reads them (Rewards), or none / 无."""
    return Rewards(rewards) if rewards else NO_REWARD


def _grouped_tail(text: str) -> str:
    """A reward's amount as the deal amount reads beside it: 周敏 2,000 (an item's name is left as typed)."""
    return _TAIL.sub(lambda m: _plain(m.group(1)) + m.group(2), text)


def _plain(text: str) -> str:
    try:
        d = Decimal(text)
    except ArithmeticError:
        return text
    return grouped_amount(d) if d.is_finite() else text


def grouped_amount(d: Decimal) -> str:
    """An amount in a sentence: 2,350,000 and 1,234.5 (a cell gets format_amount's plain digits)."""
    plain = format_amount(d)
    whole, dot, cents = plain.partition(".")
    return f"{int(whole):,}{dot}{cents}" if whole.lstrip("-").isdigit() else plain


def _same_person(gone: list[str], came: list[str]) -> list[tuple[str, str]]:
    """Take out of both lists the rewards that changed for one person ("黄河 300"
    → "黄河 150"): one pair each, when the person has exactly one on each side."""
    def who(x):
        return x.split(" ", 1)[0]
    pairs = []
    for x in list(gone):
        ys = [y for y in came if who(y) == who(x)]
        if len(ys) == 1 and len([g for g in gone if who(g) == who(x)]) == 1:
            pairs.append((x, ys[0]))
            gone.remove(x)
            came.remove(ys[0])
    return pairs


def _drop_same_name(a: str, b: str) -> tuple[str, str]:
    """"Ann 1000" → "Ann 2000" reads "Ann 1000 → 2000": one reward of one person changed."""
    if "; " in a or "; " in b:
        return a, b
    common = os.path.commonprefix([a, b])
    cut = common.rfind(" ") + 1          # the shared words: the person (and an item's name)
    return (a, b[cut:]) if 0 < cut < len(b) else (a, b)
