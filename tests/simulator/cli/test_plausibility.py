"""Implausible input stops `smogsim run` with one line naming file, key or column, and value
(exit code 2, nothing written): overflowing emissions, NaN/inf area sources, a period outside
the forecast, a forecast without PM2.5, a city listed twice in a region, control characters in
an id, a list with a header only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli.app import app

RUNNER = CliRunner()


def _inventory_cell(scenario: Path, column: str, value: str) -> None:
    path = scenario.parent / "data" / "luohe_inventory.csv"
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame.loc[0, column] = value  # data row 1 is spreadsheet row 2
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def _header_only(scenario: Path) -> None:
    path = scenario.parent / "data" / "luohe_inventory.csv"
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8-sig")


def _replace(scenario: Path, old: str, new: str) -> None:
    text = scenario.read_text(encoding="utf-8")
    assert old in text
    scenario.write_text(text.replace(old, new, 1), encoding="utf-8")


def _no_pm25(scenario: Path) -> None:
    path = scenario.parent / "data" / "luohe_2023-12_forecast.csv"
    frame = pd.read_csv(path, encoding="utf-8-sig").drop(columns=["PM2.5"])
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def _region_twice(scenario: Path) -> None:
    region = scenario.parent / "data" / "dup_region.toml"
    city = '[[city]]\nname = "漯河"\nneighbours = ["许昌"]\n\n[[city]]\nname = "许昌"\n\n'
    region.write_text(city + '[[city]]\nname = "漯河"\n', encoding="utf-8")
    scenario.write_text(scenario.read_text(encoding="utf-8")
                        + '\n[region]\nfile = "data/dup_region.toml"\n', encoding="utf-8")


CASES = {
    "emission 1e308": (
        lambda s: _inventory_cell(s, "so2_t", "1e308"),
        ["luohe_inventory.csv", "row 2, column so2_t: value '1e308'",
         "a number of t/a in [0, 200,000]"]),
    "emission above any plant": (
        lambda s: _inventory_cell(s, "nox_t", "250000"),
        ["luohe_inventory.csv", "row 2, column nox_t: value '250000'"]),
    "NUL in an id": (  # a NUL byte makes the whole file binary to the text reader
        lambda s: _inventory_cell(s, "id", "LH\x0001"),
        ["luohe_inventory.csv", "not a text file"]),
    "escape character in an id": (
        lambda s: _inventory_cell(s, "id", "LH\x1b01"),
        ["luohe_inventory.csv", "row 2, column id: value 'LH\\x1b01'",
         "text without control characters"]),
    "line break in a county": (
        lambda s: _inventory_cell(s, "county", "临颍\n县"),
        ["luohe_inventory.csv", "row 2, column county: value '临颍\\n县'",
         "text without control characters"]),
    "header only": (
        _header_only,
        ["luohe_inventory.csv", "value 'header only'", "at least one enterprise row"]),
    "area source nan": (
        lambda s: _replace(s, "so2_t = 30.0", "so2_t = nan"),
        ["demo.toml", "key area_sources.mobile.so2_t: value nan",
         "expected a number of t/a in [0, 2000000]"]),
    "area source inf": (
        lambda s: _replace(s, "pm_t = 2500.0", "pm_t = inf"),
        ["key area_sources.dust.pm_t: value inf"]),
    "area source 1e308": (
        lambda s: _replace(s, "nox_t = 8000.0", "nox_t = 1e308"),
        ["key area_sources.mobile.nox_t: value 1e+308"]),
    "period outside the forecast": (
        lambda s: (_replace(s, 'start = "2023-12-12T00:00"', 'start = "2024-03-01T00:00"'),
                   _replace(s, 'end = "2023-12-24T00:00"', 'end = "2024-03-05T00:00"')),
        ["luohe_2023-12_forecast.csv", "column time: 2023-12-10 00:00 to 2023-12-25 23:00",
         "scenario.start 2024-03-01 00:00 to scenario.end 2024-03-05 00:00"]),
    "forecast without PM2.5": (
        _no_pm25,
        ["luohe_2023-12_forecast.csv", "city 漯河: column PM2.5: missing",
         "or a daily_aqi column"]),
    "a city twice in the region": (
        _region_twice,
        ["dup_region.toml", "key city[2].name: value '漯河'", "each city once"]),
    "control character in the scenario's city": (
        lambda s: _replace(s, 'city = "漯河"', 'city = "漯\\u0007河"'),
        ["key scenario.city", "text without control characters"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_implausible_input_exits_2_with_one_line(demo_copy, tmp_path, case):
    spoil, parts = CASES[case]
    spoil(demo_copy)
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["run", str(demo_copy), "--out", str(out), "--no-report"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for part in parts:
        assert part in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_period_partly_outside_the_forecast_runs_with_a_note(demo_copy, tmp_path):
    # the demo's forecast ends 2023-12-25 23:00; two more days of period are 48 of 16 × 24 h
    _replace(demo_copy, 'end = "2023-12-24T00:00"', 'end = "2023-12-28T00:00"')
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["run", str(demo_copy), "--out", str(out), "--no-report",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: {demo_copy.parent / 'data' / 'luohe_2023-12_forecast.csv'}: column time: "
        "2023-12-10 00:00 to 2023-12-25 23:00 — 48 of the scenario's 384 hours "
        "(2023-12-12 00:00 to 2023-12-28 00:00) lie outside the forecast; no alert can be "
        "issued in them"], result.stderr
    assert (out / "episodes.csv").is_file()
