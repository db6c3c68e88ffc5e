"""The exercise: the automatic run is the all-accept exercise, a hand-computed golden
exercise, one-line errors, save and load, and properties over random decisions."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.levels import Level
from simulator.city.run import run_scenario
from simulator.cli.run import DEMO_SCENARIO
from simulator.exercise import Exercise, ExerciseError
from simulator.exercise.io import export_run, load_exercise, open_exercise, save_exercise
from simulator.io.inputs import load_scenario
from simulator.io.rundir import write_tables

T = pd.Timestamp
TABLES = ("alerts.csv", "episodes.csv", "audit.csv", "enterprises.csv", "breakdown.csv")


def play_golden(ex: Exercise) -> Exercise:
    """Accept the orange (the yellow announced before the exercise raised), upgrade to red
    at the next consultation, accept the lifecycle's downgrade a day later, let the rest run."""
    assert ex.log[0]["action"] == "issue" and ex.log[0]["level"] == "yellow"  # 12-11 10:00
    ex.step("consultation")
    assert ex.clock == T("2023-12-12 10:00")
    proposal = ex.proposal()
    assert (proposal.action, proposal.level, proposal.start) == (
        "upgrade", Level.ORANGE, T("2023-12-13 01:00"))
    ex.accept()
    ex.step("consultation")
    ex.decide("upgrade", level="red", note="the forecast is too kind")
    ex.step("consultation")
    proposal = ex.proposal()
    assert (proposal.action, proposal.level, proposal.start) == (
        "downgrade", Level.ORANGE, T("2023-12-14 10:00"))
    ex.accept("李四")
    ex.step("end")
    return ex


def test_stepping_to_the_end_is_the_automatic_run(golden):
    ex = open_exercise(golden, "张三")
    ex.step("end")
    auto = run_scenario(load_scenario(golden))
    pd.testing.assert_frame_equal(ex.result().result.episodes, auto.result.episodes)
    assert [row["kind"] for row in ex.log] == ["automatic"] * 3
    assert [row["action"] for row in ex.log] == ["issue", "upgrade", "lift"]


@pytest.mark.slow
def test_accepting_every_proposal_gives_smogsim_runs_bytes_on_the_demo(tmp_path):
    ex = open_exercise(DEMO_SCENARIO, "张三")
    accepted = 0
    while not ex.finished:
        if ex.proposal() is not None:
            ex.accept()
            accepted += 1
        ex.step("consultation")
    assert accepted == 3 and {row["kind"] for row in ex.log} == {"accepted"}
    export_run(ex, tmp_path / "ex", "en")
    run = run_scenario(load_scenario(DEMO_SCENARIO))
    write_tables(tmp_path / "run", run.named_tables("en"), run.manifest("run"))
    for name in (*TABLES, "transport.csv", "transport_summary.csv"):
        assert (tmp_path / "ex" / name).read_bytes() == (tmp_path / "run" / name).read_bytes()
    decisions = pd.read_csv(tmp_path / "ex" / "decisions.csv", encoding="utf-8-sig")
    assert decisions["trigger"].tolist() == ["forecast"] * 3


