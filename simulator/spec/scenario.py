"""Scenario specification: what to simulate, validated once, immutable and picklable.

A scenario file is TOML (see ``runs/demo.toml``)::

    [scenario]
    name = "漯河 orange rehearsal"
    city = "漯河"
    seed = 20231218
    start = "2023-12-12T00:00"     # local time, Asia/Shanghai
    end = "2023-12-24T00:00"       # half-open: [start, end)
    rules = "mee-2024"             # built-in id or a TOML file

    [inventory]
    file = "data/luohe_inventory.csv"

    [forecast]
    file = "data/luohe_2023-12_forecast.csv"
    model = "perfect"              # optional: persistence, noisy[:bias=B,sd=S], late:<hours>

    [region]                       # optional: regional linkage and dispatch orders
    file = "data/henan-region.toml"

    [area_sources.mobile]          # t/a outside the list; with the list: 全社会排放总量
    so2_t = 40.0
    nox_t = 9000.0
    pm_t = 450.0
    vocs_t = 5200.0
    cuts = { orange = 0.1 }        # optional: cut per level (default: enterprises.area)

    [measures]                     # optional: rows that replace the bundled catalogue's
    file = "data/luohe_measures.csv"

    [[seasonal]]                   # optional: 秋冬季错峰生产 beneath the alerts
    start = "2023-11-15T00:00"
    end = "2024-03-15T00:00"
    industries = ["cement", "brick_tile"]   # optional (default: enterprises.seasonal)
    cuts = { D = 1.0, C = 0.5 }             # optional, by grade

    [compliance]                   # optional: behaviour and inspection (docs/compliance.md)
    enabled = true                 # default false: every plant does exactly what is required
    teams_per_county = 2

    [transport]                    # optional: truck gate tally (simulator.spec.transport)
    fleet = "synthetic"            # or a fleet ledger CSV
    rules = "national"             # a bundled transport rule set or a .toml file

Relative paths are relative to the scenario file. Every key, its default and allowed values:
``simulator.spec.schema`` (docs/scenario-reference.md is generated from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from enterprises.schema import EMISSION_COLUMNS
from enterprises.seasonal import SeasonalControl
from simulator.core.compliance import ComplianceModel
from simulator.spec.schema import FILE, REGIONAL_TABLES
from simulator.spec.transport import TransportSpec, transport_spec
from simulator.spec.validate import At, ScenarioError, walk

__all__ = ["ScenarioError", "ScenarioSpec"]


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything a run needs to know, with file paths already resolved."""

    name: str
    city: str
    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    rules: str
    inventory: Path
    forecast: Path
    area_sources: dict[str, tuple[float, ...]] = field(default_factory=dict)
    source: Path | None = None
    forecast_model: str = "perfect"  # alerts.forecast model, or the table in forecast.file
    region: Path | None = None  # optional region file (alerts.region): linkage and dispatch
    area_cuts: dict[str, dict[str, float]] = field(default_factory=dict)  # sector → level → cut
    seasonal: tuple[SeasonalControl, ...] = ()  # 秋冬季错峰生产 periods beneath the alerts
    measures: Path | None = None  # rows overriding the bundled measure catalogue
    transport: TransportSpec | None = None  # [transport]: truck gate tally (None: off)
    compliance: ComplianceModel = field(default_factory=ComplianceModel)  # off: full compliance
    lang: str | None = None  # [scenario] lang: zh or en; None: the command's default

    @property
    def hours(self) -> float:
        return (self.end - self.start) / pd.Timedelta(hours=1)

    @classmethod
    def from_dict(cls, data: dict, origin: Path) -> ScenarioSpec:
        """Validate the parsed TOML of ``origin``; raise ScenarioError on the first problem."""
        _refuse_regional(data, origin)
        values = walk(data, FILE, origin)
        if "city" not in values["scenario"]:
            raise At(origin, ("scenario", "city")).missing("text (the city to simulate)")
        return cls.from_values(values, values["scenario"]["city"], origin)

    @classmethod
    def from_values(cls, values: dict, city: str, origin: Path) -> ScenarioSpec:
        """One city's spec from values the walker has checked and converted."""
        scenario, forecast = values["scenario"], values["forecast"]
        sectors = values.get("area_sources", {})
        compliance = values.get("compliance")
        return cls(
            name=scenario.get("name", origin.stem),
            city=city,
            seed=scenario["seed"],
            start=scenario["start"],
            end=scenario["end"],
            rules=str(scenario["rules"]),
            inventory=values["inventory"]["file"],
            forecast=forecast["file"],
            area_sources={sector: tuple(table[c] for c in EMISSION_COLUMNS)
                          for sector, table in sectors.items()},
            source=origin,
            forecast_model=forecast["model"],
            region=values.get("region", {}).get("file"),
            area_cuts={sector: table["cuts"] for sector, table in sectors.items()
                       if "cuts" in table},
            seasonal=tuple(SeasonalControl(item["start"], item["end"], item["industries"],
                                           item["cuts"]) for item in values.get("seasonal", ())),
            measures=values.get("measures", {}).get("file"),
            transport=transport_spec(values.get("transport")),
            compliance=ComplianceModel() if compliance is None
            else ComplianceModel.from_table(compliance),
            lang=scenario.get("lang"),
        )


def _refuse_regional(data: dict, origin: Path) -> None:
    """A regional file (``scenario.cities``, [airquality], [city.…]) is run by ``smogsim
    regional``, not here: say so rather than call its tables unknown."""
    scenario = data.get("scenario")
    if isinstance(scenario, dict) and "cities" in scenario:
        raise At(origin, ("scenario", "cities")).fail(
            scenario["cities"], "one city (scenario.city); run several cities with: "
            f"smogsim regional {origin}")
    for name in data:
        if name in REGIONAL_TABLES:
            raise ScenarioError(f"{origin}: table [{name}]: read by regional runs only — run "
                                f"this file with: smogsim regional {origin}")
