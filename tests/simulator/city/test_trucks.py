"""Transport in runs: [transport] keys, transport.csv and its summary, episode columns, CLI."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enterprises.area import AreaSource
from simulator.city.trucks import EPISODE_TRANSPORT_COLUMNS, mobile_cut_on_trucks
from simulator.cli.app import app
from simulator.core.results import EPISODE_COLUMNS
from simulator.core.rng import child_rng
from simulator.io.inputs import load_scenario
from simulator.spec.scenario import ScenarioError

RUNNER = CliRunner()
ENGINE_FILES = ("alerts.csv", "audit.csv", "enterprises.csv", "breakdown.csv")


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def invoke(scenario: Path, out: Path, *args: str):
    return RUNNER.invoke(app, ["run", str(scenario), "--out", str(out), "--no-report", *args])


@pytest.fixture
def demo(demo_copy):
    return demo_copy


def edit_transport(scenario: Path, table: str | None) -> Path:
    """Replace the demo's [transport] table (None: drop it)."""
    text = scenario.read_text(encoding="utf-8").split("\n[transport]")[0]
    scenario.write_text(text + ("" if table is None else "\n[transport]\n" + table),
                        encoding="utf-8")
    return scenario


# -- the demo ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_blocks_trips_at_orange_and_reports_them(demo, tmp_path):
    out = tmp_path / "out"
    result = invoke(demo, out)
    assert result.exit_code == 0, result.output
    assert "NOx + trucks" in result.output and "trips blocked" in result.output
    per = read(out / "transport.csv")
    assert per.loc[per.level == "orange", "trips_blocked"].sum() > 0
    assert per.loc[per.level == "temporary", "trips_blocked"].sum() == 0  # rules start at yellow
    assert (per.trips_blocked == per.substituted + per.deferred + per.cancelled).all()
    for p in ("NOx", "PM", "VOCs"):
        gap = per[f"{p}_baseline_kg"] - per[f"{p}_actual_kg"] - per[f"{p}_cut_kg"]
        assert gap.abs().max() < 1e-5
    summary = read(out / "transport_summary.csv")
    for scope in ("episode", "city", "county"):  # every roll-up holds every trip
        rows = summary[summary.scope == scope]
        assert rows.groupby("segment").trips_blocked.sum().tolist() == \
            per.groupby("segment").trips_blocked.sum().tolist()
    episodes = read(out / "episodes.csv")
    assert list(episodes.columns[:len(EPISODE_COLUMNS)]) == EPISODE_COLUMNS  # kept, in order
    # appended after the ids, before the name columns (level_name) the writer adds last
    assert tuple(episodes.columns[-6:-1]) == EPISODE_TRANSPORT_COLUMNS
    assert episodes.columns[-1] == "level_name"
    nox = episodes[(episodes.level == "orange") & (episodes.pollutant == "NOx")].iloc[0]
    assert nox.transport_cut_t == pytest.approx(
        per.loc[per.level == "orange", "NOx_cut_kg"].sum() / 1000, abs=1e-5)
    assert nox.transport_cut_t > 0
    # The demo's base has mobile sources, so the trucks' cut counts in the city-wide cut, in
    # place of the mobile sector's 10 % orange cut of the same trucks.
    assert nox.mobile_cut_on_trucks_t == pytest.approx(0.1 * nox.transport_baseline_t, abs=1e-5)
    assert nox.cut_pct_with_transport == pytest.approx(
        100 * (nox.cut_t + nox.transport_cut_t - nox.mobile_cut_on_trucks_t) / nox.baseline_t,
        abs=1e-5)
    assert episodes.loc[episodes.pollutant == "SO2", "transport_cut_t"].isna().all()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"transport.csv", "transport_summary.csv"} <= set(manifest["files"])
    assert manifest["transport"]["fleet"] == "synthetic"
    assert manifest["transport"]["counted_in_cut_pct"] is True


