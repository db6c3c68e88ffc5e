"""The alert lifecycle: lead time, oscillation, merge, 36 h lift, upgrade and downgrade."""

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.forecast import TableForecast
from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.lifecycle import first_consultation
from alerts.timeline import hourly_grid
from alerts.triggers import hourly_level_codes
from tests.alerts.helpers import T0, H, at, series, timeline

MEE_2019 = load_ruleset("mee-2019")  # yellow > 200 for 48 h, orange 72 h, red 96 h + 300 48 h


def test_first_consultation_is_at_the_rule_set_hour():
    assert first_consultation(T0, 10) == at(10)
    assert first_consultation(at(11), 10) == at(24 + 10)
    assert first_consultation(at(10), 10) == at(10)


def show(windows):
    """(level, issued hour, start hour, end hour) of each window, hours from T0."""
    return [(w.level, int((w.issued_at - T0) / H), int((w.start - T0) / H),
             int((w.end - T0) / H)) for w in windows]


def test_an_episode_is_issued_low_and_upgraded_level_by_level():
    # 210 for 72 h from hour 96 (mee-2019). Hourly values are the daily AQI of the 24 h ending
    # then, so 2-day chains above 200 end at k and k + 24 with k in 96..143 (yellow), 3-day
    # chains at k, k + 24, k + 48 with k in 96..119 (orange); a chain from k covers k - 23 …
    # k + 24·N - 24: both cover hours 73..167. A consultation reads 72 h ahead (sources.md §3.1):
    # at hour 34 (12-11 10:00) nothing; at hour 58 (12-12 10:00) two days (k ≤ 105): yellow
    # from hour 73, issued at once (the next consultation, hour 82, would be after it); at hour 82
    # three days (k ≤ 105): orange, from hour 97 when yellow has held its 24 h; at hour 154 the
    # 36 clear hours from 168 are seen: lift at 168.
    windows = timeline(series((210.0, 72)))
    assert show(windows) == [(Level.YELLOW, 58, 73, 97), (Level.ORANGE, 82, 97, 168)]
    assert windows[0].reason.startswith("issued yellow: forecast daily AQI > 200 on 2 days from")
    assert windows[1].reason.startswith("upgraded orange: forecast daily AQI > 200 on 3 days")
    assert "lift 2023-12-17 00:00" in windows[1].reason and windows[1].trigger == "forecast"


def test_issue_at_the_last_consultation_that_gives_the_lead_time():
    # the same episode from hour 105: two days (k = 105, 129) are first seen at hour 58, whose
    # chain starts at hour 82 = 58 + 24: issued with the full lead time (sources.md §3.1)
    windows = timeline(series((210.0, 72), lead=105))
    assert show(windows)[0] == (Level.YELLOW, 58, 82, 106)
    assert windows[0].start - windows[0].issued_at >= pd.Timedelta(hours=24)


def test_an_episode_seen_late_is_issued_at_once():
    # consultations start at 12-14 12:00 (hour 108): the first is hour 130, in the middle of
    # the episode; the observed past counts towards the chain: orange at once
    assert show(timeline(series((210.0, 72)), start=at(108))) == [(Level.ORANGE, 130, 130, 168)]


def test_response_delay_separates_issue_and_start():
    delayed = replace(MEE_2019, response_delay_hours=6)
    assert show(timeline(series((210.0, 72)), rules=delayed, start=at(108))) == [
        (Level.ORANGE, 130, 136, 168)]


def test_a_rising_and_falling_episode_is_upgraded_and_downgraded():
    # 250 for 24 h, 330 for 48 h, 250 for 120 h from hour 96 (mee-2019): red needs 4 days above
    # 200 with 2 consecutive above 300 (periods ending in 120..167); the last such chain ends
    # at k = 143 and covers to 216; orange (3 days above 200) covers to 288. Yellow, then orange
    # a day later, red a day later; red falls to orange at the first consultation after 216
    # (hour 226), orange lifts at 288 — never the episode's peak from its first hour.
    windows = timeline(series((250.0, 24), (330.0, 48), (250.0, 120)))
    assert show(windows) == [(Level.YELLOW, 58, 73, 97), (Level.ORANGE, 82, 97, 121),
                             (Level.RED, 106, 121, 226), (Level.ORANGE, 226, 226, 288)]
    assert windows[3].reason.startswith("downgraded orange")


