"""Regenerate the forecast of ``runs/regional-henan-linkage.toml`` (synthetic).

Writes ``henan_linkage_2024-01_forecast.csv`` next to this script: one long hourly forecast with
a ``city`` column for the eight cities of ``henan_region.toml`` (the Henan replay example's
region: 郑州, 开封, 洛阳, 新乡, 焦作, 安阳, 许昌, 漯河). A January stagnation over the North China
Plain: two days of build-up, about three days of heavy PM2.5, then a cold front from the north
that reaches 安阳 first and 漯河 last. Seven cities reach orange on their own; 漯河, at the
southern edge where the air is cleaner, reaches temporary control but no alert. The six
adjacent cities around 郑州 at orange trigger Henan's 2016 provincial rule (≥ 6 adjacent
prefecture cities at orange or red, sources.md §1.4, §3.4), which puts every zone city — 漯河
too — on orange.

Everything here is an assumption chosen to look plausible, not a real forecast. The list
(``henan_inventory.csv``) and the region file are those of the replay example
(``make_henan_observations.py``). Run from the repository root:
``.venv/bin/python runs/data/make_henan_linkage.py``. Same script, same bytes.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from make_luohe_forecast import HENAN_WINTER_MIX, ar1_noise, forecast_frame

SEED = 20240110
HOURS = pd.date_range("2024-01-08 00:00", "2024-01-23 23:00", freq="h")
# city: (hours the front reaches it after 安阳, concentration factor) — assumption
CITIES = {
    "安阳": (0, 1.08), "新乡": (3, 1.04), "焦作": (4, 1.02), "郑州": (6, 1.00),
    "开封": (7, 0.98), "洛阳": (8, 0.97), "许昌": (9, 0.96), "漯河": (12, 0.45),
}
HERE = Path(__file__).parent
FORECAST_FILE = "henan_linkage_2024-01_forecast.csv"


def pm25_profile(hours: pd.DatetimeIndex) -> np.ndarray:
    """Zhengzhou's PM2.5 (µg/m³) without measures: build-up, stagnation, cold front."""
    t = (hours - hours[0]) / pd.Timedelta(hours=1)
    level = np.interp(t, [0, 72, 120, 144, 170, 200, 230, 244, 256, 270, 384],
                      [55, 75, 150, 190, 220, 230, 210, 180, 70, 40, 50])
    diurnal = 1 + 0.15 * np.cos(2 * np.pi * (hours.hour - 21) / 24)  # night-time peak
    return level * diurnal


def forecast() -> pd.DataFrame:
    children = np.random.SeedSequence(SEED).spawn(len(CITIES))
    frames = []
    for (city, (front, factor)), child in zip(CITIES.items(), children, strict=True):
        noise = ar1_noise(np.random.default_rng(child), len(HOURS))
        # the front reaches a city ``front`` hours after 安阳: its profile runs that much later
        pm25 = factor * pm25_profile(HOURS - pd.Timedelta(hours=front)) * np.exp(noise)
        frames.append(forecast_frame(HOURS, city, pm25, HENAN_WINTER_MIX))
    return pd.concat(frames, ignore_index=True)


def write_all(out_dir: Path = HERE) -> list[Path]:
    """Write the forecast into ``out_dir``; return its path in a list."""
    path = Path(out_dir) / FORECAST_FILE
    forecast().to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return [path]


if __name__ == "__main__":
    for written in write_all():
        print(written)
