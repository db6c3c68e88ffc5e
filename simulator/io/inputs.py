"""Reading a one-city scenario's files into model inputs.

``load_scenario`` reads and validates the TOML file; ``build_inputs`` reads the list, the
forecast, the rule set, the measure overrides and the area sources it names and returns the
engine's ``CityInputs``; ``load_transport_inputs`` reads the ``[transport]`` files.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.forecast import parse_model
from alerts.io import is_forecast_table, load_alert_inputs, load_ruleset
from alerts.textfiles import encoding_of
from enterprises.area import MOBILE, AreaSource, area_cut_fractions, area_rates, default_cuts
from enterprises.errors import MeasureTableError, TableError
from enterprises.inventory import Inventory
from enterprises.io import default_measures, load_inventory, load_measure_table
from enterprises.measures import MeasureTable
from enterprises.places import in_place
from enterprises.transport import EmissionFactors, Fleet, TransportRules, TransportRulesError
from enterprises.transport_io import load_emission_factors, load_fleet, load_transport_rules
from simulator.core.engine import CityInputs
from simulator.core.rng import make_rng
from simulator.io.files import file_digest, read_input_toml
from simulator.spec.scenario import ScenarioError, ScenarioSpec
from simulator.spec.transport import TransportSpec
from simulator.spec.validate import InputNote


def read_scenario_toml(path: str | Path) -> tuple[dict, Path]:
    """The parsed scenario file and its resolved path; a missing or malformed file is a
    one-line ``ScenarioError``."""
    path = Path(path).resolve()
    return read_input_toml(path, ScenarioError, "scenario file"), path


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario TOML file."""
    return ScenarioSpec.from_dict(*read_scenario_toml(path))


def build_inputs(spec: ScenarioSpec, rng: np.random.Generator | None = None,
                 windows: tuple | None = None, inventory: Inventory | None = None
                 ) -> CityInputs:
    """Read every file the scenario names and turn them into model inputs for its city.

    The city's alert windows come from the alert lifecycle (``alerts.timeline``) with the
    scenario's forecast model and region file. ``rng`` feeds a noisy forecast model; without
    one, a generator is made from the scenario's seed (``simulator.core.rng.make_rng``).
    ``windows`` given (e.g. by a regional run's joint timeline) skip the lifecycle.
    ``inventory``: the scenario's list already loaded (a regional run shares one over its
    cities); the city's enterprises are taken from it as from the file.
    """
    rules = load_ruleset(spec.rules)
    inventory = (load_inventory(spec.inventory, city=spec.city) if inventory is None
                 else inventory)
    in_city = in_place(inventory.cities, spec.city)  # "漯河市" in the list is 漯河
    if not in_city.any():
        raise ScenarioError(f"{spec.inventory}: column city: no enterprise in {spec.city!r} — "
                            f"expected the scenario's city")
    windows = _alert_windows(spec, rng) if windows is None else tuple(windows)
    rates, cuts = area_inputs(spec.area_sources, spec.area_cuts)
    return CityInputs(
        city=spec.city,
        start=spec.start,
        end=spec.end,
        inventory=inventory.subset(in_city),
        area_rates=rates,
        windows=windows,
        rules=rules,
        measures=measure_table(spec.measures),
        area_cuts=cuts,
        seasonal=spec.seasonal,
        compliance=getattr(spec, "compliance", None),
        area_sectors=tuple(spec.area_sources),
        mobile=mobile_source(spec.area_sources, spec.area_cuts),
    )


