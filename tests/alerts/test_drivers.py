"""What drives a day: the primary pollutant of each 24-h period and the days a rule set leaves
out (dust, ozone), through the readers, the forecast models and the lifecycle."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from alerts.drivers import DayExclusion, city_drivers, parse_primary
from alerts.io import AlertInputError, load_alert_inputs, load_forecast_table, load_ruleset
from alerts.levels import Level
from alerts.rules import RuleSet

H = pd.Timedelta(hours=1)
SUMMER = pd.Timestamp("2023-07-01 00:00")
WINTER = pd.Timestamp("2023-12-10 00:00")


def constant(hours: int, **values: float) -> pd.DataFrame:
    return pd.DataFrame(dict.fromkeys(range(hours), values)).T


def observations(path, t0: pd.Timestamp, *pieces: tuple[int, dict]) -> str:
    """An hourly observation file of city A: each (hours, {pollutant: value}) piece in turn."""
    frame = pd.concat([constant(h, **v) for h, v in pieces], ignore_index=True)
    frame.insert(0, "city", "A")
    frame.insert(0, "time", pd.date_range(t0, periods=len(frame), freq="h")
                 .strftime("%Y-%m-%d %H:%M"))
    frame.to_csv(path, index=False)
    return str(path)


def windows(path: str, rules, **kwargs):
    inputs = load_alert_inputs([path], rules if isinstance(rules, str) else "mee-2024",
                               **kwargs)
    if not isinstance(rules, str):
        inputs = replace(inputs, rules=dict.fromkeys(inputs.rules, rules))
    return inputs.windows("perfect").get("A", [])


def counting_everything(name: str):
    return replace(load_ruleset(name), days=DayExclusion())


# -- the primary pollutant of a period ------------------------------------------------------------
def test_primary_pollutant_and_ratio_of_a_24h_period_by_hand():
    index = pd.date_range(WINTER, periods=48, freq="h")
    frame = pd.DataFrame({"PM2.5": [160.0] * 24 + [100.0] * 24,
                          "PM10": [200.0] * 24 + [300.0] * 24}, index=index)
    drivers = city_drivers(frame)
    # first day: PM2.5 160 → 200 + (160 − 150)/(250 − 150) × 100 = 210; PM10 200 → 125
    assert drivers["primary"].iloc[23] == "PM2.5"
    assert drivers["pm_ratio"].iloc[23] == pytest.approx(0.8)
    # second day: PM2.5 100 → 131.25; PM10 300 → 175: PM10 drives, ratio 1/3
    assert drivers["primary"].iloc[47] == "PM10"
    assert drivers["pm_ratio"].iloc[47] == pytest.approx(1 / 3)
    # fewer than 20 valid hours: no value, no primary
    assert drivers["primary"].iloc[18] == ""


def test_pm25_only_observations_are_pm25_driven_on_every_polluted_day():
    index = pd.date_range(WINTER, periods=30, freq="h")
    drivers = city_drivers(pd.DataFrame({"PM2.5": 200.0}, index=index))
    assert set(drivers["primary"].iloc[23:]) == {"PM2.5"}
    assert drivers["pm_ratio"].isna().all()  # no PM10: never dust
    assert DayExclusion(("dust", "ozone")).excluded(drivers, len(drivers)).sum() == 0
    assert city_drivers(pd.DataFrame({"daily_aqi": 250.0}, index=index)) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("PM2.5", "PM2.5"), ("细颗粒物", "PM2.5"), ("pm25", "PM2.5"), ("PM10", "PM10"),
    ("可吸入颗粒物", "PM10"), ("O3", "O3"), ("臭氧", "O3"), ("O3_8h", "O3"),
    ("细颗粒物、臭氧", "PM2.5,O3"), ("NO₂", "NO2"), ("", ""), ("—", "")])
def test_published_spellings_of_the_primary_pollutant(text, expected):
    assert parse_primary(text)[0] == expected


def test_a_forecast_naming_dust_is_pm10_with_ratio_zero():
    assert parse_primary("沙尘") == ("PM10", 0.0)
    with pytest.raises(ValueError, match="unknown primary pollutant 'soot'"):
        parse_primary("soot")


# -- ozone ----------------------------------------------------------------------------------------
def ozone_summer(tmp_path) -> str:
    # O3 300 µg/m³ all day: 8-h IAQI 200 + (300 − 265)/(800 − 265) × 100 = 206.5, 1-h IAQI 150;
    # PM2.5 40 → 56.25: daily AQI 206.5 for five days, O3 alone primary
    clean = {"PM2.5": 40.0, "PM10": 70.0, "O3": 60.0}
    return observations(tmp_path / "ozone.csv", SUMMER, (72, clean),
                        (120, {"PM2.5": 40.0, "PM10": 70.0, "O3": 300.0}), (96, clean))


def test_a_summer_ozone_only_episode_raises_no_alert_under_mee_2024(tmp_path):
    path = ozone_summer(tmp_path)
    inputs = load_alert_inputs([path], "mee-2024")
    assert inputs.truth["A"].max() == pytest.approx(206.54, abs=0.01)
    assert windows(path, "mee-2024") == []  # not even temporary control
    # counted as every day, the same air is orange (daily AQI > 200 for 2 days)
    counted = windows(path, counting_everything("mee-2024"))
    assert max(w.level for w in counted) == Level.ORANGE
    assert {w.primary for w in counted if w.level >= Level.YELLOW} == {"O3"}


def test_mee_2019_counts_ozone_days_as_its_texts_say_nothing(tmp_path):
    # one day of O3 > 200 meets no 2019 criterion; five days do (yellow, then orange)
    levels = {w.level for w in windows(ozone_summer(tmp_path), "mee-2019")}
    assert Level.ORANGE in levels


# -- dust -----------------------------------------------------------------------------------------
HAZE = {"PM2.5": 200.0, "PM10": 260.0}   # PM2.5 → 250, PM10 → 155: PM2.5 drives
DUST = {"PM2.5": 150.0, "PM10": 700.0}   # PM10 → 500 (above the table), ratio 0.21
CLEAN = {"PM2.5": 60.0, "PM10": 90.0}


def dust_episode(tmp_path, middle=DUST) -> str:
    return observations(tmp_path / "dust.csv", WINTER, (96, CLEAN), (48, HAZE), (24, middle),
                        (48, HAZE), (120, CLEAN))


def test_dust_periods_by_hand(tmp_path):
    inputs = load_alert_inputs([dust_episode(tmp_path)], "mee-2019")
    excluded = load_ruleset("mee-2019").days.excluded(inputs.drivers["A"], 336)
    # a period ending n hours into the dust day has PM2.5 200 − 50n/24 and PM10 260 + 440n/24:
    # n = 10: 179.2 / 443.3, ratio 0.404 — not dust; n = 11: 177.1 / 461.7, ratio 0.384 — dust
    # (PM10 → 347 beats PM2.5 → 227). Dust starts at hour 144: periods ending at 144 + 10 = 154
    # up to the last with ≥ 11 dust hours, 144 + 24 + 12 = 180, are left out.
    assert np.flatnonzero(excluded).tolist() == list(range(154, 181))


def test_a_dust_day_is_not_counted_and_breaks_the_episode(tmp_path):
    path = dust_episode(tmp_path)
    # counting the dust day: five days above 200 and one reaching 500 — red
    assert max(w.level for w in windows(path, counting_everything("mee-2019"))) == Level.RED
    # without it: two days of haze on each side, never three in a row — yellow throughout,
    # the 27 left-out hours (< 36 h) do not lift it; the reason names them
    ws = windows(path, "mee-2019")
    assert [w.level for w in ws] == [Level.YELLOW]
    # periods with 7 to 10 dust hours are PM10-driven but too fine to be dust (ratio ≥ 0.4)
    assert ws[0].primary == "PM2.5,PM10"
    assert ("not counted: dust-driven 2023-12-16 10:00 → 2023-12-17 12:00 (daily AQI up to 500)"
            in ws[0].reason)


def test_a_pm25_episode_is_unchanged_by_the_exclusions(tmp_path):
    path = dust_episode(tmp_path, middle=HAZE)
    for name in ("mee-2017", "mee-2019", "mee-2024", "beijing-2023"):
        assert windows(path, name) == windows(path, counting_everything(name))


# -- forecast tables ------------------------------------------------------------------------
def forecast_table(path, primary: str) -> str:
    days = pd.date_range("2023-12-12", periods=6, freq="D")
    pd.DataFrame({"issued_at": "2023-12-10 08:00", "city": "A",
                  "time": days.strftime("%Y-%m-%d"),
                  "daily_aqi": [90, 220, 230, 240, 220, 90],
                  "首要污染物": ["", primary, primary, primary, primary, ""]}).to_csv(
                      path, index=False)
    return str(path)


def table_windows(path: str, rules: str = "mee-2024"):
    inputs = load_alert_inputs([], rules, forecast_table=path)
    return inputs.windows().get("A", [])


def test_a_forecast_table_names_the_primary_pollutant_as_bureaus_publish_it(tmp_path):
    pm = table_windows(forecast_table(tmp_path / "pm.csv", "细颗粒物"))
    assert max(w.level for w in pm) == Level.ORANGE
    assert {w.primary for w in pm} == {"PM2.5"}
    assert table_windows(forecast_table(tmp_path / "o3.csv", "臭氧")) == []
    assert table_windows(forecast_table(tmp_path / "dust.csv", "沙尘")) == []
    # PM10 without a ratio cannot be called dust: it counts
    assert table_windows(forecast_table(tmp_path / "pm10.csv", "PM10")) != []


def test_a_forecast_of_the_daily_aqi_alone_cannot_exclude_anything(tmp_path):
    path = forecast_table(tmp_path / "plain.csv", "臭氧")
    frame = pd.read_csv(path).drop(columns="首要污染物")
    frame.to_csv(path, index=False)
    assert "primary" not in load_forecast_table(path).columns
    assert max(w.level for w in table_windows(path)) == Level.ORANGE


def test_an_unknown_primary_pollutant_stops_with_one_line(tmp_path):
    path = forecast_table(tmp_path / "bad.csv", "smoke")
    with pytest.raises(AlertInputError) as error:
        load_forecast_table(path)
    assert str(error.value) == (f"{path}: row 3, column primary_pollutant: value 'smoke' — "
                                "expected PM2.5/细颗粒物, PM10/可吸入颗粒物, O3/臭氧, NO2, SO2, "
                                "CO or 沙尘 (dust)")


def test_a_rule_set_rejects_an_unknown_kind_of_day():
    data = {"id": "x", "levels": [{"level": "yellow", "any": [{"above": 200}]}],
            "days": {"exclude": ["fireworks"]}}

    with pytest.raises(ValueError, match="days.exclude"):
        RuleSet.from_dict(data, "x.toml")
