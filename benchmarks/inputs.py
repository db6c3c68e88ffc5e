"""Benchmark inputs: a national synthetic inventory and a heating season of regional episodes.

Nothing here is a model of the real country. The inventory reuses the synthetic city profiles
of ``enterprises.synthetic`` under new city names (``relabel``), and the alert windows come from
a seeded generator of regional episodes: cities of one region share most of their episodes, a
little shifted in time and level, as regional episodes are (sources.md §3.4); a few episodes are
the city's own. All of it is deterministic for a seed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from alerts.levels import ALERT_LEVELS, Level
from alerts.triggers import AlertWindow, runs
from enterprises.inventory import Inventory
from enterprises.io import default_measures
from enterprises.measures import MeasureTable
from enterprises.response import small_emitters
from enterprises.synthetic import CITY_PROFILES, synthesize

HOUR = pd.Timedelta(hours=1)
SEASON_START = pd.Timestamp("2023-11-15 00:00")  # heating season (assumption: 150 days)
SEASON_DAYS = 150
LEAD_HOURS = 24  # an alert is issued ≥ 24 h before its response starts (sources.md §3.1)

# Episode shape (all assumptions, chosen to look like a northern-China winter):
REGIONAL_EPISODES = 6.0  # mean regional episodes per region and season (Poisson)
LOCAL_EPISODES = 0.5  # a city has 1 + Poisson(0.5) episodes of its own per season
JOIN_SHARE = 0.8  # share of a region's cities caught by one of its episodes
CORE_HOURS = (48, 144)  # hours of the worst level of a regional episode, uniform
SHIFT_SD_HOURS = 12.0  # a city's onset differs from the region's by N(0, 12 h), rounded
EDGE_HOURS = (12, 36)  # yellow lead-in and tail around an orange or red core, uniform
PEAK_LEVELS = {Level.YELLOW: 0.45, Level.ORANGE: 0.40, Level.RED: 0.15}  # regional peak level
MILDER_SHARE = 0.3  # share of joining cities one level below the regional peak


def relabel(inventory: Inventory, city: str, id_prefix: str) -> Inventory:
    """The same enterprises under another city name, ids prefixed to stay unique nationally."""
    n = len(inventory)
    ids = np.array([f"{id_prefix}{i}" for i in inventory.ids], dtype=object)
    return dataclasses.replace(inventory, cities=np.full(n, city, dtype=object), ids=ids)


def city_sizes(cities: int, enterprises: int, rng: np.random.Generator) -> np.ndarray:
    """List sizes per city summing to ``enterprises``: log-normal shares (assumption: the
    largest lists are about ten times the smallest), split by largest remainder."""
    share = np.exp(rng.normal(0.0, 0.6, cities))
    exact = share / share.sum() * enterprises
    sizes = np.floor(exact).astype(np.int64)
    sizes[np.argsort(-(exact - sizes), kind="stable")[: enterprises - sizes.sum()]] += 1
    return sizes


def national_inventories(cities: int, enterprises: int, seed: int) -> dict[str, Inventory]:
    """``cities`` synthetic lists totalling ``enterprises`` rows, one per city name.

    City k is named 城市k (two digits) and drawn from the k-th synthetic profile in turn
    (Luohe, Xuchang, Taiyuan, Jinzhong, Lüliang, Luohe, …), each with its own child seed.
    """
    seeds = np.random.SeedSequence(seed)
    sizes = city_sizes(cities, enterprises, np.random.default_rng(seeds.spawn(1)[0]))
    profiles = list(CITY_PROFILES)
    out = {}
    for k, (size, child) in enumerate(zip(sizes, seeds.spawn(cities), strict=True)):
        name = f"城市{k:02d}"
        base = synthesize(profiles[k % len(profiles)], int(size), child)
        out[name] = relabel(base, name, f"C{k:02d}-")
    return out


def regions(cities: list[str], per_region: int) -> list[list[str]]:
    """Consecutive cities grouped into regions of ``per_region``."""
    return [cities[i:i + per_region] for i in range(0, len(cities), per_region)]


def season_windows(cities: list[str], days: int, seed: int,
                   per_region: int = 10) -> dict[str, tuple[AlertWindow, ...]]:
    """Alert windows per city over ``days`` from ``SEASON_START``, on whole hours.

    Each region draws its episodes (onset, core length, peak level); each of its cities joins
    an episode with ``JOIN_SHARE``, shifted by a few hours and sometimes a level milder. Each
    city also has at least one episode of its own. Per hour a city is at the highest level of the
    episodes covering it; runs of one level become windows, issued ``LEAD_HOURS`` ahead.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8,)))
    hours = 24 * days
    levels = {c: np.zeros(hours, dtype=np.int64) for c in cities}
    for region in regions(cities, per_region):
        for _ in range(rng.poisson(REGIONAL_EPISODES)):
            onset, core, peak = _episode(rng, hours)
            joins = rng.random(len(region)) < JOIN_SHARE
            shifts = np.rint(rng.normal(0.0, SHIFT_SD_HOURS, len(region))).astype(np.int64)
            milder = rng.random(len(region)) < MILDER_SHARE
            for city, join, shift, mild in zip(region, joins, shifts, milder, strict=True):
                if join:
                    level = Level(max(Level.YELLOW, peak - 1)) if mild else peak
                    _paint(levels[city], onset + int(shift), core, level, rng)
    for city in cities:
        for _ in range(1 + rng.poisson(LOCAL_EPISODES)):
            onset, core, peak = _episode(rng, hours)
            _paint(levels[city], onset, core, peak, rng)
    return {c: _windows(c, levels[c]) for c in cities}


