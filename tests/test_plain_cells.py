"""plain_cells recognises the common spellings a block at a time: for every
cell it recognises it must give exactly what the cell's parser gives."""
import datetime as dt

import pytest

from workflow import cells, plain_cells

SAMPLES = [
    "13800138000", "138 0013 8000", "+86 138-0013-8000", "+86 238-0013-8000", "860 1234 5678", "001 2345 6789",
    "8613800138000", "0013800138000", "1234", "1234567890123456", "１３８００１３８０００", "13800138000 ", " 13800138000",
    "138-0013-8000", "+86 138 0013 8000", "12345",
    "Ann", " Ann", "Ann ", "A  nn", "A\tnn", "陆涛宇", "a" * 200, "a" * 201, "x\u3000y", "\u200bAnn", "Ann\u200b",
    "2026-11-18", "2026-11-18 09:30", "2026-11-18 09:30:15", "2026-02-30", "2026-02-30 10:00", "2026-11-18 24:00",
    "2026-11-18 23:60", "2026-11-18 23:59:60", "1989-12-31", "2101-01-01 00:00", "2100-12-31 23:59", "1990-01-01",
    "2026-1-18", "2026/11/18", "20261118", "2026-11-18T09:30", "2026-11-18 9:30", "２０２６-11-18",
    dt.datetime(2026, 11, 18, 9, 30), dt.datetime(1989, 12, 31), dt.datetime(2101, 1, 1),
    dt.datetime(2026, 11, 18, tzinfo=dt.timezone.utc), dt.date(2026, 11, 18), dt.date(1989, 1, 1), dt.date(2100, 12, 31),
    13800138000.0, 13800138000, True, 0, 1.5,
]


def _parsed(parser, x):
    try:
        return ("ok", parser(x))
    except cells.CellError as e:
        return ("error", e.text)


@pytest.mark.parametrize("parser", list(plain_cells.BY_PARSER))
def test_plain_spellings_parse_as_the_parser_does(parser):
    found = plain_cells.BY_PARSER[parser](set(SAMPLES))
    assert found, "each fast path recognises some of the samples"
    for x, value in found.items():
        want = _parsed(parser, x)
        assert want == ("ok", value), x
        assert type(value) is type(want[1]), x