@pytest.mark.slow
def test_same_seed_same_transport_bytes(demo, tmp_path):
    for name in ("a", "b"):
        assert invoke(demo, tmp_path / name, "-q").exit_code == 0
    for file in ("transport.csv", "transport_summary.csv", "episodes.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


@pytest.mark.slow
def test_transport_off_writes_nothing_and_leaves_the_engine_alone(demo, tmp_path):
    assert invoke(demo, tmp_path / "on", "-q").exit_code == 0
    edit_transport(demo, 'enabled = false\nfleet = "synthetic"\n')
    assert invoke(demo, tmp_path / "off", "-q").exit_code == 0
    edit_transport(demo, None)
    assert invoke(demo, tmp_path / "absent", "-q").exit_code == 0
    off, on = tmp_path / "off", tmp_path / "on"
    assert not (off / "transport.csv").exists() and not (off / "transport_summary.csv").exists()
    assert "transport" not in json.loads((off / "manifest.json").read_text(encoding="utf-8"))
    assert not set(EPISODE_TRANSPORT_COLUMNS) & set(read(off / "episodes.csv").columns)
    absent = tmp_path / "absent"
    assert (off / "episodes.csv").read_bytes() == (absent / "episodes.csv").read_bytes()
    # The tally draws only from named children of the run's generator: the engine's files are
    # the same bytes with transport on, and its episode columns the same text.
    for file in ENGINE_FILES:
        assert (on / file).read_bytes() == (off / file).read_bytes()
    text = {d: pd.read_csv(d / "episodes.csv", dtype=str, encoding="utf-8-sig") for d in (on, off)}
    pd.testing.assert_frame_equal(text[on][list(text[off].columns)], text[off])


def test_bad_fleet_file_is_one_line_exit_2_and_no_run_directory(demo, tmp_path):
    (demo.parent / "data" / "fleet.csv").write_text(
        "enterprise_id,daily_trips,china5\nLH0001,12,1\nLH0002,abc,1\n", encoding="utf-8")
    edit_transport(demo, 'fleet = "data/fleet.csv"\n')
    out = tmp_path / "out" / "bad"
    result = invoke(demo, out)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "fleet.csv: row 3, column daily_trips: value 'abc' — expected a number ≥ 0" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('unserved = "drop"\n', "key transport.unserved: value 'drop' — expected defer or cancel"),
        ("surge = 0.5\n", "key transport.surge: value 0.5 — expected a number ≥ 1"),
        ('rules = "nowhere"\n',
         "key transport.rules: value 'nowhere' — expected national, yellow-start, "),
        ('fleets = "synthetic"\n', "key transport.fleets: unknown — expected enabled, fleet, "),
        ('enabled = "yes"\n', "key transport.enabled: value 'yes' — expected true or false"),
        ('fleet = "data/none.csv"\n', "key transport.fleet: value 'data/none.csv' — expected an"),
        ('ruleset = "strict"\n', "key transport.ruleset: value 'strict' — expected no ruleset"),
        ("buffer_days = -1\n", "key transport.buffer_days: value -1 — expected a number of days"),
    ],
)
def test_bad_transport_keys_are_one_line(demo, table, message):
    edit_transport(demo, table)
    with pytest.raises(ScenarioError, match="demo.toml: ") as bad:
        load_scenario(demo)
    assert message in str(bad.value) and "\n" not in str(bad.value)


# -- one enterprise, by hand ---------------------------------------------------------------------


def one_enterprise(tmp_path: Path, transport: str, area: str = "mobile",
                   trucks_per_day: float = 999) -> Path:
    """A foundry, grade A, emitting nothing itself; an orange alert of exactly 96 h.

    The forecast's daily AQI (of the 24 h ending at each hour) is 250 for hours 95–167 of 12-10
    onwards and 50 otherwise: the periods ending at hours 95..167 are above 200, so 2-day chains
    (orange, mee-2024) cover hours 72..167: orange from 12-13 00:00 to 12-17 00:00. The area
    source holds 8 760 t/a of NOx: 1 t/h.
    """
    hours = pd.date_range("2023-12-10", periods=240, freq="h")
    aqi = np.where((np.arange(240) >= 95) & (np.arange(240) < 168), 250, 50)
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "daily_aqi": aqi}).to_csv(
        tmp_path / "forecast.csv", index=False)
    (tmp_path / "inventory.csv").write_text(
        "id,name,city,county,industry,grade,so2_t,nox_t,pm_t,vocs_t,trucks_per_day\n"
        f"E1,铸造一厂,漯河,临颍县,foundry,A,0,0,0,0,{trucks_per_day}\n", encoding="utf-8")
    # Ledger: 40 trips/d, 50 km; trucks 国三 4, 国四 12, 国五 20, electric 4 → shares 10/30/50/10 %.
    (tmp_path / "fleet.csv").write_text(
        "企业编号,日均货车进出车次,单程运距(公里),国三及以下,国四,国五,新能源\n"
        "E1,40,50,4,12,20,4\nE9,10,50,0,0,1,0\n", encoding="utf-8")
    scenario = tmp_path / "one.toml"
    scenario.write_text(
        '[scenario]\ncity = "漯河"\nseed = 1\nstart = "2023-12-10T00:00"\n'
        'end = "2023-12-20T00:00"\n[inventory]\nfile = "inventory.csv"\n'
        f'[forecast]\nfile = "forecast.csv"\n[area_sources.{area}]\nnox_t = 8760.0\n'
        f"[transport]\n{transport}", encoding="utf-8")
    return scenario


