"""The console: --json and --quiet per command, one-line errors, literal text, wide characters."""

import json
import re

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from enterprises.io import write_inventory
from enterprises.synthetic import synthesize_cities
from simulator.cli.app import app
from simulator.cli.common import fail
from simulator.cli.run import DEMO_SCENARIO

RUNNER = CliRunner()
FORECAST = DEMO_SCENARIO.parent / "data" / "luohe_2023-12_forecast.csv"
REGIONAL = DEMO_SCENARIO.parent / "regional-luohe-xuchang.toml"
MY_COMMANDS = ("run", "demo", "alerts", "validate", "synth", "report")


def invoke(*args: str, **env: str):
    return RUNNER.invoke(app, list(args), env=env or None)


def only_json(result) -> dict:
    """stdout must be one JSON document and nothing else."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo scenario run once with --json; the document and its run directory."""
    out = tmp_path_factory.mktemp("console") / "demo"
    return only_json(invoke("run", str(DEMO_SCENARIO), "--out", str(out), "--json",
                           "--no-report")), out


@pytest.fixture
def inventory_file(tmp_path):
    """A small synthetic list with Chinese city names and grades such as 非引领性."""
    return write_inventory(synthesize_cities(["漯河", "许昌"], 80, 3), tmp_path / "清单.csv")


# -- fail() ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["[red]清单.csv[/]: row 2", "value '[/]' — expected [0, 1]",
                                  r"C:\data\[bold]x"])
def test_fail_prints_user_text_literally(capsys, text):
    with pytest.raises(typer.Exit) as stop:
        fail(text)
    assert stop.value.exit_code == 2
    assert capsys.readouterr().err == f"error: {text}\n"


def test_file_name_with_markup_reaches_the_user_verbatim(tmp_path):
    path = tmp_path / "[bold]list[red].csv"
    path.write_text("id,name\nE1,a\n", encoding="utf-8")
    result = invoke("validate", str(path), "--json")
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()  # every problem at once, one line each
    assert lines[0].startswith("error: [bold]list[red].csv: row 1, column city")
    named = [line.removeprefix("error: ").startswith("[bold]list[red].csv: row 1")
             for line in lines]
    assert len(lines) > 1 and all(named)


# -- run and demo ---------------------------------------------------------------------------
def test_run_json_is_the_machine_readable_summary(demo_run):
    document, out = demo_run
    assert document["run_dir"] == str(out) and out.is_dir()
    assert document["city"] == "漯河" and document["seed"] == 20231218
    assert "episodes.csv" in document["files"]
    levels = [alert["level"] for alert in document["alerts"]]
    assert "orange" in levels
    orange = document["alerts"][levels.index("orange")]
    assert (orange["start"], orange["end"], orange["hours"]) == \
        ("2023-12-14 12:00", "2023-12-20 20:00", 152.0)  # 12-15 11:00, 129 h before issue 14
    rows = document["episodes"]
    assert {row["pollutant"] for row in rows} == {"SO2", "NOx", "PM", "VOCs"}
    for row in rows:
        assert row["baseline_t"] == pytest.approx(row["actual_t"] + row["cut_t"], abs=1e-5)
        assert row["met"] == (row["cut_pct"] >= row["target_pct"] - 1e-9)
    # orange must cut 20 % of the city-wide base (sources.md §2)
    assert {row["target_pct"] for row in rows if row["level"] == "orange"} == {20.0}


def test_run_quiet_prints_the_run_directory_only(tmp_path):
    out = tmp_path / "q"
    result = invoke("run", str(DEMO_SCENARIO), "--out", str(out), "--quiet", "--no-report")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"run directory: {out}\n"


def test_demo_takes_json_and_quiet(tmp_path):
    result = invoke("demo", "--out", str(tmp_path / "d"), "-q", "--no-report")
    assert result.stdout == f"run directory: {tmp_path / 'd'}\n"
    line = one_error_line(invoke("demo", "--json", "--quiet"))
    assert "--json and --quiet" in line


def test_run_error_with_json_is_one_line_on_stderr(tmp_path):
    line = one_error_line(invoke("run", str(tmp_path / "none.toml"), "--json"))
    assert "none.toml: scenario file not found" in line


def test_run_on_a_regional_file_points_to_regional(tmp_path):
    line = one_error_line(invoke("run", str(REGIONAL), "--out", str(tmp_path / "r")))
    assert "key scenario.cities" in line and "漯河" in line
    assert f"smogsim regional {REGIONAL}" in line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("table", "expected"), [
    ("[trasnport]\nrules = \"national\"\n", "key trasnport: unknown table — expected scenario"),
    ("[airquality]\nmode = \"rehearsal\"\n", "table [airquality]: read by regional runs only"),
])
def test_run_refuses_a_table_it_would_not_read(tmp_path, table, expected):
    scenario = tmp_path / "demo.toml"
    data = f'"{DEMO_SCENARIO.parent}/data/'
    text = DEMO_SCENARIO.read_text(encoding="utf-8").replace('"data/', data)
    scenario.write_text(text + "\n" + table, encoding="utf-8")
    line = one_error_line(invoke("run", str(scenario), "--out", str(tmp_path / "r")))
    assert expected in line and "demo.toml" in line
    assert not (tmp_path / "r").exists()


