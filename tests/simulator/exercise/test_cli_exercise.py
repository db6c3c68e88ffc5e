"""``smogsim exercise``: replay a saved exercise into a run directory; errors in one line."""

import json

import pandas as pd
from typer.testing import CliRunner

from simulator.cli.app import app
from simulator.exercise.io import open_exercise, save_exercise

RUNNER = CliRunner()


def saved(golden):
    ex = open_exercise(golden, "张三")
    ex.move_to("2023-12-13 10:00")
    ex.decide("upgrade", level="red")
    ex.step("consultation")
    path = golden.parent / "rehearsal.json"
    save_exercise(ex, path)
    return path


def test_exercise_writes_the_run_directory(golden, tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["exercise", str(saved(golden)), "--out", str(out),
                                 "--lang", "en", "--no-report"])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "1 by a person" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["alerts.csv", "audit.csv", "breakdown.csv", "decisions.csv",
                     "enterprises.csv", "episodes.csv", "manifest.json"]
    decisions = pd.read_csv(out / "decisions.csv", encoding="utf-8-sig")
    human = decisions[decisions["kind"] == "human"]
    assert human[["who", "action", "level", "trigger"]].values.tolist() == [
        ["张三", "upgrade", "red", "human"]]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exercise"] == {"who": "张三", "decisions": len(decisions), "human": 1}


def test_automatic_exercise_and_save(golden, tmp_path):
    out, file = tmp_path / "auto", tmp_path / "auto.json"
    result = RUNNER.invoke(app, ["exercise", str(golden), "--automatic", "--out", str(out),
                                 "--save", str(file), "--no-report", "--lang", "en"])
    assert result.exit_code == 0, result.output
    record = json.loads(file.read_text(encoding="utf-8"))
    assert {row["kind"] for row in record["decisions"]} == {"automatic"}
    again = RUNNER.invoke(app, ["exercise", str(file), "--out", str(tmp_path / "again"),
                                "--no-report"])
    assert again.exit_code == 0, again.output
    assert (out / "episodes.csv").read_bytes() == (tmp_path / "again" / "episodes.csv"
                                                   ).read_bytes()


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_errors_are_one_line_exit_2_and_write_nothing(golden, tmp_path):
    path = saved(golden)
    out = tmp_path / "out"
    line = one_line_error(RUNNER.invoke(app, ["exercise", str(tmp_path / "none.json"),
                                              "--out", str(out)]))
    assert "none.json" in line
    line = one_line_error(RUNNER.invoke(app, ["exercise", str(golden), "--out", str(out),
                                              "--lang", "en"]))
    assert "expected a smogsim exercise file" in line
    record = json.loads(path.read_text(encoding="utf-8"))
    record["decisions"][-1]["level"] = "purple"
    path.write_text(json.dumps(record), encoding="utf-8")
    line = one_line_error(RUNNER.invoke(app, ["exercise", str(path), "--out", str(out),
                                              "--lang", "en"]))
    assert "decision" in line and "purple" in line
    (golden.parent / "forecast.csv").write_text("time,city,daily_aqi\n", encoding="utf-8")
    one_line_error(RUNNER.invoke(app, ["exercise", str(path), "--out", str(out)]))
    assert not out.exists()
    out.mkdir()
    line = one_line_error(RUNNER.invoke(app, ["exercise", str(path), "--out", str(out),
                                              "--lang", "zh"]))
    assert "已存在" in line