EXPECTED_CANCEL = 'fleet = "fleet.csv"\nunserved = "cancel"\ndraw = "expected"\n'


def test_one_enterprise_at_orange_by_hand(tmp_path):
    scenario = one_enterprise(tmp_path, EXPECTED_CANCEL + "production_limits = false\n")
    out = tmp_path / "out"
    result = invoke(scenario, out)
    assert result.exit_code == 0, result.output
    per = read(out / "transport.csv")
    assert len(per) == 1
    row = per.iloc[0]
    assert (row.level, row.start, row.end) == ("orange", "2023-12-13 00:00", "2023-12-17 00:00")
    # 96 h = 4 day-blocks of 40 trips. Per day 4 国三 + 12 国四 = 16 blocked (key: 40 ≥ 10);
    # compliant 24, capacity 1.5 × 24 = 36 → 12 substituted, 4 cancelled. The ledger, not the
    # inventory's trucks_per_day (999), gives the trips.
    assert (row.trips, row.trips_blocked, row.substituted, row.deferred, row.cancelled) == \
        (160, 64, 48, 0, 16)
    # NOx per day: 100 km × (4 × 7.934 + 12 × 5.554 + 20 × 4.721) g = 19.2804 kg; blocked
    # 100 × (31.736 + 66.648) = 9.8384 kg, substitutes 12 × 100 × (0.5 × 4.721 / 0.6) =
    # 4.7210 kg → cut 5.1174 kg/d, 20.4696 kg over 4 days.
    assert row.NOx_baseline_kg == pytest.approx(4 * 19.2804)
    assert row.NOx_cut_kg == pytest.approx(4 * 5.1174)
    assert row.production_days_lost == 0
    episodes = read(out / "episodes.csv")
    nox = episodes[episodes.pollutant == "NOx"].iloc[0]
    # Engine: 96 t of mobile NOx, cut 10 % at orange (enterprises.area) = 9.6 t.
    assert (nox.baseline_t, nox.cut_t) == pytest.approx((96.0, 9.6))
    assert nox.transport_cut_t == pytest.approx(0.0204696, abs=1e-6)  # t to 6 decimals
    # The 10 % mobile cut already fell on the trucks: 0.1 × 0.0771216 t (their baseline, 4 ×
    # 19.2804 kg) = 0.00771216 t. Counted once, the gate's cut replaces it:
    # (9.6 − 0.00771216 + 0.0204696) / 96 = 10.01329 % < 20 %: still not met.
    assert nox.mobile_cut_on_trucks_t == pytest.approx(0.00771216, abs=1e-6)
    assert nox.cut_pct_with_transport == pytest.approx(100 * 9.61275744 / 96, abs=1e-5)
    assert not nox.met_with_transport
    # Conservation, from the parts: actual = the mobile sector without the trucks at 90 % +
    # the trucks behind the gate = (96 − 0.0771216) × 0.9 + (0.0771216 − 0.0204696);
    # baseline = actual + cut with trucks.
    actual = (96 - 0.0771216) * 0.9 + (0.0771216 - 0.0204696)
    assert actual + nox.cut_pct_with_transport * 96 / 100 == pytest.approx(96.0, abs=1e-5)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["transport"]["fleet_ids_not_in_inventory"] == 1  # E9
    assert set(manifest["inputs"]) >= {"fleet"}


