"""The manager digest: what waits for a manager, what needs fixing, counts.  Pure."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import i18n
from .cells import norm
from .contract import STATUSES
from .notices import Outgoing, Sender

i18n.register({
    "digest.approval": {"en": "approval", "zh": "审批"},
    "digest.gm_approval": {"en": "GM approval", "zh": "总经理审批"},
    "digest.both_approvals": {"en": "approval, then GM approval", "zh": "审批，再由总经理审批"},
})

# Staff whose role contains one of these words get the digest, unless the
# config lists the roles ([digest] roles).
MANAGER_WORDS = ("经理", "主管", "总监", "店长", "manager", "director", "supervisor", "head")
SOON = dt.timedelta(days=7)


def is_manager(role: str | None, roles: list[str] | None = None) -> bool:
    if not role:
        return False
    r = norm(role)
    if roles:
        return r in {norm(x) for x in roles}
    return any(w in r for w in MANAGER_WORDS)


def managers(staff, roles: list[str] | None = None) -> list:
    seen, out = set(), []
    for member in staff.by_name.values():
        if member.active and member.email and is_manager(member.role, roles) and member.email not in seen:
            seen.add(member.email)
            out.append(member)
    return out


def _cash_to_approve(d) -> Decimal:
    """Every cash amount the approval of this referral issues."""
    return sum((ln.amount for ln in d.proposed if ln.reward_type == "cash"), Decimal(0))


def digest_context(decisions, lang: str, today: dt.date, names=None) -> dict:
    """`names`: the columns whose header texts name otherwise (TabLayout.names)."""
    counts: dict[str, int] = {}
    awaiting, to_fix, soon = [], [], []
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
        v = d.ref.v
        if d.status in ("awaiting_approval", "awaiting_gm"):
            what = "digest.gm_approval" if d.status == "awaiting_gm" else \
                "digest.both_approvals" if any(getattr(p, "key", None) == "approval.needs_gm" for p in d.problems) \
                else "digest.approval"
            awaiting.append({"ref_id": d.ref_id, "row": d.ref.row, "referrer": v.get("referrer") or "",
                             "customer": v.get("customer") or "", "amount": _cash_to_approve(d),
                             "other": _other_rewards(d, lang), "what": i18n.Text(what).render(lang),
                             "recipients": {ln.recipient for ln in d.proposed}})
        elif d.status == "needs_fixing":
            problem = d.problems[0].render(lang, names) if d.problems else ""
            to_fix.append({"ref_id": d.ref_id, "row": d.ref.row, "problem": problem})
        elif d.status == "holding" and d.detail is not None:
            until = dt.date.fromisoformat(d.detail.params["date"])
            if until - today <= SOON:
                soon.append({"ref_id": d.ref_id, "until": until, "amount": _cash_to_approve(d)})
    return {"counts": [{"label": label.render(lang), "n": counts[k]} for k, label in STATUSES.items()
                       if counts.get(k)],
            "awaiting": awaiting, "to_fix": to_fix, "holding_soon": sorted(soon, key=lambda x: x["until"])}


def _other_rewards(d, lang: str) -> str:
    """What the approval gives besides cash (vouchers, gifts, points), as the sheet shows it."""
    from .plan import line_text
    return " + ".join(line_text(ln, lang) for ln in d.proposed if ln.reward_type != "cash" or ln.item)


def digest_messages(decisions, staff, lang: str, sender: Sender, today: dt.date, schedule: str = "daily",
                    roles: list[str] | None = None, sheet_url: str | None = None, names=None) -> list[Outgoing]:
    """One digest per manager with an email address; its key names the day (or ISO week)."""
    body = dict(digest_context(decisions, lang, today, names), stopped=[])
    return _to_managers(body, staff, lang, sender, today, schedule, roles, sheet_url)


def stopped_messages(findings, staff, lang: str, sender: Sender, today: dt.date, schedule: str = "daily",
                     roles: list[str] | None = None, sheet_url: str | None = None) -> list[Outgoing]:
    """The digest of a day the worker cannot use the workbook (a Rules or Settings
    cell it cannot read, a column the ledger relies on gone): nothing is decided
    or paid until it is fixed, so the managers get what stops it, cell by cell,
    instead of counts.  Sent once a day (or week), under its own key: once the
    workbook is fixed, that day's real digest still goes."""
    stopped = [f.text.render(lang) for f in findings if f.is_error]
    body = {"counts": [], "awaiting": [], "to_fix": [], "holding_soon": [], "stopped": stopped}
    return _to_managers(body, staff, lang, sender, today, schedule, roles, sheet_url, key="digest_stopped")


def _to_managers(body: dict, staff, lang: str, sender: Sender, today: dt.date, schedule: str,
                 roles: list[str] | None, sheet_url: str | None, key: str = "digest") -> list[Outgoing]:
    if schedule == "weekly":
        y, w, _ = today.isocalendar()
        when = f"{y}-W{w:02d}"
    else:
        when = today.isoformat()
    out = []
    for m in managers(staff, roles):
        # a manager's own reward or commission is marked: someone else should approve it
        own = dict(body, awaiting=[{**a, "own": m.name in a["recipients"]} for a in body["awaiting"]])
        out.append(Outgoing(f"{key}|{when}|{m.email}", "digest", lang, m.name, m.email,
                            sender.ctx(lang, manager=m.name, sheet_url=sheet_url, **own), period=when))
    return out
