"""Referral rows read column by column: raw cells → Referral (referral.py).

Pure.  A pass reads 100 000 rows, so each distinct value of a column is parsed
once, and only rows with problems or odd cells are looked at one by one; the
result is exactly what parsing row by row would give.
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import is_not, itemgetter

from . import cells, plain_cells
from .cells import CellError, norm
from .contract import REFERRER_TYPE_CHOICES, REFERRER_TYPES
from .i18n import Text
from .layout import TabLayout
from .referral import LABEL, PARSERS, REQUIRED, TICKS, Referral, person_key

_LABELS_RT = list(REFERRER_TYPES.values())


def _parse_referrer_type(raw):
    return cells.parse_choice(raw, REFERRER_TYPE_CHOICES, labels=_LABELS_RT)


_UNIQUE = {"customer", "customer_phone", "customer_email"}   # one per row: not worth remembering
_MEMO: dict[str, dict] = {key: {} for key, _ in PARSERS if key not in _UNIQUE}
_MEMO_LIMIT = 200_000
_FIELDS = tuple(key for key, _ in PARSERS)
_DEFAULTS = {key: (False if key in TICKS else None) for key in _FIELDS}


def _parse(key: str, parser, value):
    """(parsed value, problem Text or None), remembered: parsers are pure, so
    repeated values (dates, amounts, names, ticks) are parsed once per process
    (the caller looks in _MEMO first)."""
    memo = _MEMO.get(key)
    try:
        hit = (parser(value) if parser else _parse_referrer_type(value), None)
    except CellError as e:
        hit = (None, e.text)
    if memo is not None:
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        memo[(value.__class__, value)] = hit
    return hit


def _columns(tab: TabLayout) -> tuple:
    """(field, 0-based column, parser) for the fields present, in problem order,
    and the 0-based notes column or None."""
    cached = getattr(tab, "_referral_columns", None)
    if cached is None:
        cached = [(key, tab.cols[key] - 1, parser) for key, parser in PARSERS if key in tab.cols]
        notes = tab.cols.get("notes")
        tab._referral_columns = cached = (cached, None if notes is None else notes - 1)
    return cached


_NO_PROBLEMS: tuple = ()
_NO_BAD: frozenset = frozenset()
_FIELD_MEMO = 4096    # distinct cells a column remembers in a pass before it starts again
_BLOCK = 512          # rows parsed together: their cells stay in the CPU cache meanwhile
_NUMBERS = frozenset({bool, int, float})


def _picker(cols: list[int]):
    """rows → the cells of `cols` in each row, a tuple per row (rows may be ragged)."""
    getter = itemgetter(*cols, cols[0])        # two or more columns: always a tuple
    width = max(cols) + 1

    def pick(rows: list[list]) -> list[tuple]:
        if min(map(len, rows)) < width:
            rows = [row if len(row) >= width else row + [None] * (width - len(row)) for row in rows]
        return [t[:-1] for t in map(getter, rows)] if len(cols) == 1 else list(map(getter, rows))
    return pick


class _Field:
    """One field's column in a pass: each distinct raw value is parsed once."""

    __slots__ = ("key", "parser", "default", "value_of", "problem_of", "spaces", "numbers", "by_class", "plain")

    def __init__(self, key: str, parser):
        self.key, self.parser, self.default = key, parser, _DEFAULTS[key]
        self.plain = plain_cells.BY_PARSER.get(parser)   # the common spellings, a block at a time
        self.value_of: dict = {}     # cell → parsed value (the default when empty or bad)
        self.problem_of: dict = {}   # cell → problem
        self.spaces: set = set()     # cells that are text of spaces only: empty, like None
        self.numbers: set = set()    # classes of the numbers seen
        self.by_class = False

    def parse(self, cells_: tuple) -> tuple[list, dict[int, Text], list]:
        """(parsed values, index → problem, key of each cell) for a block of cells."""
        distinct = set(cells_)
        keys = cells_
        # Equal cells parse alike, except numbers of different classes (1, 1.0
        # and True are equal in Python, not in a sheet): then key cells by class.
        if not self.by_class and not _NUMBERS.isdisjoint(map(type, distinct)):
            self.numbers.update(_NUMBERS.intersection(map(type, cells_)))
            if len(self.numbers) > 1:
                self.by_class = True
                self.value_of, self.problem_of, self.spaces = {}, {}, set()
        if self.by_class:
            keys = [(x.__class__, x) for x in cells_]
            distinct = set(keys)
        if len(self.value_of) > _FIELD_MEMO:
            # a column of mostly distinct cells (phones, names, date-times): small
            # tables stay in the CPU cache, and the pass keeps less memory
            self.value_of, self.problem_of, self.spaces = {}, {}, set()
        new = distinct.difference(self.value_of)
        if new:
            self._learn(new)
        values = list(map(self.value_of.__getitem__, keys))
        problem_of = self.problem_of
        bad = {} if problem_of.keys().isdisjoint(distinct) else \
            {i: problem_of[k] for i, k in enumerate(keys) if k in problem_of}
        return values, bad, keys

    def _learn(self, new: set) -> None:
        if self.plain is not None and not self.by_class:
            plain = self.plain(new)
            if plain:
                self.value_of.update(plain)
                if len(plain) == len(new):
                    return
                new = new.difference(plain)
        memo = _MEMO.get(self.key)
        for k in new:
            x = k[1] if self.by_class else k
            if x is None or (x.__class__ is str and not x.strip()):
                self.value_of[k] = self.default
                if x is not None:
                    self.spaces.add(k)
                continue
            hit = None if memo is None else memo.get((x.__class__, x))
            if hit is None:
                hit = _parse(self.key, self.parser, x)
            if hit[1] is None:
                self.value_of[k] = hit[0]
            else:
                self.value_of[k] = self.default
                self.problem_of[k] = hit[1]


