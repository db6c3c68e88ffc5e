"""``make bench``: time the engine on synthetic Luohe-profile inventories of growing size.

Each case runs one city for 12 days through the same orange/red window sequence, so the
numbers compare engine cost per enterprise. The wall time is the best of three repeats.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.triggers import AlertWindow
from enterprises.measures import MeasureTable
from enterprises.synthetic import synthesize
from simulator.engine import CityInputs, Simulation

START = pd.Timestamp("2023-12-12 00:00")
HOUR = pd.Timedelta(hours=1)
SIZES = (300, 10_000, 100_000)


def windows() -> tuple[AlertWindow, ...]:
    spans = [(Level.YELLOW, 48, 72), (Level.ORANGE, 72, 150), (Level.RED, 150, 200),
             (Level.YELLOW, 240, 260)]
    return tuple(AlertWindow("漯河", lv, START + (a - 24) * HOUR, START + a * HOUR,
                             START + b * HOUR, "bench") for lv, a, b in spans)


def case(n: int) -> tuple[float, int]:
    inputs = CityInputs(
        city="漯河", start=START, end=START + 288 * HOUR,
        inventory=synthesize("漯河", enterprises=n, seed=1), area_rates=np.zeros(4),
        windows=windows(), rules=load_ruleset("mee-2024"), measures=MeasureTable.default(),
    )
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        result = Simulation(inputs, np.random.default_rng(0)).run()
        best = min(best, time.perf_counter() - t0)
    return best, len(result.audit)


def main() -> None:
    print(f"{'enterprises':>12} {'wall s':>9} {'µs/enterprise':>14} {'audit rows':>11}")
    for n in SIZES:
        wall, audit_rows = case(n)
        print(f"{n:>12,} {wall:>9.4f} {wall / n * 1e6:>14.2f} {audit_rows:>11,}")


if __name__ == "__main__":
    main()
