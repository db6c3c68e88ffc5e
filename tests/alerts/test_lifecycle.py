"""The alert lifecycle: lead time, oscillation, merge, 36 h lift, upgrade and downgrade."""

from dataclasses import replace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.forecast import PerfectForecast, TableForecast
from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.lifecycle import CityLifecycle, first_consultation
from alerts.timeline import Track, hourly_grid
from tests.alerts.helpers import T0, at, series, timeline

MEE_2019 = load_ruleset("mee-2019")  # yellow > 200 for 48 h, orange 72 h, red 96 h + 300 48 h


def test_first_consultation_is_at_the_rule_set_hour():
    assert first_consultation(T0, 10) == at(10)
    assert first_consultation(at(11), 10) == at(24 + 10)
    assert first_consultation(at(10), 10) == at(10)


def test_issue_at_the_last_consultation_that_gives_the_lead_time():
    # 210 for 72 h from hour 96 (12-14 00:00): orange under mee-2019.
    # Consultations at 10:00. At 12-11 10:00 (hour 34) the start is 62 h ahead: a later daily
    # consultation (12-12 10:00, hour 58, 38 h ahead) still gives ≥ 24 h, so the bureau waits;
    # at 12-12 10:00 the next one (12-13 10:00, 14 h ahead) would be too late: issue then.
    (window,) = timeline(series((210.0, 72)))
    assert window.level == Level.ORANGE
    assert window.issued_at == at(58)
    assert window.start == at(96)
    assert window.start - window.issued_at >= pd.Timedelta(hours=MEE_2019.lead_time_hours)
    # lift at the first hour from which the forecast stays clear for 36 h: the episode's end
    assert window.end == at(96 + 72)
    assert "lift 12-17 00:00" in window.reason and window.trigger == "forecast"


def test_an_episode_seen_late_is_issued_at_once():
    # consultations start at 12-14 12:00 (hour 108): the first is 12-15 10:00 (hour 130), in
    # the middle of the episode; the observed past counts towards the 72 h run
    (window,) = timeline(series((210.0, 72)), start=at(108))
    assert window.level == Level.ORANGE
    assert window.issued_at == window.start == at(130)
    assert window.end == at(168)


def test_response_delay_separates_issue_and_start():
    delayed = replace(MEE_2019, response_delay_hours=6)
    (window,) = timeline(series((210.0, 72)), rules=delayed, start=at(108))
    assert window.issued_at == at(130) and window.start == at(136)


def test_oscillation_keeps_the_higher_level_and_short_gaps_merge():
    # 50 h above 200 (yellow alone), 10 h at 190, 80 h above 200 (orange alone): the static
    # windows are yellow, nothing, orange. The 10 h dip is shorter than the 36 h lift rule, so
    # it is one episode, and the forecast upper bound (orange) holds throughout.
    windows = timeline(series((210.0, 50), (190.0, 10), (210.0, 80)))
    assert [(w.level, w.start, w.end) for w in windows] == [(Level.ORANGE, at(96), at(236))]


def test_gap_of_35_hours_merges_and_36_hours_lifts():
    merged = timeline(series((210.0, 50), (100.0, 35), (210.0, 50)))
    assert [(w.level, w.start, w.end) for w in merged] == [(Level.YELLOW, at(96), at(231))]
    split = timeline(series((210.0, 50), (100.0, 36), (210.0, 50)))
    assert [(w.level, w.start, w.end) for w in split] == [
        (Level.YELLOW, at(96), at(146)), (Level.YELLOW, at(182), at(232))]


