"""Inputs of the national-decade replay: synthetic cities × heating seasons, written seeded.

Nothing here is a model of the real country. City k (城市000 … 城市339) has one observation CSV
(``time, city, PM2.5``) holding its heating seasons one after the other, and a synthetic
emergency-reduction list: the k-th profile of ``enterprises.synthetic`` in turn, relabelled to
its name (``benchmarks.inputs.relabel``). Each city and each season draws from its own
``SeedSequence(seed, spawn_key=(k, s))``, so the first N cities or seasons are the same whatever
size is generated: the grids of ``benchmarks.decade`` and ``benchmarks.linear`` are prefixes of
one national-decade data set.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.inputs import relabel
from enterprises.synthetic import CITY_PROFILES, synthesize

SEED = 340
CITIES = 340  # prefecture-level cities of mainland China, roughly (assumption: the grid's size)
SEASONS = 10  # heating seasons 2014-15 … 2023-24
FIRST_SEASON = 2014
SEASON_DAYS = 150  # 15 Nov – 13 Apr (assumption, as benchmarks.inputs.SEASON_DAYS)
ENTERPRISES_PER_CITY = 300  # as the replay-batch case (assumption: a small list)
# Episode shape, all assumptions chosen to look like a northern-China winter (the same shape as
# benchmarks.replay_batch): clean air of 30–60 µg/m³ PM2.5 (daily AQI below every level) and
# 1 + Poisson(2) heavy episodes a season, at most 6, one inside each equal block of the season,
# 48–120 h at a steady 160–320 µg/m³ (daily AQI ≈ 210–370: yellow to red).
CLEAN_PM25 = (30.0, 60.0)
EPISODE_PM25 = (160.0, 320.0)
EPISODE_HOURS = (48, 120)
EXTRA_EPISODES = 2.0
MAX_EPISODES = 6
LIST_COLUMNS = ["id", "name", "city", "county", "industry", "grade", "so2_t", "nox_t", "pm_t",
                "vocs_t", "operating_hours", "lines"]  # as benchmarks.replay_batch


def city_name(k: int) -> str:
    return f"城市{k:03d}"


def season_start(s: int) -> pd.Timestamp:
    return pd.Timestamp(f"{FIRST_SEASON + s}-11-15 00:00")


def season_pm25(k: int, s: int, seed: int = SEED) -> np.ndarray:
    """Hourly PM2.5 of city ``k`` through season ``s`` (µg/m³, one decimal)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k, s)))
    hours = 24 * SEASON_DAYS
    pm = rng.uniform(*CLEAN_PM25, hours)
    n = min(MAX_EPISODES, 1 + int(rng.poisson(EXTRA_EPISODES)))
    block = hours // n
    for e in range(n):
        length = int(rng.integers(EPISODE_HOURS[0], EPISODE_HOURS[1] + 1))
        # 72 h of clean air at the block's start keeps episodes apart after the 48 h margins
        start = e * block + int(rng.integers(72, block - length - 72 + 1))
        pm[start:start + length] = rng.uniform(*EPISODE_PM25)
    return np.round(pm, 1)


def write_observations(root: Path, cities: Sequence[int], seasons: int,
                       seed: int = SEED) -> list[Path]:
    """One CSV per city (UTF-8 with BOM, as a user's export): its ``seasons`` seasons."""
    files = []
    for k in cities:
        times = [pd.date_range(season_start(s), periods=24 * SEASON_DAYS, freq="h")
                 for s in range(seasons)]
        pm = np.concatenate([season_pm25(k, s, seed) for s in range(seasons)])
        path = root / f"obs-{k:03d}.csv"
        pd.DataFrame({"time": pd.DatetimeIndex(np.concatenate(times)).strftime(
            "%Y-%m-%d %H:%M"), "city": city_name(k), "PM2.5": pm}).to_csv(
            path, index=False, encoding="utf-8-sig")
        files.append(path)
    return files


def write_inventory(path: Path, cities: Sequence[int], enterprises: int = ENTERPRISES_PER_CITY,
                    seed: int = SEED) -> Path:
    """One inventory CSV for ``cities``: city k is profile k mod 5, relabelled, ids ``Ckkk-``."""
    profiles = list(CITY_PROFILES)
    frames = []
    for k in cities:
        child = np.random.SeedSequence(seed, spawn_key=(k, 1_000))
        base = synthesize(profiles[k % len(profiles)], enterprises, child)
        frames.append(relabel(base, city_name(k), f"C{k:03d}-").to_frame())
    pd.concat(frames, ignore_index=True)[LIST_COLUMNS].to_csv(path, index=False,
                                                             encoding="utf-8-sig")
    return path
