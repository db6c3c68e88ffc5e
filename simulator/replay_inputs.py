"""Replay inputs: one adapter per neighbouring package, so each can be rewired alone.

``read_observations`` (alerts.io), ``forecast_windows_by_city`` (the forecast models and the
alert lifecycle, alerts.forecast and alerts.timeline), ``city_inventories`` (enterprises) and
``read_area_sources`` (enterprises.area through ``simulator.io.area_inputs``). Every problem is
a one-line ``ReplayInputError`` naming the file or option and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from alerts.forecast import ForecastModel, make_model, parse_model
from alerts.io import load_observations
from alerts.lifecycle import CONSULTATION_INTERVAL_HOURS
from alerts.observations import city_daily_aqi
from alerts.region import Region
from alerts.rules import RuleSet
from alerts.timeline import alert_timeline
from alerts.triggers import AlertWindow
from enterprises.inventory import Inventory
from enterprises.io import load_inventory
from enterprises.schema import EMISSION_COLUMNS
from enterprises.synthetic import synthesize
from simulator.scenario_schema import CUT_LEVELS

HOUR = pd.Timedelta(hours=1)
FORECAST_MODELS = "perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"
FORECAST_STREAM = "forecast"  # the named child of a run's generator that a noisy model draws
AREA_CUT_COLUMNS = tuple(f"cut_{level}" for level in CUT_LEVELS)
AREA_COLUMNS = ("city", "sector", *EMISSION_COLUMNS, *AREA_CUT_COLUMNS, "source")


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


def read_observations(paths: Sequence[str | Path], cities: Sequence[str] = ()
                      ) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """Hourly rolling daily AQI per city, and the gap report, from observation files.

    ``cities`` keeps only those cities (all when empty); a city the files lack is an error.

    Adapter over ``alerts.io.load_observations``: every layout it reads (long table, UCI station
    files, the national hourly city file ``date, hour, type, <cities>``, the forecast layout;
    ``.csv`` or ``.csv.gz``), stations averaged to cities, daily tables spread over their hours.
    Missing hours stay missing (the daily AQI needs ≥ 20 valid hours, rules.md §1).
    """
    files = observation_files(paths)
    if not files:
        raise ReplayInputError("--observations: no file given")
    observations = load_observations(files)
    missing = [c for c in cities if c not in observations.cities]
    if missing:
        raise ReplayInputError(f"--city: value {missing[0]!r} — not in the observations, which "
                               f"have {', '.join(observations.cities)}")
    daily = {}
    for city, frame in observations.cities.items():
        if cities and city not in cities:
            continue
        try:
            series = city_daily_aqi(frame, observations.daily)
        except ValueError as bad:
            raise ReplayInputError(f"observations of {city}: {bad}") from None
        series.index.name = "time"
        daily[city] = series.asfreq("h")
    gaps = observations.gaps()
    return daily, gaps[gaps["city"].isin(list(daily))].reset_index(drop=True)


def parse_forecast(name: str) -> str:
    """Canonical name of a forecast model ``alerts.forecast.parse_model`` accepts.

    ``late:06`` → ``late:6``; ``noisy:sd=0.30,bias=-0.1`` → ``noisy:bias=-0.1,sd=0.3`` (only the
    parameters given, in that order), so one model is one grid point whichever way it is spelt.
    """
    try:
        model, params = parse_model(name)
    except ValueError as bad:
        why = str(bad).split(": ", 1)[-1]
        if why.startswith("expected"):
            why = f"expected {FORECAST_MODELS}"
        raise ReplayInputError(f"--forecast: value {name!r} — {why}") from None
    if model == "late":
        return f"late:{params['hours']}"
    if model == "noisy" and params:
        given = [f"{short}={params[key]!r}" for short, key in
                 (("bias", "bias_per_day"), ("sd", "sd_per_day")) if key in params]
        return "noisy:" + ",".join(given)
    return model


def consultation_lead(rules: RuleSet) -> pd.Timedelta:
    """How long before a run's start its daily consultations begin.

    The lifecycle issues an alert at the last consultation that still gives the lead time
    before the response starts, so an alert whose response starts at the run's start may be
    issued up to lead time + one consultation interval earlier; starting that early keeps it.
    """
    return (math.ceil(rules.lead_time_hours) + CONSULTATION_INTERVAL_HOURS) * HOUR


class CityForecast(NamedTuple):
    """One city's forecast: its observed daily AQI, the model's name (``parse_forecast``) and
    the generator a noisy model draws from."""

    daily: pd.Series
    model: str
    rng: np.random.Generator | None = None


def forecast_windows_by_city(forecasts: Mapping[str, CityForecast], rules: RuleSet,
                             start: pd.Timestamp, end: pd.Timestamp,
                             region: Region | None = None) -> dict[str, list[AlertWindow]]:
    """Alert windows each city of ``forecasts`` issues for ``[start, end)``, all under ``rules``.

    The same path as ``smogsim run`` (``alerts.timeline.AlertInputs.windows``): each city's
    forecast model (``alerts.forecast.make_model``: perfect, persistence, noisy, late:<h>) over
    its observed daily AQI, consulted daily by the alert lifecycle (``alert_timeline``) from
    ``consultation_lead`` before ``start`` to ``end``; a ``region``'s rules and dispatch orders
    raise its cities. Windows that end before ``start`` are dropped; the rest are returned whole.
    """
    models = {city: SharedOutlook(make_model(parse_forecast(f.model), f.daily, f.rng))
              for city, f in forecasts.items()}
    windows = alert_timeline(models, dict.fromkeys(forecasts, rules),
                             start - consultation_lead(rules), end, region=region)
    return {city: [w for w in windows.get(city, ()) if w.end > start] for city in forecasts}


def forecast_windows(daily: pd.Series, rules: RuleSet, city: str, model: str,
                     start: pd.Timestamp, end: pd.Timestamp,
                     rng: np.random.Generator | None = None) -> list[AlertWindow]:
    """Alert windows one city issues alone for ``[start, end)`` under forecast ``model``
    (``forecast_windows_by_city``); ``rng`` feeds a noisy model."""
    forecasts = {city: CityForecast(daily, model, rng)}
    return forecast_windows_by_city(forecasts, rules, start, end)[city]


class SharedOutlook:
    """A forecast model whose latest outlook is reused by the next identical request.

    A rule set with a temporary-control slot runs two lifecycle tiers that consult the same
    forecast at the same hour; computing it once saves about a fifth of the lifecycle's time.
    Each caller gets its own copy, so neither can change what the other reads.
    """

    def __init__(self, model: ForecastModel):
        self.model, self.name = model, model.name
        self._key: tuple | None = None
        self._outlook: pd.Series | None = None

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        key = (at, lookback_hours, horizon_hours)
        if key != self._key:
            self._key, self._outlook = key, self.model.outlook(at, lookback_hours, horizon_hours)
        return self._outlook.copy()


def city_inventories(spec: str, cities: Sequence[str], seed: int) -> dict[str, Inventory]:
    """Each city's enterprise list from ``spec``: a CSV path or ``synthetic:<N>[:seed]``.

    Adapter over ``enterprises.io.load_inventory`` and ``enterprises.synthetic.synthesize``;
    a synthetic list without its own seed uses ``seed``.
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
    if not path.is_file():
        raise ReplayInputError(f"{path}: inventory file not found — expected a CSV file or "
                               "synthetic:<N>[:seed]")
    inventory = load_inventory(path)
    lists = {}
    for city in cities:
        in_city = inventory.cities == city
        if not in_city.any():
            raise ReplayInputError(f"{path}: column city: no enterprise in {city!r} — expected "
                                   "every city of the observations")
        lists[city] = inventory.subset(in_city)
    return lists


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
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as bad:  # pandas' parser and empty-file errors
        raise ReplayInputError(f"{path}: not a readable CSV ({bad})") from None
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
        emissions = [_area_number(path, row, c, record[c], "a number of t/a ≥ 0") or 0.0
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
