"""The bundled grading-review example of docs/guide-reviewer.md: the command the guide prints
runs, prints what the guide shows, and its key numbers agree with a recomputation from the list,
the catalogue and the scenario's area sources that does not use smogsim's review code."""

import importlib.util
import json
import re
import shlex
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli.app import app

pytestmark = pytest.mark.slow  # the bundled examples end to end

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide-reviewer.md"
INVENTORY = ROOT / "runs" / "data" / "xuchang_inventory.csv"
SCRIPT = ROOT / "runs" / "data" / "make_xuchang_inventory.py"
SCENARIO = ROOT / "runs" / "xuchang.toml"
CATALOGUE = ROOT / "enterprises" / "data" / "measures.csv"
HOURS = 8760.0  # annual t/a ÷ 8760 h: the review's mean hourly rates
POLLUTANTS = {"SO2": "so2_t", "NOx": "nox_t", "PM": "pm_t", "VOCs": "vocs_t"}
FOUNDRIES = "grade B->A where industry=铸造"
RUNNER = CliRunner()


@pytest.fixture
def at_root(monkeypatch):
    """Run from the repository root, as the guide does, on a 100-column console."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")


def guide_example() -> tuple[list[str], list[str]]:
    """The example command's arguments and the output block that follows it in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(r"```sh\n(\.venv/bin/smogsim review runs/data/xuchang_inventory\.csv"
                      r"[^`]*?--what-if[^`]*?)```.*?```text\n(.*?)```", text, re.S)
    assert found, "the guide has no example command followed by its output"
    args = shlex.split(found[1].replace("\\\n", " "))
    return args[1:], found[2].splitlines()


def inventory() -> pd.DataFrame:
    return pd.read_csv(INVENTORY, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def catalogue() -> pd.DataFrame:
    return pd.read_csv(CATALOGUE, encoding="utf-8", keep_default_na=False).set_index(
        ["industry", "grade", "level"])


def city_base_t_h() -> dict[str, float]:
    """List + area sources of runs/xuchang.toml, t/h, read without smogsim."""
    listed = inventory()
    area = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))["area_sources"]
    return {p: (listed[col].astype(float).sum()
                + sum(sector.get(col, 0.0) for sector in area.values())) / HOURS
            for p, col in POLLUTANTS.items()}


