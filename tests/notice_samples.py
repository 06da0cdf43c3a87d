"""Sample contexts for every kind of mail, zh and en, for tests and benchmarks.

The realistic samples are the ones `check` renders every template with
(workflow/render_samples.py): `sample(kind, lang)` has every value filled in
(a statement with this month's lines, a late line, a clawback, an adjustment,
YTD and a pending line); `sparse(kind, lang)` has every optional value absent
and every list empty.  `hostile(kind, lang)` puts markup, ampersands and line
breaks into every value that comes from the sheet.
"""
from __future__ import annotations

from workflow.render_samples import KINDS, sample, samples, sparse

LANGS = ("zh", "en")

# What a sheet cell may hold: markup, an ampersand, quotes, a header injection.
SCRIPT = "<script>alert('x')</script>"
AMP = "Tom & Jerry"
INJECT = "X\r\nBcc: evil@x"

# The values of other people, as the full samples hold them; none may show unmasked.
OTHERS = {
    ("reward_notice", "zh"): {"names": ["陈志强"], "masked": ["陈**"], "phones": ["13912345678"],
                              "masked_phones": ["139****5678"]},
    ("reward_notice", "en"): {"names": ["Peter Chen", "Peter", "Chen"], "masked": ["P**** C***"],
                              "phones": ["13912345678"], "masked_phones": ["139****5678"]},
    ("welcome_notice", "zh"): {"names": ["王丽华"], "masked": ["王**"]},
    ("welcome_notice", "en"): {"names": ["Helen Wang", "Helen"], "masked": ["H**** W***"]},
    ("reward_update", "zh"): {"names": ["陈志强"], "masked": ["陈**"], "phones": ["13912345678"],
                              "masked_phones": ["139****5678"]},
    ("reward_update", "en"): {"names": ["Peter Chen", "Peter", "Chen"], "masked": ["P**** C***"],
                              "phones": ["13912345678"], "masked_phones": ["139****5678"]},
    ("welcome_update", "zh"): {"names": ["王丽华"], "masked": ["王**"]},
    ("welcome_update", "en"): {"names": ["Helen Wang", "Helen"], "masked": ["H**** W***"]},
    ("milestone_notice", "zh"): {"names": [], "masked": []},      # nobody else is named
    ("milestone_notice", "en"): {"names": [], "masked": []},
    ("statement", "zh"): {"names": ["陈志强", "刘洋", "孙悦", "周杰", "吴婷"], "masked": ["陈**", "刘*", "孙*", "周*", "吴*"]},
    ("statement", "en"): {"names": ["Peter Chen", "Yang Liu", "Joy Sun", "Jay Zhou", "Tina Wu"],
                          "masked": ["P**** C***", "Y*** L**", "J** S**", "J** Z***", "T*** W*"]},
    ("digest", "zh"): {"names": ["王丽华", "吴婷", "郑凯", "何芳"], "masked": ["王**", "吴*", "郑*", "何*"]},
    ("digest", "en"): {"names": ["Helen Wang", "Tina Wu", "Kai Zheng", "Fang He"],
                       "masked": ["H**** W***", "T*** W*", "K** Z****", "F*** H*"]},
}

# The recipient's own name, shown as it is.
RECIPIENT = {"reward_notice": "referrer", "welcome_notice": "customer", "reward_update": "referrer",
             "welcome_update": "customer", "milestone_notice": "referrer",
             "statement": "staff", "digest": "manager"}


def hostile(kind: str, lang: str) -> dict:
    """The full sample with markup in every value that comes from the sheet."""
    ctx = sample(kind, lang)
    ctx[RECIPIENT[kind]] = f"{SCRIPT} {AMP}"
    if kind in ("reward_notice", "welcome_notice", "reward_update", "welcome_update"):
        other = "referrer" if kind.startswith("welcome") else "customer"
        ctx[other] = f"{SCRIPT} {AMP}"
        ctx["program"] = f"<b>{AMP}</b>"
        ctx["ref_id"] = "R-<1>&"
        for line in ctx["lines"] + ctx.get("previous", []):
            line["item"] = f"<i>{AMP}</i>"
    elif kind == "statement":
        for line in ctx["lines"] + ctx["pending"]:
            line["customer"] = f"{SCRIPT} {AMP}"
            line["ref_id"] = "R-<1>&"
    elif kind == "digest":
        for a in ctx["awaiting"]:
            a.update(referrer=f"{SCRIPT} {AMP}", customer=f"{SCRIPT} {AMP}")
        for f in ctx["to_fix"]:
            f["problem"] = f"Deal amount \"<b>{AMP}</b>\" is not an amount"
    return ctx


__all__ = ["KINDS", "LANGS", "sample", "sparse", "samples", "hostile", "SCRIPT", "AMP", "INJECT", "OTHERS",
           "RECIPIENT"]
