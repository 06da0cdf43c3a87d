"""Jinja templates → the subject, plain text and HTML of one message.

Templates live in `templates/` as `<kind>.<lang>.subject.txt`, `<kind>.<lang>.txt`
and `<kind>.<lang>.html`; an administrator edits them without code and an edit
shows up on the next message (templates reload when their file changes).

The environment is sandboxed (templates cannot reach Python internals),
autoescapes HTML (never plain text), and is strict: a name the worker does not
provide is an error, not an empty string.  A kind whose templates fail to
load, compile or render with the sample contexts (workflow/render_samples.py)
is reported by `problems()` with file and line, and `render()` refuses it with
`TemplateProblem`, which stops that kind of mail and nothing else.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import FileSystemLoader, StrictUndefined, meta, pass_context, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from . import i18n
from .cells import format_amount
from .i18n import Bilingual, Text
from .render_format import (clean_header, format_date, format_money, format_month, mask_name, mask_phone,
                            parse_address)
from .render_message import build_message
from .render_samples import KINDS, samples

LANGS = i18n.LANGUAGES
PARTS = ("subject.txt", "txt", "html")

_WHAT_NEXT_EN = "correct the template, then run check again; until then this kind of mail waits"
_WHAT_NEXT_ZH = "请修改模板后再运行 check；改好之前这类邮件暂不发送"
i18n.register({
    "render.missing": {
        "en": "{where}: this template is missing — put the file back (the project's templates folder has the "
              "original); until then this kind of mail waits",
        "zh": "{where}：模板文件不存在 — 请把文件放回（项目的 templates 文件夹里有原件）；放回之前这类邮件暂不发送"},
    "render.missing_ref": {
        "en": "{where}: uses the template {missing}, which does not exist — create it or correct the name; "
              "until then this kind of mail waits",
        "zh": "{where}：引用的模板 {missing} 不存在 — 请补上该文件或改正名称；改好之前这类邮件暂不发送"},
    "render.syntax": {
        "en": "{where}: the template cannot be read ({detail}) — " + _WHAT_NEXT_EN,
        "zh": "{where}：模板写法有误（{detail}）— " + _WHAT_NEXT_ZH},
    "render.unknown_filter": {
        "en": "{where}: there is no filter named {name} — use mask_name, mask_phone, money, date, month or a built-in "
              "Jinja filter; until then this kind of mail waits",
        "zh": "{where}：没有名为 {name} 的过滤器 — 请使用 mask_name、mask_phone、money、date、month 或 Jinja "
              "自带的过滤器；改好之前这类邮件暂不发送"},
    "render.undefined": {
        "en": "{where}: uses {name}, which this mail does not provide — check the spelling; the names "
              "available here are: {names}",
        "zh": "{where}：用到了 {name}，但这类邮件没有这个值 — 请检查拼写；这里可用的名称有：{names}"},
    "render.no_value": {
        "en": "{where}: a value is missing ({detail}) — check the spelling, or test for it first with "
              "{{% if ... %}}; templates/README.md lists every value",
        "zh": "{where}：缺少取值（{detail}）— 请检查拼写，或先用 {{% if ... %}} 判断；"
              "所有可用的值见 templates/README.md"},
    "render.unsafe": {
        "en": "{where}: the template reaches for something templates may not use ({detail}) — use only the "
              "values listed in templates/README.md",
        "zh": "{where}：模板访问了不允许使用的内容（{detail}）— 请只使用 templates/README.md 中列出的值"},
    "render.failed": {
        "en": "{where}: the template stopped with an error ({detail}) — " + _WHAT_NEXT_EN,
        "zh": "{where}：模板运行出错（{detail}）— " + _WHAT_NEXT_ZH},
})


class TemplateProblem(Exception):
    """A template that cannot be used; `.text` names the file and line and what to do."""

    def __init__(self, text: Text) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text.render("en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# Control and direction characters a sheet value may carry; tabs and line breaks stay.
_BODY_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _finalize(value: Any) -> Any:
    """What `{{ value }}` prints: None as nothing, amounts as plain decimals,
    text without control characters."""
    if value is None:
        return ""
    t = type(value)
    if t is str:
        if value.isprintable():
            return value
        return _BODY_CTRL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if t is Decimal:
        return format_amount(value)
    return value


def _rendered(subject: str, text: str, html: str) -> Rendered:
    return Rendered(clean_header(subject), text if text.endswith("\n") else text + "\n", html)


@dataclass
class _Check:
    stamp: tuple
    paths: tuple[str, ...]
    problems: list[Text]


class Renderer:
    """Renders the four kinds of mail in zh and en from `template_dir`."""

    def __init__(self, template_dir: Path, currency: str = "CNY") -> None:
        self.template_dir = Path(template_dir)
        self.currency = currency
        env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(str(self.template_dir), encoding="utf-8"),
            autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=False,
                                         default=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
            finalize=_finalize)
        env.filters.update(mask_name=mask_name, mask_phone=mask_phone, money=self._money, date=self._date,
                           month=self._month)
        self.env = env
        self._checked: dict[tuple[str, str], _Check] = {}

    # ------------------------------------------------------------ filters
    @pass_context
    def _money(self, context, amount, currency: str | None = None) -> str:
        return format_money(amount, currency or context.get("currency") or self.currency,
                            context.get("lang") or "zh")

    @pass_context
    def _date(self, context, value) -> str:
        return format_date(value, context.get("lang") or "zh")

    @pass_context
    def _month(self, context, value) -> str:
        return format_month(value, context.get("lang") or "zh")

    # ------------------------------------------------------------ public
    def render(self, kind: str, lang: str, ctx: dict) -> Rendered:
        """The three parts of one message.  Raises TemplateProblem when the
        kind's templates in that language cannot be used."""
        ctx = self._context(kind, lang, ctx)
        return _rendered(*(self._render_part(self._name(kind, lang, part), ctx) for part in PARTS))

    def render_steps(self, kind: str, lang: str, ctx: dict, pieces: int = 8):
        """`render` in small steps: a generator that pauses after every `pieces`
        pieces of template output and returns the Rendered (StopIteration.value),
        so a sender can prepare a message in the short waits of an SMTP exchange."""
        ctx = self._context(kind, lang, ctx)
        parts = []
        for part in PARTS:
            name = self._name(kind, lang, part)
            out: list[str] = []
            try:
                for i, piece in enumerate(self.env.get_template(name).generate(ctx), 1):
                    out.append(piece)
                    if i % pieces == 0:
                        yield
            except Exception as e:   # as _render_part: a TemplateProblem naming the file and line
                raise TemplateProblem(self._explain(e, name, ctx)) from e
            parts.append("".join(out))
            yield
        return _rendered(*parts)

    def _context(self, kind: str, lang: str, ctx: dict) -> dict:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of mail: {kind!r}")
        if lang not in LANGS:
            raise ValueError(f"unknown language: {lang!r}")
        problems = self._check(kind, lang)
        if problems:
            raise TemplateProblem(problems[0])
        return {"currency": self.currency, **ctx, "lang": lang}

    def problems(self) -> list[Text]:
        """Every template that is missing or fails to load, compile or render
        with the sample contexts, each with file, line and what to do."""
        seen: dict[Text, None] = {}
        for kind in KINDS:
            for lang in LANGS:
                for p in self._check(kind, lang):
                    seen.setdefault(p)
        return list(seen)

    # ------------------------------------------------------------ checking
    @staticmethod
    def _name(kind: str, lang: str, part: str) -> str:
        return f"{kind}.{lang}.{part}"

    @staticmethod
    def _stamp(paths: tuple[str, ...]) -> tuple:
        out = []
        for path in paths:
            try:
                st = os.stat(path)
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def _check(self, kind: str, lang: str) -> list[Text]:
        key = (kind, lang)
        done = self._checked.get(key)
        if done is not None:
            if done.stamp == self._stamp(done.paths):
                return done.problems
            self.env.cache.clear()   # a file changed: every template is read again from disk
        files: dict[str, object] = {}   # template name → its file's stamp, taken before reading it
        problems: list[Text] = []
        names = [self._name(kind, lang, part) for part in PARTS]
        usable = [name for name in names if self._collect(name, files, problems)]
        for name in usable:
            for ctx in samples(kind, lang):
                try:
                    self._render_part(name, ctx)
                except TemplateProblem as e:
                    if e.text not in problems:
                        problems.append(e.text)
                    break
        paths = tuple(self._path(name) for name in files)
        self._checked[key] = _Check(tuple(files.values()), paths, problems)
        return problems

    def _path(self, name: str) -> str:
        return os.path.join(self.template_dir, name)

    def _collect(self, name: str, files: dict[str, object], problems: list[Text],
                 referrer: str | None = None) -> bool:
        """Load and compile `name` and every template it extends or includes;
        False (with the problem added) when one cannot be used."""
        if name in files:
            return True
        files[name] = self._stamp((self._path(name),))[0]
        try:
            source, _, _ = self.env.loader.get_source(self.env, name)
            refs = [r for r in meta.find_referenced_templates(self.env.parse(source)) if isinstance(r, str)]
            self.env.get_template(name)
        except Exception as e:   # every failure becomes a reported problem
            text = self._explain(e, referrer or name)
            if text not in problems:
                problems.append(text)
            return False
        return all([self._collect(r, files, problems, name) for r in refs])

    def _render_part(self, name: str, ctx: dict) -> str:
        try:
            return self.env.get_template(name).render(ctx)
        except Exception as e:   # every failure becomes a TemplateProblem naming the file and line
            raise TemplateProblem(self._explain(e, name, ctx)) from e

    # ------------------------------------------------------------ explaining
    def _where(self, name: str | None, line: int | None) -> Bilingual:
        path = str(self.template_dir / name) if name else str(self.template_dir)
        if line:
            return Bilingual(f"{path}, line {line}", f"{path} 第 {line} 行")
        return Bilingual(path, path)

    def _template_frame(self, e: BaseException) -> tuple[str | None, int | None]:
        """The innermost template file and line in the traceback of a render error."""
        root = str(self.template_dir.resolve())
        found: tuple[str | None, int | None] = (None, None)
        tb = e.__traceback__
        while tb is not None:
            fn = tb.tb_frame.f_code.co_filename
            if fn.startswith(root) or fn.startswith(str(self.template_dir)):
                found = (os.path.relpath(fn, root) if os.path.isabs(fn) else fn, tb.tb_lineno)
            tb = tb.tb_next
        return found

    def _explain(self, e: BaseException, name: str, ctx: dict | None = None) -> Text:
        if isinstance(e, jinja2.TemplateNotFound):
            if e.name == name:
                return Text("render.missing", where=self._where(name, None))
            file, line = self._template_frame(e)
            return Text("render.missing_ref", where=self._where(file or name, line), missing=e.name)
        if isinstance(e, jinja2.TemplateSyntaxError):
            file = e.name or name
            m = re.match(r"No (?:filter|test) named '([^']+)'", e.message or "")
            if m and "filter" in (e.message or ""):
                return Text("render.unknown_filter", where=self._where(file, e.lineno), name=m.group(1))
            return Text("render.syntax", where=self._where(file, e.lineno), detail=e.message or str(e))
        file, line = self._template_frame(e)
        where = self._where(file or name, line)
        if isinstance(e, SecurityError):
            return Text("render.unsafe", where=where, detail=str(e))
        if isinstance(e, jinja2.UndefinedError):
            m = re.fullmatch(r"'([^']+)' is undefined", str(e))
            if m and ctx is not None:
                return Text("render.undefined", where=where, name=m.group(1), names=", ".join(sorted(ctx)))
            return Text("render.no_value", where=where, detail=str(e))
        m = re.match(r"No filter named '([^']+)'", str(e)) if isinstance(e, jinja2.TemplateError) else None
        if m:   # a filter inside {% if %} is looked up only when the line runs
            return Text("render.unknown_filter", where=where, name=m.group(1))
        return Text("render.failed", where=where, detail=f"{type(e).__name__}: {e}")


__all__ = ["Renderer", "Rendered", "TemplateProblem", "build_message", "clean_header", "parse_address",
           "mask_name", "mask_phone", "format_money", "format_date", "format_month", "KINDS", "LANGS", "PARTS"]
