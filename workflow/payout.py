"""What finance's Paid tick covers, line by line.

Each reward line has its own life: it is in force from the pass that issued it
until a later reversing line of the same key (same Ref ID, same reward to the
same person) takes it out.  A Paid tick seen in pass P covers the lines in force
at the end of P — issued in or before P and not reversed in or before P.  A
line reversed before any tick was never handed out, even if Paid is ticked
later for what replaced it; a line issued after the tick is not covered by it.

Taking the tick away (unpaid) means it was not paid after all, for the lines it
covered that are still in force — except when the tick had been marked stale
(an amount to pay approved after it): then the row asked finance to untick and
tick again for the new amount, and what was paid before stays paid.  A line
reversed while paid stays paid: the money went out, its reversal is to recover.

Outcomes, per line:
  paid      an issue or adjustment covered by a tick
  clawback  a reversal of a key with a paid line, or a negative adjustment of a
            key whose line had been paid before it — money to recover
  void      not paid, and reversed later for whatever reason — withdrawn,
            rejected, cancelled (or a reversal of nothing paid): nothing to hand out
  open      not paid and still in force (approved or notified: the caller says which)
"""
from __future__ import annotations

from dataclasses import dataclass

from .lines import Line


@dataclass(slots=True)
class Tick:
    at: int                  # the pass the Paid tick was seen
    until: int | None        # the pass it was seen taken away, if it was
    stale: bool = False      # an amount to pay was approved while it stood


@dataclass(slots=True)
class Life:
    outcome: str             # paid · clawback · void · open
    in_force: bool           # not reversed (an open, in-force line is still to pay)


def ticks(history: list[tuple[int, str]]) -> list[Tick]:
    """The Paid ticks of one referral from its events (run, kind): paid, unpaid, paid_stale."""
    out: list[Tick] = []
    cur: Tick | None = None
    for run, kind in history:
        if kind == "paid" and cur is None:
            cur = Tick(run, None)
            out.append(cur)
        elif kind == "unpaid" and cur is not None:
            cur.until = run
            cur = None
        elif kind == "paid_stale" and cur is not None:
            cur.stale = True
    return out


def _covered(t: Tick, issued: int, reversed_at: int | None, before: int | None = None) -> bool:
    if t.at < issued or (reversed_at is not None and t.at >= reversed_at):
        return False        # the tick did not come while the line was in force
    if before is not None and t.at >= before:
        return False
    if t.until is None or t.stale:
        return True
    return reversed_at is not None and reversed_at < t.until   # reversed while paid: handed out


def lives(lines: list[tuple[int, Line]], history: list[tuple[int, str]]) -> list[Life]:
    """One Life per line of ONE referral (lines in ledger order, with their pass)."""
    tk = ticks(history)
    out: list[Life | None] = [None] * len(lines)
    by_key: dict[str, list[int]] = {}
    for i, (_, ln) in enumerate(lines):
        by_key.setdefault(ln.key, []).append(i)
    for idxs in by_key.values():
        segment: list[int] = []        # the lines in force since the last reversal of the key
        for i in idxs + [None]:
            ln = lines[i][1] if i is not None else None
            if ln is not None and ln.qty >= 0:
                segment.append(i)
                continue
            rev_run = lines[i][0] if i is not None else None
            for j in segment:
                run, sj = lines[j]
                paid = any(_covered(t, run, rev_run) for t in tk)
                taken_back = sj.amount < 0 and any(
                    out[k].outcome == "paid" and any(_covered(t, lines[k][0], rev_run, before=run) for t in tk)
                    for k in segment if k < j)
                if taken_back:
                    outcome = "clawback"
                elif paid:
                    outcome = "paid"
                elif rev_run is not None:
                    outcome = "void"
                else:
                    outcome = "open"
                out[j] = Life(outcome, rev_run is None)
            if i is not None:
                out[i] = Life("clawback" if any(out[j].outcome == "paid" for j in segment) else "void", False)
            segment = []
    return out
