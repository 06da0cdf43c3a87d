"""A finding about the config, the workbook layout, the rules or the settings.

Errors stop `sync` from paying or writing anything; warnings are shown by
`check` and do not stop anything.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import i18n
from .i18n import Text

i18n.register({
    "finding.cell": {
        "en": "{tab} tab, cell {cell} ({field}): {problem}",
        "zh": "{tab}工作表 {cell} 单元格（{field}）：{problem}",
    },
    "finding.row": {
        "en": "{tab} tab, row {row}: {problem}",
        "zh": "{tab}工作表第 {row} 行：{problem}",
    },
})


@dataclass(frozen=True)
class Finding:
    text: Text
    severity: str = "error"   # error · warning

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def at_cell(tab: str, cell: str, field, problem, severity: str = "error") -> Finding:
    return Finding(Text("finding.cell", tab=tab, cell=cell, field=field, problem=problem), severity)


def at_row(tab: str, row: int, problem, severity: str = "error") -> Finding:
    return Finding(Text("finding.row", tab=tab, row=row, problem=problem), severity)
