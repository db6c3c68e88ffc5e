"""Regenerate ``luohe_2023-12_forecast.csv``, the demo's hourly forecast for Luohe (漯河).

Synthetic, modelled on a typical central-Henan winter episode: a stagnant build-up over two
days, three days of heavy PM2.5 under an inversion, then a cold front clearing the air within
half a day. Ratios between pollutants follow a PM2.5-dominated winter mix (assumption). Run from
the repository root: ``python runs/data/make_luohe_forecast.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20231212
HOURS = pd.date_range("2023-12-10 00:00", "2023-12-25 23:00", freq="h")


def pm25_profile(hours: pd.DatetimeIndex) -> np.ndarray:
    t = (hours - hours[0]) / pd.Timedelta(hours=1)
    level = np.interp(t, [0, 96, 150, 170, 220, 240, 252, 264, 384],
                      [65, 75, 175, 205, 215, 190, 70, 45, 55])  # µg/m³, assumption
    diurnal = 1 + 0.12 * np.cos(2 * np.pi * (hours.hour - 22) / 24)  # night-time peak
    return level * diurnal


def main() -> None:
    rng = np.random.default_rng(SEED)
    noise = np.zeros(len(HOURS))
    for i in range(1, len(HOURS)):  # AR(1) multiplicative noise, a few per cent
        noise[i] = 0.85 * noise[i - 1] + rng.normal(0, 0.03)
    pm25 = pm25_profile(HOURS) * np.exp(noise)
    frame = pd.DataFrame({
        "time": HOURS.strftime("%Y-%m-%d %H:%M"),
        "city": "漯河",
        "PM2.5": pm25.round(1),
        "PM10": (pm25 * 1.35).round(1),
        "SO2": (12 + pm25 * 0.05).round(1),
        "NO2": (30 + pm25 * 0.2).round(1),
        "CO": (0.8 + pm25 * 0.008).round(2),  # mg/m³
        "O3": np.clip(60 - pm25 * 0.2, 5, None).round(1),
    })
    out = Path(__file__).with_name("luohe_2023-12_forecast.csv")
    frame.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\n")


if __name__ == "__main__":
    main()
