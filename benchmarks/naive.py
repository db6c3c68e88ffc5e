"""The naive baseline the engine is measured against: one simpy process per enterprise, hourly.

Each enterprise process wakes every hour, looks up the cut of the level in force with the
scalar ``MeasureTable.cut_fraction`` and adds rate × (1 − cut) × 1 h to its own tonnes. This is
what a first simpy model of the problem looks like; smogsim's engine instead schedules only the
decisions and integrates numpy state between them (docs/design.md).

On a ``plain_inventory`` with windows on whole hours both are exact, so the comparison also
checks that they agree on the tonnes emitted, pollutant by pollutant.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import simpy

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.triggers import AlertWindow
from benchmarks.inputs import (
    HOUR,
    SEASON_DAYS,
    SEASON_START,
    plain_inventory,
    season_windows,
)
from enterprises.inventory import Inventory
from enterprises.io import default_measures
from enterprises.measures import MeasureTable
from enterprises.schema import POLLUTANTS
from simulator.core.engine import CityInputs, Simulation
from simulator.core.rng import make_rng

CITY = "漯河"
SEED = 2023
REGION_CITIES = 10  # the month is taken from one region's season (benchmarks.inputs)
FULL = (20_000, 30)  # enterprises, days of the naive comparison
QUICK = (2_000, 10)
RATIO_TARGET = 100.0  # target: the engine ≥ 100× the naive baseline
ENGINE_REPEATS = 3  # best of three for the engine's short run; the naive one runs once
RELATIVE_TOLERANCE = 1e-9  # hourly sums and interval products differ only by rounding


def hourly_levels(windows: Sequence[AlertWindow], start: pd.Timestamp, hours: int) -> list:
    """The level in force in each hour ``[start + h, start + h + 1)``; windows on whole hours."""
    levels = [Level.NONE] * hours
    for w in windows:
        a, b = (w.start - start) / HOUR, (w.end - start) / HOUR
        if a != int(a) or b != int(b):
            raise ValueError(f"window {w.start}–{w.end} is not on whole hours")
        for h in range(max(int(a), 0), min(int(b), hours)):
            levels[h] = w.level
    return levels


def busiest_stretch(windows: Sequence[AlertWindow],
                    days: int) -> tuple[pd.Timestamp, tuple[AlertWindow, ...]]:
    """The ``days`` from a midnight of the season in which most windows start, and the
    windows that overlap it (the earliest such stretch on a tie)."""
    starts = np.array([(w.start - SEASON_START) / HOUR for w in windows])
    firsts = range(SEASON_DAYS - days + 1)
    count = [int(((starts >= 24 * d) & (starts < 24 * (d + days))).sum()) for d in firsts]
    begin = SEASON_START + 24 * int(np.argmax(count)) * HOUR
    end = begin + 24 * days * HOUR
    return begin, tuple(w for w in windows if w.end > begin and w.start < end)


def busiest_month(days: int, seed: int) -> tuple[pd.Timestamp, tuple[AlertWindow, ...]]:
    """The busiest ``days`` of the busiest city in a region of ``REGION_CITIES`` through the
    season (most windows starting), as windows of ``CITY``: a demanding but real stretch."""
    cities = [CITY, *(f"城市{k:02d}" for k in range(1, REGION_CITIES))]
    season = season_windows(cities, SEASON_DAYS, seed, per_region=REGION_CITIES)
    stretches = [busiest_stretch(season[c], days) for c in cities]
    start, windows = max(stretches, key=lambda s: len(s[1]))  # the first on a tie
    return start, tuple(dataclasses.replace(w, city=CITY) for w in windows)


def naive_tonnes(inventory: Inventory, windows: Sequence[AlertWindow], start: pd.Timestamp,
                 hours: int, table: MeasureTable) -> np.ndarray:
    """Tonnes emitted per pollutant over ``hours``, (4,), one simpy process per enterprise."""
    env = simpy.Environment()
    levels = hourly_levels(windows, start, hours)
    rates = inventory.hourly_rates().tolist()  # t/h per enterprise and pollutant
    totals = [None] * len(inventory)

    def enterprise(k: int, industry: str, grade: str, rate: list[float]):
        so2 = nox = pm = vocs = 0.0
        for _ in range(hours):
            keep = 1.0 - table.cut_fraction(industry, grade, levels[int(env.now)])
            so2 += rate[0] * keep  # × 1 h
            nox += rate[1] * keep
            pm += rate[2] * keep
            vocs += rate[3] * keep
            yield env.timeout(1)
        totals[k] = (so2, nox, pm, vocs)

    for k in range(len(inventory)):
        env.process(enterprise(k, inventory.industries[k], inventory.grades[k], rates[k]))
    env.run()
    return np.array(totals, dtype=np.float64).sum(axis=0)


def engine_tonnes(inventory: Inventory, windows: Sequence[AlertWindow], start: pd.Timestamp,
                  hours: int, table: MeasureTable, seed: int = SEED) -> np.ndarray:
    """Tonnes emitted per pollutant over ``hours``, (4,), by smogsim's engine."""
    inputs = CityInputs(city=str(inventory.cities[0]), start=start, end=start + hours * HOUR,
                        inventory=inventory, area_rates=np.zeros(4), windows=tuple(windows),
                        rules=load_ruleset("mee-2024"), measures=table)
    result = Simulation(inputs, make_rng(seed, inputs.city)).run()
    return result.enterprise_tonnes[[f"{p}_actual_t" for p in POLLUTANTS]].to_numpy().sum(axis=0)


def compare(enterprises: int, days: int, seed: int = SEED) -> dict:
    """Time the engine and the naive baseline on one plain list and the same windows.

    The windows are the busiest ``days`` of one city's season of episodes.
    """
    inventory = plain_inventory(CITY, enterprises, seed)
    start, windows = busiest_month(days, seed)
    hours, table = 24 * days, default_measures()
    engine_s = np.inf
    for _ in range(ENGINE_REPEATS):
        t0 = time.perf_counter()
        engine = engine_tonnes(inventory, windows, start, hours, table, seed)
        engine_s = min(engine_s, time.perf_counter() - t0)
    t1 = time.perf_counter()
    naive = naive_tonnes(inventory, windows, start, hours, table)
    naive_s = time.perf_counter() - t1
    gap = float(np.max(np.abs(engine - naive) / np.maximum(np.abs(naive), 1e-300)))
    agree = gap <= RELATIVE_TOLERANCE
    return {
        "enterprises": enterprises, "days": days, "from": start.isoformat(),
        "windows": len(windows),
        "alert_hours": sum(w.hours for w in windows),
        "engine_s": round(engine_s, 4), "naive_s": round(naive_s, 2),
        "ratio": round(naive_s / engine_s, 1), "ratio_target": RATIO_TARGET,
        "engine_t": [round(float(x), 6) for x in engine],
        "naive_t": [round(float(x), 6) for x in naive],
        "max_relative_gap": gap, "tonnes_agree": agree,
        "met": agree and naive_s / engine_s >= RATIO_TARGET,
    }


def main(quick: bool = False) -> dict:
    return compare(*(QUICK if quick else FULL))


if __name__ == "__main__":
    print(main(quick=True))
