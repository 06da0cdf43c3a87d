"""The ledger's schema and its upgrades (ledger.py opens a ledger through `migrate`)."""
from __future__ import annotations

from decimal import Decimal

from .lines import Line


class LedgerError(Exception):
    pass


SCHEMA_VERSION = 6

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, today TEXT NOT NULL, summary TEXT);
CREATE TABLE IF NOT EXISTS refs (
    ref_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, identity TEXT NOT NULL,
    run_id INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows_seen (
    id INTEGER PRIMARY KEY, ref_id TEXT NOT NULL, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    sheet_row INTEGER NOT NULL, content TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY, ref_id TEXT NOT NULL, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    status TEXT NOT NULL, shown TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, ref_id TEXT NOT NULL, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lines (
    id INTEGER PRIMARY KEY, ref_id TEXT NOT NULL, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    role TEXT NOT NULL, recipient TEXT NOT NULL, reward_type TEXT NOT NULL, amount TEXT NOT NULL,
    item TEXT, qty INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, rule TEXT NOT NULL,
    period TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lines_ref ON lines(ref_id);
CREATE TABLE IF NOT EXISTS current (
    ref_id TEXT PRIMARY KEY, content TEXT, shown TEXT, approval TEXT, withdrawn TEXT,
    withdrawn_from TEXT, paid INTEGER NOT NULL DEFAULT 0, notified INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0, paid_stale INTEGER NOT NULL DEFAULT 0);
"""
# 3: messages (one row per notice, statement or digest: its state) with their
# append-only history, and the months closed by a statement run.
SCHEMA_3 = """
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, ref_id TEXT, period TEXT, to_addr TEXT NOT NULL,
    message_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    first_at TEXT NOT NULL, sent_at TEXT, next_try TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS messages_ref ON messages(ref_id);
CREATE TABLE IF NOT EXISTS message_events (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL, to_addr TEXT NOT NULL,
    message_id TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS periods (period TEXT PRIMARY KEY, closed_at TEXT NOT NULL, today TEXT NOT NULL);
"""
SCHEMA += SCHEMA_3

# Upgrading a ledger to schema 3, the first with notices: a referral approved (or
# paid) before the upgrade was never told by mail and is not told now — its reward
# was confirmed long ago.  Each of its notices gets a `not_due` row with the reason,
# dated by the last pass before the upgrade, so the ledger says why none went.
NOT_DUE_REASON = ("approved before this worker sent notices (ledger upgraded to schema 3): no notice is sent"
                  " · 在本系统开始发送通知之前已批准（账本升级到第 3 版）：不发送通知")
NOTICES_NOT_DUE = f"""
INSERT OR IGNORE INTO messages(key, kind, ref_id, to_addr, message_id, state, first_at, error)
SELECT k.kind || '|' || d.ref_id, k.kind, d.ref_id, '', '', 'not_due',
       (SELECT started_at FROM runs ORDER BY id DESC LIMIT 1), '{NOT_DUE_REASON}'
FROM decisions d
JOIN (SELECT ref_id, max(id) AS id FROM decisions GROUP BY ref_id) latest ON d.id = latest.id
CROSS JOIN (SELECT 'reward_notice' AS kind UNION ALL SELECT 'welcome_notice') k
WHERE d.status IN ('approved', 'notified', 'paid');
INSERT INTO message_events(key, at, state, to_addr, message_id, error)
SELECT key, first_at, state, to_addr, message_id, error FROM messages WHERE state = 'not_due' ORDER BY key;
"""

# 4: milestone notices.  The milestone steps a ledger issued before were never
# announced and are not announced now: each gets a `not_due` message row.
MILESTONES_NOT_DUE_REASON = ("issued before this worker sent milestone notices (ledger upgraded to schema 4): "
                             "no notice is sent · 在本系统开始发送阶梯奖励通知之前已发放（账本升级到第 4 版）：不发送通知")
MILESTONES_NOT_DUE = f"""
INSERT OR IGNORE INTO messages(key, kind, ref_id, to_addr, message_id, state, first_at, error)
SELECT 'milestone_notice|' || ref_id || '|' || rule, 'milestone_notice', ref_id, '', '', 'not_due',
       coalesce((SELECT started_at FROM runs ORDER BY id DESC LIMIT 1), ''), '{MILESTONES_NOT_DUE_REASON}'
FROM lines WHERE role = 'milestone' GROUP BY ref_id, rule HAVING sum(qty) > 0;
INSERT INTO message_events(key, at, state, to_addr, message_id, error)
SELECT key, first_at, state, to_addr, message_id, error FROM messages
WHERE state = 'not_due' AND kind = 'milestone_notice' ORDER BY key;
"""


HISTORY = ("refs", "rows_seen", "decisions", "events", "lines", "message_events", "periods")
# history is only ever appended to: the database itself refuses anything else


def _append_only(tables) -> str:
    return "".join(f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
                   f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;\n"
                   for t in tables for op in ("UPDATE", "DELETE"))


SCHEMA += _append_only(HISTORY)

# 5: what each reward or welcome notice told (its lines, workflow/notice_updates.py), so
# that a later approval of other amounts sends an updated notice.  A notice sent before
# the upgrade told what the ledger held when its referral was notified: filled in so.
SCHEMA_5 = "ALTER TABLE messages ADD COLUMN told TEXT;"
SCHEMA += SCHEMA_5

# 6: whom each notice greeted, so that when a referral's person changes the one told
# before hears that it no longer holds for them (notice_updates.py).  A notice sent
# before the upgrade greeted the person its referral's first lines were for.
SCHEMA_6 = "ALTER TABLE messages ADD COLUMN to_name TEXT;"
# … and the ledger's own random ID, which Message-IDs depend on (message_log.message_id)
INSTALL_ID = "INSERT OR IGNORE INTO meta(key, value) VALUES ('install_id', lower(hex(randomblob(16))));"
SCHEMA += SCHEMA_6 + INSTALL_ID
NAMES_BEFORE_6 = """
UPDATE messages SET to_name = (
    SELECT recipient FROM lines WHERE lines.ref_id = messages.ref_id
    AND lines.role = CASE WHEN messages.kind LIKE 'reward%' THEN 'referrer' ELSE 'new_customer' END
    ORDER BY lines.id LIMIT 1)
WHERE kind IN ('reward_notice', 'reward_update', 'welcome_notice', 'welcome_update');
"""


def _in_force(lines: list[Line]) -> list[Line]:
    """The net of each line key still given (lines of one person), as one line each."""
    from dataclasses import replace

    from .lines import net_by_key
    return [replace(n.template, amount=n.amount) for n in net_by_key(lines).values() if n.qty > 0]


def migrate(ledger) -> None:
    """Bring the ledger's schema up to SCHEMA_VERSION (a new ledger gets it whole)."""
    version = ledger.db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LedgerError(f"{ledger.path}: the ledger was written by a newer version (schema {version}) — "
                          f"upgrade this worker before running it")
    if version < 1:
        ledger.db.executescript("BEGIN;" + SCHEMA + f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
    elif version < 2:   # 2: a Paid tick that predates a later approved difference
        ledger.db.executescript("BEGIN; ALTER TABLE current ADD COLUMN paid_stale INTEGER NOT NULL DEFAULT 0; "
                              "PRAGMA user_version=2; COMMIT;")
    if 1 <= version < 3:
        ledger.db.executescript("BEGIN;" + SCHEMA_3 + _append_only(("message_events", "periods"))
                              + NOTICES_NOT_DUE + "PRAGMA user_version=3; COMMIT;")
    if 1 <= version < 4:
        ledger.db.executescript("BEGIN;" + MILESTONES_NOT_DUE + "PRAGMA user_version=4; COMMIT;")
    if 1 <= version < 5:
        _told_before_5(ledger)
    if 1 <= version < 6:
        has = "to_name" in {c[1] for c in ledger.db.execute("PRAGMA table_info(messages)")}
        ledger.db.executescript("BEGIN;" + ("" if has else SCHEMA_6) + NAMES_BEFORE_6 + INSTALL_ID
                              + "PRAGMA user_version=6; COMMIT;")


def _told_before_5(ledger) -> None:
    """Schema 5: each notice already sent told the lines of its person that the ledger held
    when its referral was notified (all of them when it never was)."""
    from .notice_updates import ROLE_OF, told_json
    db = ledger.db
    db.execute("BEGIN IMMEDIATE")
    try:
        if "told" not in {c[1] for c in db.execute("PRAGMA table_info(messages)")}:
            db.execute(SCHEMA_5)
        notified = ledger.notified_runs(first=True)
        sent = db.execute("SELECT key, kind, ref_id FROM messages WHERE state='sent' AND ref_id IS NOT NULL "
                          "AND kind IN ('reward_notice', 'welcome_notice')").fetchall()
        for key, kind, ref_id in sent:
            until = notified.get(ref_id)
            rows = db.execute("SELECT run_id, role, recipient, reward_type, amount, item, qty, kind, reason, "
                              "rule, period, key FROM lines WHERE ref_id=? AND role=? ORDER BY id",
                              (ref_id, ROLE_OF[kind])).fetchall()
            lines = [Line(ref_id, r[1], r[2], r[3], Decimal(r[4]), *r[5:]) for r in rows
                     if until is None or r[0] <= until]
            db.execute("UPDATE messages SET told=? WHERE key=?", (told_json(_in_force(lines)), key))
        db.execute("PRAGMA user_version=5")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
