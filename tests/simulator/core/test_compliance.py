"""Compliance, inspection and verification: golden cases, a statistical check of the
shortfall on a fixed seed set, monotonicity in the number of teams, determinism."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from alerts.levels import Level
from enterprises.synthetic import synthesize
from simulator.cli.app import app
from simulator.core.compliance import (
    COMPLIANT,
    LATE,
    NOT_STOPPING,
    PARTIAL,
    ComplianceModel,
    achieved_targets,
    draw_behaviour,
    priority_rank,
)
from simulator.core.engine import Simulation
from simulator.core.results import EPISODE_COLUMNS, REQUIRED_COLUMNS
from simulator.io.inputs import load_scenario
from simulator.spec.scenario import ScenarioError
from tests.simulator.builders import city_inputs, inventory, window

RATE = 876.0  # t/a → exactly 0.1 t/h
NO_FLAGS = {"online": 0.0, "power": 0.0, "video": 0.0, "none": 0.0}


def model(**kw) -> ComplianceModel:
    """Enabled model; tables may be given as dicts."""
    table = {"enabled": True, **kw}
    return ComplianceModel.from_table(table)


def simulation(inv, windows, compliance, seed=0, **kw) -> Simulation:
    inputs = replace(city_inputs(inv, windows, **kw), compliance=compliance)
    return Simulation(inputs, np.random.default_rng(seed))


def run(inv, windows, compliance, seed=0, **kw):
    return simulation(inv, windows, compliance, seed, **kw).run()


# -- pure parts ----------------------------------------------------------------------------

def test_full_compliance_targets_are_the_required_ones_bit_for_bit():
    required = np.array([0.0, 0.2, 1 / 3, 0.7, 1.0])
    got = achieved_targets(required, np.ones(5), np.zeros(5))
    assert np.array_equal(got, required)
    # inflating by 30 % under a 20 % limit: 1 − 1.3 × 0.8 = −0.04 (emits more than baseline)
    assert achieved_targets(np.array([0.2]), np.ones(1), np.array([0.3]))[0] == \
        pytest.approx(-0.04)


def test_behaviour_draws_do_not_depend_on_teams_or_inspection_knobs():
    grades = np.array(["C", "D", "B", "A"] * 50, dtype=object)
    online = np.zeros(200, bool)
    a = draw_behaviour(model(teams_per_county=0), grades, online, np.random.default_rng(3))
    b = draw_behaviour(model(teams_per_county=9, visit_hours=7.0, priority=["grade"]),
                       grades, online, np.random.default_rng(3))
    for field in ("channel", "record", "mode", "factor", "delay", "flagged"):
        assert np.array_equal(getattr(a, field), getattr(b, field))


def test_online_column_of_the_inventory_sets_the_channel():
    online = np.array([True, False] * 100)
    b = draw_behaviour(model(), np.array(["C"] * 200, dtype=object), online,
                       np.random.default_rng(1))
    assert (b.channel[online] == 0).all() and (b.channel[~online] != 0).all()


def test_priority_flags_then_large_then_grade():
    emissions = np.array([[10.0, 0, 0, 0], [1.0, 0, 0, 0], [2.0, 0, 0, 0], [3.0, 0, 0, 0]])
    grades = np.array(["B", "C", "B", "B"], dtype=object)
    flagged = np.array([False, False, True, False])
    rank = priority_rank(model(large_share=0.25), emissions, grades, flagged)
    # flagged E3 first; E1 is the one large emitter; then C-grade E2; then E4
    assert list(np.argsort(rank)) == [2, 0, 1, 3]


# -- golden engine cases ---------------------------------------------------------------------

def three_c_plants():
    # cement C stops at orange; sizes 0.3, 0.2, 0.1 t/h SO2
    return inventory([{"grade": "C", "so2_t": 3 * RATE}, {"grade": "C", "so2_t": 2 * RATE},
                      {"grade": "C", "so2_t": RATE}])


def never_stopping(**kw):
    return model(noncompliance={"C": 1.0}, channel_factor={"online": 1, "power": 1,
                                                            "video": 1, "none": 1},
                 record_share=0.0, modes={"not_stopping": 1.0}, detection=NO_FLAGS, **kw)


@pytest.mark.parametrize(("teams", "cut_t", "corrected_h"), [
    # 1 team, rounds of 1 + 3 h: E1 visited [0, 4) → corrected at 6, E2 [4, 8) → 10,
    # E3 [8, 12) → 14; cut 0.3 × 14 + 0.2 × 10 + 0.1 × 6 = 6.8 t of the 12 t required
    (1, 6.8, [6, 10, 14]),
    # 2 teams: E1 and E2 [0, 4) → 6, E3 [4, 8) → 10; 0.3 × 14 + 0.2 × 14 + 0.1 × 10 = 8.0 t
    (2, 8.0, [6, 6, 10]),
    (0, 0.0, []),
])
def test_inspection_rounds_find_and_correct_plants(teams, cut_t, corrected_h):
    result = run(three_c_plants(), [window(Level.ORANGE, 0, 20)],
                 never_stopping(teams_per_county=teams), hours=20)
    so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
    assert so2.cut_t == pytest.approx(cut_t)
    assert so2.required_cut_t == pytest.approx(0.6 * 20)  # 12 t
    assert so2.required_cut_pct == pytest.approx(100.0)
    visits = result.inspections
    assert list(visits.enterprise) == ["E1", "E2", "E3"][:len(corrected_h)]
    assert (visits.finding == "not_stopping").all()
    if teams:
        hours = (visits.corrected_at - pd.Timestamp("2023-12-12")) / pd.Timedelta(hours=1)
        assert hours.tolist() == corrected_h
        assert visits.team.iloc[0] == "临颍县-1"
    v = result.verification.set_index("enterprise")
    assert (v.required_cut == 1.0).all()
    # evidence: the visit, else the plant's (drawn) monitoring channel
    assert (v.evidence == ("inspection" if teams else v.monitoring)).all()


def test_late_responder_is_found_while_still_late():
    late = model(noncompliance={"C": 1.0}, record_share=0.0, modes={"late_response": 1.0},
                 late_hours=[5, 5], detection=NO_FLAGS, teams_per_county=1,
                 correction_hours=0.0)
    inv = inventory([{"grade": "C", "so2_t": RATE}])
    result = run(inv, [window(Level.ORANGE, 0, 20)], late, hours=20)
    # visit [0, 4): the plant would start at 5 h, so it is found late and corrected at 4 h:
    # cut over 16 of 20 h → achieved 0.8; without teams it would be 15/20 = 0.75
    v = result.verification.iloc[0]
    assert (v.finding, v.achieved_cut, v.required_cut) == ("late_response", 0.8, 1.0)
    alone = run(inv, [window(Level.ORANGE, 0, 20)], replace(late, teams_per_county=0),
                hours=20)
    assert alone.verification.achieved_cut.iloc[0] == pytest.approx(0.75)


def test_baseline_inflation_looks_like_a_cut_but_emits_more():
    inflating = model(noncompliance={"B": 1.0}, record_share=0.0,
                      modes={"baseline_inflation": 1.0}, inflation=0.3, inflation_hours=10.0,
                      teams_per_county=0)
    inv = inventory([{"grade": "B", "so2_t": RATE}])  # cement B limits 20 % at orange
    result = run(inv, [window(Level.ORANGE, 24, 34)], inflating, hours=48)
    t = result.enterprise_tonnes.iloc[0]
    # 0.1 t/h × 48 h = 4.8 t baseline; +30 % for 10 h before the response (0.3 t), then
    # 1.3 × 0.8 = 1.04 of the rate for 10 h (+0.04 t): 5.14 t emitted, cut −0.34 t
    assert t.SO2_actual_t == pytest.approx(5.14)
    assert t.SO2_baseline_t == pytest.approx(t.SO2_actual_t + t.SO2_cut_t)
    v = result.verification.iloc[0]
    assert v.required_cut == pytest.approx(0.2) and v.achieved_cut == pytest.approx(-0.04)
    # against the inflated level the response looks exactly like the required 20 % cut
    assert 1 - (1 - v.achieved_cut) / 1.3 == pytest.approx(0.2)
    rows = result.audit[result.audit.level == "none"]
    assert rows.rule.iloc[0] == "cement/B/none [baseline_inflation]"
    assert rows.time.iloc[0] == pd.Timestamp("2023-12-12 14:00")


# -- full compliance, the statistical shortfall, monotonicity -------------------------------

@pytest.fixture(scope="module")
def luohe():
    return synthesize(city="漯河", enterprises=200, seed=7)


EPISODES = [window(Level.YELLOW, 10, 30), window(Level.ORANGE, 30, 60),
            window(Level.RED, 60, 70), window(Level.ORANGE, 90, 120)]


def test_full_compliance_achieved_equals_required_exactly(luohe):
    honest = model(noncompliance={}, noncompliance_other=0.0, teams_per_county=2)
    result = run(luohe, EPISODES, honest, hours=144)
    ep = result.episodes
    assert list(ep.columns) == EPISODE_COLUMNS + REQUIRED_COLUMNS
    assert np.array_equal(ep.cut_t.to_numpy(), ep.required_cut_t.to_numpy())
    v = result.verification
    assert np.array_equal(v.achieved_cut.to_numpy(), v.required_cut.to_numpy())
    assert (v.shortfall == 0).all() and (v.behaviour == "compliant").all()
    assert (result.inspections.finding == "compliant").all()
    # and the same tonnes as with the model off, to float precision
    off = run(luohe, EPISODES, None, hours=144)
    assert list(off.episodes.columns) == EPISODE_COLUMNS and off.verification is None
    assert np.allclose(off.episodes.cut_t, ep.cut_t, rtol=1e-12, atol=1e-12)
    assert np.allclose(off.enterprise_tonnes.filter(like="_t"),
                       result.enterprise_tonnes.filter(like="_t"), rtol=1e-12, atol=1e-12)


# The statistical check. 1000 identical cement D plants (stop at orange, no ramp), orange for
# H = 24 h, no inspection teams; P(non-compliance) q = 0.4 with modes partial 1/2 (achieves
# f ~ U(0.2, 0.6)), not stopping 1/4, late 1/4 (delay d ~ U(0, 10) h). Shortfall per plant S
# (share of its required cut not achieved):
#   S = 1 − f  w.p. 0.2,   S = 1  w.p. 0.1,   S = d / 24  w.p. 0.1,   else 0
#   E[S]  = 0.2 × 0.6 + 0.1 + 0.1 × 5/24                         = 0.2408333
#   E[S²] = 0.2 × (0.6² + 0.4²/12) + 0.1 + 0.1 × (100/3)/576     = 0.1804537
#   sd(S) = √(0.1804537 − 0.2408333²) = 0.34993
# Over N = 1000 plants × 20 fixed seeds the mean has sd 0.34993 / √20000 = 0.0024744; the
# tolerance is 5 sd = 0.0124 (a random seed set would miss it with probability ≈ 6e-7, and the
# fixed set makes the test deterministic).
STAT_SEEDS = range(100, 120)
N_PLANTS = 1000
EXPECTED_SHORTFALL = 0.2 * 0.6 + 0.1 + 0.1 * 5 / 24
SD_SHORTFALL = math.sqrt(0.2 * (0.36 + 0.16 / 12) + 0.1 + 0.1 * (100 / 3) / 576
                         - EXPECTED_SHORTFALL ** 2)


@pytest.mark.slow
def test_shortfall_without_teams_matches_its_expected_value():
    inv = inventory([{"grade": "D", "so2_t": RATE}] * N_PLANTS)
    known = model(noncompliance={"D": 0.4}, record_share=0.0,
                  channel_factor={"online": 1, "power": 1, "video": 1, "none": 1},
                  modes={"partial_cut": 0.5, "not_stopping": 0.25, "late_response": 0.25},
                  partial_range=[0.2, 0.6], late_hours=[0, 10], teams_per_county=0)
    shortfalls = []
    for seed in STAT_SEEDS:
        result = run(inv, [window(Level.ORANGE, 24, 48)], known, seed=seed, hours=48)
        so2 = result.episodes[result.episodes.pollutant == "SO2"].iloc[0]
        shortfalls.append(1 - so2.cut_t / so2.required_cut_t)
        assert result.verification.shortfall.mean() == pytest.approx(shortfalls[-1])
    tolerance = 5 * SD_SHORTFALL / math.sqrt(N_PLANTS * len(STAT_SEEDS))
    assert pytest.approx(0.34993, abs=1e-5) == SD_SHORTFALL
    assert np.mean(shortfalls) == pytest.approx(EXPECTED_SHORTFALL, abs=tolerance)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_more_teams_never_lower_the_achieved_cut(luohe, seed):
    # a harsh model, so that teams have plenty to find; every mode, flags and ramps included
    harsh = {"noncompliance": {"B": 0.3, "C": 0.5, "D": 0.6}, "noncompliance_other": 0.4,
                 "visit_hours": 5.0, "travel_hours": 2.0, "correction_hours": 3.0}
    previous_city, previous_plants = None, None
    for teams in (0, 1, 2, 3, 5, 8):
        result = run(luohe, EPISODES, model(teams_per_county=teams, **harsh), seed=seed,
                     hours=144)
        city = result.episodes.cut_t.to_numpy()
        plants = result.verification.achieved_cut.to_numpy()
        if previous_city is not None:
            assert (city >= previous_city - 1e-9).all()
            assert (plants >= previous_plants - 1e-12).all()
        previous_city, previous_plants = city, plants
    assert (result.verification.achieved_cut <= result.verification.required_cut + 1e-12).all()


def test_modes_and_channels_are_drawn(luohe):
    b = simulation(luohe, EPISODES, model()).behaviour
    assert {COMPLIANT} < set(b.mode) and set(b.mode) <= {COMPLIANT, LATE, PARTIAL,
                                                          NOT_STOPPING, 4}
    assert (b.factor[b.mode == NOT_STOPPING] == 0).all()


# -- scenario knobs, files, determinism ------------------------------------------------------



@pytest.fixture
def scenario(demo_copy):
    path = demo_copy
    path.write_text(path.read_text(encoding="utf-8")
                    + "\n[compliance]\nenabled = true\nteams_per_county = 2\n"
                    "teams = { \"临颍县\" = 3 }\ncoverage = { online = 0.2, power = 0.5 }\n",
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_same_seed_gives_byte_identical_verification(scenario, tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / name), "-q",
                                     "--no-report"])
        assert result.exit_code == 0, result.output
    for file in ("verification.csv", "inspections.csv", "episodes.csv", "audit.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    v = pd.read_csv(tmp_path / "a" / "verification.csv", encoding="utf-8-sig")
    assert {"required_cut", "achieved_cut", "evidence"} <= set(v.columns)
    assert set(v.evidence) <= {"inspection", "online", "power", "video", "none"}
    ep = pd.read_csv(tmp_path / "a" / "episodes.csv", encoding="utf-8-sig")
    assert list(ep.columns[:len(EPISODE_COLUMNS)]) == EPISODE_COLUMNS  # appended after these
    assert set(REQUIRED_COLUMNS) <= set(ep.columns)


def test_scenario_table_is_parsed_and_checked(scenario):
    spec = load_scenario(scenario)
    assert spec.compliance.enabled and spec.compliance.teams_in("临颍县") == 3
    assert spec.compliance.teams_in("源汇区") == 2
    bad = scenario.read_text(encoding="utf-8").replace("teams_per_county = 2",
                                                       "teams_per_county = 2\nvisit_hours = 'x'")
    scenario.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"demo.toml: key compliance.visit_hours: value 'x'"):
        load_scenario(scenario)


@pytest.mark.parametrize(("line", "message"), [
    ("noncompliance = { C = 1.5 }", "compliance.noncompliance.C: value 1.5"),
    ("modes = { late_response = -1 }", "compliance.modes.late_response: value -1"),
    ("late_hours = [5, 2]",
     "compliance.late_hours: value [5, 2] — expected [low, high] with 0 ≤ low ≤ high"),
    ("partial_range = [0.5, 1.5]", "compliance.partial_range: value [0.5, 1.5] — expected "
     "[low, high] with 0 ≤ low ≤ high ≤ 1"),
    ("priority = ['flagged', 'size']",
     "compliance.priority[2]: value 'size' — expected flagged, large or grade"),
    ("priority = ['large', 'large']", "compliance.priority[2]: value 'large' — expected each "
     "key once"),
    ("modes = { late_response = 0 }", "compliance.modes: value {'late_response': 0.0} — "
     "expected at least one share > 0"),
    ("travel_hours = 0\nvisit_hours = 0", "compliance.visit_hours: value 0.0 — expected "
     "travel_hours + visit_hours > 0"),
    ("detection = { radio = 0.5 }", "compliance.detection.radio: unknown — expected online, "
     "power, video or none"),
    ("wibble = 1", "compliance.wibble: unknown — expected enabled, noncompliance, "),
])
def test_bad_compliance_values_name_the_key(scenario, line, message):
    scenario.write_text(scenario.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as bad:
        load_scenario(scenario)
    assert message in str(bad.value) and "\n" not in str(bad.value)


def test_model_checks_the_rules_between_its_fields():
    # each field's kind and bounds: the schema (test_bad_compliance_values_name_the_key)
    with pytest.raises(ValueError, match="coverage: value .* — expected shares adding up to ≤ 1"):
        ComplianceModel(coverage=(("online", 0.8), ("power", 0.5)))
    with pytest.raises(ValueError, match="visit_hours: value 0 — expected travel_hours \\+ "
                       "visit_hours > 0"):
        ComplianceModel(travel_hours=0, visit_hours=0)
