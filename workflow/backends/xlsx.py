"""The .xlsx file backend: read with python-calamine, write by patching the zip.

Reading uses calamine (a 100 000-row sheet in seconds).  Writing never loads
the workbook: only the worksheet parts that get cells are rewritten (see
xlsx_patch), every other part is copied unchanged, and the new file replaces
the old one atomically.  A write refuses when the file changed since it was
read or is open in an office program, so a person's edits are never lost.
"""
from __future__ import annotations

import datetime as _dt
import io
import hashlib
import os
import re
import stat
import tempfile
import xml.etree.ElementTree as ET
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from .. import i18n
from ..faults import checkpoint
from .base import CellWrite, RawValue, RowGuard, Snapshot, WorkbookBusy, WorkbookChanged, WorkbookUnusable
from .percent import apply_percent_texts
from .xlsx_package import copy_entry, fresh_info, sheet_parts, styles_part, write_patched_package
from .xlsx_patch import MAX_COL, MAX_ROW, number_text
from .xlsx_percent import percent_styles, percent_texts

i18n.register({
    "xlsx.busy": {
        "en": "{path}: the workbook is open in an office program (lock file {lock}) — nothing was written this time; "
              "close it and the next pass writes the changes (if nobody has it open, delete the lock file)",
        "zh": "{path}：工作簿正在办公软件中打开（锁文件 {lock}）— 本次未写入任何内容；"
              "请关闭它，下一轮会写入更改（如确实无人打开，请删除该锁文件）"},
    "xlsx.changed": {
        "en": "{path}: the workbook was saved by someone else after it was read — nothing was written this time; "
              "no action needed, the next pass reads it again and writes the changes",
        "zh": "{path}：读取之后工作簿又被别人保存过 — 本次未写入任何内容；无需处理，下一轮会重新读取并写入更改"},
    "xlsx.guard": {
        "en": "{path}: tab {tab} row {row} no longer holds {expected} in column {col} — nothing was written this time; "
              "no action needed, the next pass reads it again",
        "zh": "{path}：工作表 {tab} 第 {row} 行第 {col} 列已不是 {expected} — 本次未写入任何内容；无需处理，下一轮会重新读取"},
    "xlsx.replace_failed": {
        "en": "{path}: the workbook could not be replaced ({error}) — nothing was written this time; "
              "close any program using it and make sure the folder is writable; the next pass tries again",
        "zh": "{path}：无法替换工作簿（{error}）— 本次未写入任何内容；请关闭占用它的程序并确认文件夹可写，下一轮会重试"},
    "xlsx.missing": {
        "en": "{path}: the workbook file is not there — check [workbook] path in the config, put the file back, or create one with `run.py init`",
        "zh": "{path}：找不到工作簿文件 — 请检查配置文件中 [workbook] 的 path，把文件放回原处，或用 `run.py init` 新建"},
    "xlsx.no_access": {
        "en": "{path}: the workbook cannot be opened ({error}) — give the worker permission to read and write it",
        "zh": "{path}：无法打开工作簿（{error}）— 请给本程序读写该文件的权限"},
    "xlsx.not_xlsx": {
        "en": "{path}: this is not a readable .xlsx workbook ({error}) — open it in Excel or WPS and save it as "
              "\"Excel Workbook (.xlsx)\"",
        "zh": "{path}：这不是可读取的 .xlsx 工作簿（{error}）— 请用 Excel 或 WPS 打开并另存为“Excel 工作簿 (.xlsx)”"},
    "xlsx.protected": {
        "en": "{path}: the workbook is password-protected or an old .xls file — remove the password and save it "
              "as \"Excel Workbook (.xlsx)\"",
        "zh": "{path}：工作簿设置了打开密码，或是旧的 .xls 文件 — 请取消密码并另存为“Excel 工作簿 (.xlsx)”"},
    "xlsx.unstable": {
        "en": "{path}: the workbook kept changing while it was being read — nothing was done this time; "
              "no action needed, the next pass tries again",
        "zh": "{path}：读取期间工作簿一直在变化 — 本次未做任何处理；无需处理，下一轮会重试"},
})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c\s[^<>]*$")
_READ_ATTEMPTS = 3


def lock_files(path: Path) -> list[Path]:
    """Lock files office programs keep beside an open workbook: Excel/WPS, then LibreOffice."""
    path = Path(path)
    return [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]


