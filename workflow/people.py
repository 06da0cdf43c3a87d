"""The Staff and Customers tabs → lookups by name, phone and email.

People are the same person when their normalised phones are equal, or else
their emails.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import cells
from .cells import CellError, norm
from .findings import Finding, at_cell
from .layout import TabLayout, cell_ref


@dataclass(frozen=True)
class StaffMember:
    name: str
    email: str | None
    role: str | None
    active: bool
    employee_id: str | None


@dataclass
class Staff:
    by_name: dict[str, StaffMember] = field(default_factory=dict)   # norm(name) →
    by_email: dict[str, StaffMember] = field(default_factory=dict)
    present: bool = False                                          # the tab exists
    _typed: dict = field(default_factory=dict)                     # name as typed →

    def find(self, name: str | None, email: str | None = None) -> StaffMember | None:
        if email and email in self.by_email:
            return self.by_email[email]
        if name:
            hit = self._typed.get(name, False)
            if hit is False:
                hit = self._typed[name] = self.by_name.get(norm(name))
            return hit
        return None


@dataclass
class Customers:
    since_by_phone: dict[str, dt.date | None] = field(default_factory=dict)
    since_by_email: dict[str, dt.date | None] = field(default_factory=dict)
    present: bool = False

    def known(self, phone: str | None, email: str | None) -> tuple[bool, dt.date | None]:
        """(is a customer, since when — None if unknown)."""
        if phone and phone in self.since_by_phone:
            return True, self.since_by_phone[phone]
        if email and email in self.since_by_email:
            return True, self.since_by_email[email]
        return False, None


def _cell(row, col):
    if col is None or col > len(row):
        return None
    return row[col - 1]


def _read(grid, tab: TabLayout, parsers: dict, findings: list[Finding]):
    """Yield (sheet row, {field: parsed}) for non-blank rows; bad cells become warnings."""
    for r in range(tab.header_row, len(grid)):
        row = grid[r]
        out = {}
        blank = True
        for key, parser in parsers.items():
            col = tab.cols.get(key)
            raw = _cell(row, col)
            if raw not in (None, ""):
                blank = False
            try:
                out[key] = parser(raw)
            except CellError as e:
                findings.append(at_cell(tab.name, cell_ref(r + 1, col), tab.spec.field(key).label, e.text, "warning"))
                out[key] = None
        if not blank:
            yield r + 1, out


def _active(raw):
    return True if raw in (None, "") else cells.parse_checkbox(raw)


def parse_staff(grid, tab: TabLayout | None) -> tuple[Staff, list[Finding]]:
    staff, findings = Staff(), []
    if tab is None:
        return staff, findings
    staff.present = True
    parsers = {"name": cells.parse_text, "email": cells.parse_email, "role": cells.parse_text,
               "active": _active, "employee_id": cells.parse_text}
    for _row, v in _read(grid, tab, parsers, findings):
        if not v["name"]:
            continue
        m = StaffMember(v["name"], v["email"], v["role"], v["active"] if v["active"] is not None else True,
                        v["employee_id"])
        staff.by_name.setdefault(norm(m.name), m)
        if m.email:
            staff.by_email.setdefault(m.email, m)
    return staff, findings


def parse_customers(grid, tab: TabLayout | None) -> tuple[Customers, list[Finding]]:
    cust, findings = Customers(), []
    if tab is None:
        return cust, findings
    cust.present = True
    parsers = {"name": cells.parse_text, "phone": cells.parse_phone, "email": cells.parse_email,
               "since": cells.parse_date}
    for _row, v in _read(grid, tab, parsers, findings):
        since = v["since"]
        for key, index in ((v["phone"], cust.since_by_phone), (v["email"], cust.since_by_email)):
            if not key:
                continue
            if key not in index:
                index[key] = since
            else:  # listed twice: the earliest date; unknown (None) means "from before"
                old = index[key]
                index[key] = None if old is None or since is None else min(old, since)
    return cust, findings
