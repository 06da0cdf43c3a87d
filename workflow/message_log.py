"""The ledger's record of every message: notices, statements, digests.

Exactly once: a message has a key (what, for whom, which referral or period).
Before it is handed to the mail transport the ledger records the *intent*
(committed); after, the *result*.  A key already `sent` is never sent again.
A key left at `intent` means the worker stopped between the two: the message
may or may not have gone, so it is sent again with the same Message-ID (the
outbox then replaces the same file; a mail program shows one message).

While a batch is delivered the ledger commits without waiting for the disk
(SQLite WAL, synchronous=NORMAL): a killed process loses nothing; a power
cut may lose the last records, and then — the Message-ID being derived from
the key alone — the message is sent again with the same Message-ID, the same
window as above.  Every other ledger write keeps synchronous=FULL.

States: intent · sent · failed (temporary: retried after `next_try`, or on
the next pass when it was not tried at all) · refused (the server refused
this address: retried when the address changes) · not_due (never sent: the
referral was approved before the ledger had messages — see ledger.NOT_DUE_REASON).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from .ledger import Ledger

RETRY_FIRST = dt.timedelta(minutes=5)
RETRY_MAX = dt.timedelta(hours=6)


@dataclass
class MessageState:
    key: str
    kind: str
    to_addr: str
    message_id: str
    state: str
    attempts: int
    sent_at: str | None
    next_try: str | None
    error: str | None
    ref_id: str | None = None
    told: str | None = None         # a reward or welcome notice: the lines it told (notice_updates.told_json)
    to_name: str | None = None      # … and whom it greeted


def message_id(key: str, sender: str, install: str = "") -> str:
    """A Message-ID that depends only on the key, the sending domain and the ledger's
    install ID: a message sent again gets the same one, and two ledgers (another site,
    a ledger started afresh) never give the same one to their `reward_notice|R-000001`
    — a mail program would drop the second as one it already holds."""
    domain = sender.rpartition("@")[2].strip(" >") or "referral.invalid"
    digest = hashlib.sha256(((install + "|") if install else "").encode() + key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def retry_after(attempts: int) -> dt.timedelta:
    """Back-off after `attempts` failed sends: 5 min, 10, 20 … at most 6 h."""
    return min(RETRY_FIRST * (2 ** max(0, attempts - 1)), RETRY_MAX)


class MessageLog:
    """Message states in the ledger; every change is its own committed transaction."""

    def __init__(self, ledger: Ledger):
        self.db = ledger.db

    @contextlib.contextmanager
    def batch(self):
        """Commits that do not wait for the disk, for the duration of one delivery."""
        self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            yield self
        finally:
            self.db.execute("PRAGMA synchronous=FULL")

    def install_id(self) -> str:
        """This ledger's own random ID (Message-IDs depend on it): made with its schema 6, or
        here for a ledger made before it was."""
        row = self.db.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()
        if row:
            return row[0]
        self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('install_id', ?)", (uuid.uuid4().hex,))
        return self.db.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()[0]

    def get(self, key: str) -> MessageState | None:
        row = self.db.execute("SELECT key, kind, to_addr, message_id, state, attempts, sent_at, next_try, error, "
                              "ref_id, told, to_name FROM messages WHERE key=?", (key,)).fetchone()
        return MessageState(*row) if row else None

    def all(self, kind: str | None = None) -> list[MessageState]:
        q = ("SELECT key, kind, to_addr, message_id, state, attempts, sent_at, next_try, error, ref_id, told, to_name "
             "FROM messages" + (" WHERE kind=?" if kind else "") + " ORDER BY first_at, key")
        return [MessageState(*r) for r in self.db.execute(q, (kind,) if kind else ())]

    def intent(self, key: str, kind: str, ref_id: str | None, period: str | None, to_addr: str, mid: str,
               at: str) -> None:
        self.intents([(key, kind, ref_id, period, to_addr, mid)], at)

    def intents(self, items: list[tuple], at: str) -> None:
        """The intent of several messages — (key, kind, ref_id, period, to_addr, message_id[, told,
        to_name]) each — in one transaction.  Committed before the first of them is handed to the transport; an
        intent recorded for a message that then does not go (the server went away, the pass
        stopped) only means that message is due again, with the same Message-ID."""
        if not items:
            return
        rows = [(*item, None, None) if len(item) == 6 else tuple(item) for item in items]
        self._transaction(
            ("INSERT INTO messages(key, kind, ref_id, period, to_addr, message_id, state, first_at, told, to_name) "
             "VALUES (?,?,?,?,?,?,'intent',?,?,?) ON CONFLICT(key) DO UPDATE SET state='intent', "
             "to_addr=excluded.to_addr, told=excluded.told, to_name=excluded.to_name",
             [(key, kind, ref, period, to, mid, at, told, name)
              for key, kind, ref, period, to, mid, told, name in rows]),
            [(key, at, "intent", to, mid, None) for key, _kind, _ref, _period, to, mid, _told, _name in rows])

    def sent(self, key: str, at: str, to_addr: str | None = None, mid: str | None = None) -> None:
        """The message went.  `to_addr` and `mid` (what was sent) spare reading the row again."""
        if to_addr is None or mid is None:
            m = self.get(key)
            to_addr, mid = m.to_addr, m.message_id
        self._change(key, at, "sent", to_addr, mid, None, (
            "UPDATE messages SET state='sent', sent_at=?, attempts=attempts+1, next_try=NULL, error=NULL "
            "WHERE key=?", (at, key)))

    def failed(self, key: str, at: dt.datetime, error: str, permanent: bool) -> None:
        m = self.get(key)
        state = "refused" if permanent else "failed"
        nxt = None if permanent else (at + retry_after(m.attempts + 1)).isoformat(timespec="seconds")
        self._change(key, at.isoformat(timespec="seconds"), state, m.to_addr, m.message_id, error, (
            "UPDATE messages SET state=?, attempts=attempts+1, next_try=?, error=? WHERE key=?",
            (state, nxt, error, key)))

    def not_tried(self, items: list[tuple[str, str, str]], at: str, error: str) -> None:
        """Messages whose intent was recorded but which were not handed over because
        sending stopped for this pass — (key, to_addr, message_id) each: `failed` with
        the reason, due again on the next pass (no back-off: they were not tried)."""
        if not items:
            return
        self._transaction(
            ("UPDATE messages SET state='failed', next_try=NULL, error=? WHERE key=?",
             [(error, key) for key, _to, _mid in items]),
            [(key, at, "failed", to, mid, error) for key, to, mid in items])

    def _change(self, key, at, state, to_addr, mid, error, statement) -> None:
        sql, params = statement
        self._transaction((sql, [params]), [(key, at, state, to_addr, mid, error)])

    def _transaction(self, change: tuple[str, list], events: list[tuple]) -> None:
        """One committed transaction: the change to `messages` and its rows of history."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(*change)
            db.executemany("INSERT INTO message_events(key, at, state, to_addr, message_id, error) "
                           "VALUES (?,?,?,?,?,?)", events)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def history(self, key: str | None = None) -> list[tuple]:
        q = "SELECT key, at, state, to_addr, message_id, error FROM message_events"
        if key:
            return self.db.execute(q + " WHERE key=? ORDER BY id", (key,)).fetchall()
        return self.db.execute(q + " ORDER BY id").fetchall()

    # ---- periods closed by a statement run --------------------------------

    def closed_periods(self) -> set[str]:
        return {p for (p,) in self.db.execute("SELECT period FROM periods")}

    def close_period(self, period: str, at: str, today: str) -> bool:
        """Close a month (once). True when this call closed it."""
        cur = self.db.execute("INSERT OR IGNORE INTO periods(period, closed_at, today) VALUES (?,?,?)",
                              (period, at, today))
        return cur.rowcount == 1


def due(m: MessageState | None, to_addr: str, now: dt.datetime) -> bool:
    """Whether a message with this key should be (re)sent now."""
    if m is None or m.state == "intent":
        return True
    if m.state in ("sent", "not_due"):
        return False
    if m.state == "refused":
        return m.to_addr != to_addr          # the address was corrected
    if m.next_try is None or m.to_addr != to_addr:
        return True
    when = dt.datetime.fromisoformat(m.next_try)
    if (when.tzinfo is None) != (now.tzinfo is None):
        when = when.replace(tzinfo=now.tzinfo)
    return now >= when