def area_inputs(sources: Mapping[str, Sequence[float]],
                cuts: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A city's area-source rates (t/h, ``POLLUTANTS`` order) and cut fractions per level.

    ``sources``: sector → t/a in ``POLLUTANTS`` order; ``cuts``: sector → level id → fraction.
    A sector without an entry in ``cuts`` takes its defaults (``enterprises.area``), as a
    scenario's ``[area_sources.<sector>]`` table does. No sectors: zero rates, no cut.
    """
    area = [AreaSource(sector, tuple(values), cuts.get(sector, default_cuts(sector)))
            for sector, values in sources.items()]
    return area_rates(area), area_cut_fractions(area)


def mobile_source(sources: Mapping[str, Sequence[float]],
                  cuts: Mapping[str, Mapping[str, float]]) -> AreaSource | None:
    """The ``mobile`` area source with its cuts (defaults where ``cuts`` has none), or None."""
    if MOBILE not in sources:
        return None
    return AreaSource(MOBILE, tuple(sources[MOBILE]), cuts.get(MOBILE, default_cuts(MOBILE)))


def measure_table(overrides: Path | None) -> MeasureTable:
    """The bundled catalogue, with override rows (a ``[measures] file``) on top."""
    if overrides is None:
        return default_measures()
    try:
        return default_measures().overlay(load_measure_table(overrides))
    except MeasureTableError as bad:
        raise ScenarioError(str(bad)) from None


def _alert_windows(spec: ScenarioSpec, rng: np.random.Generator | None) -> tuple:
    """The scenario city's alert windows from the lifecycle, regional rules and orders."""
    table = is_forecast_table(spec.forecast)
    inputs = load_alert_inputs([] if table else [spec.forecast], spec.rules, city=spec.city,
                               only_city=spec.city,
                               forecast_table=spec.forecast if table else None,
                               region=spec.region)
    if rng is None and parse_model(spec.forecast_model)[0] == "noisy":
        rng = make_rng(spec.seed, f"{spec.city}/forecast")
    check_covers(spec.forecast, inputs, spec.start, spec.end)
    windows = inputs.windows(spec.forecast_model, rng, start=spec.start, end=spec.end)
    return tuple(windows.get(spec.city, ()))


def check_covers(forecast: Path, inputs, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """A scenario period with no forecast hour in it could never alert: stop, naming both
    spans (``inputs``: ``alerts.timeline.AlertInputs``, its ``[start, end)`` the data's).
    A period only partly inside the forecast runs, with an ``InputNote`` saying so."""
    last = inputs.end - pd.Timedelta(hours=1)
    if start < inputs.end and end > inputs.start:
        outside = (max(inputs.start - start, pd.Timedelta(0))
                   + max(end - inputs.end, pd.Timedelta(0))) // pd.Timedelta(hours=1)
        if outside:
            total = (end - start) // pd.Timedelta(hours=1)
            warnings.warn(InputNote(
                f"{forecast}: column time: {inputs.start:%Y-%m-%d %H:%M} to "
                f"{last:%Y-%m-%d %H:%M} — {outside} of the scenario's {total} hours "
                f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}) lie outside the forecast; "
                "no alert can be issued in them"), stacklevel=2)
        return
    raise ScenarioError(
        f"{forecast}: column time: {inputs.start:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} — "
        f"expected hours within the scenario's period, scenario.start {start:%Y-%m-%d %H:%M} "
        f"to scenario.end {end:%Y-%m-%d %H:%M} (no forecast there: no alert could be issued)")


def input_files(spec: ScenarioSpec) -> dict[str, Path]:
    """The files a scenario read, by role (bundled rule sets are not listed)."""
    files = {"scenario": spec.source, "inventory": spec.inventory, "forecast": spec.forecast}
    if spec.region is not None:
        files["region"] = spec.region
    if getattr(spec, "measures", None) is not None:
        files["measures"] = spec.measures
    if Path(spec.rules).is_file():
        files["rules"] = Path(spec.rules)
    return {name: Path(p) for name, p in files.items() if p}


def input_hashes(spec: ScenarioSpec) -> dict[str, str]:
    return {name: "sha256:" + file_digest(p) for name, p in input_files(spec).items()}


def input_encodings(spec: ScenarioSpec) -> dict[str, str]:
    """The encoding each input was read in (``utf-8``, ``utf-8-sig``, ``gb18030``;
    ``binary`` for a workbook or Parquet list): the run manifest states it."""
    return {name: encoding_of(p) for name, p in input_files(spec).items()}


@dataclass(frozen=True)
class TransportInputs:
    """The loaded ``[transport]`` inputs: ledger (None = synthesize), rules, factors."""

    spec: TransportSpec
    ledger: Fleet | None
    rules: TransportRules
    factors: EmissionFactors

    def hashes(self) -> dict[str, str]:
        """sha256 of the transport files the scenario names (bundled files are not listed)."""
        spec = self.spec
        files = {"fleet": spec.fleet, "transport_rules": None if isinstance(spec.rules, str)
                 else spec.rules, "truck_factors": spec.factors}
        return {k: "sha256:" + file_digest(p) for k, p in files.items() if p is not None}


def load_transport_inputs(spec: TransportSpec) -> TransportInputs:
    """Read the fleet ledger, rule file and factor table; bad input raises ScenarioError."""
    try:
        ledger = None if spec.fleet is None else load_fleet(spec.fleet)
        if isinstance(spec.rules, str):
            rules = TransportRules.builtin(spec.rules)
        else:
            rules = load_transport_rules(spec.rules, spec.ruleset)
        factors = (EmissionFactors.default() if spec.factors is None
                   else load_emission_factors(spec.factors))
    except (TableError, TransportRulesError) as bad:
        raise ScenarioError(str(bad)) from None
    return TransportInputs(spec, ledger, rules, factors)
