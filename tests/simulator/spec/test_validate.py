"""The schema walker: one golden line per kind of problem, nested key paths, and properties.

Every line reads ``<file>: key <path>: value <repr> — expected <expectation>`` (or
``unknown``/``missing`` in place of the value); the walker builds the path as it descends.
"""

import copy
import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli.run import DEMO_SCENARIO
from simulator.spec.regional import RegionalSpec
from simulator.spec.scenario import ScenarioError, ScenarioSpec
from simulator.spec.schema import FILE, REGIONAL_FILE, TABLES
from simulator.spec.validate import REQUIRED, At, Prose, walk

RUNS = DEMO_SCENARIO.parent
REGIONAL = RUNS / "regional-luohe-xuchang.toml"


def parsed(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def problem(data: dict, origin: Path = DEMO_SCENARIO, regional: bool = False) -> str:
    """The one line the walker raises for ``data``, without the file name."""
    with pytest.raises(ScenarioError) as bad:
        (RegionalSpec if regional else ScenarioSpec).from_dict(data, origin)
    line = str(bad.value)
    assert "\n" not in line and line.startswith(f"{origin}: ")
    return line.removeprefix(f"{origin}: ")


def edited(path: Path, table: str, key: str, value) -> dict:
    data = parsed(path)
    data.setdefault(table, {})[key] = value
    return data


@pytest.mark.parametrize(("table", "key", "value", "line"), [
    # wrong type, per kind
    ("scenario", "seed", "7", "key scenario.seed: value '7' — expected a whole number ≥ 0"),
    ("scenario", "seed", True, "key scenario.seed: value true — expected a whole number ≥ 0"),
    ("scenario", "name", "  ", "key scenario.name: value '  ' — expected text"),
    ("scenario", "start", "soon",
     "key scenario.start: value 'soon' — expected a local date-time like 2023-12-12T00:00"),
    ("scenario", "start", "2023-12-12T00:00+08:00", "key scenario.start: value "
     "'2023-12-12T00:00+08:00' — expected a local date-time like 2023-12-12T00:00"),
    ("transport", "enabled", "yes", "key transport.enabled: value 'yes' — expected true or "
     "false"),
    ("transport", "surge", "2", "key transport.surge: value '2' — expected a number ≥ 1"),
    ("inventory", "file", 3, "key inventory.file: value 3 — expected a file path"),
    ("compliance", "late_hours", [1], "key compliance.late_hours: value [1] — expected "
     "[low, high] with 0 ≤ low ≤ high"),
    ("compliance", "teams", [], "key compliance.teams: value [] — expected a table county = "
     "whole number"),
    ("compliance", "priority", "large", "key compliance.priority: value 'large' — expected a "
     "list of text"),
    # below min, above max
    ("transport", "surge", 0.5, "key transport.surge: value 0.5 — expected a number ≥ 1"),
    ("transport", "buffer_days", -1, "key transport.buffer_days: value -1 — expected a number "
     "of days ≥ 0"),
    ("compliance", "record_share", 1.5, "key compliance.record_share: value 1.5 — expected a "
     "fraction in [0, 1]"),
    ("compliance", "noncompliance", {"C": -0.1}, "key compliance.noncompliance.C: value -0.1 "
     "— expected a probability in [0, 1]"),
    ("compliance", "teams_per_county", -1, "key compliance.teams_per_county: value -1 — "
     "expected a whole number ≥ 0"),
    ("compliance", "inflation", float("nan"), "key compliance.inflation: value nan — expected "
     "a number ≥ 0"),
    # unknown choice
    ("transport", "draw", "mean", "key transport.draw: value 'mean' — expected poisson or "
     "expected"),
    ("compliance", "priority", ["flagged", "size"], "key compliance.priority[2]: value 'size' "
     "— expected flagged, large or grade"),
    ("forecast", "model", "psychic", "key forecast.model: value 'psychic' — expected perfect, "
     "persistence, noisy[:bias=B,sd=S] or late:<hours>"),
    ("scenario", "rules", "mee-2030", "key scenario.rules: value 'mee-2030' — expected "
     "beijing-2023, mee-2017, mee-2019, mee-2024 or a .toml file"),
    ("scenario", "rules", "none.toml", "key scenario.rules: value 'none.toml' — expected an "
     f"existing file (not found: {RUNS / 'none.toml'})"),
    ("transport", "fleet", "data/none.csv", "key transport.fleet: value 'data/none.csv' — "
     f"expected an existing file (not found: {RUNS / 'data' / 'none.csv'})"),
    # unknown key
    ("scenario", "timezone", "UTC", "key scenario.timezone: unknown — expected name, city, "
     "seed, start, end, rules, lang"),
    ("compliance", "detection", {"radio": 0.5}, "key compliance.detection.radio: unknown — "
     "expected online, power, video or none"),
    # cross-key checks, after the walk
    ("scenario", "end", "2023-12-01T00:00", "key scenario.end: value '2023-12-01 00:00:00' — "
     "expected a time after scenario.start (2023-12-12 00:00:00)"),
    ("transport", "ruleset", "strict", "key transport.ruleset: value 'strict' — expected no "
     "ruleset key with a bundled rule set (name it in transport.rules)"),
    ("compliance", "coverage", {"online": 0.8, "power": 0.5}, "key compliance.coverage: value "
     "{'online': 0.8, 'power': 0.5} — expected shares adding up to ≤ 1"),
])
def test_golden_lines(table, key, value, line):
    assert problem(edited(DEMO_SCENARIO, table, key, value)) == line


def test_unknown_table_missing_table_and_missing_key():
    data = parsed(DEMO_SCENARIO)
    assert problem({**data, "trasnport": {}}).startswith(
        "key trasnport: unknown table — expected scenario, inventory, forecast, region, "
        "area_sources, measures, seasonal, compliance, transport")
    del data["inventory"]
    assert problem(data) == "key inventory: missing — expected a table with keys file"
    data = parsed(DEMO_SCENARIO)
    del data["scenario"]["start"]
    assert problem(data) == ("key scenario.start: missing — expected a local date-time like "
                             "2023-12-12T00:00")
    del data["scenario"]
    assert problem(data).startswith("key scenario: missing — expected a table with keys name")


def test_paths_inside_city_tables_and_seasonal_items():
    data = parsed(REGIONAL)
    data["city"]["许昌"]["area_sources"] = {"mobile": {"so2_t": -1}}
    assert problem(data, REGIONAL, regional=True) == (
        "key city.许昌.area_sources.mobile.so2_t: value -1 — expected a number of t/a in "
        "[0, 2000000]")
    data["city"]["许昌"]["area_sources"] = {"mobile": {"nox_t": 1e308}}
    assert problem(data, REGIONAL, regional=True) == (
        "key city.许昌.area_sources.mobile.nox_t: value 1e+308 — expected a number of t/a in "
        "[0, 2000000]")
    data = parsed(REGIONAL)
    data["city"]["许昌"]["compliance"] = {"modes": {"late": 0.5}}
    assert problem(data, REGIONAL, regional=True) == (
        "key city.许昌.compliance.modes.late: unknown — expected late_response, partial_cut, "
        "not_stopping or baseline_inflation")
    data = parsed(DEMO_SCENARIO)
    season = {"start": "2023-11-15T00:00", "end": "2024-03-15T00:00"}
    data["seasonal"] = [season, {**season, "end": "2023-11-01T00:00"}]
    assert problem(data) == ("key seasonal[2].end: value '2023-11-01 00:00:00' — expected a "
                             "time after seasonal[2].start (2023-11-15 00:00:00)")
    data["seasonal"] = [season, {**season, "cuts": {"Z": 0.5}}]
    assert problem(data) == "key seasonal[2].cuts.Z: unknown — expected a grade"


def test_regional_cross_key_checks():
    data = parsed(REGIONAL)
    data["airquality"].update(mode="replay", feedback=True)
    assert problem(data, REGIONAL, regional=True) == (
        "key airquality.feedback: value true — expected false in a replay (observations "
        "already hold the measures)")
    data = parsed(REGIONAL)
    data["city"]["周口"] = {}
    assert problem(data, REGIONAL, regional=True) == (
        "key city.周口: unknown city — expected one of scenario.cities (漯河, 许昌)")
    data = parsed(REGIONAL)
    data["scenario"]["cities"] = ["漯河", "漯河"]
    assert problem(data, REGIONAL, regional=True) == (
        "key scenario.cities[2]: value '漯河' — expected each city once")


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_default_passes_its_own_kind(table):
    for key in table.keys:
        if not isinstance(key.default, Prose):
            key.kind.convert(key.default, At(DEMO_SCENARIO, (table.name, key.name)))
        else:
            assert key.default is REQUIRED or not key.required


def test_defaults_fill_in_what_is_left_out():
    values = walk(parsed(DEMO_SCENARIO), FILE, DEMO_SCENARIO)
    assert values["forecast"]["model"] == "perfect"
    assert "region" not in values and "name" in values["scenario"]
    regional = walk(parsed(REGIONAL), REGIONAL_FILE, REGIONAL)
    assert regional["airquality"]["feedback_iterations"] == 5


# -- property: random edits of a valid scenario raise ScenarioError or nothing ---------------
TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**20) | st.floats()
    | st.text(max_size=12) | st.sampled_from(["2023-12-12T00:00", "data/none.csv", "orange",
                                              "national", "late:24", "C", "cement", "x.toml"])
    | st.datetimes(min_value=dt.datetime(1900, 1, 1)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=6)