def test_user_rule_file_and_production_limits_by_hand(tmp_path):
    (tmp_path / "strict.toml").write_text(
        'default = "mild"\n[rulesets.mild]\n[[rulesets.mild.rules]]\nid = "d"\n'
        'from_level = "red"\nstop_road_transport = true\n'
        '[rulesets.strict]\n[[rulesets.strict.rules]]\nid = "china6"\nfrom_level = "orange"\n'
        'who = "key"\nmin_stage = 6\n', encoding="utf-8")
    scenario = one_enterprise(
        tmp_path, EXPECTED_CANCEL + 'rules = "strict.toml"\nruleset = "strict"\n')
    out = tmp_path / "out"
    assert invoke(scenario, out, "-q").exit_code == 0
    row = read(out / "transport.csv").iloc[0]
    # Only 国六/electric: per day 36 blocked; electric makes 4, capacity 6 → 2 substituted,
    # 34 cancelled.
    assert (row.trips_blocked, row.substituted, row.cancelled) == (144, 8, 136)
    # Raw material: half of 40 visits deliver (20/d); 17 of them cancelled → 0.15 d of
    # production arrive per day. Stock 3 d: 3.15 − 1 = 2.15, 1.30, 0.45; day 4 has 0.45 +
    # 0.15 = 0.6 d → 0.4 production days lost.
    assert row.production_days_lost == pytest.approx(0.4)
    summary = read(out / "transport_summary.csv")
    assert summary.loc[summary.scope == "episode", "limited_enterprises"].tolist() == [1]


def test_synthetic_fleet_takes_trucks_per_day(tmp_path):
    scenario = one_enterprise(tmp_path, 'fleet = "synthetic"\ndraw = "expected"\n',
                              trucks_per_day=30)
    out = tmp_path / "out"
    assert invoke(scenario, out, "-q").exit_code == 0
    assert read(out / "transport.csv").trips.tolist() == [pytest.approx(4 * 30)]


def test_without_mobile_sources_trucks_do_not_count_in_cut_pct(tmp_path):
    scenario = one_enterprise(tmp_path, EXPECTED_CANCEL, area="other")
    out = tmp_path / "out"
    result = invoke(scenario, out)
    assert result.exit_code == 0
    assert "trucks not in cut %" in " ".join(result.output.split())
    episodes = read(out / "episodes.csv")
    nox = episodes[episodes.pollutant == "NOx"].iloc[0]
    assert nox.transport_cut_t == pytest.approx(0.0204696, abs=1e-6)  # t to 6 decimals
    assert episodes.cut_pct_with_transport.isna().all()
    assert episodes.met_with_transport.isna().all()


def test_child_generator_ignores_the_parent_state():
    first = child_rng(np.random.default_rng(np.random.SeedSequence(5, spawn_key=(7,))), "x")
    parent = np.random.default_rng(np.random.SeedSequence(5, spawn_key=(7,)))
    parent.random(100)  # whatever the engine drew first
    again = child_rng(parent, "x")
    assert first.random(5).tolist() == again.random(5).tolist()
    assert child_rng(parent, "y").random() != child_rng(parent, "x").random()


def test_mobile_cut_on_trucks_by_hand():
    # Mobile sector: 876 t/a NOx = 0.1 t/h, 87.6 t/a PM = 0.01 t/h; cut 10 % at orange, none at
    # temporary. Orange, 24 h: NOx sector 2.4 t, trucks 0.5 t → 0.1 × 0.5 = 0.05 t; PM sector
    # 0.24 t but trucks 0.3 t (more than the sector holds) → capped: 0.1 × 0.24 = 0.024 t.
    # SO2 has no truck figure; the temporary level has no mobile cut.
    mobile = AreaSource("mobile", (10.0, 876.0, 87.6, 0.0), {"orange": 0.1})
    episodes = pd.DataFrame({"level": ["orange"] * 3 + ["temporary"],
                             "pollutant": ["SO2", "NOx", "PM", "NOx"],
                             "hours": [24.0, 24.0, 24.0, 5.0]})
    trucks = np.array([np.nan, 0.5, 0.3, 0.2])
    got = mobile_cut_on_trucks(episodes, trucks, mobile)
    assert np.isnan(got[0])
    assert got[1:] == pytest.approx([0.05, 0.024, 0.0])
    assert mobile_cut_on_trucks(episodes, trucks, None)[1:].tolist() == [0.0, 0.0, 0.0]
