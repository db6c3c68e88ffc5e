"""Inventory struct of arrays: construction, conversion, subsets, rates and bases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enterprises.inventory import HOURS_PER_YEAR, Inventory
from enterprises.schema import COLUMN_IDS, COLUMNS, POLLUTANTS
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
    optional = [c.id for c in COLUMNS if not c.required]
    got = Inventory.from_frame(inv.to_frame().drop(columns=optional))
    assert (got.operating_hours == 7200).all()
    assert not got.livelihood.any() and (got.exemptions == "none").all()
    assert (got.lines == 1).all() and got.n_lines == len(got)
    assert (got.guaranteed_load == 1).all() and not got.online_monitoring.any()
    assert np.isnan(got.overrides).all() and (got.base_ratio() == 1).all()
    cement = got.industries == "cement"
    assert (got.processes[cement] == "instant").all()
    assert (got.processes[got.industries == "glass"] == "glass_furnace").all()


def test_exemption_and_livelihood_imply_each_other(inv):
    frame = inv.to_frame()
    got = Inventory.from_frame(frame.drop(columns=["livelihood"]))
    np.testing.assert_array_equal(got.livelihood, inv.livelihood)
    got = Inventory.from_frame(frame.drop(columns=["exemption"]))
    np.testing.assert_array_equal(got.exemptions == "livelihood", inv.livelihood)


def test_lines_are_a_ragged_second_level():
    inv = Inventory(["a", "b", "c"], ["n"] * 3, ["漯河"] * 3, ["郾城区"] * 3, ["cement"] * 3,
                    ["B"] * 3, np.full((3, 4), 876.0), [7200] * 3, [False] * 3, [1, 3, 2],
                    line_capacity=[1.0, 2500, 5000, 2500, 1, 1],
                    line_emissions=[1.0, 1, 2, 1, 3, 1])
    assert inv.n_lines == 6 and inv.line_owner.tolist() == [0, 1, 1, 1, 2, 2]
    # capacities 2500;5000;2500 → shares 0.25, 0.5, 0.25; emissions 1;2;1 → the same
    np.testing.assert_allclose(inv.line_capacity, [1, 0.25, 0.5, 0.25, 0.5, 0.5])
    np.testing.assert_allclose(inv.line_emissions, [1, 0.25, 0.5, 0.25, 0.75, 0.25])
    # 876 t/a = 0.1 t/h; line 2 of b carries half of it
    assert inv.line_hourly_rates()[2, 0] == pytest.approx(0.05)
    sub = inv.subset([2, 1])
    assert sub.ids.tolist() == ["c", "b"] and sub.line_owner.tolist() == [0, 0, 1, 1, 1]
    np.testing.assert_allclose(sub.line_emissions, [0.75, 0.25, 0.25, 0.5, 0.25])
    assert Inventory.from_frame(inv.to_frame()).equals(inv)
    with pytest.raises(ValueError, match="line_capacity has 2 lines; expected 6"):
        Inventory(*[getattr(inv, f) for f in ("ids", "names", "cities", "counties",
                  "industries", "grades", "emissions", "operating_hours", "livelihood",
                  "lines")], line_capacity=[1.0, 2.0])


def test_curtailment_base_ratio():
    # base = min(EIA, permit, last year); ratio = base / last year (sources.md §4.3, §4.4)
    nan = float("nan")
    inv = Inventory(["a", "b", "c", "d"], ["n"] * 4, ["漯河"] * 4, ["郾城区"] * 4,
                    ["cement"] * 4, ["B"] * 4, np.ones((4, 4)), [7200] * 4, [False] * 4,
                    [1] * 4, capacity_eia=[120.0, 90.0, nan, 50.0],
                    capacity_permit=[80.0, nan, nan, nan],
                    output_last_year=[100.0, 100.0, 100.0, nan])
    np.testing.assert_allclose(inv.base_ratio(), [0.8, 0.9, 1.0, 1.0])


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
