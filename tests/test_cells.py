"""Tests for workflow.cells: every accepted spelling, every error, and a fuzz run."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal as D

import pytest

from workflow import cells
from workflow.cells import (CellError, format_amount, norm, parse_amount, parse_checkbox, parse_choice,
                            parse_date, parse_datetime, parse_email, parse_int, parse_list, parse_percent,
                            parse_phone, parse_text)
from workflow.i18n import Bilingual, known

# What each message must say is expected, in (en, zh).
EXPECT = {
    "cell.amount_bad": ("30,000.00", "30,000.00"),
    "cell.amount_unclear": ("35000 or 3.5万", "35000 或 3.5万"),
    "cell.amount_negative": ("cannot be negative", "不能为负"),
    "cell.amount_too_large": ("too large", "过大"),
    "cell.amount_separator": ("30,000.00", "30,000.00"),
    "cell.amount_is_date": ("as a number", "数字"),
    "cell.percent_bad": ("5%", "5%"),
    "cell.percent_negative": ("cannot be negative", "不能为负"),
    "cell.date_bad": ("2026-11-18", "2026-11-18"),
    "cell.date_invalid": ("is not a real date (", "不是真实存在的日期（"),
    "cell.date_ambiguous": ("year-month-day", "年-月-日"),
    "cell.date_year": ("2026-11-18", "2026-11-18"),
    "cell.date_number": ("2026-11-18", "2026-11-18"),
    "cell.date_no_year": ("2026-11-18", "2026-11-18"),
    "cell.date_is_time": ("2026-11-18", "2026-11-18"),
    "cell.checkbox_bad": ("TRUE/FALSE", "是/否"),
    "cell.phone_bad": ("138 0013 8000", "138 0013 8000"),
    "cell.phone_mobile_digits": ("a mobile number has 11", "手机号应为 11 位"),
    "cell.email_bad": ("name@example.com", "name@example.com"),
    "cell.text_bad": ("retype", "重新填写"),
    "cell.text_too_long": ("200", "200"),
    "cell.choice_bad": ("customer · employee · public", "老客户、员工、全民"),
    "cell.int_bad": ("whole number", "整数"),
    "cell.int_too_small": ("0 or more", "不小于 0"),
}

CHOICES = {"customer": "customer", "老客户": "customer", "employee": "employee", "员工": "employee",
           "public": "public", "全民": "public"}
LABELS = [Bilingual("customer", "老客户"), Bilingual("employee", "员工"), Bilingual("public", "全民")]


def choice(v):
    return parse_choice(v, CHOICES, LABELS)


def check_error(fn, value, key, found=None):
    """fn(value) raises CellError with `key`; both languages name the found value and what is expected."""
    with pytest.raises(CellError) as info:
        fn(value)
    text = info.value.text
    assert text.key == key, (value, text)
    assert known(key) and key.startswith("cell.")
    en, zh = text.render("en"), text.render("zh")
    if found is None:
        found = value.strip() if isinstance(value, str) else str(value)
    found = found if len(found) <= 40 else found[:37] + "..."
    assert f'"{found}"' in en, (en, found)
    assert f"“{found}”" in zh, (zh, found)
    assert EXPECT[key][0] in en, en
    assert EXPECT[key][1] in zh, zh
    assert "—" in en and "—" in zh  # found — expected
    assert "{" not in en and "{" not in zh
    assert str(info.value) == en


def test_every_message_key_is_registered_and_tested():
    assert {f"cell.{k}" for k in cells._MESSAGES} == set(EXPECT)
    for key in EXPECT:
        assert known(key), key


# ------------------------------------------------------------------ amounts
AMOUNT_OK = [
    (None, None), ("", None), ("   ", None), ("\u3000\xa0", None), ("\t\n", None),
    (30000, D("30000")), (0, D("0")), ("0", D("0")), ("-0", D("0")),
    ("30000", D("30000")), (" 30000 ", D("30000")), ("\u300030000\u3000", D("30000")), ("\xa030000", D("30000")),
    ("30000.5", D("30000.5")), ("30,000.00", D("30000")), ("1,234,567.891", D("1234567.891")),
    ("¥30,000", D("30000")), ("￥30,000", D("30000")), ("¥ 30000", D("30000")), ("RMB 30000", D("30000")),
    ("rmb30000", D("30000")), ("CNY 30000", D("30000")), ("30000 CNY", D("30000")), ("30000元", D("30000")),
    ("30000 元", D("30000")), ("$12.50", D("12.5")), ("＄12.50", D("12.5")), ("+30000", D("30000")),
    ("3万", D("30000")), ("3 万", D("30000")), ("1.5万元", D("15000")), ("0.8万", D("8000")),
    ("3w", D("30000")), ("2.5W元", D("25000")), ("5k", D("5000")), ("3万5", D("35000")), ("3万5千元", D("35000")),
    ("1万2500", D("12500")), ("3万5000元", D("35000")), ("3w5000", D("35000")), ("3万 5000", D("35000")),
    ("3万零500", D("30500")), ("3万零5", D("30005")), ("1亿", D("100000000")), ("1.2亿元", D("120000000")),
    ("1.2345万", D("12345")), ("1.23456万", D("12345.6")), ("2千", D("2000")), ("2.5千元", D("2500")),
    ("¥3万", D("30000")), ("3万元整", D("30000")), ("3萬", D("30000")), ("1,500万", D("15000000")),
    ("３００００", D("30000")), ("３０，０００．００", D("30000")), ("３万", D("30000")), (".5", D("0.5")),
    ("30000.", D("30000")), ("0.125", D("0.125")), ("999999999999.99", D("999999999999.99")),
    (0.1 + 0.2, D("0.3")), (30000.1, D("30000.1")), (30000.0, D("30000")), (-0.0, D("0")), (1234.5, D("1234.5")),
    (0.125, D("0.125")), (1e-7, D("1E-7")), (D("12.50"), D("12.5")),
]


@pytest.mark.parametrize("value,expected", AMOUNT_OK)
def test_amount_ok(value, expected):
    got = parse_amount(value)
    assert got == expected
    assert got is None or isinstance(got, D)


AMOUNT_ERR = [
    ("abc", "cell.amount_bad", None), ("30 000 000", "cell.amount_bad", None), ("1.2.3", "cell.amount_bad", None),
    ("3,00", "cell.amount_separator", None), ("1,5", "cell.amount_separator", None),
    ("30,00.00", "cell.amount_separator", None), ("1.000,5", "cell.amount_bad", None),
    ("30000,", "cell.amount_separator", None), ("-5", "cell.amount_negative", None),
    ("−5", "cell.amount_negative", None), ("－5", "cell.amount_negative", None),
    ("¥-300", "cell.amount_negative", None), ("-¥300", "cell.amount_negative", None),
    ("(300)", "cell.amount_negative", None), ("-3万", "cell.amount_negative", None),
    (-1, "cell.amount_negative", "-1"), (-0.5, "cell.amount_negative", "-0.5"),
    (10**12, "cell.amount_too_large", "1000000000000"), ("1000000000000", "cell.amount_too_large", None),
    ("3万5元", "cell.amount_unclear", None), ("1.5万5", "cell.amount_unclear", None),
    ("3万50", "cell.amount_unclear", None), ("3万500", "cell.amount_unclear", None),
    ("1.5万5000", "cell.amount_unclear", None), ("3万5000千", "cell.amount_unclear", None),
    ("3万零5千", "cell.amount_unclear", None), ("3万05000", "cell.amount_bad", None), ("1亿5000", "cell.amount_bad", None),
    ("9" * 60, "cell.amount_too_large", None),
    ("100000000万", "cell.amount_too_large", None), (1e300, "cell.amount_too_large", "1e+300"),
    (float("nan"), "cell.amount_bad", "nan"), (float("inf"), "cell.amount_bad", "inf"),
    (True, "cell.amount_bad", "TRUE"), (False, "cell.amount_bad", "FALSE"),
    (dt.date(2026, 1, 5), "cell.amount_is_date", "2026-01-05"),
    (dt.datetime(2026, 1, 5, 9, 30), "cell.amount_is_date", "2026-01-05 09:30"),
    (dt.time(9, 30), "cell.amount_is_date", "09:30"), ("=1+1", "cell.amount_bad", None),
    ("#N/A", "cell.amount_bad", None), ("3e4", "cell.amount_bad", None), ("NaN", "cell.amount_bad", None),
    ("30000 USD 元 元", "cell.amount_bad", None), ("万", "cell.amount_bad", None),
    (D("-1"), "cell.amount_negative", "-1"), (D("NaN"), "cell.amount_bad", "NaN"),
]


@pytest.mark.parametrize("value,key,found", AMOUNT_ERR)
def test_amount_errors(value, key, found):
    check_error(parse_amount, value, key, found)


def test_amount_message_example():
    with pytest.raises(CellError) as info:
        parse_amount("abc")
    assert info.value.text.render("en") == '"abc" is not an amount — write a number such as 30000, 30,000.00 or 3万'
    assert info.value.text.render("zh") == "“abc”不是有效金额 — 请填写数字，如 30000、30,000.00 或 3万"


# ------------------------------------------------------------------ percent
PERCENT_OK = [
    (None, None), ("", None), (" ", None), ("0.2", D("0.2")), ("5%", D("5")), ("5 %", D("5")), ("0.2%", D("0.2")),
    ("５％", D("5")), ("12.5", D("12.5")), (0.2, D("0.2")), (5, D("5")), (0, D("0")), ("+3", D("3")),
    (0.1 + 0.2, D("0.3")), ("-0", D("0")), ("2‰", D("0.2")), ("2.5 ‰", D("0.25")), ("千分之二", D("0.2")), ("百分之十五", D("15")),
    ("百分之二点五", D("2.5")), ("千分之 1.5", D("0.15")),
]


@pytest.mark.parametrize("value,expected", PERCENT_OK)
def test_percent_ok(value, expected):
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value,key,found", [
    ("abc", "cell.percent_bad", None), ("百分之一百", "cell.percent_bad", None), ("千分之abc", "cell.percent_bad", None), ("5%%", "cell.percent_bad", None), ("-5%", "cell.percent_negative", None),
    (-0.2, "cell.percent_negative", "-0.2"), (-1, "cell.percent_negative", "-1"),
    (float("nan"), "cell.percent_bad", "nan"), (float("-inf"), "cell.percent_bad", "-inf"),
    (True, "cell.percent_bad", "TRUE"), (dt.date(2026, 1, 1), "cell.percent_bad", "2026-01-01"),
    ("1e3", "cell.percent_bad", None), (1e15, "cell.percent_bad", "1e+15"),
])
def test_percent_errors(value, key, found):
    check_error(parse_percent, value, key, found)


# ------------------------------------------------------------------ dates
NOV18 = dt.date(2026, 11, 18)
DATE_OK = [
    (None, None), ("", None), ("  ", None), ("\u3000", None),
    (NOV18, NOV18), (dt.datetime(2026, 11, 18, 9, 30), NOV18), ("2026-11-18", NOV18), (" 2026-11-18 ", NOV18),
    ("2026-11-18 09:30", NOV18), ("2026-11-18 9:30:15", NOV18), ("2026-11-18T09:30:00", NOV18),
    ("2026-11-18T09:30:00.000Z", NOV18), ("2026-11-18T09:30:00+08:00", NOV18), ("2026/11/18", NOV18),
    ("2026.11.18", NOV18), ("2026年11月18日", NOV18), ("2026年11月18号", NOV18), ("2026 年 11 月 18 日", NOV18),
    ("2026年11月18日 9:30", NOV18), ("2026年11月18日9时30分", NOV18), ("20261118", NOV18),
    ("2026/1/5", dt.date(2026, 1, 5)), ("2026-1-5", dt.date(2026, 1, 5)), ("11/18/2026", NOV18),
    ("18/11/2026", NOV18), ("18.11.2026", NOV18), ("5/5/2026", dt.date(2026, 5, 5)),
    ("２０２６－１１－１８", NOV18), ("２０２６年１１月１８日", NOV18), ("2026／11／18", NOV18),
    (46344, NOV18), (46344.0, NOV18), (46344.75, NOV18), (20261118, NOV18), (20261118.0, NOV18),
    ("2026-11-18 下午3:30", NOV18), ("2026-11-18 3:30 PM", NOV18), ("1990-01-01", dt.date(1990, 1, 1)),
    ("2100-12-31", dt.date(2100, 12, 31)), ("2024-02-29", dt.date(2024, 2, 29)),
]


@pytest.mark.parametrize("value,expected", DATE_OK)
def test_date_ok(value, expected):
    got = parse_date(value)
    assert got == expected
    assert got is None or type(got) is dt.date


DATE_ERR = [
    ("abc", "cell.date_bad", None), ("=TODAY()", "cell.date_bad", None), ("#N/A", "cell.date_bad", None),
    ("2026-11", "cell.date_bad", None), ("26-11-18", "cell.date_bad", None), ("2026-11-18 25:00", "cell.date_bad", None),
    ("2026-11-18 13:00 pm", "cell.date_bad", None), ("2026-13-01", "cell.date_invalid", None),
    ("2026-02-30", "cell.date_invalid", None), ("2025-02-29", "cell.date_invalid", None),
    ("2026-00-10", "cell.date_invalid", None), ("20261340", "cell.date_invalid", None),
    ("13/13/2026", "cell.date_invalid", None), ("05/06/2026", "cell.date_ambiguous", None),
    ("1/2/2026", "cell.date_ambiguous", None), ("1900-01-01", "cell.date_year", None),
    ("2999-12-31", "cell.date_year", None), ("1989-12-31", "cell.date_year", None), ("2101-01-01", "cell.date_year", None),
    ("19000101", "cell.date_year", None), (dt.date(1900, 1, 1), "cell.date_year", "1900-01-01"),
    (dt.datetime(2999, 1, 1), "cell.date_year", "2999-01-01 00:00"), (19000101, "cell.date_year", "19000101"),
    (1, "cell.date_number", "1"), (60, "cell.date_number", "60"), (61, "cell.date_number", "61"),
    (-5, "cell.date_number", "-5"), (0.5, "cell.date_number", "0.5"), (10**9, "cell.date_number", "1000000000"),
    (float("nan"), "cell.date_number", "nan"), (float("inf"), "cell.date_number", "inf"),
    ("11月18日", "cell.date_no_year", None), ("09:30", "cell.date_is_time", None),
    ("下午3:30", "cell.date_is_time", None), (dt.time(9, 30), "cell.date_is_time", "09:30"),
    (True, "cell.date_bad", "TRUE"), (False, "cell.date_bad", "FALSE"),
]


@pytest.mark.parametrize("value,key,found", DATE_ERR)
def test_date_errors(value, key, found):
    check_error(parse_date, value, key, found)
    check_error(parse_datetime, value, key, found)


def test_ambiguous_date_names_both_readings():
    with pytest.raises(CellError) as info:
        parse_date("05/06/2026")
    en, zh = info.value.text.render("en"), info.value.text.render("zh")
    for text in (en, zh):
        assert "2026-05-06" in text and "2026-06-05" in text


def test_date_year_message_names_the_year():
    with pytest.raises(CellError) as info:
        parse_date("2999-01-01")
    assert "2999" in info.value.text.render("en").split("—")[0].replace('"2999-01-01"', "")


@pytest.mark.parametrize("value,en,zh", [
    ("2026-11-31", '"2026-11-31" is not a real date (November has no 31st) — correct the date',
     "“2026-11-31”不是真实存在的日期（11 月没有 31 日） — 请更正日期"),
    ("2026-02-29", '"2026-02-29" is not a real date (February 2026 has no 29th) — correct the date',
     "“2026-02-29”不是真实存在的日期（2026 年 2 月没有 29 日） — 请更正日期"),
    ("2026年13月1日", '"2026年13月1日" is not a real date (there is no month 13) — correct the date',
     "“2026年13月1日”不是真实存在的日期（没有 13 月） — 请更正日期"),
    ("2026-11-32", '"2026-11-32" is not a real date (there is no day 32) — correct the date',
     "“2026-11-32”不是真实存在的日期（没有 32 日） — 请更正日期"),
    ("13/14/2026", '"13/14/2026" is not a real date (neither 13 nor 14 is a month) — correct the date',
     "“13/14/2026”不是真实存在的日期（13 和 14 都不是月份） — 请更正日期"),
    (20260431, '"20260431" is not a real date (April has no 31st) — correct the date',
     "“20260431”不是真实存在的日期（4 月没有 31 日） — 请更正日期"),
])
def test_a_date_in_a_right_format_that_does_not_exist_says_why_without_a_format_hint(value, en, zh):
    with pytest.raises(CellError) as info:
        parse_date(value)
    assert (info.value.text.render("en"), info.value.text.render("zh")) == (en, zh)


def test_date_without_year_uses_today():
    assert parse_date("11月18日", today=dt.date(2026, 12, 1)) == NOV18
    assert parse_date("12月30日", today=dt.date(2027, 1, 3)) == dt.date(2026, 12, 30)
    assert parse_date("1月2日", today=dt.date(2026, 12, 30)) == dt.date(2027, 1, 2)
    check_error(lambda v: parse_date(v, today=dt.date(2026, 1, 1)), "2月30日", "cell.date_invalid")


DATETIME_OK = [
    (None, None), ("", None), ("2026-11-18", dt.datetime(2026, 11, 18)), (NOV18, dt.datetime(2026, 11, 18)),
    (dt.datetime(2026, 11, 18, 9, 30), dt.datetime(2026, 11, 18, 9, 30)),
    (dt.datetime(2026, 11, 18, 9, 30, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 18, 9, 30)),
    ("2026-11-18 09:30", dt.datetime(2026, 11, 18, 9, 30)), ("2026-11-18T09:30:15", dt.datetime(2026, 11, 18, 9, 30, 15)),
    ("2026-11-18 9:30:15.250", dt.datetime(2026, 11, 18, 9, 30, 15)),
    ("2026年11月18日 9:30", dt.datetime(2026, 11, 18, 9, 30)), ("2026年11月18日9时30分", dt.datetime(2026, 11, 18, 9, 30)),
    ("2026-11-18 下午3:30", dt.datetime(2026, 11, 18, 15, 30)), ("2026-11-18 上午12:10", dt.datetime(2026, 11, 18, 0, 10)),
    ("2026-11-18 3:30 pm", dt.datetime(2026, 11, 18, 15, 30)), ("2026-11-18 12:00 am", dt.datetime(2026, 11, 18, 0, 0)),
    ("2026-11-18 12:30 PM", dt.datetime(2026, 11, 18, 12, 30)), ("2026-11-18 晚上8:00", dt.datetime(2026, 11, 18, 20, 0)),
    ("11/18/2026 14:05", dt.datetime(2026, 11, 18, 14, 5)), ("２０２６－１１－１８　０９：３０", dt.datetime(2026, 11, 18, 9, 30)),
    (46344.75, dt.datetime(2026, 11, 18, 18, 0)), (46344.3958333333, dt.datetime(2026, 11, 18, 9, 30)),
    (46344, dt.datetime(2026, 11, 18)), (20261118, dt.datetime(2026, 11, 18)),
]


@pytest.mark.parametrize("value,expected", DATETIME_OK)
def test_datetime_ok(value, expected):
    got = parse_datetime(value)
    assert got == expected
    assert got is None or (type(got) is dt.datetime and got.tzinfo is None)


# ------------------------------------------------------------------ checkboxes
TRUE_SPELLINGS = [True, 1, 1.0, "1", "TRUE", "true", "True", "✓", "✔", "☑", "x", "X", "是", "Y", "y", "yes", "Yes",
                  "YES", "对", "√", " ✓ ", "ＴＲＵＥ", "Ｙ", "\u3000是\u3000"]
FALSE_SPELLINGS = [False, 0, 0.0, "0", "FALSE", "false", "否", "N", "n", "no", "No", "☐", "", "  ", None, "\u3000"]


@pytest.mark.parametrize("value", TRUE_SPELLINGS)
def test_checkbox_true(value):
    assert parse_checkbox(value) is True


@pytest.mark.parametrize("value", FALSE_SPELLINGS)
def test_checkbox_false(value):
    assert parse_checkbox(value) is False


@pytest.mark.parametrize("value,found", [
    ("maybe", None), ("2", None), (2, "2"), (0.5, "0.5"), (-1, "-1"), ("已付", None), ("=TRUE()", None),
    (float("nan"), "nan"), (dt.date(2026, 1, 1), "2026-01-01"), (dt.time(9, 0), "09:00"), ("#N/A", None),
])
def test_checkbox_errors(value, found):
    check_error(parse_checkbox, value, "cell.checkbox_bad", found)


# ------------------------------------------------------------------ phones
PHONE_OK = [
    (None, None), ("", None), ("  ", None), ("13800138000", "13800138000"), (" 138 0013 8000 ", "13800138000"),
    ("138-0013-8000", "13800138000"), ("138.0013.8000", "13800138000"), ("(138) 0013 8000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"), ("+8613800138000", "13800138000"), ("0086 138 0013 8000", "13800138000"),
    ("8613800138000", "13800138000"), ("86 13800138000", "13800138000"), ("＋８６　１３８００１３８０００", "13800138000"),
    ("１３８－００１３－８０００", "13800138000"), ("010-12345678", "01012345678"), ("(010) 1234 5678", "01012345678"),
    ("+86 10 1234 5678", "01012345678"), ("+86 (0)10 1234 5678", "01012345678"),
    ("+1 415 555 0100", "14155550100"), ("001 415 555 0100", "14155550100"), ("+44 20 7946 0958", "442079460958"),
    ("12345", "12345"), ("123456789012345", "123456789012345"), ("'13800138000", "13800138000"),
    (13800138000, "13800138000"), (13800138000.0, "13800138000"), (8613800138000, "13800138000"),
    (1.38001380e10, "13800138000"), ("13800138000.0", "13800138000"), ("138\u200b0013\u200b8000", "13800138000"),
]


@pytest.mark.parametrize("value,expected", PHONE_OK)
def test_phone_ok(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize("value,found", [
    ("abc", None), ("1234", None), ("1234567890123456", None), ("138 0013 800a", None), ("138/139", None),
    ("13800138000, 13900139000", None), ("+", None), ("++8613800138000", None), (1234, "1234"), (-13800138000, None),
    (13800138000.5, None), (float("nan"), "nan"), (True, "TRUE"), (dt.date(2026, 1, 1), "2026-01-01"),
    ("=1+1", None), ("#N/A", None), (10**20, None),
])
def test_phone_errors(value, found):
    check_error(parse_phone, value, "cell.phone_bad", found)


@pytest.mark.parametrize("value,n", [("1390000019", 10), ("1370000", 7), ("139000000190", 12), (1390000019, 10),
                                     ("139-0000-019", 10)])
def test_a_mobile_number_with_a_digit_missing_or_extra_is_a_problem(value, n):
    check_error(parse_phone, value, "cell.phone_mobile_digits", None)
    with pytest.raises(CellError) as info:
        parse_phone(value)
    assert f"has {n} digits" in info.value.text.render("en")


# ------------------------------------------------------------------ emails
EMAIL_OK = [
    (None, None), ("", None), (" ", None), ("a@example.com", "a@example.com"), (" a@example.com ", "a@example.com"),
    ("John.Smith@Example.COM", "John.Smith@example.com"), ("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk"),
    ("o'brien@example.ie", "o'brien@example.ie"), ("张三@例子.中国", "张三@例子.中国"), ("a@my-domain.cn", "a@my-domain.cn"),
    ("a＠example.com", "a@example.com"), ("ａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "a@example.com"), ("a@qq。com", "a@qq.com"),
    ("mailto:a@example.com", "a@example.com"), ("a@xn--fiqs8s.xn--fiqs8s", "a@xn--fiqs8s.xn--fiqs8s"),
    ("\u3000a@example.com\u3000", "a@example.com"), ("a@example.com\r\n", "a@example.com"),
]


@pytest.mark.parametrize("value,expected", EMAIL_OK)
def test_email_ok(value, expected):
    assert parse_email(value) == expected


@pytest.mark.parametrize("value,found", [
    ("abc", None), ("a@b", None), ("@example.com", None), ("a@", None), ("a@@example.com", None),
    ("a@b@example.com", None), ("a b@example.com", None), ("a@exa mple.com", None), ("a@example.com, b@example.com", None),
    ("a@example.com;b@example.com", None), ("John <a@example.com>", None), ("a@example.com\nBcc: x@evil.com", "a@example.com Bcc: x@evil.com"),
    ("a\x00@example.com", "a @example.com"), ("a@example.c", None), ("a@.example.com", None),
    ("a@example..com", None), ("a@-example.com", None), ("a@example-.com", None), (".a@example.com", None),
    ("a.@example.com", None), ("a..b@example.com", None), ("a@example.com.", None), ("a@exam_ple.com", None),
    ("\"a\"@example.com", None), ("x" * 65 + "@example.com", None), ("a@" + "b" * 250 + ".com", None),
    (123, "123"), (True, "TRUE"), (1.5, "1.5"), (dt.date(2026, 1, 1), "2026-01-01"), ("=HYPERLINK(1)", None),
])
def test_email_errors(value, found):
    check_error(parse_email, value, "cell.email_bad", found)


# ------------------------------------------------------------------ text, choices, lists, ints
TEXT_OK = [
    (None, None), ("", None), ("   ", None), ("\u3000\u3000", None), ("\x00\x01", None), ("张三", "张三"),
    ("  张三  ", "张三"), ("\u3000张三\u3000", "张三"), ("Li   Lei", "Li Lei"), ("Li\tLei\nWang", "Li Lei Wang"),
    ("Li\u3000Lei", "Li Lei"), ("Li\x00Lei", "LiLei"), ("\u200b张三\ufeff", "张三"), ("=1+1", "=1+1"),
    ("#N/A", "#N/A"), ("😀", "😀"), (123, "123"), (12.0, "12"), (12.5, "12.5"), (0.1 + 0.2, "0.3"),
    (13800138000.0, "13800138000"), (True, "TRUE"), (False, "FALSE"), (NOV18, "2026-11-18"),
    (dt.datetime(2026, 11, 18, 9, 30), "2026-11-18 09:30"), (dt.time(9, 30), "09:30"), ("x" * 200, "x" * 200),
]


@pytest.mark.parametrize("value,expected", TEXT_OK)
def test_text_ok(value, expected):
    assert parse_text(value) == expected


@pytest.mark.parametrize("value,key,found", [
    ("x" * 201, "cell.text_too_long", None), ("张" * 500, "cell.text_too_long", None),
    (float("nan"), "cell.text_bad", "nan"), (float("inf"), "cell.text_bad", "inf"),
])
def test_text_errors(value, key, found):
    check_error(parse_text, value, key, found)


def test_text_too_long_says_length():
    with pytest.raises(CellError) as info:
        parse_text("x" * 250)
    assert "250" in info.value.text.render("en") and "250" in info.value.text.render("zh")


@pytest.mark.parametrize("value,expected", [
    (None, None), ("", None), ("customer", "customer"), ("Customer", "customer"), (" CUSTOMER ", "customer"),
    ("老客户", "customer"), ("老 客 户", "customer"), ("员工", "employee"), ("Employee", "employee"), ("全民", "public"),
    ("ｐｕｂｌｉｃ", "public"), ("\u3000public\u3000", "public"),
])
def test_choice_ok(value, expected):
    assert choice(value) == expected


@pytest.mark.parametrize("value,found", [("boss", None), ("客户", None), (5, "5"), (True, "TRUE"), ("=1", None)])
def test_choice_errors(value, found):
    check_error(choice, value, "cell.choice_bad", found)


def test_choice_labels_default_from_choices():
    with pytest.raises(CellError) as info:
        parse_choice("boss", CHOICES)
    en = info.value.text.render("en")
    assert "customer 老客户 · employee 员工 · public 全民" in en


def test_choice_labels_may_be_plain_strings():
    with pytest.raises(CellError) as info:
        parse_choice("x", {"a": "a"}, ["a", "b"])
    assert "a、b" in info.value.text.render("zh") and "a · b" in info.value.text.render("en")


@pytest.mark.parametrize("value,expected", [
    (None, None), ("", None), (" ", None), ("5", 5), (5, 5), (5.0, 5), ("５", 5), (" 5 ", 5), ("5.0", 5),
    ("1,000", 1000), ("+3", 3), (0, 0), ("0", 0), ("-0", 0), ("123456789012345", 123456789012345),
])
def test_int_ok(value, expected):
    got = parse_int(value)
    assert got == expected and (got is None or type(got) is int)


@pytest.mark.parametrize("value,key,found", [
    ("5.5", "cell.int_bad", None), (5.5, "cell.int_bad", "5.5"), ("abc", "cell.int_bad", None),
    ("1,00", "cell.int_bad", None), (True, "cell.int_bad", "TRUE"), (float("nan"), "cell.int_bad", "nan"),
    (1e20, "cell.int_bad", "1e+20"), ("9" * 5000, "cell.int_bad", None), (dt.date(2026, 1, 1), "cell.int_bad", "2026-01-01"),
    ("-1", "cell.int_too_small", None), (-3, "cell.int_too_small", "-3"), (-2.0, "cell.int_too_small", "-2"),
])
def test_int_errors(value, key, found):
    check_error(parse_int, value, key, found)


def test_int_minimum():
    assert parse_int("1", minimum=1) == 1
    with pytest.raises(CellError) as info:
        parse_int("0", minimum=1)
    assert "1 or more" in info.value.text.render("en") and "不小于 1" in info.value.text.render("zh")
    assert parse_int("-5", minimum=-10) == -5


@pytest.mark.parametrize("value,expected", [
    (None, ()), ("", ()), ("  ", ()), ("夫妻, 配偶、父母，子女", ("夫妻", "配偶", "父母", "子女")),
    ("车位; 储藏室；商业", ("车位", "储藏室", "商业")), ("a,,b, ,", ("a", "b")), ("住宅", ("住宅",)),
    ("重点 客户 , 住宅", ("重点 客户", "住宅")), ("a\nb", ("a", "b")), (5, ("5",)), (True, ("TRUE",)),
])
def test_list(value, expected):
    assert parse_list(value) == expected


def test_list_item_too_long():
    check_error(parse_list, "a, " + "x" * 201, "cell.text_too_long", "x" * 201)


# ------------------------------------------------------------------ norm, format_amount
@pytest.mark.parametrize("value,expected", [
    (" Ｒｅｆｅｒｒｅｒ  Phone ", "referrerphone"), ("推荐人 电话", "推荐人电话"), ("Rate %", "rate%"),
    ("Ref_ID", "ref_id"), ("GM-approved", "gm-approved"), ("\u3000比例％\u3000", "比例%"), ("STRASSE", "strasse"),
    ("Straße", "strasse"), ("", ""),
])
def test_norm(value, expected):
    assert norm(value) == expected


@pytest.mark.parametrize("value,expected", [
    (D("800"), "800"), (D("800.00"), "800"), (D("1234.5"), "1234.50"), (D("1234.50"), "1234.50"),
    (D("0.125"), "0.125"), (D("1E+3"), "1000"), (D("8E+3"), "8000"), (D("0"), "0"), (D("-0"), "0"),
    (D("-12.5"), "-12.50"), (D("1E-7"), "0.0000001"), (D("0.1"), "0.10"), (D("0.1250"), "0.125"),
    (D("999999999999.99"), "999999999999.99"), (D("123456789012345678901234567890.5"), "123456789012345678901234567890.50"),
])
def test_format_amount(value, expected):
    assert format_amount(value) == expected


def test_format_amount_round_trips():
    for text in ["30000", "30,000.00", "1.5万", "0.8万", "12.34", "0.125"]:
        assert parse_amount(format_amount(parse_amount(text))) == parse_amount(text)


# ------------------------------------------------------------------ fuzz
def _random_value(rng: random.Random):
    kind = rng.randrange(22)
    if kind == 0:
        return "".join(chr(rng.randrange(0x20, 0x7f)) for _ in range(rng.randrange(12)))
    if kind == 1:
        return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(12)))
    if kind == 2:
        return rng.choice([10**rng.randrange(30), -(10**rng.randrange(30)), rng.randrange(-10**6, 10**6), 0, 1, -1])
    if kind == 3:
        return rng.choice([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, -1e308, 5e-324])
    if kind == 4:
        return rng.uniform(-1e13, 1e13) * rng.choice([1, 1e-9, 1e-3, 1e3])
    if kind == 5:
        return rng.choice([dt.date(1900, 1, 1), dt.date(2999, 12, 31), dt.date(1, 1, 1), dt.date(9999, 12, 31),
                           dt.date(2026, rng.randrange(1, 13), rng.randrange(1, 29))])
    if kind == 6:
        return rng.choice([dt.datetime(1900, 2, 28, 23, 59), dt.datetime(2999, 1, 1), dt.datetime.min, dt.datetime.max,
                           dt.datetime(2026, 11, 18, rng.randrange(24), rng.randrange(60))])
    if kind == 7:
        return dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60))
    if kind == 8:
        return rng.choice([True, False, None])
    if kind == 9:
        return rng.choice(["", " ", "\u3000", "\t\n", "\xa0", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\r\n"])
    if kind == 10:
        return rng.choice(["=1+1", "=SUM(A1:A3)", "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "@foo", "+cmd|' /C calc'!A0"])
    if kind == 11:
        return rng.choice(["😀", "👍🏽", "🇨🇳", "𝟙𝟚𝟛", "²", "½", "Ⅻ", "٣٤", "〇", "三万", "一千"])
    if kind == 12:
        return rng.choice(["x", "张", "1", "9", " ", ",", "0"]) * rng.choice([201, 1000, 5000, 20000])
    if kind == 13:
        return f"{rng.choice(['', '-', '+', '¥', '￥', 'RMB', '$', '(', '－'])}{rng.randrange(10**rng.randrange(16)):,}" \
               f"{rng.choice(['', '.5', '.123', ',0', '万', '千元', '元', ')', '%', 'e5'])}"
    if kind == 14:
        y, m, d = rng.choice([1900, 1989, 1990, 2026, 2100, 2101, 2999, 0, 9999]), rng.randrange(0, 14), rng.randrange(0, 33)
        return rng.choice([f"{y}-{m}-{d}", f"{y}/{m:02d}/{d:02d}", f"{d}/{m}/{y}", f"{y}年{m}月{d}日", f"{y:04d}{m:02d}{d:02d}",
                           f"{y}-{m}-{d} {rng.randrange(30)}:{rng.randrange(70)}", f"{m}月{d}日", f"{y}.{m}.{d}T25:61:61"])
    if kind == 15:
        return rng.choice(["+86 ", "0086", "86", "+1 ", "", "00"]) + "".join(
            rng.choice("0123456789 -().") for _ in range(rng.randrange(25)))
    if kind == 16:
        return "".join(rng.choice("ab.@-_+,;<> \"'\n\x00＠。") for _ in range(rng.randrange(20)))
    if kind == 17:
        return rng.choice([rng.random(), rng.randrange(1, 80000) + rng.random(), float(rng.randrange(10**16))])
    if kind == 18:
        return "".join(chr(rng.randrange(0xD800, 0xE000)) for _ in range(3))  # lone surrogates
    if kind == 19:
        return "".join(chr(rng.randrange(0xFF00, 0xFF5F)) for _ in range(rng.randrange(10)))  # full-width forms
    if kind == 20:
        return rng.choice(TRUE_SPELLINGS + FALSE_SPELLINGS + [v for v, _ in AMOUNT_OK + DATE_OK + PHONE_OK + EMAIL_OK])
    return rng.choice([x for x, _, _ in AMOUNT_ERR + DATE_ERR])


def _parsers():
    today = dt.date(2026, 6, 1)
    return [
        (parse_amount, (D, type(None))), (parse_percent, (D, type(None))),
        (lambda v: parse_date(v, today=today), (dt.date, type(None))), (parse_date, (dt.date, type(None))),
        (parse_datetime, (dt.datetime, type(None))), (parse_checkbox, (bool,)), (parse_phone, (str, type(None))),
        (parse_email, (str, type(None))), (parse_text, (str, type(None))), (choice, (str, type(None))),
        (lambda v: parse_choice(v, CHOICES), (str, type(None))), (parse_int, (int, type(None))),
        (lambda v: parse_int(v, minimum=-5), (int, type(None))), (parse_list, (tuple,)),
    ]


def test_fuzz_every_parser_returns_or_raises_cell_error():
    rng = random.Random(20261118)
    parsers = _parsers()
    for _ in range(5000):
        value = _random_value(rng)
        for fn, types in parsers:
            try:
                got = fn(value)
            except CellError as e:
                for lang in ("en", "zh"):
                    text = e.text.render(lang)
                    assert text.strip() and "—" in text, (fn, value, text)
                continue
            assert isinstance(got, types), (fn, value, got)
            _check_invariants(fn, got)


def _check_invariants(fn, got):
    if isinstance(got, D):
        assert got.is_finite() and 0 <= got < 10**12
        assert "E" not in format_amount(got)
    elif isinstance(got, bool) or got is None:
        pass
    elif isinstance(got, dt.datetime):
        assert 1990 <= got.year <= 2100 and got.tzinfo is None
    elif isinstance(got, dt.date):
        assert type(got) is dt.date and 1990 <= got.year <= 2100
    elif isinstance(got, tuple):
        assert all(isinstance(x, str) and x and len(x) <= 200 and x == x.strip() for x in got)
    elif isinstance(got, int):
        assert got >= -5
    elif fn is parse_phone:
        assert got.isascii() and got.isdigit() and 5 <= len(got) <= 15
    elif fn is parse_email:
        assert got.count("@") == 1 and not any(c in got for c in " ,;<>\r\n\t\x00")
        assert all(c.isprintable() for c in got)
    elif isinstance(got, str):
        assert got and len(got) <= 200 and got == got.strip() and "  " not in got
        assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in got)


def test_parsers_do_not_mutate_choices():
    before = dict(CHOICES)
    with pytest.raises(CellError):
        parse_choice("nope", CHOICES)
    assert CHOICES == before