@pytest.fixture(scope="module")
def review_json(tmp_path_factory) -> dict:
    """The example command with --format json (paths made absolute: no chdir at module scope)."""
    args, _ = guide_example()
    out = tmp_path_factory.mktemp("review") / "review.json"
    result = RUNNER.invoke(app, [*(str(ROOT / a) if a.startswith("runs/") else a
                                   for a in args), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def test_example_command_exits_0_and_prints_what_the_guide_shows(at_root):
    args, shown = guide_example()
    assert "--scenario" in args and FOUNDRIES in args
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    # trailing blanks of rich's centred titles may be trimmed by an editor
    assert [line.rstrip() for line in result.output.splitlines()] == \
        [line.rstrip() for line in shown]


def test_foundry_what_if_recomputed_from_the_list_and_the_catalogue(review_json):
    """55 B foundries → A: at orange and red a B foundry stops and an A self-determines (0), so
    the city's required cut falls by the non-exempt foundries' whole emissions."""
    frame = inventory()
    foundries = frame[(frame.industry == "foundry") & (frame.grade == "B")]
    assert len(foundries) == 55
    table = catalogue()
    follows = foundries[(foundries.exemption == "none")]
    # three whitelisted plants cut nothing as B or as A; three export plants keep their
    # guaranteed-load cap (以量定产) either way
    assert len(follows) == 49
    for col in ("override_yellow", "override_orange", "override_red"):
        assert (follows[col] == "").all()  # no 一厂一策 plan to keep
    base = city_base_t_h()
    rows = pd.DataFrame(review_json["what_if"])
    rows = rows[rows.what_if == FOUNDRIES].set_index(["level", "pollutant"])
    assert (rows["regraded"] == 55).all()
    for level in ("orange", "red"):
        b, a = table.loc[("foundry", "B", level)], table.loc[("foundry", "A", level)]
        assert (b["basis"], float(b["emission_cut"])) == ("stop", 1.0)  # every line, all of it
        assert float(a["emission_cut"]) == 0.0
        for pollutant, col in POLLUTANTS.items():
            change = -follows[col].astype(float).sum() * (1.0 - 0.0) / HOURS
            row = rows.loc[(level, pollutant)]
            assert row["change_t_h"] == pytest.approx(change, rel=1e-9, abs=1e-12)
            assert row["change_pct"] == pytest.approx(100 * change / base[pollutant], rel=1e-9)
    # yellow: B foundries do not cut, so nothing changes
    assert (rows.loc["yellow", "change_t_h"].abs() < 1e-12).all()
    # the guide's sentence: 0.068 t/h less PM at orange, 47.4 → 46.3 % (46.9 → 45.8 before
    # 非引领性 took C's rules, docs/changes.md)
    pm = rows.loc[("orange", "PM")]
    assert (round(-pm["change_t_h"], 3), round(pm["cut_before_pct"], 1),
            round(pm["cut_after_pct"], 1)) == (0.068, 47.4, 46.3)


def test_city_base_is_the_list_plus_the_scenarios_area_sources(review_json):
    base = city_base_t_h()
    coverage = pd.DataFrame(review_json["coverage"])
    for pollutant, value in base.items():
        rates = coverage[coverage.pollutant == pollutant]["base_t_h"].tolist()
        assert rates == pytest.approx([value] * 3, rel=1e-9)  # yellow, orange, red


def test_the_three_questions_answered_independently(review_json):
    frame = inventory()
    table = catalogue()
    summary = {row["check"]: row for row in review_json["summary"]}
    # same industry and grade: the only looser plans are other/非引领性 plants cutting less than
    # C's rules (非引领性 takes them, docs/changes.md), one finding per plant and level; small
    # emitters (< 1 t/a in all) are not curtailed, so their plans are not looser
    tonnes = frame[list(POLLUTANTS.values())].astype(float).sum(axis=1)
    looser = 0
    for level in ("yellow", "orange", "red"):
        cut = float(table.loc[("other", "非引领性", level), "cut"])
        plans = frame[(frame.industry == "other") & (frame[f"override_{level}"] != "")]
        looser += int(((plans[f"override_{level}"].astype(float) < cut)
                       & (tonnes[plans.index] >= 1.0)).sum())
    assert summary["consistency"]["warnings"] == looser == 176
    assert summary["consistency"]["errors"] == 0
    # A never cut more than B: in the catalogue, for every industry of the list and level
    assert summary["monotonicity"]["errors"] == 0
    for industry in set(frame.industry) - {"other"}:
        for level in ("yellow", "orange", "red"):
            a, b = table.loc[(industry, "A", level)], table.loc[(industry, "B", level)]
            assert float(a["emission_cut"]) <= float(b["emission_cut"]), (industry, level)
    assert review_json["failed"] is False


def test_bundled_list_is_what_the_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_xuchang_inventory", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = script.main(tmp_path / "xuchang_inventory.csv")
    assert written.read_bytes() == INVENTORY.read_bytes()
    assert INVENTORY.stat().st_size < 1_000_000


def test_scenario_runs_and_never_beats_the_reviews_steady_state(tmp_path, review_json):
    """`smogsim run runs/xuchang.toml`: ramps only lower the cut, so each orange episode's cut %
    is at most the review's steady-state coverage at orange."""
    out = tmp_path / "run"
    result = RUNNER.invoke(app, ["run", str(SCENARIO), "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    episodes = pd.read_csv(out / "episodes.csv", encoding="utf-8-sig")
    orange = episodes[episodes.level == "orange"]
    assert len(orange) == 4  # one orange segment, four pollutants
    coverage = pd.DataFrame(review_json["coverage"])
    steady = coverage[coverage.level == "orange"].set_index("pollutant")["cut_pct"]
    for row in orange.itertuples():
        assert 0 < row.cut_pct <= steady[row.pollutant] + 1e-9, row.pollutant
        assert row.met