def parse_rows(rows: list[list], first_sheet_row: int, tab: TabLayout) -> tuple[list[Referral], list[int]]:
    """The referrals among `rows` (the first being sheet row `first_sheet_row`)
    and the index in `rows` of each; blank rows are skipped.

    Column-wise in blocks of rows, because a pass parses 100 000 rows: each
    distinct value of a column is parsed once, and only rows with problems or
    odd cells are looked at one by one.  Gives exactly what parsing row by row
    would."""
    columns, notes_col = _columns(tab)
    names = [key for key, _c, _p in columns] + ([] if notes_col is None else ["notes"])
    refs: list[Referral] = []
    index: list[int] = []
    if not names:
        return refs, index
    pick = _picker([c for _k, c, _p in columns] + ([] if notes_col is None else [notes_col]))
    fields = [_Field(key, parser) for key, _c, parser in columns]
    for start in range(0, len(rows), _BLOCK):
        _parse_block(pick(rows[start:start + _BLOCK]), start, first_sheet_row, names, fields, refs, index)
    return refs, index


def _parse_block(picked: list[tuple], start: int, first_sheet_row: int, names: list[str], fields: list[_Field],
                 refs: list[Referral], index: list[int]) -> None:
    n = len(picked)
    by_column = list(zip(*picked))
    values, bads = {}, {}
    odd: set[int] = set()       # rows with text of spaces only (or empty notes): read one by one
    for f, cells_ in zip(fields, by_column):
        values[f.key], bad, keys = f.parse(cells_)
        if bad:
            bads[f.key] = bad
        if f.spaces and not f.spaces.isdisjoint(keys):
            odd.update(i for i, k in enumerate(keys) if k in f.spaces)
    if names[-1] == "notes" and "" in by_column[-1]:
        odd.update(i for i, x in enumerate(by_column[-1]) if x.__class__ is str and x == "")

    # a row counts when a field other than a tick, or the notes, is filled in
    # (a sheet pre-filled with FALSE ticks has no referrals); outside odd rows
    # a cell is filled in exactly when it is not None
    counted = [j for j, key in enumerate(names) if key not in TICKS]
    if counted:
        some = itemgetter(*counted, counted[0])
        keep = list(map(any, map(some, picked)))       # a truthy cell: filled in
        for i in [i for i, k in enumerate(keep) if not k]:
            keep[i] = any(map(is_not, some(picked[i]), repeat(None)))   # 0, 0.0, False
    else:
        keep = [False] * n
    raws = {}
    for i in odd:
        raws[i] = raw = {key: x for key, x in zip(names, picked[i])
                         if x is not None and (x != "" if key == "notes" else x.__class__ is not str or x.strip())}
        keep[i] = any(k not in TICKS for k in raw)

    problems, bad = _problems(values, bads, n)
    columns = {}
    for key in _FIELDS:
        col = values.get(key)
        if key == "referrer_type":
            columns[key] = ["customer"] * n if col is None else ["customer" if x is None else x for x in col]
        else:
            columns[key] = [_DEFAULTS[key]] * n if col is None else col
    # programme and category as rules match them (decide.py), worked out per distinct cell
    columns["program_n"] = _norms(columns["program"])
    columns["category_n"] = _norms(columns["category"])
    c = columns
    persons = [person_key(p, e, name) if not p and not e else "p:" + p if p else "e:" + e
               for p, e, name in zip(c["referrer_phone"], c["referrer_email"], c["referrer"])]
    customers = [p or e for p, e in zip(c["customer_phone"], c["customer_email"])]
    dates = [s.date() if s else None for s in c["submitted"]]
    # one Referral per kept row, assembled by map and zip rather than row by row
    raw_of = [None] * n           # None: built from the row's cells when asked for
    for i, raw in raws.items():
        raw_of[i] = raw
    problems_of = [_NO_PROBLEMS] * n    # shared by the rows without: nobody adds to a row's problems
    for i, p in problems.items():
        problems_of[i] = p
    bad_of = [_NO_BAD] * n
    for i, b in bad.items():
        bad_of[i] = b
    row = first_sheet_row + start
    parts = [range(row, row + n), zip(*columns.values()), raw_of, zip(repeat(names), picked), problems_of, bad_of,
             persons, customers, dates]
    if not all(keep):
        parts = [compress(part, keep) for part in parts]
    parts[1] = map(_values, parts[1])
    refs += map(Referral.of, *parts)
    index += compress(range(start, start + n), keep)


