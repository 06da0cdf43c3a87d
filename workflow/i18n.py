"""Every text a person reads, in Chinese and English.

A text is built as a `Text` (a message key and its parameters) and rendered in
the workbook's language only at the edge, so the core never formats prose.
Each module registers its own messages with `register()`; keys are dotted by
module (`cell.amount_bad`, `rule.rate_bad`, ...).

Message templates use `str.format` fields.  A parameter may itself be a
`Text` or a `Bilingual` pair; it is rendered in the same language.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_CATALOGUE: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add messages: {key: {"en": ..., "zh": ...}}. Both languages are required."""
    for key, texts in messages.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"message {key!r} lacks {missing}")
        if key in _CATALOGUE and _CATALOGUE[key] != dict(texts):
            raise ValueError(f"message {key!r} registered twice with different texts")
        _CATALOGUE[key] = dict(texts)


def known(key: str) -> bool:
    return key in _CATALOGUE


@dataclass(frozen=True)
class Bilingual:
    """A fixed pair of words, e.g. a column name: Bilingual('Deal amount', '成交金额')."""

    en: str
    zh: str

    def render(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Text:
    """A message key with parameters; rendered in a language on demand."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params

    def render(self, lang: str, names: Mapping | None = None) -> str:
        """`names`: Bilingual label → the text to show instead (a column's
        header as the workbook spells it)."""
        texts = _CATALOGUE.get(self.key)
        if texts is None:
            raise KeyError(f"no message registered for {self.key!r}")
        template = texts.get(lang) or texts[DEFAULT_LANGUAGE]
        values = {k: render(v, lang, names) for k, v in self.params.items()}
        return template.format(**values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.key == self.key and other.params == self.params

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Text({self.key!r}{', ' if args else ''}{args})"


def render(value: Any, lang: str, names: Mapping | None = None) -> str:
    """Render a Text, a Bilingual, a list of them, or a plain value; `names`
    as for Text.render."""
    if names:
        if value.__class__ is Bilingual:
            named = names.get(value)
            if named is not None:
                return named
        elif value.__class__ is Text:
            return value.render(lang, names)
    if isinstance(value, (Text, Bilingual, Found)) or hasattr(value, "render"):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(render(v, lang, names) for v in value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        from .cells import format_amount   # cells imports this module
        return format_amount(value)
    return str(value)


def quote(value: Any, lang: str = "en") -> str:
    """A value as found in a cell, quoted for a problem text and kept short
    (a whole number read as 7.0 shows as the 7 typed)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    s = str(value)
    if len(s) > 40:
        s = s[:37] + "..."
    return f"“{s}”" if lang == "zh" else f'"{s}"'


class Found:
    """A cell value as found, quoted in the right style for the language."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def render(self, lang: str) -> str:
        return quote(self.value, lang)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Found) and other.value == self.value

    def __repr__(self) -> str:
        return f"Found({self.value!r})"
