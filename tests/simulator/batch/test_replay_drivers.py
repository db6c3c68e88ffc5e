"""Replays leave out what a rule set leaves out (dust- and ozone-driven periods,
``alerts.drivers``), from the observed drivers: ``smogsim replay`` and ``smogsim alerts`` give
the same windows for the same observations, rule set and perfect forecast."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from alerts.io import load_alert_inputs, load_ruleset
from alerts.levels import Level
from simulator.batch import replay
from simulator.cli.app import app
from simulator.io import replay as replay_io

RUNNER = CliRunner()
WINTER = pd.Timestamp("2023-12-10 00:00")
SUMMER = pd.Timestamp("2023-07-01 00:00")
# µg/m³. CLEAN: PM2.5 60 → IAQI 81.25. HAZE: PM2.5 200 → 250, PM10 260 → 155: PM2.5 drives.
# DUST: PM10 700 → 500 (above the table), PM2.5/PM10 0.21. OZONE: O3 300 → 8-h IAQI 206.5
# (1-h IAQI 150), PM2.5 40 → 56.25: O3 alone drives.
CLEAN = {"PM2.5": 60.0, "PM10": 90.0, "O3": 40.0}
HAZE = {"PM2.5": 200.0, "PM10": 260.0, "O3": 40.0}
DUST = {"PM2.5": 150.0, "PM10": 700.0, "O3": 40.0}
SUMMER_AIR = {"PM2.5": 40.0, "PM10": 70.0, "O3": 60.0}
OZONE = {"PM2.5": 40.0, "PM10": 70.0, "O3": 300.0}

# 漯河, hours from 12-10 00:00: clean 0–95, haze 96–143, dust 144–167, haze 168–215, clean after.
# A period (the 24 h ending at hour t) of haze and clean air is above 200 when it holds ≥ 16 haze
# hours (mean PM2.5 60 + 140 × 16/24 = 153.3 > 150): t = 111 … 223. Those ending at 154 … 180
# are dust (tests/alerts/test_drivers.py), left out by both rule sets. mee-2019 yellow (2 periods
# back to back above 200) then covers hours 88–153 and 158–223; the 4-h dip is bridged, and
# nothing counts after 223: yellow [12-13 16:00, 12-19 08:00). Counting the dust, it was red.
DUST_2019 = [("yellow", "2023-12-13 16:00", "2023-12-19 08:00")]
# 许昌, hours from 07-01 00:00: O3 300 in hours 72–191. The first 8 h with 7 of them (mean 270 →
# IAQI 200.9) ends at hour 78, the last at 192; a period holds such an 8 h for t = 78 … 208.
# mee-2019 counts ozone: 2 periods from t = 78 cover hour 55 on — yellow from 07-03 07:00; 3
# periods are seen at the next consultation and orange follows when yellow has held its 24 h,
# 07-04 07:00, until the first hour after the last period above 200 (209: 07-09 17:00).
OZONE_2019 = [("yellow", "2023-07-03 07:00", "2023-07-04 07:00"),
              ("orange", "2023-07-04 07:00", "2023-07-09 17:00")]
# mee-2024 leaves ozone-only periods out: no alert, not even temporary control (it was orange).
OZONE_2024: list[tuple[str, str, str]] = []


def city_rows(city: str, t0: pd.Timestamp, *pieces: tuple[int, dict]) -> pd.DataFrame:
    frame = pd.DataFrame([values for hours, values in pieces for _ in range(hours)])
    frame.insert(0, "city", city)
    frame.insert(0, "time", pd.date_range(t0, periods=len(frame), freq="h")
                 .strftime("%Y-%m-%d %H:%M"))
    return frame


@pytest.fixture
def observations(tmp_path):
    path = tmp_path / "obs.csv"
    pd.concat([city_rows("漯河", WINTER, (96, CLEAN), (48, HAZE), (24, DUST), (48, HAZE),
                         (120, CLEAN)),
               city_rows("许昌", SUMMER, (72, SUMMER_AIR), (120, OZONE), (96, SUMMER_AIR))]
              ).to_csv(path, index=False)
    return path


def alert_windows(path, rules: str) -> dict[str, list[tuple[str, str, str]]]:
    """``smogsim alerts --format csv`` windows per city as (level, start, end)."""
    result = RUNNER.invoke(app, ["alerts", str(path), "--rules", rules, "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    return {city: list(zip(rows["level"], rows["start"], rows["end"], strict=True))
            for city, rows in table.groupby("city")}


def replay_windows(cuts: pd.DataFrame, city: str, rules: str) -> list[tuple[str, str, str]]:
    """The alert segments of a replay's perfect-forecast run as (level, start, end)."""
    rows = cuts[(cuts["city"] == city) & (cuts["rules"] == rules)].drop_duplicates(
        ["alert_episode", "start"]).sort_values("start")
    return [(lv, f"{s:%Y-%m-%d %H:%M}", f"{e:%Y-%m-%d %H:%M}")
            for lv, s, e in zip(rows["level"], rows["start"], rows["end"], strict=True)]


