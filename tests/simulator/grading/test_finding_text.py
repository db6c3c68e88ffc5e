"""Review findings said in each language: the English message is the catalogue's
``finding.<code>`` filled from the finding's fields (unchanged, the record); Chinese names the
ids (levels, industries, grades, exemption classes) and keeps the numbers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from enterprises.area import AreaSource
from enterprises.measures import MeasureTable
from simulator.grading.checks import (
    check_consistency,
    check_coverage,
    check_exemptions,
    check_monotonicity,
    city_bases,
    coverage,
    review,
)
from simulator.lang.catalogue import catalogue
from tests.simulator.grading.test_review import RULES, TABLE, inventory

ENGLISH = re.compile(r"\b(plant|plants|cut|catalogue|target|base|exempt|looser|stricter|"
                     r"output|emission|only|points|regrading)\b")


def _all_kinds():
    """Findings of every check from small crafted lists."""
    looser = check_consistency(inventory([{"override_orange": 0.1}, {}]), TABLE)
    rows = pd.DataFrame([{"industry": "cement", "grade": "C", "level": "orange", "cut": 0.1,
                          "basis": "limit"}])
    draft = check_monotonicity(inventory([{"grade": "C"}]),
                               TABLE.overlay(MeasureTable.from_frame(rows)))
    grades = check_monotonicity(inventory([{"grade": "A", "override_orange": 0.3,
                                            "override_red": 0.3}, {"grade": "B"}]), TABLE)
    levels = check_monotonicity(inventory([{"grade": "C", "override_orange": 0.6,
                                            "override_red": 0.4}]), TABLE)
    inv = inventory([{"grade": "D", "exemption": "livelihood", "so2_t": 50},
                     {"so2_t": 50}])
    bases = city_bases(inv)
    exempt = check_exemptions(inv, bases)
    cover = check_coverage(coverage(inv, TABLE, RULES, bases), bases)
    area = city_bases(inv, {"漯河": [AreaSource("mobile", (100, 0, 0, 0), {})]})
    cover += check_coverage(coverage(inv, TABLE, RULES, area), area)
    regrade = review(inventory([{"override_orange": 0.3, "so2_t": 100}, {"so2_t": 100}]),
                     RULES, TABLE, what_ifs=["grade B->A where id=E1"]).findings
    return [*looser, *draft, *grades, *levels, *exempt, *cover, *regrade]


@pytest.fixture(scope="module")
def findings():
    return _all_kinds()


def test_every_kind_of_finding_has_a_code_and_english_is_its_message(findings):
    codes = {f.code for f in findings}
    assert codes >= {"consistency_stricter", "catalogue_output", "catalogue_emission",
                     "plant_grades", "plant_levels", "exempt_share", "exempt_large",
                     "exempt_below_b", "coverage_met", "coverage_short", "coverage_no_base",
                     "coverage_no_area", "what_if_change", "what_if_replaced"}
    for f in findings:
        assert f.text("en") == f.message and f"finding.{f.code}" in catalogue("zh")


def test_chinese_findings_keep_no_english_words(findings):
    for f in findings:
        said = f.text("zh")
        assert not ENGLISH.search(said), (f.code, said)
        # every number of the English message is in the Chinese one
        for number in re.findall(r"\d+(?:\.\d+)?", f.message):
            assert number in said, (f.code, number, said)


def test_chinese_findings_golden(findings):
    by_code = {f.code: f for f in findings}
    assert by_code["plant_grades"].message == (
        "cement in 漯河 at orange: an A plant must cut 30 % of its emissions but a B plant only "
        "20 %")
    assert by_code["plant_grades"].text("zh") == (
        "漯河水泥，橙色预警：A级企业须削减排放 30 %，而B级企业只需 20 %")
    assert by_code["exempt_below_b"].text("zh") == (
        "D级企业获得豁免（民生保障）；保障类企业本身须达到B级及以上（sources.md §14）")
    assert by_code["coverage_no_area"].text("zh") == (
        "未给出面源（--scenario）：仅以清单作为全市基准排放，减排比例因此偏高")
