"""Replay: episode detection, forecast adapter, run rows, runners agree, resume, CLI errors."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.timeline import AlertInputs
from alerts.triggers import AlertWindow
from simulator.batch import replay
from simulator.batch import runner as batch
from simulator.cli.app import app
from simulator.io.replay import ReplayInputError

HOUR = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2023-12-01 00:00")
RUNNER = CliRunner()
OUTPUTS = ("runs.parquet", "cuts.parquet", "runs.csv")


def write_observations(path, days: int = 16) -> None:
    """Two cities, hourly PM2.5 and NO2 (µg/m³): clean air with one heavy episode each.

    PM2.5 180 µg/m³ reads IAQI 230 on the 24-h table (200 + 100 × 30/100), so the daily AQI
    passes 200 for days in a row: an orange-type episode under every built-in rule set.
    """
    times = pd.date_range(T0, periods=24 * days, freq="h")
    frames = []
    for city, first_day in (("漯河", 4), ("许昌", 8)):
        pm = np.full(len(times), 40.0)
        pm[24 * first_day: 24 * (first_day + 3)] = 180.0
        frames.append(pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "city": city,
                                    "PM2.5": pm, "NO2": 30.0}))
    pd.concat(frames).to_csv(path, index=False, encoding="utf-8-sig")


@pytest.fixture
def observations(tmp_path):
    path = tmp_path / "obs.csv"
    write_observations(path)
    return path


def small_replay(observations, out, **options):
    return replay.replay([observations], "synthetic:40:3", ["mee-2024", "mee-2019"],
                         ["perfect", "late:6"], 2, out, seed=11, **options)


# -- episode detection --------------------------------------------------------------------------
def series(*spans: tuple[float, int]) -> pd.Series:
    values = np.concatenate([np.full(n, v) for v, n in spans])
    return pd.Series(values, index=pd.date_range(T0, periods=len(values), freq="h"))


def test_episode_is_the_level_stretch_padded_by_the_margin():
    # mee-2024 yellow: daily AQI > 200 on 1 day. The periods ending at hours 100–109 are above
    # 200 and began 23 h earlier, so yellow covers [77, 110) and the episode is
    # [77 - 48, 110 + 48) = hours [29, 158).
    daily = series((80.0, 100), (210.0, 10), (80.0, 200))
    [episode] = replay.detect_episodes(daily, [load_ruleset("mee-2024")], "漯河", 48)
    assert (episode.start, episode.end) == (T0 + 29 * HOUR, T0 + 158 * HOUR)
    assert episode.number == 1 and episode.city == "漯河"


def test_close_episodes_merge_and_the_margin_is_clipped_to_the_data():
    # Periods ending at hours [10, 15) and [100, 105) are above 200: yellow over [0 (their
    # periods began before the data), 15) and [77, 105); padded by 48 h they are [0 (clipped),
    # 63) and [29, 153), which overlap, so they merge into one episode [0, 153).
    daily = series((80.0, 10), (210.0, 5), (80.0, 85), (210.0, 5), (80.0, 95))
    rules = [load_ruleset("mee-2024")]
    [merged] = replay.detect_episodes(daily, rules, margin_hours=48)
    assert (merged.start, merged.end) == (T0, T0 + 153 * HOUR)
    # With a 24 h margin they stay apart: [0, 39) and [53, 129).
    apart = replay.detect_episodes(daily, rules, margin_hours=24)
    assert [(e.start, e.end) for e in apart] == [(T0, T0 + 39 * HOUR),
                                                 (T0 + 53 * HOUR, T0 + 129 * HOUR)]
    assert [e.number for e in apart] == [1, 2]


def test_no_level_no_episode():
    assert replay.detect_episodes(series((95.0, 300)), [load_ruleset("mee-2024")]) == []


# -- forecast models through the alert lifecycle ------------------------------------------------
@pytest.mark.parametrize(("name", "canonical"), [
    ("perfect", "perfect"), ("late:06", "late:6"), (" late:0 ", "late:0"),
    ("persistence", "persistence"), ("noisy", "noisy"),
    ("noisy:sd=0.30,bias=-0.1", "noisy:bias=-0.1,sd=0.3"), ("noisy:sd=0.2", "noisy:sd=0.2")])
def test_forecast_names(name, canonical):
    assert replay.parse_forecast(name) == canonical


@pytest.mark.parametrize(("name", "why"), [
    ("late:", "expected perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"),
    ("late:1.5", "expected perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"),
    ("noisy:spread=2", "expected perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"),
    ("crystal-ball", "expected perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"),
    ("", "expected perfect, persistence"),
    ("late:-3", "late hours must be ≥ 0"), ("noisy:sd=-1", "sd must be ≥ 0")])
def test_unknown_forecast_is_refused(name, why):
    with pytest.raises(replay.ReplayInputError, match=f"--forecast: value {name!r} — "):
        replay.parse_forecast(name)
    with pytest.raises(replay.ReplayInputError, match=re.escape(why)):
        replay.parse_forecast(name)


# 100 h at 80, 60 h at 210, 100 h at 80 from 12-01 00:00 (daily AQI of the 24 h ending at each
# hour). Under mee-2024 the periods ending at hours 100..159 are above 200: 2-day chains (orange)
# end at k and k + 24 for k in 100..135 and cover hours [77, 160) = [12-04 05:00, 12-07 16:00).
# The 12-04 00:00 start leaves 5 h before them, less than the 48 h margin, so the issue falls
# before the start.
CRAFTED = ((80.0, 100), (210.0, 60), (80.0, 100))
CRAFTED_START, CRAFTED_END = T0 + 72 * HOUR, T0 + 260 * HOUR


def test_perfect_forecast_goes_through_the_lifecycle():
    # Consultations at 10:00 (mee-2024), reading 72 h ahead: 12-03 10:00 (hour 58) sees periods
    # ending up to hour 129, so two days above 200 (k = 100..105): orange from hour 77, 19 h
    # ahead (the next consultation, 12-04 10:00, would be after it): issued then, response from
    # the first orange hour; the lift is announced for 12-07 16:00, when the daily AQI falls to
    # ≤ 200 for ≥ 36 h. Issued 14 h before the run's start, and kept.
    daily = series(*CRAFTED)
    [window] = replay.forecast_windows(daily, load_ruleset("mee-2024"), "漯河", "perfect",
                                       CRAFTED_START, CRAFTED_END)
    assert window.level == Level.ORANGE
    assert window.issued_at == pd.Timestamp("2023-12-03 10:00")
    assert (window.start, window.end) == (pd.Timestamp("2023-12-04 05:00"),
                                          pd.Timestamp("2023-12-07 16:00"))
    assert "lift 2023-12-07 16:00" in window.reason


@pytest.mark.parametrize(("name", "shared"), [
    ("perfect", True), ("persistence", True), ("late:24", True), ("noisy", False),
    ("noisy:bias=-0.1,sd=0.3", False)])
def test_only_models_that_draw_nothing_share_windows_across_replicates(name, shared):
    assert replay.draws_nothing(replay.parse_forecast(name)) is shared


def test_perfect_windows_are_the_lifecycle_over_the_whole_series():
    # Starting consultations lead + one interval before the run changes nothing: the same
    # windows as the lifecycle consulted from the first hour of the data (smogsim run's path).
    daily = series(*CRAFTED)
    rules = load_ruleset("mee-2024")
    whole = AlertInputs({"漯河": daily}, {"漯河": rules}, daily.index[0],
                        daily.index[-1] + HOUR).windows("perfect")["漯河"]
    assert replay.forecast_windows(daily, rules, "漯河", "perfect", CRAFTED_START,
                                   CRAFTED_END) == whole


def test_late_forecast_starts_the_response_its_hours_later():
    # late:24 sees the orange hours a day late: issued at 12-04 10:00 (24 h before 12-06 04:00),
    # the response starts 24 h after the perfect forecast's.
    daily = series(*CRAFTED)
    rules = load_ruleset("mee-2024")
    [perfect] = replay.forecast_windows(daily, rules, "漯河", "perfect", CRAFTED_START,
                                        CRAFTED_END)
    late = replay.forecast_windows(daily, rules, "漯河", "late:24", CRAFTED_START, CRAFTED_END)
    assert late[0].level == Level.ORANGE
    assert late[0].start == perfect.start + 24 * HOUR
    assert late[0].issued_at == perfect.issued_at + 24 * HOUR


def test_coverage_counts_the_hours_a_late_alert_misses():
    # The 83 observed orange hours (77..159): a perfect forecast covers them all; 24 h late, the
    # first 24 pass with no alert in force; with no window, all 83 are missed.
    daily = series(*CRAFTED)
    rules = load_ruleset("mee-2024")
    perfect = replay.forecast_windows(daily, rules, "漯河", "perfect", T0, CRAFTED_END)
    late = replay.forecast_windows(daily, rules, "漯河", "late:24", T0, CRAFTED_END)
    assert replay.coverage(daily, rules, perfect, T0, CRAFTED_END) == (83.0, 0.0)
    assert replay.coverage(daily, rules, late, T0, CRAFTED_END) == (83.0, 24.0)
    assert replay.coverage(daily, rules, [], T0, CRAFTED_END) == (83.0, 83.0)


def coverage_by_date_range(levels, windows, start, end):
    """``level_coverage`` read plainly: one timestamp per hour, windows compared to them."""
    hours = pd.date_range(start, end - HOUR, freq="h")
    observed = levels.reindex(hours, fill_value=int(Level.NONE)).to_numpy(int)
    issued = np.zeros(len(hours), int)
    for window in windows:
        inside = (hours >= window.start) & (hours < window.end)
        issued[inside] = np.maximum(issued[inside], int(window.level))
    reached = observed > int(Level.NONE)
    return float(reached.sum()), float((reached & (issued < observed)).sum())


def test_level_coverage_ends_at_the_last_whole_hour_before_the_end():
    levels = pd.Series(5, index=pd.date_range(T0, periods=20, freq="h"))
    # [T0, T0 + 5.5 h): the hours T0 … T0 + 4 h, all red, none under an alert
    assert replay.level_coverage(levels, [], T0, T0 + 5.5 * HOUR) == (5.0, 5.0)


@settings(max_examples=200, deadline=None)
@given(codes=st.lists(st.integers(0, 5), min_size=0, max_size=80),
       offset=st.integers(-30, 30), length=st.integers(0, 100),
       minutes=st.sampled_from([0, 30]),
       spans=st.lists(st.tuples(st.integers(-20, 100), st.integers(0, 60), st.integers(3, 5),
                                st.sampled_from([0, 15])), max_size=4),
       unit=st.sampled_from(["s", "us", "ns"]))
def test_level_coverage_counts_hours_as_a_date_range_does(codes, offset, length, minutes,
                                                          spans, unit):
    """Coverage on integer hours equals the reading by timestamps: periods before, across and
    after the observations, ends off the hour, windows off the hour, any Timestamp unit."""
    levels = pd.Series(codes, index=pd.date_range(T0, periods=len(codes), freq="h"), dtype=int)
    start = (T0 + offset * HOUR).as_unit(unit)
    end = start + length * HOUR + pd.Timedelta(minutes=minutes)
    windows = [AlertWindow("漯河", Level(level), T0, T0 + a * HOUR + pd.Timedelta(minutes=m),
                           T0 + (a + n) * HOUR, "") for a, n, level, m in spans]
    assert replay.level_coverage(levels, windows, start, end) == coverage_by_date_range(
        levels, windows, start, end)


@pytest.mark.slow
def test_noisy_replicates_differ_and_the_seed_reproduces_them(observations, tmp_path):
    def noisy(out, seed):
        return replay.replay([observations], "synthetic:40:3", ["mee-2024"], ["noisy:sd=0.4"],
                             3, tmp_path / out, seed=seed)

    first, again, other = noisy("a", 11), noisy("b", 11), noisy("c", 12)
    for name in OUTPUTS:
        assert (first.out / name).read_bytes() == (again.out / name).read_bytes(), name
    windows = first.cuts.drop_duplicates([*replay.KEY_COLUMNS, "start"])
    shapes = windows.groupby(["city", "replicate"])[["start", "end", "level"]].apply(
        lambda t: tuple(map(tuple, t.astype(str).to_numpy())))
    for city in ("漯河", "许昌"):  # the three replicates issue different windows
        assert shapes[city].nunique() == 3, shapes[city]
    assert not first.runs.equals(other.runs)  # another seed, other forecasts


# -- one run's row ------------------------------------------------------------------------------
def test_run_row_golden_values():
    # Two segments: yellow 10 h (target 10 %), orange 30 h (target 20 %).
    # SO2: baseline 10 t + 30 t, cut 1 t + 6 t → cut % = 7 / 40 = 17.5; each segment meets its
    # target (10 % and 20 %). NOx: cut 0.5 t of 10 t (5 % < 10 %) → not met.
    # target_pct = (10 × 10 + 30 × 20) / 40 = 17.5.
    rows = []
    for level, start, hours, target, so2_cut, nox_cut in [("yellow", T0, 10.0, 10.0, 1.0, 0.5),
                                                          ("orange", T0 + 10 * HOUR, 30.0, 20.0,
                                                           6.0, 6.0)]:
        for pollutant, base, cut in [("SO2", hours, so2_cut), ("NOx", hours, nox_cut)]:
            rows.append({"episode": 1, "city": "漯河", "level": level, "start": start,
                         "end": start + hours * HOUR, "hours": hours, "pollutant": pollutant,
                         "baseline_t": base, "actual_t": base - cut, "cut_t": cut,
                         "cut_pct": 100 * cut / base, "target_pct": target,
                         "met": 100 * cut / base >= target})
    task = batch.Task("漯河", 1, "2023-12-01T00:00:00", "2023-12-03T00:00:00", "mee-2024",
                      "perfect", 0, 5, "", "")
    assert task.area == ""  # no area sources: the cut % is of the list only
    keys = dict(zip(replay.KEY_COLUMNS, task.sort_key, strict=True))
    row = replay.run_row(keys, task, pd.DataFrame(rows), alerts=2).frame().iloc[0]
    assert row["hours"] == 48.0 and row["alert_hours"] == 40.0
    assert (row["hours_yellow"], row["hours_orange"], row["hours_red"]) == (10.0, 30.0, 0.0)
    assert row["peak_level"] == "orange" and row["base"] == "list"
    assert row["target_pct"] == pytest.approx(17.5)
    assert row["cut_pct_SO2"] == pytest.approx(17.5)
    assert row["cut_pct_NOx"] == pytest.approx(100 * 6.5 / 40)
    assert bool(row["met_SO2"]) and not bool(row["met_NOx"]) and not bool(row["met"])
    assert pd.isna(row["cut_pct_PM"]) and pd.isna(row["met_PM"])  # no PM row


# -- whole replays ------------------------------------------------------------------------------
def check_tables(result) -> None:
    runs, cuts = result.runs, result.cuts
    # 2 cities × 1 episode × 2 rule sets × 2 forecasts × 2 replicates
    assert len(runs) == 16 and len(result.episodes) == 2
    assert not runs.duplicated(replay.KEY_COLUMNS).any()
    assert (runs["alert_hours"] > 0).all()
    assert (cuts.baseline_t - cuts.actual_t - cuts.cut_t).abs().max() < 1e-9  # conservation
    per_run = cuts.drop_duplicates([*replay.KEY_COLUMNS, "alert_episode", "start"])
    hours = per_run.groupby(replay.KEY_COLUMNS)["hours"].sum()
    assert np.allclose(runs.set_index(replay.KEY_COLUMNS)["alert_hours"].loc[hours.index], hours)
    so2 = cuts[cuts.pollutant == "SO2"].groupby(replay.KEY_COLUMNS)[["cut_t", "baseline_t"]].sum()
    assert np.allclose(runs.set_index(replay.KEY_COLUMNS)["cut_pct_SO2"].loc[so2.index],
                       100 * so2.cut_t / so2.baseline_t)
    # perfect and late:<h> forecasts draw nothing, nor does the engine: replicates are equal.
    first = runs[runs.replicate == 0].drop(columns="replicate").reset_index(drop=True)
    second = runs[runs.replicate == 1].drop(columns="replicate").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One serial replay, shared by the tests that compare against it."""
    root = tmp_path_factory.mktemp("reference")
    write_observations(root / "obs.csv")
    result = small_replay(root / "obs.csv", root / "out")
    return root, result


