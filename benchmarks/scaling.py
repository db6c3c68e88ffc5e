"""Engine cost per enterprise: one Luohe-profile city of growing size through 12 days.

Each case runs the same yellow/orange/red/yellow window sequence; the wall time is the best of
three repeats, so the numbers compare engine cost per enterprise, not machine noise.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.triggers import AlertWindow
from enterprises.io import default_measures
from enterprises.synthetic import synthesize
from simulator.core.engine import CityInputs, Simulation

START = pd.Timestamp("2023-12-12 00:00")
HOUR = pd.Timedelta(hours=1)
SIZES = (300, 10_000, 100_000)
QUICK_SIZES = (300, 10_000)
REPEATS = 3


def windows() -> tuple[AlertWindow, ...]:
    spans = [(Level.YELLOW, 48, 72), (Level.ORANGE, 72, 150), (Level.RED, 150, 200),
             (Level.YELLOW, 240, 260)]
    return tuple(AlertWindow("漯河", lv, START + (a - 24) * HOUR, START + a * HOUR,
                             START + b * HOUR, "bench") for lv, a, b in spans)


def case(n: int) -> dict:
    inputs = CityInputs(
        city="漯河", start=START, end=START + 288 * HOUR,
        inventory=synthesize("漯河", enterprises=n, seed=1), area_rates=np.zeros(4),
        windows=windows(), rules=load_ruleset("mee-2024"), measures=default_measures(),
    )
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = Simulation(inputs, np.random.default_rng(0)).run()
        best = min(best, time.perf_counter() - t0)
    return {"enterprises": n, "wall_s": round(best, 4),
            "us_per_enterprise": round(best / n * 1e6, 2), "audit_rows": len(result.audit)}


def main(quick: bool = False) -> list[dict]:
    return [case(n) for n in (QUICK_SIZES if quick else SIZES)]
