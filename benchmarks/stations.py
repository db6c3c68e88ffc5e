"""Twelve Beijing station files in the UCI multi-site layout, made from the real embassy record.

The UCI "Beijing Multi-Site Air-Quality" data set has one file per station (``PRSA_Data_<station>
_20130301-20170228.csv``: ``No, year, month, day, hour, PM2.5, PM10, SO2, NO2, CO, O3, TEMP,
PRES, DEWP, RAIN, wd, WSPM, station``, CO in µg/m³, ``NA`` for missing). The project holds the
embassy's hourly PM2.5 of 2010–2014 (tests/data, UCI id 381), so the benchmark writes twelve
station files of that layout from it, seeded:

* PM2.5 of a station: the embassy's value × a station factor (log-normal, sd 0.1) × an hourly
  factor (log-normal, sd 0.15); the embassy's gaps stay gaps and each station loses another 1 %
  of its hours at random (assumptions: the shape of a city's station network, not its values).
* The other pollutants follow PM2.5 with fixed ratios and noise (assumptions, the rough winter
  means of the UCI stations): PM10 ≈ 1.3 × PM2.5, SO2 ≈ 0.2 × PM2.5 + 5, NO2 ≈ 0.5 × PM2.5 + 15,
  CO ≈ 12 × PM2.5 + 300 µg/m³, O3 ≈ 60 − 0.2 × PM2.5 (at least 2).
* Weather columns are the embassy's (TEMP, PRES, DEWP, wind direction), rain 0.

Four years (2011-01-01 00:00 – 2014-12-31 23:00, 35,064 hours) × 12 stations = 420,768 rows,
≈ 32 MB, the size the reading benchmark is about. Files are written to a temporary folder and
never committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EMBASSY = Path(__file__).resolve().parent.parent / "tests" / "data" / \
    "beijing_pm25_us_embassy_2010_2014.csv.gz"
STATIONS = ("Aotizhongxin", "Changping", "Dingling", "Dongsi", "Guanyuan", "Gucheng",
            "Huairou", "Nongzhanguan", "Shunyi", "Tiantan", "Wanliu", "Wanshouxigong")
FIRST, LAST = pd.Timestamp("2011-01-01 00:00"), pd.Timestamp("2014-12-31 23:00")
HEADER = ["No", "year", "month", "day", "hour", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3",
          "TEMP", "PRES", "DEWP", "RAIN", "wd", "WSPM", "station"]


def embassy(first: pd.Timestamp = FIRST, last: pd.Timestamp = LAST) -> pd.DataFrame:
    """The embassy record between ``first`` and ``last`` with a ``time`` column."""
    frame = pd.read_csv(EMBASSY)
    frame["time"] = pd.to_datetime(frame[["year", "month", "day", "hour"]])
    return frame[(frame["time"] >= first) & (frame["time"] <= last)].reset_index(drop=True)


def _text(values: np.ndarray) -> np.ndarray:
    """One decimal, ``NA`` where missing, as the UCI files write them."""
    out = np.char.mod("%.1f", np.nan_to_num(values))
    return np.where(np.isnan(values), "NA", out)


def station_frame(base: pd.DataFrame, station: str, rng: np.random.Generator) -> pd.DataFrame:
    n = len(base)
    pm = base["pm2.5"].to_numpy(float) * np.exp(rng.normal(0, 0.1)) * \
        np.exp(rng.normal(0, 0.15, n))
    pm[rng.random(n) < 0.01] = np.nan

    def noisy(mean: np.ndarray) -> np.ndarray:
        return np.maximum(mean * np.exp(rng.normal(0, 0.1, n)), 2.0)

    times = base["time"]
    return pd.DataFrame({
        "No": np.arange(1, n + 1), "year": times.dt.year, "month": times.dt.month,
        "day": times.dt.day, "hour": times.dt.hour,
        "PM2.5": _text(np.maximum(pm, 2.0)), "PM10": _text(noisy(1.3 * pm)),
        "SO2": _text(noisy(0.2 * pm + 5)), "NO2": _text(noisy(0.5 * pm + 15)),
        "CO": _text(noisy(12 * pm + 300)), "O3": _text(noisy(60 - 0.2 * pm)),
        "TEMP": base["TEMP"], "PRES": base["PRES"], "DEWP": base["DEWP"], "RAIN": 0.0,
        "wd": base["cbwd"], "WSPM": 1.5, "station": station,
    }, columns=HEADER)


def write_stations(root: Path, seed: int = 18, stations: int = len(STATIONS),
                   last: pd.Timestamp = LAST) -> list[Path]:
    """Write the station files into ``root``; return their paths (same seed, same bytes)."""
    base = embassy(FIRST, last)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(stations)]
    paths = []
    for name, rng in zip(STATIONS[:stations], rngs, strict=True):
        path = root / f"PRSA_Data_{name}_{FIRST:%Y%m%d}-{last:%Y%m%d}.csv"
        station_frame(base, name, rng).to_csv(path, index=False)
        paths.append(path)
    return paths
