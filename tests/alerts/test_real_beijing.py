"""The engine on real data: hourly PM2.5 at the US Embassy in Beijing, 2010–2014 (CC BY 4.0,
tests/data/README.md), and the real alerts of February 2014."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alerts.io import load_alert_inputs, load_observations
from alerts.levels import Level
from alerts.triggers import hourly_level_codes

DATA = Path(__file__).parents[1] / "data" / "beijing_pm25_us_embassy_2010_2014.csv.gz"
H = pd.Timedelta(hours=1)
# the real alerts (tests/data/README.md)
REAL_START, REAL_UPGRADE, REAL_LIFT = (pd.Timestamp("2014-02-20 12:00"),
                                       pd.Timestamp("2014-02-21 12:00"),
                                       pd.Timestamp("2014-02-27 00:00"))


@pytest.fixture(scope="module")
def observations():
    return load_observations([DATA], city="北京")


@pytest.fixture(scope="module")
def windows():
    """Perfect-forecast windows over the five years, per rule set."""
    out = {}
    for rules in ("mee-2019", "mee-2024"):
        inputs = load_alert_inputs([DATA], rules, city="北京")
        out[rules] = (inputs, inputs.windows("perfect")["北京"])
    return out


def test_the_file_reads_as_published(observations):
    frame = observations.cities["北京"]
    assert len(frame) == 43824 and list(frame.columns) == ["PM2.5"]  # header "pm2.5"
    assert frame.index[0] == pd.Timestamp("2010-01-01 00:00")
    assert int(frame["PM2.5"].isna().sum()) == 2067 == int(observations.gaps()["missing"].sum())


def test_february_2014_starts_low_is_upgraded_and_lifts_after_the_episode(windows):
    inputs, ws = windows["mee-2019"]
    daily = inputs.truth["北京"]
    feb = [w for w in ws if w.end > pd.Timestamp("2014-02-19") and
           w.start < pd.Timestamp("2014-03-01")]
    assert [w.level for w in feb] == [Level.YELLOW, Level.ORANGE, Level.RED]
    # the first 24 h period above AQI 200 ends at the first hour the daily AQI exceeds 200;
    # yellow covers that period from its first hour
    week = daily["2014-02-19":"2014-02-28"]
    first_above = week[week > 200].index[0]
    assert first_above == pd.Timestamp("2014-02-20 16:00")
    assert feb[0].start == first_above - 23 * H
    # each level is held one day, then upgraded as the 3-day forecast shows 3 and 4 days
    assert feb[1].start == feb[0].start + 24 * H and feb[2].start == feb[1].start + 24 * H
    # lift at the first hour from which the daily AQI stays ≤ 200 for 36 h
    clear = week[(week.index > pd.Timestamp("2014-02-26")) & (week <= 200)].index[0]
    assert feb[2].end == clear == pd.Timestamp("2014-02-27 12:00")
    assert (week[clear:clear + 35 * H] <= 200).all()
    # the real alert period is covered from its start to its lift; red is not issued from
    # the first hour; the engine starts within a day of the real alert and lifts within 12 h
    assert feb[0].start <= REAL_START and feb[2].end >= REAL_LIFT
    assert feb[0].level < Level.RED
    assert abs(feb[0].start - REAL_START) < 24 * H and abs(feb[2].end - REAL_LIFT) <= 12 * H


@pytest.mark.parametrize("rules", ["mee-2019", "mee-2024"])
def test_five_years_no_alert_under_a_day_and_no_heavy_day_without_an_alert(windows, rules):
    inputs, ws = windows[rules]
    ruleset = inputs.rules["北京"]
    alerts = [w for w in ws if w.level >= ruleset.lowest_alert]
    assert len(alerts) > 100
    assert min(w.hours for w in alerts) >= 24
    daily = inputs.truth["北京"]
    grid = daily.index
    issued = np.zeros(len(grid), int)
    for w in alerts:
        issued[(grid >= w.start) & (grid < w.end)] = int(w.level)
    static = hourly_level_codes(daily, ruleset)
    # every hour at an alert level in hindsight is under some alert (perfect forecast)
    assert not ((static >= int(ruleset.lowest_alert)) & (issued == 0)).any()
    # no alert lifts into a heavy hour: the 36 h after each lift are at daily AQI ≤ 200
    for w in alerts:
        i = grid.searchsorted(w.end)
        if i < len(grid) and issued[i] == 0:
            after = daily.iloc[i:i + 36]
            assert (after.dropna() <= 200).all(), w


def test_hourly_and_daily_input_give_the_same_alerts(tmp_path, observations):
    # January 2013 (Beijing's worst month on record) as calendar-day means, fed as daily values
    # and as hourly values constant over each day: the same daily AQI, the same windows
    pm = observations.cities["北京"]["PM2.5"]["2012-12-25":"2013-02-05"]
    days = pm.groupby(pm.index.normalize()).mean().round(1)
    daily, hourly = tmp_path / "daily.csv", tmp_path / "hourly.csv"
    pd.DataFrame({"time": days.index.strftime("%Y-%m-%d %H:%M"), "city": "北京",
                  "PM2.5": days.to_numpy()}).to_csv(daily, index=False)
    hours = pd.date_range(days.index[0], days.index[-1] + 23 * H, freq="h")
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "city": "北京",
                  "PM2.5": days.reindex(hours.normalize()).to_numpy()}).to_csv(hourly, index=False)
    for rules in ("mee-2019", "mee-2024"):
        a = load_alert_inputs([daily], rules)
        b = load_alert_inputs([hourly], rules)
        pd.testing.assert_series_equal(a.truth["北京"], b.truth["北京"], check_freq=False)
        wa, wb = a.windows()["北京"], b.windows()["北京"]
        assert wa == wb and any(w.level >= Level.ORANGE for w in wa)


@pytest.mark.parametrize("model", ["perfect", "late:24", "persistence"])
def test_readings_made_ahead_give_the_alerts_made_one_by_one(monkeypatch, model):
    """A model that draws nothing is read for all consultations at once; the winter of 2013/14
    under mee-2019 gives the very windows (levels, times, reasons) of reading one at a time."""
    from alerts import forecast

    inputs = load_alert_inputs([DATA], "mee-2019", city="北京")
    span = {"start": pd.Timestamp("2013-11-15"), "end": pd.Timestamp("2014-03-15")}
    ahead = inputs.windows(model, **span)["北京"]
    for name in ("PerfectForecast", "LateForecast", "PersistenceForecast"):
        monkeypatch.setattr(getattr(forecast, name), "draws_nothing", False)
    one_by_one = inputs.windows(model, **span)["北京"]
    assert len(ahead) > 3 and ahead == one_by_one