def test_golden_upgrade_to_red_for_a_day(golden):
    ex = play_golden(open_exercise(golden, "张三"))
    windows = [(w.level, w.start, w.end, w.trigger) for w in ex.windows()]
    assert windows == [
        (Level.ORANGE, T("2023-12-13 01:00"), T("2023-12-13 10:00"), "forecast"),
        (Level.RED, T("2023-12-13 10:00"), T("2023-12-14 10:00"), "human"),
        (Level.ORANGE, T("2023-12-14 10:00"), T("2023-12-17 12:00"), "forecast")]
    episodes = ex.result().result.episodes
    so2 = episodes[episodes["pollutant"] == "SO2"].set_index("level")
    # red, 24 h: E1 (B) and E2 (C) stop, E3 (A) self-determines: cut 0.15 t/h of 0.175
    assert so2.loc["red", "hours"] == 24
    assert so2.loc["red", "baseline_t"] == pytest.approx(0.175 * 24)
    assert so2.loc["red", "cut_t"] == pytest.approx(0.15 * 24)
    assert so2.loc["red", "cut_pct"] == pytest.approx(100 * 0.15 / 0.175)
    assert so2.loc["red", "target_pct"] == 30
    # orange, 9 h + 74 h: E1 limits 20 %, E2 stops: 0.07 t/h
    assert so2.loc["orange", "cut_t"].sum() == pytest.approx(0.07 * 83)
    rows = {row["action"]: row for row in ex.log}
    assert (rows["upgrade"]["kind"], rows["upgrade"]["who"]) == ("human", "张三")
    assert (rows["downgrade"]["kind"], rows["downgrade"]["who"]) == ("accepted", "李四")
    comparison = {(r["measure"], r["key"]): r for r in ex.comparison("en")}
    assert comparison["cut_t", "SO2"]["exercise"] == pytest.approx(0.15 * 24 + 0.07 * 83, abs=0.01)
    assert comparison["cut_t", "SO2"]["automatic"] == pytest.approx(0.07 * 107, abs=0.01)
    assert comparison["alert_hours", "red"]["difference"] == 24


def test_state_so_far_at_the_clock(golden):
    ex = open_exercise(golden, "张三")
    ex.move_to("2023-12-13 10:00")
    ex.decide("upgrade", level="red")
    ex.move_to("2023-12-13 16:00")
    state = ex.state("zh")
    assert state["alert"]["level"] == "red" and state["alert"]["trigger"] == "human"
    assert state["alert"]["who"] == "张三" and state["alert"]["level_name"] == "红色预警"
    so2 = next(row for row in state["cuts"] if row["pollutant"] == "SO2")
    assert (so2["level"], so2["baseline_t"], so2["cut_t"]) == ("red", 1.05, 0.9)  # 6 h
    assert so2["met"] is True and so2["pollutant_name"] == "二氧化硫"
    responses = {row["id"]: row["response"] for row in state["enterprises"]}
    assert responses == {"E1": "stopped", "E2": "stopped", "E3": "normal"}
    places = {row["id"]: (row["lon"], row["lat"]) for row in state["enterprises"]}
    assert places == {"E1": (113.97, 33.58), "E2": (None, None), "E3": (113.6, 33.45)}
    assert [row["enterprises"] for row in state["tally"]] == [1, 2]
    assert state["trucks_blocked"] is None  # no truck gate in this scenario
    assert [day["date"] for day in state["forecast"]][:2] == ["2023-12-13", "2023-12-14"]
    assert state["log"][-1]["action_name"] == "升级"


