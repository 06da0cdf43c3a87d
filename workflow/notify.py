"""A pass's notices: the due ones sent exactly once, their outcome shown on the rows.

After the ledger has recorded a pass's decisions, `notify` sends the reward
and welcome notices that became due, and tells the pass per referral: when
its notice went (for the `Notice sent` column), whether it is now Notified,
and why a notice has not gone (a problem on its row).  A referral whose
updated notice (workflow/notice_updates.py) has not gone yet is Approved, not
Notified, until it has; then the column shows when the update went.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from .i18n import Text
from .message_log import MessageLog
from .notice_updates import FAMILY, last_told
from .notices import DEFAULT_SENDER, Sender, due_notices
from .outbound import Delivery, deliver

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class NoticeOutcome:
    shown_at: dict[str, str] = field(default_factory=dict)        # ref → "2026-11-20 09:00"
    notified: set[str] = field(default_factory=set)               # refs whose every due notice went
    newly_notified: set[str] = field(default_factory=set)         # … and were not Notified before
    updated: set[str] = field(default_factory=set)                # … whose updated notice went this pass
    stale: set[str] = field(default_factory=set)                  # refs whose due update has not gone
    problems: dict[str, list[Text]] = field(default_factory=dict)
    sent: int = 0
    pending: int = 0                                              # waiting for a retry
    halted: Text | None = None


# the example config's sender name, signed in the mail's language until someone names the sender


def sender_of(cfg, settings, today: dt.date) -> Sender:
    name = parseaddr(cfg.mail_from)[0] or cfg.mail_from
    return Sender(name=DEFAULT_SENDER if name == DEFAULT_SENDER.en else name, currency=settings.currency,
                  today=today)


def renderer_for(settings):
    from .render import Renderer
    return Renderer(TEMPLATES, currency=settings.currency)


def transport_opener(cfg):
    def opener():
        from .mail import open_transport
        return open_transport(cfg)
    return opener


def in_zone(moment: dt.datetime, timezone: str) -> dt.datetime:
    """The same instant on the workbook's clock (a mail's Date header, a "Notice sent" cell)."""
    if moment.tzinfo is not None:
        try:
            return moment.astimezone(ZoneInfo(timezone))
        except (KeyError, ValueError):
            pass
    return moment


def local_time(stamp: str, timezone: str) -> str:
    return in_zone(dt.datetime.fromisoformat(stamp), timezone).strftime("%Y-%m-%d %H:%M")


def notify(cfg, ledger, book, decisions, states, today: dt.date, now: dt.datetime) -> NoticeOutcome:
    lang = book.language
    log = MessageLog(ledger)
    known = {m.key: m for m in log.all()}
    unreached: dict[str, list[Text]] = {}
    outgoing = due_notices(decisions, book.staff, lang, sender_of(cfg, book.settings, today),
                           last_told(known.values()), unreached)
    delivery: Delivery = deliver(outgoing, log, renderer_for(book.settings), transport_opener(cfg), cfg.mail_from,
                                 in_zone(now, book.settings.timezone), lang, known=known)
    out = NoticeOutcome(sent=len(delivery.sent_now), halted=delivery.halted)
    by_ref: dict[str, list[str]] = {}
    for o in outgoing:
        if o.kind != "milestone_notice":     # the row is Notified by its own notices, not a later milestone's
            by_ref.setdefault(o.ref_id, []).append(o.key)
        if o.key in delivery.problems:
            out.problems.setdefault(o.ref_id, []).append(delivery.problems[o.key])
            out.pending += 1
        if is_update(o.kind, o.key):
            if o.key not in delivery.sent_at:
                out.stale.add(o.ref_id)
            elif o.key in delivery.sent_now:
                out.updated.add(o.ref_id)
    for ref_id, notes in unreached.items():
        out.problems.setdefault(ref_id, []).extend(notes)
        out.stale.add(ref_id)
    out.shown_at = _shown_at(known, outgoing, delivery, book.settings.timezone)
    for ref_id, keys in by_ref.items():
        if all(k in delivery.sent_at for k in keys):
            out.notified.add(ref_id)
            state = states.get(ref_id)
            if not (state and state.notified):
                out.newly_notified.add(ref_id)
    out.updated &= out.notified
    return out


def _shown_at(known, outgoing, delivery: Delivery, tz: str) -> dict[str, str]:
    """Ref → its `Notice sent` cell: when its first notices went, or its last updated notice."""
    first: dict[str, str] = {}                       # earlier notices too: the column shows the first
    update: dict[str, str] = {}                      # … unless an updated notice went after
    sent = [(m.ref_id, m.kind, m.key, m.sent_at) for m in known.values()
            if m.state == "sent" and m.ref_id and m.sent_at and m.kind != "milestone_notice"]
    sent += [(o.ref_id, o.kind, o.key, delivery.sent_at[o.key]) for o in outgoing
             if o.key in delivery.sent_now and o.kind != "milestone_notice"]
    for ref_id, kind, key, at in sent:
        if not is_update(kind, key):
            if ref_id not in first or dt.datetime.fromisoformat(at) < dt.datetime.fromisoformat(first[ref_id]):
                first[ref_id] = at
        elif ref_id not in update or dt.datetime.fromisoformat(at) > dt.datetime.fromisoformat(update[ref_id]):
            update[ref_id] = at
    for ref_id, at in update.items():
        if ref_id not in first or dt.datetime.fromisoformat(at) > dt.datetime.fromisoformat(first[ref_id]):
            first[ref_id] = at
    return {ref_id: local_time(at, tz) for ref_id, at in first.items()}


def is_update(kind: str, key: str) -> bool:
    """An updated notice, or a first notice to a person told after another (the referrer
    changed): it tells what holds now, after the referral's first notices."""
    return FAMILY.get(kind, kind) != kind or "|to:" in key


def apply_outcome(decisions, outcome: NoticeOutcome) -> list[tuple[str, str, dict]]:
    """Statuses and problems after the notices; the ledger events to record."""
    events = []
    for d in decisions:
        ref_id = d.ref_id
        if ref_id in outcome.stale and d.status == "notified":
            d.status = "approved"            # what its person was told no longer holds, and they do not know yet
        elif ref_id in outcome.notified and d.status == "approved" and ref_id not in outcome.stale:
            d.status = "notified"
        if ref_id in outcome.newly_notified:
            events.append((ref_id, "notified", {"at": outcome.shown_at.get(ref_id)}))
        elif ref_id in outcome.updated:      # the lines issued since the first notice are told too
            events.append((ref_id, "notified", {"at": outcome.shown_at.get(ref_id), "update": True}))
        if ref_id in outcome.problems and d.status in ("approved", "notified", "paid"):
            d.problems.extend(outcome.problems[ref_id])
    return events
