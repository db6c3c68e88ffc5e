"""Forecast models: perfect, persistence, noisy (seeded, growing error), late, replayed tables."""

import numpy as np
import pandas as pd
import pytest

from alerts.forecast import (
    LateForecast,
    NoisyForecast,
    PersistenceForecast,
    TableForecast,
    make_model,
    parse_model,
)
from tests.alerts.helpers import at, series

TRUTH = series((210.0, 48), (150.0, 24))  # 100 to hour 96, 210 to 144, 150 to 168, then 100


def test_persistence_repeats_the_last_known_value():
    out = PersistenceForecast(TRUTH).outlook(at(120), 24, 48)
    assert (out[out.index < at(120)] == 210.0).all()
    assert (out[out.index >= at(120)] == 210.0).all()  # value at hour 119
    out = PersistenceForecast(TRUTH).outlook(at(150), 0, 10)
    assert (out == 150.0).all()


def test_late_forecast_sees_every_change_late():
    out = LateForecast(TRUTH, hours=24).outlook(at(80), 10, 100)
    assert out[at(79)] == 100.0  # the past is observed
    assert out[at(119)] == 100.0 and out[at(120)] == 210.0  # the rise at 96 forecast at 120


def test_noisy_forecast_is_seeded_and_its_error_grows_with_lead():
    a = NoisyForecast(TRUTH, np.random.default_rng(7)).outlook(at(100), 24, 168)
    b = NoisyForecast(TRUTH, np.random.default_rng(7)).outlook(at(100), 24, 168)
    pd.testing.assert_series_equal(a, b)
    assert (a.iloc[:24] == TRUTH.reindex(a.index[:24])).all()  # the past is observed
    assert a.iloc[24] == TRUTH[at(100)]  # lead 0: no error yet
    # across many consultations the spread of log error at 6 days lead exceeds that at 1 day
    model = NoisyForecast(TRUTH, np.random.default_rng(1), sd_per_day=0.2)
    logs = np.array([np.log(model.outlook(at(100 + k), 0, 168) / TRUTH.reindex(
        pd.date_range(at(100 + k), periods=168, freq="h"))).to_numpy() for k in range(200)])
    assert logs[:, 144].std() > 3 * logs[:, 24].std()


def test_noisy_bias_rehearses_an_under_forecast():
    out = NoisyForecast(TRUTH, np.random.default_rng(0), bias_per_day=-0.2, sd_per_day=0.0
                        ).outlook(at(96), 0, 49)
    # at 2 days lead the forecast is 210 × e^(−0.4) = 140.77
    assert out[at(96 + 48)] == pytest.approx(150.0 * np.exp(-0.4))
    assert out[at(96 + 24)] == pytest.approx(210.0 * np.exp(-0.2))


def test_table_forecast_replays_the_latest_issue():
    table = pd.DataFrame({
        "issued_at": [at(0), at(0), at(24), at(24)],
        "valid_at": [at(30), at(31), at(31), at(32)],
        "daily_aqi": [110.0, 120.0, 220.0, 230.0]})
    model = TableForecast(table)
    out = model.outlook(at(10), 0, 30)
    assert out[at(30)] == 110.0 and out[at(31)] == 120.0 and np.isnan(out[at(32)])
    out = model.outlook(at(24), 0, 30)
    assert list(out[[at(30), at(31), at(32)]]) == [110.0, 220.0, 230.0]


@pytest.mark.parametrize("text", ["perfect", "persistence", "noisy", "noisy:bias=-0.1,sd=0.3",
                                  "late:24", "late:0"])
def test_model_names_parse(text):
    make_model(text, TRUTH, np.random.default_rng(0))


@pytest.mark.parametrize("text", ["clairvoyant", "late:", "late:-3", "late:x", "noisy:mu=1",
                                  "noisy:sd=-1", "perfect:1"])
def test_bad_model_names_are_refused(text):
    with pytest.raises(ValueError, match="forecast model"):
        parse_model(text)


def _range_table(tmp_path, low, high):
    """One issue (12-10 08:00) of daily ranges for 12-10 … 12-16: days 12-11 … 12-13 at
    [low, high], the others at [80, 100]."""
    days = pd.date_range("2023-12-10", periods=7, freq="D")
    heavy = (days >= "2023-12-11") & (days <= "2023-12-13")
    path = tmp_path / "ranges.csv"
    pd.DataFrame({"issued_at": "2023-12-10 08:00", "city": "郑州",
                  "time": days.strftime("%Y-%m-%d"),
                  "daily_aqi_low": np.where(heavy, low, 80),
                  "daily_aqi_high": np.where(heavy, high, 100)}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("bound", "alerts"), [("upper", True), ("middle", False),
                                               ("lower", False)])
def test_a_forecast_range_is_read_at_the_rule_sets_bound(tmp_path, bound, alerts):
    # Henan 2016 (sources.md §1.4): the upper bound decides. Range 150–230 on three days:
    # upper 230 > 200 on 3 days → yellow (2 days needed); middle 190 and lower 150: no alert
    from alerts.io import load_alert_inputs
    rules = tmp_path / f"{bound}.toml"
    rules.write_text(f'id = "{bound}"\nforecast_bound = "{bound}"\n[[levels]]\nlevel = "yellow"\n'
                     'any = [{ above = 200, days = 2, source = "test" }]\n', encoding="utf-8")
    inputs = load_alert_inputs([], rules, forecast_table=_range_table(tmp_path, 150, 230))
    # the calendar day's value holds at its last hour (daily values spread over their hours)
    assert inputs.table.set_index("valid_at").loc["2023-12-12 23:00", "daily_aqi"] == {
        "upper": 230, "middle": 190, "lower": 150}[bound]
    windows = inputs.windows().get("郑州", [])
    assert bool(windows) == alerts
    if alerts:
        assert windows[0].level.id == "yellow"
        assert windows[0].start <= pd.Timestamp("2023-12-11 00:00")


def test_a_range_upside_down_is_one_line(tmp_path):
    from alerts.io import AlertInputError, load_forecast_table
    with pytest.raises(AlertInputError, match=r"ranges.csv: row 3, column daily_aqi_low: value "
                                              r"'230' — expected at most daily_aqi_high \(150\)"):
        load_forecast_table(_range_table(tmp_path, 230, 150))
