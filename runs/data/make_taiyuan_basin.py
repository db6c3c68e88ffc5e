"""Regenerate the inputs of ``runs/regional-taiyuan-basin.toml`` (synthetic, all of them).

Writes, next to this script:

* ``taiyuan_basin_2024-01_forecast.csv`` — one long hourly forecast with a ``city`` column for
  the three basin cities: a January inversion over the Taiyuan basin (太原盆地), two days of
  build-up, about three days of heavy PM2.5 on the basin floor, then a cold front from the
  north-west clearing it within half a day;
* ``taiyuan_basin_inventory.csv`` — one synthetic emergency-reduction list for 太原, 晋中 and
  吕梁 (``enterprises.synthetic``);
* ``taiyuan_basin_region.toml`` — the region graph: the basin zone, its regional linkage rule
  and the neighbouring Shanxi cities.

Everything here is an assumption chosen to look plausible, not a city's real forecast, list or
plan. Taiyuan and Jinzhong (whose district 榆次 adjoins Taiyuan on the basin floor) reach orange
on their own; Lüliang's monitored air is cleaner — its seat 离石 lies west of the Lüliang
mountains — so alone it reaches temporary control but no alert, and only the basin's unified
alert (decided on the basin forecast, dispatched to every basin city) puts it on an alert. Run
from the repository root:
``python runs/data/make_taiyuan_basin.py``. Same script, same bytes.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from make_luohe_forecast import ar1_noise, forecast_frame

from enterprises.io import write_inventory
from enterprises.synthetic import synthesize_cities

SEED = 20240106
HOURS = pd.date_range("2024-01-04 00:00", "2024-01-19 23:00", freq="h")
CITIES = {  # city: (hours ahead of Taiyuan, concentration factor) — assumption
    "太原": (0, 1.00),
    "晋中": (2, 0.95),   # the same basin air, the front reaching it a little later
    "吕梁": (-3, 0.54),  # city-wide mean dominated by 离石, west of the mountains
}
ENTERPRISES = 600  # assumption: small enough to run in seconds; 257 / 172 / 171 by profile size
INVENTORY_SEED = 2024
HERE = Path(__file__).parent
FORECAST_FILE = "taiyuan_basin_2024-01_forecast.csv"
INVENTORY_FILE = "taiyuan_basin_inventory.csv"
REGION_FILE = "taiyuan_basin_region.toml"


def pm25_profile(hours: pd.DatetimeIndex) -> np.ndarray:
    """Taiyuan's PM2.5 (µg/m³) without measures: build-up, inversion, cold front (assumption)."""
    t = (hours - hours[0]) / pd.Timedelta(hours=1)
    level = np.interp(t, [0, 72, 120, 144, 170, 200, 230, 244, 256, 270, 384],
                      [60, 80, 150, 185, 215, 225, 205, 175, 70, 40, 50])
    diurnal = 1 + 0.15 * np.cos(2 * np.pi * (hours.hour - 21) / 24)  # heating-hour peak
    return level * diurnal


# assumption: a coal-heating winter mix, more SO2 and CO than Henan (as forecast_frame's mix)
BASIN_WINTER_MIX = {"PM10": (0.0, 1.45), "SO2": (20.0, 0.15), "NO2": (30.0, 0.2),
                    "CO": (1.0, 0.012), "O3": (50.0, -0.2)}


def city_frame(city: str, ahead: int, factor: float, rng: np.random.Generator) -> pd.DataFrame:
    noise = ar1_noise(rng, len(HOURS))
    pm25 = factor * pm25_profile(HOURS + pd.Timedelta(hours=ahead)) * np.exp(noise)
    return forecast_frame(HOURS, city, pm25, BASIN_WINTER_MIX)


def forecast() -> pd.DataFrame:
    children = np.random.SeedSequence(SEED).spawn(len(CITIES))
    return pd.concat([city_frame(city, ahead, factor, np.random.default_rng(child))
                      for (city, (ahead, factor)), child
                      in zip(CITIES.items(), children, strict=True)], ignore_index=True)


REGION = '''\
# Region file of runs/regional-taiyuan-basin.toml, written by make_taiyuan_basin.py (edit the
# script, not this file). Synthetic rehearsal data.
#
# The Taiyuan basin (太原盆地) zone: 太原, 晋中 and 吕梁, the three prefecture cities with
# counties on the basin floor (吕梁's 文水, 交城, 汾阳, 孝义). sources.md names these cities
# (§3.1 Taiyuan's plan, §6 and §13.2 Jinzhong, §13.2 Lüliang) but does not define the basin:
# the membership is an assumption from geography. 忻州, 阳泉 and 临汾 border the basin cities;
# they have no forecast and no list here, so they make no cuts, but they stay in the graph so
# the source–receptor model splits each basin city's non-local PM2.5 over all its neighbours
# (equal weights, 6 h lag per edge: assumptions, simulator.core.airquality).
name = "太原盆地 (Taiyuan basin) and neighbours"

[[city]]
name = "太原"
province = "山西"
zones = ["shanxi", "taiyuan-basin"]
neighbours = ["晋中", "吕梁", "忻州", "阳泉"]

[[city]]
name = "晋中"
province = "山西"
zones = ["shanxi", "taiyuan-basin"]
neighbours = ["太原", "吕梁", "阳泉", "临汾"]

[[city]]
name = "吕梁"
province = "山西"
zones = ["shanxi", "taiyuan-basin"]
neighbours = ["太原", "晋中", "忻州", "临汾"]

[[city]]
name = "忻州"
province = "山西"
zones = ["shanxi"]

[[city]]
name = "阳泉"
province = "山西"
zones = ["shanxi"]

[[city]]
name = "临汾"
province = "山西"
zones = ["shanxi"]

# Basin linkage, unified (区域联动): the basin has one regional consultation on a basin forecast
# under the cities' rule set (unified warning standards), and every alert it issues, adjusts or
# lifts goes to every basin city; a city whose own forecast is higher keeps its own level.
# Sources: a regional forecast centre's or the province's alert prompt starts a city's alert,
# not lower than the prompt (sources.md §3.1); cities of one region act synchronously on the
# regional prompt, and regional alerts are graded like city alerts (sources.md §3.4).
# Assumption: the basin forecast is the mean of the three cities' forecast daily AQI, hour by
# hour (sources.md does not say how a regional forecast is formed; "worst" is the other choice).
[[rule]]
id = "taiyuan-basin"
kind = "unified"
zone = "taiyuan-basin"
forecast = "mean"
source = "sources.md §3.1 (alert prompts), §3.4 (regions act together); basin mean: assumption"

# A provincial dispatch order (调度令, sources.md §1.4; order No. 4 put every Shanxi city but
# 大同 on orange for five days) can be rehearsed on top: uncomment and adjust.
# [[dispatch]]
# id = "晋 dispatch (rehearsal)"
# zone = "shanxi"
# level = "orange"
# issued_at = "2024-01-09T18:00"
# start = "2024-01-10T00:00"
# end = "2024-01-13T00:00"
# source = "sources.md §1.4"
'''


def write_all(out_dir: Path = HERE) -> list[Path]:
    """Write the three input files into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    paths = [out_dir / FORECAST_FILE, out_dir / INVENTORY_FILE, out_dir / REGION_FILE]
    forecast().to_csv(paths[0], index=False, encoding="utf-8-sig", lineterminator="\n")
    write_inventory(synthesize_cities(list(CITIES), ENTERPRISES, seed=INVENTORY_SEED), paths[1])
    paths[2].write_text(REGION, encoding="utf-8", newline="\n")
    return paths


if __name__ == "__main__":
    for path in write_all():
        print(path)
