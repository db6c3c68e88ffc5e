"""Industries, grades and the schema are data; check their shape and the lookups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from enterprises.exemptions import parse_exemption
from enterprises.grades import GRADE_SETS, GRADES, grade_rank, normalise_grade, worst_grade
from enterprises.industries import (
    FAMILIES,
    INDUSTRIES,
    INDUSTRY_IDS,
    KEY_INDUSTRY_IDS,
    industry_by_id,
    parse_industry,
)
from enterprises.processes import PROCESS_IDS, PROCESSES, process, ramp_hours
from enterprises.schema import (
    COLUMN_IDS,
    COLUMNS,
    EMISSION_COLUMNS,
    POLLUTANTS,
    column_for_header,
    schema_markdown,
    with_schema_table,
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
        ("碳素", "carbon"),  # garbled mirror spelling, sources.md §4.2
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
    assert grade_rank("非引领性") == grade_rank("C")  # sources.md §6, §13.3, §14
    assert set(GRADES) == {*order, "引领性", "非引领性"}


def test_worst_grade_rolls_up_to_the_strictest():
    assert worst_grade(["A", "C", "B"]) == "C"
    assert worst_grade(["A+", "a"]) == "A"
    assert worst_grade(["B", "非引领性"]) == "非引领性"
    assert worst_grade(["C", "非引领性"]) == "非引领性"  # equal rank: the later in GRADES
    with pytest.raises(ValueError):
        worst_grade([])


def test_schema_columns():
    assert COLUMN_IDS[:13] == (
        "id", "name", "city", "county", "industry", "grade", "so2_t", "nox_t", "pm_t",
        "vocs_t", "operating_hours", "livelihood", "lines",
    )  # the first columns keep their order; later ones are appended
    assert COLUMN_IDS[13:] == (
        "exemption", "guaranteed_load", "online_monitoring", "industry_grades", "process",
        "line_capacity", "line_emissions", "capacity_eia", "capacity_permit",
        "output_last_year", "output_value", "trucks_per_day", "override_yellow",
        "override_orange", "override_red", "line_name", "key_vehicle_user", "measure_yellow",
        "measure_orange", "measure_red", "lon", "lat",
    )
    assert POLLUTANTS == ("SO2", "NOx", "PM", "VOCs")
    assert EMISSION_COLUMNS == ("so2_t", "nox_t", "pm_t", "vocs_t")
    by_id = {c.id: c for c in COLUMNS}
    assert all(by_id[c].required and by_id[c].unit == "t/a" for c in EMISSION_COLUMNS)
    assert by_id["operating_hours"].default == 7200
    assert by_id["livelihood"].default is False
    assert by_id["lines"].default == 1
    assert by_id["guaranteed_load"].default == 1.0
    assert {c.id for c in COLUMNS if c.required} == {
        "id", "name", "city", "county", "industry", "grade", *EMISSION_COLUMNS}
    assert all(c.zh and c.description for c in COLUMNS)
    headers = [c.zh for c in COLUMNS] + [a for c in COLUMNS for a in c.aliases]
    assert len(set(headers)) == len(headers)  # every header names one column


def test_grade_sets_per_industry():
    assert industry_by_id("cement").grade_set == "A-D"
    assert GRADE_SETS["A-D"] == ("A+", "A", "B", "B-", "C", "D")
    assert GRADE_SETS["A-C"] == ("A+", "A", "B", "C")
    assert GRADE_SETS["leading"] == ("引领性", "非引领性")
    assert industry_by_id("other").grade_set == "leading"
    assert industry_by_id("footwear").grade_set == "A-C"
    for ind in INDUSTRIES:
        assert ind.grade_set in GRADE_SETS and ind.process in PROCESS_IDS


def test_processes_and_ramps():
    assert industry_by_id("glass").process == "glass_furnace"
    assert industry_by_id("coking").process == "coke_oven"
    assert industry_by_id("cement").process == "instant"
    glass = process("玻璃熔窑")
    assert glass.hours_to_change(0.0, 0.2) == pytest.approx(0.2 * glass.ramp_down_h)
    assert glass.hours_to_change(0.2, 0.0) == pytest.approx(0.2 * glass.ramp_up_h)
    down, up = ramp_hours(np.array(["instant", "glass_furnace", "instant"], dtype=object))
    assert down.tolist() == [0.0, 48.0, 0.0] and up.tolist() == [0.0, 72.0, 0.0]
    with pytest.raises(ValueError, match="unknown process"):
        process("kiln")
    for p in PROCESSES:
        assert p.source.startswith("assumption")


@pytest.mark.parametrize(("text", "expected"), [
    ("民生保障", "livelihood"), ("以热定产", "livelihood"), ("出口", "export"),
    ("以量定产", "export"), ("白名单", "whitelist"), ("strategic", "strategic"), ("", "none"),
    ("无", "none"),
])
def test_parse_exemption(text, expected):
    assert parse_exemption(text) == expected


def test_bad_exemption():
    with pytest.raises(ValueError, match="expected one of none, livelihood"):
        parse_exemption("特殊")


def test_schema_doc_is_up_to_date():
    """docs/inventory.md holds the table generated from the schema data."""
    doc = (Path(__file__).parents[2] / "docs" / "inventory.md").read_text(encoding="utf-8")
    assert with_schema_table(doc) == doc, "regenerate with: python -m enterprises docs"
    assert schema_markdown() in doc
    assert schema_markdown().count("\n") == len(COLUMNS) + 2


def test_headers_english_or_chinese():
    assert column_for_header("企业名称") == "name"
    assert column_for_header("二氧化硫（吨/年）") == "so2_t"
    assert column_for_header("民生保障") == "livelihood"
    assert column_for_header(" Grade ") == "grade"
    assert column_for_header("备注") is None


def test_header_aliases():
    assert column_for_header("区县") == "county"
    assert column_for_header("绩效分级") == "grade"
    assert column_for_header("日产值") == "output_value"
    assert column_for_header("一厂一策橙色") == "override_orange"
