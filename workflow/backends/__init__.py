"""Workbook backends behind one small interface (see base.py)."""
from __future__ import annotations


def open_backend(cfg):
    """The backend the config names."""
    if cfg.backend == "xlsx":
        from .xlsx import XlsxBackend
        return XlsxBackend(cfg.workbook_path)
    raise NotImplementedError(f"workbook backend {cfg.backend!r} is not available in this version")