@pytest.mark.slow
def test_serial_replay_tables(reference):
    _, result = reference
    check_tables(result)
    assert result.ran == 16 and result.resumed == 0
    first = result.cuts.groupby(["city", "rules", "forecast", "replicate"])["start"].min()
    late, perfect = first.xs("late:6", level="forecast"), first.xs("perfect", level="forecast")
    assert (late - perfect == 6 * HOUR).all()  # the response starts 6 h later
    assert (result.out / "runs.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "workers"), [("processes", 2), ("dask", 2)])
def test_runners_give_identical_tables(reference, tmp_path, engine, workers):
    root, serial = reference
    result = small_replay(root / "obs.csv", tmp_path / engine, engine=engine, workers=workers)
    for name in OUTPUTS:
        assert (result.out / name).read_bytes() == (serial.out / name).read_bytes(), name


# The reference's runs as written by main before parts held chunks of runs (same inputs, seed).
REFERENCE_RUNS_CSV = "de414a09724a65550ff79d08029990e727685ebcad9d6466b0dcccadab1f9f03"


@pytest.mark.slow
def test_chunked_parts_give_the_bytes_of_one_part_per_run(reference, tmp_path, monkeypatch):
    root, chunked = reference
    assert len(list((chunked.out / "parts").glob("*.done.json"))) == 2  # a chunk per city
    monkeypatch.setattr(replay, "CHUNK_TASKS", 1)
    single = small_replay(root / "obs.csv", tmp_path / "single")
    assert len(list((single.out / "parts").glob("*.done.json"))) == 16
    for name in OUTPUTS:
        assert (single.out / name).read_bytes() == (chunked.out / name).read_bytes(), name
    assert hashlib.sha256((chunked.out / "runs.csv").read_bytes()).hexdigest() == (
        REFERENCE_RUNS_CSV)
    timings = pd.read_csv(chunked.out / "timings.csv")
    assert len(timings) == 16 and (timings["wall_s"] > 0).all()  # still one row per run


@pytest.mark.slow
def test_interrupted_replay_resumes_to_the_same_tables(reference, tmp_path, monkeypatch):
    root, full = reference
    plan = replay.plan([root / "obs.csv"], "synthetic:40:3", ["mee-2024", "mee-2019"],
                       ["perfect", "late:6"], 2, tmp_path / "out", seed=11)
    work = batch.chunks(plan.tasks, replay.CHUNK_TASKS)
    assert [len(c.tasks) for c in work] == [8, 8]  # one chunk per city
    monkeypatch.setenv(batch.FAIL_ENV, plan.tasks[10].key)
    with pytest.raises(batch.BatchError, match=r"task 许昌/.* failed .*rerun with --resume"):
        small_replay(root / "obs.csv", tmp_path / "out")
    parts = tmp_path / "out" / "parts"
    finished = [c for c in work if batch.read_marker(parts, c) is not None]
    assert finished == work[:1]  # serial runner: the chunk before the failing one
    stamps = {p: p.stat().st_mtime_ns for p in parts.iterdir()}
    assert not (tmp_path / "out" / "runs.parquet").exists()

    monkeypatch.delenv(batch.FAIL_ENV)
    with pytest.raises(replay.ReplayInputError, match="pass --resume"):
        small_replay(root / "obs.csv", tmp_path / "out")
    resumed = small_replay(root / "obs.csv", tmp_path / "out", resume=True)
    assert (resumed.ran, resumed.resumed) == (8, 8)
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items())  # untouched
    for name in OUTPUTS:
        assert (resumed.out / name).read_bytes() == (full.out / name).read_bytes(), name


