"""The three observation layouts, station aggregation, gaps, daily inputs and bad files."""

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from alerts.io import AlertInputError, load_observations, read_observation_file
from simulator.cli.app import app

RUNNER = CliRunner()
UCI_HEADER = ("No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,"
              "station\n")


def uci_file(path, station, pm25, start="2017-01-01 00:00", co=800.0):
    """A UCI-style station file with hourly PM2.5 (None → NA) and constant other pollutants."""
    lines = [UCI_HEADER]
    for i, value in enumerate(pm25):
        t = pd.Timestamp(start) + pd.Timedelta(hours=i)
        pm = "NA" if value is None else f"{value}"
        lines.append(f"{i + 1},{t.year},{t.month},{t.day},{t.hour},{pm},20,3,20,{co},50,"
                     f"-1.0,1020,-15,0,NW,2.1,{station}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_uci_stations_average_to_a_city_and_gaps_stay_missing(tmp_path):
    a = uci_file(tmp_path / "PRSA_A.csv", "Aotizhongxin", [100.0, 100.0, None, 80.0])
    b = uci_file(tmp_path / "PRSA_B.csv", "Dongsi", [200.0, None, None, 100.0])
    obs = load_observations([a, b], city="北京")
    frame = obs.cities["北京"]
    # hour 0: (100 + 200)/2 = 150; hour 1: Dongsi missing → Aotizhongxin 100 alone;
    # hour 2: both missing → NaN (never 0); hour 3: (80 + 100)/2 = 90
    assert frame["PM2.5"].iloc[[0, 1, 3]].tolist() == [150.0, 100.0, 90.0]
    assert math.isnan(frame["PM2.5"].iloc[2])
    assert frame["CO"].iloc[0] == 0.8  # 800 µg/m³ in the UCI file → 0.8 mg/m³
    gaps = obs.gaps()
    assert gaps[["city", "quantity", "missing"]].values.tolist() == [["北京", "PM2.5", 1]]
    assert gaps["start"].iloc[0] == pd.Timestamp("2017-01-01 02:00")


def test_station_files_need_a_city(tmp_path):
    a = uci_file(tmp_path / "PRSA_A.csv", "Aotizhongxin", [100.0])
    with pytest.raises(AlertInputError, match=r"PRSA_A.csv: row 1, column city: missing .*--city"):
        load_observations([a])


def test_national_hourly_city_layout(tmp_path):
    path = tmp_path / "china_cities_20231218.csv"
    rows = ["date,hour,type,北京,漯河"]
    for hour in range(3):
        rows += [f"20231218,{hour},AQI,50,{120 + hour}", f"20231218,{hour},PM2.5,30,{90 + hour}",
                 f"20231218,{hour},PM2.5_24h,28,88", f"20231218,{hour},O3_8h_24h,40,",
                 f"20231218,{hour},CO,0.5,1.2"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    obs = load_observations([path])
    assert sorted(obs.cities) == ["北京", "漯河"]
    luohe = obs.cities["漯河"]
    assert luohe.index[0] == pd.Timestamp("2023-12-18 00:00") and len(luohe) == 3
    assert luohe["PM2.5"].tolist() == [90.0, 91.0, 92.0] and luohe["CO"].iloc[0] == 1.2
    assert "PM2.5_24h" not in luohe.columns  # rolling values are recomputed from hourly data


def test_long_table_hourly_and_daily(tmp_path):
    hourly = tmp_path / "long.csv"
    hourly.write_text("time,station,pollutant,value\n2023-12-18 00:00,S1,PM2.5,100\n"
                      "2023-12-18 01:00,S1,PM2.5,\n2023-12-18 02:00,S1,PM2.5,120\n",
                      encoding="utf-8")
    obs = load_observations([hourly], city="漯河")
    assert not obs.daily and len(obs.cities["漯河"]) == 3
    assert obs.gaps()["missing"].tolist() == [1]

    daily = tmp_path / "daily.csv"
    daily.write_text("time,city,pollutant,value\n2023-12-18,漯河,PM2.5,160\n"
                     "2023-12-19,漯河,PM2.5,100\n", encoding="utf-8")
    obs = load_observations([daily])
    assert obs.daily
    aqi = obs.daily_aqi()["漯河"]
    # each day's value holds for its hours, and the daily AQI is computed as for hourly data:
    # the 24 h period ending at 12-18 19:00 .. 23:00 has ≥ 20 hours of 160 → 200 + 10/100 × 100
    # = 210 (earlier hours: fewer than 20 valid hours, no value); the period ending at 12-19
    # 11:00 holds 12 h at 160 and 12 h at 100, mean 130 → 150 + 15/35 × 50 = 171.43; at 12-19
    # 23:00 the whole day of 100 → 100 + 25/40 × 50 = 131.25
    assert len(aqi) == 48
    assert aqi.iloc[:19].isna().all() and (aqi.iloc[19:24] == 210.0).all()
    assert aqi.iloc[35] == pytest.approx(150 + 15 / 35 * 50) and aqi.iloc[47] == 131.25


def test_wide_forecast_layout_is_read_too(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("time,PM2.5\n2023-12-18 00:00,100\n2023-12-18 01:00,110\n", encoding="utf-8")
    frame = read_observation_file(path, city="漯河")
    assert frame["value"].tolist() == [100.0, 110.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,city,pollutant,value\n2023-12-18 00:00,漯河,PM2.5,100\n"
         "2023-13-45 00:00,漯河,PM2.5,100\n",
         "bad.csv: row 3, column time: value '2023-13-45 00:00' — expected a timestamp"),
        ("time,city,pollutant,value\n2023-12-18 00:00,漯河,PM25,100\n",
         "bad.csv: row 2, column pollutant: value 'PM25' — expected one of PM2.5"),
        ("time,city,pollutant,value\n2023-12-18 00:00,漯河,PM2.5,100\n"
         "2023-12-18 01:00,漯河,PM2.5,abc\n",
         "bad.csv: row 3, column value: value 'abc' — expected a number"),
        ("time,city,pollutant,value\n2023-12-18 00:00,漯河,PM2.5,-5\n",
         "bad.csv: row 2, column value: value '-5' — expected a number ≥ 0"),
        (UCI_HEADER + "1,2017,2,30,0,10,20,3,20,800,50,-1,1020,-15,0,NW,2,S\n",
         "bad.csv: row 2, column year/month/day/hour: value '2017-2-30-0'"),
        (UCI_HEADER + "1,2017,2,3,0,ten,20,3,20,800,50,-1,1020,-15,0,NW,2,S\n",
         "bad.csv: row 2, column PM2.5: value 'ten'"),
        ("date,hour,type,北京\n20231218,0,PM2.5,30\n20231218,1,PM1,30\n",
         "bad.csv: row 3, column type: value 'PM1'"),
        ("date,hour,type,北京\n20231218,0,PM2.5,30\n2023121x,1,PM2.5,30\n",
         "bad.csv: row 3, column date: value '2023121x'"),
        ("date,hour,type,北京\n20231218,0,PM2.5,thirty\n",
         "bad.csv: row 2, column 北京: value 'thirty'"),
    ],
)
def test_malformed_files_give_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AlertInputError) as caught:
        load_observations([path], city="北京")
    assert message in str(caught.value) and "\n" not in str(caught.value)
    result = RUNNER.invoke(app, ["alerts", "--observations", str(path), "--city", "北京"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.csv" in lines[0], result.output


def episode_file(path, city="漯河"):
    """Hourly PM2.5: 60 at first, 160 for 100 h from hour 96 (12-14 00:00), then 60."""
    values = np.full(24 * 12, 60.0)
    values[96:196] = 160.0
    times = pd.date_range("2023-12-10 00:00", periods=len(values), freq="h")
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "city": city,
                  "PM2.5": values}).to_csv(path, index=False)
    return path


