"""The engine's fast table builders agree with the plain pandas/numpy they replace."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.response import _rule_ids
from enterprises.synthetic import synthesize
from simulator.core.engine import GROUP_KEYS, _groups

labels = st.lists(st.sampled_from(["水泥", "cement", "玻璃", "B", "A", "", "临颍县"]),
                  min_size=0, max_size=40)


@settings(max_examples=60, deadline=None)
@given(labels, st.data())
def test_rule_ids_equal_per_row_concatenation(industries, data):
    grades = data.draw(st.lists(st.sampled_from(["A", "B", "C", "D", "引领性"]),
                                min_size=len(industries), max_size=len(industries)))
    ind, grd = np.array(industries, dtype=object), np.array(grades, dtype=object)
    expected = [f"{i}/{g}/orange" for i, g in zip(industries, grades, strict=True)]
    assert _rule_ids(ind, grd, Level.ORANGE).tolist() == expected


def test_groups_match_a_sorted_multiindex_factorize():
    inv = synthesize("许昌", 400, 7)
    codes, groups = _groups(inv)
    frame = pd.DataFrame({"city": inv.cities, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    expected_codes, expected = pd.MultiIndex.from_frame(frame).factorize(sort=True)
    assert list(groups.columns) == list(GROUP_KEYS)
    assert groups.to_numpy().tolist() == expected.to_frame(index=False).to_numpy().tolist()
    assert codes.tolist() == expected_codes[inv.line_owner].tolist()
    # every line's group holds its owner's keys
    owner = inv.line_owner
    assert (groups["county"].to_numpy()[codes] == inv.counties[owner]).all()
    assert (groups["grade"].to_numpy()[codes] == inv.grades[owner]).all()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["s", "ms", "us", "ns"]),
       st.lists(st.one_of(st.none(), st.floats(0, 10_000, allow_nan=False),
                          st.integers(0, 5_000).map(float)), max_size=20))
def test_episode_times_in_numpy_equal_pandas_float_hours(unit, hours):
    """An episode's start and end, read from hours after the run's start: the NumPy reading
    gives the very times (and NaT) of ``start + pd.Series(hours, dtype=float) * HOUR``."""
    from simulator.core.results import HOUR, _hours_after

    start = pd.Timestamp("2023-11-20 05:00:00.123456789").as_unit(unit)
    expected = (start + pd.Series(hours, dtype=float) * HOUR).array
    got = _hours_after(start, hours)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.asi8, expected.asi8)
