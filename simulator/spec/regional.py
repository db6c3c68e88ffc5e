"""A regional scenario: several cities through one period, with the air-quality settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulator.core.airquality import DEFAULTS
from simulator.spec.scenario import ScenarioSpec
from simulator.spec.schema import (
    AIR_MODES,
    AIR_RESPONSES,
    AIRQUALITY,
    ANNUAL_TARGETS_PCT,
    FEEDBACK_ITERATIONS,
    REGIONAL_FILE,
)
from simulator.spec.validate import At, walk


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
    mode: str = AIR_MODES[0]
    response: str = AIR_RESPONSES[0]
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
        values = walk(data, REGIONAL_FILE, origin)
        cities = _cities(values["scenario"], origin)
        overrides = values.get("city", {})
        for name in overrides:
            if name not in cities:
                raise At(origin, ("city", name)).unknown(
                    [f"one of scenario.cities ({', '.join(cities)})"], "city")
        shared = {k: v for k, v in values.items() if k not in ("city", "airquality")}
        specs = tuple(ScenarioSpec.from_values({**shared, **overrides.get(city, {})}, city,
                                               origin) for city in cities)
        air = values.get("airquality") or AIRQUALITY.convert({}, At(origin, ("airquality",)))
        return cls(
            name=specs[0].name, cities=cities, specs=specs, mode=air["mode"],
            response=air["response"], matrix=air.get("matrix"),
            response_hours=air["response_hours"], feedback=air["feedback"],
            feedback_iterations=air["feedback_iterations"],
            targets={**ANNUAL_TARGETS_PCT, **air["targets"]}, source=origin)


def _cities(scenario: dict, origin: Path) -> tuple[str, ...]:
    """Cross-key check: ``scenario.cities`` or (one) ``scenario.city``, not both."""
    if "cities" in scenario and "city" in scenario:
        raise At(origin, ("scenario", "city")).fail(
            scenario["city"], "either scenario.city or scenario.cities, not both")
    if "cities" in scenario:
        return scenario["cities"]
    if "city" in scenario:
        return (scenario["city"],)
    raise At(origin, ("scenario", "cities")).missing('a list of city names such as '
                                                     '["漯河", "许昌"]')