def test_cli_prints_the_timeline_as_csv(tmp_path):
    path = episode_file(tmp_path / "obs.csv")
    result = RUNNER.invoke(app, ["alerts", "--observations", str(path), "--rules", "mee-2019",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(frame.columns) == ["city", "level", "level_zh", "response", "issued_at",
                                   "start", "end", "hours", "primary_pollutant", "trigger",
                                   "reason"]
    # daily AQI > 200 ⇔ 24 h mean PM2.5 > 150 ⇔ (n × 160 + (24 − n) × 60)/24 > 150 ⇔ n ≥ 22
    # hours at 160 in the window: rising, n = t − 95 ≥ 22 from hour 117 (12-14 21:00);
    # falling, n = 219 − t ≥ 22 up to hour 197. Periods ending at 117..197 are above 200: 3-day
    # chains end at k, k + 24, k + 48 for k in 117..149 (orange, mee-2019), covering hours from
    # 94 (12-13 22:00, the first hour of the period ending at 117) to 198 (12-18 06:00).
    # Reading 72 h ahead, the consultation of 12-13 10:00 (hour 82) sees 2 days: yellow from 94,
    # at once; 12-14 10:00 sees 3: orange once yellow has held 24 h (hour 118); lift at 198.
    assert frame["level"].tolist() == ["yellow", "orange"]
    assert frame["start"].tolist() == ["2023-12-13 22:00", "2023-12-14 22:00"]
    assert frame["end"].tolist() == ["2023-12-14 22:00", "2023-12-18 06:00"]
    assert frame["trigger"].tolist() == ["forecast", "forecast"]


def test_cli_table_and_noisy_forecast_are_deterministic(tmp_path):
    path = episode_file(tmp_path / "obs.csv")
    args = ["alerts", str(path), "--forecast", "noisy:sd=0.3", "--seed", "5", "--format", "csv"]
    first, second = RUNNER.invoke(app, args), RUNNER.invoke(app, args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    table = RUNNER.invoke(app, ["alerts", str(path)])
    assert table.exit_code == 0 and "Alert timeline" in table.stdout


def test_cli_rejects_a_bad_model(tmp_path):
    path = episode_file(tmp_path / "obs.csv")
    result = RUNNER.invoke(app, ["alerts", str(path), "--forecast", "psychic"])
    assert result.exit_code == 2 and "psychic" in result.output


def test_clean_air_gives_a_header_only_csv(tmp_path):
    path = tmp_path / "clean.csv"
    hours = pd.date_range("2023-12-01", periods=24 * 5, freq="h")
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "city": "漯河",
                  "PM2.5": 30.0}).to_csv(path, index=False)
    result = RUNNER.invoke(app, ["alerts", "--observations", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("city,level,level_zh,response,issued_at,start,end,hours,"
                             "primary_pollutant,trigger,reason\n")


def test_a_table_across_years_prints_the_year(tmp_path):
    # two 2-day episodes a year apart: the table's dates carry the year
    path = tmp_path / "two_years.csv"
    hours = pd.date_range("2022-12-20", "2024-01-10", freq="h")
    pm = pd.Series(40.0, index=hours)
    pm["2022-12-28":"2022-12-29 23:00"] = 200.0
    pm["2023-12-28":"2023-12-29 23:00"] = 200.0
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "city": "漯河",
                  "PM2.5": pm.to_numpy()}).to_csv(path, index=False)
    result = RUNNER.invoke(app, ["alerts", "--observations", str(path), "--rules", "mee-2019"])
    assert result.exit_code == 0, result.output
    assert "2022-12-27" in result.stdout and "2023-12-27" in result.stdout


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("CO", 800.0, r"row 3, column CO: value 800 — implausible CO \(above 150 mg/m³\) — CO must "
                      r"be in mg/m³; this looks like µg/m³ \(divide by 1000\)"),
        ("PM2.5", 2500.0, r"row 3, column PM2.5: value 2500 — implausible PM2.5 \(above 2000 "
                          r"µg/m³\); check the unit and the value"),
        ("PM2.5", -5.0, r"row 3, column PM2.5: value '-5.0' — expected a number ≥ 0 or empty"),
    ],
)
def test_implausible_values_stop_with_the_column_named(tmp_path, column, value, message):
    path = tmp_path / "bad.csv"
    frame = pd.DataFrame({"time": ["2023-12-01 00:00", "2023-12-01 01:00"], "city": "漯河",
                          "PM2.5": 50.0, "CO": 1.0})
    frame.loc[1, column] = value
    frame.to_csv(path, index=False)
    with pytest.raises(AlertInputError, match=message):
        load_observations([path])
    result = RUNNER.invoke(app, ["alerts", "--observations", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_long_table_co_in_micrograms_is_caught(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("time,city,pollutant,value\n2023-12-01 00:00,漯河,CO,1.1\n"
                    "2023-12-01 01:00,漯河,CO,1100\n", encoding="utf-8")
    with pytest.raises(AlertInputError, match=r"long.csv: row 3, column value: value 1100 — "
                                              r"implausible CO"):
        load_observations([path])