def _episode(rng: np.random.Generator, hours: int) -> tuple[int, int, Level]:
    core = int(rng.integers(CORE_HOURS[0], CORE_HOURS[1] + 1))
    onset = int(rng.integers(0, max(1, hours - core)))
    peak = list(PEAK_LEVELS)[rng.choice(len(PEAK_LEVELS), p=list(PEAK_LEVELS.values()))]
    return onset, core, peak


def _paint(hourly: np.ndarray, onset: int, core: int, level: Level,
           rng: np.random.Generator) -> None:
    """Raise ``hourly`` to ``level`` over the core, with a yellow lead-in and tail around it."""
    lead, tail = (int(x) for x in rng.integers(EDGE_HOURS[0], EDGE_HOURS[1] + 1, size=2))
    if level == Level.YELLOW:
        lead = tail = 0
    spans = [(onset - lead, onset, Level.YELLOW), (onset, onset + core, level),
             (onset + core, onset + core + tail, Level.YELLOW)]
    for a, b, lv in spans:
        a, b = max(a, 0), min(b, len(hourly))
        if b > a:
            np.maximum(hourly[a:b], int(lv), out=hourly[a:b])


def _windows(city: str, hourly: np.ndarray) -> tuple[AlertWindow, ...]:
    out = []
    for level in ALERT_LEVELS:
        for a, b in runs(hourly == int(level)):
            start = SEASON_START + a * HOUR
            issued = max(SEASON_START, start - LEAD_HOURS * HOUR)
            out.append(AlertWindow(city, level, issued, start, SEASON_START + b * HOUR,
                                   "benchmark regional episode"))
    return tuple(sorted(out, key=lambda w: w.start))


def plain_inventory(city: str, enterprises: int, seed: int,
                    table: MeasureTable | None = None) -> Inventory:
    """A synthetic list whose every cut is the catalogue's ``cut_fraction``, nothing more.

    One line, instant ramps, no exemption class, no 一厂一策, no online monitoring and no
    curtailment base, no small 非引领性 emitter (never curtailed), and only (industry, grade)
    pairs whose emission cut equals the production cut at every alert level. On such a list
    the engine's tonnes are exactly rate × (1 − cut) × hours, which the naive baseline also
    computes.
    """
    table = default_measures() if table is None else table
    wide = synthesize(city, int(enterprises * 1.1) + 10, seed)
    same = ~small_emitters(wide)
    for level in ALERT_LEVELS:
        cut, emission_cut, _ = table.lookup(wide.industries, wide.grades, level)
        same &= cut == emission_cut
    keep = np.flatnonzero(same)[:enterprises]
    if len(keep) < enterprises:
        raise ValueError(f"only {len(keep)} plain enterprises in a draw of {len(wide)}")
    inv = wide.subset(keep)
    n = len(inv)
    return dataclasses.replace(
        inv, livelihood=np.zeros(n, dtype=bool), lines=np.ones(n, dtype=np.int64),
        exemptions=None, guaranteed_load=None, online_monitoring=None, industry_grades=None,
        processes=np.full(n, "instant", dtype=object), capacity_eia=None,
        capacity_permit=None, output_last_year=None, overrides=None, line_capacity=None,
        line_emissions=None)