@pytest.mark.slow
def test_corrupt_and_truncated_parts_are_rerun(reference, tmp_path, monkeypatch):
    root, full = reference
    monkeypatch.setattr(replay, "CHUNK_TASKS", 4)  # 4 chunks of 4 runs
    first = small_replay(root / "obs.csv", tmp_path / "out")
    tasks = replay.plan([root / "obs.csv"], "synthetic:40:3", ["mee-2024", "mee-2019"],
                        ["perfect", "late:6"], 2, tmp_path / "out", seed=11, resume=True).tasks
    work = batch.chunks(tasks, 4)
    parts = first.out / "parts"
    corrupt = batch.part_paths(parts, work[0])["cuts"]
    data = corrupt.read_bytes()
    corrupt.write_bytes(data[:100] + b"\x00" * 16 + data[116:])
    truncated = batch.part_paths(parts, work[2])["runs"]
    truncated.write_bytes(truncated.read_bytes()[:-40])
    again = small_replay(root / "obs.csv", tmp_path / "out", resume=True)
    assert (again.ran, again.resumed) == (8, 8)
    for name in OUTPUTS:
        assert (again.out / name).read_bytes() == (full.out / name).read_bytes(), name


# -- command line -------------------------------------------------------------------------------
def test_cli_replay_writes_tables_and_summary(observations, tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:30", "--rules", "mee-2024", "--forecast",
                                 "perfect,late:24", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Replay — 4 runs over 2 city-episodes" in result.output
    assert "4 runs (4 run now, 0 already finished)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cuts.parquet", "inputs", "manifest.json", "parts", "replay.html", "runs.csv",
        "runs.parquet", "timings.csv"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs.forecast) == {"perfect", "late:24"} and set(runs.city) == {"漯河", "许昌"}
    assert set(runs.peak_level) <= {lv.id for lv in Level}


