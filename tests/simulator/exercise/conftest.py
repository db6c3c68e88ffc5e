"""A small hand-made scenario for exercises: three plants, one orange episode."""

from pathlib import Path

import pandas as pd
import pytest

SCENARIO = """[scenario]
name = "golden"
city = "漯河"
seed = 1
start = "2023-12-12T00:00"
end = "2023-12-20T00:00"
rules = "mee-2024"

[inventory]
file = "inventory.csv"

[forecast]
file = "forecast.csv"
"""
# t/a: ÷ 8760 h gives 0.1, 0.05 and 0.025 t/h of SO2
PLANTS = [("E1", "甲药业", "临颍县", "B", 876.0), ("E2", "乙药业", "舞阳县", "C", 438.0),
          ("E3", "丙药业", "舞阳县", "A", 219.0)]
# 经度/纬度 as a list writes them: decimal, 度分秒, and none (E2 falls back to its county)
PLACES = {"E1": ("113.97", "33.58"), "E2": ("", ""), "E3": ("113°36'", "33°27'")}
HEAVY = (pd.Timestamp("2023-12-14 00:00"), pd.Timestamp("2023-12-17 12:00"))


def write_golden(folder: Path, compliance: str = "") -> Path:
    """Daily AQI 250 over ``HEAVY``, 50 elsewhere: the lifecycle issues orange at the
    12-12 10:00 consultation from 12-13 01:00 and lifts at 12-17 12:00 (107 h)."""
    folder.mkdir(parents=True, exist_ok=True)
    hours = pd.date_range("2023-12-10 00:00", "2023-12-22 23:00", freq="h")
    aqi = [250.0 if HEAVY[0] <= t < HEAVY[1] else 50.0 for t in hours]
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M"), "city": "漯河",
                  "daily_aqi": aqi}).to_csv(folder / "forecast.csv", index=False)
    pd.DataFrame([{"id": i, "name": n, "city": "漯河", "county": c,
                   "industry": "pharmaceuticals", "grade": g, "so2_t": so2, "nox_t": 0.0,
                   "pm_t": 0.0, "vocs_t": 0.0, "经度": PLACES[i][0], "纬度": PLACES[i][1]}
                  for i, n, c, g, so2 in PLANTS]).to_csv(folder / "inventory.csv", index=False)
    (folder / "scenario.toml").write_text(SCENARIO + compliance, encoding="utf-8")
    return folder / "scenario.toml"


@pytest.fixture
def golden(tmp_path) -> Path:
    return write_golden(tmp_path / "golden")


@pytest.fixture(scope="module")
def golden_setup(tmp_path_factory):
    """The golden scenario read once (``Setup``): each test makes fresh exercises on it."""
    from simulator.exercise.io import open_exercise

    path = write_golden(tmp_path_factory.mktemp("golden"))
    return open_exercise(path, "张三").setup