# -- alerts ---------------------------------------------------------------------------------
def test_alerts_json_and_quiet():
    document = only_json(invoke("alerts", "--observations", str(FORECAST), "--json"))
    assert set(document) == {"alerts", "gaps"}
    assert [a["level"] for a in document["alerts"]] == ["temporary", "orange", "temporary"]
    result = invoke("alerts", "--observations", str(FORECAST), "--quiet")
    assert result.stdout == ("3 alert window(s) in 漯河; highest orange (漯河) "
                             "12-14 12:00 → 12-20 20:00 (152 h)\n")


@pytest.mark.parametrize("extra", [["--format", "csv", "--json"], ["--format", "xml"],
                                   ["--forecast", "psychic", "--json"]])
def test_alerts_errors_are_one_line(extra):
    one_error_line(invoke("alerts", "--observations", str(FORECAST), *extra))


# -- validate and synth ---------------------------------------------------------------------
def test_validate_json_adds_up(inventory_file):
    document = only_json(invoke("validate", str(inventory_file), "--json"))
    assert document["valid"] is True and document["enterprises"] == 80
    assert [row["city"] for row in document["by_city"]] == ["漯河", "许昌"]
    for by in ("by_city", "by_industry", "by_grade"):
        assert sum(row["enterprises"] for row in document[by]) == 80
    so2 = [sum(row["SO2_t"] for row in document[by]) for by in ("by_city", "by_grade")]
    assert so2[0] == pytest.approx(so2[1], rel=1e-9)


def test_validate_quiet(inventory_file):
    result = invoke("validate", str(inventory_file), "-q")
    assert result.stdout == f"valid: {inventory_file} (80 enterprises)\n"


def test_synth_json_and_quiet(tmp_path):
    out = tmp_path / "basin.csv"
    document = only_json(invoke("synth", "--city", "太原", "-n", "100", "--seed", "2",
                                "--out", str(out), "--json"))
    assert document == {"file": str(out), "enterprises": 100, "cities": ["太原"], "seed": 2,
                        "headers": "en"}
    result = invoke("synth", "--city", "太原", "-n", "100", "--out", str(tmp_path / "b.csv"), "-q")
    assert result.stdout == f"{tmp_path / 'b.csv'}\n"
    bad = tmp_path / "basin.doc"
    assert "--out" in one_error_line(invoke("synth", "--city", "太原", "--out", str(bad), "--json"))
    assert not bad.exists()


# -- report ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_report_json_and_quiet(demo_run, tmp_path):
    _, run_dir = demo_run
    page = tmp_path / "page.html"
    document = only_json(invoke("report", str(run_dir), "--out", str(page), "--json"))
    assert document == {"run_dir": str(run_dir), "report": str(page),
                        "bytes": page.stat().st_size}
    result = invoke("report", str(run_dir), "--out", str(tmp_path / "p2.html"), "--quiet")
    assert result.stdout == f"{tmp_path / 'p2.html'}\n"
    assert "not found" in one_error_line(invoke("report", str(tmp_path / "none"), "--json"))


# -- help and layout ------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["", *MY_COMMANDS])
def test_help_has_a_one_line_example(command):
    result = invoke(*filter(None, [command]), "--help", COLUMNS="80")
    lines = [line.strip() for line in result.stdout.splitlines()]
    examples = [i for i, line in enumerate(lines) if line.startswith("Example: smogsim")]
    assert len(examples) == 1, result.stdout
    assert lines[examples[0] + 1] == ""  # the example did not wrap onto a second line


def table_blocks(text: str) -> list[list[str]]:
    """Consecutive lines drawn with box characters: one list per table."""
    blocks, current = [], []
    for line in text.splitlines():
        if re.match(r"^[┏┃┡│├└]", line):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def test_wide_characters_keep_tables_aligned_at_100_columns(inventory_file):
    outputs = [invoke("validate", str(inventory_file), COLUMNS="100").stdout,
               invoke("alerts", "--observations", str(FORECAST), COLUMNS="100").stdout]
    assert "非引领性" in outputs[0] and "许昌" in outputs[0] and "临时管控" in outputs[1]
    blocks = [block for text in outputs for block in table_blocks(text)]
    assert len(blocks) == 4
    for block in blocks:
        widths = {cell_len(line) for line in block}
        assert len(widths) == 1 and widths.pop() <= 100, block
        columns = {tuple(m.start() for m in re.finditer("[┃│]", _cells(line)))
                   for line in block if re.search("[┃│]", line)}
        assert len(columns) == 1, block  # every row's borders in the same terminal columns


def _cells(line: str) -> str:
    """The line with each double-width character widened to two cells."""
    return "".join(ch * cell_len(ch) for ch in line)
