"""The command line end to end: demo scenario, run directory, bad input."""

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli.app import app
from simulator.cli.run import DEMO_SCENARIO

RUNNER = CliRunner()


@pytest.fixture
def scenario_copy(demo_copy):
    return demo_copy


@pytest.mark.slow
def test_run_writes_the_run_directory(scenario_copy, tmp_path):
    out = tmp_path / "out" / "r1"
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Alert timeline" in result.output and "Episode 1 — orange" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alerts.csv", "audit.csv", "breakdown.csv", "enterprises.csv", "episodes.csv",
        "manifest.json", "report.html", "transport.csv", "transport_summary.csv"]
    alerts = pd.read_csv(out / "alerts.csv", encoding="utf-8-sig")
    assert "orange" in set(alerts.level)
    # the primary pollutant follows the other id columns; the name columns stay last
    assert list(alerts.columns[8:]) == ["reason", "primary_pollutant", "reason_text",
                                        "level_name"]
    assert (out / "alerts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    episodes = pd.read_csv(out / "episodes.csv", encoding="utf-8-sig")
    assert set(episodes.pollutant) == {"SO2", "NOx", "PM", "VOCs"}
    assert (episodes.baseline_t - episodes.actual_t - episodes.cut_t).abs().max() < 1e-5
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 20231218
    assert set(manifest["inputs"]) == {"scenario", "inventory", "forecast"}
    assert all(v.startswith("sha256:") for v in manifest["inputs"].values())


def test_no_report_writes_the_tables_only(scenario_copy, tmp_path):
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out), "-q",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not (out / "report.html").exists() and "report.html" not in manifest["files"]
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir()
                                               if p.name != "manifest.json")


@pytest.mark.slow
def test_same_seed_same_bytes(scenario_copy, tmp_path):
    for name in ("a", "b"):
        assert RUNNER.invoke(app, ["run", str(scenario_copy), "--out",
                                   str(tmp_path / name), "-q", "--no-report"]).exit_code == 0
    for file in ("alerts.csv", "episodes.csv", "audit.csv", "enterprises.csv", "breakdown.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("grade", "E", "column grade: value 'E'"),
        ("so2_t", "-1.5", "column so2_t: value '-1.5'"),
    ],
)
def test_bad_inventory_row_exits_2_without_run_directory(scenario_copy, tmp_path, column,
                                                         value, message):
    inventory = scenario_copy.parent / "data" / "luohe_inventory.csv"
    frame = pd.read_csv(inventory, encoding="utf-8-sig", dtype=str)
    frame.loc[4, column] = value  # data row 5 is spreadsheet row 6 (the header is row 1)
    frame.to_csv(inventory, index=False, encoding="utf-8-sig")
    out = tmp_path / "out" / "bad"
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "luohe_inventory.csv" in lines[0] and "row 6" in lines[0] and message in lines[0]
    assert not (tmp_path / "out").exists()  # nothing written, not even the parent


def test_missing_column_exits_2(scenario_copy, tmp_path):
    inventory = scenario_copy.parent / "data" / "luohe_inventory.csv"
    frame = pd.read_csv(inventory, encoding="utf-8-sig", dtype=str).drop(columns=["grade"])
    frame.to_csv(inventory, index=False, encoding="utf-8-sig")
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "column grade" in result.output and "luohe_inventory.csv" in result.output
    assert not (tmp_path / "x").exists()


def test_existing_run_directory_is_never_overwritten(scenario_copy, tmp_path):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "precious.txt").write_text("earlier work")
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out)])
    assert result.exit_code == 2
    assert (out / "precious.txt").read_text() == "earlier work"
    assert sorted(p.name for p in out.iterdir()) == ["precious.txt"]


def test_bad_scenario_value_is_one_line(scenario_copy, tmp_path):
    text = scenario_copy.read_text(encoding="utf-8").replace(
        'start = "2023-12-12T00:00"', 'start = "twelfth of December"')
    scenario_copy.write_text(text, encoding="utf-8")
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "scenario.start" in result.output and "twelfth of December" in result.output


def test_demo_scenario_file_is_in_the_repository():
    assert Path(DEMO_SCENARIO).is_file()


def test_run_without_area_sources_warns_and_labels_the_cut_of_the_list(scenario_copy, tmp_path):
    """No [area_sources]: the base is the list alone (not sources.md §2's city-wide base), so
    the run says so on stderr, in the episode tables' header, the manifest and the report."""
    text = scenario_copy.read_text(encoding="utf-8")
    kept = [block for block in text.split("\n[") if not block.startswith("area_sources.")]
    scenario_copy.write_text("\n[".join(kept), encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: no [area_sources] in" in result.output
    assert "cut % is of the list" in result.output
    assert "cut % of list" in result.output  # the episode table's column
    assert "City-wide base = " not in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cut_base"] == "list"
    if (out / "report.html").exists():  # the report needs the optional matplotlib
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "cut % is of the list, not of the city-wide base" in page
    demo = RUNNER.invoke(app, ["run", str(DEMO_SCENARIO), "--out", str(tmp_path / "d"), "-q",
                               "--no-report"])
    assert "warning" not in demo.output
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cut_base"] == "city-wide"


@pytest.mark.parametrize(("argv", "where", "says"), [
    (["run"], "smogsim run", "Missing argument 'scenario'"),
    (["run", "runs/demo.toml", "--seeed", "1"], "smogsim run", "No such option: --seeed"),
    (["replay", "--workers", "two"], "smogsim replay", "Invalid value for '--workers'"),
])
def test_usage_mistakes_are_one_line_with_exit_2(capsys, argv, where, says):
    from simulator.cli.app import main

    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {where}: ") and says in err
    assert f"(see '{where} --help')" in err


def test_bare_smogsim_prints_the_help_and_exits_2(capsys):
    from simulator.cli.app import main

    with pytest.raises(SystemExit) as ended:
        main([])
    assert ended.value.code == 2
    assert "Usage: smogsim" in capsys.readouterr().out
