"""Trigger rule sets on crafted daily-AQI series: each threshold and duration edge."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.io import AlertInputError, builtin_rulesets, load_ruleset
from alerts.levels import Level
from alerts.triggers import alert_windows, hourly_levels, runs

T0 = pd.Timestamp("2023-12-10 00:00")
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


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        # yellow: daily AQI > 200 (any hour) — at 200 exactly it is not "above" (200 > 150
        # still gives the sub-yellow temporary-control slot, rules.md §1.3)
        ([(200.0, 1)], Level.TEMPORARY),
        ([(200.1, 1)], Level.YELLOW),
        # yellow: > 150 lasting ≥ 48 h; shorter or at 150 exactly: temporary control only
        # (150 for 100 h is > 100 lasting ≥ 48 h)
        ([(150.0, 100)], Level.TEMPORARY),
        ([(151.0, 47)], Level.TEMPORARY),
        ([(151.0, 48)], Level.YELLOW),
        # temporary control: > 150 for one hour, or > 100 lasting ≥ 48 h (background 100 is not
        # above 100)
        ([(150.0, 1)], Level.NONE),
        ([(150.1, 1)], Level.TEMPORARY),
        ([(101.0, 47)], Level.NONE),
        ([(101.0, 48)], Level.TEMPORARY),
        # orange: > 200 lasting 48 h, or > 150 lasting ≥ 72 h
        ([(201.0, 47)], Level.YELLOW),
        ([(201.0, 48)], Level.ORANGE),
        ([(151.0, 71)], Level.YELLOW),
        ([(151.0, 72)], Level.ORANGE),
        # red: > 200 lasting 72 h and > 300 lasting ≥ 24 h inside that run
        ([(201.0, 24), (301.0, 24), (201.0, 24)], Level.RED),
        ([(201.0, 24), (301.0, 23), (201.0, 24)], Level.ORANGE),
        ([(201.0, 24), (301.0, 24), (201.0, 23)], Level.ORANGE),
        ([(300.0, 96)], Level.ORANGE),
    ],
)
def test_mee_2024_edges(pieces, expected):
    assert top_level(series(*pieces)) == expected


def test_red_needs_the_300_run_inside_the_200_run():
    # 72 h above 200, then a clean gap, then 24 h above 300 elsewhere: orange and yellow, no red
    s = series((250.0, 72), (100.0, 10), (350.0, 24))
    assert top_level(s) == Level.ORANGE


def test_windows_shoulder_and_core():
    # 60 h above 150 with a 50 h core above 200: yellow shoulders around an orange core
    s = series((160.0, 5), (210.0, 50), (160.0, 5))
    windows = alert_windows(s, MEE_2024, "漯河")
    assert [w.level for w in windows] == [Level.YELLOW, Level.ORANGE, Level.YELLOW]
    start = T0 + pd.Timedelta(hours=48)
    assert windows[0].start == start
    assert windows[1].start == start + pd.Timedelta(hours=5)
    assert windows[1].end == start + pd.Timedelta(hours=55)  # half-open: last hour + 1 h
    assert windows[2].end == start + pd.Timedelta(hours=60)
    assert [w.hours for w in windows] == [5, 50, 5]
    assert all(w.city == "漯河" for w in windows)


def test_issue_time_is_lead_time_before_start_but_not_before_the_forecast():
    windows = alert_windows(series((210.0, 48), lead=48), MEE_2024)
    assert windows[0].issued_at == windows[0].start - pd.Timedelta(hours=24)
    early = alert_windows(series((210.0, 48), lead=10), MEE_2024)
    assert early[0].issued_at == T0


def test_reason_names_the_condition_and_its_run():
    (window,) = alert_windows(series((210.0, 50)), MEE_2024)
    assert window.reason.startswith("forecast daily AQI > 200 for 50 h from 12-12 00:00")
    assert "daily AQI > 200 lasting 48 h" in window.reason  # the rule's own words


def test_a_gap_breaks_a_run():
    s = series((201.0, 30), (np.nan, 1), (201.0, 30))
    assert top_level(s) == Level.YELLOW  # two 30 h runs, neither lasts 48 h


@pytest.mark.parametrize(
    ("rules", "pieces", "expected"),
    [
        ("mee-2019", [(201.0, 47)], Level.NONE),
        ("mee-2019", [(201.0, 48)], Level.YELLOW),
        ("mee-2019", [(201.0, 72)], Level.ORANGE),
        ("mee-2019", [(201.0, 48), (301.0, 48)], Level.RED),
        ("mee-2019", [(201.0, 49), (301.0, 47)], Level.ORANGE),
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