@pytest.mark.parametrize(("setup", "call", "key"), [
    (("2023-12-17 12:00",), lambda ex: ex.decide("upgrade", level="red"), "no_alert"),
    ((), lambda ex: ex.decide("issue", level="purple"), "bad_level"),
    ((), lambda ex: ex.decide("issue"), "level_needed"),
    ((), lambda ex: ex.decide("issue", level="red", start="2023-12-11 00:00"), "in_the_past"),
    ((), lambda ex: ex.decide("issue", level="red", start="2023-12-12 00:30"), "not_whole_hour"),
    (("2023-12-18 00:00",), lambda ex: ex.decide("lift"), "no_alert"),
    ((), lambda ex: ex.decide("postpone"), "bad_action"),
    ((), lambda ex: ex.accept(), "not_consultation"),
    ((), lambda ex: ex.step("minute"), "bad_step"),
    ((), lambda ex: ex.dispatch("海淀区", 2), "bad_county"),
    ((), lambda ex: ex.dispatch("临颍县", -1), "bad_teams"),
    ((), lambda ex: ex.set_linkage(False), "no_region"),
    (("2023-12-13 10:00",), lambda ex: ex.decide("upgrade", level="yellow"), "not_higher"),
    (("2023-12-13 10:00",), lambda ex: ex.decide("downgrade", level="red"), "not_lower"),
    (("2023-12-13 10:00",), lambda ex: ex.decide("issue", level="red"), "alert_exists"),
    (("2023-12-13 10:00",), lambda ex: ex.decide("extend", end="2023-12-15 00:00"),
     "already_open"),
    (("2023-12-16 11:00",), lambda ex: ex.decide("extend", end="2023-12-17 00:00"),
     "not_later"),
    (("2023-12-16 11:00",), lambda ex: ex.decide("lift", end="2023-12-18 00:00"),
     "not_earlier"),
    (("2023-12-13 10:00",), lambda ex: ex.decide("shift", start="2023-12-13 12:00"),
     "already_started"),
    (("2023-12-20 00:00",), lambda ex: ex.step(), "finished"),
])
def test_invalid_decisions_are_one_line_errors(golden_setup, setup, call, key):
    ex = Exercise(golden_setup, "张三")
    for when in setup:
        ex.move_to(when)
    with pytest.raises(ExerciseError) as caught:
        call(ex)
    assert caught.value.key == key
    for lang in ("en", "zh"):
        line = caught.value.message(lang)
        assert line and "\n" not in line and "{" not in line


def test_a_refused_decision_changes_nothing(golden_setup):
    ex = Exercise(golden_setup, "张三")
    ex.move_to("2023-12-13 10:00")
    before = ex.windows()
    with pytest.raises(ExerciseError):
        ex.decide("downgrade", level="red")
    assert ex.windows() == before and ex.log[-1]["kind"] == "automatic"


def test_lift_shift_and_extend(golden_setup):
    ex = Exercise(golden_setup, "张三")
    ex.move_to("2023-12-12 10:00")
    ex.decide("lift")  # the yellow announced before the exercise
    ex.decide("issue", level="yellow", start="2023-12-12 18:00", end="2023-12-13 18:00")
    ex.decide("shift", start="2023-12-12 12:00")
    ex.decide("extend", end="2023-12-14 06:00")
    ex.move_to("2023-12-12 20:00")
    ex.decide("lift", end="2023-12-13 02:00")
    alerts = [(w.level, w.start, w.end) for w in ex.windows() if w.level >= Level.YELLOW]
    assert alerts == [(Level.YELLOW, T("2023-12-12 12:00"), T("2023-12-13 02:00"))]
    assert [row["kind"] for row in ex.log] == ["automatic"] + ["human"] * 5


def test_an_alert_not_started_is_called_off(golden_setup):
    ex = Exercise(golden_setup, "张三")
    ex.step("consultation")
    ex.accept()  # orange announced from 12-13 01:00
    ex.step("hour")
    ex.decide("lift")
    assert not [w for w in ex.windows() if w.level >= Level.YELLOW]
    assert len(ex.tiers[0].cancelled) == 1


