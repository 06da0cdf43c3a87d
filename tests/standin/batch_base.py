"""What every spreadsheets:batchUpdate request handler shares: the request context (which request
of the batch, who calls), GridRange resolution, null-stripping and FieldMask parsing."""
from __future__ import annotations

from .a1 import exceeds
from .errors import ApiError, bad_request

CONDITIONS = set("""NUMBER_GREATER NUMBER_GREATER_THAN_EQ NUMBER_LESS NUMBER_LESS_THAN_EQ NUMBER_EQ NUMBER_NOT_EQ
NUMBER_BETWEEN NUMBER_NOT_BETWEEN TEXT_CONTAINS TEXT_NOT_CONTAINS TEXT_STARTS_WITH TEXT_ENDS_WITH TEXT_EQ
TEXT_IS_EMAIL TEXT_IS_URL DATE_EQ DATE_BEFORE DATE_AFTER DATE_ON_OR_BEFORE DATE_ON_OR_AFTER DATE_BETWEEN
DATE_NOT_BETWEEN DATE_IS_VALID ONE_OF_RANGE ONE_OF_LIST BLANK NOT_BLANK CUSTOM_FORMULA BOOLEAN TEXT_NOT_EQ
DATE_NOT_EQ FILTER_EXPRESSION""".split())


class Ctx:
    def __init__(self, book, index: int, kind: str, caller: str):
        self.book, self.index, self.kind, self.caller = book, index, kind, caller

    def fail(self, message: str) -> ApiError:
        return bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def tab(self, sheet_id):
        tab = self.book.tab_by_id(sheet_id or 0)
        if tab is None:
            raise self.fail(f"No grid with id: {sheet_id or 0}")
        return tab

    def span(self, grid: dict | None):
        """(tab, [r0, r1, c0, c1]) of a GridRange; None marks an open side."""
        grid = grid or {}
        tab = self.tab(grid.get("sheetId"))
        r0, c0 = grid.get("startRowIndex") or 0, grid.get("startColumnIndex") or 0
        r1, c1 = grid.get("endRowIndex"), grid.get("endColumnIndex")
        rr1 = tab.row_count if r1 is None else r1
        cc1 = tab.col_count if c1 is None else c1
        if r0 >= tab.row_count or c0 >= tab.col_count or rr1 > tab.row_count or cc1 > tab.col_count:
            raise exceeds(tab, r0, max(rr1, r0 + 1), c0, max(cc1, c0 + 1),
                          f"Invalid requests[{self.index}].{self.kind}: ")
        return tab, [r0, r1, c0, c1]


def clean(d):
    """Drop JSON nulls, as protobuf parsing does."""
    if isinstance(d, dict):
        return {k: clean(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [clean(v) for v in d]
    return d


def mask(ctx: Ctx, fields: str | None, given: dict) -> set[str]:
    """Field paths named by a FieldMask string; "*" means every field present in `given`."""
    if not fields:
        raise ctx.fail("At least one field must be specified in 'fields'.")
    out = set()
    for part in fields.split(","):
        part = part.strip().replace("/", ".")
        if part == "*":
            out |= set(paths(given))
        elif part:
            out.add(part)
    if "gridProperties" in out:
        out.discard("gridProperties")
        out |= {"gridProperties." + k for k in (given.get("gridProperties") or {})}
    return out


def paths(d: dict, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict) and k == "gridProperties":
            yield from paths(v, prefix + k + ".")
        else:
            yield prefix + k