def test_a_dip_is_bridged_only_across_itself():
    # 50 h above 200 (orange: 3 days from hours 96, 120, 144), 10 h at 190, 80 h above 200. The
    # dip is shorter than the 36 h lift rule: one alert, never lifted in between, and it starts
    # yellow — the higher level is not carried back to the episode's first hour.
    windows = timeline(series((210.0, 50), (190.0, 10), (210.0, 80)))
    assert show(windows) == [(Level.YELLOW, 58, 73, 97), (Level.ORANGE, 82, 97, 236)]


def test_a_gap_of_36_clear_hours_lifts_a_shorter_one_does_not():
    merged = timeline(series((210.0, 50), (100.0, 35), (210.0, 50)))
    assert next((w.start, w.end) for w in merged)[0] == at(73)
    assert all(a.end == b.start for a, b in itertools.pairwise(merged))
    assert merged[-1].end == at(231)
    split = timeline(series((210.0, 50), (100.0, 60), (210.0, 50)))
    # lifted at 146 (36 clear hours from then); the second stretch is a new alert
    assert split[1].end == at(146) and show(split)[2][:3] == (Level.YELLOW, 178, 183)


def test_a_heavy_stretch_inside_an_alert_never_lifts_it():
    # orange (210 for 49 h), then 30 h at 100, 20 h at 230, 30 h at 100, 20 h at 230: the
    # 20 h stretches meet no mee-2019 criterion (one day above 200) but are heavily polluted, so
    # they are not clear: no 36 clear hours before hour 245, the alert holds (at least yellow)
    # until then. (A lift counting them as clear would come at hour 145.)
    windows = timeline(series((210.0, 49), (100.0, 30), (230.0, 20), (100.0, 30), (230.0, 20)))
    assert show(windows) == [(Level.YELLOW, 58, 73, 97), (Level.ORANGE, 82, 97, 154),
                             (Level.YELLOW, 154, 154, 245)]


def test_a_one_day_alert_lasts_a_day_and_a_short_level_is_not_announced():
    # mee-2017 blue: one period above 200 covers 24 h; mee-2019 yellow from 25 hourly values
    # above 200: the 2-day chain covers 48 h
    # (one day is seen at hour 34, 39 h ahead: issued with the lead time)
    assert show(timeline(series((210.0, 1)), rules="mee-2017")) == [(Level.BLUE, 34, 73, 97)]
    assert show(timeline(series((210.0, 25)))) == [(Level.YELLOW, 58, 73, 121)]


def _issue(issued: int, pieces: list[tuple[float, int]], day0: int) -> pd.DataFrame:
    """A forecast issued at hour ``issued`` covering 7 days from hour ``day0``."""
    values = []
    for value, hours in pieces:
        values += [value] * hours
    values += [100.0] * (168 - len(values))
    return pd.DataFrame({"issued_at": at(issued), "valid_at": [at(day0 + k) for k in range(168)],
                         "daily_aqi": values})


def test_upgrade_follows_the_latest_forecast_and_the_lift_comes_early():
    table = pd.concat([
        _issue(54, [(100.0, 48), (210.0, 50)], day0=48),    # 12-12 06:00: 2 days from 12-14
        _issue(102, [(210.0, 100)], day0=96),               # 12-14 06:00: 100 h → orange
        _issue(150, [(210.0, 12)], day0=144),               # 12-16 06:00: ends 12-16 12:00
    ], ignore_index=True)
    windows = timeline(pd.Series(dtype=float), models={"A": TableForecast(table)})
    # yellow issued at hour 58 from 73; the issue of hour 54 already gives 3 days (hours 96..145,
    # 50 values) at hour 82: orange from 97; at hour 154 the latest issue ends at 156: a yellow
    # of 2 h before the lift is not announced (the higher level holds to the lift)
    assert show(windows) == [(Level.YELLOW, 58, 73, 97), (Level.ORANGE, 82, 97, 156)]


