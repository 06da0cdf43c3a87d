"""Workbook backends behind one small interface (see base.py)."""
from __future__ import annotations


def open_backend(cfg, **options):
    """The backend the config names.  `options` tune the Google Sheets client
    (timeout, tries, sleep, rand, max_age); the .xlsx backend takes none."""
    if cfg.backend == "xlsx":
        from .xlsx import XlsxBackend
        return XlsxBackend(cfg.workbook_path)
    if cfg.backend == "gsheets":
        from .gsheets import GSheetsBackend
        return GSheetsBackend.from_config(cfg, **options)
    raise NotImplementedError(f"workbook backend {cfg.backend!r} is not available in this version")
