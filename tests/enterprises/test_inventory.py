"""Inventory struct of arrays: construction, conversion, subsets, rates and bases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enterprises.inventory import HOURS_PER_YEAR, Inventory
from enterprises.schema import COLUMN_IDS, POLLUTANTS
from enterprises.synthetic import synthesize


@pytest.fixture
def inv() -> Inventory:
    return synthesize("漯河", 60, seed=7)


def test_frame_round_trip(inv):
    frame = inv.to_frame()
    assert tuple(frame.columns) == COLUMN_IDS
    again = Inventory.from_frame(frame)
    assert again.equals(inv)
    pd.testing.assert_frame_equal(again.to_frame(), frame)


def test_arrays_have_declared_types_and_are_read_only(inv):
    assert inv.emissions.shape == (60, 4) and inv.emissions.dtype == np.float64
    assert inv.livelihood.dtype == bool and inv.lines.dtype == np.int64
    assert inv.ids.dtype == object
    with pytest.raises(ValueError):
        inv.emissions[0, 0] = 1.0


def test_freezing_does_not_touch_the_callers_frame(inv):
    frame = inv.to_frame()
    Inventory.from_frame(frame)
    frame.loc[0, "so2_t"] = 123.0  # still writable
    assert frame.loc[0, "so2_t"] == 123.0


def test_from_frame_fills_optional_defaults(inv):
    frame = inv.to_frame().drop(columns=["operating_hours", "livelihood", "lines"])
    got = Inventory.from_frame(frame)
    assert (got.operating_hours == 7200).all()
    assert not got.livelihood.any()
    assert (got.lines == 1).all()


def test_mismatched_lengths_rejected(inv):
    with pytest.raises(ValueError, match="lines"):
        Inventory(inv.ids, inv.names, inv.cities, inv.counties, inv.industries, inv.grades,
                  inv.emissions, inv.operating_hours, inv.livelihood, inv.lines[:-1])


def test_subset_by_mask_and_index(inv):
    mask = inv.industries == "other"
    sub = inv.subset(mask)
    assert len(sub) == mask.sum() > 0
    assert (sub.industries == "other").all()
    np.testing.assert_array_equal(sub.emissions, inv.emissions[mask])
    assert inv.subset([2, 0]).ids.tolist() == [inv.ids[2], inv.ids[0]]
    assert len(inv.subset(np.zeros(len(inv), dtype=bool))) == 0


def test_hourly_rates_spread_over_8760_hours(inv):
    rates = inv.hourly_rates()
    assert HOURS_PER_YEAR == 8760
    np.testing.assert_allclose(rates * 8760, inv.emissions, rtol=1e-12)


@pytest.mark.parametrize("by", ["city", "county", "industry", "grade", ["county", "grade"]])
def test_base_by_conserves_totals(inv, by):
    base = inv.base_by(by)
    assert tuple(base.columns) == POLLUTANTS
    np.testing.assert_allclose(base.to_numpy().sum(axis=0), inv.emissions.sum(axis=0))


def test_base_by_values(inv):
    base = inv.base_by("county")
    for county in base.index:
        rows = inv.counties == county
        np.testing.assert_allclose(base.loc[county].to_numpy(), inv.emissions[rows].sum(axis=0))
    with pytest.raises(ValueError, match="name"):
        inv.base_by("name")