def test_alerts_leave_out_dust_and_ozone_by_hand(observations):
    mee_2019 = alert_windows(observations, "mee-2019")
    assert mee_2019["漯河"] == DUST_2019
    assert mee_2019["许昌"] == OZONE_2019
    assert alert_windows(observations, "mee-2024").get("许昌", []) == OZONE_2024


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_replay_gives_the_windows_of_alerts(observations, tmp_path, workers):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:30:3", "--rules", "mee-2019,mee-2024", "--forecast",
                                 "perfect", "--workers", str(workers), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    cuts = pd.read_parquet(out / "cuts.parquet")
    for rules in ("mee-2019", "mee-2024"):
        expected = alert_windows(observations, rules)
        for city in ("漯河", "许昌"):
            assert replay_windows(cuts, city, rules) == expected.get(city, []), (city, rules)
    assert replay_windows(cuts, "漯河", "mee-2019") == DUST_2019
    assert replay_windows(cuts, "许昌", "mee-2019") == OZONE_2019
    runs = pd.read_csv(out / "runs.csv", encoding="utf-8-sig").set_index(["city", "rules"])
    # observed levels leave the same periods out: yellow [88, 154) and [158, 224), none missed
    assert runs.loc[("漯河", "mee-2019"), ["peak_level", "observed_hours", "missed_hours"]
                    ].tolist() == ["yellow", 132.0, 0.0]
    # the ozone episode is replayed (mee-2019 counts it) but reaches no level under mee-2024
    assert runs.loc[("许昌", "mee-2024"), ["alert_hours", "observed_hours"]].tolist() == [0, 0]


def test_an_episode_every_rule_set_leaves_out_is_not_replayed(observations, tmp_path):
    plan = replay.plan([observations], "synthetic:30:3", ["mee-2024"], ["perfect"], 1,
                       tmp_path / "out")
    assert {e.city for e in plan.episodes} == {"漯河"}  # the ozone days count toward nothing