def test_cli_replay_in_chinese_appends_level_names(observations, tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:30", "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "回放 — 2 次运行，2 个城市过程" in result.output and "规则" in result.output
    assert "2 次运行（本次 2 次，已完成 0 次）" in result.output
    assert "Replay" not in result.output
    runs = pd.read_csv(out / "runs.csv", encoding="utf-8-sig")
    assert list(runs.columns) == [*replay.RUN_COLUMNS, "peak_level_name"]  # ids first, as before
    names = dict(zip(runs.peak_level, runs.peak_level_name, strict=True))
    assert names and all(name == {"temporary": "临时管控", "blue": "蓝色", "yellow": "黄色",
                                  "orange": "橙色", "red": "红色"}.get(lv, "")
                         for lv, name in names.items())
    cuts = pd.read_parquet(out / "cuts.parquet")
    assert list(cuts.columns[-1:]) == ["level_name"] and set(cuts.level_name) <= {
        "临时管控", "蓝色", "黄色", "橙色", "红色"}


@pytest.mark.parametrize(("args", "message"), [
    (["--rules", "mee-1999"], "mee-1999: rule set not found"),
    (["--forecast", "perfect,crystal-ball"], "--forecast: value 'crystal-ball'"),
    (["--inventory", "missing.csv"], "missing.csv: inventory file not found"),
    (["--inventory", "synthetic:10x"], "expected a CSV file or synthetic:<N>[:seed]"),
    (["--observations", "nowhere.csv"], "nowhere.csv: observations file not found"),
    (["--replicates", "0"], "--replicates: value 0"),
    (["--engine", "spark"], "--engine: value 'spark'"),
    (["--city", "太原"], "--city: value '太原' — not in the observations"),
    # a synthetic list for a city without a profile stops before any observation is read
    (["--city", "北京"], "--inventory synthetic:10: no synthetic profile for city '北京'"),
    (["--inventory", "synthetic:0"], "synthetic:<N>[:seed] with N ≥ 1"),
    (["--seed", "-1"], "--seed: value -1 — expected a whole number ≥ 0"),
])
def test_cli_bad_input_exits_2_with_one_line(observations, tmp_path, args, message):
    out = tmp_path / "out"
    base = {"--observations": str(observations), "--inventory": "synthetic:10"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["replay", "--out", str(out), *[x for kv in base.items() for x in kv]]
    result = RUNNER.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_national_city_files_in_a_directory_read_like_one_long_table(tmp_path):
    # The same two cities written as daily national files (date, hour, type, <cities>), one per
    # day, in a directory: the replay reads the directory and finds the same runs.
    write_observations(tmp_path / "obs.csv")
    long = pd.read_csv(tmp_path / "obs.csv", encoding="utf-8-sig")
    long["time"] = pd.to_datetime(long["time"])
    folder = tmp_path / "national"
    folder.mkdir()
    for day, rows in long.groupby(long["time"].dt.strftime("%Y%m%d")):
        melted = rows.melt(id_vars=["time", "city"], value_vars=["PM2.5", "NO2"], var_name="type")
        wide = melted.pivot_table(index=["time", "type"], columns="city", values="value")
        wide = wide.reset_index()
        wide.insert(0, "hour", wide.pop("time").dt.hour)
        wide.insert(0, "date", day)
        wide.to_csv(folder / f"china_cities_{day}.csv", index=False)
    args = ("synthetic:20:3", ["mee-2024"], ["perfect"], 1)
    from_long = replay.replay([tmp_path / "obs.csv"], *args, tmp_path / "a")
    from_national = replay.replay([folder], *args, tmp_path / "b")
    assert len(from_long.runs) == 2 and (from_long.runs.alert_hours > 0).all()
    pd.testing.assert_frame_equal(from_long.runs, from_national.runs)


@pytest.mark.slow
def test_cli_json_summary_on_stdout(observations, tmp_path):
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:30", "--rules", "mee-2024", "--forecast",
                                 "perfect,late:24", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["runs"], summary["ran"], summary["resumed"]) == (4, 4, 0)
    assert (summary["cities"], summary["city_episodes"], summary["missing_values"]) == (2, 2, 0)
    rows = {row["forecast"]: row for row in summary["summary"]}
    assert rows["perfect"]["missed_hours"] == 0.0 and rows["late:24"]["missed_hours"] > 0
    assert rows["perfect"]["alert_hours"] > 0 and rows["late:24"]["alert_hours"] > 0
    assert summary["base"]["list"] == ["漯河", "许昌"] and summary["base"]["list+area"] == []
    assert summary["base"]["note"].startswith("cut % is of the emergency-reduction list only")
    assert rows["perfect"]["list_only"] == rows["perfect"]["runs"] == 2
    runs = pd.read_parquet(summary["files"]["runs.parquet"])
    assert len(runs) == 4
    assert rows["perfect"]["cut_pct_SO2"] == pytest.approx(
        runs[runs.forecast == "perfect"]["cut_pct_SO2"].mean(), abs=1e-3)


def test_cli_city_without_synthetic_profile(tmp_path):
    path = tmp_path / "obs.csv"
    write_observations(path)
    text = path.read_text(encoding="utf-8-sig").replace("许昌", "火星")
    path.write_text(text, encoding="utf-8-sig")
    result = RUNNER.invoke(app, ["replay", "--observations", str(path), "--inventory",
                                 "synthetic:10", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no synthetic profile for city '火星'" in result.output
    assert not (tmp_path / "out").exists()


# -- area sources -------------------------------------------------------------------------------
def write_area(path, rows: str, header: str = "city,sector,so2_t,nox_t,pm_t,vocs_t,cut_orange"
               ) -> None:
    path.write_text(f"{header}\n{rows}", encoding="utf-8-sig")


def test_area_file_reads_sources_and_cuts(tmp_path):
    path = tmp_path / "area.csv"
    write_area(path, "漯河,other,8760,,,,\n漯河,construction,,,8760,,0.5\n许昌,mobile,1,2,3,4,\n")
    areas = replay.read_area_sources(path)
    assert areas["漯河"]["sources"] == {"other": [8760.0, 0.0, 0.0, 0.0],
                                       "construction": [0.0, 0.0, 8760.0, 0.0]}
    # Only construction gives a cut: it replaces the sector's defaults (0 at the other levels);
    # other and 许昌's mobile keep their defaults (enterprises.area).
    assert areas["漯河"]["cuts"] == {"construction": {"orange": 0.5}}
    assert areas["许昌"] == {"sources": {"mobile": [1.0, 2.0, 3.0, 4.0]}, "cuts": {}}


@pytest.mark.slow
def test_area_sources_join_the_base_of_their_city(observations, tmp_path):
    # 漯河 gains 1 t/h of SO2 never cut ("other") and 1 t/h of PM from construction cut by half at
    # orange only (a cut column given replaces the defaults). 许昌 has no rows: list only.
    # Per alert segment: SO2 baseline + hours × 1 t and the same cut; PM baseline + hours × 1 t
    # and cut + hours × 0.5 t at orange, + 0 elsewhere. The list's tonnes do not change.
    area = tmp_path / "area.csv"
    write_area(area, "漯河,other,8760,,,,\n漯河,construction,,,8760,,0.5\n")
    args = ([observations], "synthetic:40:3", ["mee-2024"], ["perfect"], 1)
    bare = replay.replay(*args, tmp_path / "bare", seed=11)
    full = replay.replay(*args, tmp_path / "area", seed=11, area=area)
    assert dict(zip(full.runs.city, full.runs.base, strict=True)) == {"漯河": "list+area",
                                                                     "许昌": "list"}
    assert set(bare.runs.base) == {"list"}
    keys = [*replay.KEY_COLUMNS, "start", "pollutant"]
    a, b = full.cuts.set_index(keys), bare.cuts.set_index(keys).loc[full.cuts.set_index(keys).index]
    extra_base, extra_cut = a.baseline_t - b.baseline_t, a.cut_t - b.cut_t
    pollutant = a.index.get_level_values("pollutant")
    luohe = a.index.get_level_values("city") == "漯河"
    orange = (a.level == "orange").to_numpy()
    expected_base = np.where(luohe & np.isin(pollutant, ["SO2", "PM"]), a.hours, 0.0)
    expected_cut = np.where(luohe & (pollutant == "PM") & orange, 0.5 * a.hours, 0.0)
    assert np.allclose(extra_base, expected_base) and np.allclose(extra_cut, expected_cut)
    assert (luohe & orange & (pollutant == "PM")).any()
    assert replay.base_note(full.runs) == (
        "cut % is of the list + area sources for 1 of 2 cities, of the list only for 许昌 (no "
        "rows in --area): for those, an upper bound on the share of the city-wide base "
        "(全社会排放总量), and 'met' is optimistic")


@pytest.mark.parametrize(("text", "message"), [
    ("城市,sector,so2_t,nox_t,pm_t,vocs_t\n", "column '城市' unknown"),
    ("city,sector,so2_t,nox_t,pm_t\n", "column vocs_t missing"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1,2,-3,4\n",
     "row 2, column pm_t: value '-3' — expected a number of t/a in [0, 2,000,000] (more is "
     "beyond any city's sector: assumption"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1,2,NaN,4\n",
     "row 2, column pm_t: value 'NaN' — expected a number of t/a in [0, 2,000,000]"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1,-inf,3,4\n",
     "row 2, column nox_t: value '-inf'"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1e308,2,3,4\n",
     "row 2, column so2_t: value '1e308'"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1,2,3,4\n漯河,dust,1,2,3,x\n",
     "row 3, column vocs_t: value 'x'"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n漯河,mobile,1,2,3,4\n漯河,mobile,1,2,3,4\n",
     "row 3, column sector: value 'mobile' — one row per city and sector (row 2 has"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t,cut_red\n漯河,dust,0,0,9,0,1.5\n",
     "row 2, column cut_red: value '1.5' — expected a fraction in [0, 1]"),
    ("city,sector,so2_t,nox_t,pm_t,vocs_t\n,dust,0,0,9,0\n", "row 2, column city: value ''"),
    ("", "file is empty"),
])
def test_cli_bad_area_file_exits_2_with_one_line(observations, tmp_path, text, message):
    area = tmp_path / "area.csv"
    area.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:10", "--area", str(area), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{area}: " in result.output and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_cli_noisy_parameters_survive_the_comma_split(observations, tmp_path):
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:10", "--forecast", "noisy:sd=0.3,bias=-0.1,persistence",
                                 "--area", str(tmp_path / "none.csv"), "--out",
                                 str(tmp_path / "out")])
    assert result.exit_code == 2 and "none.csv: area-source file not found" in result.output
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:10", "--forecast", "noisy:sd=0.3,bias=-0.1,persistence",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert set(runs.forecast) == {"noisy:bias=-0.1,sd=0.3", "persistence"}
    assert "cut % is of the emergency-reduction list only" in result.output


# -- regional linkage (--region) ----------------------------------------------------------------
# A count rule on the basin cities (the Taiyuan example now decides on a basin forecast):
# ≥ 2 of 太原, 晋中, 吕梁 at orange → all (the shape of sources.md §3.4's zone rules; the count
# of 2 is an assumption of this test).
BASIN_REGION = """
name = "basin"

[[city]]
name = "太原"
zones = ["taiyuan-basin"]
neighbours = ["晋中", "吕梁"]

[[city]]
name = "晋中"
zones = ["taiyuan-basin"]
neighbours = ["太原", "吕梁"]

[[city]]
name = "吕梁"
zones = ["taiyuan-basin"]
neighbours = ["太原", "晋中"]

[[rule]]
id = "taiyuan-basin-orange"
kind = "zone"
zone = "taiyuan-basin"
min_cities = 2
at_least = "orange"
level = "orange"
source = "assumption (test)"
"""


def basin_region(root) -> Path:
    path = Path(root) / "taiyuan_basin_region.toml"
    path.write_text(BASIN_REGION, encoding="utf-8")
    return path


def write_basin_observations(path) -> None:
    """太原 from day 4 and 晋中 from day 5 at PM2.5 180 µg/m³ for 3 days; 吕梁 stays clean;
    漯河 (outside the region) as 太原."""
    times = pd.date_range(T0, periods=24 * 16, freq="h")
    frames = []
    for city, first_day, level in (("太原", 4, 180.0), ("晋中", 5, 180.0), ("吕梁", 4, 40.0),
                                   ("漯河", 4, 180.0)):
        pm = np.full(len(times), 40.0)
        pm[24 * first_day: 24 * (first_day + 3)] = level
        frames.append(pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "city": city,
                                    "PM2.5": pm, "NO2": 30.0}))
    pd.concat(frames).to_csv(path, index=False, encoding="utf-8-sig")


