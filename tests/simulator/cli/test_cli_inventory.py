"""``smogsim validate`` and ``smogsim synth``; scenario keys and their generated reference."""

import tomllib

import pandas as pd
import pytest
from typer.testing import CliRunner

from enterprises.io import load_inventory
from enterprises.synthetic import synthesize_cities
from simulator.cli.app import app
from simulator.cli.run import DEMO_SCENARIO
from simulator.io.inputs import build_inputs, load_scenario
from simulator.spec import schema as scenario_schema
from simulator.spec.scenario import ScenarioError
from simulator.spec.schema import FILE, REGIONAL_FILE, default, reference
from simulator.spec.validate import walk

RUNNER = CliRunner()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_synth_then_validate(tmp_path, suffix):
    out = tmp_path / f"basin{suffix}"
    result = RUNNER.invoke(app, ["synth", "--city", "太原", "--city", "晋中", "--enterprises",
                                 "120", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_inventory(out).equals(synthesize_cities(["太原", "晋中"], 120, 4))
    result = RUNNER.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "120 enterprises" in result.output
    for title in ("by city", "by industry", "by grade"):
        assert f"Base emissions {title}" in result.output
    assert "太原" in result.output and "coking" in result.output


def test_synth_chinese_headers(tmp_path):
    out = tmp_path / "清单.csv"
    result = RUNNER.invoke(app, ["synth", "--city", "漯河", "-n", "100", "--out", str(out),
                                 "--chinese-headers"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("企业编号,企业名称")
    assert len(load_inventory(out)) == 100


@pytest.mark.parametrize(("args", "message"), [
    (["--city", "郑州"], "no synthetic profile for city '郑州'"),
    (["--city", "漯河", "--enterprises", "-5"], "option --enterprises: value -5"),
    (["--city", "漯河", "--enterprises", "0"], "expected a whole number from 100 to 300 000"),
    (["--city", "漯河", "-n", "1000000"], "option --enterprises: value 1000000"),
    (["--city", "漯河", "--seed", "-1"], "option --seed: value -1"),
])
def test_synth_bad_arguments_exit_2(tmp_path, args, message):
    out = tmp_path / "x.csv"
    result = RUNNER.invoke(app, ["synth", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_validate_bad_file_is_one_line(tmp_path):
    frame = synthesize_cities(["漯河"], 20, 1).to_frame()
    frame["lines"] = frame["lines"].astype(object)
    frame.loc[6, "lines"] = "zwei"
    path = tmp_path / "list.xlsx"
    frame.to_excel(path, index=False, sheet_name="清单")
    result = RUNNER.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "list.xlsx: sheet 清单, row 8, column lines: value 'zwei'" in lines[0]


def test_validate_missing_file_exits_2(tmp_path):
    result = RUNNER.invoke(app, ["validate", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "none.csv" in result.output


@pytest.fixture
def scenario_copy(demo_copy):
    return demo_copy


def test_scenario_keys_for_area_measures_seasons_and_measure_overrides(scenario_copy):
    (scenario_copy.parent / "data" / "own.csv").write_text(
        "industry,grade,level,cut,basis,source\n水泥,B,橙色,0.4,limit,Luohe 2025 plan\n",
        encoding="utf-8")
    text = scenario_copy.read_text(encoding="utf-8")
    text = text.replace("[area_sources.dust]", "[area_sources.dust]\ncuts = { orange = 0.6 }")
    text += ('\n[measures]\nfile = "data/own.csv"\n\n[[seasonal]]\nstart = "2023-11-15T00:00"'
             '\nend = "2024-03-15T00:00"\ncuts = { D = 1.0 }\n')
    scenario_copy.write_text(text, encoding="utf-8")
    spec = load_scenario(scenario_copy)
    assert spec.area_cuts == {"dust": {"orange": 0.6}}
    assert spec.seasonal[0].cuts == {"D": 1.0}
    inputs = build_inputs(spec)
    assert inputs.measures.cut_fraction("cement", "B", "orange") == 0.4
    assert inputs.measures.cut_fraction("cement", "C", "orange") == 1.0
    # area PM 3300 t/a: dust 2500 cut 60 % (scenario), mobile 300 cut 10 % (default of
    # enterprises.area), residential 500 not cut
    assert inputs.area_cuts[4, 2] == pytest.approx((2500 * 0.6 + 300 * 0.1) / 3300)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("[area_sources.dust]", "[area_sources.dust]\ncuts = { orange = 1.5 }",
     "key area_sources.dust.cuts.orange: value 1.5 — expected a fraction in [0, 1]"),
    ("[area_sources.dust]", "[area_sources.dust]\ncuts = { purple = 0.5 }",
     "key area_sources.dust.cuts.purple: unknown — expected temporary, blue, yellow, orange or "
     "red"),
    ("[inventory]", '[[seasonal]]\nstart = "soon"\nend = "2024-03-15T00:00"\n\n[inventory]',
     "key seasonal[1].start: value 'soon'"),
])
def test_bad_new_scenario_keys(scenario_copy, old, new, message):
    text = scenario_copy.read_text(encoding="utf-8").replace(old, new, 1)
    scenario_copy.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_scenario(scenario_copy)


def test_demo_run_writes_the_breakdown(scenario_copy, tmp_path):
    out = tmp_path / "run"
    result = RUNNER.invoke(app, ["run", str(scenario_copy), "--out", str(out), "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    breakdown = pd.read_csv(out / "breakdown.csv", encoding="utf-8-sig")
    assert {"county", "industry", "grade", "output_lost_wan"} <= set(breakdown.columns)
    assert "orange" in set(breakdown.level)
    episodes = pd.read_csv(out / "episodes.csv", encoding="utf-8-sig")
    orange = episodes[(episodes.level == "orange")].drop_duplicates("start")
    lost = breakdown[breakdown.level == "orange"].groupby("start").output_lost_wan.sum()
    assert orange.output_lost_wan.to_numpy() == pytest.approx(lost.to_numpy())
    assert (breakdown[breakdown.level == "orange"].output_lost_wan > 0).any()


# -- the scenario schema and its generated reference ------------------------------------------
def test_committed_reference_is_the_generated_one():
    committed = scenario_schema.REFERENCE.read_text(encoding="utf-8")
    assert committed == reference(), "run: python -m simulator.spec.schema"


@pytest.mark.parametrize("path", sorted(DEMO_SCENARIO.parent.glob("*.toml")),
                         ids=lambda p: p.name)
def test_every_bundled_scenario_passes_the_walker(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    walk(data, REGIONAL_FILE if "cities" in data["scenario"] else FILE, path)


def test_validator_defaults_come_from_the_schema(scenario_copy):
    text = scenario_copy.read_text(encoding="utf-8")
    text = text.replace("seed = 20231218\n", "").replace('rules = "mee-2024"\n', "")
    scenario_copy.write_text(text, encoding="utf-8")
    spec = load_scenario(scenario_copy)
    assert (spec.seed, spec.rules, spec.forecast_model) == (
        default("scenario", "seed"), default("scenario", "rules"), default("forecast", "model"))
    assert spec.area_sources["dust"] == (0.0, 0.0, 2500.0, 0.0)  # keys left out: 0 t/a


@pytest.mark.parametrize(("old", "new", "message"), [
    ('file = "data/luohe_inventory.csv"', 'fiel = "data/luohe_inventory.csv"',
     "key inventory.fiel: unknown — expected file"),
    ('rules = "mee-2024"', 'rules = "mee-2024"\ntimezone = "UTC"',
     "key scenario.timezone: unknown — expected name, city, seed, start, end, rules"),
    ("[area_sources.dust]", "[area_sources.dust]\nso2 = 1.0",
     "key area_sources.dust.so2: unknown — expected so2_t, nox_t, pm_t, vocs_t, cuts"),
    ('city = "漯河"', 'cities = ["漯河", "许昌"]',
     "key scenario.cities: value ['漯河', '许昌'] — expected one city (scenario.city); run "
     "several cities with: smogsim regional"),
])
def test_unknown_keys_and_regional_files_are_one_line(scenario_copy, old, new, message):
    scenario_copy.write_text(scenario_copy.read_text(encoding="utf-8").replace(old, new, 1),
                             encoding="utf-8")
    with pytest.raises(ScenarioError) as bad:
        load_scenario(scenario_copy)
    assert message in str(bad.value) and "\n" not in str(bad.value)
