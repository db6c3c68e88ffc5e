"""Reading a replay's inputs: observation files, inventories, area sources, and the files a
replay stages under ``OUT/inputs/`` for its workers (read once per worker, cached).

Every problem with a user's file is a one-line ``ReplayInputError`` naming the file or option
and the value.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from alerts.drivers import DRIVER_COLUMNS
from alerts.io import ReadProgress, load_observations, load_region, load_ruleset, observed_drivers
from alerts.observations import Observations, city_daily_aqi
from alerts.region import Region
from alerts.rules import RuleSet
from alerts.triggers import level_codes
from enterprises.area import AreaSource
from enterprises.inventory import Inventory
from enterprises.io import load_inventory
from enterprises.measures import MeasureTable
from enterprises.places import strip_place_suffix
from enterprises.schema import EMISSION_COLUMNS, MAX_AREA_EMISSION_T, POLLUTANTS
from enterprises.synthetic import city_profile, synthesize
from simulator.io.files import read_input_csv
from simulator.io.inputs import (
    TransportInputs,
    area_inputs,
    load_transport_inputs,
    measure_table,
    mobile_source,
    read_scenario_toml,
)
from simulator.spec.replay import ReplayOptions
from simulator.spec.schema import CUT_LEVELS

AREA_CUT_COLUMNS = tuple(f"cut_{level}" for level in CUT_LEVELS)


AREA_COLUMNS = ("city", "sector", *EMISSION_COLUMNS, *AREA_CUT_COLUMNS, "source")
AREA_EMISSION_EXPECTED = (f"a number of t/a in [0, {MAX_AREA_EMISSION_T:,.0f}] (more is beyond "
                          "any city's sector: assumption, enterprises.schema)")


class ReplayInputError(ValueError):
    """Bad replay input; the message is one line naming the file or option and the value."""


def observation_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files behind ``--observations``: a directory stands for its ``*.csv``/``*.csv.gz``.

    A folder of daily national files (``china_cities_20231101.csv`` …) is then one option.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.is_file() and p.name.endswith((".csv", ".csv.gz")))
            if not inside:
                raise ReplayInputError(f"{path}: no .csv or .csv.gz file in this directory")
            files += inside
        elif path.is_file():
            files.append(path)
        else:
            raise ReplayInputError(f"{path}: observations file not found")
    return files


class ReplayObservations(NamedTuple):
    """What a replay reads from the observations: per city the hourly rolling daily AQI and,
    when the files carry pollutant concentrations, the drivers (``alerts.drivers``: primary
    pollutant and PM2.5/PM10 ratio by hour, on the daily AQI's hours); and the gap report."""

    daily: dict[str, pd.Series]
    gaps: pd.DataFrame
    drivers: dict[str, pd.DataFrame]


def read_observations(paths: Sequence[str | Path], cities: Sequence[str] = (),
                      progress: ReadProgress | None = None,
                      parsed: Iterable[pd.DataFrame] | None = None) -> ReplayObservations:
    """Hourly rolling daily AQI and drivers per city, and the gap report, from observation files.

    ``cities`` keeps only those cities (all when empty); a city the files lack is an error.
    ``progress(read, total)`` hears the bytes read (``alerts.io.load_observations``).

    Adapter over ``alerts.io.load_observations``: every layout it reads (long table, UCI station
    files, the national hourly city file ``date, hour, type, <cities>``, the forecast layout;
    ``.csv`` or ``.csv.gz``), stations averaged to cities, daily tables spread over their hours.
    Missing hours stay missing (the daily AQI needs ≥ 20 valid hours, sources.md §1). The
    drivers are those ``smogsim alerts`` reads (``alerts.io.observed_drivers``). ``parsed``:
    the files' tables when the caller started reading them (``alerts.io.parse_files`` of
    ``observation_files(paths)``).
    """
    files = observation_files(paths)
    if not files:
        raise ReplayInputError("--observations: no file given")
    observations = load_observations(files, progress=progress, parsed=parsed)
    missing = [c for c in cities if c not in observations.cities]
    if missing:
        raise ReplayInputError(f"--city: value {missing[0]!r} — not in the observations, which "
                               f"have {', '.join(observations.cities)}")
    daily, drivers = {}, {}
    for city, frame in observations.cities.items():
        if cities and city not in cities:
            continue
        try:
            series = city_daily_aqi(frame, observations.daily)
        except ValueError as bad:
            raise ReplayInputError(f"observations of {city}: {bad}") from None
        series.index.name = "time"
        daily[city] = series.asfreq("h")
        found = observed_drivers(Observations({city: frame}, observations.daily))
        if city in found:
            drivers[city] = _on_hours(found[city], daily[city].index)
    gaps = observations.gaps()
    return ReplayObservations(daily, gaps[gaps["city"].isin(list(daily))].reset_index(drop=True),
                              drivers)


def _on_hours(drivers: pd.DataFrame, hours: pd.DatetimeIndex) -> pd.DataFrame:
    """``drivers`` on ``hours`` (unknown hours: primary "", ratio NaN)."""
    out = drivers.reindex(hours)
    if out["primary"].dtype != _TEXT or out["primary"].isna().any():  # else already so
        out["primary"] = out["primary"].fillna("").astype(str)
    if out["pm_ratio"].dtype != np.float64:
        out["pm_ratio"] = out["pm_ratio"].astype(float)
    return out


_TEXT = pd.Series([""]).astype(str).dtype  # what ``astype(str)`` makes of a text column


def drivers_to_stage(drivers: pd.DataFrame | None, rulesets: Sequence[RuleSet]
                     ) -> pd.DataFrame | None:
    """The drivers a replay stages for a city: None when none of ``rulesets`` leaves any of its
    periods out (``RuleSet.days``), since they would change no window.

    So PM2.5-only observations (PM2.5 drives every period) and all-pollutant ones without a
    dust or ozone period stage the daily AQI alone, as replays always did, and keep their
    staged files and part names.
    """
    if drivers is None:
        return None
    return drivers if any(rules.days.excluded(drivers, len(drivers)).any()
                          for rules in rulesets) else None


def counted_level_codes(daily: pd.Series, drivers: pd.DataFrame | None, rules: RuleSet
                        ) -> np.ndarray:
    """The level each hour of ``daily`` is at under ``rules`` (``int(Level)`` codes), the
    periods the rule set leaves out (dust, ozone: ``alerts.drivers``) read as clean air, as
    the alert lifecycle reads them. ``drivers``: on ``daily``'s hours, or None (none known)."""
    values = daily.to_numpy(float)
    if drivers is not None:
        left_out = rules.days.excluded(_on_hours(drivers, daily.index), len(values))
        values = np.where(left_out, -np.inf, values)
    return level_codes(values, rules)


def check_inventory_option(spec: str, cities: Sequence[str] = ()) -> None:
    """Check ``--inventory`` before any observation is read: the ``synthetic:<N>[:seed]``
    form with N ≥ 1 and a profile for every city asked for with ``--city`` (other cities are
    known only from the observations), else a list file that exists."""
    if spec.startswith("synthetic:"):
        match = re.fullmatch(r"synthetic:(\d+)(?::(\d+))?", spec)
        if not match or int(match.group(1)) < 1:
            raise ReplayInputError(f"--inventory: value {spec!r} — expected a CSV file or "
                                   "synthetic:<N>[:seed] with N ≥ 1")
        for city in cities:
            try:
                city_profile(city)
            except ValueError as bad:
                raise ReplayInputError(f"--inventory {spec}: {bad}") from None
        return
    if not Path(spec).is_file():
        raise ReplayInputError(f"{spec}: inventory file not found — expected a CSV file or "
                               "synthetic:<N>[:seed]")


def city_inventories(spec: str, cities: Sequence[str], seed: int,
                     loaded: Inventory | None = None) -> dict[str, Inventory]:
    """Each city's enterprise list from ``spec``: a CSV path or ``synthetic:<N>[:seed]``.

    Adapter over ``enterprises.io.load_inventory`` and ``enterprises.synthetic.synthesize``;
    a synthetic list without its own seed uses ``seed``. ``loaded``: the CSV's list, when the
    caller has read it already (``list_file``).
    """
    if spec.startswith("synthetic:"):
        match = re.fullmatch(r"synthetic:(\d+)(?::(\d+))?", spec)
        if not match:
            raise ReplayInputError(f"--inventory: value {spec!r} — expected a CSV file or "
                                   "synthetic:<N>[:seed]")
        n, own_seed = int(match.group(1)), match.group(2)
        lists = {}
        for city in cities:
            try:
                lists[city] = synthesize(city, n, int(own_seed) if own_seed else seed)
            except ValueError as bad:
                raise ReplayInputError(f"--inventory {spec}: {bad}") from None
        return lists
    path = Path(spec)
    inventory = loaded if loaded is not None else _csv_list(path)
    # each distinct city name of the list compared once, not once per replayed city
    names, codes = np.unique(np.asarray(inventory.cities, dtype=object).astype(str),
                             return_inverse=True)
    places = np.array([strip_place_suffix(name) for name in names], dtype=object)
    lists = {}
    for city in cities:
        in_city = (places == strip_place_suffix(city))[codes]  # ``in_place`` of each name
        if not in_city.any():
            raise ReplayInputError(f"{path}: column city: no enterprise in {city!r} — expected "
                                   "every city of the observations")
        lists[city] = inventory.subset(in_city)
    return lists


def list_file(spec: str) -> Inventory | None:
    """The enterprise list of a CSV ``spec``, all cities; None for ``synthetic:…``."""
    return None if spec.startswith("synthetic:") else _csv_list(Path(spec))


def _csv_list(path: Path) -> Inventory:
    if not path.is_file():
        raise ReplayInputError(f"{path}: inventory file not found — expected a CSV file or "
                               "synthetic:<N>[:seed]")
    return load_inventory(path)


def read_area_sources(path: str | Path) -> dict[str, dict]:
    """Each city's area sources from an ``--area`` CSV: city → ``{"sources", "cuts"}``.

    One row per city and sector: ``city, sector, so2_t, nox_t, pm_t, vocs_t`` (t/a; an empty
    cell is 0, as a key left out of a scenario's ``[area_sources.<sector>]`` table), and
    optionally ``cut_temporary, cut_yellow, cut_orange, cut_red`` (fractions in [0, 1]) and
    ``source`` (where the numbers come from; not read). A row
    whose cut cells are all empty takes the sector's defaults (``enterprises.area``); a row with
    any cut given uses those, 0 for the levels left empty — as a scenario's ``cuts`` table.
    ``sources`` maps sector → t/a in ``POLLUTANTS`` order, ``cuts`` sector → level id → cut,
    the arguments of ``simulator.io.area_inputs``.
    """
    path = Path(path)
    if not path.is_file():
        raise ReplayInputError(f"{path}: area-source file not found — expected a CSV with "
                               f"columns {', '.join(AREA_COLUMNS[:6])}")
    frame = read_input_csv(path, ReplayInputError, "area-source file", dtype=str,
                           keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in frame.columns:
        if column not in AREA_COLUMNS:
            raise ReplayInputError(f"{path}: column {column!r} unknown — expected "
                                   f"{', '.join(AREA_COLUMNS)}")
    for column in AREA_COLUMNS[:6]:
        if column not in frame.columns:
            raise ReplayInputError(f"{path}: column {column} missing — expected "
                                   f"{', '.join(AREA_COLUMNS[:6])}, optionally "
                                   f"{', '.join(AREA_COLUMNS[6:])}")
    areas: dict[str, dict] = {}
    seen: dict[tuple[str, str], int] = {}
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2  # the header is row 1
        city, sector = record["city"].strip(), record["sector"].strip()
        for column, text in (("city", city), ("sector", sector)):
            if not text:
                raise ReplayInputError(f"{path}: row {row}, column {column}: value '' — "
                                       f"expected a {column} name")
        if (city, sector) in seen:
            raise ReplayInputError(f"{path}: row {row}, column sector: value {sector!r} — "
                                   f"one row per city and sector (row {seen[city, sector]} "
                                   f"has {city} {sector} already)")
        seen[city, sector] = row
        emissions = [_area_number(path, row, c, record[c], AREA_EMISSION_EXPECTED,
                                  top=MAX_AREA_EMISSION_T) or 0.0
                     for c in EMISSION_COLUMNS]
        cuts = {level: _area_number(path, row, column, record[column], "a fraction in [0, 1]",
                                    top=1.0)
                for level, column in zip(CUT_LEVELS, AREA_CUT_COLUMNS, strict=True)
                if column in record}
        area = areas.setdefault(city, {"sources": {}, "cuts": {}})
        area["sources"][sector] = emissions
        if any(cut is not None for cut in cuts.values()):
            area["cuts"][sector] = {level: cut or 0.0 for level, cut in cuts.items()}
    return areas


def _area_number(path: Path, row: int, column: str, text: str, expected: str,
                 top: float = math.inf) -> float | None:
    """A cell of the area file: None when empty, else a finite number in [0, top]."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= top):
        raise ReplayInputError(f"{path}: row {row}, column {column}: value {text!r} — "
                               f"expected {expected}")
    return value


@functools.lru_cache(maxsize=16)
def ruleset(name: str) -> RuleSet:
    return load_ruleset(name)


# The per-worker caches below are keyed by the staged files of one replay, which a regional
# task reads many of at once: unbounded, so no city's input is read twice.
@functools.cache
def staged_daily_aqi(path: str) -> pd.Series:
    return pd.read_parquet(path, columns=["time", "daily_aqi"]).set_index("time")[
        "daily_aqi"].asfreq("h")


@functools.cache
def staged_drivers(path: str) -> pd.DataFrame | None:
    """A staged city's drivers (``primary``, ``pm_ratio`` by hour), None when it has none
    staged (``drivers_to_stage``)."""
    if not set(DRIVER_COLUMNS) <= set(pq.read_schema(path).names):
        return None
    return pd.read_parquet(path, columns=["time", *DRIVER_COLUMNS]).set_index("time")


@functools.cache
def staged_observed_levels(path: str, rules: str) -> pd.Series:
    """The observed hourly level codes of a staged city under a rule set (``level_coverage``),
    its left-out periods as clean air (``counted_level_codes``)."""
    daily = staged_daily_aqi(path)
    return pd.Series(counted_level_codes(daily, staged_drivers(path), ruleset(rules)),
                     index=daily.index)


@functools.lru_cache(maxsize=4)
def region(path: str) -> Region:
    return load_region(path)


@functools.lru_cache(maxsize=64)  # a region's cities at once, not every city a worker ran
def staged_inventory(path: str) -> Inventory:
    return Inventory.from_frame(pd.read_parquet(path))


class StagedArea(NamedTuple):
    """A city's area sources as the engine takes them (``CityInputs``)."""

    rates: np.ndarray  # (4,) t/h by pollutant
    cuts: np.ndarray | None  # fraction cut per level; None: never cut
    sectors: tuple[str, ...]
    mobile: AreaSource | None = None  # the mobile sector with its cuts (the truck gate's)


@functools.cache
def staged_area(path: str) -> StagedArea:
    """Area rates, cuts and sector names from a staged area file; no file: none."""
    if not path:
        return StagedArea(np.zeros(len(POLLUTANTS)), None, ())
    area = json.loads(Path(path).read_text(encoding="utf-8"))
    return StagedArea(*area_inputs(area["sources"], area["cuts"]), tuple(area["sources"]),
                      mobile_source(area["sources"], area["cuts"]))


class LoadedOptions(NamedTuple):
    """A replay options file read: its spec, the measure table and the truck-gate inputs."""

    spec: ReplayOptions
    measures: MeasureTable
    transport: TransportInputs | None


@functools.cache
def replay_options(path: str) -> LoadedOptions:
    """The options file (``--with``) read once per worker; no file: the defaults."""
    spec = ReplayOptions() if not path else ReplayOptions.from_dict(*read_scenario_toml(path))
    transport = None if spec.transport is None else load_transport_inputs(spec.transport)
    return LoadedOptions(spec, measure_table(spec.measures), transport)
