"""Industries, grades and the schema are data; check their shape and the lookups."""

from __future__ import annotations

import pytest

from enterprises.grades import GRADES, grade_rank, normalise_grade, worst_grade
from enterprises.industries import (
    FAMILIES,
    INDUSTRIES,
    INDUSTRY_IDS,
    KEY_INDUSTRY_IDS,
    industry_by_id,
    parse_industry,
)
from enterprises.schema import (
    COLUMN_IDS,
    COLUMNS,
    EMISSION_COLUMNS,
    POLLUTANTS,
    column_for_header,
)


def test_thirty_nine_key_industries_plus_other():
    assert len(KEY_INDUSTRY_IDS) == 39
    assert INDUSTRY_IDS[-1] == "other"
    assert len(set(INDUSTRY_IDS)) == len(INDUSTRY_IDS) == 40
    assert len({ind.zh for ind in INDUSTRIES}) == 40
    assert {ind.family for ind in INDUSTRIES} == set(FAMILIES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("水泥", "cement"),
        ("cement", "cement"),
        ("Cement", "cement"),
        (" 砖瓦窑 ", "brick_tile"),
        ("碳素", "carbon"),  # garbled mirror spelling, rules.md §4.2
        ("玻璃钢", "glass_fibre"),
        ("煤制（煤基）氮肥", "coal_nitrogen_fertiliser"),  # full-width brackets
        ("一厂一策", "other"),
        ("电解铝", "electrolytic_aluminium"),
    ],
)
def test_parse_industry(text, expected):
    assert parse_industry(text).id == expected


def test_unknown_industry():
    with pytest.raises(ValueError, match="机械加工"):
        parse_industry("机械加工")
    with pytest.raises(KeyError):
        industry_by_id("水泥")  # by id only
    assert industry_by_id("glass").zh == "玻璃"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", "A"),
        ("A+", "A+"),
        ("ａ＋", "A+"),
        ("B－", "B-"),  # full-width minus
        ("b−", "B-"),  # U+2212 minus sign
        (" c ", "C"),
        ("D级", "D"),
        ("leading", "引领性"),
        ("Non-leading", "非引领性"),
        ("non leading", "非引领性"),
        ("引领性", "引领性"),
        ("非引领性", "非引领性"),
    ],
)
def test_normalise_grade(text, expected):
    assert normalise_grade(text) == expected


@pytest.mark.parametrize("text", ["E", "", "B+", "AA", "领先"])
def test_bad_grade(text):
    with pytest.raises(ValueError, match="expected one of A\\+, A, B, B-, C, D, 引领性, 非引领性"):
        normalise_grade(text)


def test_grade_rank_order():
    order = ["A+", "A", "B", "B-", "C", "D"]
    ranks = [grade_rank(g) for g in order]
    assert ranks == sorted(ranks) and len(set(ranks)) == 6
    assert grade_rank("引领性") == grade_rank("A")
    assert grade_rank("非引领性") == grade_rank("B")
    assert set(GRADES) == {*order, "引领性", "非引领性"}


def test_worst_grade_rolls_up_to_the_strictest():
    assert worst_grade(["A", "C", "B"]) == "C"
    assert worst_grade(["A+", "a"]) == "A"
    assert worst_grade(["B", "非引领性"]) == "非引领性"
    with pytest.raises(ValueError):
        worst_grade([])


def test_schema_columns():
    assert COLUMN_IDS == (
        "id", "name", "city", "county", "industry", "grade", "so2_t", "nox_t", "pm_t",
        "vocs_t", "operating_hours", "livelihood", "lines",
    )
    assert POLLUTANTS == ("SO2", "NOx", "PM", "VOCs")
    assert EMISSION_COLUMNS == ("so2_t", "nox_t", "pm_t", "vocs_t")
    by_id = {c.id: c for c in COLUMNS}
    assert all(by_id[c].required and by_id[c].unit == "t/a" for c in EMISSION_COLUMNS)
    assert by_id["operating_hours"].default == 7200
    assert by_id["livelihood"].default is False
    assert by_id["lines"].default == 1
    assert {c.id for c in COLUMNS if not c.required} == {"operating_hours", "livelihood", "lines"}


def test_headers_english_or_chinese():
    assert column_for_header("企业名称") == "name"
    assert column_for_header("二氧化硫（吨/年）") == "so2_t"
    assert column_for_header("民生保障") == "livelihood"
    assert column_for_header(" Grade ") == "grade"
    assert column_for_header("备注") is None