def test_save_load_gives_the_same_bytes(golden, tmp_path):
    ex = play_golden(open_exercise(golden, "张三"))
    ex_file = golden.parent / "rehearsal.json"
    save_exercise(ex, ex_file)
    again = load_exercise(ex_file)
    assert again.log == ex.log and again.clock == ex.clock
    export_run(ex, tmp_path / "a", "zh")
    export_run(again, tmp_path / "b", "zh")
    for name in (*TABLES, "decisions.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    record = ex.record()
    assert record["seed"] == 1 and record["who"] == "张三"
    assert all(v is not None for row in record["decisions"] for v in row.values())


def test_load_refuses_a_changed_input(golden):
    ex = play_golden(open_exercise(golden, "张三"))
    ex_file = golden.parent / "rehearsal.json"
    save_exercise(ex, ex_file)
    forecast = golden.parent / "forecast.csv"
    forecast.write_text(forecast.read_text(encoding="utf-8").replace("250.0", "260.0"),
                        encoding="utf-8")
    with pytest.raises(ExerciseError) as caught:
        load_exercise(ex_file)
    assert caught.value.key == "changed_input" and "forecast" in str(caught.value)


def test_same_seed_same_decisions_same_bytes(golden, tmp_path):
    for name in ("a", "b"):
        export_run(play_golden(open_exercise(golden, "张三")), tmp_path / name, "en")
    for name in (*TABLES, "decisions.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# -- properties over random decision sequences ------------------------------------------------
LEVELS = ("yellow", "orange", "red")
ACTION = st.one_of(
    st.tuples(st.just("accept")),
    st.tuples(st.sampled_from(["issue", "upgrade", "downgrade"]), st.sampled_from(LEVELS),
              st.integers(0, 30), st.one_of(st.none(), st.integers(1, 72))),
    st.tuples(st.sampled_from(["extend", "lift", "shift"]), st.none(), st.integers(0, 30),
              st.one_of(st.none(), st.integers(1, 72))),
)
PLAY = st.lists(st.tuples(st.integers(0, 30), ACTION), max_size=8)


def play_random(ex: Exercise, moves) -> Exercise:
    """Advance the clock and try each move; a refused one is skipped."""
    for hours, move in moves:
        if ex.finished:
            break
        ex.move_to(min(ex.clock + hours * pd.Timedelta(hours=1), ex.end))
        if ex.finished:
            break
        try:
            if move[0] == "accept":
                ex.accept()
            else:
                action, level, after, length = move
                start = ex.clock + after * pd.Timedelta(hours=1) if after else None
                end = (start or ex.clock) + length * pd.Timedelta(hours=1) if length else None
                ex.decide(action, level=level, start=start, end=end)
        except ExerciseError:
            pass
    if not ex.finished:
        ex.step("end")
    return ex


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=PLAY)
def test_any_exercise_conserves_tonnes_and_a_higher_level_emits_no_more(golden_setup, moves):
    from dataclasses import replace

    from simulator.city.run import simulate_city
    from simulator.core.rng import make_rng

    ex = play_random(Exercise(golden_setup, "张三"), moves)
    result = ex.result().result
    episodes = result.episodes
    assert np.allclose(episodes.baseline_t, episodes.actual_t + episodes.cut_t, atol=1e-9)
    tonnes = result.enterprise_tonnes
    for p in ("SO2", "NOx", "PM", "VOCs"):
        assert np.allclose(tonnes[f"{p}_baseline_t"], tonnes[f"{p}_actual_t"]
                           + tonnes[f"{p}_cut_t"], atol=1e-9)
    windows = ex.windows()
    assert all(a.end <= b.start for a, b in itertools.pairwise(windows))
    # every window one level higher (red stays red): no plant emits more
    higher = tuple(replace(w, level=Level(min(int(w.level) + 1, int(Level.RED))))
                   for w in windows if w.level >= Level.YELLOW)
    inputs = replace(golden_setup.inputs, windows=higher)
    raised = simulate_city(inputs, make_rng(1, "漯河")).result.enterprise_tonnes
    base = replace(golden_setup.inputs, windows=tuple(w for w in windows
                                                       if w.level >= Level.YELLOW))
    mine = simulate_city(base, make_rng(1, "漯河")).result.enterprise_tonnes
    assert (raised["SO2_actual_t"].to_numpy() <= mine["SO2_actual_t"].to_numpy() + 1e-9).all()


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(moves=PLAY)
def test_an_exported_exercise_is_a_run_directory_smogsim_report_reads(golden_setup, tmp_path,
                                                                      moves):
    from typer.testing import CliRunner

    from simulator.cli.app import app

    ex = play_random(Exercise(golden_setup, "张三"), moves)
    out = tmp_path / f"run-{len(list(tmp_path.iterdir()))}"
    export_run(ex, out, "zh")
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (Path(out) / "report.html").is_file()
