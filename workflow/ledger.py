"""The ledger: an append-only SQLite record of what the worker saw and did.

Tables `rows_seen`, `decisions`, `events` and `lines` are only ever appended
to.  `current` is a derived index (the latest of each per Ref ID) kept so a
pass does not have to scan history; it can be rebuilt from the history.
The ledger, not the sheet, is the truth for what was already issued.
"""
from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from .approval import RefState
from .identity import Registry
from .ledger_schema import NOT_DUE_REASON, SCHEMA_VERSION, LedgerError, migrate  # noqa: F401
from .lines import Line
from .payout import lives, ticks

class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        migrate(self)

    def close(self) -> None:
        self.db.close()

    # ---- reading -------------------------------------------------------

    def registry(self) -> Registry:
        reg = Registry()
        for ref_id, seq, ident in self.db.execute("SELECT ref_id, seq, identity FROM refs"):
            reg.identity_by_ref[ref_id] = ident
            reg.next_seq = max(reg.next_seq, seq + 1)
        return reg

    def states(self) -> tuple[dict[str, RefState], dict[str, tuple[str | None, str | None]]]:
        """RefState per Ref ID (none for a referral with no lines, approval or
        ticks recorded: the empty state), and (content, shown) last recorded per Ref ID."""
        states: dict[str, RefState] = {}
        seen: dict[str, tuple] = {}
        q = ("SELECT ref_id, content, shown, approval, withdrawn, withdrawn_from, paid, notified, rejected, "
             "paid_stale FROM current")
        for ref_id, content, shown, approval, withdrawn, wfrom, paid, notified, rejected, stale in self.db.execute(q):
            seen[ref_id] = (content, shown)
            if approval or withdrawn or wfrom or paid or notified or rejected:
                # most referrals were never approved: they keep the empty state
                states[ref_id] = RefState(
                    approval=json.loads(approval) if approval else None, withdrawn=withdrawn,
                    withdrawn_from=json.loads(wfrom) if wfrom else None,
                    paid=bool(paid), notified=bool(notified), rejected=bool(rejected), paid_stale=bool(stale))
        for ln in self.lines():
            states.setdefault(ln.ref_id, RefState()).lines.append(ln)
        self._settle(states)
        return states, seen

    def _settle(self, states: dict[str, RefState]) -> None:
        """For a paid referral whose tick is stale or that has lines taking money back: what
        is still to hand out (RefState.unpaid) and what to recover (RefState.recover), judged
        line by line as the export does.  Any other paid referral has everything paid.
        For a referral whose Paid tick was taken away: RefState.paid_unticked; for one with
        milestone lines and a Paid tick ever: the milestone keys a tick covered (paid_keys)."""
        history: dict[str, list[tuple[int, str]]] = {}
        for ref_id, run_id, kind in self.db.execute(
                "SELECT ref_id, run_id, kind FROM events WHERE kind IN ('paid', 'unpaid', 'paid_stale') ORDER BY id"):
            history.setdefault(ref_id, []).append((run_id, kind))
        if not history:
            return
        for ref_id, h in history.items():
            st = states.get(ref_id)
            if st is not None and not st.paid and h[-1][1] == "unpaid":
                tk = ticks(h)
                st.paid_unticked = bool(tk) and tk[-1].until is not None and not tk[-1].stale
        paid = [r for r, st in states.items() if st.paid]
        negative = {r for (r,) in self.db.execute("SELECT DISTINCT ref_id FROM lines WHERE amount LIKE '-%'")} \
            if paid else set()
        settle = {r for r in paid if states[r].paid_stale or r in negative}
        milestones = {r for (r,) in self.db.execute("SELECT DISTINCT ref_id FROM lines WHERE role = 'milestone'")
                      if r in history and r in states}
        refs = sorted(settle | milestones)
        for at in range(0, len(refs), 500):
            chunk = refs[at:at + 500]
            marks = ",".join("?" * len(chunk))
            runs: dict[str, list[int]] = {}
            for ref_id, run_id in self.db.execute(
                    f"SELECT ref_id, run_id FROM lines WHERE ref_id IN ({marks}) ORDER BY id", chunk):
                runs.setdefault(ref_id, []).append(run_id)
            for ref_id in chunk:
                st = states[ref_id]
                covered = set()
                for ln, life in zip(st.lines, lives(list(zip(runs.get(ref_id, []), st.lines)),
                                                    history.get(ref_id, []))):
                    if ln.role == "milestone" and life.outcome == "paid":
                        covered.add(ln.key)
                    if ref_id not in settle:
                        continue
                    if life.outcome == "clawback":
                        st.recover.append(ln)
                    elif life.outcome == "open" and life.in_force and ln.role != "milestone" and ln.amount:
                        st.unpaid.append(ln)
                st.paid_keys = frozenset(covered)

    def lines(self, where: str = "", args=()) -> list[Line]:
        q = ("SELECT ref_id, role, recipient, reward_type, amount, item, qty, kind, reason, rule, period, key "
             "FROM lines " + where + " ORDER BY id")
        amounts: dict[str, Decimal] = {}     # amounts repeat: one Decimal each

        def amount(text: str) -> Decimal:
            d = amounts.get(text)
            if d is None:
                d = amounts[text] = Decimal(text)
            return d
        return [Line(r[0], r[1], r[2], r[3], amount(r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11])
                for r in self.db.execute(q, args)]

    def line_rows(self):
        """Every line with its pass, for exports: (run_id, Line)."""
        q = ("SELECT run_id, ref_id, role, recipient, reward_type, amount, item, qty, kind, reason, rule, period, key "
             "FROM lines ORDER BY id")
        return [(r[0], Line(r[1], r[2], r[3], r[4], Decimal(r[5]), r[6], r[7], r[8], r[9], r[10], r[11], r[12]))
                for r in self.db.execute(q)]

    def lines_with_day(self) -> list[tuple[str, Line]]:
        """Every line with the day (`today`) of the pass that issued it."""
        return [(day, ln) for day, ln in zip(
            [d for (d,) in self.db.execute("SELECT r.today FROM lines l JOIN runs r ON r.id = l.run_id ORDER BY l.id")],
            self.lines())]

    def contents(self) -> dict[str, dict]:
        """The last recorded filled-in cells of each referral (rows deleted since included)."""
        return {ref_id: json.loads(c) for ref_id, c in self.db.execute(
            "SELECT ref_id, content FROM current WHERE content IS NOT NULL")}

    def paid_history(self) -> dict[str, list[tuple[int, str]]]:
        """Per Ref ID, the passes in which finance's Paid tick was seen set or unset, or marked
        stale (an amount to pay approved while it stood): (run, paid · unpaid · paid_stale)."""
        out: dict[str, list[tuple[int, str]]] = {}
        for ref_id, run_id, kind in self.db.execute(
                "SELECT ref_id, run_id, kind FROM events WHERE kind IN ('paid', 'unpaid', 'paid_stale') ORDER BY id"):
            out.setdefault(ref_id, []).append((run_id, kind))
        return out

    def notified_runs(self, first: bool = False) -> dict[str, int]:
        """Per Ref ID, the last pass in which its notices were recorded as sent (an updated
        notice tells of the lines issued since the first); with `first`, the first such pass."""
        out: dict[str, int] = {}
        for ref_id, run_id in self.db.execute("SELECT ref_id, run_id FROM events WHERE kind='notified' ORDER BY id"):
            if first:
                out.setdefault(ref_id, run_id)
            else:
                out[ref_id] = run_id
        return out

    def events(self, ref_id: str | None = None):
        if ref_id:
            return self.db.execute("SELECT ref_id, kind, data, at FROM events WHERE ref_id=? ORDER BY id",
                                   (ref_id,)).fetchall()
        return self.db.execute("SELECT ref_id, kind, data, at FROM events ORDER BY id").fetchall()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def tabs_seen(self) -> frozenset:
        """The tracked tabs (vanished.TRACKED_TABS) the passes so far had."""
        return frozenset(t for t in (self.meta("tabs_seen") or "").split(",") if t)

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def last_run_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]

    # ---- writing: one transaction per pass -------------------------------

    def record_pass(self, at: str, today: str, summary: dict, new_refs, rows_seen, decisions, events, lines,
                    run_id: int | None = None) -> int:
        """Append everything a pass decided, atomically. Returns the run id.
        With `run_id`, the records join that pass (its second half: what was shown and sent)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if run_id is None:
                run_id = db.execute("INSERT INTO runs(started_at, today, summary) VALUES (?,?,?)",
                                    (at, today, json.dumps(summary, ensure_ascii=False))).lastrowid
            else:
                db.execute("UPDATE runs SET summary=? WHERE id=?", (json.dumps(summary, ensure_ascii=False), run_id))
            db.executemany("INSERT INTO refs(ref_id, seq, identity, run_id, at) VALUES (?,?,?,?,?)",
                           [(r, s, i, run_id, at) for r, s, i in new_refs])
            db.executemany("INSERT INTO rows_seen(ref_id, run_id, at, sheet_row, content) VALUES (?,?,?,?,?)",
                           [(r, run_id, at, row, c) for r, row, c in rows_seen])
            db.executemany("INSERT INTO current(ref_id, content) VALUES (?, ?) "
                           "ON CONFLICT(ref_id) DO UPDATE SET content=excluded.content",
                           [(r, c) for r, _row, c in rows_seen])
            db.executemany("INSERT INTO decisions(ref_id, run_id, at, status, shown) VALUES (?,?,?,?,?)",
                           [(r, run_id, at, st, shown) for r, st, shown in decisions])
            db.executemany("INSERT INTO current(ref_id, shown) VALUES (?, ?) "
                           "ON CONFLICT(ref_id) DO UPDATE SET shown=excluded.shown",
                           [(r, shown) for r, _st, shown in decisions])
            for ref_id, kind, data in events:
                db.execute("INSERT INTO events(ref_id, run_id, at, kind, data) VALUES (?,?,?,?,?)",
                           (ref_id, run_id, at, kind, json.dumps(data, ensure_ascii=False, sort_keys=True)))
                self._apply_event(ref_id, kind, data)
            db.executemany(
                "INSERT INTO lines(ref_id, run_id, at, role, recipient, reward_type, amount, item, qty, kind, reason, "
                "rule, period, key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(ln.ref_id, run_id, at, ln.role, ln.recipient, ln.reward_type, str(ln.amount), ln.item, ln.qty,
                  ln.kind, ln.reason, ln.rule, ln.period, ln.key) for ln in lines])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return run_id

    def _apply_event(self, ref_id: str, kind: str, data: dict) -> None:
        db = self.db
        db.execute("INSERT OR IGNORE INTO current(ref_id) VALUES (?)", (ref_id,))
        sets = {
            "approval": ("approval=?, withdrawn=NULL, withdrawn_from=NULL", (json.dumps(data.get("fp"), sort_keys=True),)),
            "withdrawn": ("withdrawn='pending', withdrawn_from=approval, approval=NULL", ()),
            "withdraw_cleared": ("withdrawn='cleared'", ()),
            "early_tick": ("withdrawn='early', withdrawn_from=?", (json.dumps(data.get("fp"), sort_keys=True),)),
            "early_tick_gone": ("withdrawn=NULL, withdrawn_from=NULL", ()),
            "early_withdrawn": ("withdrawn='pending'", ()),
            "approval_removed": ("approval=NULL, withdrawn=NULL, withdrawn_from=NULL", ()),
            "paid": ("paid=1, paid_stale=0", ()), "unpaid": ("paid=0, paid_stale=0", ()),
            "paid_stale": ("paid_stale=1", ()),
            "notified": ("notified=1", ()),
            "rejected": ("rejected=1", ()), "unrejected": ("rejected=0", ()),
        }
        if kind in sets:
            clause, args = sets[kind]
            db.execute(f"UPDATE current SET {clause} WHERE ref_id=?", (*args, ref_id))


def tabs_seen_at(path) -> frozenset:
    """Ledger.tabs_seen() of the ledger at `path`, if there is one (for `check` and the digest)."""
    if not path.exists():
        return frozenset()
    ledger = Ledger(path)
    try:
        return ledger.tabs_seen()
    finally:
        ledger.close()
