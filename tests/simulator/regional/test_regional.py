"""Regional runs end to end: several cities, both PM2.5 worlds, contributions and the CLI.

The golden scenarios make every number hand-computable: each city's list is one plant that
emits nothing, so the city-wide base is one area source of 876 t/a of each pollutant (0.1 t/h)
whose cut per level is set in the scenario; alerts come only from dispatch orders in the
region file (PM2.5 stays at 60 µg/m³, far below any alert criterion); the model responds
instantly (``response_hours = 0``) with the default 6 h lag per neighbour edge.
"""

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from alerts.io import load_ruleset
from alerts.levels import Level
from simulator.cli.app import app
from simulator.core.accounting import Ledger
from simulator.io.regional import load_regional_inputs, load_regional_scenario
from simulator.regional.model import (
    ANNUAL_TARGETS_PCT,
    heavy_day_ratio,
    hourly_cut_fractions,
    run_regional,
    transport_cut_fractions,
)
from simulator.spec.regional import RegionalSpec
from simulator.spec.scenario import ScenarioError

RUNNER = CliRunner()
REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "runs" / "regional-luohe-xuchang.toml"
GROUND = REPO / "runs" / "regional-luohe-xuchang-ground.toml"  # with compliance and trucks
LOCAL = 0.8 * 0.471  # anthropogenic share × local share (sources.md §8 defaults) = 0.3768
NONLOCAL = 0.8 * 0.529  # the rest of the responsive share, spread over neighbours = 0.4232
PM = 60.0  # µg/m³, IAQI 81: no alert of its own


def write_case(tmp: Path, cities: list[str], edges: list[tuple[str, str]], orders: list[dict],
               cuts: dict[str, float], airquality: str = "response_hours = 0",
               pm: dict[str, np.ndarray] | None = None, days: int = 2) -> Path:
    """A scenario over ``cities`` in ``tmp``; returns the scenario path."""
    rows = [{"id": f"E{k}", "name": f"企业{k}", "city": c, "county": f"{c}县",
             "industry": "cement", "grade": "B", "so2_t": 0.0, "nox_t": 0.0, "pm_t": 0.0,
             "vocs_t": 0.0} for k, c in enumerate(cities)]
    pd.DataFrame(rows).to_csv(tmp / "inventory.csv", index=False, encoding="utf-8-sig")
    hours = pd.date_range("2023-12-31 00:00", periods=24 * (days + 2), freq="h")
    frames = []
    for c in cities:
        values = pm[c] if pm and c in pm else np.full(len(hours), PM)
        frames.append(pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "city": c,
                                    "PM2.5": values}))
    pd.concat(frames).to_csv(tmp / "forecast.csv", index=False, encoding="utf-8-sig")
    region = [f'[[city]]\nname = "{c}"\nzones = ["z"]\nneighbours = '
              f'[{", ".join(repr(b) for a, b in edges if a == c)}]\n'.replace("'", '"')
              for c in cities]
    for k, o in enumerate(orders):
        region.append(f'[[dispatch]]\nid = "o{k}"\ncities = ["{o["city"]}"]\n'
                      f'level = "{o["level"]}"\nissued_at = "2024-01-01T00:00"\n'
                      f'start = "{o["start"]}"\nend = "{o["end"]}"\n')
    (tmp / "region.toml").write_text("\n".join(region), encoding="utf-8")
    cut_text = ", ".join(f"{level} = {value}" for level, value in cuts.items())
    scenario = tmp / "scenario.toml"
    scenario.write_text(f"""
[scenario]
name = "golden"
cities = [{", ".join(f'"{c}"' for c in cities)}]
seed = 1
start = "2024-01-01T00:00"
end = "{pd.Timestamp('2024-01-01') + pd.Timedelta(days=days):%Y-%m-%dT%H:%M}"

[inventory]
file = "inventory.csv"

[forecast]
file = "forecast.csv"

[region]
file = "region.toml"

[airquality]
{airquality}

[area_sources.other]
so2_t = 876.0
nox_t = 876.0
pm_t = 876.0
vocs_t = 876.0
cuts = {{ {cut_text} }}
""", encoding="utf-8")
    return scenario


def run_cli(scenario: Path, out: Path, *extra: str, report: bool = False):
    """``smogsim regional`` quietly; the report and figure only when a test reads them."""
    options = ["-q"] if report else ["-q", "--no-report"]
    return RUNNER.invoke(app, ["regional", str(scenario), "--out", str(out), *options, *extra])


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, encoding="utf-8-sig")


