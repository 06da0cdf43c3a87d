"""Thousands of random values thrown into every staff column: the pass never
crashes, every bad cell becomes a problem on its own row, and good rows are
decided exactly as without the bad ones."""
from __future__ import annotations

import datetime as dt
import random

from conftest import REF_HEADER, referral

RULES = [["Recipient", "Rate %", "Fixed", "Reward type"], ["referrer", "1", "", "cash"],
         ["new customer", "", "50", "cash"]]
STAFF = [["Name", "Role"], ["Li", "sales"]]

NASTY = ["", " ", "\u3000", "#N/A", "#DIV/0!", "#REF!", "=1+1", "+86", "-5", "@x", "😀", "💰💰", "NaN", "inf",
         "-inf", "1e309", "9" * 40, "-30000", "０", "1900-01-01", "2999-12-31", "1900/2/29", "2026-02-30", "\x7f",
         "13/13/2026", "05/06/2026", "a\tb", "a\nb", "<script>", "TRUE", "是", "maybe", "3万万", "¥", "万",
         "1,2,3", "0x1F", "None", "null", "\t", "✓✓", "R-000001", "R-abc"]


def nasty(rng: random.Random):
    kind = rng.randrange(8)
    if kind == 0:
        return rng.choice(NASTY)
    if kind == 1:
        return rng.choice([10 ** rng.randrange(1, 30), -rng.random() * 1e9, rng.random(), 0, -1, 2 ** 63])
    if kind == 2:
        return rng.choice([dt.date(1900, 1, 1), dt.date(2999, 12, 31), dt.datetime(2026, 11, 18, 23, 59),
                           dt.time(9, 30)])
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 30)))
    if kind == 5:
        return " " * rng.randrange(1, 5)
    if kind == 6:
        return "x" * rng.randrange(150, 400)
    return None


def good_rows(n: int) -> list[dict]:
    return [referral(**{"New customer": f"Good{i}", "New customer phone": f"1391111{i:04d}", "Deal amount": 10000 + i,
                        "Deal date": "2026-10-05", "Approved": i % 2 == 0, "Signer": "Li"}) for i in range(n)]


def test_random_garbage_never_stops_the_pass_and_good_rows_are_unchanged(world):
    rng = random.Random(20261123)
    staff_cols = [h for h in REF_HEADER if h not in ("Approved", "GM approved", "Rejected", "Paid")]
    good = good_rows(20)
    world.standard(good, RULES, staff=STAFF)
    world.sync()
    expected = {r["New customer"]: (r["Status"], r["Referrer reward"], r["New customer reward"], r["Staff commission"])
                for r in world.rows()}
    expected_lines = sorted((l["recipient"], l["amount"]) for l in world.lines())

    bad = []
    for i in range(300):
        row = referral(**{"New customer": f"Bad{i}", "New customer phone": f"1392222{i:04d}",
                          "Deal amount": 5000, "Deal date": "2026-10-05"})
        for col in rng.sample(staff_cols, rng.randrange(1, 8)):
            if col != "New customer":
                row[col] = nasty(rng)
        for col in ("Approved", "Rejected", "Paid"):
            if rng.random() < 0.2:
                row[col] = nasty(rng)
        bad.append(row)
    mixed = []
    for g in good:
        mixed.append(g)
        mixed.extend(bad[:15])
        bad = bad[15:]

    def rewrite(ws):
        ws.delete_rows(2, ws.max_row)
        for r in mixed:
            ws.append([r.get(h) for h in REF_HEADER])
            for c in ws[ws.max_row]:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"    # a formula typed as text stays text
    world.edit(rewrite)
    result = world.sync()
    assert result.rows >= 300
    rows = world.rows()
    for r in rows:
        assert r["Status"], f"row without a status: {r}"
    got = {r["New customer"]: (r["Status"], r["Referrer reward"], r["New customer reward"], r["Staff commission"])
           for r in rows if str(r["New customer"]).startswith("Good")}
    assert got == expected
    for r in rows:
        if r["Status"] == "Needs fixing":
            assert r["Problems"] and ":" in r["Problems"] and "—" in r["Problems"]
    assert sum(r["Status"] == "Needs fixing" for r in rows) > 100
    good_lines = sorted((l["recipient"], l["amount"]) for l in world.lines()
                        if l["ref_id"] in {r["Ref ID"] for r in rows if str(r["New customer"]).startswith("Good")})
    assert good_lines == expected_lines
    # a second pass over the same garbage is quiet
    assert world.sync().cells_written == 0
