"""Transport restrictions: fleets, rules, the gate, emissions and the tally (sources.md §5, §12)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.transport import (
    EXEMPTIONS,
    STANDARDS,
    EmissionFactors,
    Fleet,
    FleetError,
    GatePolicy,
    TransportRules,
    TransportRulesError,
    synthesize_fleets,
    transport_tally,
)
from enterprises.transport_io import (
    DEFAULT_RULES_PATH,
    load_fleet,
    load_transport_rules,
    transport_rulesets,
    write_fleet,
)

EXPECTED = GatePolicy(draw="expected", surge=1.5, unserved="cancel", buffer_days=None)


def enterprises(rows: list[dict]) -> SimpleNamespace:
    """Inventory-like arrays; each row may set industry, grade, livelihood."""
    def col(key, default):
        return np.array([r.get(key, default) for r in rows], dtype=object)

    return SimpleNamespace(
        ids=np.array([f"E{i + 1}" for i in range(len(rows))], dtype=object),
        cities=col("city", "漯河"), counties=col("county", "临颍县"),
        industries=col("industry", "foundry"), grades=col("grade", "A"),
        livelihood=np.array([r.get("livelihood", False) for r in rows], dtype=bool),
    )


def fleet(rows: list[dict]) -> Fleet:
    """Rows: daily_trips, trip_km, mix {standard: share}, exempt {flag}, nonroad."""
    n = len(rows)
    mix = np.zeros((n, len(STANDARDS)))
    exempt = np.zeros((n, len(EXEMPTIONS)), dtype=bool)
    for i, r in enumerate(rows):
        for s, share in r.get("mix", {"china5": 1.0}).items():
            mix[i, STANDARDS.index(s)] = share
        for flag in r.get("exempt", ()):
            exempt[i, EXEMPTIONS.index(flag)] = True
    return Fleet([f"E{i + 1}" for i in range(n)], [r["daily_trips"] for r in rows],
                 [r.get("trip_km", 50.0) for r in rows], mix, exempt,
                 [r.get("nonroad", 0) for r in rows])


def one(result, column: str, segment: int = 1, enterprise: str = "E1"):
    frame = result.per_enterprise
    row = frame[(frame.segment == segment) & (frame.enterprise == enterprise)]
    assert len(row) == 1
    return row[column].iloc[0]


# -- golden cases ------------------------------------------------------------------------------


def test_golden_known_mix_at_orange():
    # Foundry, grade A (no per-grade rule), 40 trips/d ≥ 10: key. 50 km one way → 100 km/trip.
    # Mix 国三 10 %, 国四 30 %, 国五 50 %, electric 10 %; orange [0, 48) → two day-blocks.
    # Per day: 4 国三 + 12 国四 = 16 blocked; 24 compliant; quota 1.5 × 24 = 36 → 12 substituted,
    # 4 cancelled. Two days: 80 trips, 32 blocked, 24 substituted, 8 cancelled.
    ent = enterprises([{"industry": "foundry", "grade": "A"}])
    fl = fleet([{"daily_trips": 40, "trip_km": 50,
                 "mix": {"china3": 0.1, "china4": 0.3, "china5": 0.5, "electric": 0.1}}])
    res = transport_tally(fl, ent, [("orange", 0, 48)], policy=EXPECTED)
    assert one(res, "trips") == pytest.approx(80)
    assert one(res, "trips_blocked") == pytest.approx(32)
    assert one(res, "substituted") == pytest.approx(24)
    assert one(res, "cancelled") == pytest.approx(8)
    assert one(res, "deferred") == 0
    assert one(res, "rules") == "key-vehicles+nonroad-orange"  # rules binding it, in file order
    # NOx per day, g: 100 km × (4 × 7.934 + 12 × 5.554 + 20 × 4.721) = 19 280.4 → 2 d 38.5608 kg.
    assert one(res, "NOx_baseline_kg") == pytest.approx(38.5608)
    # blocked 100 × (31.736 + 66.648) = 9 838.4 g/d; a substitute emits the compliant-mix mean
    # (0.5 × 4.721 + 0.1 × 0) / 0.6 g/km: 12 × 100 × 3.93417 = 4 721.0 g/d. Cut 5 117.4 g/d.
    assert one(res, "NOx_cut_kg") == pytest.approx(2 * 5.1174)
    # PM10: blocked 100 × (4 × 0.270 + 12 × 0.153) = 291.6 g/d; substitutes 12 × 100 ×
    # 0.5 × 0.030 / 0.6 = 30 g/d → cut 261.6 g/d.
    assert one(res, "PM_cut_kg") == pytest.approx(2 * 0.2616)
    # VOCs (HC): 国三 0.255, 国四 0.129, 国五 0.129: blocked 100 × (1.02 + 1.548) = 256.8 g/d;
    # substitutes 12 × 100 × 0.5 × 0.129 / 0.6 = 129 g/d → cut 127.8 g/d.
    assert one(res, "VOCs_cut_kg") == pytest.approx(2 * 0.1278)


def test_golden_d_grade_plant_at_yellow_stops_all_road_transport():
    # Cement D, 30 trips/d of 国五 trucks, 20 km: grade-d-stop bars every truck at yellow.
    # NOx: 30 × 40 km × 4.721 g/km = 5 665.2 g per day, all cut, all deferred after the alert.
    ent = enterprises([{"industry": "cement", "grade": "D"}])
    fl = fleet([{"daily_trips": 30, "trip_km": 20, "mix": {"china5": 1.0}}])
    policy = GatePolicy(draw="expected", unserved="defer", buffer_days=1.0)
    res = transport_tally(fl, ent, [("yellow", 0, 72)], policy=policy)
    assert one(res, "trips_blocked") == pytest.approx(90)
    assert one(res, "substituted") == 0
    assert one(res, "deferred") == pytest.approx(90)
    assert one(res, "NOx_actual_kg") == pytest.approx(0)
    assert one(res, "NOx_cut_kg") == pytest.approx(3 * 5.6652)
    assert one(res, "NOx_deferred_kg") == pytest.approx(3 * 5.6652)
    assert "grade-d-stop" in one(res, "rules")
    # No raw material arrives; a 1-day stock lets day 1 run at full output (stock 1 + 0 → 1),
    # then production stops: days 2 and 3 limited to 0.
    limits = res.production_limits
    assert limits[["start_h", "end_h"]].to_numpy().tolist() == [[24, 48], [48, 72]]
    assert limits["max_production_fraction"].tolist() == [0.0, 0.0]


def test_half_delivered_buffer_arithmetic():
    # Foundry A, all 国四, 40 trips/d, no substitute (no compliant truck): every trip blocked.
    # Stock 0.5 d: day 1 receives 0 → produces 0.5; day 2 → 0.
    ent = enterprises([{}])
    fl = fleet([{"daily_trips": 40, "mix": {"china4": 1.0}}])
    policy = GatePolicy(draw="expected", unserved="cancel", buffer_days=0.5)
    res = transport_tally(fl, ent, [("orange", 0, 48)], policy=policy)
    assert res.production_limits["max_production_fraction"].tolist() == [0.5, 0.0]


def test_exempt_livelihood_carrier_nothing_blocked():
    ent = enterprises([{"industry": "foundry", "grade": "C"}, {"industry": "foundry", "grade": "C",
                                                             "livelihood": True}])
    fl = fleet([{"daily_trips": 40, "mix": {"china3": 0.5, "china4": 0.5},
                 "exempt": ["livelihood_logistics"]},
                {"daily_trips": 40, "mix": {"china4": 1.0}}])
    res = transport_tally(fl, ent, [("orange", 0, 24)], policy=EXPECTED)
    for e in ("E1", "E2"):  # ledger flag; 民生保障 enterprise of the inventory
        assert one(res, "trips", enterprise=e) == pytest.approx(40)
        assert one(res, "trips_blocked", enterprise=e) == 0
        assert one(res, "NOx_cut_kg", enterprise=e) == 0
        assert one(res, "exempted", enterprise=e)


def test_key_users_by_industry_then_trips_fallback():
    # Packaging printing is graded but not a bulk-material industry: never key, whatever its
    # trips. "other" (其他) says nothing by industry: the 10 trips/d fallback decides.
    ent = enterprises([{"industry": "packaging_printing"}, {"industry": "other"},
                       {"industry": "other"}, {"industry": "cement"}])
    fl = fleet([{"daily_trips": 50, "mix": {"china3": 1.0}},
                {"daily_trips": 9, "mix": {"china3": 1.0}},
                {"daily_trips": 10, "mix": {"china3": 1.0}},
                {"daily_trips": 2, "mix": {"china3": 1.0}}])
    res = transport_tally(fl, ent, [("orange", 0, 24)], policy=EXPECTED)
    got = {e: (one(res, "key", enterprise=e), one(res, "key_source", enterprise=e),
               one(res, "trips_blocked", enterprise=e)) for e in ("E1", "E2", "E3", "E4")}
    assert got["E1"] == (False, "industry", 0)
    assert got["E2"] == (False, "trips", 0)
    assert got["E3"] == (True, "trips", pytest.approx(10))  # ≥ 10 (sources.md §5)
    assert got["E4"] == (True, "industry", pytest.approx(2))  # cement: bulk, even at 2/d


def test_list_flag_decides_before_industry_and_trips():
    rules = TransportRules.default()
    fl = fleet([{"daily_trips": 50}, {"daily_trips": 1}, {"daily_trips": 50}, {"daily_trips": 50}])
    industries = ["cement", "furniture", "other", "cement"]
    listed = [False, True, False, False]
    stated = [True, True, False, False]  # rows 3 and 4: the list says nothing
    key, source = rules.key_users(fl, industries, listed, stated)
    assert key.tolist() == [False, True, True, True]
    assert source.tolist() == ["list", "list", "trips", "industry"]
    trips_only = replace(rules, key_sources=("trips",))
    key, source = trips_only.key_users(fl, industries, listed, stated)
    assert key.tolist() == [True, False, True, True] and set(source) == {"trips"}
    no_fallback = replace(rules, key_sources=("list", "industry"))
    key, source = no_fallback.key_users(fl, industries, listed, stated)
    assert key.tolist() == [False, True, False, True]
    assert source.tolist() == ["list", "list", "none", "industry"]


def test_golden_diesel_and_gas_china4_at_orange():
    # Foundry A (bulk: key by industry), 20 trips/d, half diesel 国四, half gas 国四, 50 km
    # one way (100 km a trip), orange for one day, surge 1.5, unserved cancelled.
    ent = enterprises([{"industry": "foundry", "grade": "A"}])
    fl = fleet([{"daily_trips": 20, "trip_km": 50, "mix": {"china4": 0.5, "gas4": 0.5}}])
    national = transport_tally(fl, ent, [("orange", 0, 24)], policy=EXPECTED)
    # National: the 10 diesel trips are blocked; gas passes. 10 gas trips, quota 1.5 × 10 = 15
    # → 5 diesel trips taken over by gas trucks (same 国四 factor), 5 cancelled.
    # NOx cut = 5 × 100 km × 5.554 g/km = 2 777 g.
    assert one(national, "trips_blocked") == pytest.approx(10)
    assert one(national, "substituted") == pytest.approx(5)
    assert one(national, "NOx_cut_kg") == pytest.approx(2.777)
    assert one(national, "NOx_baseline_kg") == pytest.approx(20 * 100 * 5.554 / 1000)
    # gas-included (Shijiazhuang Luquan, sources.md §11): all 20 blocked, no compliant truck
    # to take over: cut = 20 × 100 × 5.554 g = 11.108 kg, PM 20 × 100 × 0.153 g = 0.306 kg.
    gas = transport_tally(fl, ent, [("orange", 0, 24)], TransportRules.builtin("gas-included"),
                          policy=EXPECTED)
    assert one(gas, "trips_blocked") == pytest.approx(20)
    assert one(gas, "substituted") == 0
    assert one(gas, "NOx_cut_kg") == pytest.approx(11.108)
    assert one(gas, "PM_cut_kg") == pytest.approx(0.306)
    assert one(gas, "NOx_actual_kg") == pytest.approx(0)


def test_grade_rule_binds_below_the_threshold():
    # cement B: no 国IV trucks at yellow whatever its trip count (sources.md §4.3)
    ent = enterprises([{"industry": "cement", "grade": "B"}])
    fl = fleet([{"daily_trips": 4, "mix": {"china4": 0.5, "china5": 0.5}}])
    res = transport_tally(fl, ent, [("yellow", 0, 24)], policy=EXPECTED)
    assert one(res, "trips_blocked") == pytest.approx(2)
    assert one(res, "substituted") == pytest.approx(1)  # quota 1.5 × 2 − 2 compliant = 1


def test_no_alert_and_enterprises_without_trucks_give_no_rows():
    ent = enterprises([{}, {}])
    fl = fleet([{"daily_trips": 40}, {"daily_trips": 0, "mix": {}}])
    res = transport_tally(fl, ent, [("none", 0, 24), ("orange", 24, 48)], policy=EXPECTED)
    assert res.per_enterprise["enterprise"].tolist() == ["E1"]
    assert res.per_enterprise["segment"].tolist() == [1]


def test_nonroad_machinery_idled_at_orange_only():
    ent = enterprises([{"industry": "packaging_printing"}])
    fl = fleet([{"daily_trips": 2, "nonroad": 3}])
    res = transport_tally(fl, ent, [("yellow", 0, 24), ("orange", 24, 48)], policy=EXPECTED)
    assert res.per_enterprise["nonroad_idled"].tolist() == [0, 3]


# -- rules -------------------------------------------------------------------------------------


def test_allowed_standards_by_rule_set():
    ent = enterprises([{"industry": "foundry", "grade": "A"}])
    fl = fleet([{"daily_trips": 40}])
    allowed = {}
    for name in transport_rulesets():
        rules = load_transport_rules(ruleset=name)
        for level in (Level.YELLOW, Level.ORANGE):
            order = rules.order(level, fl, ent.industries, ent.grades, ent.livelihood)
            allowed[name, level.id] = [s for s, ok in zip(STANDARDS, order.allowed[0],
                                                          strict=True) if ok]
    everything = list(STANDARDS)
    china5_up = ["china5", "china6", "gas5", "gas6", "electric"]
    diesel5_up = ["china5", "china6", "gas4", "gas5", "gas6", "electric"]  # gas passes
    assert allowed["national", "yellow"] == everything
    assert allowed["national", "orange"] == diesel5_up
    assert allowed["yellow-start", "yellow"] == diesel5_up
    assert allowed["gas-included", "yellow"] == everything
    assert allowed["gas-included", "orange"] == china5_up
    assert allowed["china6-orange", "orange"] == ["china6", "gas6", "electric"]
    assert allowed["no-trucks", "yellow"] == []


def test_bundled_rules_cite_sources_and_requirements_load():
    rules = TransportRules.default()
    assert rules.id == "national" and rules.key_threshold == 10
    assert all("sources.md" in r.source for r in rules.rules)
    req = {(g.industry, g.grade): g.min_share for g in rules.grade_requirements}
    assert req == {("cement", "A"): 1.0, ("cement", "B"): 0.8, ("cement", "C"): 0.5}


def test_grade_shortfall():
    rules = TransportRules.default()
    fl = fleet([{"daily_trips": 20, "mix": {"china4": 0.3, "china5": 0.7}}] * 3)
    short = rules.grade_shortfall(fl, ["cement", "cement", "glass"], ["B", "C", "B"])
    assert short[:2] == pytest.approx([0.1, 0.0])  # B needs 80 % 国五+, has 70 %
    assert np.isnan(short[2])


def test_bad_rule_file_is_one_line(tmp_path: Path):
    data = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["rulesets"]["national"]["rules"][0]["min_stage"] = 9
    with pytest.raises(TransportRulesError) as err:
        TransportRules.from_dict(data, origin="transport_rules.toml")
    assert str(err.value) == ("transport_rules.toml: rulesets.national.rules[0].min_stage: "
                              "value 9 — expected a China stage 0–6 (5 = 国五+ or electric "
                              "allowed)")
    with pytest.raises(TransportRulesError, match="expected one of national"):
        TransportRules.from_dict(data, ruleset="nowhere")


# -- properties --------------------------------------------------------------------------------

_fleets = st.lists(
    st.fixed_dictionaries({
        "daily_trips": st.integers(0, 200),
        "trip_km": st.floats(1, 300),
        "mix": st.lists(st.floats(0, 1), min_size=8, max_size=8).filter(lambda m: sum(m) > 0),
        "industry": st.sampled_from(["cement", "foundry", "packaging_printing", "other"]),
        "grade": st.sampled_from(["A", "B", "C", "D"]),
        "flag": st.sampled_from([None, *EXEMPTIONS]),
    }),
    min_size=1, max_size=8,
)


def _build(rows):
    ent = enterprises([{"industry": r["industry"], "grade": r["grade"]} for r in rows])
    fl = fleet([{"daily_trips": r["daily_trips"], "trip_km": r["trip_km"],
                 "mix": dict(zip(STANDARDS, r["mix"], strict=True)),
                 "exempt": [r["flag"]] if r["flag"] else []} for r in rows])
    return ent, fl


def _rules_with_key_stage(stage: int) -> TransportRules:
    data = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["rulesets"]["national"]["rules"][0]["min_stage"] = stage
    return TransportRules.from_dict(data)


SEGMENTS = [("yellow", 0, 30), ("orange", 30, 80), ("red", 80, 100)]


@settings(max_examples=40, deadline=None)
@given(rows=_fleets, seed=st.integers(0, 2**32 - 1))
def test_tightening_the_banned_standard_never_blocks_fewer_trips(rows, seed):
    ent, fl = _build(rows)
    loose, strict = (transport_tally(fl, ent, SEGMENTS, _rules_with_key_stage(stage),
                                     np.random.default_rng(seed)).per_enterprise
                     for stage in (5, 6))
    assert (strict["trips"].to_numpy() == loose["trips"].to_numpy()).all()
    assert (strict["trips_blocked"].to_numpy() >= loose["trips_blocked"].to_numpy()).all()


@settings(max_examples=40, deadline=None)
@given(rows=_fleets, seed=st.integers(0, 2**32 - 1),
       unserved=st.sampled_from(["defer", "cancel"]))
def test_conservation_and_counts(rows, seed, unserved):
    ent, fl = _build(rows)
    res = transport_tally(fl, ent, SEGMENTS, rng=np.random.default_rng(seed),
                          policy=GatePolicy(unserved=unserved))
    f = res.per_enterprise
    for p in ("NOx", "PM", "VOCs"):
        assert np.allclose(f[f"{p}_baseline_kg"], f[f"{p}_actual_kg"] + f[f"{p}_cut_kg"])
        assert (f[f"{p}_cut_kg"] >= -1e-9).all()  # compliant trucks never emit more (bundled)
    served = f["substituted"] + f["deferred"] + f["cancelled"]
    assert np.array_equal(served, f["trips_blocked"])
    assert (f["trips_blocked"] <= f["trips"]).all()
    assert (f["trips"] % 1 == 0).all()  # Poisson draws are whole trips
    by_city = res.rollup("city")
    assert by_city["trips_blocked"].sum() == f["trips_blocked"].sum()
    lines = res.episode_rows()
    nox = lines[lines.pollutant == "NOx"]
    assert nox["cut_t"].sum() == pytest.approx(f["NOx_cut_kg"].sum() / 1000)


def _rules_with_key_ban(stage: int, gas: bool) -> TransportRules:
    data = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["rulesets"]["national"]["rules"][0] |= {"min_stage": stage, "gas_included": gas}
    return TransportRules.from_dict(data)


@settings(max_examples=40, deadline=None)
@given(rows=_fleets, stages=st.tuples(st.integers(1, 6), st.integers(0, 5)),
       gas=st.tuples(st.booleans(), st.booleans()), surge=st.sampled_from([1.0, 1.5, 3.0]))
def test_a_stricter_ban_never_emits_more(rows, stages, gas, surge):
    # Stricter: a higher stage floor, and/or gas trucks included. Same trips (expected
    # draws); with the bundled factors (never higher at a higher stage, gas as diesel) no
    # enterprise emits more in any segment, and none has fewer trips blocked. A diesel-only
    # floor above 5 is left out: it bars diesel 国五 while gas 国四 passes and takes over its
    # trips, so it can emit more (the bundled 国六 rule includes gas for that reason).
    ent, fl = _build(rows)
    loose_stage, strict_stage = stages[0], min(6, stages[0] + stages[1])
    if not (gas[0] or gas[1]):
        loose_stage, strict_stage = min(loose_stage, 5), min(strict_stage, 5)
    elif not gas[0]:
        loose_stage = min(loose_stage, 5)
    policy = GatePolicy(draw="expected", surge=surge, buffer_days=None)
    loose, strict = (transport_tally(fl, ent, SEGMENTS, _rules_with_key_ban(stage, g),
                                     policy=policy).per_enterprise
                     for stage, g in ((loose_stage, gas[0]), (strict_stage, gas[0] or gas[1])))
    for p in ("NOx", "PM", "VOCs"):
        assert (strict[f"{p}_actual_kg"].to_numpy()
                <= loose[f"{p}_actual_kg"].to_numpy() + 1e-9).all()
    assert (strict["trips_blocked"].to_numpy() >= loose["trips_blocked"].to_numpy() - 1e-9).all()


def test_rule_file_key_users_and_gas_flag_are_checked():
    data = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    bad_sources = {**data, "rulesets": {**data["rulesets"], "national": {
        **data["rulesets"]["national"], "key_users": ["list", "gate"]}}}
    with pytest.raises(TransportRulesError, match=r"key_users: value \['list', 'gate'\] — "
                       "expected a list of some of list, industry, trips"):
        TransportRules.from_dict(bad_sources, origin="t.toml")
    data["rulesets"]["national"]["rules"][0]["gas_included"] = "yes"
    with pytest.raises(TransportRulesError, match=r"rules\[0\].gas_included: value 'yes' — "
                       "expected true or false"):
        TransportRules.from_dict(data, origin="t.toml")


def test_same_seed_same_tally():
    ent = enterprises([{"industry": i, "grade": g} for i in ("cement", "foundry", "other")
                       for g in ("A", "B", "C", "D")])
    fl = synthesize_fleets(ent, np.random.default_rng(7))
    runs = [transport_tally(fl, ent, SEGMENTS, rng=np.random.default_rng(42)) for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0].per_enterprise, runs[1].per_enterprise)
    pd.testing.assert_frame_equal(runs[0].production_limits, runs[1].production_limits)
    other = transport_tally(fl, ent, SEGMENTS, rng=np.random.default_rng(43))
    assert not runs[0].per_enterprise.equals(other.per_enterprise)


def test_episodes_follow_touching_segments():
    ent = enterprises([{}])
    fl = fleet([{"daily_trips": 12}])
    segs = [("yellow", 0, 10), ("orange", 10, 20), ("none", 20, 30), ("orange", 30, 40)]
    res = transport_tally(fl, ent, segs, policy=EXPECTED)
    assert res.per_enterprise["episode"].tolist() == [1, 1, 2]
    assert res.rollup("episode")["trips"].tolist() == pytest.approx([10.0, 5.0])


# -- fleets and files --------------------------------------------------------------------------


def test_align_to_inventory_ids():
    fl = fleet([{"daily_trips": 12}, {"daily_trips": 30}])  # E1, E2
    aligned = fl.align(["E2", "X9", "E1"])
    assert aligned.daily_trips.tolist() == [30, 0, 12]
    assert aligned.mix[1].sum() == 0
    assert fl.unmatched(["E2"]).tolist() == ["E1"]


def test_synthetic_fleets_plausible_and_meet_grade_indicators():
    kinds = ["cement", "brick_tile", "glass", "packaging_printing", "furniture"]
    ent = enterprises([{"industry": k, "grade": g} for k in kinds for g in ("A", "B", "C")
                       for _ in range(20)])
    fl = synthesize_fleets(ent, np.random.default_rng(3))
    again = synthesize_fleets(ent, np.random.default_rng(3))
    assert np.array_equal(fl.mix, again.mix) and np.array_equal(fl.ids, ent.ids)
    trips = pd.Series(fl.daily_trips).groupby(ent.industries).median()
    # bulk-material industries run many more trucks than VOC industries (assumed medians
    # 120/40/30 vs 4 trips/d)
    assert min(trips[["cement", "brick_tile", "glass"]]) >= 5 * max(
        trips[["packaging_printing", "furniture"]])
    short = TransportRules.default().grade_shortfall(fl, ent.industries, ent.grades)
    cement = ent.industries == "cement"
    assert np.nanmax(short[cement]) <= 1e-12  # A 100 %, B ≥ 80 %, C ≥ 50 % 国五+ (§4.3)


def test_synthetic_fleets_use_stated_trucks_per_day():
    ent = enterprises([{"industry": "cement", "grade": "B"}] * 2)
    ent.trucks_per_day = np.array([0.0, 37.0])  # 0: not stated, drawn
    fl = synthesize_fleets(ent, np.random.default_rng(1))
    assert fl.daily_trips[1] == 37.0 and fl.daily_trips[0] > 0


def test_fleet_file_round_trip_and_chinese_headers(tmp_path: Path):
    fl = fleet([{"daily_trips": 12, "mix": {"china4": 0.25, "china5": 0.75},
                 "exempt": ["safe_operation"], "nonroad": 2}])
    back = load_fleet(write_fleet(fl, tmp_path / "fleet.csv"))
    pd.testing.assert_frame_equal(back.to_frame(), fl.to_frame())
    zh = tmp_path / "门禁台账.csv"
    zh.write_text("企业编号,日均货车进出车次,国四,国五,民生保障运输\nE1,20,1,3,是\n",
                  encoding="utf-8")
    loaded = load_fleet(zh)
    assert loaded.mix[0, STANDARDS.index("china5")] == 0.75  # counts become shares
    assert loaded.trip_km[0] == 50.0 and loaded.exempt[0, 0]


@pytest.mark.parametrize(("body", "message"), [
    ("E1,20,50,1\nE2,abc,50,1\n",
     "fleet.csv: row 3, column daily_trips: value 'abc' — expected a number ≥ 0"),
    ("E1,20,0,1\n", "fleet.csv: row 2, column trip_km: value '0' — expected a number > 0 (km)"),
    ("E1,20,50,1\nE1,5,50,1\n",
     "fleet.csv: row 3, column enterprise_id: value 'E1' — expected a unique id (row 2 has it "
     "already)"),
    ("E1,20,50,0\n", "fleet.csv: row 2, column china5: value '0' — expected a fleet mix with "
     "some trucks (a share or count > 0) when daily_trips > 0"),
])
def test_bad_fleet_row_is_one_line(tmp_path: Path, body: str, message: str):
    path = tmp_path / "fleet.csv"
    path.write_text("enterprise_id,daily_trips,trip_km,china5\n" + body, encoding="utf-8")
    with pytest.raises(FleetError) as err:
        load_fleet(path)
    assert str(err.value) == message and "\n" not in message


def test_emission_factors_match_rules_md():
    ef = EmissionFactors.default().g_per_km
    # sources.md §12.1 heavy diesel truck NOx, PM10, HC g/km: 国III, 国IV, 国V
    assert ef[:3].tolist() == [[7.934, 0.270, 0.255], [5.554, 0.153, 0.129],
                               [4.721, 0.030, 0.129]]
    assert ef[3, 0] == pytest.approx(4.721 * 1.420 / 3.894, abs=1e-4)  # §12.3 ratio, weak
    assert ef[STANDARDS.index("electric")].tolist() == [0, 0, 0]