def test_a_pending_alert_is_called_off_when_the_forecast_clears():
    # mee-2024 yellow needs one day above 200: the issue of hour 54 shows 210 over 123..132,
    # periods ending there start at 100..109; at hour 58 the alert is issued for hour 100; the
    # issue of hour 78 is clean: at hour 82 (before 100) it is called off
    table = pd.concat([_issue(54, [(100.0, 75), (210.0, 10)], day0=48),
                       _issue(78, [], day0=72)], ignore_index=True)
    assert timeline(pd.Series(dtype=float), models={"A": TableForecast(table)},
                    rules="mee-2024") == []
    only_first = _issue(54, [(100.0, 75), (210.0, 10)], day0=48)
    assert show(timeline(pd.Series(dtype=float), models={"A": TableForecast(only_first)},
                         rules="mee-2024"))[0][:3] == (Level.YELLOW, 58, 100)


def test_temporary_control_surrounds_an_alert_without_stretching_it():
    # mee-2024: 120 for 48 h (> 100 for 2 days: temporary), 210 for 48 h (orange: 2 days
    # above 200, chains ending 144..167 cover 121..191), 120 for 48 h. The alert tier gives orange
    # for the core only; temporary control covers the shoulders.
    windows = timeline(series((120.0, 48), (210.0, 48), (120.0, 48)), rules="mee-2024")
    assert show(windows) == [(Level.TEMPORARY, 58, 73, 121), (Level.ORANGE, 106, 121, 192),
                             (Level.TEMPORARY, 58, 192, 240)]
    assert windows[1].reason.startswith("issued orange: forecast daily AQI > 200 on 2 days")


def test_windows_are_sorted_non_overlapping_and_half_open():
    windows = timeline(series((210.0, 50), (100.0, 40), (320.0, 100), (160.0, 60)),
                       rules="mee-2024")
    for a, b in itertools.pairwise(windows):
        assert a.end <= b.start
    assert all(w.start < w.end and w.issued_at <= w.start for w in windows)


def _levels(windows, grid):
    out = np.zeros(len(grid), int)
    for w in windows:
        out[(grid >= w.start) & (grid < w.end)] = np.maximum(
            out[(grid >= w.start) & (grid < w.end)], int(w.level))
    return out


@settings(max_examples=30, deadline=None)
@given(
    days=st.lists(st.floats(50, 420), min_size=4, max_size=14),
    raise_by=st.floats(0, 150),
    rules=st.sampled_from(["mee-2017", "mee-2019", "mee-2024"]),
)
def test_lifecycle_invariants_with_a_perfect_forecast(days, raise_by, rules):
    # daily steps held for 24 h each, after 4 clean days
    ruleset = load_ruleset(rules)
    low = series(*[(v, 24) for v in days], lead=96, total=24 * 24)
    grid = hourly_grid(T0, at(24 * 21))
    windows = timeline(low, rules=rules)
    alerts = [w for w in windows if w.level >= ruleset.lowest_alert]
    # no alert level is announced for less than a day (sources.md §3.3 assumption)
    assert all(w.hours >= 24 for w in alerts), show(alerts)
    # every hour the air reaches an alert level is under an alert
    static = hourly_level_codes(low.reindex(grid), ruleset)
    issued = _levels(alerts, grid)
    assert not ((static >= int(ruleset.lowest_alert)) & (issued == 0)).any()
    # a lift is followed by 36 h at daily AQI ≤ 200 (or the end of the data)
    values = low.reindex(grid).to_numpy()
    for w in alerts:
        if w.end < grid[-1] and issued[grid.get_loc(w.end)] == 0:
            i = grid.get_loc(w.end)
            assert (values[i:i + 36] <= 200).all(), (w, values[i:i + 36])
    # more pollution never lowers the highest level reached
    higher = _levels(timeline(low + raise_by, rules=rules), grid)
    assert higher.max(initial=0) >= _levels(windows, grid).max(initial=0)
