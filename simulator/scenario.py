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

    [area_sources.mobile]          # t/a outside the list; with the list: 全社会排放总量
    so2_t = 40.0
    nox_t = 9000.0
    pm_t = 450.0
    vocs_t = 5200.0

Relative paths are relative to the scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from enterprises.schema import EMISSION_COLUMNS


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

    @property
    def hours(self) -> float:
        return (self.end - self.start) / pd.Timedelta(hours=1)

    @classmethod
    def from_dict(cls, data: dict, origin: Path) -> ScenarioSpec:
        """Validate the parsed TOML of ``origin``; raise ScenarioError on the first problem."""
        base = origin.parent
        table = _table(data, "scenario", origin)
        start = _time(table, "start", origin)
        end = _time(table, "end", origin)
        if end <= start:
            raise ScenarioError(f"{origin}: key scenario.end: value {str(end)!r} — "
                                f"expected a time after scenario.start ({start})")
        rules = str(table.get("rules", "mee-2024"))
        if rules.endswith(".toml"):
            rules = str((base / rules).resolve())
        return cls(
            name=_text(table, "name", origin, default=origin.stem),
            city=_text(table, "city", origin),
            seed=_int(table, "seed", origin, default=0),
            start=start,
            end=end,
            rules=rules,
            inventory=_file(data, "inventory", base, origin),
            forecast=_file(data, "forecast", base, origin),
            area_sources=_area_sources(data.get("area_sources", {}), origin),
            source=origin,
        )


def _table(data: dict, key: str, origin: Path) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ScenarioError(f"{origin}: table [{key}]: missing — expected a [{key}] table")
    return value


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


def _area_sources(table: dict, origin: Path) -> dict[str, tuple[float, ...]]:
    sources = {}
    for sector, values in table.items():
        if not isinstance(values, dict):
            raise ScenarioError(f"{origin}: key area_sources.{sector}: expected a table of t/a")
        row = []
        for column in EMISSION_COLUMNS:
            value = values.get(column, 0.0)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ScenarioError(f"{origin}: key area_sources.{sector}.{column}: value "
                                    f"{value!r} — expected a number of t/a ≥ 0")
            row.append(float(value))
        unknown = set(values) - set(EMISSION_COLUMNS)
        if unknown:
            raise ScenarioError(f"{origin}: key area_sources.{sector}.{sorted(unknown)[0]}: "
                                f"unknown — expected {', '.join(EMISSION_COLUMNS)}")
        sources[sector] = tuple(row)
    return sources
