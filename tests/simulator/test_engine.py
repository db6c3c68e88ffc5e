"""The engine against hand-computed tallies, and its invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.synthetic import synthesize
from simulator.engine import Simulation
from tests.simulator.conftest import city_inputs, inventory, window

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
    result = run(luohe, windows, np.random.default_rng(1), hours=96)
    conservation_holds(result, luohe, 96)
    # segment tonnes add up to what the enterprises emitted inside the windows
    cut_in_windows = result.episodes.groupby("pollutant").cut_t.sum()
    cut_total = result.enterprise_tonnes[[f"{p}_cut_t" for p in cut_in_windows.index]].sum()
    assert np.allclose(cut_in_windows.to_numpy(), cut_total.to_numpy())


def test_a_higher_level_never_emits_more(luohe, rng):
    actual = {}
    for level in (Level.YELLOW, Level.ORANGE, Level.RED):
        result = run(luohe, [window(level, 10, 40)], rng)
        actual[level] = result.enterprise_tonnes.filter(like="_actual_t").sum().to_numpy()
    assert (actual[Level.ORANGE] <= actual[Level.YELLOW] + 1e-9).all()
    assert (actual[Level.RED] <= actual[Level.ORANGE] + 1e-9).all()
    assert (actual[Level.RED] < actual[Level.YELLOW]).any()
