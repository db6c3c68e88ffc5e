"""Replay: episode detection, forecast adapter, run rows, runners agree, resume, CLI errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from alerts.io import load_ruleset
from alerts.levels import Level
from simulator import batch, replay
from simulator.cli import app

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
    # mee-2024 yellow: daily AQI > 200 for ≥ 1 h. Hours 100–109 are above 200, so the episode
    # is [100 - 48, 110 + 48) = hours [52, 158).
    daily = series((80.0, 100), (210.0, 10), (80.0, 200))
    [episode] = replay.detect_episodes(daily, [load_ruleset("mee-2024")], "漯河", 48)
    assert (episode.start, episode.end) == (T0 + 52 * HOUR, T0 + 158 * HOUR)
    assert episode.number == 1 and episode.city == "漯河"


def test_close_episodes_merge_and_the_margin_is_clipped_to_the_data():
    # Stretches at hours [10, 15) and [100, 105): padded by 48 h they are [0 (clipped), 63) and
    # [52, 153), which overlap, so they merge into one episode [0, 153).
    daily = series((80.0, 10), (210.0, 5), (80.0, 85), (210.0, 5), (80.0, 95))
    rules = [load_ruleset("mee-2024")]
    [merged] = replay.detect_episodes(daily, rules, margin_hours=48)
    assert (merged.start, merged.end) == (T0, T0 + 153 * HOUR)
    # With a 24 h margin they stay apart: [0, 39) and [76, 129).
    apart = replay.detect_episodes(daily, rules, margin_hours=24)
    assert [(e.start, e.end) for e in apart] == [(T0, T0 + 39 * HOUR),
                                                 (T0 + 76 * HOUR, T0 + 129 * HOUR)]
    assert [e.number for e in apart] == [1, 2]


def test_no_level_no_episode():
    assert replay.detect_episodes(series((95.0, 300)), [load_ruleset("mee-2024")]) == []


# -- forecast adapter ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "canonical"), [("perfect", "perfect"), ("late:06", "late:6"),
                                                 (" late:0 ", "late:0")])
def test_forecast_names(name, canonical):
    assert replay.parse_forecast(name) == canonical


@pytest.mark.parametrize("name", ["noisy", "late:", "late:-3", "late:1.5", ""])
def test_unknown_forecast_is_refused(name):
    with pytest.raises(replay.ReplayInputError, match="expected perfect or late:<hours>"):
        replay.parse_forecast(name)


def test_late_forecast_shifts_every_window_by_its_hours():
    daily = series((80.0, 100), (210.0, 60), (80.0, 100))
    rules = load_ruleset("mee-2024")
    perfect = replay.forecast_windows(daily, rules, "漯河", "perfect")
    late = replay.forecast_windows(daily, rules, "漯河", "late:12")
    assert perfect and len(late) == len(perfect)
    for p, q in zip(perfect, late, strict=True):
        assert (q.level, q.start, q.end, q.issued_at) == (
            p.level, p.start + 12 * HOUR, p.end + 12 * HOUR, p.issued_at + 12 * HOUR)


def test_coverage_counts_the_hours_a_late_alert_misses():
    # mee-2024: 100 h at 80 (none), 60 h at 210 (> 200 for ≥ 48 h: orange), 100 h at 80.
    # A perfect forecast covers all 60 observed hours; 12 h late, the first 12 are missed.
    daily = series((80.0, 100), (210.0, 60), (80.0, 100))
    rules = load_ruleset("mee-2024")
    start, end = T0, T0 + 260 * HOUR
    perfect = replay.forecast_windows(daily, rules, "漯河", "perfect")
    late = replay.forecast_windows(daily, rules, "漯河", "late:12")
    assert replay.coverage(daily, rules, perfect, start, end) == (60.0, 0.0)
    assert replay.coverage(daily, rules, late, start, end) == (60.0, 12.0)
    assert replay.coverage(daily, rules, [], start, end) == (60.0, 60.0)


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
    keys = dict(zip(replay.KEY_COLUMNS, task.sort_key, strict=True))
    row = replay.run_row(keys, task, pd.DataFrame(rows), alerts=2).iloc[0]
    assert row["hours"] == 48.0 and row["alert_hours"] == 40.0
    assert (row["hours_yellow"], row["hours_orange"], row["hours_red"]) == (10.0, 30.0, 0.0)
    assert row["peak_level"] == "orange"
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
    # Replicates differ only in their generator; nothing in the engine draws from it yet.
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


def test_serial_replay_tables(reference):
    _, result = reference
    check_tables(result)
    assert result.ran == 16 and result.resumed == 0
    late = result.cuts[result.cuts.forecast == "late:6"].reset_index(drop=True)
    perfect = result.cuts[result.cuts.forecast == "perfect"].reset_index(drop=True)
    assert (late.start - perfect.start == 6 * HOUR).all()  # the response starts 6 h later
    assert (result.out / "runs.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(("engine", "workers"), [("processes", 2), ("dask", 2)])
def test_runners_give_identical_tables(reference, tmp_path, engine, workers):
    root, serial = reference
    result = small_replay(root / "obs.csv", tmp_path / engine, engine=engine, workers=workers)
    for name in OUTPUTS:
        assert (result.out / name).read_bytes() == (serial.out / name).read_bytes(), name


def test_interrupted_replay_resumes_to_the_same_tables(reference, tmp_path, monkeypatch):
    root, full = reference
    plan = replay.plan([root / "obs.csv"], "synthetic:40:3", ["mee-2024", "mee-2019"],
                       ["perfect", "late:6"], 2, tmp_path / "out", seed=11)
    monkeypatch.setenv(batch.FAIL_ENV, plan.tasks[5].key)
    with pytest.raises(batch.BatchError, match="rerun with --resume"):
        small_replay(root / "obs.csv", tmp_path / "out")
    parts = tmp_path / "out" / "parts"
    finished = [t for t in plan.tasks if batch.read_marker(parts, t) is not None]
    assert finished == list(plan.tasks[:5])  # serial runner: the five before the failure
    stamps = {p: p.stat().st_mtime_ns for p in parts.iterdir()}
    assert not (tmp_path / "out" / "runs.parquet").exists()

    monkeypatch.delenv(batch.FAIL_ENV)
    with pytest.raises(replay.ReplayInputError, match="pass --resume"):
        small_replay(root / "obs.csv", tmp_path / "out")
    resumed = small_replay(root / "obs.csv", tmp_path / "out", resume=True)
    assert (resumed.ran, resumed.resumed) == (11, 5)
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items())  # untouched
    for name in OUTPUTS:
        assert (resumed.out / name).read_bytes() == (full.out / name).read_bytes(), name


def test_corrupt_and_truncated_parts_are_rerun(reference, tmp_path):
    root, full = reference
    first = small_replay(root / "obs.csv", tmp_path / "out")
    tasks = replay.plan([root / "obs.csv"], "synthetic:40:3", ["mee-2024", "mee-2019"],
                        ["perfect", "late:6"], 2, tmp_path / "out", seed=11, resume=True).tasks
    parts = first.out / "parts"
    corrupt = batch.part_paths(parts, tasks[3])["cuts"]
    data = corrupt.read_bytes()
    corrupt.write_bytes(data[:100] + b"\x00" * 16 + data[116:])
    truncated = batch.part_paths(parts, tasks[9])["runs"]
    truncated.write_bytes(truncated.read_bytes()[:-40])
    again = small_replay(root / "obs.csv", tmp_path / "out", resume=True)
    assert (again.ran, again.resumed) == (2, 14)
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
        "cuts.parquet", "inputs", "manifest.json", "parts", "runs.csv", "runs.parquet",
        "timings.csv"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs.forecast) == {"perfect", "late:24"} and set(runs.city) == {"漯河", "许昌"}
    assert set(runs.peak_level) <= {lv.id for lv in Level}


@pytest.mark.parametrize(("args", "message"), [
    (["--rules", "mee-1999"], "mee-1999: rule set not found"),
    (["--forecast", "perfect,crystal-ball"], "--forecast: value 'crystal-ball'"),
    (["--inventory", "missing.csv"], "missing.csv: inventory file not found"),
    (["--inventory", "synthetic:10x"], "expected a CSV file or synthetic:<N>[:seed]"),
    (["--observations", "nowhere.csv"], "nowhere.csv: observations file not found"),
    (["--replicates", "0"], "--replicates: value 0"),
    (["--engine", "spark"], "--engine: value 'spark'"),
    (["--city", "北京"], "--city: value '北京' — not in the observations"),
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
    assert rows["perfect"]["alert_hours"] == rows["late:24"]["alert_hours"] > 0
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
