"""A regional scenario: several cities through one period, with the air-quality settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulator.core.airquality import DEFAULTS
from simulator.spec.scenario import ScenarioError, ScenarioSpec
from simulator.spec.schema import TABLES as SCHEMA_TABLES

MODES = ("rehearsal", "replay")


RESPONSES = ("regional", "alone")


# what [city."<name>"] may override
CITY_KEYS = ("area_sources", "measures", "seasonal", "compliance", "transport")


# the top-level tables a scenario file may hold (an unknown one is an error, never ignored)
FILE_TABLES = tuple(dict.fromkeys(t.name.split(".")[0] for t in SCHEMA_TABLES))


FEEDBACK_ITERATIONS = 5  # assumption: cap of the feedback loop (the example settles in 1)


# Heavy-pollution-day ratio targets for 2025, % of valid days: the cities' 2024 air-quality
# action plans (not in rules.md).
ANNUAL_TARGETS_PCT = {"漯河": 1.7, "许昌": 1.6}


ANNUAL_TARGET_SOURCE = "the city's 2024 air-quality action plan"


@dataclass(frozen=True)
class RegionalSpec:
    """A multi-city scenario: one ``ScenarioSpec`` per city plus the air-quality settings.

    ``mode``: ``rehearsal`` (the forecast file is the world without measures) or ``replay``
    (it holds observations, the world with them). ``response``: ``regional`` (the region's
    rules apply and every city's cuts reach every city) or ``alone`` (no regional rules; each
    city's PM2.5 is credited with its own cuts only).
    """

    name: str
    cities: tuple[str, ...]
    specs: tuple[ScenarioSpec, ...]
    mode: str = "rehearsal"
    response: str = "regional"
    matrix: Path | None = None
    response_hours: float = DEFAULTS.response_hours
    feedback: bool = False
    feedback_iterations: int = FEEDBACK_ITERATIONS
    targets: dict[str, float] = field(default_factory=lambda: dict(ANNUAL_TARGETS_PCT))
    source: Path | None = None

    @property
    def first(self) -> ScenarioSpec:
        return self.specs[0]

    @property
    def start(self) -> pd.Timestamp:
        return self.first.start

    @property
    def end(self) -> pd.Timestamp:
        return self.first.end

    @property
    def seed(self) -> int:
        return self.first.seed

    def spec(self, city: str) -> ScenarioSpec:
        return self.specs[self.cities.index(city)]

    @classmethod
    def from_dict(cls, data: dict, origin: Path) -> RegionalSpec:
        """Validate the parsed TOML of ``origin``; raise ScenarioError on the first problem."""
        table = data.get("scenario")
        if not isinstance(table, dict):
            raise ScenarioError(f"{origin}: table [scenario]: missing — expected a [scenario] "
                                "table")
        cities = _cities(table, origin)
        unknown = [name for name in data if name not in FILE_TABLES]
        if unknown:
            raise ScenarioError(f"{origin}: key {unknown[0]}: unknown table — expected "
                                f"{', '.join(FILE_TABLES)}")
        overrides = _overrides(data.get("city", {}), cities, origin)
        shared = {k: v for k, v in data.items() if k not in ("city", "airquality")}
        specs = []
        for city in cities:
            merged = {**shared, **overrides.get(city, {}),
                      "scenario": {**{k: v for k, v in table.items() if k != "cities"},
                                   "city": city}}
            try:
                specs.append(ScenarioSpec.from_dict(merged, origin))
            except ScenarioError as bad:
                message = str(bad)
                for key in overrides.get(city, {}):
                    message = message.replace(f"key {key}", f"key city.{city}.{key}")
                raise ScenarioError(message) from None
        air = data.get("airquality", {})
        if not isinstance(air, dict):
            raise ScenarioError(f"{origin}: key airquality: value {air!r} — expected a table")
        unknown = set(air) - {"mode", "response", "matrix", "response_hours", "feedback",
                              "feedback_iterations", "targets"}
        if unknown:
            raise ScenarioError(f"{origin}: key airquality.{sorted(unknown)[0]}: unknown — "
                                "expected mode, response, matrix, response_hours, feedback, "
                                "feedback_iterations or targets")
        mode = _choice(air, "mode", MODES, origin)
        feedback = air.get("feedback", False)
        if not isinstance(feedback, bool):
            raise ScenarioError(f"{origin}: key airquality.feedback: value {feedback!r} — "
                                "expected true or false")
        if feedback and mode == "replay":
            raise ScenarioError(f"{origin}: key airquality.feedback: value true — expected "
                                "false in a replay (observations already hold the measures)")
        return cls(
            name=specs[0].name, cities=cities, specs=tuple(specs), mode=mode,
            response=_choice(air, "response", RESPONSES, origin),
            matrix=_matrix(air, origin), response_hours=_number(
                air, "response_hours", DEFAULTS.response_hours, origin),
            feedback=feedback,
            feedback_iterations=int(_number(air, "feedback_iterations", FEEDBACK_ITERATIONS,
                                            origin, minimum=1, whole=True)),
            targets=_targets(air, origin), source=origin)


def _cities(table: dict, origin: Path) -> tuple[str, ...]:
    if "cities" in table and "city" in table:
        raise ScenarioError(f"{origin}: key scenario.city: value {table['city']!r} — expected "
                            "either scenario.city or scenario.cities, not both")
    names = table.get("cities", [table.get("city")])
    if (not isinstance(names, list) or not names
            or not all(isinstance(n, str) and n.strip() for n in names)):
        raise ScenarioError(f"{origin}: key scenario.cities: value {names!r} — expected a list "
                            "of city names such as [\"漯河\", \"许昌\"]")
    names = [n.strip() for n in names]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"{origin}: key scenario.cities: value {twice[0]!r} — expected "
                            "each city once")
    return tuple(names)


def _overrides(table, cities: tuple[str, ...], origin: Path) -> dict[str, dict]:
    """``[city."<name>".area_sources.<sector>]`` etc.: per-city tables replacing the shared ones."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{origin}: key city: value {table!r} — expected [city.\"<name>\"] "
                            "tables")
    for name, keys in table.items():
        if name not in cities:
            raise ScenarioError(f"{origin}: key city.{name}: unknown city — expected one of "
                                f"scenario.cities ({', '.join(cities)})")
        if not isinstance(keys, dict) or set(keys) - set(CITY_KEYS):
            bad = sorted(set(keys) - set(CITY_KEYS))[0] if isinstance(keys, dict) else ""
            raise ScenarioError(f"{origin}: key city.{name}.{bad}: unknown — expected "
                                f"{', '.join(CITY_KEYS)}")
    return table


