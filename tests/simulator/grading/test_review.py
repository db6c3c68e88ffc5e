"""The grading review (simulator.grading.checks) and ``smogsim review``: every check passing and
failing on crafted lists, the what-if arithmetic by hand, exit codes 0/1/2."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from typer.testing import CliRunner

from alerts.io import load_ruleset
from alerts.levels import Level
from enterprises.area import AreaSource
from enterprises.industries import INDUSTRY_IDS
from enterprises.inventory import Inventory
from enterprises.io import default_measures, load_inventory, validate_inventory, write_inventory
from enterprises.measures import MeasureTable
from simulator.cli.app import app
from simulator.cli.run import DEMO_SCENARIO
from simulator.grading.checks import (
    WhatIf,
    WhatIfError,
    catalogue_monotonicity,
    check_consistency,
    check_coverage,
    check_exemptions,
    check_monotonicity,
    city_bases,
    coverage,
    review,
    what_if,
)
from simulator.io.inputs import load_scenario

RUNNER = CliRunner()
RULES = load_ruleset("mee-2024")  # targets 10/20/30 % at yellow/orange/red (sources.md §2)
TABLE = default_measures()
HOURS = 8760.0  # annual t/a ÷ 8760 h = mean t/h
DEMO_INVENTORY = DEMO_SCENARIO.parent / "data" / "luohe_inventory.csv"


def inventory(rows: list[dict]) -> Inventory:
    """A tiny list in 漯河/临颍县: each row names what differs from a plain cement B plant."""
    frame = pd.DataFrame([{
        "id": f"E{i + 1}", "name": f"企业{i + 1}", "city": "漯河", "county": "临颍县",
        "industry": "cement", "grade": "B", "so2_t": 0.0, "nox_t": 0.0, "pm_t": 0.0,
        "vocs_t": 0.0, **row} for i, row in enumerate(rows)])
    return Inventory.from_frame(validate_inventory(frame.astype(str)))


def of(findings, check=None, severity=None):
    return [f for f in findings if (check is None or f.check == check)
            and (severity is None or f.severity == severity)]


# -- consistency -------------------------------------------------------------------------


def test_consistency_passes_without_overrides_and_with_an_override_equal_to_the_catalogue():
    inv = inventory([{"so2_t": 10}, {"so2_t": 20, "override_orange": 0.2}])  # cement B: 20 %
    assert check_consistency(inv, TABLE) == []


def test_consistency_flags_looser_key_industry_override_as_error():
    inv = inventory([{}, {"override_orange": 0.1}, {"override_orange": 0.5}])
    found = check_consistency(inv, TABLE)
    assert [(f.ids, f.level, f.severity) for f in found] == [
        ("E2", "orange", "error"), ("E3", "orange", "info")]
    assert (found[0].value, found[0].limit) == pytest.approx((10.0, 20.0))
    assert "looser" in found[0].message and "stricter" in found[1].message
    assert "2 other plant(s)" in found[0].message


def test_consistency_looser_override_in_other_industry_is_a_warning():
    # 10 t/a: not a small emitter, so its peers stop at red (C's rule) and 0.5 is looser
    inv = inventory([{"industry": "other", "grade": "非引领性", "so2_t": 10.0,
                      "override_red": 0.5}])
    (found,) = check_consistency(inv, TABLE)
    assert (found.severity, found.level, found.industry) == ("warning", "red", "other")


# -- monotonicity ------------------------------------------------------------------------


def test_bundled_catalogue_is_monotone_for_every_industry():
    assert catalogue_monotonicity(INDUSTRY_IDS, TABLE) == []


def test_monotonicity_passes_on_a_plain_list():
    inv = inventory([{"grade": g} for g in ("A", "B", "B-", "C", "D")])
    assert check_monotonicity(inv, TABLE) == []


def test_catalogue_violations_across_grades_and_levels_are_errors():
    # cement C orange 10 %: below B- orange (30 %, B- sits between B and C) and below C
    # yellow (50 % by line)
    rows = pd.DataFrame([{"industry": "cement", "grade": "C", "level": "orange", "cut": 0.1,
                          "basis": "limit"}])
    table = TABLE.overlay(MeasureTable.from_frame(rows))
    found = check_monotonicity(inventory([{"grade": "C"}]), table)
    keys = {(f.grade, f.level) for f in found}
    assert ("B-", "orange") in keys
    assert ("C", "yellow") in keys  # C yellow 50 % > C orange 10 %
    assert all(f.severity == "error" for f in found)


def test_plant_of_better_grade_cutting_more_than_a_worse_one_is_an_error():
    inv = inventory([{"grade": "A", "override_orange": 0.3, "override_red": 0.3},
                     {"grade": "B"}])
    (found,) = check_monotonicity(inv, TABLE)
    assert (found.grade, found.level, found.ids) == ("A>B", "orange", "E1;E2")
    assert (found.value, found.limit) == pytest.approx((30.0, 20.0))


def test_plant_cutting_more_at_a_milder_level_is_an_error():
    inv = inventory([{"grade": "C", "override_orange": 0.6, "override_red": 0.4}])
    found = of(check_monotonicity(inv, TABLE), severity="error")
    assert [(f.ids, f.level) for f in found] == [("E1", "orange")]


def test_exempt_plants_are_left_to_the_exemption_check():
    # export C plant producing at 90 % cuts 10 %, less than the B plant's 20 % at orange
    inv = inventory([{"grade": "C", "exemption": "export", "guaranteed_load": 0.9},
                     {"grade": "B"}])
    assert check_monotonicity(inv, TABLE) == []


# -- exemptions --------------------------------------------------------------------------


def test_exemptions_pass_with_small_exempt_plants():
    inv = inventory([{"so2_t": 97}, {"so2_t": 3, "exemption": "whitelist"}])
    found = check_exemptions(inv, city_bases(inv))
    assert [f.severity for f in found] == ["info"]  # whitelist holds 3 % of SO2
    assert "SO2 3.0 %" in found[0].message


def test_exempt_plant_above_the_share_and_exempt_grade_d_are_flagged():
    # list 60 t SO2 + area 40 t = 100 t: the livelihood plant's 10 t is 10 % > 5 %
    inv = inventory([{"so2_t": 50}, {"so2_t": 10, "exemption": "livelihood", "grade": "D",
                                     "guaranteed_load": 0.8}])
    bases = city_bases(inv, {"漯河": [AreaSource("other", (40.0, 0.0, 0.0, 0.0))]})
    found = check_exemptions(inv, bases)
    (warning,) = of(found, severity="warning")
    assert (warning.ids, warning.pollutant) == ("E2", "SO2")
    assert (warning.value, warning.limit) == pytest.approx((10.0, 5.0))
    (error,) = of(found, severity="error")
    assert (error.ids, error.grade) == ("E2", "D")
    assert check_exemptions(inv, bases, max_share=0.2) == [*of(found, severity="info"), error]


def test_online_monitoring_counts_as_emission_cap():
    inv = inventory([{"so2_t": 90}, {"so2_t": 10, "online_monitoring": True}])
    (row,) = review(inv, RULES).exemptions.to_dict("records")
    assert (row["class"], row["enterprises"], row["SO2_pct"]) == ("emission_cap", 1,
                                                                  pytest.approx(10.0))


def test_online_monitored_plant_that_stops_is_not_exempt():
    # cement D stops at every level (a stop stays a stop): online monitoring gives it no
    # 限排不限产, so it is neither in the emission_cap class nor an exempt plant below B
    inv = inventory([{"so2_t": 90}, {"grade": "D", "so2_t": 10, "online_monitoring": True}])
    result = review(inv, RULES)
    assert result.exemptions.empty
    assert of(result.findings, "exemptions") == []
    assert not result.failed


@pytest.mark.parametrize(("grade", "exemption", "errs"), [
    ("C", "livelihood", True), ("B-", "export", True), ("D", "whitelist", True),
    ("B", "strategic", False), ("A", "livelihood", False)])
def test_protected_plant_below_b_is_an_error(grade, exemption, errs):
    # sources.md §14: protected (保障类) firms must themselves reach B or better
    inv = inventory([{"so2_t": 90}, {"grade": grade, "so2_t": 1, "exemption": exemption,
                                     "guaranteed_load": 0.8}])
    errors = of(check_exemptions(inv, city_bases(inv)), severity="error")
    assert [(f.ids, f.names, f.grade) for f in errors] == ([("E2", "企业2", grade)] if errs
                                                           else [])


def test_online_monitored_c_plant_under_an_emission_cap_is_not_an_error():
    # cement C at orange: a partial measure → 限排不限产; it still cuts its emissions
    inv = inventory([{"so2_t": 90}, {"grade": "C", "so2_t": 1, "online_monitoring": True}])
    found = check_exemptions(inv, city_bases(inv))
    assert of(found, severity="error") == []
    assert "1 emission_cap plant(s)" in found[0].message


# -- coverage ----------------------------------------------------------------------------


def coverage_case(area_so2: float, cuts: dict):
    """cement B and C, 100 t SO2 each, plus an area source of ``area_so2`` t."""
    inv = inventory([{"so2_t": 100}, {"grade": "C", "so2_t": 100}])
    bases = city_bases(inv, {"漯河": [AreaSource("mobile", (area_so2, 0, 0, 0), cuts)]})
    frame = coverage(inv, TABLE, RULES, bases)
    return frame[frame.pollutant == "SO2"].set_index("level"), check_coverage(frame, bases)


def test_coverage_met_hand_computed():
    frame, found = coverage_case(200.0, {"yellow": 0.05, "orange": 0.1, "red": 0.2})
    # yellow: B 0 + C 50 % by load (one line) = 50 t, area 200 × 5 % = 10 t → 60/400 = 15 %
    # orange: B 20 t + C 100 t + area 20 t = 140/400 = 35 %; red: 100 + 100 + 40 = 60 %
    assert frame["cut_pct"].to_dict() == pytest.approx(
        {"yellow": 15.0, "orange": 35.0, "red": 60.0})
    assert frame.loc["orange", "cut_t_h"] == pytest.approx(140 / HOURS)
    assert frame["met"].all()
    assert of(found, severity="error") == [] and of(found, severity="warning") == []


def test_coverage_shortfall_hand_computed():
    frame, found = coverage_case(1000.0, {})
    # yellow: 50 t of 1 200 t = 4.1667 % < 10 %: short 5.8333 points = 70 t/a
    assert frame.loc["yellow", "cut_pct"] == pytest.approx(100 * 50 / 1200)
    assert frame.loc["yellow", "short_pct"] == pytest.approx(10 - 100 * 50 / 1200)
    assert frame.loc["yellow", "short_t_h"] == pytest.approx(70 / HOURS)
    # orange 120/1200 = 10 % < 20 %; red 200/1200 = 16.7 % < 30 %
    errors = of(found, severity="error")
    assert [(f.level, f.pollutant) for f in errors] == [
        ("yellow", "SO2"), ("orange", "SO2"), ("red", "SO2")]
    assert "short by 5.8 points" in errors[0].message


def test_coverage_without_area_sources_warns():
    inv = inventory([{"grade": "D", "so2_t": 10}])
    found = check_coverage(coverage(inv, TABLE, RULES, city_bases(inv)), city_bases(inv))
    assert [f.city for f in of(found, severity="warning")] == ["漯河"]
    assert of(found, severity="error") == []  # D stops: 100 % of the list


# -- what-if -----------------------------------------------------------------------------


def test_what_if_arithmetic_by_hand():
    # three cement B plants of 87.6 t SO2 = 0.01 t/h each, two in 临颍县; no area sources.
    inv = inventory([{"so2_t": 87.6}, {"so2_t": 87.6}, {"so2_t": 87.6, "county": "舞阳县"}])
    bases = city_bases(inv)
    frame, found = what_if(inv, TABLE, RULES, bases,
                           "grade B->A where industry=水泥 and county=临颍县")
    so2 = frame[frame.pollutant == "SO2"].set_index("level")
    assert (so2["regraded"] == 2).all()
    # orange: before 3 × 0.01 × 20 % = 0.006 t/h; after only 舞阳县: 0.002 t/h; change −0.004
    # of a 0.03 t/h base: 20 % → 6.667 %, −13.333 points; the 20 % target is lost
    assert so2.loc["orange", ["cut_before_t_h", "cut_after_t_h", "change_t_h"]].tolist() == \
        pytest.approx([0.006, 0.002, -0.004])
    assert so2.loc["orange", "change_pct"] == pytest.approx(-40 / 3)
    assert (so2.loc["orange", "met_before"], so2.loc["orange", "met_after"]) == (True, False)
    # red: B stops → 0.03 t/h (100 %); after 0.01 t/h (33.3 %) still ≥ 30 %
    assert so2.loc["red", "change_t_h"] == pytest.approx(-0.02)
    assert so2.loc["red", "met_after"]
    # yellow: B has no cut; nothing changes
    assert so2.loc["yellow", "change_t_h"] == 0.0
    (warning,) = of(found, severity="warning")
    assert (warning.level, warning.pollutant) == ("orange", "SO2")
    assert warning.value == pytest.approx(-0.004)


@pytest.mark.parametrize(("text", "expected"), [
    ("grade B->A where industry=cement and county=临颍县",
     ("B", "A", (("industry", ("cement",)), ("county", ("临颍县",))))),
    ("GRADE b- -> b WHERE id=E1", ("B-", "B", (("id", ("E1",)),))),
    ("grade 非引领性->引领性", ("非引领性", "引领性", ())),
    # a list: ASCII or full-width commas or 顿号, Chinese industry names, duplicates once
    ("grade B->A where id in E1, E2,E1 and industry IN 水泥，玻璃",
     ("B", "A", (("id", ("E1", "E2")), ("industry", ("cement", "glass"))))),
    ("grade C->B where county in 临颍县、舞阳县", ("C", "B", (("county", ("临颍县", "舞阳县")),))),
])
def test_what_if_grammar(text, expected):
    spec = WhatIf.parse(text)
    assert (spec.old, spec.new, spec.where) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("B->A where county=临颍县", "expected grade X->Y"),
    ("grade B->A where colour=red", "key 'colour' — expected one of id, city"),
    ("grade B->E", "grade 'E' — expected one of"),
    ("grade B->A where industry=bakery", "industry 'bakery'"),
    ("grade B->A where county", "condition 'county' — expected key=value"),
    ("grade B->A where id in", "condition 'id in' — expected key=value or key in"),
    ("grade B->A where id in E1,,E2", "no empty value"),
    ("grade B->A where colour in red,blue", "key 'colour' — expected one of"),
])
def test_what_if_bad_syntax(text, message):
    with pytest.raises(WhatIfError, match=message):
        WhatIf.parse(text)


def test_what_if_that_matches_nothing_or_leaves_the_grade_set_is_an_error():
    inv = inventory([{}, {"industry": "other", "grade": "非引领性"}])
    with pytest.raises(WhatIfError, match="no enterprise graded B with county=舞阳县"):
        WhatIf.parse("grade B->A where county=舞阳县").apply(inv, TABLE)
    with pytest.raises(WhatIfError, match="grade 'A' for industry other — expected one of"):
        WhatIf.parse("grade 非引领性->A").apply(inv, TABLE)


def test_what_if_id_list_selects_exactly_the_named_plants():
    inv = inventory([{}, {}, {"grade": "C"}, {"county": "舞阳县"}])
    spec = WhatIf.parse("grade B->A where id in E1,E4")
    assert spec.select(inv).tolist() == [True, False, False, True]
    after, mask = spec.apply(inv, TABLE)
    assert list(after.grades) == ["A", "B", "C", "A"] and mask.sum() == 2


@pytest.mark.parametrize(("text", "message"), [
    # E3 is graded C, E9 does not exist: a listed plant that would not move is an error
    ("grade B->A where id in E1,E3", "id 'E3' matches no enterprise graded B"),
    ("grade B->A where id in E1,E9", "id 'E9' matches no enterprise graded B"),
    ("grade B->A where county in 临颍县,舞阳县 and id=E1",
     "county '舞阳县' matches no enterprise graded B with the other conditions"),
    ("grade B->A where id in E8,E9", "no enterprise graded B with id in E8,E9"),
])
def test_what_if_listed_value_that_matches_nothing_is_an_error(text, message):
    inv = inventory([{}, {}, {"grade": "C"}, {"county": "舞阳县"}])
    with pytest.raises(WhatIfError, match=message):
        WhatIf.parse(text).apply(inv, TABLE)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["B", "B-", "C", "D"]),
                          st.floats(0.0, 1000.0), st.booleans()), min_size=1, max_size=8))
def test_upgrading_never_raises_the_required_cut(plants):
    """Property: with a monotone catalogue, C->B (and anything better) cuts no more."""
    inv = inventory([{"grade": g, "nox_t": t, "county": "临颍县" if here else "舞阳县"}
                     for g, t, here in plants] + [{"grade": "C", "nox_t": 1.0}])
    frame, _ = what_if(inv, TABLE, RULES, city_bases(inv), "grade C->B where county=临颍县")
    assert (frame["change_t_h"] <= 1e-12).all()


# -- orchestrator and CLI ----------------------------------------------------------------


def test_review_summary_and_failure():
    clean = review(inventory([{"grade": "D", "so2_t": 5}]), RULES)
    assert not clean.failed
    assert set(clean.summary()["status"]) == {"pass"}
    bad = review(inventory([{"grade": "D", "so2_t": 5, "exemption": "whitelist"}]), RULES)
    assert bad.failed
    summary = bad.summary().set_index("check")
    assert summary.loc["exemptions", "status"] == "fail"
    assert bad.findings_frame()["severity"].iloc[0] == "error"  # errors first


@pytest.fixture
def clean_csv(tmp_path):
    """A list that passes every check: D plants stop at every level."""
    path = tmp_path / "clean.csv"
    write_inventory(inventory([{"grade": "D", "so2_t": 5, "nox_t": 5, "pm_t": 5,
                                "vocs_t": 5}, {"grade": "A", "so2_t": 1}]), path)
    return path


@pytest.fixture
def failing_csv(tmp_path):
    path = tmp_path / "failing.csv"
    # the whitelisted D plant holds 1 % of SO2; the other D plant's stop meets every target
    write_inventory(inventory([{"grade": "D", "so2_t": 99},
                               {"grade": "D", "so2_t": 1, "exemption": "whitelist"}]), path)
    return path


def test_cli_exit_0_when_every_check_passes(clean_csv):
    result = RUNNER.invoke(app, ["review", str(clean_csv)])
    assert result.exit_code == 0, result.output
    assert "review passed: 0 error(s)" in result.output
    assert "Target coverage" in result.output


def test_cli_exit_1_when_a_check_fails(failing_csv):
    result = RUNNER.invoke(app, ["review", str(failing_csv)])
    assert result.exit_code == 1, result.output
    assert "review failed: 1 error(s)" in result.output
    assert "(whitelist)" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--what-if", "grade B to A"], "expected grade X->Y [where C [and C …]]"),  # not markup
    (["--what-if", "grade D->C where county=舞阳县"], "no enterprise graded D with"),
    (["--format", "xml"], "option --format: value 'xml'"),
    (["--rules", "mee-1999"], "rule set not found"),
    (["--max-exempt-share", "2"], "--max-exempt-share"),
])
@pytest.mark.slow
def test_cli_exit_2_for_bad_input(clean_csv, args, message):
    extra = [] if "--format" in args else ["--format", "json"]
    result = RUNNER.invoke(app, ["review", str(clean_csv), *args, *extra])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""  # no partial output


def test_cli_exit_2_writes_no_report(clean_csv, tmp_path):
    out = tmp_path / "report.txt"
    result = RUNNER.invoke(app, ["review", str(clean_csv), "--what-if", "grade B->", "--out",
                                 str(out)])
    assert result.exit_code == 2
    assert not out.exists()


def test_cli_bad_inventory_cell_exits_2(tmp_path):
    path = tmp_path / "bad.csv"
    frame = inventory([{}]).to_frame()
    frame.loc[0, "grade"] = "E"
    frame.to_csv(path, index=False)
    result = RUNNER.invoke(app, ["review", str(path)])
    assert result.exit_code == 2
    assert "bad.csv: row 2, column grade: value 'E'" in result.stderr


def test_cli_groups_identical_findings_in_one_console_row(tmp_path):
    """Three D plants wrongly exempt give three findings (CSV) but one console row."""
    path = tmp_path / "three.csv"
    write_inventory(inventory([{"grade": "D", "so2_t": 97}] + [
        {"grade": "D", "so2_t": 1, "exemption": "whitelist"} for _ in range(3)]), path)
    result = RUNNER.invoke(app, ["review", str(path)], env={"COLUMNS": "160"})
    assert result.exit_code == 1
    assert result.output.count("grade D plant is exempt (whitelist)") == 1
    assert "3 plants: grade D plant is exempt" in result.output
    # the first plants by id and name beside it, then how many more
    assert "E2 企业2; E3 企业3 +1 more" in result.output
    assert "review failed: 3 error(s)" in result.output
    out = tmp_path / "findings.csv"
    RUNNER.invoke(app, ["review", str(path), "--format", "csv", "--out", str(out)])
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert (frame["severity"] == "error").sum() == 3  # the file keeps one row per plant
    errors = frame[frame["severity"] == "error"]
    assert errors[["ids", "names"]].values.tolist() == [["E2", "企业2"], ["E3", "企业3"],
                                                        ["E4", "企业4"]]
    assert list(frame.columns[:7]) == ["check", "severity", "message", "city", "county", "ids",
                                       "names"]


def test_console_tables_fit_a_100_column_terminal(tmp_path):
    """Numbers are never cut short with "…" on a 100-column terminal."""
    path = tmp_path / "wide.csv"
    write_inventory(inventory([{"so2_t": 100.0, "nox_t": 12345.678}, {"grade": "C",
                                                                      "so2_t": 50}]), path)
    result = RUNNER.invoke(app, ["review", str(path), "--what-if", "grade B->A"],
                           env={"COLUMNS": "100"})
    assert result.exit_code in (0, 1), result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    table_lines = [line for line in lines if line.startswith(("│ 漯河", "┃"))]
    assert table_lines and not any("…" in line for line in table_lines)
    # red SO2: B and C stop, 150 of 150 t; after B->A only C's 50 t: 100 % → 33.3 %
    assert "pollutant" in result.output and "100.0→33.3" in result.output
    assert "nan" not in result.output  # PM has no base: "–", as in the coverage table


def test_cli_json_and_csv(failing_csv, tmp_path):
    result = RUNNER.invoke(app, ["review", str(failing_csv), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed"] is True and data["rules"] == "mee-2024"
    assert {"summary", "findings", "coverage", "exemptions", "what_if"} <= set(data)
    assert data["findings"][0]["severity"] == "error"
    assert data["coverage"][0]["pollutant"] == "SO2"
    out = tmp_path / "findings.csv"
    result = RUNNER.invoke(app, ["review", str(failing_csv), "--format", "csv", "--out",
                                 str(out)])
    assert result.exit_code == 1
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows Chinese intact
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns[:3]) == ["check", "severity", "message"]
    assert (frame["severity"] == "error").sum() == 1
    assert "review failed" in result.stdout  # the console still gets the verdict


def test_review_of_the_bundled_demo_inventory_runs(tmp_path):
    out = tmp_path / "review.txt"
    result = RUNNER.invoke(app, [
        "review", str(DEMO_INVENTORY), "--scenario", str(DEMO_SCENARIO), "--what-if",
        "grade C->B where industry=industrial_coating and county=临颍县", "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text(encoding="utf-8")
    for title in ("Checks", "Target coverage", "Exempt plants", "What-if: grade C->B"):
        assert title in text
    assert ("review failed" in text) == (result.exit_code == 1)


def test_demo_review_with_area_sources_matches_the_base():
    """The review's city-wide base equals the list plus the demo scenario's area sources."""
    spec = load_scenario(DEMO_SCENARIO)
    inv = load_inventory(DEMO_INVENTORY)
    area = {spec.city: [AreaSource(s, v) for s, v in spec.area_sources.items()]}
    base = city_bases(inv, area)[spec.city]
    expected = (inv.emissions.sum(axis=0) + np.array(list(spec.area_sources.values())
                                                     ).sum(axis=0)) / HOURS
    assert base.total == pytest.approx(expected)
    levels = review(inv, RULES, area=area).coverage["level"]
    assert list(dict.fromkeys(levels)) == [lv.id for lv in (Level.YELLOW, Level.ORANGE,
                                                           Level.RED)]


def test_coverage_equals_the_engines_cut_for_instant_plants():
    """Coverage is the engine's steady state: with instant processes and a window covering the
    whole run, the episode's cut % equals the review's, per pollutant."""
    from alerts.triggers import AlertWindow
    from simulator.core.engine import CityInputs, Simulation

    inv = inventory([{"so2_t": 100, "nox_t": 40}, {"grade": "C", "so2_t": 50, "nox_t": 80,
                                                   "lines": 2, "line_capacity": "3;1"},
                     {"grade": "D", "so2_t": 10, "nox_t": 10, "exemption": "export",
                      "guaranteed_load": 0.7}, {"grade": "A", "so2_t": 30, "nox_t": 30}])
    area = {"漯河": [AreaSource("mobile", (20.0, 300.0, 0.0, 0.0),
                                {"yellow": 0.05, "orange": 0.1, "red": 0.2})]}
    bases = city_bases(inv, area)
    start = pd.Timestamp("2023-12-12 00:00")
    hour = pd.Timedelta(hours=1)
    window = AlertWindow("漯河", Level.ORANGE, start - 24 * hour, start, start + 48 * hour,
                         "test")
    inputs = CityInputs(city="漯河", start=start, end=start + 48 * hour, inventory=inv,
                        area_rates=bases["漯河"].area_rate, windows=(window,), rules=RULES,
                        measures=TABLE, area_cuts=bases["漯河"].area_cuts)
    episodes = Simulation(inputs, np.random.default_rng(0)).run().episodes
    engine = episodes[episodes.level == "orange"].set_index("pollutant")["cut_pct"]
    frame = coverage(inv, TABLE, RULES, bases)
    review_pct = frame[frame.level == "orange"].set_index("pollutant")["cut_pct"]
    for p in ("SO2", "NOx"):
        assert review_pct[p] == pytest.approx(engine[p], rel=1e-9)


# -- what-if and the plant's own measures (一厂一策) ------------------------------------------


def own_measure_list() -> Inventory:
    """Two 非引领性 plants in `other`, 87.6 t SO2/a (0.01 t/h) each: E1 writes its own orange
    measure "限产60%" in the list, E2 follows the catalogue (C's rules: yellow 50 %, orange
    stops)."""
    return inventory([{"industry": "other", "grade": "非引领性", "so2_t": 87.6,
                       "measure_orange": "限产60%"},
                      {"industry": "other", "grade": "非引领性", "so2_t": 87.6}])


@pytest.mark.parametrize(("own", "after_t_h", "word"), [
    # replace: both become 引领性, which self-determines (no imposed cut): 0 t/h
    ("replace", 0.0, "replaced by the catalogue's other/引领性 measures"),
    # keep: E1 keeps its 60 % (0.006 t/h; its yellow is now 引领性's 0); E2 follows the
    # catalogue (0)
    ("keep", 0.006, "kept: the regrading changes nothing where they apply")])
def test_what_if_replaces_or_keeps_the_plants_own_measures(own, after_t_h, word):
    inv = own_measure_list()
    spec = WhatIf.parse("grade 非引领性->引领性", own)
    frame, found = what_if(inv, TABLE, RULES, city_bases(inv), spec)
    orange = frame[frame.pollutant == "SO2"].set_index("level").loc["orange"]
    # before: E1 60 % of 0.01 (above yellow's 50 %) + E2 stops 0.01 = 0.016 t/h
    assert (orange["cut_before_t_h"], orange["cut_after_t_h"]) == pytest.approx(
        (0.016, after_t_h))
    (plant,) = [f for f in found if f.ids]
    assert (plant.ids, plant.names, plant.severity) == ("E1", "企业1", "info")
    assert word in plant.message and "橙 限产60%" in plant.message
    plants = review(inv, RULES, what_ifs=[spec]).what_if_plants
    assert plants[["id", "own_measures"]].values.tolist() == [
        ["E1", "replaced" if own == "replace" else "kept"], ["E2", "none"]]


def test_what_if_measures_option_on_the_console(tmp_path):
    path = write_inventory(own_measure_list(), tmp_path / "own.csv")
    for own, word in (("replace", "replaced"), ("keep", "kept")):
        result = RUNNER.invoke(app, ["review", str(path), "--what-if", "grade 非引领性->引领性",
                                     "--what-if-measures", own], terminal_width=100)
        assert result.exit_code == 0, result.output
        row = next(line for line in result.output.splitlines() if "E1" in line and "企业1" in line)
        assert word in row and "限产60%" in row
        assert "1 regraded plant(s) follow the catalogue" in result.output
    bad = RUNNER.invoke(app, ["review", str(path), "--what-if-measures", "drop"])
    assert bad.exit_code == 2 and "--what-if-measures" in bad.output
