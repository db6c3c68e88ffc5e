"""Inspection teams and regional linkage decided during an exercise."""

import pandas as pd
import pytest

from alerts.levels import Level
from simulator.city.run import run_scenario
from simulator.exercise.io import open_exercise
from simulator.io.inputs import load_scenario

from .conftest import write_golden

T = pd.Timestamp
REGION = """name = "test region"

[[city]]
name = "漯河"
zones = ["henan"]
neighbours = ["许昌"]

[[city]]
name = "许昌"
zones = ["henan"]

[[dispatch]]
id = "豫 order (test)"
cities = ["漯河"]
level = "red"
issued_at = "2023-12-17T18:00"
start = "2023-12-18T00:00"
end = "2023-12-19T00:00"
"""


def test_teams_inspect_only_where_and_after_they_are_sent(golden):
    ex = open_exercise(golden, "张三")
    ex.move_to("2023-12-14 12:00")
    ex.dispatch("舞阳县", 2, who="王五")
    ex.step("end")
    visits = ex.result().result.inspections
    assert len(visits) >= 1
    assert set(visits["county"]) == {"舞阳县"}
    assert (visits["start"] >= T("2023-12-14 12:00")).all()
    row = next(r for r in ex.log if r["action"] == "dispatch")
    assert (row["county"], row["teams"], row["who"], row["kind"]) == ("舞阳县", 2, "王五", "human")


def test_no_team_sent_no_compliance_tables(golden):
    ex = open_exercise(golden, "张三")
    ex.step("end")
    assert ex.result().result.inspections is None


@pytest.fixture
def linked(tmp_path):
    scenario = write_golden(tmp_path / "linked", "\n[region]\nfile = \"region.toml\"\n")
    (scenario.parent / "region.toml").write_text(REGION, encoding="utf-8")
    return scenario


def test_linkage_on_is_smogsim_run_and_off_stops_the_order(linked):
    ex = open_exercise(linked, "张三")
    ex.step("end")
    auto = run_scenario(load_scenario(linked))
    pd.testing.assert_frame_equal(ex.result().result.alerts, auto.result.alerts)
    red = [(w.start, w.end, w.trigger) for w in ex.windows() if w.level == Level.RED]
    assert red == [(T("2023-12-18 00:00"), T("2023-12-19 00:00"), "dispatch")]
    off = open_exercise(linked, "张三")
    off.move_to("2023-12-18 06:00")
    off.set_linkage(False)
    off.step("end")
    red = [(w.start, w.end) for w in off.windows() if w.level == Level.RED]
    assert red == [(T("2023-12-18 00:00"), T("2023-12-18 06:00"))]
    assert off.state("en")["linkage"] is False


def test_forecast_days_carry_the_issued_range(golden):
    """A forecast table with a range: each consultation's issue gives the coming days' AQI at
    the rule set's bound (upper for mee-2024) and the range beside it."""
    rows = []
    for issued in pd.date_range("2023-12-10 10:00", "2023-12-19 10:00", freq="24h"):
        for day in pd.date_range(issued.normalize() + pd.Timedelta(days=1), periods=3,
                                 freq="D"):
            heavy = T("2023-12-14") <= day <= T("2023-12-16")
            rows.append({"issued_at": f"{issued:%Y-%m-%d %H:%M}", "city": "漯河",
                         "time": f"{day:%Y-%m-%d %H:%M}",
                         "daily_aqi_low": 190 if heavy else 60,
                         "daily_aqi_high": 240 if heavy else 90})
    pd.DataFrame(rows).to_csv(golden.parent / "forecast.csv", index=False)
    ex = open_exercise(golden, "张三")
    ex.move_to("2023-12-13 10:00")
    days = {d["date"]: d for d in ex.state("en")["forecast"]}
    assert (days["2023-12-14"]["aqi_low"], days["2023-12-14"]["aqi_high"]) == (190, 240)
    assert (days["2023-12-15"]["aqi_low"], days["2023-12-15"]["aqi_high"]) == (190, 240)
    assert days["2023-12-15"]["aqi"] == 240  # read at the upper bound
