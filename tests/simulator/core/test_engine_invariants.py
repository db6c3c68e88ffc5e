"""Whole-run invariants of the engine over generated lists: a higher level never emits more,
a better grade is never cut more than a worse one, and baseline = actual + cut for every
enterprise."""

import itertools

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.grades import GRADE_SETS, grade_rank
from enterprises.industries import INDUSTRY_IDS, industry_by_id
from enterprises.schema import POLLUTANTS
from simulator.core.engine import Simulation
from tests.simulator.builders import city_inputs, inventory, window

NAN = float("nan")
GRADES = {i: GRADE_SETS[industry_by_id(i).grade_set] for i in INDUSTRY_IDS}

plant = st.sampled_from(INDUSTRY_IDS).flatmap(lambda ind: st.fixed_dictionaries({
    "industry": st.just(ind),
    "grade": st.sampled_from(GRADES[ind]),
    "so2_t": st.floats(0, 500), "nox_t": st.floats(0, 500), "pm_t": st.floats(0, 500),
    "vocs_t": st.floats(0, 500),
    "lines": st.integers(1, 4),
    "exemption": st.sampled_from(["none", "none", "none", "livelihood", "whitelist"]),
    "guaranteed_load": st.floats(0, 1),
    "online_monitoring": st.booleans(),
    "capacity_permit": st.one_of(st.just(NAN), st.floats(50, 150)),
    "output_last_year": st.one_of(st.just(NAN), st.floats(50, 150)),
}))


def _run(inv, level: Level, start_h: float, end_h: float, hours: float):
    inputs = city_inputs(inv, [window(level, start_h, end_h)], hours=hours)
    return Simulation(inputs, np.random.default_rng(0)).run()


def _actual(result) -> np.ndarray:
    frame = result.enterprise_tonnes
    return frame[[f"{p}_actual_t" for p in POLLUTANTS]].to_numpy()


# Found by the respond-level property: a 30 % limit on a small curtailment base cuts more at
# orange than red's 50 % stop by line, unless a higher level keeps the lower level's cut.
STEEL_ON_A_SMALL_BASE = {"industry": "steel_integrated", "grade": "B", "so2_t": 100.0,
                         "nox_t": 100.0, "pm_t": 100.0, "vocs_t": 100.0, "lines": 1,
                         "exemption": "none", "guaranteed_load": 1.0,
                         "online_monitoring": False, "capacity_permit": 50.0,
                         "output_last_year": 71.0}


# Found by this test: orange limits both lines of a steel B plant by 30 %, red stops one of the
# two; in a short window the stopping line has not ramped past what both limited lines did,
# unless the other line keeps its orange limit at red (the floor applies line by line).
STEEL_LIMIT_THEN_STOP_ONE_LINE = {**STEEL_ON_A_SMALL_BASE, "so2_t": 0.0, "nox_t": 0.0,
                                  "pm_t": 0.0, "vocs_t": 1.0, "lines": 2,
                                  "guaranteed_load": 0.0, "capacity_permit": NAN,
                                  "output_last_year": NAN}


# Windows last at least one 24-h day, as every alert the lifecycle issues does (docs/alerts.md):
# inside the first hours a fast 30 % limit can be ahead of a slow stop that ramps towards 100 %
# (steel B-, a 1-h window: 0.01378 t at orange vs 0.01379 t at red), a transient no issued
# alert shows. The pinned examples keep the short windows the line-by-line floor settles.
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(plant, min_size=1, max_size=10),
       span=st.tuples(st.integers(0, 30), st.integers(24, 72)))
@example(rows=[STEEL_ON_A_SMALL_BASE], span=(6, 48))
@example(rows=[STEEL_LIMIT_THEN_STOP_ONE_LINE], span=(0, 1))
def test_a_higher_level_never_emits_more(rows, span):
    inv = inventory([{**r, "livelihood": r["exemption"] == "livelihood"} for r in rows])
    start, length = span
    hours = start + length + 120  # room for the slowest ramp back up
    results = [_run(inv, lv, start, start + length, hours)
               for lv in (Level.YELLOW, Level.ORANGE, Level.RED)]
    emitted = [_actual(r) for r in results]
    for lower, higher in itertools.pairwise(emitted):
        assert (higher <= lower * (1 + 1e-12) + 1e-12).all()
    for t in (r.enterprise_tonnes for r in results):
        for p in POLLUTANTS:
            gap = t[f"{p}_baseline_t"] - t[f"{p}_actual_t"] - t[f"{p}_cut_t"]
            assert np.abs(gap).max() < 1e-9


@settings(max_examples=40, deadline=None)
@given(industry=st.sampled_from(INDUSTRY_IDS), level=st.sampled_from(
    [Level.YELLOW, Level.ORANGE, Level.RED]), lines=st.integers(1, 3))
def test_a_better_grade_is_never_cut_more_over_a_run(industry, level, lines):
    grades = GRADES[industry]
    inv = inventory([{"industry": industry, "grade": g, "so2_t": 100.0, "nox_t": 100.0,
                      "pm_t": 100.0, "vocs_t": 100.0, "lines": lines} for g in grades])
    t = _run(inv, level, 6, 54, 200).enterprise_tonnes
    cut_share = (t["NOx_cut_t"] / t["NOx_baseline_t"]).to_numpy()
    ranks = [grade_rank(g) for g in grades]
    for i, a in enumerate(grades):
        for j, b in enumerate(grades):
            if ranks[i] < ranks[j]:  # a is the better grade
                assert cut_share[i] <= cut_share[j] + 1e-12, (industry, a, b, level)
