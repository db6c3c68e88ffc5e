"""Regenerate the inputs of ``runs/regional-luohe-xuchang.toml``.

Writes ``luohe_xuchang_2023-12_forecast.csv`` (one long hourly forecast with a ``city`` column)
and ``luohe_xuchang_inventory.csv`` (one synthetic list covering both cities). Synthetic,
modelled on the demo's central-Henan winter episode (``make_luohe_forecast.py``): Xuchang
(许昌), about 60 km north of Luohe (漯河), sees the same stagnant build-up a little stronger,
and the cold front from the north clears it about 4 h earlier (assumptions). Run from the
repository root: ``python runs/data/make_regional_forecast.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from make_luohe_forecast import HOURS, ar1_noise, forecast_frame, pm25_profile

from enterprises.io import write_inventory
from enterprises.synthetic import synthesize_cities

SEED = 20231212
CITIES = {  # city: (hours ahead of Luohe, concentration factor) — assumption
    "漯河": (0, 1.00),
    "许昌": (4, 1.06),
}
ENTERPRISES = 600  # 300 per city (the two profiles have the same size)
HERE = Path(__file__).parent


def city_frame(city: str, ahead: int, factor: float, rng: np.random.Generator) -> pd.DataFrame:
    noise = ar1_noise(rng, len(HOURS))
    pm25 = factor * pm25_profile(HOURS + pd.Timedelta(hours=ahead)) * np.exp(noise)
    return forecast_frame(HOURS, city, pm25)


def main() -> None:
    children = np.random.SeedSequence(SEED).spawn(len(CITIES))
    frames = [city_frame(city, ahead, factor, np.random.default_rng(child))
              for (city, (ahead, factor)), child in zip(CITIES.items(), children, strict=True)]
    pd.concat(frames, ignore_index=True).to_csv(
        HERE / "luohe_xuchang_2023-12_forecast.csv", index=False, encoding="utf-8-sig",
        lineterminator="\n")
    write_inventory(synthesize_cities(list(CITIES), ENTERPRISES, seed=2023),
                    HERE / "luohe_xuchang_inventory.csv")


if __name__ == "__main__":
    main()
