"""Crash injection: the worker is killed (SIGKILL) at each step of a pass and
restarted; a real SMTP server counts what arrived.  Every notice arrives
exactly once — or, where the kill fell between the send and its record, once
more with the same Message-ID, which mail programs show as one message."""
from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from conftest import REF_HEADER, ROOT, referral
from smtp_server import smtp_server  # noqa: F401  (fixture)

HEADER = REF_HEADER + ["New customer email"]
RULES = [["Recipient", "Rate %", "Fixed", "Reward type", "Item"],
         ["referrer", "1", "", "cash", ""],
         ["new customer", "", "500", "discount", "500 off"]]
STAFF = [["Name", "Email", "Role"], ["Lee", "lee@example.com", "Sales"]]


def rows(n: int) -> list[dict]:
    return [referral(**{"Referrer": f"R{i}", "Referrer phone": f"1380000000{i}", "Referrer email": f"r{i}@example.com",
                        "New customer": f"C{i}", "New customer phone": f"1390000000{i}",
                        "New customer email": f"c{i}@example.com", "Deal amount": 10000 * (i + 1),
                        "Deal date": "2026-10-05", "Signer": "Lee", "Approved": True}) for i in range(n)]


def run_sync(world, server, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REFERRAL_CRASH_AT"}
    env.update(server.env())
    if crash:
        env["REFERRAL_CRASH_AT"] = crash
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--config", str(world.config),
                           "--today", "2026-11-20"], capture_output=True, text=True, timeout=120, env=env)


def ledger_states(world) -> collections.Counter:
    db = sqlite3.connect(world.dir / "ledger.sqlite")
    try:
        return collections.Counter(s for (s,) in db.execute("SELECT state FROM messages"))
    finally:
        db.close()


POINTS = ["after_decide", "after_intent", "after_intent:4", "after_send", "after_send:3", "after_record:2", "mid_save"]


def crash_and_restart(world, server, point: str, n: int) -> collections.Counter:
    """Kill a sync of n approved rows (2n notices) at `point`, run it again twice; the
    Message-IDs the server received, each with how often."""
    text = world.config.read_text(encoding="utf-8")
    head, _, rest = text.partition("[mail]")
    world.config.write_text(head + server.mail_toml() + rest[rest.index("[ledger]"):], encoding="utf-8")
    world.standard(rows(n), RULES, staff=STAFF, header=HEADER)

    crashed = run_sync(world, server, crash=point)
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr)
    again = run_sync(world, server)
    assert again.returncode == 0, again.stderr
    run_sync(world, server)                       # and once more: nothing new goes

    ids = collections.Counter(server.message_ids())
    by_id = {}
    for m in server.messages:
        by_id.setdefault(m["Message-ID"], set()).add(str(m["To"]))
    assert len(ids) == 2 * n                                     # n reward notices + n welcomes
    assert all(len(to) == 1 for to in by_id.values())            # one Message-ID, one recipient
    assert ledger_states(world) == {"sent": 2 * n}
    assert [r["Status"] for r in world.rows()] == ["Notified"] * n
    return ids


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_each_step_every_notice_arrives_exactly_once(world, smtp_server, point):
    ids = crash_and_restart(world, smtp_server, point, 3)
    resent = sum(n - 1 for n in ids.values())
    # only a kill between the send and its record can make the server see a message twice
    assert resent == (1 if point.startswith("after_send") else 0), ids


# 10 rows: 20 notices, more than one chunk of intents (outbound.CHUNK = 16), so the
# second chunk is rendered while the first goes, and its intents are committed after
# the first chunk's last result.
CHUNKED = {"after_intent:16": 0, "after_intent:17": 0, "after_send:16": 1, "after_send:17": 1,
           "after_record:16": 0, "while_waiting": (0, 1), "while_waiting:3": (0, 1), "while_waiting:7": (0, 1)}


@pytest.mark.parametrize("point", sorted(CHUNKED))
def test_killed_across_chunks_every_notice_arrives_exactly_once(world, smtp_server, point):
    from workflow.outbound import CHUNK
    assert 2 * 10 > CHUNK
    ids = crash_and_restart(world, smtp_server, point, 10)
    resent = sum(n - 1 for n in ids.values())
    expected = CHUNKED[point]
    # killed while preparing ahead: at most the one message that was with the server goes again
    assert resent in expected if isinstance(expected, tuple) else resent == expected, ids
