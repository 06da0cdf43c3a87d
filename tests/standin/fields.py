"""The `fields` query parameter (a FieldMask in Google's partial-response syntax), applied loosely:
`sheets.properties,spreadsheetId`, `sheets(properties(title,sheetId),protectedRanges)`,
`sheets/properties/title`. Anything it cannot parse leaves the response whole.
"""
from __future__ import annotations


def parse(text: str) -> dict | None:
    """{"sheets": {"properties": {"title": None}}}; None means everything."""
    pos = 0

    def items() -> dict:
        nonlocal pos
        tree: dict = {}
        while True:
            path = []
            while True:
                start = pos
                while pos < len(text) and text[pos] not in ",()./":
                    pos += 1
                path.append(text[start:pos].strip())
                if pos < len(text) and text[pos] in "./":
                    pos += 1
                    continue
                break
            sub = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = items()
                if pos >= len(text) or text[pos] != ")":
                    raise ValueError(text)
                pos += 1
            node = tree
            for name in path[:-1]:
                node = node.setdefault(name, {}) if node.get(name, {}) is not None else {}
            last = path[-1]
            if last == "*":
                return {}
            node[last] = merge(node[last], sub) if last in node else sub
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return tree

    try:
        tree = items()
        if pos != len(text):
            return None
        return tree or None
    except (ValueError, AttributeError, IndexError):
        return None


def merge(a, b):
    if a is None or b is None:
        return None
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return out


def select(obj, tree):
    if tree is None:
        return obj
    if isinstance(obj, list):
        return [select(x, tree) for x in obj]
    if isinstance(obj, dict):
        return {k: select(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj
