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

from alerts.forecast import parse_model
from alerts.levels import Level
from enterprises.grades import normalise_grade
from enterprises.industries import parse_industry
from enterprises.schema import EMISSION_COLUMNS
from enterprises.seasonal import SeasonalControl
from simulator.core.compliance import ComplianceModel
from simulator.spec.schema import CUT_LEVELS, default, key_names
from simulator.spec.transport import TransportSpec, TransportSpecError, parse_transport


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line naming file and key."""


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

    @property
    def hours(self) -> float:
        return (self.end - self.start) / pd.Timedelta(hours=1)

    @classmethod
    def from_dict(cls, data: dict, origin: Path) -> ScenarioSpec:
        """Validate the parsed TOML of ``origin``; raise ScenarioError on the first problem."""
        base = origin.parent
        table = _table(data, "scenario", origin)
        _single_city(table, origin)
        _known_tables(data, origin)
        for name in ("scenario", "inventory", "forecast", "region", "measures"):
            if name in data:
                _known_keys(_table(data, name, origin), name, origin)
        start = _time(table, "start", origin)
        end = _time(table, "end", origin)
        if end <= start:
            raise ScenarioError(f"{origin}: key scenario.end: value {str(end)!r} — "
                                f"expected a time after scenario.start ({start})")
        rules = str(table.get("rules", default("scenario", "rules")))
        if rules.endswith(".toml"):
            rules = str((base / rules).resolve())
        return cls(
            name=_text(table, "name", origin, default=origin.stem),
            city=_text(table, "city", origin),
            seed=_int(table, "seed", origin, default=default("scenario", "seed")),
            start=start,
            end=end,
            rules=rules,
            inventory=_file(data, "inventory", base, origin),
            forecast=_file(data, "forecast", base, origin),
            area_sources=_area_sources(data.get("area_sources", {}), origin),
            source=origin,
            forecast_model=_forecast_model(data, origin),
            region=_file(data, "region", base, origin) if "region" in data else None,
            area_cuts=_area_cuts(data.get("area_sources", {}), origin),
            seasonal=_seasonal(data.get("seasonal", []), origin),
            measures=_file(data, "measures", base, origin) if "measures" in data else None,
            transport=_transport(data.get("transport"), base, origin),
            compliance=_compliance(data.get("compliance"), origin),
        )


def _table(data: dict, key: str, origin: Path) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ScenarioError(f"{origin}: table [{key}]: missing — expected a [{key}] table")
    return value


def _single_city(table: dict, origin: Path) -> None:
    """A regional file (``scenario.cities``) is run by ``smogsim regional``, not here."""
    if "cities" in table:
        raise ScenarioError(f"{origin}: key scenario.cities: value {table['cities']!r} — "
                            "expected one city (scenario.city); run several cities with: "
                            f"smogsim regional {origin}")


RUN_TABLES = ("scenario", "inventory", "forecast", "region", "area_sources", "measures",
              "seasonal", "compliance", "transport")
REGIONAL_TABLES = ("airquality", "city")  # read by smogsim regional only


def _known_tables(data: dict, origin: Path) -> None:
    """Reject a top-level table a one-city run does not read (never ignore it silently)."""
    for name in data:
        if name in REGIONAL_TABLES:
            raise ScenarioError(f"{origin}: table [{name}]: read by regional runs only — run "
                                f"this file with: smogsim regional {origin}")
        if name not in RUN_TABLES:
            raise ScenarioError(f"{origin}: key {name}: unknown table — expected "
                                f"{', '.join(RUN_TABLES)}")


def _known_keys(table: dict, name: str, origin: Path, where: str | None = None) -> None:
    """Reject a key the schema does not describe (a typo would otherwise be ignored)."""
    unknown = [key for key in table if key not in key_names(name)]
    if unknown:
        raise ScenarioError(f"{origin}: key {where or name}.{unknown[0]}: unknown — expected "
                            f"{', '.join(key_names(name))}")


def _text(table: dict, key: str, origin: Path, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{origin}: key scenario.{key}: value {value!r} — expected text")
    return value.strip()


def _int(table: dict, key: str, origin: Path, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ScenarioError(f"{origin}: key scenario.{key}: value {value!r} — "
                            "expected a whole number ≥ 0")
    return value


def _time(table: dict, key: str, origin: Path) -> pd.Timestamp:
    value = table.get(key)
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError:
        stamp = pd.NaT
    if value is None or pd.isna(stamp) or stamp.tzinfo is not None:
        raise ScenarioError(f"{origin}: key scenario.{key}: value {value!r} — "
                            "expected a local date-time like 2023-12-12T00:00")
    return stamp


def _file(data: dict, key: str, base: Path, origin: Path) -> Path:
    table = _table(data, key, origin)
    name = table.get("file")
    if not isinstance(name, str):
        raise ScenarioError(f"{origin}: key {key}.file: value {name!r} — expected a file path")
    path = (base / name).resolve()
    if not path.is_file():
        raise ScenarioError(f"{origin}: key {key}.file: value {name!r} — file not found")
    return path


def _transport(table, base: Path, origin: Path) -> TransportSpec | None:
    """``[transport]`` (simulator.spec.transport); absent or ``enabled = false`` → None."""
    try:
        return parse_transport(table, base, origin)
    except TransportSpecError as bad:
        raise ScenarioError(str(bad)) from None


def _compliance(table, origin: Path) -> ComplianceModel:
    """``[compliance]`` (simulator.compliance.ComplianceModel); absent → off."""
    if table is None:
        return ComplianceModel()
    if not isinstance(table, dict):
        raise ScenarioError(f"{origin}: key compliance: value {table!r} — expected a table")
    try:
        return ComplianceModel.from_table(table)
    except ValueError as bad:
        raise ScenarioError(f"{origin}: key compliance.{bad}") from None


def _forecast_model(data: dict, origin: Path) -> str:
    """``[forecast] model``: perfect (default), persistence, noisy[:…] or late:<hours>."""
    value = _table(data, "forecast", origin).get("model", default("forecast", "model"))
    try:
        parse_model(str(value))
    except ValueError as bad:
        raise ScenarioError(f"{origin}: key forecast.model: value {value!r} — "
                            f"{str(bad).split(': ', 1)[-1]}") from None
    return str(value)


def _area_sources(table: dict, origin: Path) -> dict[str, tuple[float, ...]]:
    sources = {}
    for sector, values in table.items():
        if not isinstance(values, dict):
            raise ScenarioError(f"{origin}: key area_sources.{sector}: expected a table of t/a")
        row = []
        for column in EMISSION_COLUMNS:
            value = values.get(column, default("area_sources.<sector>", column))
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ScenarioError(f"{origin}: key area_sources.{sector}.{column}: value "
                                    f"{value!r} — expected a number of t/a ≥ 0")
            row.append(float(value))
        _known_keys(values, "area_sources.<sector>", origin, f"area_sources.{sector}")
        sources[sector] = tuple(row)
    return sources


def _area_cuts(table: dict, origin: Path) -> dict[str, dict[str, float]]:
    """``[area_sources.<sector>] cuts = { orange = 0.5 }``: level id → fraction in [0, 1]."""
    out = {}
    for sector, values in table.items():
        if not isinstance(values, dict) or "cuts" not in values:
            continue
        cuts = values["cuts"]
        if not isinstance(cuts, dict):
            raise ScenarioError(f"{origin}: key area_sources.{sector}.cuts: value {cuts!r} — "
                                "expected a table such as { orange = 0.5 }")
        parsed = {}
        for level, cut in cuts.items():
            where = f"{origin}: key area_sources.{sector}.cuts.{level}"
            try:
                level_id = Level.parse(level).id
            except ValueError:
                level_id = None
            if level_id not in CUT_LEVELS:
                raise ScenarioError(f"{where}: unknown level — expected "
                                    f"{', '.join(CUT_LEVELS[:-1])} or {CUT_LEVELS[-1]}") from None
            if isinstance(cut, bool) or not isinstance(cut, int | float) or not 0 <= cut <= 1:
                raise ScenarioError(f"{where}: value {cut!r} — expected a fraction in [0, 1]")
            parsed[level_id] = float(cut)
        out[sector] = parsed
    return out


def _seasonal(items, origin: Path) -> tuple[SeasonalControl, ...]:
    """``[[seasonal]]`` tables: start, end, optional industries and cuts by grade."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ScenarioError(f"{origin}: key seasonal: value {items!r} — expected [[seasonal]] "
                            "tables")
    out = []
    for k, item in enumerate(items, start=1):
        where = f"seasonal[{k}]"
        if not isinstance(item, dict):
            raise ScenarioError(f"{origin}: key {where}: expected a table")
        _known_keys(item, "seasonal", origin, where)
        try:
            start = _time(item, "start", origin)
            end = _time(item, "end", origin)
        except ScenarioError as bad:
            raise ScenarioError(str(bad).replace("key scenario.", f"key {where}.")) from None
        if end <= start:
            raise ScenarioError(f"{origin}: key {where}.end: value {str(end)!r} — expected a "
                                f"time after {where}.start ({start})")
        kwargs = {}
        if "industries" in item:
            try:
                kwargs["industries"] = tuple(parse_industry(i).id for i in item["industries"])
            except (ValueError, TypeError):
                raise ScenarioError(f"{origin}: key {where}.industries: value "
                                    f"{item['industries']!r} — expected a list of industry ids"
                                    ) from None
        if "cuts" in item:
            cuts = item["cuts"]
            try:
                parsed = {normalise_grade(g): float(c) for g, c in cuts.items()}
            except (ValueError, TypeError, AttributeError):
                parsed = {"": -1.0}
            if not all(0 <= c <= 1 for c in parsed.values()):
                raise ScenarioError(f"{origin}: key {where}.cuts: value {cuts!r} — expected "
                                    "grade = fraction in [0, 1], e.g. { D = 1.0, C = 0.5 }")
            kwargs["cuts"] = parsed
        out.append(SeasonalControl(start, end, **kwargs))
    return tuple(out)