def basin_replay(observations, out, **options):
    region = basin_region(Path(observations).parent)
    return replay.replay([observations], "synthetic:30:3", ["mee-2024"], ["perfect"], 2, out,
                         seed=5, region=region, **options)


@pytest.fixture(scope="module")
def basin(tmp_path_factory):
    root = tmp_path_factory.mktemp("basin")
    write_basin_observations(root / "obs.csv")
    return root, basin_replay(root / "obs.csv", root / "out")


@pytest.mark.slow
def test_region_raises_a_city_that_would_not_alert_alone(basin):
    _root, result = basin
    runs = result.runs[result.runs.replicate == 0].set_index("city")
    # 太原: PM2.5 180 over hours 96..167 on 40. The 24 h mean passes 115 (AQI 150) with ≥ 13 h
    # of 180 in the window: periods ending 108..178; 3-day chains (orange, mee-2024 > 150 for
    # 3 days) end at k, k + 24, k + 48 for k in 108..130 and cover [85, 179) = [12-04 13:00,
    # 12-08 11:00): 94 h. 晋中 a day later; both are orange over [12-05 13:00, 12-08 11:00): 70 h,
    # so the zone rule puts 吕梁, whose own air never reaches an alert level, on orange for 70 h.
    assert runs.loc["吕梁", ["alert_hours", "hours_orange", "raised_hours"]].tolist() == [70] * 3
    assert runs.loc["吕梁", "observed_hours"] == 0 and runs.loc["吕梁", "peak_level"] == "orange"
    cuts = result.cuts[(result.cuts.city == "吕梁") & (result.cuts.replicate == 0)]
    assert set(zip(cuts.level, cuts.start, cuts.end, strict=True)) == {
        ("orange", pd.Timestamp("2023-12-05 13:00"), pd.Timestamp("2023-12-08 11:00"))}
    # The raising cities were at orange on their own: the region added nothing to them.
    assert runs.loc[["太原", "晋中"], "raised_hours"].tolist() == [0, 0]
    assert runs.loc[["太原", "晋中"], "hours_orange"].tolist() == [94, 94]
    # One regional episode spans both padded city episodes: 太原's (temporary control from 6 h
    # before its orange to 6 h after, ± 48 h) [12-02 07:00, 12-10 17:00) and 晋中's
    # [12-03 07:00, 12-11 17:00).
    for city in ("太原", "晋中", "吕梁"):
        assert (runs.loc[city, "start"], runs.loc[city, "end"]) == (
            pd.Timestamp("2023-12-02 07:00"), pd.Timestamp("2023-12-11 17:00"))
        assert (runs.loc[city, "episode"], runs.loc[city, "region"]) == (
            1, "taiyuan_basin_region")
    # 漯河 is outside the region: its own episode, its own alerts, nothing raised.
    assert runs.loc["漯河", "region"] == "" and runs.loc["漯河", "raised_hours"] == 0
    assert runs.loc["漯河", "end"] == pd.Timestamp("2023-12-10 17:00")
    assert len(result.runs) == 8 and (result.ran, result.resumed) == (8, 0)
    assert sorted((e.city, e.number) for e in result.episodes) == [
        ("吕梁", 1), ("太原", 1), ("晋中", 1), ("漯河", 1)]


