"""Templates → messages: every kind and language renders from the real templates/
folder; sheet values are escaped in HTML and masked where they belong to other
people; amounts are exact; messages parse back with the standard email package
and no sheet value can add a header; broken templates are reported with file
and line; an administrator's edit shows up without code changes.

Golden files: the zh and en statement (late lines, a clawback, an adjustment,
YTD, a pending line) are compared byte for byte with tests/golden/.  After an
intended wording change, rewrite them with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_render.py

and read the diff before committing.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from notice_samples import (AMP, INJECT, KINDS, LANGS, OTHERS, RECIPIENT, SCRIPT, hostile, sample,
                            sparse)
from workflow.render import (Rendered, Renderer, TemplateProblem, build_message, clean_header,
                             format_date, format_money, format_month, mask_name, mask_phone,
                             parse_address)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ALL = [(k, lang) for k in KINDS for lang in LANGS]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


@pytest.fixture
def own_templates(tmp_path) -> Path:
    """A copy of the shipped templates an administrator may edit."""
    return Path(shutil.copytree(TEMPLATES, tmp_path / "templates"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- every kind renders
def test_shipped_templates_have_no_problems(renderer):
    assert renderer.problems() == []


@pytest.mark.parametrize("kind,lang", ALL)
def test_every_kind_and_language_renders_full_and_sparse(renderer, kind, lang):
    for ctx in (sample(kind, lang), sparse(kind, lang)):
        r = renderer.render(kind, lang, ctx)
        assert r.subject and "\n" not in r.subject and r.subject == r.subject.strip()
        assert r.text.endswith("\n") and not r.text.endswith("\n\n\n")
        assert r.html.startswith("<!DOCTYPE html>") and r.html.rstrip().endswith("</html>")
        assert ctx[RECIPIENT[kind]] in r.text and ctx[RECIPIENT[kind]] in r.html
        assert ctx["sender_name"] in r.text
        assert "None" not in r.text and "None" not in r.html
        assert ("您好" in r.text) == (lang == "zh") and ("Dear" in r.text) == (lang == "en")


@pytest.mark.parametrize("kind,lang", ALL)
def test_html_escapes_sheet_values_and_text_keeps_them(renderer, kind, lang):
    r = renderer.render(kind, lang, hostile(kind, lang))
    assert "<script>" not in r.html and "<b>" not in r.html.split("</style>")[1]
    assert f"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Tom &amp; Jerry" in r.html   # the recipient
    assert f"{SCRIPT} {AMP}" in r.text                                                    # verbatim
    if kind in ("reward_notice", "welcome_notice", "reward_update", "welcome_update"):   # programme, reference
        assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in r.html and f"<b>{AMP}</b>" in r.text
        assert "R-<1>&" in r.subject and "R-&lt;1&gt;&amp;" in r.html   # subjects are plain text, not escaped


@pytest.mark.parametrize("kind,lang", ALL)
def test_other_peoples_names_and_phones_are_masked_in_both_parts(renderer, kind, lang):
    r = renderer.render(kind, lang, sample(kind, lang))
    expect = OTHERS[(kind, lang)]
    for part in (r.subject, r.text, r.html):
        for secret in expect["names"] + expect.get("phones", []):
            assert secret not in part
    for part in (r.text, r.html):
        for shown in expect["masked"] + expect.get("masked_phones", []):
            assert shown in part


def test_amounts_are_exact_in_both_parts(renderer):
    for lang in LANGS:
        notice = renderer.render("reward_notice", lang, sample("reward_notice", lang))
        statement = renderer.render("statement", lang, sample("statement", lang))
        digest = renderer.render("digest", lang, sample("digest", lang))
        for part in (notice.text, notice.html):
            assert "¥500.00" in part
        for part in (statement.text, statement.html):
            for amount in ("¥300.00", "¥150.50", "-¥80.00", "¥20.00", "¥690.50", "¥8,240.50"):
                assert amount in part
        for part in (digest.text, digest.html):
            assert "¥2,000.00" in part and "¥500.00" in part


def test_statement_has_its_three_sections_totals_and_pending_in_order(renderer):
    zh = renderer.render("statement", "zh", sample("statement", "zh")).text
    order = ["【本月提成】", "R-000123", "【以前月份补计】", "2026年9月的业绩", "【扣回与调整】",
             "-¥80.00｜扣回，原因：客户退款（原属2026年9月）", "调整，原因：金额更正", "本月合计：¥690.50",
             "本年累计：¥8,240.50", "【尚未发放，仅供参考】", "等待全款到账", "请联系李静（grace.li@example.com）"]
    assert [zh.index(s) for s in order] == sorted(zh.index(s) for s in order)
    en = renderer.render("statement", "en", sample("statement", "en")).text
    order = ["THIS MONTH", "LATE LINES FROM EARLIER MONTHS", "for September 2026", "CLAWBACKS AND ADJUSTMENTS",
             "clawback: Customer refund (from September 2026)", "This month: ¥690.50", "Year to date: ¥8,240.50",
             "NOT PAYABLE YET (for information)", "Waiting for payment in full"]
    assert [en.index(s) for s in order] == sorted(en.index(s) for s in order)


def test_empty_lists_are_said_plainly_without_empty_tables(renderer):
    s = renderer.render("statement", "zh", sparse("statement", "zh"))
    assert "本月没有新的提成。" in s.text and "本月没有新的提成。" in s.html
    assert "补计" not in s.text and "扣回" not in s.text and "尚未发放" not in s.text
    assert s.html.count("<table>") == 1   # the totals only
    d = renderer.render("digest", "en", sparse("digest", "en"))
    assert "Nothing is waiting for your approval." in d.text and "Nothing needs fixing." in d.html
    assert "<table>" not in d.html and "nothing waiting for you" in d.subject
    n = renderer.render("reward_notice", "zh", sparse("reward_notice", "zh"))
    assert "奖励可以领取时，我们会再通知您。" in n.text and "请联系" not in n.text


# ---------------------------------------------------------------- filters
@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("Ann Lee", "A** L**"),
                                         ("张", "*"), ("  Bo  ", "B*"), ("", ""), (None, "")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("phone,masked", [("13800138000", "138****8000"), ("+86 138-0013-8000", "138****8000"),
                                          (13800138000, "138****8000"), ("01012345678", "*******5678"),
                                          ("+1 415 555 0100", "*******0100"), ("1234", "****"), ("", ""),
                                          (None, "")])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("amount,currency,lang,shown", [
    ("1234.5", "CNY", "zh", "¥1,234.50"), ("1234.5", "CNY", "en", "¥1,234.50"), ("-50", "CNY", "zh", "-¥50.00"),
    ("1234567.891", "CNY", "en", "¥1,234,567.891"), ("-0.00", "CNY", "en", "¥0.00"), ("0", "usd", "en", "USD 0.00"),
    ("-1234.5", "USD", "zh", "-USD 1,234.50"), ("1000", "JPY", "en", "JPY 1,000"), ("0.1", "EUR", "en", "EUR 0.10")])
def test_format_money_is_exact(amount, currency, lang, shown):
    assert format_money(Decimal(amount), currency, lang) == shown


def test_format_money_refuses_floats():
    with pytest.raises(TypeError):
        format_money(0.1, "CNY", "en")
    assert format_money(None, "CNY", "en") == "" and format_money(3, "CNY", "en") == "¥3.00"


def test_dates_and_months_in_each_language():
    assert format_date(dt.date(2026, 1, 5), "zh") == "2026年1月5日"
    assert format_date(dt.datetime(2026, 11, 20, 23, 59), "en") == "2026-11-20"
    assert format_date(None, "en") == ""
    assert format_month("2026-09", "zh") == "2026年9月" and format_month("2026-09", "en") == "September 2026"
    assert format_month("soon", "en") == "soon"


# ---------------------------------------------------------------- headers and addresses
@pytest.mark.parametrize("bad", ["\r", "\n", "\r\n", "\x00", "\x1b", "\x1f", "\x7f", "\x85", "\u2028", "\u2029",
                                 "\t", "\x0b", "\x0c", "\u202e", "\ufeff"])
def test_clean_header_leaves_one_plain_line(bad):
    got = clean_header(f"  Refund{bad}{bad}Bcc: evil@x  ")
    assert got in ("Refund Bcc: evil@x", "RefundBcc: evil@x")
    assert got.isprintable()


def test_clean_header_values():
    assert clean_header(None) == "" and clean_header(42) == "42"
    assert clean_header("张三\r\n  李四") == "张三 李四"


@pytest.mark.parametrize("cell,addr", [
    ("zs@example.com", "zs@example.com"), ("  Zs@Example.COM ", "Zs@example.com"),
    ("张三 <zs@example.com>", "zs@example.com"), ("mailto:zs@example.com", "zs@example.com"),
    ("zs@例子.中国", "zs@xn--fsqu00a.xn--fiqs8s"),
    ("zs@example.com\r\nBcc: evil@x", None), ("zs@example.com\n", None), ("a@x.com, b@x.com", None),
    ("a@x.com; b@x.com", None), ("a@x.com b@x.com", None), ("张三@example.com", None), ("zs", None),
    ("", None), (None, None), (12, None), ("a<b>@x.com", None), ("zs@example.com\x00", None)])
def test_parse_address(cell, addr):
    assert parse_address(cell) == addr


# ---------------------------------------------------------------- messages
def parse(msg) -> email.message.EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def test_message_is_text_then_html_utf8_and_parses_back(renderer):
    r = renderer.render("reward_notice", "zh", sample("reward_notice", "zh"))
    msg = build_message(r, sender="星河口腔 推荐奖励组 <rewards@example.com>", to=("王丽华", "wlh@example.com"),
                        message_id="reward_notice.R-000123@example.com", date=NOW,
                        headers={"X-Referral-Key": "reward_notice|R-000123"})
    back = parse(msg)
    assert back.get_content_type() == "multipart/alternative"
    parts = list(back.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert parts[0].get_content() == r.text and parts[1].get_content() == r.html
    assert "感谢您向我们推荐陈**（139****5678）" in parts[0].get_content()
    assert back["Subject"] == "您的推荐奖励已确认（R-000123）"
    assert back["To"].addresses[0].display_name == "王丽华"
    assert back["To"].addresses[0].addr_spec == "wlh@example.com"
    assert back["From"].addresses[0].display_name == "星河口腔 推荐奖励组"
    assert back["Message-ID"] == "<reward_notice.R-000123@example.com>"
    assert back["Date"].datetime == NOW and back["X-Referral-Key"] == "reward_notice|R-000123"
    assert msg.get_body(("plain",)).get_content() == r.text   # the object works before serialising too


def test_the_same_message_gives_the_same_bytes(renderer):
    r = renderer.render("statement", "en", sample("statement", "en"))
    one, two = (build_message(r, sender="Desk <d@example.com>", to="m@example.com", message_id="<k@example.com>",
                              date=NOW).as_bytes() for _ in range(2))
    assert one == two


def test_sheet_values_cannot_add_headers(renderer):
    ctx = sample("statement", "en")
    ctx["staff"] = INJECT
    ctx["period_label"] = "October 2026\r\nBcc: evil2@x\x00"
    r = renderer.render("statement", "en", ctx)
    assert "\n" not in r.subject and "\r" not in r.subject
    msg = build_message(r, sender="Desk <d@example.com>\r\nCc: evil3@x", to=(INJECT, "m@example.com"),
                        message_id="<k@example.com>\r\nBcc: evil4@x", date=NOW,
                        headers={"X-Referral-Key": "statement|x\r\nBcc: evil5@x"})
    raw = msg.as_bytes()
    assert b"\nBcc:" not in raw and b"\nCc:" not in raw and b"\x00" not in raw
    back = parse(msg)
    assert back["Bcc"] is None and back["Cc"] is None
    assert back["Subject"] == "Your commission statement for October 2026 Bcc: evil2@x"
    assert [a.addr_spec for a in back["To"].addresses] == ["m@example.com"]
    assert [a.addr_spec for a in back["From"].addresses] == ["d@example.com"]
    assert "Dear X\nBcc: evil@x," in back.get_body(("plain",)).get_content()   # in the body it is only text


def test_an_unusable_address_is_refused_before_a_message_exists(renderer):
    r = Rendered("s", "t\n", "<p>h</p>")
    for bad in ("a@x.com, b@x.com", "a@x.com\r\nBcc: c@x.com", "nobody"):
        with pytest.raises(ValueError):
            build_message(r, sender="d@example.com", to=("A", bad), message_id="<k@x>", date=NOW)


# ---------------------------------------------------------------- broken templates
def problem_texts(r: Renderer) -> list[tuple[str, str]]:
    return [(p.render("en"), p.render("zh")) for p in r.problems()]


@pytest.mark.parametrize("file,old,new,line,says_en,says_zh", [
    ("reward_notice.en.txt", "{% if total_cash and lines", "{% if total_cash and and lines", 16, "cannot be read",
     "模板写法有误"),
    ("reward_notice.zh.html", "{{ referrer }}，您好！", "{{ referrer|shout }}，您好！", 4, "no filter named shout",
     "没有名为 shout 的过滤器"),
    ("welcome_notice.en.txt", "Reference: {{ ref_id }}", "{% if contact %}{{ ref_id|loud }}{% endif %}", 20,
     "no filter named loud", "没有名为 loud 的过滤器"),
    ("statement.zh.txt", "{{ staff }}，您好！", "{{ staf }}，您好！", 5, "uses staf, which this mail does not provide",
     "用到了 staf，但这类邮件没有这个值"),
    ("digest.en.html", "{{ f.problem }}", "{{ f.probelm }}", 35, "a value is missing", "缺少取值"),
    ("statement.en.html", "{{ staff }}", "{{ staff.__class__.__mro__ }}", 8, "may not use", "不允许使用"),
])
def test_a_broken_template_is_reported_with_file_and_line_and_stops_its_kind(own_templates, file, old, new, line,
                                                                             says_en, says_zh):
    edit(own_templates / file, old, new)
    r = Renderer(own_templates)
    texts = problem_texts(r)
    assert len(texts) == 1, texts
    en, zh = texts[0]
    path = str(own_templates / file)
    assert en.startswith(f"{path}, line {line}: ") and says_en in en and " — " in en
    assert zh.startswith(f"{path} 第 {line} 行：") and says_zh in zh and "— " in zh
    kind, lang = file.split(".")[:2]
    with pytest.raises(TemplateProblem) as caught:
        r.render(kind, lang, sample(kind, lang))
    assert caught.value.text.render("en") == en
    other = "digest" if kind != "digest" else "statement"
    assert r.render(other, lang, sample(other, lang)).text   # the other kinds still go out


def test_templates_cannot_change_the_values_they_are_given(own_templates):
    edit(own_templates / "digest.en.txt", "AWAITING YOUR APPROVAL", "{{ awaiting.clear() }}AWAITING YOUR APPROVAL")
    r = Renderer(own_templates)
    ctx = sample("digest", "en")
    with pytest.raises(TemplateProblem) as caught:
        r.render("digest", "en", ctx)
    assert "may not use" in str(caught.value) and len(ctx["awaiting"]) == 2


def test_a_missing_template_or_layout_is_reported(own_templates):
    (own_templates / "welcome_notice.zh.subject.txt").unlink()
    (own_templates / "_layout.en.html").unlink()
    r = Renderer(own_templates)
    en = [t for t, _ in problem_texts(r)]
    assert any(t.startswith(f"{own_templates / 'welcome_notice.zh.subject.txt'}: this template is missing — ")
               for t in en)
    assert any("uses the template _layout.en.html, which does not exist" in t for t in en)
    zh = [z for _, z in problem_texts(r)]
    assert any("模板文件不存在" in z for z in zh) and any("引用的模板 _layout.en.html 不存在" in z for z in zh)
    with pytest.raises(TemplateProblem):
        r.render("welcome_notice", "zh", sample("welcome_notice", "zh"))
    with pytest.raises(TemplateProblem):
        r.render("digest", "en", sample("digest", "en"))
    assert r.render("digest", "zh", sample("digest", "zh")).html


def test_a_value_the_worker_forgot_is_a_template_problem_not_a_crash(renderer):
    ctx = sample("reward_notice", "en")
    del ctx["payable_from"]
    with pytest.raises(TemplateProblem) as caught:
        renderer.render("reward_notice", "en", ctx)
    assert "uses payable_from" in str(caught.value) and "reward_notice.en." in str(caught.value)


def _steps(renderer, kind, lang, ctx, pieces=8):
    """Run render_steps to the end: (the Rendered, how many pauses it made)."""
    steps = renderer.render_steps(kind, lang, ctx, pieces)
    pauses = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value, pauses
        pauses += 1


@pytest.mark.parametrize("kind,lang", ALL)
def test_rendering_in_steps_gives_exactly_what_render_gives(renderer, kind, lang):
    # the sender renders in the SMTP waits, a few pieces at a time: the message must not differ
    for ctx in (sample(kind, lang), sparse(kind, lang), hostile(kind, lang)):
        whole = renderer.render(kind, lang, ctx)
        for pieces in (1, 8, 10_000):
            stepped, pauses = _steps(renderer, kind, lang, ctx, pieces)
            assert stepped == whole
            assert pauses >= 3                           # at least once after each part
        assert _steps(renderer, kind, lang, ctx, 1)[1] > _steps(renderer, kind, lang, ctx, 8)[1]


def test_rendering_in_steps_reports_a_broken_template_as_render_does(renderer):
    ctx = sample("reward_notice", "en")
    del ctx["payable_from"]
    with pytest.raises(TemplateProblem) as whole:
        renderer.render("reward_notice", "en", ctx)
    with pytest.raises(TemplateProblem) as stepped:
        _steps(renderer, "reward_notice", "en", ctx)
    assert stepped.value.text == whole.value.text


# ---------------------------------------------------------------- an administrator edits
def test_an_edit_shows_up_without_code_changes(own_templates):
    r = Renderer(own_templates)
    before = r.render("reward_notice", "zh", sample("reward_notice", "zh"))
    assert "欢迎到店" not in before.text
    edit(own_templates / "reward_notice.zh.txt", "再次感谢您的信任与推荐！", "再次感谢您的信任与推荐！欢迎到店坐坐。")
    edit(own_templates / "_layout.zh.html", "此邮件由", "这封邮件由")
    after = r.render("reward_notice", "zh", sample("reward_notice", "zh"))
    assert "再次感谢您的信任与推荐！欢迎到店坐坐。" in after.text
    assert "这封邮件由" in after.html and "这封邮件由" in r.render("digest", "zh", sample("digest", "zh")).html


def test_a_fixed_template_goes_out_again(own_templates):
    file = own_templates / "digest.zh.txt"
    good = file.read_text(encoding="utf-8")
    edit(file, "{% endfor %}", "{% endfo %}")
    r = Renderer(own_templates)
    assert len(r.problems()) == 1
    with pytest.raises(TemplateProblem):
        r.render("digest", "zh", sample("digest", "zh"))
    file.write_text(good, encoding="utf-8")
    assert r.problems() == []
    assert "【等您审批】" in r.render("digest", "zh", sample("digest", "zh")).text


# ---------------------------------------------------------------- golden statements
@pytest.mark.parametrize("lang", LANGS)
def test_statement_matches_golden_files(renderer, lang):
    r = renderer.render("statement", lang, sample("statement", lang))
    got = {f"statement.{lang}.txt": f"Subject: {r.subject}\n\n{r.text}", f"statement.{lang}.html": r.html}
    for name, text in got.items():
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            GOLDEN.mkdir(exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        assert path.exists(), f"{path} is missing — run with UPDATE_GOLDEN=1 to write it"
        assert text.encode("utf-8") == path.read_bytes(), f"{name} differs — if the change is intended, " \
                                                          "rewrite with UPDATE_GOLDEN=1 and read the diff"
