"""Trigger rule sets on crafted daily-AQI series: each threshold and duration edge."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.io import AlertInputError, builtin_rulesets, load_alert_inputs, load_ruleset
from alerts.levels import Level
from alerts.rules import Condition, LevelRule
from alerts.triggers import alert_windows, hourly_levels, level_codes, level_codes_each, runs

T0 = pd.Timestamp("2023-12-10 00:00")
HOUR = pd.Timedelta(hours=1)
MEE_2024 = load_ruleset("mee-2024")


def series(*pieces: tuple[float, int], background: float = 100.0, lead: int = 48) -> pd.Series:
    """Background hours, then each (value, hours) piece in turn, then background again."""
    values = [background] * lead
    for value, hours in pieces:
        values += [value] * hours
    values += [background] * 48
    return pd.Series(values, index=pd.date_range(T0, periods=len(values), freq="h"), dtype=float)


def top_level(s: pd.Series, rules=MEE_2024) -> Level:
    return max(hourly_levels(s, rules), default=Level.NONE)


def test_builtin_rulesets_are_listed():
    assert {"mee-2017", "mee-2019", "mee-2024"} <= set(builtin_rulesets())


def test_runs_are_half_open():
    assert runs(np.array([1, 1, 0, 1], bool)) == [(0, 2), (3, 4)]
    assert runs(np.zeros(3, bool)) == []


# The series are hourly values of the daily AQI (the 24-h period ending at that hour). "N days"
# are N back-to-back periods, so a stretch of h hourly values above X holds (h - 1) // 24 + 1
# periods above X: 1 h → 1 day, 25 h → 2 days, 49 h → 3 days, 73 h → 4 days.
@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        # yellow: daily AQI > 200 (1 day) — at 200 exactly it is not "above" (200 > 150 still
        # gives the sub-yellow temporary-control slot, sources.md §1.3)
        ([(200.0, 1)], Level.TEMPORARY),
        ([(200.1, 1)], Level.YELLOW),
        # yellow: > 150 for 2 days; one day, or at 150 exactly: temporary control only
        # (150 for 100 h is > 100 for 2 days)
        ([(150.0, 100)], Level.TEMPORARY),
        ([(151.0, 24)], Level.TEMPORARY),
        ([(151.0, 25)], Level.YELLOW),
        # temporary control: > 150 for one day, or > 100 for 2 days (background 100 is not
        # above 100)
        ([(150.0, 1)], Level.NONE),
        ([(150.1, 1)], Level.TEMPORARY),
        ([(101.0, 24)], Level.NONE),
        ([(101.0, 25)], Level.TEMPORARY),
        # orange: > 200 for 2 days, or > 150 for 3 days
        ([(201.0, 24)], Level.YELLOW),
        ([(201.0, 25)], Level.ORANGE),
        ([(151.0, 48)], Level.YELLOW),
        ([(151.0, 49)], Level.ORANGE),
        # red: > 200 for 3 days and > 300 on one of them
        ([(201.0, 24), (301.0, 24), (201.0, 24)], Level.RED),
        ([(201.0, 48), (301.0, 1)], Level.RED),  # periods ending at hours 48, 72 and 96
        ([(201.0, 47), (301.0, 1)], Level.ORANGE),  # 48 h: only 2 days
        ([(201.0, 48), (300.0, 1)], Level.ORANGE),
        ([(300.0, 96)], Level.ORANGE),
    ],
)
def test_mee_2024_edges(pieces, expected):
    assert top_level(series(*pieces)) == expected


def test_red_needs_the_300_day_in_the_same_chain_of_days():
    # 72 h above 200, then 30 h at 100, then 24 h above 300: every chain of periods across the
    # 30 h dip has a period ending in it, so the 300 day is not part of a 3-day chain above 200
    s = series((250.0, 72), (100.0, 30), (350.0, 24))
    assert top_level(s) == Level.ORANGE
    # a dip shorter than a day can fall between two period ends: periods ending at hours 82,
    # 106 and 130 are all above 200, the last above 300 — red
    assert top_level(series((250.0, 72), (100.0, 10), (350.0, 24))) == Level.RED


def test_a_chain_covers_its_periods():
    # 10 h of daily AQI 210 from hour 48: periods ending at hours 48..57 are above 200; each
    # covers its 24 hours, so yellow covers hours 25..57 (the period ending at hour 48 began at
    # hour 25)
    (window,) = alert_windows(series((210.0, 10)), MEE_2024, "漯河")
    assert window.level == Level.YELLOW and window.city == "漯河"
    assert (window.start, window.end, window.hours) == (T0 + 25 * HOUR, T0 + 58 * HOUR, 33)


def test_issue_time_is_lead_time_before_start_but_not_before_the_forecast():
    windows = alert_windows(series((210.0, 48), lead=48), MEE_2024)
    assert windows[0].issued_at == windows[0].start - pd.Timedelta(hours=24)
    early = alert_windows(series((210.0, 48), lead=10), MEE_2024)
    assert early[0].issued_at == early[0].start == T0


def test_reason_names_the_condition_and_its_days():
    (window,) = alert_windows(series((210.0, 50)), MEE_2024)  # 2 days above 200: orange
    assert window.level == Level.ORANGE
    assert window.reason.startswith("forecast daily AQI > 200 on 2 days from 2023-12-11 01:00")
    assert "daily AQI > 200 lasting 48 h" in window.reason  # the rule's own words


def test_a_day_long_gap_breaks_a_chain_a_shorter_one_need_not():
    # two 20 h stretches above 200 (one day each); with 5 missing hours between them periods
    # ending at hours 49..67 and 24 h later are both known and above 200: 2 days, orange
    assert top_level(series((201.0, 20), (np.nan, 5), (201.0, 20))) == Level.ORANGE
    # 24 missing hours: every chain has a period ending on a gap — never read as above
    assert top_level(series((201.0, 20), (np.nan, 24), (201.0, 20))) == Level.YELLOW


@pytest.mark.parametrize(
    ("rules", "pieces", "expected"),
    [
        ("mee-2019", [(201.0, 24)], Level.NONE),
        ("mee-2019", [(201.0, 25)], Level.YELLOW),
        ("mee-2019", [(201.0, 48)], Level.YELLOW),
        ("mee-2019", [(201.0, 49)], Level.ORANGE),
        ("mee-2019", [(201.0, 72)], Level.ORANGE),
        ("mee-2019", [(201.0, 48), (301.0, 48)], Level.RED),
        # 4 days from hour 48 end at 48, 72, 96, 120: only the last is above 300
        ("mee-2019", [(201.0, 49), (301.0, 24)], Level.ORANGE),
        ("mee-2019", [(201.0, 48), (301.0, 25)], Level.RED),
        ("mee-2019", [(500.0, 1)], Level.RED),  # "reaches 500": at or above
        ("mee-2019", [(499.9, 1)], Level.NONE),
        ("mee-2017", [(201.0, 1)], Level.BLUE),
        ("mee-2017", [(201.0, 48)], Level.YELLOW),
        ("mee-2017", [(201.0, 72)], Level.YELLOW),  # orange also needs a day above 300
        ("mee-2017", [(201.0, 71), (301.0, 1)], Level.ORANGE),
        ("mee-2017", [(201.0, 48), (301.0, 48)], Level.RED),
    ],
)
def test_older_rule_sets(rules, pieces, expected):
    assert top_level(series(*pieces), load_ruleset(rules)) == expected


def test_targets_and_responses_come_from_the_rule_set():
    assert [MEE_2024.target_pct(lv) for lv in (Level.YELLOW, Level.ORANGE, Level.RED)] == [
        10, 20, 30]
    assert MEE_2024.rule_for(Level.ORANGE).response == "II"
    assert MEE_2024.target_pct(Level.NONE) == 0


def test_bad_user_rule_set_is_one_line(tmp_path):
    path = tmp_path / "local.toml"
    path.write_text('id = "x"\n[[levels]]\nlevel = "purple"\nany = [{ above = 1 }]\n')
    with pytest.raises(AlertInputError, match="local.toml: unknown alert level 'purple'"):
        load_ruleset(path)
    with pytest.raises(AlertInputError, match="rule set not found"):
        load_ruleset(tmp_path / "missing.toml")


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(0, 520), min_size=1, max_size=200),
    raise_by=st.floats(0, 200),
    rules=st.sampled_from(["mee-2017", "mee-2019", "mee-2024"]),
)
def test_raising_every_value_never_lowers_a_level(values, raise_by, rules):
    ruleset = load_ruleset(rules)
    index = pd.date_range(T0, periods=len(values), freq="h")
    low = hourly_levels(pd.Series(values, index=index), ruleset)
    high = hourly_levels(pd.Series(values, index=index) + raise_by, ruleset)
    assert (high.to_numpy(int) >= low.to_numpy(int)).all()


# -- every condition at once equals one at a time ------------------------------------------------
conditions = st.recursive(
    st.builds(Condition, threshold=st.sampled_from([100.0, 150.0, 200.0, 300.0]),
              days=st.integers(1, 4), inclusive=st.booleans()),
    lambda inner: st.builds(Condition, threshold=st.sampled_from([150.0, 200.0]),
                            days=st.integers(1, 4), inclusive=st.booleans(),
                            within=st.lists(inner, min_size=1, max_size=2).map(tuple)),
    max_leaves=3)
rule_sets = st.lists(
    st.tuples(st.sampled_from([Level.TEMPORARY, Level.YELLOW, Level.ORANGE, Level.RED]),
              st.lists(conditions, min_size=1, max_size=3).map(tuple)),
    min_size=1, max_size=4,
).map(lambda levels: replace(MEE_2024, levels=tuple(
    LevelRule(level=level, conditions=conds) for level, conds in levels)))
daily_values = st.lists(st.one_of(st.sampled_from([50.0, 120.0, 160.0, 210.0, 320.0, 200.0]),
                                  st.just(float("nan"))), min_size=0, max_size=200)


@settings(max_examples=300, deadline=None)
@given(daily_values, rule_sets)
def test_level_codes_read_every_condition_at_once_as_one_at_a_time(values, rules):
    """The lifecycle's level codes (all conditions as arrays) are the plain reading's, for any
    rule set — inner ``with`` chains, rules out of order, thresholds met exactly, gaps."""
    values = np.array(values, float)
    assert np.array_equal(level_codes(values, rules), level_codes_each(values, rules))


@settings(max_examples=200, deadline=None)
@given(st.lists(daily_values, min_size=1, max_size=6), rule_sets, st.integers(0, 150))
def test_level_codes_of_many_outlooks_at_once_are_each_ones(series, rules, length):
    """Rows of one 2-d array (a lifecycle's consultations read in one pass) get the codes each
    row gets alone: no hour sees another row's values."""
    rows = np.array([(s + [float("nan")] * length)[:length] for s in series], float)
    together = level_codes(rows, rules)
    assert together.shape == rows.shape
    for row, codes in zip(rows, together, strict=True):
        assert np.array_equal(codes, level_codes_each(row, rules))


BEIJING = Path(__file__).parents[1] / "data" / "beijing_pm25_us_embassy_2010_2014.csv.gz"


@pytest.mark.slow
def test_level_codes_of_the_built_in_rule_sets_on_five_real_years():
    values = load_alert_inputs([BEIJING], city="北京").truth["北京"].to_numpy(float)
    for name in builtin_rulesets():
        rules = load_ruleset(name)
        codes = level_codes(values, rules)
        assert np.array_equal(codes, level_codes_each(values, rules))
        assert (codes > int(Level.NONE)).sum() > 1000  # five winters: alert hours under each
