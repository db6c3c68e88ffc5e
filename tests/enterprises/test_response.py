"""Per-enterprise requirements: golden values by hand, and the properties that must hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.area import AreaSource, area_cut_fractions, default_cuts
from enterprises.grades import GRADE_SETS, grade_rank
from enterprises.industries import INDUSTRY_IDS, industry_by_id
from enterprises.inventory import Inventory
from enterprises.io import default_measures, validate_inventory
from enterprises.measures import required_cut
from enterprises.response import respond
from enterprises.seasonal import SeasonalControl

NAN = float("nan")
ALERTS = ("yellow", "orange", "red")


def plants(rows: list[dict]) -> Inventory:
    """Enterprises with defaults: cement, grade B, 1 t/a of each pollutant, one line."""
    frame = pd.DataFrame([{
        "id": f"E{i + 1}", "name": f"企业{i + 1}", "city": "漯河", "county": "郾城区",
        "industry": "cement", "grade": "B", "so2_t": 1.0, "nox_t": 1.0, "pm_t": 1.0,
        "vocs_t": 1.0, "operating_hours": 7200.0, "livelihood": False, "lines": 1, **row,
    } for i, row in enumerate(rows)])
    return Inventory.from_frame(validate_inventory(frame))  # blank cells take defaults


# sources.md §4.3, cement clinker, verbatim (A–D), per enterprise through required_cut.
CEMENT = {"A": (0, 0, 0), "B": (0, 0.2, 1), "C": (0.5, 1, 1), "D": (1, 1, 1)}


@pytest.mark.parametrize("level", ALERTS)
def test_cement_per_enterprise_at_every_grade(level):
    inv = plants([{"grade": g} for g in CEMENT])
    k = ALERTS.index(level)
    assert required_cut(inv, level).tolist() == [CEMENT[g][k] for g in CEMENT]
    assert required_cut(inv, "none").tolist() == [0, 0, 0, 0]


def test_multi_line_plant_stops_whole_lines():
    # cement C at yellow: stop 50 % counted by production line (sources.md §4.3, §4.4)
    inv = plants([
        {"grade": "C", "lines": 3, "line_capacity": "2500;5000;2500"},  # the 5000 t/d line
        {"grade": "C", "lines": 4},  # four equal lines: two of them
        # 3000, 2000, 2000: 3/7 < 1/2, so the first two stop: 5/7 of capacity
        {"grade": "C", "lines": 3, "line_capacity": "3000;2000;2000",
         "line_emissions": "1;1;2"},
        {"grade": "C"},  # one line: load reduced by half (sources.md §4.4)
    ])
    assert required_cut(inv, "yellow").tolist() == [0.5, 0.5, 0.5, 0.5]
    np.testing.assert_allclose(required_cut(inv, "yellow", by_line=True),
                               [0.5, 0.5, 5 / 7, 0.5])
    r = respond(inv, "yellow")
    assert r.line_cut.tolist() == [0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0.5]
    # emission shares 1;1;2 → lines 1 and 2 carry a quarter each: half the emissions
    np.testing.assert_allclose(r.achieved_emission_cut(inv), [0.5, 0.5, 0.5, 0.5])


def test_livelihood_plant_is_capped_at_its_service_load():
    # 以热定产 (sources.md §6): a heating plant needing 70 % of its load cuts 30 % at any alert
    inv = plants([
        {"industry": "other", "grade": "非引领性", "livelihood": True, "guaranteed_load": 0.7},
        {"grade": "D", "livelihood": True, "guaranteed_load": 0.6},  # not stopped: 40 %
        {"grade": "D", "livelihood": True},  # load not stated: no cut
        {"industry": "other", "grade": "非引领性", "livelihood": True, "guaranteed_load": 0.7,
         "override_orange": 0.1},  # an override below the cap is raised to it
    ])
    for level in ALERTS:
        np.testing.assert_allclose(required_cut(inv, level), [0.3, 0.4, 0.0, 0.3])
    assert required_cut(inv, "none").tolist() == [0, 0, 0, 0]
    assert respond(inv, "orange").rule.tolist()[:2] == ["exempt/livelihood/orange"] * 2


def test_online_monitored_plant_caps_emissions_not_output():
    # 限排不限产: cement B at orange keeps its output and cuts emissions 20 %
    inv = plants([{"online_monitoring": True}, {"online_monitoring": True, "grade": "C"}])
    r = respond(inv, "orange")
    assert required_cut(inv, "orange").tolist() == [0.0, 1.0]  # a stop stays a stop
    assert r.emission_cut.tolist() == [pytest.approx(0.2), 1.0]
    assert r.basis.tolist() == ["emission_cap", "stop"]
    assert r.line_emission_cut[0] == pytest.approx(0.2) and r.line_cut[0] == 0


def test_curtailment_base_is_the_minimum():
    # base = min(EIA 120, permit 80, last year 100) = 80; 20 % of 80 = 16 → allowed 64 of the
    # usual 100: the plant cuts 36 % of its normal output
    inv = plants([{"capacity_eia": 120.0, "capacity_permit": 80.0, "output_last_year": 100.0}])
    assert required_cut(inv, "orange")[0] == pytest.approx(0.36)
    assert required_cut(inv, "red")[0] == 1.0  # stop is stop
    assert required_cut(inv, "yellow")[0] == 0.0  # no cut stays no cut


def test_one_plant_one_policy_wins_and_is_flagged():
    # yellow's own 0.2 keeps the orange override the strictest requirement (cumulative)
    inv = plants([{"industry": "other", "grade": "非引领性", "override_yellow": 0.2,
                   "override_orange": 0.35},
                  {"override_red": 0.5}, {"exemption": "whitelist", "grade": "D"},
                  {"exemption": "strategic", "guaranteed_load": 0.8, "grade": "D"}])
    r = respond(inv, "orange")
    assert r.cut.tolist() == [0.35, 0.2, 0.0, pytest.approx(0.2)]
    assert r.override.tolist() == [True, False, False, False]
    assert r.rule.tolist() == ["一厂一策/E1/orange", "cement/B/orange",
                               "exempt/whitelist/orange", "exempt/strategic/orange"]
    assert respond(inv, "red").cut[1] == 0.5  # the override beats the catalogue's stop


def test_seasonal_floor_beneath_an_alert():
    inv = plants([{"grade": "C"}, {"grade": "D"}, {"grade": "B"},
                  {"grade": "C", "industry": "packaging_printing"}])
    season = SeasonalControl(pd.Timestamp("2023-11-15"), pd.Timestamp("2024-03-15"))
    floor = season.response(inv)
    # sources.md §6 (Jinzhong): D stops, C staggers (50 %, assumption), B is not included;
    # packaging printing is not on the seasonal list (sources.md §13.3)
    assert floor.cut.tolist() == [0.5, 1.0, 0.0, 0.0]
    assert floor.rule[0] == "seasonal/cement/C"
    r = respond(inv, "yellow", floor=floor)
    assert r.cut.tolist() == [0.5, 1.0, 0.0, 0.5]  # yellow C cement 0.5 ties: alert wins
    assert r.rule.tolist()[:3] == ["cement/C/yellow", "cement/D/yellow", "cement/B/yellow"]
    assert respond(inv, "none", floor=floor).rule[0] == "seasonal/cement/C"


def test_area_sources_have_their_own_measures():
    sources = [AreaSource("construction", (0.0, 0.0, 600.0, 0.0), default_cuts("construction")),
               AreaSource("residential", (100.0, 0.0, 400.0, 0.0), default_cuts("residential")),
               AreaSource("mobile", (0.0, 50.0, 0.0, 0.0), {"orange": 0.4})]
    cuts = area_cut_fractions(sources)
    # PM at orange: construction 600 t × 0.8 of 1000 t → 0.48; SO2 residential: no cut
    assert cuts[Level.ORANGE].tolist() == pytest.approx([0.0, 0.4, 0.48, 0.0])
    assert cuts[Level.NONE].tolist() == [0, 0, 0, 0]
    assert (cuts[Level.YELLOW] <= cuts[Level.ORANGE]).all()


# -- properties ------------------------------------------------------------------------------

GRADES_BY_INDUSTRY = {i: GRADE_SETS[industry_by_id(i).grade_set] for i in INDUSTRY_IDS}

enterprise = st.sampled_from(INDUSTRY_IDS).flatmap(lambda ind: st.fixed_dictionaries({
    "industry": st.just(ind),
    "grade": st.sampled_from(GRADES_BY_INDUSTRY[ind]),
    "exemption": st.sampled_from(["none", "none", "livelihood", "strategic", "export",
                                  "whitelist"]),
    "guaranteed_load": st.floats(0, 1),
    "online_monitoring": st.booleans(),
    "lines": st.integers(1, 4),
    "capacity_permit": st.one_of(st.just(NAN), st.floats(50, 150)),
    "output_last_year": st.one_of(st.just(NAN), st.floats(50, 150)),
}))


def build(rows: list[dict]) -> Inventory:
    return plants([{**r, "livelihood": r["exemption"] == "livelihood"} for r in rows])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(enterprise, min_size=1, max_size=12))
def test_a_higher_level_never_requires_less(rows):
    inv = build(rows)
    for kind in ("cut", "emission_cut"):
        yellow, orange, red = (getattr(respond(inv, lv), kind) for lv in ALERTS)
        assert (yellow <= orange + 1e-12).all() and (orange <= red + 1e-12).all()
    for lv in ALERTS:
        a, b = required_cut(inv, lv, by_line=True), required_cut(inv, lv)
        assert (a >= b - 1e-9).all()  # whole lines reach at least the required share


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(enterprise, min_size=1, max_size=12),
       overrides=st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_exempt_classes_never_exceed_their_cap(rows, overrides):
    inv = build([{**r, "override_yellow": overrides[0], "override_orange": overrides[1],
                  "override_red": overrides[2]} for r in rows])
    capped = np.isin(inv.exemptions, ["livelihood", "strategic", "export"])
    for lv in ALERTS:
        output = 1.0 - required_cut(inv, lv, by_line=True)
        assert (output[capped] <= inv.guaranteed_load[capped] + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(industry=st.sampled_from(INDUSTRY_IDS), level=st.sampled_from(ALERTS),
       lines=st.integers(1, 4))
def test_plain_cut_is_monotone_in_grade(industry, level, lines):
    grades = sorted(GRADES_BY_INDUSTRY[industry], key=grade_rank)
    inv = plants([{"industry": industry, "grade": g, "lines": lines} for g in grades])
    cut = required_cut(inv, level)
    assert (np.diff(cut) >= 0).all()


def test_respond_on_a_large_list_is_vectorised():
    from enterprises.synthetic import synthesize_cities

    inv = synthesize_cities(["漯河", "许昌", "太原"], 20_000, seed=4)
    r = respond(inv, "orange", default_measures())
    assert r.line_cut.shape == (inv.n_lines,)
    assert ((r.line_cut >= 0) & (r.line_cut <= 1)).all()
    assert (r.achieved_cut(inv) >= r.cut - 1e-9).all()


def test_a_higher_level_keeps_what_the_lower_one_required():
    # steel B: orange limits output to 70 % of the curtailment base (permit 50 of 71 produced:
    # 1 − 0.7 × 50/71 of normal output); red stops 50 % by line, literally a smaller cut.
    inv = plants([{"industry": "steel_integrated", "grade": "B", "capacity_permit": 50.0,
                   "output_last_year": 71.0}])
    orange = 1 - 0.7 * 50 / 71
    assert respond(inv, "orange").cut[0] == pytest.approx(orange)
    literal = respond(inv, "red", cumulative=False)
    assert literal.cut[0] == 0.5 and literal.rule[0] == "steel_integrated/B/red"
    red = respond(inv, "red")
    assert red.cut[0] == pytest.approx(orange)
    assert red.rule[0] == "steel_integrated/B/orange"  # the audit names the binding rule
    assert red.level == Level.RED
