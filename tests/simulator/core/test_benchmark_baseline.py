"""The benchmark's naive baseline and the engine compute the same tonnes (no timing here)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from alerts.levels import Level
from alerts.triggers import AlertWindow
from benchmarks.inputs import plain_inventory, season_windows
from benchmarks.naive import engine_tonnes, hourly_levels, naive_tonnes
from enterprises.io import default_measures
from enterprises.response import small_emitters

T0 = pd.Timestamp("2023-12-12 00:00")
HOUR = pd.Timedelta(hours=1)
HOURS = 5 * 24


def window(level: Level, a: int, b: int) -> AlertWindow:
    return AlertWindow("漯河", level, T0 + (a - 24) * HOUR, T0 + a * HOUR, T0 + b * HOUR, "test")


# yellow → orange → red back to back, a gap, then yellow again: every kind of level change
WINDOWS = (window(Level.YELLOW, 10, 30), window(Level.ORANGE, 30, 60),
           window(Level.RED, 60, 75), window(Level.YELLOW, 90, 100))


@pytest.fixture(scope="module")
def plain():
    return plain_inventory("漯河", 200, seed=3)


def test_plain_inventory_is_cut_by_the_catalogue_only(plain):
    table = default_measures()
    for level in (Level.YELLOW, Level.ORANGE, Level.RED):
        cut, emission_cut, _ = table.lookup(plain.industries, plain.grades, level)
        assert np.array_equal(cut, emission_cut)
    assert len(plain) == 200 and (plain.lines == 1).all() and (plain.processes == "instant").all()
    assert not small_emitters(plain).any()  # a small 非引领性 plant is never curtailed


def test_the_large_benchmark_list_agrees_too():
    """The benchmark's own size drew small 非引领性 emitters the naive model cut: pinned."""
    plain = plain_inventory("漯河", 5000, seed=3)
    naive = naive_tonnes(plain, WINDOWS, T0, HOURS, default_measures())
    engine = engine_tonnes(plain, WINDOWS, T0, HOURS, default_measures())
    assert engine == pytest.approx(naive, rel=1e-9)


def test_naive_and_engine_agree_on_total_tonnes(plain):
    table = default_measures()
    naive = naive_tonnes(plain, WINDOWS, T0, HOURS, table)
    engine = engine_tonnes(plain, WINDOWS, T0, HOURS, table)
    baseline = plain.hourly_rates().sum(axis=0) * HOURS
    assert np.all(naive < baseline)  # the windows do cut: the agreement is not vacuous
    np.testing.assert_allclose(engine, naive, rtol=1e-9)


def test_naive_without_windows_is_rate_times_hours(plain):
    # no alert: every hour adds rate × 1 h, so 120 h give annual t ÷ 8760 × 120 per pollutant
    naive = naive_tonnes(plain, (), T0, HOURS, default_measures())
    np.testing.assert_allclose(naive, plain.emissions.sum(axis=0) / 8760.0 * 120, rtol=1e-12)


def test_hourly_levels_are_half_open():
    levels = hourly_levels(WINDOWS, T0, HOURS)
    assert levels[9] == Level.NONE and levels[10] == Level.YELLOW
    assert levels[29] == Level.YELLOW and levels[30] == Level.ORANGE
    assert levels[74] == Level.RED and levels[75] == Level.NONE


def test_season_windows_are_seeded_ordered_and_disjoint():
    cities = [f"城市{k:02d}" for k in range(20)]
    first, again = season_windows(cities, 150, seed=5), season_windows(cities, 150, seed=5)
    assert first == again
    for city in cities:
        spans = [(w.start, w.end) for w in first[city]]
        assert all(a < b for a, b in spans)
        assert all(prev[1] <= nxt[0] for prev, nxt in itertools.pairwise(spans))
        assert all(w.issued_at <= w.start for w in first[city])