@pytest.mark.slow
def test_without_region_the_clean_city_is_not_replayed(basin, tmp_path):
    root, linked = basin
    alone = replay.replay([root / "obs.csv"], "synthetic:30:3", ["mee-2024"], ["perfect"], 2,
                          tmp_path / "out", seed=5)
    assert "吕梁" not in set(alone.runs.city) and "region" not in alone.runs.columns
    assert list(alone.runs.columns) == replay.RUN_COLUMNS
    assert list(linked.runs.columns) == [*replay.RUN_COLUMNS, *replay.REGION_COLUMNS]
    same = [c for c in replay.RUN_COLUMNS if c not in ("start", "end", "hours")]
    outside = linked.runs[linked.runs.city == "漯河"][same].reset_index(drop=True)
    pd.testing.assert_frame_equal(outside, alone.runs[alone.runs.city == "漯河"][same]
                                  .reset_index(drop=True))


@pytest.mark.slow
def test_region_runners_agree_and_resume_to_the_same_bytes(basin, tmp_path, monkeypatch):
    root, full = basin
    processes = basin_replay(root / "obs.csv", tmp_path / "processes", engine="processes",
                             workers=2)
    for name in OUTPUTS:
        assert (processes.out / name).read_bytes() == (full.out / name).read_bytes(), name
    plan = replay.plan([root / "obs.csv"], "synthetic:30:3", ["mee-2024"], ["perfect"], 2,
                       tmp_path / "out", seed=5, region=basin_region(root))
    regional = [t for t in plan.tasks if t.members]
    assert [t.key for t in regional] == ["region:taiyuan_basin_region/e001/mee-2024/perfect/"
                                         f"r{k:03d}" for k in (0, 1)]
    monkeypatch.setattr(replay, "CHUNK_TASKS", 1)  # a part per regional run
    monkeypatch.setenv(batch.FAIL_ENV, regional[1].key)
    with pytest.raises(batch.BatchError):
        basin_replay(root / "obs.csv", tmp_path / "out")
    monkeypatch.delenv(batch.FAIL_ENV)
    resumed = basin_replay(root / "obs.csv", tmp_path / "out", resume=True)
    # serial, in key order: region r000 (3 cities) finished; region r001 failed, so it and
    # 漯河's two runs are left: 3 + 2 runs
    assert (resumed.ran, resumed.resumed) == (5, 3)
    for name in OUTPUTS:
        assert (resumed.out / name).read_bytes() == (full.out / name).read_bytes(), name