def series(frame: pd.DataFrame, city: str, column: str) -> np.ndarray:
    return frame.loc[frame.city == city, column].to_numpy()


ORANGE_A = {"city": "A", "level": "orange", "start": "2024-01-01T10:00",
            "end": "2024-01-02T10:00"}


def test_two_cities_hand_computed(tmp_path):
    scenario = write_case(tmp_path, ["A", "B"], [("A", "B")], [ORANGE_A], {"orange": 0.3})
    out = tmp_path / "out"
    result = run_cli(scenario, out)
    assert result.exit_code == 0, result.output
    air = read(out, "airquality.csv")
    assert len(air) == 2 * 48
    hours = np.arange(48)
    on_a = (hours >= 10) & (hours < 34)  # A cuts 30 % of every pollutant, hours 10–33
    on_b = (hours >= 16) & (hours < 40)  # … reaching B after the 6 h edge lag
    # A: 60 × (1 − 0.3 × 0.3768) = 60 × 0.88696 = 53.2176 µg/m³
    assert series(air, "A", "pm25_with") == pytest.approx(np.where(on_a, 53.2176, PM))
    # B: all of B's non-local share comes from A: 60 × (1 − 0.3 × 0.4232) = 52.3824
    assert series(air, "B", "pm25_with") == pytest.approx(np.where(on_b, 52.3824, PM))
    assert (air.pm25_without == PM).all()
    assert series(air, "A", "alert_level")[10] == "orange"
    contributions = read(out, "contributions.csv").set_index(["receptor", "source"])
    # A → A: 6.7824 µg/m³ for 24 of 48 h → mean 3.3912; A → B: 7.6176 → mean 3.8088
    assert contributions.loc[("A", "A"), "mean_ug"] == pytest.approx(3.3912, abs=1e-6)
    assert contributions.loc[("A", "A"), "max_ug"] == pytest.approx(6.7824, abs=1e-6)
    assert contributions.loc[("B", "A"), "mean_ug"] == pytest.approx(3.8088, abs=1e-6)
    assert contributions.loc[("B", "B"), "mean_ug"] == 0
    assert contributions.loc[("B", "A"), "share_pct"] == pytest.approx(100.0)
    heavy = read(out, "heavy_pollution.csv").set_index("city")
    assert heavy.loc["A", "alert_hours"] == 24 and heavy.loc["B", "alert_hours"] == 0
    assert heavy.loc["A", "reduction_alert_pct"] == pytest.approx(100 * 0.3 * LOCAL)


@pytest.mark.parametrize("bad", [False, True])
def test_a_bureau_matrix_replaces_the_defaults_end_to_end(tmp_path, bad):
    (tmp_path / "matrix.csv").write_text(
        "receptor,source,pollutant,sensitivity,lag_hours\n"
        f"A,A,PM,{'-0.5' if bad else '0.5'},0\nB,A,NOx,0.2,3\nB,B,PM,0.4,0\n",
        encoding="utf-8")
    scenario = write_case(tmp_path, ["A", "B"], [], [ORANGE_A], {"orange": 0.3},
                          airquality='response_hours = 0\nmatrix = "matrix.csv"')
    out = tmp_path / "out"
    result = run_cli(scenario, out)
    if bad:
        assert result.exit_code == 2 and not out.exists()
        assert "matrix.csv: row 2, column sensitivity: value -0.5" in result.output
        return
    assert result.exit_code == 0, result.output
    air = read(out, "airquality.csv")
    hours = np.arange(48)
    # A: its PM cut alone counts, 60 × (1 − 0.3 × 0.5) = 51; B: A's NOx 3 h later,
    # 60 × (1 − 0.3 × 0.2) = 56.4
    assert series(air, "A", "pm25_with") == pytest.approx(
        np.where((hours >= 10) & (hours < 34), 51.0, PM))
    assert series(air, "B", "pm25_with") == pytest.approx(
        np.where((hours >= 13) & (hours < 37), 56.4, PM))
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"matrix": "sha256:' in manifest and "matrix.csv" in manifest


