"""Find the tabs and map their header rows to fields.

Pure: takes the grids of a Snapshot and the configured names, returns where
every field lives and the problems found (tab or header missing, a header
used twice), each naming what was looked for and where.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import i18n
from .cells import norm
from .contract import TABS, TabSpec
from .i18n import Text

i18n.register({
    "layout.tab_missing": {
        "en": "Workbook: no tab named {names} — add a tab with one of these names (or set its name in the config under [tabs])",
        "zh": "工作簿：找不到名为 {names} 的工作表 — 请添加其中一个名称的工作表（或在配置文件 [tabs] 中设置名称）",
    },
    "layout.header_missing": {
        "en": "{tab} tab, row {row}: no column {names} — add a column with one of these headers",
        "zh": "{tab}工作表第 {row} 行：找不到列 {names} — 请添加使用其中一个表头的列",
    },
    "layout.header_twice": {
        "en": "{tab} tab, row {row}: columns {cols} both mean {field} — keep one and rename the other",
        "zh": "{tab}工作表第 {row} 行：{cols} 列都表示“{field}” — 请保留一列并将另一列改名",
    },
    "layout.tab_empty": {
        "en": "{tab} tab: it has no header row — put the headers in row 1",
        "zh": "{tab}工作表：没有表头行 — 请在第 1 行填写表头",
    },
})


def col_letter(col: int) -> str:
    """1-based column number → letters (1 → A, 27 → AA)."""
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


@dataclass
class TabLayout:
    spec: TabSpec
    name: str                      # the tab's name in the workbook
    header_row: int                # 1-based
    cols: dict[str, int]           # field key → 1-based column
    width: int                     # columns used anywhere in the tab
    label: str = ""
    headers: dict[str, str] = field(default_factory=dict)   # field key → its header as typed

    def col(self, key: str) -> int | None:
        return self.cols.get(key)

    @property
    def complete(self) -> bool:
        """Every required column was found (else locate() reported the missing one)."""
        return all(f.key in self.cols for f in self.spec.fields if f.required)

    def names(self) -> dict:
        """Field label → the header to name the column by in texts, for the
        columns whose header is not one of the field's own names in English
        or Chinese (an alias: "Amount", or one from config): a problem then
        names the column as the sheet shows it."""
        out = {}
        for key, header in self.headers.items():
            f = self.spec.field(key)
            if norm(header) not in (norm(f.en), norm(f.zh)):
                out[f.label] = header
        return out


@dataclass
class Layout:
    tabs: dict[str, TabLayout] = field(default_factory=dict)
    problems: list[Text] = field(default_factory=list)   # stop the pass
    language_hint: str | None = None                     # zh if the tab names were Chinese

    def tab(self, key: str) -> TabLayout | None:
        return self.tabs.get(key)


def _names_text(names) -> str:
    return " / ".join(f"“{n}”" for n in names)


def find_tab(tab_names: list[str], spec: TabSpec, configured: list[str] | None) -> str | None:
    wanted = [norm(n) for n in (configured or [spec.en, spec.zh])]
    by_norm = {norm(n): n for n in tab_names}
    for w in wanted:
        if w in by_norm:
            return by_norm[w]
    return None


def map_header(row: list, spec: TabSpec, aliases: dict[str, list[str]] | None) -> tuple[dict[str, int], list[tuple[str, list[int]]]]:
    """Header cells → {field: column}, plus fields claimed by several columns."""
    lookup: dict[str, str] = {}
    for f in spec.fields:
        for name in (*f.names(), *((aliases or {}).get(f.key, ()))):
            lookup.setdefault(norm(name), f.key)
    cols: dict[str, list[int]] = {}
    for i, value in enumerate(row):
        if isinstance(value, str) and value.strip():
            key = lookup.get(norm(value))
            if key:
                cols.setdefault(key, []).append(i + 1)
    mapped = {k: v[0] for k, v in cols.items()}
    twice = [(k, v) for k, v in cols.items() if len(v) > 1]
    return mapped, twice


def _header_row(grid: list[list], spec: TabSpec, aliases) -> int:
    """The header is the row among the first five that names the most fields."""
    best, best_row = 0, 1
    for r, row in enumerate(grid[:5]):
        hits = len(map_header(row, spec, aliases)[0])
        if hits > best:
            best, best_row = hits, r + 1
    return best_row


def locate(tabs: dict[str, list[list]], tab_names: dict[str, list[str]] | None = None,
           aliases: dict[str, dict[str, list[str]]] | None = None) -> Layout:
    """Find every known tab and its columns. Missing required things become problems."""
    layout = Layout()
    names = list(tabs)
    zh_hits = en_hits = 0
    for key, spec in TABS.items():
        configured = (tab_names or {}).get(key)
        name = find_tab(names, spec, configured)
        if name is None:
            if spec.required:
                looked = configured or [spec.en, spec.zh]
                layout.problems.append(Text("layout.tab_missing", names=_names_text(looked)))
            continue
        if norm(name) == norm(spec.zh):
            zh_hits += 1
        elif norm(name) == norm(spec.en):
            en_hits += 1
        grid = tabs[name]
        tab_aliases = (aliases or {}).get(key)
        if not any(v not in (None, "") for row in grid[:5] for v in row):
            if spec.required:
                layout.problems.append(Text("layout.tab_empty", tab=name))
            layout.tabs[key] = TabLayout(spec, name, 1, {}, 0)
            continue
        hrow = _header_row(grid, spec, tab_aliases)
        header = grid[hrow - 1]
        cols, twice = map_header(header, spec, tab_aliases)
        for fkey, where in twice:
            f = spec.field(fkey)
            layout.problems.append(Text("layout.header_twice", tab=name, row=hrow,
                                        cols=" / ".join(col_letter(c) for c in where), field=f.label))
        for f in spec.fields:
            if f.required and f.key not in cols:
                extra = (tab_aliases or {}).get(f.key, [])
                layout.problems.append(Text("layout.header_missing", tab=name, row=hrow,
                                            names=_names_text([f.en, f.zh, *extra])))
        # new worker columns go after the last column used anywhere in the tab, not
        # just in the header: a note typed under no header must not be overwritten
        width = max((len(row) for row in grid), default=0)
        headers = {fkey: header[c - 1].strip() for fkey, c in cols.items()}
        layout.tabs[key] = TabLayout(spec, name, hrow, cols, width, headers=headers)
    layout.language_hint = "zh" if zh_hits > en_hits else ("en" if en_hits else None)
    return layout