def test_part_names_hold_staged_files_by_name():
    # The part digest takes staged files by name (their names are content digests) and leaves
    # out the empty region and options fields: a moved replay folder keeps its part names.
    task = batch.Task("漯河", 1, "2023-12-01T00:00:00", "2023-12-02T00:00:00", "mee-2024",
                      "perfect", 0, 0, "/a/inputs/o.parquet", "/a/inputs/i.parquet")
    fields = {k: v for k, v in vars(task).items() if k not in ("region", "members", "options")}
    fields |= {"observations": "o.parquet", "inventory": "i.parquet"}
    text = json.dumps({"format": batch.PART_FORMAT, **fields}, sort_keys=True,
                      ensure_ascii=False)
    assert task.stem == "part-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    moved = batch.Task(**{**vars(task), "observations": "/b/inputs/o.parquet",
                          "inventory": "/b/inputs/i.parquet"})
    assert moved.stem == task.stem
    assert batch.Task(**{**vars(task), "inventory": "/a/inputs/j.parquet"}).stem != task.stem
    assert batch.Task(**{**vars(task), "region": "/r.toml"}).stem != task.stem
    assert batch.Task(**{**vars(task), "options": "/o.toml"}).stem != task.stem


def test_a_moved_replay_resumes_every_part(observations, tmp_path):
    first = replay.replay([observations], "synthetic:30:1", ["mee-2024"], ["perfect"], 1,
                          tmp_path / "a", seed=3)
    before = (first.out / "runs.csv").read_bytes()
    moved = tmp_path / "b"
    first.out.rename(moved)
    again = replay.replay([observations], "synthetic:30:1", ["mee-2024"], ["perfect"], 1,
                          moved, seed=3, resume=True)
    assert (again.ran, again.resumed) == (0, len(first.runs))
    assert (moved / "runs.csv").read_bytes() == before