class _Row:
    """Lends each row its dict of values: the dicts of instances of one class share
    their keys (CPython's key-sharing dictionaries), so 100 000 rows hold one
    table of field names and a third of the memory of plain dicts."""


def _values(cells_: tuple) -> dict:
    v = _Row().__dict__
    v.update(zip(_VALUE_KEYS, cells_))   # every key at once: a key added later unshares the dict
    return v


_VALUE_KEYS = (*_FIELDS, "program_n", "category_n")
_NORMS: dict = {}


def _norms(texts: list) -> list:
    """norm() of each text (None for none), remembered: programmes and categories
    repeat on every row."""
    distinct = set(texts)
    if not _NORMS.keys() >= distinct:
        if len(_NORMS) > 100_000:
            _NORMS.clear()
        for text in distinct - _NORMS.keys():
            _NORMS[text] = norm(text) if text else None
    return list(map(_NORMS.__getitem__, texts))


def _problems(values: dict[str, list], bads: dict[str, dict], n: int) -> tuple[dict[int, list[Text]], dict[int, set]]:
    """Row index → its problems, and → its bad fields, for the rows that have
    any: bad cells in field order, then empty required fields, then no contact."""
    problems: dict[int, list[Text]] = {}
    bad: dict[int, set] = {}

    def add(i, key, text):
        problems.setdefault(i, []).append(text)
        bad.setdefault(i, set()).add(key)

    for key, rows in bads.items():
        for i, problem in rows.items():
            add(i, key, Text("row.cell", field=LABEL[key], problem=problem))
    no_bad = {}
    for key in REQUIRED:
        col = values.get(key)
        if col is None:
            empty = range(n)
        elif None in col:
            b = bads.get(key, no_bad)
            empty = [i for i, x in enumerate(col) if x is None and i not in b]
        else:
            continue
        for i in empty:
            add(i, key, Text("row.required", field=LABEL[key]))
    phone, email = values.get("referrer_phone"), values.get("referrer_email")
    pb, eb = bads.get("referrer_phone", no_bad), bads.get("referrer_email", no_bad)
    if phone is None and email is None:
        none = range(n)
    elif phone is None or email is None:
        col, b = (email, eb) if phone is None else (phone, pb)
        none = [i for i, x in enumerate(col) if x is None and i not in b] if None in col else ()
    elif None in phone and None in email:
        none = [i for i, (x, y) in enumerate(zip(phone, email))
                if x is None and y is None and i not in pb and i not in eb]
    else:
        none = ()
    for i in none:
        add(i, "referrer_phone", Text("row.contact_required"))
    return problems, bad


def parse_referral(sheet_row: int, row: list, tab: TabLayout) -> Referral | None:
    """One row; None for a blank row."""
    refs, _ = parse_rows([row], sheet_row, tab)
    return refs[0] if refs else None