def test_three_city_chain_adds_both_neighbours_by_weight(tmp_path):
    orders = [ORANGE_A, {**ORANGE_A, "city": "C", "level": "yellow"}]
    scenario = write_case(tmp_path, ["A", "B", "C"], [("A", "B"), ("B", "C")], orders,
                          {"yellow": 0.1, "orange": 0.3})
    spec = load_regional_scenario(scenario)
    inputs = load_regional_inputs(spec)
    run = run_regional(spec, inputs)
    b = run.air.pm25_with["B"].to_numpy()
    # B hears half its non-local share from each neighbour: (0.3 + 0.1) × 0.4232 / 2 = 0.08464
    assert b[16:40] == pytest.approx(np.full(24, PM * (1 - 0.08464)))  # 54.9216
    assert b[:16] == pytest.approx(np.full(16, PM)) and b[40:] == pytest.approx(np.full(8, PM))
    c = run.air.pm25_with["C"].to_numpy()
    assert c[10:34] == pytest.approx(np.full(24, PM * (1 - 0.1 * LOCAL)))  # 57.7392
    # acting alone, each city follows its own forecast only: no dispatch order, no cut
    alone = run_regional(spec, inputs, "alone")
    assert not any(alone.windows.values())
    assert (alone.air.pm25_with == alone.air.pm25_without).all().all()


@pytest.mark.parametrize(("orders", "cuts"), [
    ([ORANGE_A], {"orange": 0.0}),  # an alert whose measures cut nothing
    ([], {"orange": 0.3}),  # no alert at all
])
def test_zero_emission_change_gives_zero_concentration_change(tmp_path, orders, cuts):
    scenario = write_case(tmp_path, ["A", "B"], [("A", "B")], orders, cuts,
                          airquality="")  # default 24 h response time
    out = tmp_path / "out"
    assert run_cli(scenario, out).exit_code == 0
    raw = (out / "airquality.csv").read_text(encoding="utf-8-sig").splitlines()
    for line in raw[1:]:
        _, _, with_, without, aqi_with, aqi_without, reduction = line.split(",")[:7]
        assert (with_, aqi_with, reduction) == (without, aqi_without, "0.000000")
    assert (read(out, "contributions.csv").mean_ug == 0).all()


def test_replay_reconstructs_the_rehearsal_forecast(tmp_path):
    rehearsal_dir, replay_dir = tmp_path / "rehearsal", tmp_path / "replay"
    rehearsal_dir.mkdir()
    replay_dir.mkdir()
    rng = np.random.default_rng(7)
    pm = {c: 40 + 30 * rng.random(96) for c in ("A", "B")}  # below any alert, varying
    scenario = write_case(rehearsal_dir, ["A", "B"], [("A", "B")], [ORANGE_A],
                          {"orange": 0.3}, airquality='mode = "rehearsal"', pm=pm)
    spec = load_regional_scenario(scenario)
    rehearsal = run_regional(spec, load_regional_inputs(spec))
    # the rehearsal's world with measures becomes the replay's observations
    observed = {c: pm[c].copy() for c in pm}
    for c in observed:
        observed[c][24:72] = rehearsal.air.pm25_with[c].to_numpy()  # the run's 48 h
    scenario = write_case(replay_dir, ["A", "B"], [("A", "B")], [ORANGE_A], {"orange": 0.3},
                          airquality='mode = "replay"', pm=observed)
    spec = load_regional_scenario(scenario)
    replay = run_regional(spec, load_regional_inputs(spec))
    assert replay.windows == rehearsal.windows
    for c in ("A", "B"):
        assert replay.air.pm25_without[c].to_numpy() == pytest.approx(pm[c][24:72])
        assert replay.air.pm25_with[c].to_numpy() == pytest.approx(
            rehearsal.air.pm25_with[c].to_numpy())
    assert replay.air.contributions == pytest.approx(rehearsal.air.contributions)