def paths(data, prefix=()):
    """Every key path of a nested mapping (lists entered by index)."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


def apply(data: dict, path: tuple, action: str, value) -> None:
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    if action == "delete" and isinstance(node, dict):
        del node[last]
    elif action == "add" and isinstance(node, dict):
        node[f"{last}_x"] = value
    else:
        node[last] = value


@pytest.mark.parametrize("origin", [DEMO_SCENARIO, REGIONAL], ids=lambda p: p.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_edits_raise_only_scenario_error(origin, data):
    scenario = parsed(origin)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(sorted(paths(scenario), key=repr)))
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        apply(scenario, path, action, copy.deepcopy(data.draw(TOML_VALUES)))
    for build in (ScenarioSpec.from_dict, RegionalSpec.from_dict):
        try:
            build(copy.deepcopy(scenario), origin)
        except ScenarioError as bad:
            assert "\n" not in str(bad)


def test_a_key_with_a_line_break_is_named_on_one_line(tmp_path):
    """Found by the random edits: a TOML key may hold a newline ("a\\n" quoted)."""
    data = parsed(DEMO_SCENARIO)
    data["area_sources"]["dust"]["\n"] = 1.0
    with pytest.raises(ScenarioError) as bad:
        ScenarioSpec.from_dict(data, DEMO_SCENARIO)
    assert "\n" not in str(bad.value) and "key area_sources.dust.'\\n': unknown" in str(bad.value)
