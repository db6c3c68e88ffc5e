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


# Other pollutants from PM2.5 (µg/m³, CO mg/m³): offset + slope × PM2.5, a PM2.5-dominated
# central-Henan winter mix (assumption). O3 falls as PM2.5 rises, floored at 5.
HENAN_WINTER_MIX = {"PM10": (0.0, 1.35), "SO2": (12.0, 0.05), "NO2": (30.0, 0.2),
                    "CO": (0.8, 0.008), "O3": (60.0, -0.2)}


def ar1_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Log-space AR(1) noise of a few per cent (assumption), one value per hour."""
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.85 * noise[i - 1] + rng.normal(0, 0.03)
    return noise


def forecast_frame(hours: pd.DatetimeIndex, city: str, pm25: np.ndarray,
                   mix: dict = HENAN_WINTER_MIX) -> pd.DataFrame:
    """The hourly forecast table of one city: time, city and every pollutant from PM2.5."""
    def from_pm25(name: str) -> np.ndarray:
        offset, slope = mix[name]
        return offset + pm25 * slope

    return pd.DataFrame({
        "time": hours.strftime("%Y-%m-%d %H:%M"),
        "city": city,
        "PM2.5": pm25.round(1),
        "PM10": from_pm25("PM10").round(1),
        "SO2": from_pm25("SO2").round(1),
        "NO2": from_pm25("NO2").round(1),
        "CO": from_pm25("CO").round(2),  # mg/m³
        "O3": np.clip(from_pm25("O3"), 5, None).round(1),
    })


def main() -> None:
    rng = np.random.default_rng(SEED)
    pm25 = pm25_profile(HOURS) * np.exp(ar1_noise(rng, len(HOURS)))
    frame = forecast_frame(HOURS, "漯河", pm25)
    out = Path(__file__).with_name("luohe_2023-12_forecast.csv")
    frame.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\n")


if __name__ == "__main__":
    main()