def test_cut_fractions_are_exact_in_tonnes_per_segment():
    # 1 t/h of SO2 (list 0.6 + area 0.4); none [0, 2.5), orange [2.5, 6) cutting 20 %,
    # none [6, 8) with a last 0.1 t still cut while ramping back
    ledger = Ledger(np.array([0.6, 0, 0, 0]), np.array([0.4, 0, 0, 0]), load_ruleset("mee-2024"))
    ledger.enter(Level.NONE, 0.0, None)
    ledger.add(np.array([2.5, 0, 0, 0]), np.zeros(4))
    ledger.enter(Level.ORANGE, 2.5, None)
    ledger.add(np.array([3.5 * 0.8, 0, 0, 0]), np.zeros(4))
    ledger.enter(Level.NONE, 6.0, None)
    ledger.add(np.array([1.9, 0, 0, 0]), np.zeros(4))
    ledger.close(8.0)
    f = hourly_cut_fractions(ledger, 8)[:, 0]
    # hour 2 holds 0.5 h of the 20 % segment → 0.1; hours 6–7 share the 0.1 t → 0.05 each
    assert f == pytest.approx([0, 0, 0.1, 0.2, 0.2, 0.2, 0.05, 0.05])
    assert f.sum() * 1.0 == pytest.approx(3.5 * 0.2 + 0.1)  # tonnes cut, t/h × h
    assert not hourly_cut_fractions(ledger, 8)[:, 1:].any()  # no base, no cut


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.tuples(st.floats(0.05, 30), st.floats(0, 1)), min_size=1, max_size=8))
def test_cut_fractions_conserve_tonnes_for_any_segments(cuts):
    """Σ_h f[h] × baseline rate = Σ segment cut t, for segment ends anywhere in the hour."""
    rate = np.array([0.7, 0.2, 0.0, 1.3])  # t/h, PM has no base
    ledger = Ledger(rate * 0.75, rate * 0.25, load_ruleset("mee-2024"))
    now, cut_t = 0.0, np.zeros(4)
    for span, share in cuts:
        ledger.enter(Level.ORANGE if share else Level.NONE, now, None)
        ledger.add(rate * 0.75 * span * (1 - share), rate * 0.25 * span * (1 - share))
        now += span
        cut_t += rate * span * share
    ledger.close(now)
    f = hourly_cut_fractions(ledger, int(np.ceil(now)))
    assert (f * rate).sum(axis=0) == pytest.approx(cut_t, rel=1e-9, abs=1e-9)
    assert (f >= -1e-12).all() and (f <= 1 + 1e-12).all()


def test_annual_heavy_day_ratio_against_the_targets():
    hours = pd.date_range("2025-01-01", "2025-12-31 23:00", freq="h")
    without = pd.DataFrame({"漯河": 60.0, "许昌": 60.0}, index=hours)
    without.loc["2025-01-01":"2025-01-07", "漯河"] = 160.0  # 7 days: AQI 210 > 200
    without.loc["2025-01-01":"2025-01-05", "许昌"] = 160.0  # 5 days
    with_ = without.copy()
    with_.loc["2025-01-06":"2025-01-07", "漯河"] = 140.0  # two days saved: AQI 190
    with_.loc["2025-02-01":"2025-02-04", "许昌"] = np.nan  # 4 invalid days
    frame = heavy_day_ratio(with_, without).set_index("city")
    # 漯河: 7 / 365 = 1.918 % > 1.7 % without measures; 5 / 365 = 1.370 % ≤ 1.7 % with
    assert frame.loc["漯河", "ratio_without_pct"] == pytest.approx(100 * 7 / 365)
    assert frame.loc["漯河", "ratio_with_pct"] == pytest.approx(100 * 5 / 365)
    assert not frame.loc["漯河", "met_without"] and frame.loc["漯河", "met_with"]
    # 许昌: 5 / 365 = 1.370 % ≤ 1.6 %; valid days are counted on the world without
    assert frame.loc["许昌", "ratio_with_pct"] == pytest.approx(100 * 5 / 365)
    assert frame.loc["许昌", "target_pct"] == ANNUAL_TARGETS_PCT["许昌"] == 1.6
    assert frame.loc["许昌", "met_with"]
    assert frame.loc["许昌", "target_source"] == "the city's 2024 air-quality action plan"


@pytest.mark.slow
def test_a_year_long_run_prints_the_annual_view(tmp_path):
    scenario = write_case(tmp_path, ["A", "B"], [("A", "B")], [ORANGE_A], {"orange": 0.3},
                          airquality="response_hours = 0\ntargets = { A = 1.0 }", days=300)
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["regional", str(scenario), "--out", str(out), "--no-report"],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Annual view" in result.output
    annual = read(out, "annual.csv").set_index("city")
    assert annual.loc["A", "valid_days"] == 300 and annual.loc["A", "heavy_days_with"] == 0
    assert annual.loc["A", "target_pct"] == 1.0 and annual.loc["A", "target_source"] == "scenario"


