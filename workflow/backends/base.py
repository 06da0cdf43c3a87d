"""The workbook interface every backend implements: read everything, apply writes.

A backend knows nothing about referrals.  It hands over raw cell values and
applies a list of cell writes.  The core parses the values itself.

Raw values in a `Snapshot` grid are one of:
  None                  empty cell
  str                   text exactly as stored (never stripped, never converted;
                        error cells such as #N/A arrive as their text "#N/A")
  bool                  a boolean / checkbox cell
  int | float           a number cell (dates stored as plain numbers stay numbers)
  datetime.date         a cell the workbook itself types as a date
  datetime.datetime     a cell the workbook itself types as a date-time
  datetime.time         a cell the workbook itself types as a time
Grids are lists of rows; row index 0 is sheet row 1, column index 0 is column A.
Rows may be ragged (shorter than the widest row); missing cells are empty.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, Union

RawValue = Union[None, str, bool, int, float, _dt.date, _dt.datetime, _dt.time]
WriteValue = Union[None, str, bool, int, Decimal]


@dataclass
class Snapshot:
    """Everything read in one pass: every tab's grid, in workbook order."""

    tabs: dict[str, list[list[RawValue]]]
    # Backend-specific token identifying the version read (e.g. file mtime and size),
    # used by write() to refuse writing over a workbook that changed since.
    version: Any = None
    # Backend-specific extras (sheet ids, etc.); opaque to the core.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CellWrite:
    """Set one cell. row and col are 1-based sheet coordinates.

    value None clears the cell; str is always written as text (never a formula,
    whatever it starts with); Decimal and int are written as numbers; bool as a
    boolean.  An existing cell keeps its formatting (style) when it is written.
    """

    tab: str
    row: int
    col: int
    value: WriteValue


@dataclass(frozen=True)
class RowGuard:
    """A write batch touches a row only while that row still holds `expected` in
    column `col` (the Ref ID), or is empty there when `expected` is None.
    Backends that cannot guarantee the file is unchanged since the read check this
    (a backend asks for guards with a true `guards_rows` attribute); such a backend
    may write a row's cells to the one row that holds its Ref ID now."""

    tab: str
    row: int
    col: int
    expected: str | None
    # (col, raw value as read) cells the row must still hold too: for a row with no Ref ID yet
    keys: tuple[tuple[int, Any], ...] = ()
    # the row cannot move (the header): when it does not hold, nothing at all is written
    whole: bool = False


class WorkbookBusy(Exception):
    """The workbook cannot be written now (open in an office program: lock file present).
    Nothing was written; the next pass catches up."""

    def __init__(self, text: Any) -> None:
        super().__init__(str(text))
        self.text = text  # an i18n.Text


class WorkbookChanged(Exception):
    """The workbook changed between read and write; nothing was written."""

    def __init__(self, text: Any) -> None:
        super().__init__(str(text))
        self.text = text


class WorkbookUnusable(Exception):
    """The workbook cannot be read at all (missing, not a workbook, no access)."""

    def __init__(self, text: Any) -> None:
        super().__init__(str(text))
        self.text = text


class WorkbookBackend(Protocol):
    def read(self) -> Snapshot:
        """Read every tab in one go. Raises WorkbookUnusable."""

    def write(self, since: Snapshot, writes: list[CellWrite], guards: list[RowGuard] = ()) -> int:
        """Apply all writes at once, atomically, or none.

        `since` is the snapshot the writes were planned from.  Returns the number
        of cells written.  An empty `writes` list writes nothing and touches nothing.
        Raises WorkbookBusy or WorkbookChanged (nothing written)."""

    def busy(self) -> Any:
        """An i18n.Text saying why the workbook cannot be written now, or None."""

    def digest(self) -> str | None:
        """A cheap fingerprint of everything read() would return, or None when the
        backend cannot tell (then every pass runs in full)."""