class XlsxBackend:
    """A workbook in one .xlsx file. `Snapshot.version` is (st_mtime_ns, st_size, st_ino)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # ---- reading ----------------------------------------------------------------

    def read(self) -> Snapshot:
        """Read every tab; retried when the file changes during the read (someone saving)."""
        for _ in range(_READ_ATTEMPTS):
            before = self._stat()
            try:
                tabs, meta = self._read_once()
            except WorkbookUnusable:
                if self._stat() != before:
                    continue  # caught half-saved: read again
                raise
            if self._stat() == before:
                return Snapshot(tabs=tabs, version=before, meta=meta)
        raise WorkbookUnusable(i18n.Text("xlsx.unstable", path=str(self.path)))

    def _stat(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise WorkbookUnusable(i18n.Text("xlsx.missing", path=str(self.path))) from None
        except OSError as exc:
            raise WorkbookUnusable(i18n.Text("xlsx.no_access", path=str(self.path), error=exc.strerror)) from exc
        return (st.st_mtime_ns, st.st_size, st.st_ino)   # ino: Excel saves by rename

    def _read_once(self) -> tuple[dict[str, list[list[RawValue]]], dict]:
        try:
            with self._open_zip() as zf:
                parts = sheet_parts(zf)
                source = _errors_as_text(zf, parts.values())
                styles = percent_styles(zf, styles_part(zf))
                percents = {tab: percent_texts(zf, part, styles) for tab, part in parts.items()} if styles else {}
        except (zipfile.BadZipFile, ET.ParseError, KeyError, EOFError, zlib.error) as exc:  # damaged inside
            raise self._unusable(exc) from exc
        try:
            with CalamineWorkbook.from_filelike(source) if source else CalamineWorkbook.from_path(self.path) as wb:
                tabs = {sheet.name: (_grid(wb.get_sheet_by_name(sheet.name))
                                     if sheet.typ == SheetTypeEnum.WorkSheet else [])
                        for sheet in wb.sheets_metadata}
            for tab, cells in percents.items():
                if cells and tab in tabs:
                    apply_percent_texts(tabs[tab], cells)
        except CalamineError as exc:
            raise self._unusable(exc) from exc
        except BaseException as exc:
            # a Rust panic inside calamine arrives as PanicException (a BaseException)
            if type(exc).__name__ != "PanicException":
                raise
            raise self._unusable(exc) from exc
        return tabs, {"parts": parts}

    def _open_zip(self) -> zipfile.ZipFile:
        try:
            with open(self.path, "rb") as f:
                if f.read(8) == _OLE_MAGIC:
                    raise WorkbookUnusable(i18n.Text("xlsx.protected", path=str(self.path)))
            return zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise WorkbookUnusable(i18n.Text("xlsx.missing", path=str(self.path))) from None
        except PermissionError as exc:
            raise WorkbookUnusable(i18n.Text("xlsx.no_access", path=str(self.path), error=exc.strerror)) from exc
        except (OSError, zipfile.BadZipFile) as exc:
            raise self._unusable(exc) from exc

    def _unusable(self, exc: Exception) -> WorkbookUnusable:
        return WorkbookUnusable(i18n.Text("xlsx.not_xlsx", path=str(self.path), error=str(exc) or type(exc).__name__))

    # ---- writing ----------------------------------------------------------------

    def digest(self) -> str | None:
        """A cheap fingerprint of the whole workbook (its bytes), or None if unreadable.
        Equal digests mean an equal snapshot: a pass can be skipped."""
        h = hashlib.sha256()
        try:
            with open(self.path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return None
        return h.hexdigest()

    def busy(self) -> i18n.Text | None:
        for lock in lock_files(self.path):
            if lock.exists():
                return i18n.Text("xlsx.busy", path=str(self.path), lock=lock.name)
        return None

    def write(self, since: Snapshot, writes: list[CellWrite], guards: list[RowGuard] = ()) -> int:
        """Patch the cells into a copy of the file, then swap it in; all or nothing."""
        if not writes:
            return 0
        cells = _cells_by_tab(since, writes)
        self._check_unchanged(since)
        for guard in guards:
            self._check_guard(since, guard)
        tmp = self._write_patched_copy(cells)
        checkpoint("mid_save")            # crash tests: the new copy written, the workbook not yet replaced
        try:
            self._check_unchanged(since)  # again: the copy took a while
            os.replace(tmp, self.path)
        except PermissionError as exc:  # Windows: the file is open elsewhere
            raise WorkbookBusy(i18n.Text("xlsx.replace_failed", path=str(self.path), error=exc.strerror)) from exc
        finally:
            if tmp.exists():
                tmp.unlink()
        _fsync_dir(self.path.parent)
        return sum(len(tab_cells) for tab_cells in cells.values())

    def _check_unchanged(self, since: Snapshot) -> None:
        text = self.busy()
        if text is not None:
            raise WorkbookBusy(text)
        try:
            current = self._stat()
        except WorkbookUnusable as exc:
            raise WorkbookChanged(exc.text) from exc
        if current != since.version:
            raise WorkbookChanged(i18n.Text("xlsx.changed", path=str(self.path)))

    def _check_guard(self, since: Snapshot, guard: RowGuard) -> None:
        grid = since.tabs.get(guard.tab, [])
        row = grid[guard.row - 1] if 0 < guard.row <= len(grid) else []
        value = row[guard.col - 1] if 0 < guard.col <= len(row) else None
        if not _same_ref(value, guard.expected):
            raise WorkbookChanged(i18n.Text("xlsx.guard", path=str(self.path), tab=guard.tab, row=guard.row,
                                            col=guard.col, expected=i18n.Found(guard.expected or "")))

    def _write_patched_copy(self, cells: dict[str, dict[tuple[int, int], object]]) -> Path:
        """A complete new workbook beside the original, flushed to disk; returns its path."""
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        tmp = Path(name)
        try:
            with open(fd, "wb") as out, self._open_zip() as src:
                write_patched_package(src, out, cells)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, stat.S_IMODE(os.stat(self.path).st_mode))
        except WorkbookUnusable as exc:  # vanished or replaced while we copied it
            tmp.unlink()
            raise WorkbookChanged(exc.text) from exc
        except BaseException:
            tmp.unlink()
            raise
        return tmp


# ---- helpers -----------------------------------------------------------------------

def _errors_as_text(zf: zipfile.ZipFile, parts) -> io.BytesIO | None:
    """An in-memory copy where error cells (t="e") are typed as formula text (t="str").

    calamine turns error cells into "" and refuses errors it does not know
    (#SPILL!, #CALC!, ...); as text they arrive as "#N/A" etc.  None when the
    workbook has no error cells, which is the usual case."""
    with_errors = [part for part in parts if _has_error_marker(zf, part)]
    if not with_errors:
        return None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in zf.infolist():
            if info.filename in with_errors:  # a throwaway copy: not worth compressing
                dst.writestr(fresh_info(info), _retype_errors(zf.read(info)), zipfile.ZIP_STORED)
            else:
                copy_entry(zf, info, dst)
    buf.seek(0)
    return buf


def _retype_errors(xml: bytes) -> bytes:
    """t="e" -> t="str" on <c> tags, found with plain byte search (fast on big sheets)."""
    out, last = [], 0
    for marker in sorted(_find_all(xml, b't="e"') + _find_all(xml, b"t='e'")):
        tag = xml.rfind(b"<", 0, marker)
        if xml[marker - 1:marker].isspace() and _CELL_OPEN.match(xml[tag:marker]):
            out += [xml[last:marker + 2], xml[marker + 2:marker + 3], b"str"]  # keep the quote style
            last = marker + 4
    return b"".join(out) + xml[last:]


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def _has_error_marker(zf: zipfile.ZipFile, part: str) -> bool:
    """Cheap streaming check for t="e" so sheets without errors are not rewritten."""
    tail = b""
    with zf.open(part) as f:
        while chunk := f.read(1 << 22):
            window = tail + chunk
            if b't="e"' in window or b"t='e'" in window:
                return True
            tail = window[-5:]
    return False


def _grid(sheet) -> list[list[RawValue]]:
    """Rows from sheet row 1 / column A, "" as None, trailing empties trimmed."""
    start = sheet.start
    if start is None:
        return []
    pad = [None] * start[1]
    grid: list[list[RawValue]] = [[] for _ in range(start[0])]
    for row in sheet.to_python():
        if "" in row:
            row = [None if v == "" else v for v in row]
        if _dt.timedelta in set(map(type, row)):  # durations ([h]:mm) stay the number they are stored as
            row = [v.total_seconds() / 86400 if isinstance(v, _dt.timedelta) else v for v in row]
        while row and row[-1] is None:
            row.pop()
        grid.append(pad + row if row else [])
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _cells_by_tab(since: Snapshot, writes: list[CellWrite]) -> dict[str, dict[tuple[int, int], object]]:
    """Group writes per tab; the last write to a cell wins.  Bad coordinates are a caller bug."""
    cells: dict[str, dict[tuple[int, int], object]] = {}
    for w in writes:
        if w.tab not in since.tabs:
            raise ValueError(f"write to unknown tab {w.tab!r}")
        if not (1 <= w.row <= MAX_ROW and 1 <= w.col <= MAX_COL):
            raise ValueError(f"cell row {w.row} col {w.col} is outside a worksheet")
        if not isinstance(w.value, (type(None), str, bool, int, Decimal, float)):
            raise TypeError(f"cannot write a {type(w.value).__name__} to a cell")
        if isinstance(w.value, (Decimal, float)):
            number_text(w.value)  # raises for NaN / infinity before anything is touched
        cells.setdefault(w.tab, {})[(w.row, w.col)] = w.value
    return cells


def _same_ref(value: RawValue, expected: str | None) -> bool:
    """A Ref ID typed as a number (123.0) still matches "123"."""
    if expected is None or value is None:
        return value is None and expected is None
    if isinstance(value, float) and value.is_integer():
        return expected in (str(int(value)), repr(value))
    return value == expected if isinstance(value, str) else str(value) == expected


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable on POSIX.  Best effort: the new file is already in
    place, and some network filesystems refuse to fsync a folder (Windows cannot open one)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        return  # durability of the rename is up to the filesystem here; the data file itself was fsynced