@pytest.mark.slow
def test_example_regional_rehearsal_runs_and_regional_beats_alone(tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["regional", str(EXAMPLE), "--compare", "--out", str(out)],
                           terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "Regional response vs cities acting alone" in result.output
    for name in ("airquality.csv", "contributions.csv", "heavy_pollution.csv", "comparison.csv",
                 "alerts.csv", "episodes.csv", "manifest.json", "airquality.png"):
        assert (out / name).is_file(), name
    air = read(out, "airquality.csv")
    assert set(air.city) == {"漯河", "许昌"}
    assert (air.pm25_with <= air.pm25_without + 1e-9).all()
    comparison = read(out, "comparison.csv").set_index(["city", "response"])
    for city in ("漯河", "许昌"):
        regional = comparison.loc[(city, "regional")]
        alone = comparison.loc[(city, "alone")]
        assert regional.reduction_alert_pct > alone.reduction_alert_pct > 0
        assert regional.heavy_hours_avoided >= alone.heavy_hours_avoided >= 0
        # sources.md §8: ~2–27 % PM2.5 reduction for 10–30 % emission cuts
        assert 2 <= regional.reduction_alert_pct <= 27
    # the contributions add up to the whole reduction, receptor by receptor
    contributions = read(out, "contributions.csv")
    for city in ("漯河", "许昌"):
        removed = (series(air, city, "pm25_without") - series(air, city, "pm25_with")).mean()
        total = contributions.loc[contributions.receptor == city, "mean_ug"].sum()
        assert total == pytest.approx(removed, abs=1e-5)


def test_json_prints_the_summary_instead_of_tables(tmp_path):
    scenario = write_case(tmp_path, ["A", "B"], [("A", "B")], [ORANGE_A], {"orange": 0.3})
    out = tmp_path / "out"
    result = run_cli(scenario, out, "--json", "--compare")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # nothing but JSON on stdout
    assert summary["cities"] == ["A", "B"] and summary["response"] == "regional"
    assert summary["run_directory"] == str(out) and summary["period"][0] == "2024-01-01T00:00"
    # A's orange order, hand-set in the region file: 24 h from 01-01 10:00; B has no alert
    (alert,) = summary["alerts"]
    assert (alert["city"], alert["level"], alert["start"], alert["end"], alert["hours"]) == (
        "A", "orange", "2024-01-01T10:00", "2024-01-02T10:00", 24.0)
    # the area source cuts 30 % of every pollutant at orange: 2.4 t of 0.1 t/h × 24 h
    orange = [e for e in summary["episodes"] if e["level"] == "orange"]
    assert {e["pollutant"] for e in orange} == {"SO2", "NOx", "PM", "VOCs"}
    for e in orange:
        assert e["baseline_t"] == pytest.approx(2.4) and e["cut_pct"] == pytest.approx(30.0)
        assert e["target_pct"] == 20.0 and e["met"] is True
    # the tables equal the CSV files, NaN as null (B has no alert hours)
    heavy = read(out, "heavy_pollution.csv")
    assert [h["city"] for h in summary["heavy_pollution"]] == list(heavy.city)
    b = next(h for h in summary["heavy_pollution"] if h["city"] == "B")
    assert b["alert_hours"] == 0 and b["reduction_alert_pct"] is None
    comparison = read(out, "comparison.csv")
    assert [(c["city"], c["response"]) for c in summary["comparison"]] == list(
        zip(comparison.city, comparison.response, strict=True))
    assert len(summary["contributions"]) == 4 and "feedback" not in summary


@pytest.mark.slow
def test_example_is_deterministic(tmp_path):
    for name in ("a", "b"):
        assert run_cli(EXAMPLE, tmp_path / name, report=True).exit_code == 0
    for file in ("airquality.csv", "contributions.csv", "episodes.csv", "airquality.png"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_feedback_can_only_shorten_alerts_and_is_reported(tmp_path):
    shutil.copytree(EXAMPLE.parent / "data", tmp_path / "data")
    text = EXAMPLE.read_text(encoding="utf-8").replace("feedback = false", "feedback = true")
    scenario = tmp_path / "feedback.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["regional", str(scenario), "--out", str(out), "--no-report"],
                           terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "Feedback" in result.output
    loop = read(out, "feedback.csv")
    first, last = loop.iteration.min(), loop.iteration.max()
    assert first == 0 and last <= 5
    before = loop[loop.iteration == first].set_index("city").alert_hours
    after = loop[loop.iteration == last].set_index("city").alert_hours
    assert (after <= before).all()
    # the written series belong to the final windows
    air = read(out, "airquality.csv")
    heavy = read(out, "heavy_pollution.csv").set_index("city")
    for city in ("漯河", "许昌"):
        on = np.isin(series(air, city, "alert_level"), ["yellow", "orange", "red"])
        assert on.sum() == heavy.loc[city, "alert_hours"] == after[city]


def test_single_city_scenario_runs_too(tmp_path):
    out = tmp_path / "out"
    assert run_cli(REPO / "runs" / "demo.toml", out).exit_code == 0
    assert set(read(out, "airquality.csv").city) == {"漯河"}


@pytest.mark.parametrize(("edit", "message"), [
    (('cities = ["漯河", "许昌"]', 'cities = ["漯河", "许昌", "郑州"]'),
     "column city: no rows for city '郑州'"),
    (('mode = "rehearsal"', 'mode = "forecast"'),
     "key airquality.mode: value 'forecast' — expected rehearsal or replay"),
    (('mode = "rehearsal" ', 'mode = "replay" ', 'feedback = false', 'feedback = true'),
     "key airquality.feedback: value true — expected false in a replay"),
    (('cities = ["漯河", "许昌"]', 'cities = ["漯河", "漯河"]'), "expected each city once"),
    (('[city."许昌".area_sources.dust]', '[city."周口".area_sources.dust]'),
     "key city.周口: unknown city"),
    (('pm_t = 3250.0', 'pm_t = -1.0'), "key city.许昌.area_sources.dust.pm_t: value -1.0"),
    # a table regional runs do not know is an error, never ignored
    (('[airquality]', '[trasnport]\nfleet = "synthetic"\n\n[airquality]'),
     "key trasnport: unknown table — expected scenario, inventory, forecast, region, "
     "area_sources, measures, seasonal, compliance, transport, airquality, city"),
    (('[city."许昌".area_sources.dust]',
      '[city."许昌".compliance]\nteams_per_county = -1\n\n[city."许昌".area_sources.dust]'),
     "key city.许昌.compliance.teams_per_county: value -1 — expected a whole number ≥ 0"),
    (('[city."许昌".area_sources.dust]',
      '[city."许昌".transport]\nsurge = 0.5\n\n[city."许昌".area_sources.dust]'),
     "key city.许昌.transport.surge: value 0.5"),
])
def test_bad_multi_city_input_exits_2_with_one_line(tmp_path, edit, message):
    shutil.copytree(EXAMPLE.parent / "data", tmp_path / "data")
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in zip(edit[::2], edit[1::2], strict=True):  # (old, new, old, new, …)
        assert text.count(old) == 1
        text = text.replace(old, new)
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["regional", str(scenario), "--out", str(out)],
                           terminal_width=400)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_spec_rejects_city_and_cities_together(tmp_path):
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["scenario"]["city"] = "漯河"
    with pytest.raises(ScenarioError, match="key scenario.city: value '漯河' — expected either "
                       "scenario.city or scenario.cities, not both"):
        RegionalSpec.from_dict(data, EXAMPLE)


# -- [compliance] and [transport] in regional runs --------------------------------------------
def regional(edit=None) -> "RegionalRun":  # noqa: F821 - a string annotation for the reader
    """The Luohe–Xuchang example run in-process, its parsed file changed by ``edit(data)``."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    spec = RegionalSpec.from_dict(data, EXAMPLE)  # paths stay relative to runs/
    return run_regional(spec, load_regional_inputs(spec))


@pytest.fixture(scope="module")
def plain():
    return regional()


@pytest.fixture(scope="module")
def ground(tmp_path_factory):
    """The ground example (compliance + trucks) through the CLI: its run directory."""
    out = tmp_path_factory.mktemp("ground") / "run"
    result = RUNNER.invoke(app, ["regional", str(GROUND), "--out", str(out), "--json",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    (out / "summary.json").write_text(result.stdout, encoding="utf-8")
    return out


def tonnes(run) -> pd.DataFrame:
    return run.combined().episodes[["city", "start", "pollutant", "baseline_t", "actual_t",
                                    "cut_t"]]


@pytest.mark.slow
def test_full_compliance_gives_the_same_tonnes_as_no_compliance_model(plain):
    full = regional(lambda d: d.update(compliance={
        "enabled": True, "noncompliance": {}, "noncompliance_other": 0.0}))
    pd.testing.assert_frame_equal(tonnes(full), tonnes(plain), rtol=1e-12)
    episodes = full.combined().episodes
    assert episodes.required_cut_t.to_numpy() == pytest.approx(episodes.cut_t.to_numpy())
    verification = full.combined().verification
    assert set(verification.city) == {"漯河", "许昌"}
    assert (verification.behaviour == "compliant").all()
    assert verification.shortfall.abs().max() < 1e-12
    for city in ("漯河", "许昌"):
        assert full.air.pm25_with[city].to_numpy() == pytest.approx(
            plain.air.pm25_with[city].to_numpy(), rel=1e-12)


@pytest.mark.slow
def test_compliance_lowers_what_the_measures_achieve_and_pm25_shows_it(plain):
    evading = regional(lambda d: d.update(compliance={"enabled": True}))
    episodes = evading.combined().episodes
    assert (episodes.cut_t <= episodes.required_cut_t + 1e-9).all()
    assert (episodes.cut_t < episodes.required_cut_t - 1e-3).any()
    # the required cut is what full compliance cuts: the plain run's tonnes
    assert episodes.required_cut_t.to_numpy() == pytest.approx(
        plain.combined().episodes.cut_t.to_numpy(), rel=1e-9)
    for city in ("漯河", "许昌"):
        worse = evading.air.pm25_with[city].to_numpy() - plain.air.pm25_with[city].to_numpy()
        assert (worse >= -1e-9).all() and worse.max() > 0.01, city
    inspections = evading.combined().inspections
    assert set(inspections.city) == {"漯河", "许昌"} and len(inspections) > 0


def test_cut_fractions_hold_each_segment_s_truck_cut_evenly():
    # NOx: a segment [2.5, 6) h of 3.5 t baseline (1 t/h) whose trucks cut 0.385 t, of which
    # 0.035 t the mobile sector's cut had already taken from the same trucks → net 0.35 t, 10 %;
    # SO2 has no truck figure (NaN); a second segment [7, 8) cuts nothing
    start = pd.Timestamp("2024-01-01")
    at = [start + pd.Timedelta(hours=h) for h in (2.5, 6.0, 7.0, 8.0)]
    episodes = pd.DataFrame({
        "start": [at[0], at[0], at[2]], "end": [at[1], at[1], at[3]],
        "pollutant": ["NOx", "SO2", "NOx"], "baseline_t": [3.5, 3.5, 1.0],
        "transport_cut_t": [0.385, np.nan, 0.0], "mobile_cut_on_trucks_t": [0.035, np.nan, 0.0]})
    f = transport_cut_fractions(episodes, start, 9)
    assert f[:, 1] == pytest.approx([0, 0, 0.05, 0.1, 0.1, 0.1, 0, 0, 0])
    assert f[:, 1].sum() * 1.0 == pytest.approx(0.35)  # t/h × h: the trucks' cut
    assert not f[:, [0, 2, 3]].any()


@pytest.mark.slow
def test_truck_cut_reaches_pm25_and_is_conserved():
    on = regional(lambda d: d.update(transport={"fleet": "synthetic"}))
    off = regional()
    for city in ("漯河", "许昌"):
        episodes = on.results[city].episodes
        assert on.transport[city].counted  # the example has a mobile area source
        rate = (episodes.baseline_t / episodes.hours).groupby(episodes.pollutant).first()
        added = on.cut_fractions[city] - off.cut_fractions[city]
        net = episodes.transport_cut_t - episodes.mobile_cut_on_trucks_t  # counted once
        trucks = net.groupby(episodes.pollutant).sum()
        for k, pollutant in enumerate(("NOx", "PM", "VOCs"), start=1):
            assert (added[:, k] * rate[pollutant]).sum() == pytest.approx(trucks[pollutant])
            assert trucks[pollutant] > 0
        assert np.abs(added[:, 0]).max() == 0  # no SO2 from trucks
        cleaner = off.air.pm25_with[city].to_numpy() - on.air.pm25_with[city].to_numpy()
        assert (cleaner >= -1e-9).all() and cleaner.max() > 0.01
        # the engine's own tonnes are untouched by the gate
        pd.testing.assert_frame_equal(tonnes(on), tonnes(off))


def single_city_file(tmp: Path, city: str) -> Path:
    """The ground example as a one-city ``smogsim run`` file for ``city`` (no own tables)."""
    data = tomllib.loads(GROUND.read_text(encoding="utf-8"))
    assert city not in data.pop("city")
    data.pop("airquality")
    data["scenario"].pop("cities")
    data["scenario"]["city"] = city
    for table in ("inventory", "forecast", "region"):
        data[table]["file"] = str(GROUND.parent / data[table]["file"])
    lines = []
    for name, table in data.items():
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        lines.append(f"[{name}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()
                  if k not in nested]
        for key, sub in nested.items():
            lines.append(f"[{name}.{key}]")
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sub.items()]
    path = tmp / f"{city}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_each_city_s_tables_equal_a_one_city_run_on_the_same_windows(ground, tmp_path):
    one = tmp_path / "one"
    result = RUNNER.invoke(app, ["run", str(single_city_file(tmp_path, "漯河")), "--out",
                                 str(one), "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    for name in ("alerts.csv", "episodes.csv", "verification.csv", "inspections.csv",
                 "transport.csv", "transport_summary.csv"):
        alone = (one / name).read_text(encoding="utf-8-sig").splitlines()
        together = (ground / name).read_text(encoding="utf-8-sig").splitlines()
        assert together[0] == alone[0], name  # same columns
        city = alone[0].split(",").index("city")
        rows = [r for r in together[1:] if r.split(",")[city] == "漯河"]
        # the one-city summary leaves its whole-city rows' city empty; here they name it
        alone = [",".join(c if k != city else c or "漯河" for k, c in enumerate(r.split(",")))
                 for r in alone]
        assert rows == alone[1:], name
        assert len(rows) > 0, name


@pytest.mark.slow
def test_ground_run_writes_every_city_s_compliance_and_truck_tables(ground):
    for name in ("verification.csv", "inspections.csv", "transport.csv"):
        assert set(read(ground, name).city) == {"漯河", "许昌"}, name
    summary = read(ground, "transport_summary.csv")
    assert summary.city.notna().all()
    episodes = read(ground, "episodes.csv")
    for column in ("required_cut_t", "transport_cut_t", "cut_pct_with_transport"):
        assert episodes[column].notna().any(), column
    # conservation per city and segment, as written (6 decimals)
    assert (episodes.baseline_t - episodes.actual_t - episodes.cut_t).abs().max() < 2e-6
    trucks = read(ground, "transport.csv").groupby(["city", "start"]).NOx_cut_kg.sum() / 1000
    nox = episodes[episodes.pollutant == "NOx"].set_index(["city", "start"]).transport_cut_t
    assert nox.to_numpy() == pytest.approx(trucks.reindex(nox.index).to_numpy(), abs=2e-6)
    # 许昌's own [compliance] (two teams per county) replaces the shared one
    visits = read(ground, "inspections.csv")
    assert visits[visits.city == "许昌"].team.str.endswith("-2").any()
    assert not visits[visits.city == "漯河"].team.str.endswith("-2").any()
    summary = json.loads((ground / "summary.json").read_text(encoding="utf-8"))
    assert [c["city"] for c in summary["compliance"]] == ["漯河", "许昌"]
    assert all(t["trips_blocked"] > 0 and t["in_pm25"] for t in summary["transport"])
    manifest = json.loads((ground / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["compliance"] == ["漯河", "许昌"] and set(manifest["transport"]) == {
        "漯河", "许昌"}
    assert "transport.csv" in manifest["files"] and "verification.csv" in manifest["files"]
    # every input named with the encoding it was read in (the bundled files are UTF-8)
    assert set(manifest["input_encodings"]) == {
        name.split(":")[0] for name in manifest["inputs"]} - {"fleet", "transport_rules",
                                                                "truck_factors", "matrix"}
    assert set(manifest["input_encodings"].values()) <= {"utf-8", "utf-8-sig", "binary"}


@pytest.mark.slow
def test_ground_run_is_deterministic(ground, tmp_path):
    assert run_cli(GROUND, tmp_path / "again").exit_code == 0
    for name in ("episodes.csv", "verification.csv", "inspections.csv", "transport.csv",
                 "transport_summary.csv", "airquality.csv", "contributions.csv"):
        assert (ground / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_a_city_may_turn_the_truck_gate_off(tmp_path):
    run = regional(lambda d: d.update(transport={"fleet": "synthetic"},
                                      city={**d["city"], "许昌": {
                                          **d["city"]["许昌"],
                                          "transport": {"enabled": False}}}))
    assert set(run.transport) == {"漯河"}
    tables = run.transport_tables()
    assert set(tables["transport.csv"].city) == {"漯河"}
    episodes = run.combined().episodes
    assert episodes.loc[episodes.city == "许昌", "transport_cut_t"].isna().all()