def test_lift_waits_until_36_clear_hours_are_forecast():
    # Episode: 210 for 60 h from hour 96 (ends at hour 156). A short horizon sees it late: at
    # hour 82 only hours ..121 are visible (26 h above 200), at hour 106 the run is 50 h: yellow,
    # issued at once. With a 40 h horizon the consultation at hour 154 sees up to hour 193:
    # clear hours 156..193 are 38 ≥ 36, so the lift at hour 156 is announced then. With a 37 h
    # horizon the run is seen only at hour 130 (at 106: hours 96..142, 47 h), and at hour 154
    # only 35 clear hours are visible: no lift yet; the next consultation (178) lifts at once.
    rules = MEE_2019
    truth = series((210.0, 60))
    grid = hourly_grid(T0, at(24 * 21))

    def run(horizon):
        city = CityLifecycle("A", rules, PerfectForecast(truth), horizon_hours=horizon)
        for day in range(21):
            city.consult(at(24 * day + 10))
        return Track.of(grid, city.decisions).windows("A")

    (w40,) = run(40)
    assert (w40.issued_at, w40.start, w40.end) == (at(106), at(106), at(156))
    (w37,) = run(37)
    assert (w37.start, w37.end) == (at(130), at(178))


def _issue(issued: int, pieces: list[tuple[float, int]], day0: int) -> pd.DataFrame:
    """A forecast issued at hour ``issued`` covering 7 days from hour ``day0``."""
    values = []
    for value, hours in pieces:
        values += [value] * hours
    values += [100.0] * (168 - len(values))
    return pd.DataFrame({"issued_at": at(issued), "valid_at": [at(day0 + k) for k in range(168)],
                         "daily_aqi": values})


def test_upgrade_and_downgrade_follow_the_latest_forecast():
    table = pd.concat([
        _issue(54, [(100.0, 48), (210.0, 50)], day0=48),    # 12-12 06:00: yellow from 12-14
        _issue(102, [(210.0, 100)], day0=96),               # 12-14 06:00: 100 h → orange
        _issue(150, [(210.0, 12)], day0=144),               # 12-16 06:00: ends 12-16 12:00
    ], ignore_index=True)
    windows = timeline(pd.Series(dtype=float), models={"A": TableForecast(table)})
    # issued yellow at 12-12 10:00 for 12-14 00:00; upgraded at the 12-14 10:00 consultation;
    # at 12-16 10:00 the run is 96 + 12 − 96 = 60 h (hours 96..155): yellow, lifted at 156.
    assert [(w.level, w.issued_at, w.start, w.end) for w in windows] == [
        (Level.YELLOW, at(58), at(96), at(106)),
        (Level.ORANGE, at(106), at(106), at(154)),
        (Level.YELLOW, at(154), at(154), at(156)),
    ]
    assert windows[1].reason.startswith("upgraded orange")
    assert windows[2].reason.startswith("downgraded yellow")


def test_a_pending_alert_is_called_off_when_the_forecast_clears():
    table = pd.concat([_issue(54, [(100.0, 48), (210.0, 50)], day0=48),
                       _issue(78, [], day0=72)], ignore_index=True)
    assert timeline(pd.Series(dtype=float), models={"A": TableForecast(table)}) == []


def test_temporary_control_surrounds_an_alert_without_stretching_it():
    # mee-2024: 120 for 48 h (> 100 lasting 48 h: temporary), 210 for 48 h (orange),
    # 120 for 48 h. The alert tier gives orange for the core only; temporary control covers
    # the shoulders.
    windows = timeline(series((120.0, 48), (210.0, 48), (120.0, 48)), rules="mee-2024")
    assert [(w.level, w.start, w.end) for w in windows] == [
        (Level.TEMPORARY, at(96), at(144)), (Level.ORANGE, at(144), at(192)),
        (Level.TEMPORARY, at(192), at(240))]
    assert windows[1].reason.startswith("issued orange: forecast daily AQI > 200 for 48 h")


def test_windows_are_sorted_non_overlapping_and_half_open():
    windows = timeline(series((210.0, 50), (100.0, 40), (320.0, 100), (160.0, 60)),
                       rules="mee-2024")
    for a, b in zip(windows, windows[1:], strict=False):
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
def test_raising_every_value_never_lowers_the_lifecycle_level(days, raise_by, rules):
    # daily steps held for 24 h each, after 4 clean days
    low = series(*[(v, 24) for v in days], lead=96, total=24 * 24)
    grid = hourly_grid(T0, at(24 * 21))
    before = _levels(timeline(low, rules=rules), grid)
    after = _levels(timeline(low + raise_by, rules=rules), grid)
    assert (after >= before).all()
