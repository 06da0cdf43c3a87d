"""Google Sheets: a number in a percent-formatted cell of the Rules, Milestones
or Settings tab is read as the percentage it shows (see percent.py).

A values:batchGet gives the stored number (0.03 for a cell showing 3%) and
nothing about the cell's format.  So:

* the full read (spreadsheets.get: the first pass, then hourly) asks every
  cell's `effectiveFormat.numberFormat` with its value, and the worker learns
  which number cells of those tabs are percentages;
* on the batchGet path, when every number cell of those tabs still holds the
  number it held when learned, what was learned applies (no request);
* otherwise (a number typed or changed there) the pass makes one
  values:batchGet of those tabs with FORMATTED_VALUE: a number shown with a
  `%` is a percentage.  That is the pass's second read, so the guard read a
  write needs would be a third: the cells wait for the next pass (gsheets.py).

What was learned — tab, row, column, the number and whether it is a
percentage; nothing else — is kept in `<ledger>.formats.json`.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..contract import TABS
from ..layout import find_tab
from .base import RawValue
from .gsheets_read import a1_tab
from .percent import apply_percent_texts, percent_text

SETTING_TABS = ("rules", "milestones", "settings")   # where people type rates, thresholds and caps
FORMATTED = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}

Cells = dict[tuple[int, int], RawValue]      # (row, column) 1-based → the number read


def setting_tabs(titles: list[str], tab_names: dict[str, list[str]] | None) -> list[str]:
    """The titles of the Rules, Milestones and Settings tabs present (found as the layout finds them)."""
    out = []
    for key in SETTING_TABS:
        title = find_tab(titles, TABS[key], (tab_names or {}).get(key))
        if title is not None and title not in out:
            out.append(title)
    return out


def number_cells(grid: list[list[RawValue]]) -> Cells:
    return {(r, c): v for r, row in enumerate(grid, 1) for c, v in enumerate(row, 1) if v.__class__ in (int, float)}


def percent_in_text(formatted: list[list], numbers: Cells) -> set[tuple[int, int]]:
    """The number cells a FORMATTED_VALUE read shows with a `%`."""
    out = set()
    for r, c in numbers:
        if r <= len(formatted) and c <= len(formatted[r - 1]) and "%" in str(formatted[r - 1][c - 1]):
            out.add((r, c))
    return out


def show_percentages(grid: list[list[RawValue]], numbers: Cells, percent: set[tuple[int, int]]) -> None:
    """Each number of a percent cell becomes the text it shows ("3%")."""
    cells = []
    for r, c in sorted(percent):
        text = percent_text(numbers[(r, c)]) if (r, c) in numbers else None
        if text is not None:
            cells.append((r, c, text))
    apply_percent_texts(grid, cells)


class PercentMemory:
    """Per tab: every number cell learned, with its number and whether it is a percentage."""

    def __init__(self, path: Path | None, sheet_id: str):
        self.path, self.sheet_id = path, sheet_id
        self.tabs: dict[str, dict[tuple[int, int], tuple[RawValue, bool]]] | None = None

    def percent_cells(self, tab: str, numbers: Cells) -> set[tuple[int, int]] | None:
        """The percent cells among `numbers`, or None when one of them is new or holds another number."""
        known = self._tabs().get(tab)
        if known is None or len(known) != len(numbers):
            return None
        out = set()
        for pos, value in numbers.items():
            seen = known.get(pos)
            if seen is None or seen[0] != value or seen[0].__class__ is not value.__class__:
                return None
            if seen[1]:
                out.add(pos)
        return out

    def learn(self, learned: dict[str, tuple[Cells, set[tuple[int, int]]]], replace_all: bool = False) -> None:
        tabs = {} if replace_all else dict(self._tabs())
        for tab, (numbers, percent) in learned.items():
            tabs[tab] = {pos: (v, pos in percent) for pos, v in numbers.items()}
        if tabs != self._tabs() or replace_all:
            self.tabs = tabs
            self._save()

    def _tabs(self) -> dict:
        if self.tabs is None:
            self.tabs = self._load()
        return self.tabs

    def _load(self) -> dict:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("spreadsheet") != self.sheet_id:
                return {}
            return {str(tab): {(int(r), int(c)): (v, bool(p)) for r, c, v, p in cells if v.__class__ in (int, float)}
                    for tab, cells in data["tabs"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"spreadsheet": self.sheet_id,
                "tabs": {tab: [[r, c, v, p] for (r, c), (v, p) in sorted(cells.items())]
                         for tab, cells in (self.tabs or {}).items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            with open(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            pass   # only a memory: the next pass reads the formats again


def read_formatted(client, sheet_id: str, titles: list[str]) -> dict[str, list[list]]:
    """The shown text of every cell of these tabs, in one values:batchGet."""
    data = client.values_batch_get(sheet_id, [a1_tab(t) for t in titles], params=dict(FORMATTED))
    return {t: vr.get("values") or [] for t, vr in zip(titles, data.get("valueRanges", []))}


def read_percentages(memory: PercentMemory, tabs: dict[str, list[list[RawValue]]], titles: list[str],
                     fetch_formatted) -> bool:
    """Put the shown percentage in place of every percent cell's number in the tabs `titles`; when a
    number there is new or changed, `fetch_formatted(titles)` first (one request).  True if it did."""
    numbers = {t: number_cells(tabs.get(t) or []) for t in titles}
    found = {t: memory.percent_cells(t, numbers[t]) if numbers[t] else set() for t in titles}
    missing = [t for t in titles if found[t] is None]
    if missing:
        shown = fetch_formatted(missing)
        learned = {t: (numbers[t], percent_in_text(shown.get(t) or [], numbers[t])) for t in missing}
        memory.learn(learned)
        found.update({t: percent for t, (_, percent) in learned.items()})
    for t in titles:
        show_percentages(tabs[t], numbers[t], found[t])
    return bool(missing)