def test_resume_refuses_a_folder_of_other_inputs(observations, tmp_path):
    replay.replay([observations], "synthetic:30:1", ["mee-2024"], ["perfect"], 1,
                  tmp_path / "a", seed=3)
    with pytest.raises(ReplayInputError, match="holds a replay of other inputs"):
        replay.plan([observations], "synthetic:30:1", ["mee-2024"], ["perfect"], 1,
                    tmp_path / "a", seed=4, resume=True)
    unrelated = tmp_path / "papers"
    unrelated.mkdir()
    (unrelated / "thesis.docx").write_bytes(b"mine")
    with pytest.raises(ReplayInputError, match="not a replay folder"):
        replay.plan([observations], "synthetic:30:1", ["mee-2024"], ["perfect"], 1,
                    unrelated, seed=3, resume=True)
    assert [p.name for p in unrelated.iterdir()] == ["thesis.docx"]


@pytest.mark.parametrize(("region", "message"), [
    ("nowhere.toml", "nowhere.toml: region file not found"),
    ("runs/data/luohe_xuchang_region.toml", "no city of the region is replayed"),
])
def test_cli_bad_region_exits_2_with_one_line(basin, tmp_path, region, message):
    root, _ = basin
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(root / "obs.csv"), "--city",
                                 "太原,吕梁", "--inventory", "synthetic:10", "--region", region,
                                 "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_cli_region_counts_runs_per_city(basin, tmp_path):
    root, _ = basin
    result = RUNNER.invoke(app, ["replay", "--observations", str(root / "obs.csv"),
                                 "--inventory", "synthetic:30:3",
                                 "--region", str(basin_region(root)),
                                 "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["runs"], summary["ran"], summary["cities"]) == (4, 4, 4)


# -- replay options (--with) --------------------------------------------------------------------
OPTIONS = """
[[seasonal]]
start = "2023-11-15T00:00"
end = "2024-03-15T00:00"
cuts = { B = 1.0, C = 1.0, D = 1.0 }

[compliance]
enabled = true

[transport]
fleet = "synthetic"
"""


def test_options_carry_seasonal_compliance_and_trucks_through_the_city_path(observations,
                                                                           tmp_path):
    """A replay without --with is the plain city path; with it, every run carries the
    options: the seasonal floor raises the required cut, compliance reports it beside the
    achieved cut, and the truck gate adds its columns."""
    plain = replay.replay([observations], "synthetic:40:3", ["mee-2024"], ["perfect"], 1,
                          tmp_path / "plain", seed=11)
    path = tmp_path / "options.toml"
    path.write_text(OPTIONS, encoding="utf-8")
    carried = replay.replay([observations], "synthetic:40:3", ["mee-2024"], ["perfect"], 1,
                            tmp_path / "with", seed=11, options=path)
    assert list(plain.cuts.columns) == replay.CUT_COLUMNS
    cuts = carried.cuts
    assert {"required_cut_t", "transport_cut_t", "met_with_transport"} <= set(cuts.columns)
    keys = ["city", "alert_episode", "start", "pollutant"]
    before = plain.cuts.set_index(keys)
    after = cuts.set_index(keys).loc[before.index]
    # the seasonal floor (B, C, D stopped) asks at least what the alert asked, more in total
    assert (after.required_cut_t >= before.cut_t - 1e-9).all()
    assert after.required_cut_t.sum() > before.cut_t.sum()
    assert (after.cut_t <= after.required_cut_t + 1e-9).all()  # achieved ≤ required
    nox = cuts[cuts.pollutant == "NOx"]
    heavy = nox.level.isin(["orange", "red"])  # the national truck rules start at orange
    assert heavy.any() and (nox[heavy].transport_cut_t > 0).all()
    assert (nox[~heavy].transport_cut_t == 0).all()
    manifest = json.loads((tmp_path / "with" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"] == str(path.resolve())


def test_bad_options_file_is_one_line_before_anything_is_written(observations, tmp_path):
    path = tmp_path / "options.toml"
    path.write_text("[compliance]\nteams_per_county = -1\n", encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["replay", "--observations", str(observations), "--inventory",
                                 "synthetic:40:3", "--rules", "mee-2024", "--forecast",
                                 "perfect", "--with", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "key compliance.teams_per_county: value -1" in result.output
    assert not out.exists()
