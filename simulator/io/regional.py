"""Reading a regional scenario's files: the multi-city scenario, its forecast, region, lists,
matrix and truck-gate inputs, read once for every city (``RegionalInputs``).

The run directory is written by ``simulator.io.rundir.write_tables``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alerts.io import AlertInputError, is_forecast_table, load_alert_inputs, load_observations
from alerts.timeline import AlertInputs
from enterprises.io import load_inventory
from simulator.core.engine import CityInputs
from simulator.io.files import file_digest, read_input_csv
from simulator.io.inputs import (
    TransportInputs,
    build_inputs,
    check_covers,
    input_hashes,
    load_transport_inputs,
    read_scenario_toml,
)
from simulator.spec.regional import RegionalSpec
from simulator.spec.scenario import ScenarioError


def load_regional_scenario(path: str | Path) -> RegionalSpec:
    """Read and validate a scenario file that names one or several cities."""
    return RegionalSpec.from_dict(*read_scenario_toml(path))


def load_regional_inputs(spec: RegionalSpec) -> RegionalInputs:
    """Read the forecast (all cities), region, inventory, measures and matrix files once."""
    first = spec.first
    if is_forecast_table(first.forecast):
        raise ScenarioError(f"{first.forecast}: key forecast.file: a table of issued daily AQI "
                            "forecasts — expected hourly concentrations with a PM2.5 column "
                            "(the air-quality model needs PM2.5)")
    observations = load_observations([first.forecast])
    if observations.daily:
        raise AlertInputError(f"{first.forecast}: column time: daily values — expected hourly "
                              "PM2.5 for the air-quality model")
    concentrations = {}
    for city in spec.cities:
        frame = observations.cities.get(city)
        if frame is None:
            raise AlertInputError(f"{first.forecast}: column city: no rows for city {city!r} — "
                                  "expected hourly data for every scenario city")
        if "PM2.5" not in frame.columns:
            raise AlertInputError(f"{first.forecast}: row 1, column PM2.5: missing — expected "
                                  "hourly PM2.5 (µg/m³) for the air-quality model")
        concentrations[city] = frame
    alerts = load_alert_inputs([first.forecast], first.rules, region=first.region,
                               loaded=observations)
    check_covers(first.forecast, alerts, spec.start, spec.end)
    # one list for every city (a city cannot override [inventory]); windows come from the
    # joint timeline of each run (simulator.regional.timeline)
    inventory = load_inventory(first.inventory)
    cities = {city: build_inputs(spec.spec(city), windows=(), inventory=inventory)
              for city in spec.cities}
    matrix = _read_matrix(spec.matrix) if spec.matrix is not None else None
    transport = _transport_inputs(spec)
    return RegionalInputs(alerts, cities, concentrations, matrix,
                          _hashes(spec, transport), transport)


def _transport_inputs(spec: RegionalSpec) -> dict[str, TransportInputs]:
    """Each city's ``[transport]`` inputs; a table shared by several cities is read once."""
    loaded: list[TransportInputs] = []
    out = {}
    for city, city_spec in zip(spec.cities, spec.specs, strict=True):
        if city_spec.transport is None:
            continue
        same = [t for t in loaded if t.spec == city_spec.transport]
        if not same:
            same = [load_transport_inputs(city_spec.transport)]
            loaded += same
        out[city] = same[0]
    return out


def _read_matrix(path: Path) -> pd.DataFrame:
    frame = read_input_csv(path, ScenarioError, "source–receptor matrix")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _hashes(spec: RegionalSpec, transport: dict[str, TransportInputs]) -> dict[str, str]:
    out: dict[str, str] = {}
    for city, city_spec in zip(spec.cities, spec.specs, strict=True):
        hashes = input_hashes(city_spec)
        if city in transport:
            hashes |= transport[city].hashes()
        for name, digest in hashes.items():
            if out.setdefault(name, digest) != digest:
                out[f"{name}:{city}"] = digest
    if spec.matrix is not None:
        out["matrix"] = "sha256:" + file_digest(spec.matrix)
    return out



@dataclass(frozen=True)
class RegionalInputs:
    """Everything a regional run needs, already read (``regional_io.load_regional_inputs``).

    ``alerts``: the alert inputs of every city in the forecast file and region; ``cities``: each
    scenario city's engine inputs (their windows are replaced per run); ``concentrations``:
    each scenario city's hourly concentrations (µg/m³, CO mg/m³) from the forecast file;
    ``matrix``: a bureau's sensitivity table, or None for the defaults; ``transport``: the
    loaded ``[transport]`` inputs of each city that has the truck gate on.
    """

    alerts: AlertInputs
    cities: dict[str, CityInputs]
    concentrations: dict[str, pd.DataFrame]
    matrix: pd.DataFrame | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    transport: dict[str, TransportInputs] = field(default_factory=dict)