def test_only_drivers_that_leave_a_period_out_are_staged(observations, tmp_path):
    """PM2.5-only observations, and all-pollutant ones without a dust or ozone period, stage
    the daily AQI alone: their staged files and part names are those of before."""
    daily, _, drivers = replay_io.read_observations([observations])
    assert set(drivers) == {"漯河", "许昌"}
    assert drivers["漯河"]["primary"].index.equals(daily["漯河"].index)
    mee_2019, mee_2024 = load_ruleset("mee-2019"), load_ruleset("mee-2024")
    assert replay_io.drivers_to_stage(drivers["漯河"], [mee_2019]) is drivers["漯河"]
    assert replay_io.drivers_to_stage(drivers["许昌"], [mee_2019]) is None  # ozone counts
    assert replay_io.drivers_to_stage(drivers["许昌"], [mee_2019, mee_2024]) is drivers["许昌"]
    pm25 = tmp_path / "pm25.csv"
    city_rows("漯河", WINTER, (96, {"PM2.5": 60.0}), (72, {"PM2.5": 200.0}),
              (96, {"PM2.5": 60.0})).to_csv(pm25, index=False)
    _, _, only_pm25 = replay_io.read_observations([pm25])
    assert set(only_pm25["漯河"]["primary"]) <= {"PM2.5", ""}
    assert replay_io.drivers_to_stage(only_pm25["漯河"], [mee_2019, mee_2024]) is None
    plan = replay.plan([pm25], "synthetic:30:3", ["mee-2024"], ["perfect"], 1, tmp_path / "o")
    [staged] = [p for p in plan.staged if p.name.startswith("obs-")]
    assert pd.read_parquet(io.BytesIO(plan.staged[staged])).columns.tolist() == [
        "time", "daily_aqi"]


def test_the_window_cache_keys_on_the_drivers(observations, tmp_path):
    plan = replay.plan([observations], "synthetic:30:3", ["mee-2019", "mee-2024"],
                       ["perfect"], 1, tmp_path / "out")
    [task] = [t for t in plan.tasks if t.city == "许昌" and t.rules == "mee-2024"]
    with_drivers = tmp_path / "with.parquet"
    with_drivers.write_bytes(plan.staged[next(p for p in plan.staged
                                              if str(p) == task.observations)])
    alone = tmp_path / "alone.parquet"
    pd.read_parquet(with_drivers, columns=["time", "daily_aqi"]).to_parquet(alone)
    assert replay_io.staged_drivers(str(alone)) is None
    args = (task.rules, task.city, task.forecast, task.start, task.end)
    assert replay.replicate_windows(str(with_drivers), *args) == ()
    # the same daily AQI without its drivers: the ozone counts, orange as before
    assert max(w.level for w in replay.replicate_windows(str(alone), *args)) == Level.ORANGE


def test_alerts_inputs_and_replay_read_the_same_drivers(observations):
    inputs = load_alert_inputs([observations], "mee-2024")
    _, _, drivers = replay_io.read_observations([observations])
    for city, table in drivers.items():
        pd.testing.assert_frame_equal(
            table, inputs.drivers[city].reindex(table.index).assign(
                primary=lambda f: f["primary"].fillna("")), check_names=False,
            check_freq=False)


REGION = """
name = "pair"

[[city]]
name = "漯河"
zones = ["pair"]
neighbours = ["许昌"]

[[city]]
name = "许昌"
zones = ["pair"]
neighbours = ["漯河"]
"""


def test_region_cities_stage_their_drivers_together(observations, tmp_path):
    """A unified zone reads the drivers of all its cities (the most polluted one's, hour by
    hour): when one city's are staged, so are the others', as ``smogsim alerts`` has them."""
    region = tmp_path / "pair.toml"
    region.write_text(REGION, encoding="utf-8")

    def staged_columns(**options) -> dict[str, list[str]]:
        plan = replay.plan([observations], "synthetic:30:3", ["mee-2019"], ["perfect"], 1,
                           tmp_path / f"out{len(options)}", **options)
        files = {(t.city, t.observations) for t in plan.tasks if t.observations} | {
            (city, obs) for t in plan.tasks for city, obs, _, _ in t.members}
        staged = {str(path): data for path, data in plan.staged.items()}
        return {city: pd.read_parquet(io.BytesIO(staged[obs])).columns.tolist()[1:]
                for city, obs in files}

    # alone under mee-2019, 许昌's ozone counts: only 漯河 (dust) stages its drivers
    assert staged_columns() == {"漯河": ["daily_aqi", "primary", "pm_ratio"],
                                "许昌": ["daily_aqi"]}
    assert staged_columns(region=region) == {"漯河": ["daily_aqi", "primary", "pm_ratio"],
                                             "许昌": ["daily_aqi", "primary", "pm_ratio"]}
