"""The engine against hand-computed tallies, and its invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from enterprises.seasonal import SeasonalControl
from enterprises.synthetic import synthesize
from simulator.core.engine import Simulation
from tests.simulator.builders import HOUR as HOUR_
from tests.simulator.builders import T0, city_inputs, inventory, window

RATE = 876.0  # t/a → exactly 0.1 t/h


def four_cement_plants():
    return inventory([
        {"grade": "B", "so2_t": RATE},
        {"grade": "C", "so2_t": RATE},
        {"grade": "A", "so2_t": RATE},
        {"grade": "D", "so2_t": RATE, "livelihood": True},
    ])


def run(inv, windows, rng, **kw):
    return Simulation(city_inputs(inv, windows, **kw), rng).run()


def test_golden_yellow_then_orange(rng):
    # yellow [10, 15) h, orange [15, 25) h; area sources 0.6 t/h SO2 → city base 1.0 t/h
    result = run(four_cement_plants(), [window(Level.YELLOW, 10, 15),
                                        window(Level.ORANGE, 15, 25)], rng,
                 area_so2_t=0.6 * 8760)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].set_index("level")
    # yellow: only C cuts 50 % → 0.1 × 0.5 × 5 h = 0.25 t of a 5 t base
    assert so2.loc["yellow", "baseline_t"] == pytest.approx(5.0)
    assert so2.loc["yellow", "cut_t"] == pytest.approx(0.25)
    assert so2.loc["yellow", "cut_pct"] == pytest.approx(5.0)
    assert so2.loc["yellow", "target_pct"] == 10
    assert not so2.loc["yellow", "met"]
    # orange: B limits 20 %, C stops → (0.02 + 0.1) × 10 h = 1.2 t of 10 t
    assert so2.loc["orange", "cut_t"] == pytest.approx(1.2)
    assert so2.loc["orange", "cut_pct"] == pytest.approx(12.0)
    assert so2.loc["orange", "target_pct"] == 20
    assert set(so2["episode"]) == {1}
    tonnes = result.enterprise_tonnes.set_index("enterprise")
    assert tonnes.loc["E2", "SO2_actual_t"] == pytest.approx(0.1 * 48 - 0.25 - 1.0)
    # A grade and livelihood plants are never cut
    assert tonnes.loc["E3", "SO2_cut_t"] == 0
    assert tonnes.loc["E4", "SO2_cut_t"] == 0


def test_met_when_the_cut_reaches_the_target(rng):
    # no area sources: C stopping at orange removes 1/4 of the SO2 base, B another 1/20
    result = run(four_cement_plants(), [window(Level.ORANGE, 0, 10)], rng)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    assert so2.cut_pct == pytest.approx(30.0)
    assert so2.met


def test_separate_windows_are_separate_episodes(rng):
    result = run(four_cement_plants(), [window(Level.YELLOW, 5, 10),
                                        window(Level.YELLOW, 20, 30)], rng)
    assert sorted(set(result.episodes.episode)) == [1, 2]
    assert list(result.alerts.level) == ["yellow", "yellow"]


def test_audit_log_explains_every_rate_change(rng):
    result = run(four_cement_plants(), [window(Level.ORANGE, 10, 20)], rng)
    audit = result.audit
    # start: B 0 → 0.2 and C 0 → 1; end: both back to 0. A and livelihood never appear.
    assert sorted(audit.enterprise) == ["E1", "E1", "E2", "E2"]
    row = audit[(audit.enterprise == "E1") & (audit.level == "orange")].iloc[0]
    assert row.rule == "cement/B/orange"
    assert (row.cut_before, row.cut_after) == (0.0, pytest.approx(0.2))
    assert row.time == pd.Timestamp("2023-12-12 10:00")


def test_window_before_the_run_is_clipped(rng):
    result = run(four_cement_plants(), [window(Level.ORANGE, -5, 5)], rng)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    assert so2.hours == 5


@pytest.fixture(scope="module")
def luohe():
    return synthesize(city="漯河", enterprises=200, seed=7)


def conservation_holds(result, inv, hours):
    tonnes = result.enterprise_tonnes
    for k, pollutant in enumerate(("SO2", "NOx", "PM", "VOCs")):
        base = inv.emissions[:, k] / 8760.0 * hours
        assert np.allclose(tonnes[f"{pollutant}_baseline_t"], base)
        assert np.allclose(tonnes[f"{pollutant}_actual_t"] + tonnes[f"{pollutant}_cut_t"], base)
        assert (tonnes[f"{pollutant}_cut_t"] >= -1e-12).all()
    ep = result.episodes
    assert np.allclose(ep.baseline_t, ep.actual_t + ep.cut_t)


@settings(max_examples=25, deadline=None)
@given(
    bounds=st.lists(st.integers(0, 96), min_size=2, max_size=8, unique=True).map(sorted),
    levels=st.lists(st.sampled_from([Level.YELLOW, Level.ORANGE, Level.RED]), min_size=4,
                    max_size=4),
)
def test_conservation_for_any_window_sequence(luohe, bounds, levels):
    windows = [window(levels[i % 4], a, b) for i, (a, b) in
               enumerate(zip(bounds[:-1:2], bounds[1::2], strict=False))]
    sim = Simulation(city_inputs(luohe, windows, hours=96), np.random.default_rng(1))
    result = sim.run()
    conservation_holds(result, luohe, 96)
    # Segment tonnes (with and without alert) add up to what the enterprises emitted. Since
    # ramps a furnace still ramps back up after its window, so part of the cut lies
    # in no-alert segments: compare over all segments, not only the episodes.
    emitted = sum(seg.list_actual for seg in sim.ledger.segments)
    assert np.allclose(emitted, sim.enterprise_actual().sum(axis=0))
    cut_in_windows = result.episodes.groupby("pollutant").cut_t.sum()
    cut_total = result.enterprise_tonnes[[f"{p}_cut_t" for p in cut_in_windows.index]].sum()
    assert (cut_in_windows.to_numpy() <= cut_total.to_numpy() + 1e-9).all()
    # the breakdown by city, county, industry and grade adds up to the episode tally
    if len(result.breakdown):
        by_segment = result.breakdown.groupby("start")[[f"{p}_cut_t" for p in POLLUTANTS]].sum()
        list_cut = result.episodes.pivot_table(index="start", columns="pollutant",
                                               values="list_cut_t")
        assert np.allclose(by_segment.to_numpy(), list_cut[list(POLLUTANTS)].to_numpy())


def test_a_higher_level_never_emits_more(luohe, rng):
    actual = {}
    for level in (Level.YELLOW, Level.ORANGE, Level.RED):
        result = run(luohe, [window(level, 10, 40)], rng)
        actual[level] = result.enterprise_tonnes.filter(like="_actual_t").sum().to_numpy()
    assert (actual[Level.ORANGE] <= actual[Level.YELLOW] + 1e-9).all()
    assert (actual[Level.RED] <= actual[Level.ORANGE] + 1e-9).all()
    assert (actual[Level.RED] < actual[Level.YELLOW]).any()


# -- lines, ramps, exemptions, overrides, seasonal control, area measures, output --

def test_glass_line_ramps_down_and_up(rng):
    # glass B at orange cuts batch feed 20 % (sources.md §4.3); a furnace takes 48 h for a full
    # cut and 72 h to recover (assumption): 0.2 × 48 = 9.6 h down, 0.2 × 72 = 14.4 h up.
    inv = inventory([{"industry": "glass", "so2_t": RATE}])  # 0.1 t/h
    result = run(inv, [window(Level.ORANGE, 10, 30)], rng, hours=60)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    # ramp 10 → 19.6 h: mean cut 0.1 → 0.1 t/h × 0.1 × 9.6 h = 0.096 t
    # full cut 19.6 → 30 h: 0.1 × 0.2 × 10.4 = 0.208 t  → 0.304 t of a 2 t baseline
    assert so2.cut_t == pytest.approx(0.304)
    assert so2.cut_pct == pytest.approx(15.2)
    # after the window it ramps back up 30 → 44.4 h: 0.1 × 0.1 × 14.4 = 0.144 t more
    tonnes = result.enterprise_tonnes.set_index("enterprise")
    assert tonnes.loc["E1", "SO2_cut_t"] == pytest.approx(0.448)
    audit = result.audit.set_index("level")
    assert audit.loc["orange", "ramp_end"] == T0 + 19.6 * HOUR_
    assert audit.loc["none", "ramp_end"] == T0 + 44.4 * HOUR_
    assert audit.loc["orange", "measure"] == "load_reduction"


def test_multi_line_plant_stops_its_largest_line(rng):
    # cement C at yellow: 50 % by line; lines 3000, 2000, 2000 t/d with emission shares 2:1:1.
    # Fewest lines reaching 50 %: the first two (5/7 of capacity, 3/4 of emissions).
    inv = inventory([{"grade": "C", "so2_t": RATE, "lines": 3,
                      "line_capacity": "3000;2000;2000", "line_emissions": "2;1;1",
                      "output_value": 240.0}])  # 10 万元/h at full production
    result = run(inv, [window(Level.YELLOW, 0, 10)], rng, hours=20)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    assert so2.cut_t == pytest.approx(0.1 * 0.75 * 10)  # 0.75 t
    # output lost: 10 万元/h × 5/7 × 10 h
    assert so2.output_lost_wan == pytest.approx(10 * 5 / 7 * 10)
    audit = result.audit[result.audit.level == "yellow"]
    assert audit.line.tolist() == [1, 2] and (audit.cut_after == 1.0).all()
    assert (audit.measure == "stop_by_line").all()


def test_livelihood_and_online_plants_in_a_run(rng):
    inv = inventory([
        {"industry": "other", "grade": "非引领性", "so2_t": RATE, "livelihood": True,
         "guaranteed_load": 0.7},  # 以热定产: 30 % cut at any alert level
        {"grade": "B", "so2_t": RATE, "online_monitoring": True, "output_value": 24.0},
    ])
    result = run(inv, [window(Level.ORANGE, 0, 10)], rng, hours=10)
    tonnes = result.enterprise_tonnes.set_index("enterprise")
    assert tonnes.loc["E1", "SO2_cut_t"] == pytest.approx(0.1 * 0.3 * 10)
    # 限排不限产: emissions −20 %, output untouched
    assert tonnes.loc["E2", "SO2_cut_t"] == pytest.approx(0.1 * 0.2 * 10)
    assert tonnes.loc["E2", "output_lost_wan"] == 0.0
    assert tonnes.loc["E2", "output_value_wan"] == pytest.approx(10.0)
    rules = result.audit.set_index("enterprise").rule
    assert rules["E1"] == "exempt/livelihood/orange"


def test_override_is_flagged_in_the_audit_log(rng):
    inv = inventory([{"industry": "other", "grade": "非引领性", "so2_t": RATE,
                      "override_yellow": 0.2, "override_orange": 0.35}])
    result = run(inv, [window(Level.ORANGE, 0, 10)], rng, hours=10)
    row = result.audit.iloc[0]
    assert (row.rule, bool(row.override), row.cut_after) == ("一厂一策/E1/orange", True, 0.35)
    assert result.enterprise_tonnes.SO2_cut_t.iloc[0] == pytest.approx(0.35)


def test_seasonal_control_beneath_an_alert(rng):
    # 秋冬季错峰 over the whole run: cement C staggers 50 %; orange [10, 20) stops it.
    season = SeasonalControl(T0 - 100 * HOUR_, T0 + 1000 * HOUR_)
    inv = inventory([{"grade": "C", "so2_t": RATE}])
    result = run(inv, [window(Level.ORANGE, 10, 20)], rng, hours=48, seasonal=[season])
    tonnes = result.enterprise_tonnes.iloc[0]
    # 0.1 t/h × (0.5 × 38 h + 1.0 × 10 h) = 2.9 t
    assert tonnes.SO2_cut_t == pytest.approx(2.9)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    assert so2.cut_t == pytest.approx(1.0)
    assert result.audit.rule.tolist() == ["seasonal/cement/C", "cement/C/orange",
                                          "seasonal/cement/C"]


def test_area_sources_cut_at_their_own_level(rng):
    # list: one A-grade plant, 0.1 t/h, never cut; area: 0.9 t/h cut 20 % at orange
    cuts = np.zeros((len(Level), 4))
    cuts[Level.ORANGE, 0] = 0.2
    inv = inventory([{"grade": "A", "so2_t": RATE}])
    result = run(inv, [window(Level.ORANGE, 0, 10)], rng, hours=10,
                 area_so2_t=0.9 * 8760, area_cuts=cuts)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    # 0.9 t/h × 0.2 × 10 h = 1.8 t of a 10 t city-wide base
    assert (so2.cut_t, so2.area_cut_t, so2.list_cut_t) == (pytest.approx(1.8),
                                                          pytest.approx(1.8), 0.0)
    assert so2.cut_pct == pytest.approx(18.0)


def test_breakdown_reports_output_lost_by_group(rng):
    inv = inventory([{"grade": "C", "county": "临颍县", "output_value": 48.0, "so2_t": RATE},
                     {"grade": "C", "county": "舞阳县", "output_value": 24.0, "so2_t": RATE},
                     {"grade": "B", "county": "舞阳县", "output_value": 24.0, "so2_t": RATE}])
    result = run(inv, [window(Level.ORANGE, 0, 10)], rng, hours=10)
    b = result.breakdown.set_index(["county", "grade"])
    # C stops at orange: 2 万元/h × 10 h and 1 万元/h × 10 h; B limits 20 %: 0.2 × 10
    assert b.loc[("临颍县", "C"), "output_lost_wan"] == pytest.approx(20.0)
    assert b.loc[("舞阳县", "C"), "output_lost_wan"] == pytest.approx(10.0)
    assert b.loc[("舞阳县", "B"), "output_lost_wan"] == pytest.approx(2.0)
    assert b.loc[("舞阳县", "B"), "SO2_cut_t"] == pytest.approx(0.2)
    total = result.episodes.drop_duplicates("start").output_lost_wan.sum()
    assert total == pytest.approx(32.0)
    assert list(result.episodes.columns[:13]) == [
        "episode", "city", "level", "start", "end", "hours", "pollutant", "baseline_t",
        "actual_t", "cut_t", "cut_pct", "target_pct", "met"]  # kept; new ones appended
