"""Replay historical observations: find the episodes, run the grid, tally what each run cut.

``replay`` is the orchestrator behind ``smogsim replay``:

1. read the hourly observations of every city and validate every input before anything is
   written (``ReplayInputError``, one line);
2. detect episodes per city (``detect_episodes``): maximal stretches where some alert level is
   reached under any of the rule sets, padded by a margin on each side;
3. stage each city's observations (its daily AQI, and its drivers when a rule set leaves some
   of its periods out: dust, ozone, ``alerts.drivers``) and inventory once as Parquet, and its
   area sources (if ``--area`` has rows for it) as JSON, under ``OUT/inputs/``;
4. expand the grid city × episode × rule set × forecast model × replicate into
   ``simulator.batch.Task`` values, cut them into chunks of one city (``CHUNK_TASKS``) and run
   the unfinished chunks (``run_task`` per task in the workers, one part per chunk);
5. gather the parts into ``runs.parquet`` (+ ``runs.csv``) and ``cuts.parquet``.

With a region file (``--region``) the region's cities are replayed together: their episodes
merge into regional episodes (``merge_region_episodes``), and a task runs one joint alert
timeline for all of them (``run_region_task``), so regional rules raise cities; the rest of
the cities are replayed alone as above.

The couplings to other packages are one adapter function each, in ``simulator.batch.inputs``
(observations, forecasts and the alert lifecycle, inventories, area sources).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from alerts.io import AlertInputError, Mapper, load_region, load_ruleset, parse_files
from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import AlertWindow, hourly_level_codes, runs
from enterprises.errors import InventoryError
from enterprises.inventory import Inventory
from enterprises.schema import POLLUTANTS
from simulator.batch import runner as batch
from simulator.batch.forecasts import (
    FORECAST_STREAM,
    CityForecast,
    forecast_windows,
    forecast_windows_by_city,
    parse_forecast,
)
from simulator.batch.runner import Task
from simulator.city.run import tally_city
from simulator.city.trucks import EPISODE_TRANSPORT_COLUMNS
from simulator.core.engine import CityInputs
from simulator.core.results import REQUIRED_COLUMNS
from simulator.core.rng import child_rng, make_rng, smogsim_version
from simulator.io import replay as replay_io
from simulator.io.files import atomic_write_all, csv_bytes
from simulator.io.replay import (
    ReplayInputError,
    city_inventories,
    read_area_sources,
    read_observations,
)
from simulator.lang import text
from simulator.lang.tables import add_level_names
from simulator.spec.validate import ScenarioError

HOUR = pd.Timedelta(hours=1)
DEFAULT_MARGIN_HOURS = 48  # assumption: 2 days of ordinary air before and after an episode
ALERT_LEVELS = tuple(lv for lv in Level if lv != Level.NONE)
KEY_COLUMNS = ["city", "episode", "rules", "forecast", "replicate"]
RUN_COLUMNS = [
    *KEY_COLUMNS, "seed", "base", "start", "end", "hours", "alerts", "peak_level", "alert_hours",
    *(f"hours_{lv.id}" for lv in ALERT_LEVELS), "observed_hours", "missed_hours", "target_pct",
    *(f"cut_pct_{p}" for p in POLLUTANTS), *(f"met_{p}" for p in POLLUTANTS), "met",
]
# With --region every run row also says which region ran it ("" for a city replayed alone) and
# for how many hours the region raised the city above its own forecast's level.
REGION_COLUMNS = ["region", "raised_hours"]
REGION_TASK_PREFIX = "region:"
CUT_COLUMNS = [*KEY_COLUMNS, "alert_episode", "level", "start", "end", "hours", "pollutant",
               "baseline_t", "actual_t", "cut_t", "cut_pct", "target_pct", "met"]
# Tasks a worker runs in a row and writes as one part: they share the city's staged inputs, and
# a part per chunk instead of per run saves most of the file writing and checking. Assumption:
# 16 keeps progress and resume fine-grained and both workers busy to the end of the 1,000-run
# benchmark (100 chunks).
CHUNK_TASKS = 16
# The base of a run's cut %: the list alone, or the city-wide base (list + area sources).
LIST_ONLY, WITH_AREA = "list", "list+area"
# Threads that read the parts when gathering (Arrow parses a part without holding the GIL).
GATHER_THREADS = min(8, os.cpu_count() or 1)


USER_ERRORS = (ReplayInputError, AlertInputError, InventoryError, ScenarioError)


# -- episodes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Episode:
    """A padded replay period ``[start, end)`` of one city, numbered from 1 per city."""

    city: str
    number: int
    start: pd.Timestamp
    end: pd.Timestamp


def detect_episodes(daily: pd.Series, rulesets: Sequence[RuleSet], city: str = "",
                    margin_hours: int = DEFAULT_MARGIN_HOURS,
                    drivers: pd.DataFrame | None = None) -> list[Episode]:
    """Episodes of an hourly daily-AQI series: stretches at any level under any rule set.

    Each maximal stretch of hours where ``hourly_levels`` is above ``NONE`` for at least one
    rule set is padded by ``margin_hours`` on both sides (clipped to the series); padded
    stretches that touch or overlap are merged, so no hour is replayed twice for a city.
    ``drivers`` (on the series' hours): periods a rule set leaves out reach no level under it.
    """
    if daily.empty:
        return []
    daily = daily.asfreq("h")
    reached = np.zeros(len(daily), bool)
    for rules in rulesets:
        reached |= replay_io.counted_level_codes(daily, drivers, rules) > int(Level.NONE)
    times, margin = daily.index, margin_hours * HOUR
    first, last = times[0], times[-1] + HOUR
    spans: list[list[pd.Timestamp]] = []
    for a, b in runs(reached):
        start, end = max(times[a] - margin, first), min(times[b - 1] + HOUR + margin, last)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [Episode(city, n, s, e) for n, (s, e) in enumerate(spans, start=1)]


def merge_region_episodes(episodes: Sequence[Episode], name: str) -> list[Episode]:
    """Regional episodes: the region cities' padded episodes, merged where they overlap or touch.

    A regional episode spans every city episode it merged, so each city's padding is kept; it
    is numbered from 1 and named by the region (``city`` is ``name``).
    """
    spans: list[list[pd.Timestamp]] = []
    for ep in sorted(episodes, key=lambda e: (e.start, e.end)):
        if spans and ep.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], ep.end)
        else:
            spans.append([ep.start, ep.end])
    return [Episode(name, n, s, e) for n, (s, e) in enumerate(spans, start=1)]


# -- the task run in a worker -------------------------------------------------------------------


def run_task(task: Task) -> dict[str, batch.Columns | pd.DataFrame]:
    """Simulate one grid point and return its ``runs`` row and ``cuts`` rows.

    Pure: everything is built here from the task's plain values and staged files, with one
    generator from ``make_rng(task.seed, task.key)``. The forecast model draws from its named
    child (``FORECAST_STREAM``), so the engine's draws do not depend on the forecast model.
    """
    if task.members:
        return run_region_task(task)
    rng = make_rng(task.seed, task.key)
    if draws_nothing(task.forecast):
        windows = replicate_windows(task.observations, task.rules, task.city, task.forecast,
                                    task.start, task.end)
    else:
        windows = forecast_windows(replay_io.staged_daily_aqi(task.observations),
                                   replay_io.ruleset(task.rules), task.city, task.forecast,
                                   pd.Timestamp(task.start), pd.Timestamp(task.end),
                                   child_rng(rng, FORECAST_STREAM),
                                   replay_io.staged_drivers(task.observations))
    return city_run_tables(task, windows, rng)


def draws_nothing(forecast: str) -> bool:
    """Whether forecast model ``forecast`` is the same for every replicate (only ``noisy``
    draws from the run's generator)."""
    return not forecast.startswith("noisy")


@functools.lru_cache(maxsize=64)
def replicate_windows(observations: str, rules: str, city: str, forecast: str, start: str,
                      end: str) -> tuple[AlertWindow, ...]:
    """The alert windows of a forecast model that draws nothing: every replicate of a city,
    episode, rule set and model has the same, so a worker runs the lifecycle once for them
    (windows are frozen values). ``observations`` keys the daily AQI and the drivers alike:
    both are in the staged file, whose name is a digest of its content."""
    return tuple(forecast_windows(replay_io.staged_daily_aqi(observations),
                                  replay_io.ruleset(rules), city, forecast, pd.Timestamp(start),
                                  pd.Timestamp(end),
                                  drivers=replay_io.staged_drivers(observations)))


def run_region_task(task: Task) -> dict[str, batch.Columns | pd.DataFrame]:
    """Simulate one regional episode: the joint alert timeline, then the engine per city.

    Every member city's forecast model feeds ``alert_timeline`` with the region, so the
    region's rules and dispatch orders raise cities above their own forecasts. Each city then
    runs as a per-city task would: its generator is ``make_rng(seed, <its own run key>)``, its
    noisy forecast draws from that generator's ``FORECAST_STREAM`` child. Returns one runs row
    and the cut rows per city, in city order.
    """
    start, end = pd.Timestamp(task.start), pd.Timestamp(task.end)
    cities = {city: replace(task, city=city, observations=obs, inventory=inv, area=area,
                            members=())
              for city, obs, inv, area in sorted(task.members)}
    rngs = {city: make_rng(t.seed, t.key) for city, t in cities.items()}
    forecasts = {city: CityForecast(replay_io.staged_daily_aqi(t.observations), t.forecast,
                                    child_rng(rngs[city], FORECAST_STREAM),
                                    replay_io.staged_drivers(t.observations))
                 for city, t in cities.items()}
    windows = forecast_windows_by_city(forecasts, replay_io.ruleset(task.rules), start, end,
                                       region=replay_io.region(task.region))
    tables = [city_run_tables(t, windows[city], rngs[city],
                            region_name=task.city.removeprefix(REGION_TASK_PREFIX))
              for city, t in cities.items()]
    return {name: batch.joined([t[name] for t in tables]) for name in batch.TABLES}


def city_run_tables(task: Task, windows: Sequence[AlertWindow], rng: np.random.Generator,
                    region_name: str = "") -> dict[str, batch.Columns | pd.DataFrame]:
    """One city under ``windows`` through ``simulator.city.run.simulate_city``: its ``runs``
    row and ``cuts`` rows.

    A task of a replay with a region (``task.region``) adds ``REGION_COLUMNS`` to the row.
    """
    start, end = pd.Timestamp(task.start), pd.Timestamp(task.end)
    area = replay_io.staged_area(task.area)
    options = replay_io.replay_options(task.options)
    inputs = CityInputs(
        city=task.city, start=start, end=end,
        inventory=replay_io.staged_inventory(task.inventory), area_rates=area.rates,
        area_cuts=area.cuts, windows=tuple(windows), rules=replay_io.ruleset(task.rules),
        measures=options.measures, area_sectors=area.sectors, mobile=area.mobile,
        seasonal=options.spec.seasonal, compliance=options.spec.compliance,
    )
    tally = tally_city(inputs, rng, options.transport)
    keys = {"city": task.city, "episode": task.episode, "rules": task.rules,
            "forecast": task.forecast, "replicate": task.replicate}
    observed_levels = replay_io.staged_observed_levels(task.observations, task.rules)
    observed, missed = level_coverage(observed_levels, inputs.windows, start, end)
    row = run_row(keys, task, tally.episodes, tally.alerts,
                  observed_hours=observed, missed_hours=missed)
    if task.region:
        row.data["region"] = [region_name]
        row.data["raised_hours"] = [raised_hours(inputs.windows, start, end)]
    return {"runs": row, "cuts": cut_rows(keys, tally.episodes)}


def raised_hours(windows: Sequence[AlertWindow], start: pd.Timestamp, end: pd.Timestamp
                 ) -> float:
    """Hours of ``[start, end)`` under a window a regional rule or dispatch order set.

    The timeline lets such a window win only where it is above the city's own level, so these
    are the hours the region kept the city higher than its own forecast would have.
    """
    hours = sum((min(w.end, end) - max(w.start, start)) / HOUR for w in windows
                if w.trigger != "forecast" and w.end > start and w.start < end)
    return float(hours)


def coverage(daily: pd.Series, rules: RuleSet, windows: Sequence[AlertWindow],
             start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, float]:
    """``level_coverage`` of the levels the observed daily AQI reaches under ``rules``."""
    codes = pd.Series(hourly_level_codes(daily, rules), index=daily.index)
    return level_coverage(codes, windows, start, end)


def level_coverage(levels: pd.Series, windows: Sequence[AlertWindow], start: pd.Timestamp,
                   end: pd.Timestamp) -> tuple[float, float]:
    """Hours of ``[start, end)`` the observed air reached an alert level, and of those the hours
    whose alert in force was lower (or none): what a late or low forecast costs.

    ``levels``: the observed hourly level codes (``int(Level)``, ``hourly_level_codes``; hours
    it lacks count as ``NONE``); the alert in force is the highest window covering the hour.
    """
    # the whole hours from start before end, as nanoseconds: numpy, not a date range per run
    hours = _ns(start) + HOUR_NS * np.arange(max(0, (_ns(end) - _ns(start)) // HOUR_NS))
    known = levels.index.as_unit("ns").asi8
    at = np.minimum(np.searchsorted(known, hours), max(len(known) - 1, 0))
    found = known[at] == hours if len(known) else np.zeros(len(hours), bool)
    observed = np.where(found, levels.to_numpy(int)[at] if len(known) else 0, int(Level.NONE))
    issued = np.zeros(len(hours), int)
    for window in windows:
        inside = (hours >= _ns(window.start)) & (hours < _ns(window.end))
        issued[inside] = np.maximum(issued[inside], int(window.level))
    reached = observed > int(Level.NONE)
    return float(reached.sum()), float((reached & (issued < observed)).sum())


HOUR_NS = HOUR.value


def _ns(when: pd.Timestamp) -> int:
    """A time as nanoseconds since the epoch (``value`` is in ns whatever the unit)."""
    return pd.Timestamp(when).value


def run_row(keys: dict, task: Task, episodes: Mapping[str, Sequence], alerts: int, *,
            observed_hours: float = np.nan, missed_hours: float = np.nan) -> batch.Columns:
    """One row per run: alert hours per level, cut % per pollutant, targets met.

    ``observed_hours`` and ``missed_hours`` come from ``coverage``. ``base`` says what the
    cut % is a share of: ``list+area`` (the city-wide base) or ``list`` (no area sources).

    ``cut_pct_<P>`` is 100 × Σ cut / Σ baseline over the run's alert segments; ``target_pct``
    is the hours-weighted mean of their level targets; ``met_<P>`` holds when every segment met
    its own level's target for P, ``met`` when that holds for every pollutant (NA: no alert).
    ``episodes``: the run's episode table as columns (``CityTally.episodes``, or a frame).
    Plain numpy over its columns: this runs once per task.
    """
    start, end = pd.Timestamp(task.start), pd.Timestamp(task.end)
    column = {name: np.asarray(episodes[name]) for name in
              ("level", "hours", "target_pct", "pollutant", "baseline_t", "cut_t", "met")}
    first = _segment_rows(episodes)  # one row per alert segment (episode, start)
    level, hours = column["level"][first], column["hours"][first].astype(float)
    row: dict = {**keys, "seed": task.seed, "base": WITH_AREA if task.area else LIST_ONLY,
                 "start": start, "end": end,
                 "hours": (end - start) / HOUR, "alerts": alerts}
    peak = max((Level.parse(lv) for lv in level), default=Level.NONE)
    row["peak_level"] = peak.id
    row["alert_hours"] = float(hours.sum())
    for lv in ALERT_LEVELS:
        row[f"hours_{lv.id}"] = float(hours[level == lv.id].sum())
    row["observed_hours"], row["missed_hours"] = observed_hours, missed_hours
    targets = column["target_pct"][first].astype(float)
    row["target_pct"] = (float(np.dot(hours, targets) / hours.sum())
                         if hours.sum() > 0 else np.nan)
    met_all = []
    for p in POLLUTANTS:
        rows = column["pollutant"] == p
        base = column["baseline_t"][rows].astype(float).sum()
        row[f"cut_pct_{p}"] = (100.0 * column["cut_t"][rows].astype(float).sum() / base
                               if base > 0 else np.nan)
        row[f"met_{p}"] = bool(column["met"][rows].all()) if rows.any() else pd.NA
        met_all.append(row[f"met_{p}"])
    row["met"] = pd.NA if not len(first) else all(met_all)
    return batch.Columns({name: [row[name]] for name in RUN_COLUMNS}, RUN_FLAG_TYPES)


def _segment_rows(episodes: Mapping[str, Sequence]) -> np.ndarray:
    """Positions of the first row of each alert segment (episode, start), in table order."""
    if not len(episodes["episode"]):
        return np.zeros(0, int)
    keys = np.stack([np.asarray(episodes["episode"], np.int64),
                     np.asarray(episodes["start"], "datetime64[us]").astype(np.int64)], axis=1)
    return np.sort(np.unique(keys, axis=0, return_index=True)[1])


RUN_FLAG_TYPES = dict.fromkeys((*(f"met_{p}" for p in POLLUTANTS), "met"), "boolean")
CUT_TYPES = {"episode": "int64", "replicate": "int64", "alert_episode": "int64",
             "hours": "float64", "baseline_t": "float64", "actual_t": "float64",
             "cut_t": "float64", "cut_pct": "float64", "target_pct": "float64", "met": "bool",
             "start": "datetime64[us]", "end": "datetime64[us]"}


def cut_rows(keys: dict, episodes: Mapping[str, Sequence]) -> batch.Columns | pd.DataFrame:
    """The long cut table of one run: segment × pollutant, with the run's key columns.
    ``episodes``: as ``run_row`` takes it."""
    # with --with options: the required cut (compliance) and the truck gate's columns follow
    extra = [c for c in (*REQUIRED_COLUMNS, *EPISODE_TRANSPORT_COLUMNS) if c in episodes]
    n = len(episodes["episode"])
    if n:  # columns as arrays: a chunk's runs make one frame (batch.Columns)
        source = {"alert_episode": "episode"}
        return batch.Columns({name: [keys[name]] * n if name in keys
                              else _typed(episodes[source.get(name, name)], name)
                              for name in [*CUT_COLUMNS, *extra]})
    frame = pd.DataFrame(dict(episodes)).rename(columns={"episode": "alert_episode"})
    frame = frame.drop(columns="city")
    for name, value in keys.items():
        frame[name] = value
    frame = frame.reindex(columns=[*CUT_COLUMNS, *extra])
    # convert only what is not yet of its type: astype on every column costs more than the run
    convert = {name: kind for name, kind in CUT_TYPES.items() if frame[name].dtype != kind}
    return frame.astype(convert) if convert else frame


def _typed(column: Sequence, name: str) -> Sequence:
    """A cut column as an array of its ``CUT_TYPES`` type; the others keep theirs."""
    kind = CUT_TYPES.get(name)
    return np.asarray(column, dtype=kind) if kind else column


# -- the orchestrator ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplayResult:
    """What a replay produced and where: final tables, counts and wall time."""

    out: Path
    runs: pd.DataFrame
    cuts: pd.DataFrame
    episodes: tuple[Episode, ...]
    ran: int
    resumed: int
    wall_s: float
    gaps: pd.DataFrame  # the observations' missing stretches (alerts.observations.gap_report)


@dataclass(frozen=True)
class ReplayPlan:
    """A validated replay: the tasks to run and the staged inputs they read."""

    out: Path
    tasks: tuple[Task, ...]
    episodes: tuple[Episode, ...]
    staged: dict
    gaps: pd.DataFrame
    fingerprint: str = ""  # of the inputs: --resume continues only the same replay


def plan(observations: Sequence[str | Path], inventory: str, rules: Sequence[str],
         forecasts: Sequence[str], replicates: int, out: str | Path, *, seed: int = 0,
         margin_hours: int = DEFAULT_MARGIN_HOURS, resume: bool = False,
         cities: Sequence[str] = (), area: str | Path | None = None,
         region: str | Path | None = None, options: str | Path | None = None,
         on_read: Callable[[int, int], None] | None = None,
         mapper: Mapper | None = None) -> ReplayPlan:
    """Validate every input and expand the grid; nothing is written yet.

    ``area``: the ``--area`` CSV (``read_area_sources``); cities without rows in it, or every
    city without it, get no area sources. ``region``: a region file (``alerts.region``); its
    cities with observations are replayed together over regional episodes
    (``merge_region_episodes``), the other cities alone. ``options``: a replay options file
    (``simulator.spec.replay``) whose measures, seasonal control, compliance and truck gate
    apply to every city.

    ``mapper`` (a process pool's ``map``): the observation files are read side by side in
    it while this process reads the enterprise list.
    """
    out = Path(out).resolve()
    if seed < 0:
        raise ReplayInputError(f"--seed: value {seed} — expected a whole number ≥ 0")
    if replicates < 1:
        raise ReplayInputError(f"--replicates: value {replicates} — expected a whole number ≥ 1")
    if margin_hours < 0:
        raise ReplayInputError(f"--margin-hours: value {margin_hours} — expected ≥ 0")
    if out.exists() and not out.is_dir():
        raise ReplayInputError(f"--out: value {str(out)!r} — is a file; expected a folder")
    if out.exists() and not resume and any(out.iterdir()):
        raise ReplayInputError(f"{out}: output directory is not empty — pass --resume to "
                               "continue the replay in it, or choose another --out")
    replay_io.check_inventory_option(inventory, cities)
    rule_names = [_rule_name(r) for r in rules]
    rulesets = [load_ruleset(r) for r in rule_names]
    models = list(dict.fromkeys(parse_forecast(m) for m in forecasts))
    areas = read_area_sources(area) if area is not None else {}
    daily_by_city, gaps, observed, whole_list = _read_inputs(observations, cities, inventory,
                                                             on_read, mapper)
    lists = city_inventories(inventory, list(daily_by_city), seed, whole_list)
    linked, region_file, staged = _region_cities(region, daily_by_city, out)
    drivers = {city: replay_io.drivers_to_stage(observed.get(city), rulesets)
               for city in daily_by_city}
    if any(drivers[city] is not None for city in linked):
        # a unified zone reads its cities' drivers together: all of them, as alerts does
        drivers |= {city: observed.get(city) for city in linked}
    episodes, periods = [], []
    option_fields, option_bytes = {}, []
    if options is not None:  # checked now; its content joins the part names' digest
        path = Path(options).resolve()
        replay_io.replay_options(str(path))
        option_fields, option_bytes = {"options": str(path)}, [path.read_bytes()]
    rules_digest = _digest(*(_rule_text(r) for r in rule_names), *option_bytes).encode()
    found = {city: detect_episodes(daily, rulesets, city, margin_hours, drivers[city])
             for city, daily in daily_by_city.items()}
    replayed = [city for city in daily_by_city if found[city] or city in linked]
    list_bytes = _list_parquet({city: lists[city] for city in replayed})
    obs_bytes = _observation_parquet({city: _observation_frame(daily_by_city[city], drivers[city])
                                      for city in replayed})
    inputs = {city: _stage_city(out, obs_bytes[city], list_bytes[city], areas.get(city),
                                rules_digest, staged)
              for city in replayed}
    for city in daily_by_city:
        if city in linked:
            continue
        for ep in found[city]:
            episodes.append(ep)
            periods.append({"city": city, "episode": ep.number, "start": ep.start.isoformat(),
                            "end": ep.end.isoformat(), **inputs[city]} | region_file
                           | option_fields)
    if linked:
        name = REGION_TASK_PREFIX + Path(region).stem
        members = tuple((city, *(inputs[city][k] for k in ("observations", "inventory", "area")))
                        for city in sorted(linked))
        digest = _digest(*(inputs[c]["inputs"].encode() for c in sorted(linked)),
                         staged[Path(region_file["region"])])[:16]
        for ep in merge_region_episodes([e for c in linked for e in found[c]], name):
            episodes += [Episode(city, ep.number, ep.start, ep.end) for city in sorted(linked)]
            periods.append({"city": name, "episode": ep.number, "start": ep.start.isoformat(),
                            "end": ep.end.isoformat(), "observations": "", "inventory": "",
                            "inputs": digest, "members": members, **region_file}
                           | option_fields)
    tasks = batch.grid(periods, rule_names, models, replicates, seed)
    fingerprint = _digest(*sorted({t.inputs.encode() for t in tasks}),
                          f"{seed}/{margin_hours}".encode())[:32]
    if resume:
        check_resume(out, fingerprint)
    return ReplayPlan(out, tuple(tasks), tuple(episodes), staged, gaps, fingerprint)


def _read_inputs(observations: Sequence[str | Path], cities: Sequence[str], inventory: str,
                 on_read: Callable[[int, int], None] | None, mapper: Mapper | None
                 ) -> tuple[dict[str, pd.Series], pd.DataFrame, dict, Inventory | None]:
    """The observations (``read_observations``) and the whole enterprise list
    (``replay_io.list_file``). With a ``mapper`` and several files, the files are read in it
    while the list is read here; a bad observation file is still the error named first."""
    files = replay_io.observation_files(observations)
    if mapper is None or len(files) < 2:
        found = read_observations(observations, cities, on_read)
        return (*found, replay_io.list_file(inventory))
    parsed = parse_files(files, progress=on_read, mapper=mapper)
    try:
        whole_list, list_error = replay_io.list_file(inventory), None
    except Exception as bad:  # raised below, after the observations have been checked
        whole_list, list_error = None, bad
    found = read_observations(observations, cities, on_read, parsed=parsed)
    if list_error is not None:
        raise list_error
    return (*found, whole_list)


FINGERPRINT_FILE = Path("inputs") / "fingerprint.json"


def check_resume(out: Path, fingerprint: str) -> None:
    """``--resume`` continues only a replay of the same inputs: the folder's fingerprint (a
    digest of the staged inputs' digests, the seed and the margin) must be this replay's.
    An empty or missing folder starts afresh; a folder from before fingerprints (it has
    ``parts/``) is taken as it is."""
    if not out.exists() or not any(out.iterdir()):
        return
    path = out / FINGERPRINT_FILE
    if path.is_file():
        try:
            found = json.loads(path.read_text(encoding="utf-8")).get("fingerprint")
        except (ValueError, AttributeError):
            found = None
        if found != fingerprint:
            raise ReplayInputError(f"{out}: --resume: the folder holds a replay of other "
                                   "inputs (observations, list, rule sets, --with, --area, "
                                   "--seed or --margin-hours differ) — run the same command "
                                   "as before, or choose another --out")
    elif not (out / "parts").is_dir():
        raise ReplayInputError(f"{out}: --resume: not a replay folder (no parts/ and no "
                               f"{FINGERPRINT_FILE}) — choose another --out")


def _region_cities(region: str | Path | None, daily_by_city: dict[str, pd.Series], out: Path
                   ) -> tuple[list[str], dict, dict]:
    """The region's cities among the replayed ones, the task field naming the staged region
    file (empty without a region), and the staged files so far."""
    if region is None:
        return [], {}, {}
    graph = load_region(region)
    linked = [city for city in daily_by_city if city in graph.cities()]
    if not linked:
        raise ReplayInputError(f"{region}: no city of the region is replayed — the region has "
                               f"{', '.join(graph.cities())}; the observations (after --city) "
                               f"have {', '.join(daily_by_city)}")
    data = Path(region).read_bytes()
    path = out / "inputs" / f"region-{_digest(data)[:16]}.toml"
    return linked, {"region": str(path)}, {path: data}


def _list_parquet(lists: dict[str, Inventory]) -> dict[str, bytes]:
    """Each city's list as Parquet bytes: the lists are joined and turned into a frame and into
    Arrow once (a conversion per city costs more than the rest of staging), then cut per city."""
    if not lists:
        return {}
    table = batch.arrow_table(Inventory.concat(list(lists.values())).to_frame())
    offsets = np.cumsum([0, *map(len, lists.values())])
    return {city: batch.table_bytes(table.slice(offsets[k], len(inventory)))
            for k, (city, inventory) in enumerate(lists.items())}


def _observation_frame(daily: pd.Series, drivers: pd.DataFrame | None) -> pd.DataFrame:
    """What a city's workers read (``staged_daily_aqi``, ``staged_drivers``): its daily AQI by
    hour, and its drivers where they leave a period out (``drivers_to_stage``)."""
    frame = daily.rename("daily_aqi").reset_index()
    if drivers is not None:
        frame = frame.join(drivers.reset_index(drop=True))
    return frame


def _observation_parquet(frames: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Each city's staged observations as Parquet bytes, as ``batch.parquet_bytes`` writes
    them one by one: frames of the same columns and types are turned into Arrow together
    (which costs about as much for one city as for a hundred), then cut per city."""
    groups: dict[tuple, list[str]] = {}
    for city, frame in frames.items():
        signature = tuple(zip(frame.columns, map(str, frame.dtypes), strict=True))
        groups.setdefault(signature, []).append(city)
    staged = {}
    for cities in groups.values():
        table = batch.arrow_table(pd.concat([frames[c] for c in cities], ignore_index=True))
        offsets = np.cumsum([0, *(len(frames[c]) for c in cities)])
        staged |= {city: batch.table_bytes(table.slice(offsets[k], len(frames[city])))
                   for k, city in enumerate(cities)}
    return {city: staged[city] for city in frames}


def _stage_city(out: Path, obs: bytes, inv: bytes, area: dict | None, rules_digest: bytes,
                staged: dict) -> dict:
    """Add a city's staged files to ``staged`` (``obs``, ``inv``: its observations and list as
    Parquet); return the task fields that name them."""
    obs_path = out / "inputs" / f"obs-{_digest(obs)[:16]}.parquet"
    inv_path = out / "inputs" / f"inv-{_digest(inv)[:16]}.parquet"
    staged |= {obs_path: obs, inv_path: inv}
    area_bytes, area_path = b"", ""
    if area is not None:
        area_bytes = json.dumps(area, ensure_ascii=False).encode("utf-8")
        area_file = out / "inputs" / f"area-{_digest(area_bytes)[:16]}.json"
        staged[area_file], area_path = area_bytes, str(area_file)
    return {"observations": str(obs_path), "inventory": str(inv_path), "area": area_path,
            "inputs": _digest(obs, inv, rules_digest, area_bytes)[:16]}


class ReplayInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the runs; ``kept`` of ``total`` runs have finished parts in ``parts``
    (counted on disk), and the same call with ``resume=True`` continues from them."""

    def __init__(self, parts: Path, kept: int, total: int) -> None:
        super().__init__(f"interrupted: {kept} of {total} runs kept in {parts}")
        self.parts, self.kept, self.total = parts, kept, total


def replay(observations: Sequence[str | Path], inventory: str, rules: Sequence[str],
           forecasts: Sequence[str], replicates: int, out: str | Path, *, seed: int = 0,
           margin_hours: int = DEFAULT_MARGIN_HOURS, engine: str = "serial", workers: int = 1,
           scheduler: str | None = None, resume: bool = False, cities: Sequence[str] = (),
           area: str | Path | None = None, region: str | Path | None = None,
           options: str | Path | None = None, on_start: Callable[[int, int], None] | None = None,
           on_done: Callable[[dict], None] | None = None,
           on_read: Callable[[int, int], None] | None = None,
           lang: str = "en") -> ReplayResult:
    """Replay the observations over the grid and write ``out``; see the module docstring.

    ``lang`` names the level-name columns appended to the written tables (``peak_level_name``
    in runs, ``level_name`` in cuts); the result's frames hold the ids only.

    ``on_start(total, already_finished)`` (counted in runs, one per city and grid point) and
    ``on_done(marker)`` (once per chunk of tasks; ``marker["files"]["runs"]["rows"]`` runs) drive a
    progress display, ``on_read(bytes read, total)`` one of reading the observations. ``ran``
    and ``resumed`` of the result count runs too.
    Raises ``ReplayInputError`` (or a loader's one-line error) before writing anything when an
    input is bad, ``batch.BatchError`` when a task fails and ``ReplayInterrupted`` on Ctrl-C
    (finished parts are kept either way).
    """
    t0 = time.perf_counter()
    with _local_workers(engine, workers, scheduler) as pool:
        p = plan(observations, inventory, rules, forecasts, replicates, out, seed=seed,
                 margin_hours=margin_hours, resume=resume, cities=cities, area=area,
                 region=region, options=options, on_read=on_read,
                 mapper=(functools.partial(pool.map, chunksize=4)
                         if isinstance(pool, ProcessPoolExecutor) else None))
        parts = p.out / "parts"
        for directory in (p.out / "inputs", parts):
            directory.mkdir(parents=True, exist_ok=True)
        atomic_write_all({path: data for path, data in p.staged.items() if not path.exists()})
        if not (p.out / FINGERPRINT_FILE).exists():
            batch.atomic_write(p.out / FINGERPRINT_FILE, json.dumps(
                {"fingerprint": p.fingerprint}).encode())
        batch.remove_stale_temporaries(parts)
        work = batch.chunks(p.tasks, CHUNK_TASKS)
        todo = batch.pending(work, parts)
        total, ran = run_count(p.tasks), run_count([t for c in todo for t in c.tasks])
        if on_start:
            on_start(total, total - ran)
        try:
            batch.run_tasks(todo, run_task, parts, engine=engine, workers=workers,
                            scheduler=scheduler, on_done=on_done, pool=pool)
        except KeyboardInterrupt:
            # count what is on disk: parts that landed after the last progress report count
            kept = [t for c in work if batch.read_marker(parts, c) is not None
                    for t in c.tasks]
            raise ReplayInterrupted(parts, run_count(kept), total) from None
    runs_frame, cuts_frame, timings = gather(work, parts)
    wall = time.perf_counter() - t0
    extra = {"region": str(Path(region).resolve())} if region is not None else {}
    if options is not None:
        extra["options"] = str(Path(options).resolve())
    write_outputs(p.out, add_level_names(runs_frame, lang), add_level_names(cuts_frame, lang),
                  timings, {
        "smogsim_version": smogsim_version(), "seed": seed, "rules": list(rules),
        "forecasts": list(forecasts), "replicates": replicates, "margin_hours": margin_hours,
        "inventory": inventory, "observations": [str(Path(o).resolve()) for o in observations],
        "area": str(Path(area).resolve()) if area is not None else None,
        "cities": list(cities), **extra,
        "engine": engine, "workers": workers, "scheduler": scheduler, "runs": total,
        "ran": ran, "resumed": total - ran,
        "city_episodes": len(p.episodes), "missing_values": int(p.gaps["missing"].sum()),
        "wall_s": round(wall, 3), "lang": lang,
    })
    return ReplayResult(p.out, runs_frame, cuts_frame, p.episodes, ran, total - ran, wall,
                        p.gaps)


@contextmanager
def _local_workers(engine: str, workers: int, scheduler: str | None
                   ) -> Iterator[ProcessPoolExecutor | batch.LocalDask | None]:
    """The ``processes`` engine's workers or the ``dask`` engine's local cluster, started
    before planning so that their start overlaps with reading and staging
    (``batch.start_workers``, ``batch.LocalDask``). ``run_tasks`` closes them when the runs
    are done; on a bad input or Ctrl-C before that they go without waiting for tasks."""
    pool: ProcessPoolExecutor | batch.LocalDask | None = None
    if engine == "processes":
        pool = batch.start_workers(workers, __name__)
    elif engine == "dask" and not scheduler:
        pool = batch.LocalDask(workers, __name__)
    try:
        yield pool
    finally:
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown(wait=False, cancel_futures=True)
        elif pool is not None:
            pool.close()


def run_count(tasks: Sequence[Task]) -> int:
    """Runs (rows of ``runs``) the tasks make: one per city and grid point."""
    return sum(max(1, len(t.members)) for t in tasks)


def gather(work: Sequence[batch.Chunk], parts: Path
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read every finished part in key order into the final runs and cuts tables."""
    runs_parts, cut_parts, timings = [], [], []
    ordered = sorted(work, key=lambda c: c.sort_key)
    # Arrow reads and checks a part without the GIL: the cores the workers left do it together
    with ThreadPoolExecutor(max_workers=GATHER_THREADS) as pool:
        read = pool.map(functools.partial(batch.read_part_arrow, parts), ordered)
        for chunk, (marker, tables) in zip(ordered, read, strict=True):
            runs_parts.append(tables["runs"])
            if tables["cuts"].num_rows:
                cut_parts.append(tables["cuts"])
            timings += [{**dict(zip(KEY_COLUMNS, task.sort_key, strict=True)),
                         "wall_s": run["wall_s"]}
                        for task, run in zip(chunk.tasks, marker["tasks"], strict=True)]
    runs_frame = (_concat(runs_parts) if runs_parts else pd.DataFrame(columns=RUN_COLUMNS))
    cuts_frame = (_concat(cut_parts) if cut_parts else pd.DataFrame(columns=CUT_COLUMNS))
    return runs_frame, cuts_frame, pd.DataFrame(timings, columns=[*KEY_COLUMNS, "wall_s"])


def _concat(tables: list[pa.Table]) -> pd.DataFrame:
    """Parts of one table as one frame with a fresh index."""
    return pa.concat_tables(tables).to_pandas().reset_index(drop=True)


def write_outputs(out: Path, runs_frame: pd.DataFrame, cuts_frame: pd.DataFrame,
                  timings: pd.DataFrame, manifest: dict) -> None:
    """Final tables, each written atomically; wall times only in timings.csv and manifest."""
    batch.atomic_write(out / "runs.parquet", batch.parquet_bytes(runs_frame))
    batch.atomic_write(out / "cuts.parquet", batch.parquet_bytes(cuts_frame))
    batch.atomic_write(out / "runs.csv", csv_bytes(runs_frame))
    batch.atomic_write(out / "timings.csv", csv_bytes(timings))
    batch.atomic_write(out / "manifest.json",
                       (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())


def _rule_name(name: str) -> str:
    """A built-in id as given; a TOML path made absolute so every worker finds it."""
    name = name.strip()
    return str(Path(name).resolve()) if name.endswith(".toml") else name


def _rule_text(name: str) -> bytes:
    path = Path(name)
    return path.read_bytes() if path.is_file() else name.encode("utf-8")


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


# -- summaries ----------------------------------------------------------------------------------
def summary_frame(runs_frame: pd.DataFrame) -> pd.DataFrame:
    """Per rule set × forecast model: runs, mean alert and missed hours, mean cut % per
    pollutant, how many runs with an alert met every target (``met`` of ``with_alerts``), and
    how many runs' cut % is of the list only (``list_only``: cities without area sources)."""
    rows = []
    for (rules, forecast), group in runs_frame.groupby(["rules", "forecast"], sort=True):
        met = group["met"].dropna()
        rows.append({
            "rules": rules, "forecast": forecast, "runs": len(group),
            "alert_hours": group["alert_hours"].mean(),
            "missed_hours": group["missed_hours"].mean(),
            **{f"cut_pct_{p}": group[f"cut_pct_{p}"].mean() for p in POLLUTANTS},
            "met": int(met.sum()), "with_alerts": len(met),
            "list_only": int((group["base"] == LIST_ONLY).sum()),
        })
    return pd.DataFrame(rows, columns=["rules", "forecast", "runs", "alert_hours",
                                       "missed_hours", *(f"cut_pct_{p}" for p in POLLUTANTS),
                                       "met", "with_alerts", "list_only"])


def cities_by_base(runs_frame: pd.DataFrame) -> dict[str, list[str]]:
    """The replayed cities whose cut % is of the list + area sources, and of the list only."""
    bases = runs_frame.drop_duplicates("city").set_index("city")["base"]
    return {base: sorted(bases.index[bases == base]) for base in (WITH_AREA, LIST_ONLY)}


def base_note(runs_frame: pd.DataFrame, lang: str = "en") -> str:
    """One sentence, in ``lang``, saying what the cut % is a share of; plain when it is the
    list only."""
    if runs_frame.empty:
        return ""
    cities = cities_by_base(runs_frame)
    with_area, list_only = cities[WITH_AREA], cities[LIST_ONLY]
    if not list_only:
        return text("replay.base_all", lang)
    upper = text("replay.upper", lang)
    if not with_area:
        return text("replay.base_list", lang, upper=upper)
    return text("replay.base_mixed", lang, with_area=len(with_area),
                cities=len(with_area) + len(list_only),
                list_only=text("word.list_separator", lang).join(list_only), upper=upper)


def summary_json(result: ReplayResult) -> dict:
    """The machine-readable summary ``smogsim replay --json`` prints: counts, files, the
    cities per cut-% base with ``base_note``, and ``summary_frame`` as records (NaN: null)."""
    table = summary_frame(result.runs).astype(object)
    table = table.where(table.notna(), None)
    names = ("runs.parquet", "runs.csv", "cuts.parquet", "timings.csv", "manifest.json")
    return {
        "out": str(result.out),
        "runs": len(result.runs), "ran": result.ran, "resumed": result.resumed,
        "cities": len({e.city for e in result.episodes}),
        "city_episodes": len(result.episodes),
        "missing_values": int(result.gaps["missing"].sum()),
        "wall_s": round(result.wall_s, 3),
        "files": {name: str(result.out / name) for name in names},
        "base": {**cities_by_base(result.runs), "note": base_note(result.runs)},
        "summary": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
                    for row in table.to_dict("records")],
    }
