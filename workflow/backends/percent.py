"""A number in a percent-formatted cell, as the text the cell shows.

Typing `0.3%` into Excel, WPS, LibreOffice or Google Sheets stores the number
0.003 with a percent format; the cell shows 0.3%.  Read as the bare number, a
Rules rate column (in %, `5` meaning 5 %) would pay 100 times too little.  A
backend finds the percent-formatted cells of the tabs a person types settings
into and hands the core the text "0.3%" instead, which the cell parsers read as
people do: the xlsx backend from the workbook's styles (xlsx_percent), the
Google Sheets backend from each cell's number format (gsheets_percent).
"""
from __future__ import annotations

import re
from decimal import Decimal

_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def is_percent_pattern(code: str) -> bool:
    """A number format code that shows a percentage: a `%` outside quotes, brackets and escapes."""
    return "%" in _QUOTED.sub("", code or "")


def percent_text(number) -> str | None:
    """0.003 → "0.3%"; the float's shortest repr first, so 3.0000000000000001E-3 shows as 0.3%, as in the office program."""
    try:
        shown = Decimal(repr(float(number))) * 100
    except (ArithmeticError, ValueError, TypeError, OverflowError):
        return None
    if not shown.is_finite():
        return None
    return format(shown.normalize(), "f") + "%"


def apply_percent_texts(grid: list[list], cells) -> None:
    """Put each shown percentage, (row, column, text) 1-based, in place of the number read."""
    for row, col, text in cells:
        if row <= len(grid) and col <= len(grid[row - 1]):
            value = grid[row - 1][col - 1]
            if value.__class__ in (int, float):
                grid[row - 1][col - 1] = text
