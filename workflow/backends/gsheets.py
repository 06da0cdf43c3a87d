"""The Google Sheets backend: a shared spreadsheet read and written through gspread.

Request budget of a pass — at most 2 reads and 1 write, whatever the number of
rows (see gsheets_read and gsheets_write for the details):

* read 1, the values: one values:batchGet of every tab (UNFORMATTED_VALUE,
  dates as serial numbers), its tab list cached beside the ledger
  (`<ledger>.sheets.json`); when that cache is missing (first pass) or older
  than an hour, ONE spreadsheets.get brings the tab list and every tab's
  values together instead — so the metadata never costs a request of its own;
* read 2, only when there is something to write: one values:batchGet of the
  guard columns (Ref ID and key cells, to find rows staff moved meanwhile);
* the write: ONE values:batchUpdate with valueInputOption=RAW (or, when the
  worker's new columns lie beyond the grid, ONE spreadsheets.batchUpdate that
  grows the grid and writes the cells together).

A pass with nothing to write makes 1 read and no write.  When the batchGet
fails because a tab was renamed or removed, the pass reads everything again
(its second read) and leaves its cells for the next pass, which has the fresh
tab list: it never needs a third read.  Likewise when a number on the Rules,
Milestones or Settings tab is new or changed: the pass reads those tabs'
formatted values to find the percent cells (gsheets_percent; its second read)
and leaves its cells for the next pass.

Failures: 429, 5xx, timeouts → bounded retries with backoff (gsheets_client),
then the read raises WorkbookUnusable (the pass stops, nothing recorded) or
the write raises WorkbookBusy (the ledger already holds the decisions; the
next pass writes them).  Nothing is ever half-written: the cells go in one
request, which Google applies whole or not at all.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import replace
from pathlib import Path

from gspread.exceptions import APIError

from .. import i18n
from .base import CellWrite, RowGuard, Snapshot, WorkbookBusy, WorkbookChanged, WorkbookUnusable
from .gsheets_client import KeyProblem, SheetsClient, SheetsDown, load_key, spreadsheet_id
from .gsheets_explain import endpoint_problem, explain
from .gsheets_percent import PercentMemory, number_cells, read_formatted, read_percentages, setting_tabs
from .gsheets_read import SheetCache, batch_get_tabs, fetch_everything, is_bad_range
from .gsheets_write import (Placement, batch_body, cells_body, check_writes, growth, guard_ranges, place_writes,
                            read_columns)

i18n.register({
    "gs.rows_moved": {
        "en": "{tab}: {n} row(s) were moved, changed or deleted while this pass ran (rows {rows}) — their cells "
              "were not written this time; no action needed, the next pass writes them",
        "zh": "{tab}：本次处理期间有 {n} 行被移动、修改或删除（第 {rows} 行）— 这些行本次未写入；"
              "无需处理，下一轮会写入"},
    "gs.init_done": {
        "en": "spreadsheet {id}: {tabs} tab(s) added, {values} tab(s) filled, {format} format change(s) "
              "(checkboxes, dropdowns, frozen headers, protected worker columns) — next: run.py check, then run.py sync",
        "zh": "表格 {id}：新增 {tabs} 个工作表，填写 {values} 个工作表，{format} 项格式设置"
              "（复选框、下拉列表、冻结表头、保护程序列）— 下一步：run.py check，然后 run.py sync"},
    "gs.init_nothing": {
        "en": "spreadsheet {id}: already set up — nothing was changed",
        "zh": "表格 {id}：已设置好 — 未做任何更改"},
    "gs.tabs_changed": {
        "en": "spreadsheet {id}: a tab was renamed or removed since the last pass — this pass read the tab list "
              "again and wrote nothing; no action needed, the next pass writes the cells",
        "zh": "表格 {id}：自上一轮以来有工作表被重命名或删除 — 本轮已重新读取工作表列表，未写入任何内容；"
              "无需处理，下一轮会写入"},
    "gs.formats_read": {
        "en": "spreadsheet {id}: a number on the Rules, Milestones or Settings tab is new or changed — this "
              "pass read how those cells are formatted (a cell showing 3% counts as 3 %) and wrote nothing; "
              "no action needed, the next pass writes the cells",
        "zh": "表格 {id}：奖励规则、阶梯奖励或设置工作表中有数字是新填或修改过的 — 本轮已读取这些单元格的格式"
              "（显示为 3% 的单元格按 3% 计算），未写入任何内容；无需处理，下一轮会写入"},
    "gs.header_moved": {
        "en": "{tab}: the header row changed while this pass ran (columns moved) — nothing was written this time; "
              "no action needed, the next pass reads it again",
        "zh": "{tab}：本次处理期间表头被修改（列移动）— 本次未写入任何内容；无需处理，下一轮会重新读取"},
})

RETRYABLE = (SheetsDown,)
MAX_READS = 2      # read requests a pass may make: the values, then the guard read before the write


class GSheetsBackend:
    """A Google spreadsheet.  `Snapshot.meta["sheets"]` holds the sheet list read with it."""

    guards_rows = True   # sync passes a RowGuard for every row it writes

    def __init__(self, spreadsheet: str, credentials: Path | None = None, api_endpoint: str | None = None,
                 cache_path: Path | None = None, *, timeout: float = 30.0, tries: int = 5,
                 sleep=time.sleep, rand=random.random, max_age: float = 3600.0,
                 formats_path: Path | None = None, tab_names: dict[str, list[str]] | None = None):
        self.spreadsheet = spreadsheet
        self.sheet_id = spreadsheet_id(spreadsheet) or ""
        env = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        self.key_path = Path(credentials) if credentials else (Path(env) if env else None)
        self.api_endpoint = api_endpoint
        self.options = dict(timeout=timeout, tries=tries, sleep=sleep, rand=rand)
        self.cache = SheetCache(cache_path, self.sheet_id, max_age)
        self.percent = PercentMemory(formats_path, self.sheet_id)
        self.tab_names = tab_names or {}
        self.email = ""
        self.token_uri: str | None = None
        self._client: SheetsClient | None = None
        self.dropped: list[tuple[str, int]] = []     # rows the last write left out
        self.dropped_text: i18n.Text | None = None

    @classmethod
    def from_config(cls, cfg, **options) -> "GSheetsBackend":
        beside = (lambda suffix: cfg.ledger_path.with_name(cfg.ledger_path.name + suffix)) if cfg.ledger_path \
            else (lambda suffix: None)
        return cls(cfg.spreadsheet, cfg.credentials, cfg.api_endpoint, beside(".sheets.json"),
                   formats_path=beside(".formats.json"), tab_names=cfg.tab_names, **options)

    # ---- the client ----------------------------------------------------------------

    def client(self) -> SheetsClient:
        if self._client is None:
            if not self.sheet_id:
                raise WorkbookUnusable(i18n.Text("gs.bad_id", value=i18n.Found(self.spreadsheet or "")))
            problem = endpoint_problem(self.api_endpoint)
            if problem is not None:
                raise WorkbookUnusable(problem)
            try:
                creds, self.email = load_key(self.key_path)
            except KeyProblem as exc:
                raise WorkbookUnusable(exc.text) from None
            self.token_uri = getattr(creds, "_token_uri", None)
            self._client = SheetsClient(creds, self.api_endpoint, **self.options)
        return self._client

    def unusable(self, exc: Exception) -> WorkbookUnusable:
        return WorkbookUnusable(explain(exc, self.sheet_id, self.email, self.key_path, self.api_endpoint,
                                        self.token_uri))

    # ---- reading ------------------------------------------------------------------

    def read(self) -> Snapshot:
        """Every tab in one request: values:batchGet with the cached sheet list, or one spreadsheets.get
        of the sheet list and the values together when the cache is missing, stale or names a tab that
        is gone.  Then the percent cells of the Rules, Milestones and Settings tabs (gsheets_percent),
        which cost a second read only when a number there is new or changed.  `meta["reads"]` says how
        many read requests the pass has made so far, `meta["second_read"]` why it made two."""
        client = self.client()
        reads, why = 0, None
        try:
            sheets = self.cache.get()
            tabs = None
            if sheets is not None:
                try:
                    reads += 1
                    tabs = batch_get_tabs(client, self.sheet_id, sheets)
                except APIError as exc:
                    if not is_bad_range(exc):
                        raise
                    self.cache.forget()                  # a tab was renamed or removed
                    why = "tab list"
            titles = None
            if tabs is None:
                reads += 1
                sheets, tabs, percent = fetch_everything(client, self.sheet_id, self._setting_tabs)
                self.cache.put(sheets)
                titles = list(percent)
                self.percent.learn({t: (number_cells(tabs[t]), percent[t]) for t in titles}, replace_all=True)
            if titles is None:
                titles = self._setting_tabs([s.title for s in sheets if s.grid])
            if read_percentages(self.percent, tabs, titles,
                                lambda missing: read_formatted(client, self.sheet_id, missing)):
                reads += 1
                why = "formats"
        except WorkbookUnusable:
            raise
        except Exception as exc:   # API refusals, retries exhausted, token refused
            if isinstance(exc, APIError) and exc.code in (403, 404):
                self.cache.forget()
            raise self._explained(exc) from None
        return Snapshot(tabs=tabs, version=None, meta={"sheets": sheets, "reads": reads, "second_read": why})

    def _setting_tabs(self, titles: list[str]) -> list[str]:
        return setting_tabs(titles, self.tab_names)

    def _explained(self, exc: Exception) -> Exception:
        try:
            return self.unusable(exc)
        except Exception:   # not an error we know: let it through unchanged
            return exc

    # ---- writing ------------------------------------------------------------------

    def busy(self):
        return None

    def digest(self) -> str | None:
        return None   # no cheap fingerprint of a spreadsheet's values: every pass runs in full

    def write(self, since: Snapshot, writes: list[CellWrite], guards: list[RowGuard] = ()) -> int:
        """Guarded rows go where they are now, or wait for the next pass; all in one request."""
        self.dropped, self.dropped_text = [], None
        if not writes:
            return 0
        check_writes(since.tabs, writes)
        client = self.client()
        try:
            placement = None
            if guards and since.meta.get("reads", 1) >= MAX_READS:
                # the pass already made its second read (the tab list again, or the formats of a number
                # typed into Rules / Milestones / Settings): the guard read would be a third read
                # request — the cells wait for the next pass
                key = "gs.formats_read" if since.meta.get("second_read") == "formats" else "gs.tabs_changed"
                raise WorkbookChanged(i18n.Text(key, id=self.sheet_id))
            if guards:
                now = read_columns(client, self.sheet_id, guard_ranges(list(guards)))
                placement = Placement(list(guards), now)
                if placement.refused is not None:
                    raise WorkbookChanged(i18n.Text("gs.header_moved", tab=placement.refused.tab))
            placed, dropped = place_writes(writes, placement)
            if dropped:
                self.dropped = dropped
                tab = dropped[0][0]
                rows = ", ".join(str(r) for _, r in dropped[:20]) + (" …" if len(dropped) > 20 else "")
                self.dropped_text = i18n.Text("gs.rows_moved", tab=tab, n=len(dropped), rows=rows)
            if not placed:
                return 0
            sheets = since.meta.get("sheets") or []
            grow = growth(placed, sheets)
            if grow:      # new worker columns (first pass): grid and cells in one batchUpdate
                body, count = cells_body(placed, sheets, grow)
                client.batch_update(self.sheet_id, body)
                self.cache.put([replace(s, rows=s.rows + grow[s.title][0], cols=s.cols + grow[s.title][1])
                                if s.title in grow else s for s in sheets])
            else:
                body, count = batch_body(placed)
                client.values_batch_update(self.sheet_id, body)
        except (WorkbookChanged, WorkbookBusy):
            raise
        except Exception as exc:
            if isinstance(exc, APIError) and exc.code == 400:
                self.cache.forget()      # e.g. a grid smaller than the cached sheet list says: read it again
            text = self._explained(exc)
            if isinstance(text, WorkbookUnusable):
                raise WorkbookBusy(text.text) from None
            raise
        return count

    # ---- init -----------------------------------------------------------------------

    def initialise(self, empty: bool, language: str) -> i18n.Text:
        """Tabs, headers, example rules and settings, checkboxes, dropdowns, frozen headers and
        protected worker columns; only what is missing (a second run changes nothing)."""
        from ..demo import demo_tabs, empty_tabs
        from .gsheets_init import init_spreadsheet
        tabs = empty_tabs(language) if empty else demo_tabs([], language)
        client = self.client()
        try:
            done = init_spreadsheet(client, self.sheet_id, tabs, language)
        except Exception as exc:
            raise self._explained(exc) from None
        self.cache.forget()
        if not any(done.values()):
            return i18n.Text("gs.init_nothing", id=self.sheet_id)
        return i18n.Text("gs.init_done", id=self.sheet_id, **done)