def _choice(table: dict, key: str, options: tuple[str, ...], origin: Path) -> str:
    value = table.get(key, options[0])
    if value not in options:
        raise ScenarioError(f"{origin}: key airquality.{key}: value {value!r} — expected "
                            f"{' or '.join(options)}")
    return value


def _number(table: dict, key: str, default: float, origin: Path, minimum: float = 0.0,
            whole: bool = False) -> float:
    value = table.get(key, default)
    kinds = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
        raise ScenarioError(f"{origin}: key airquality.{key}: value {value!r} — expected a "
                            f"{'whole number' if whole else 'number'} ≥ {minimum:g}")
    return float(value)


def _matrix(table: dict, origin: Path) -> Path | None:
    if "matrix" not in table:
        return None
    name = table["matrix"]
    path = (origin.parent / str(name)).resolve()
    if not isinstance(name, str) or not path.is_file():
        raise ScenarioError(f"{origin}: key airquality.matrix: value {name!r} — file not found")
    return path


def _targets(table: dict, origin: Path) -> dict[str, float]:
    targets = dict(ANNUAL_TARGETS_PCT)
    given = table.get("targets", {})
    if not isinstance(given, dict):
        raise ScenarioError(f"{origin}: key airquality.targets: value {given!r} — expected a "
                            "table such as { 漯河 = 1.7 }")
    for city, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ScenarioError(f"{origin}: key airquality.targets.{city}: value {value!r} — "
                                "expected a percentage of days in [0, 100]")
        targets[city] = float(value)
    return targets
