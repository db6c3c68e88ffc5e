"""Replay historical observations: find the episodes, run the grid, tally what each run cut.

``replay`` is the orchestrator behind ``smogsim replay``:

1. read the hourly observations of every city and validate every input before anything is
   written (``ReplayInputError``, one line);
2. detect episodes per city (``detect_episodes``): maximal stretches where some alert level is
   reached under any of the rule sets, padded by a margin on each side;
3. stage each city's observations and inventory once as Parquet under ``OUT/inputs/``;
4. expand the grid city × episode × rule set × forecast model × replicate into
   ``simulator.batch.Task`` values and run the unfinished ones (``run_task`` in the workers);
5. gather the parts into ``runs.parquet`` (+ ``runs.csv``) and ``cuts.parquet``.

The couplings to other packages are one adapter function each, so they can be rewired alone:
``read_observations`` (alerts.io), ``forecast_windows`` (the forecast models), and
``city_inventories`` (enterprises).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.io import AlertInputError, load_observations, load_ruleset
from alerts.levels import Level
from alerts.observations import city_daily_aqi
from alerts.rules import RuleSet
from alerts.triggers import AlertWindow, alert_windows, hourly_levels, runs
from enterprises.errors import InventoryError
from enterprises.inventory import Inventory
from enterprises.io import load_inventory
from enterprises.measures import MeasureTable
from enterprises.schema import POLLUTANTS
from enterprises.synthetic import synthesize
from simulator import batch
from simulator.batch import Task
from simulator.engine import CityInputs, Simulation
from simulator.runner import make_rng, smogsim_version

HOUR = pd.Timedelta(hours=1)
DEFAULT_MARGIN_HOURS = 48  # assumption: 2 days of ordinary air before and after an episode
ALERT_LEVELS = tuple(lv for lv in Level if lv != Level.NONE)
KEY_COLUMNS = ["city", "episode", "rules", "forecast", "replicate"]
RUN_COLUMNS = [
    *KEY_COLUMNS, "seed", "start", "end", "hours", "alerts", "peak_level", "alert_hours",
    *(f"hours_{lv.id}" for lv in ALERT_LEVELS), "observed_hours", "missed_hours", "target_pct",
    *(f"cut_pct_{p}" for p in POLLUTANTS), *(f"met_{p}" for p in POLLUTANTS), "met",
]
CUT_COLUMNS = [*KEY_COLUMNS, "alert_episode", "level", "start", "end", "hours", "pollutant",
               "baseline_t", "actual_t", "cut_t", "cut_pct", "target_pct", "met"]
CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM


class ReplayInputError(ValueError):
    """Bad replay input; the message is one line naming the file or option and the value."""


USER_ERRORS = (ReplayInputError, AlertInputError, InventoryError)


# -- adapters (one per neighbouring package) ----------------------------------------------------
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
    """Canonical forecast model name: ``perfect`` or ``late:<hours>`` (whole hours ≥ 0)."""
    text = name.strip()
    if text == "perfect":
        return text
    match = re.fullmatch(r"late:(\d+)", text)
    if match:
        return f"late:{int(match.group(1))}"
    raise ReplayInputError(f"--forecast: value {name!r} — expected perfect or late:<hours>")


def forecast_windows(daily: pd.Series, rules: RuleSet, city: str,
                     model: str) -> list[AlertWindow]:
    """Alert windows a city would issue under forecast ``model``, from its observed daily AQI.

    REWIRE when the forecast models land (perfect/persistence/noisy/late:<h>). Until then:

    * ``perfect``: the forecast is the observation itself;
    * ``late:<h>``: the forecast arrives ``h`` hours late, so every window (issue, start and
      end) is decided on the observed series shifted ``h`` hours later.
    """
    model = parse_forecast(model)
    if model != "perfect":
        shifted = daily.copy()
        shifted.index = shifted.index + int(model.split(":")[1]) * HOUR
        daily = shifted
    return alert_windows(daily, rules, city)


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


# -- episodes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Episode:
    """A padded replay period ``[start, end)`` of one city, numbered from 1 per city."""

    city: str
    number: int
    start: pd.Timestamp
    end: pd.Timestamp


def detect_episodes(daily: pd.Series, rulesets: Sequence[RuleSet], city: str = "",
                    margin_hours: int = DEFAULT_MARGIN_HOURS) -> list[Episode]:
    """Episodes of an hourly daily-AQI series: stretches at any level under any rule set.

    Each maximal stretch of hours where ``hourly_levels`` is above ``NONE`` for at least one
    rule set is padded by ``margin_hours`` on both sides (clipped to the series); padded
    stretches that touch or overlap are merged, so no hour is replayed twice for a city.
    """
    if daily.empty:
        return []
    daily = daily.asfreq("h")
    reached = np.zeros(len(daily), bool)
    for rules in rulesets:
        reached |= hourly_levels(daily, rules).to_numpy(int) > int(Level.NONE)
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


# -- the task run in a worker -------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _ruleset(name: str) -> RuleSet:
    return load_ruleset(name)


@functools.lru_cache(maxsize=1)
def _measures() -> MeasureTable:
    return MeasureTable.default()


@functools.lru_cache(maxsize=8)
def _daily_aqi(path: str) -> pd.Series:
    return pd.read_parquet(path).set_index("time")["daily_aqi"].asfreq("h")


@functools.lru_cache(maxsize=8)
def _inventory(path: str) -> Inventory:
    return Inventory.from_frame(pd.read_parquet(path))


def run_task(task: Task) -> dict[str, pd.DataFrame]:
    """Simulate one grid point and return its ``runs`` row and ``cuts`` rows.

    Pure: everything is built here from the task's plain values and staged files, with one
    generator from ``make_rng(task.seed, task.key)``.
    """
    rules = _ruleset(task.rules)
    daily = _daily_aqi(task.observations)
    start, end = pd.Timestamp(task.start), pd.Timestamp(task.end)
    inputs = CityInputs(
        city=task.city, start=start, end=end, inventory=_inventory(task.inventory),
        area_rates=np.zeros(len(POLLUTANTS)),  # assumption: no area sources in a replay yet
        windows=tuple(forecast_windows(daily, rules, task.city, task.forecast)),
        rules=rules, measures=_measures(),
    )
    result = Simulation(inputs, make_rng(task.seed, task.key)).run()
    keys = {"city": task.city, "episode": task.episode, "rules": task.rules,
            "forecast": task.forecast, "replicate": task.replicate}
    observed, missed = coverage(daily, rules, inputs.windows, start, end)
    return {"runs": run_row(keys, task, result.episodes, len(result.alerts),
                            observed_hours=observed, missed_hours=missed),
            "cuts": cut_rows(keys, result.episodes)}


def coverage(daily: pd.Series, rules: RuleSet, windows: Sequence[AlertWindow],
             start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, float]:
    """Hours of ``[start, end)`` the observed air reached an alert level, and of those the hours
    whose alert in force was lower (or none): what a late or low forecast costs.

    The observed level is ``hourly_levels`` of the observed daily AQI under ``rules``; the alert
    in force is the highest window covering the hour.
    """
    hours = pd.date_range(start, end - HOUR, freq="h")
    observed = hourly_levels(daily, rules).reindex(hours, fill_value=Level.NONE)
    observed = observed.to_numpy(int)
    issued = np.zeros(len(hours), int)
    for window in windows:
        inside = (hours >= window.start) & (hours < window.end)
        issued[inside] = np.maximum(issued[inside], int(window.level))
    reached = observed > int(Level.NONE)
    return float(reached.sum()), float((reached & (issued < observed)).sum())


def run_row(keys: dict, task: Task, episodes: pd.DataFrame, alerts: int, *,
            observed_hours: float = np.nan, missed_hours: float = np.nan) -> pd.DataFrame:
    """One row per run: alert hours per level, cut % per pollutant, targets met.

    ``observed_hours`` and ``missed_hours`` come from ``coverage``.

    ``cut_pct_<P>`` is 100 × Σ cut / Σ baseline over the run's alert segments; ``target_pct``
    is the hours-weighted mean of their level targets; ``met_<P>`` holds when every segment met
    its own level's target for P, ``met`` when that holds for every pollutant (NA: no alert).
    """
    start, end = pd.Timestamp(task.start), pd.Timestamp(task.end)
    segments = episodes.drop_duplicates(["episode", "start"])
    row: dict = {**keys, "seed": task.seed, "start": start, "end": end,
                 "hours": (end - start) / HOUR, "alerts": alerts}
    peak = max((Level.parse(lv) for lv in segments["level"]), default=Level.NONE)
    row["peak_level"] = peak.id
    row["alert_hours"] = float(segments["hours"].sum())
    for lv in ALERT_LEVELS:
        row[f"hours_{lv.id}"] = float(segments.loc[segments["level"] == lv.id, "hours"].sum())
    row["observed_hours"], row["missed_hours"] = observed_hours, missed_hours
    hours = segments["hours"].to_numpy(float)
    row["target_pct"] = (float(np.dot(hours, segments["target_pct"]) / hours.sum())
                         if hours.sum() > 0 else np.nan)
    met_all = []
    for p in POLLUTANTS:
        rows = episodes[episodes["pollutant"] == p]
        base = rows["baseline_t"].sum()
        row[f"cut_pct_{p}"] = 100.0 * rows["cut_t"].sum() / base if base > 0 else np.nan
        row[f"met_{p}"] = bool(rows["met"].all()) if len(rows) else pd.NA
        met_all.append(row[f"met_{p}"])
    row["met"] = pd.NA if not len(segments) else all(met_all)
    frame = pd.DataFrame([row], columns=RUN_COLUMNS)
    return frame.astype({f"met_{p}": "boolean" for p in POLLUTANTS} | {"met": "boolean"})


def cut_rows(keys: dict, episodes: pd.DataFrame) -> pd.DataFrame:
    """The long cut table of one run: segment × pollutant, with the run's key columns."""
    frame = episodes.rename(columns={"episode": "alert_episode"}).drop(columns="city")
    for name, value in keys.items():
        frame[name] = value
    frame = frame.reindex(columns=CUT_COLUMNS)
    return frame.astype({"episode": "int64", "replicate": "int64", "alert_episode": "int64",
                         "hours": "float64", "baseline_t": "float64", "actual_t": "float64",
                         "cut_t": "float64", "cut_pct": "float64", "target_pct": "float64",
                         "met": "bool", "start": "datetime64[us]", "end": "datetime64[us]"})


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


def plan(observations: Sequence[str | Path], inventory: str, rules: Sequence[str],
         forecasts: Sequence[str], replicates: int, out: str | Path, *, seed: int = 0,
         margin_hours: int = DEFAULT_MARGIN_HOURS, resume: bool = False,
         cities: Sequence[str] = ()) -> ReplayPlan:
    """Validate every input and expand the grid; nothing is written yet."""
    out = Path(out).resolve()
    if replicates < 1:
        raise ReplayInputError(f"--replicates: value {replicates} — expected a whole number ≥ 1")
    if margin_hours < 0:
        raise ReplayInputError(f"--margin-hours: value {margin_hours} — expected ≥ 0")
    if out.exists() and not resume and any(out.iterdir()):
        raise ReplayInputError(f"{out}: output directory is not empty — pass --resume to "
                               "continue the replay in it, or choose another --out")
    rule_names = [_rule_name(r) for r in rules]
    rulesets = [load_ruleset(r) for r in rule_names]
    models = list(dict.fromkeys(parse_forecast(m) for m in forecasts))
    daily_by_city, gaps = read_observations(observations, cities)
    lists = city_inventories(inventory, list(daily_by_city), seed)
    episodes, staged, periods = [], {}, []
    rules_digest = _digest(*(_rule_text(r) for r in rule_names))
    for city, daily in daily_by_city.items():
        found = detect_episodes(daily, rulesets, city, margin_hours)
        if not found:
            continue
        # Workers need only the city's daily AQI, so that is what is staged.
        obs = batch.parquet_bytes(daily.rename("daily_aqi").reset_index())
        inv = batch.parquet_bytes(lists[city].to_frame())
        obs_path = out / "inputs" / f"obs-{_digest(obs)[:16]}.parquet"
        inv_path = out / "inputs" / f"inv-{_digest(inv)[:16]}.parquet"
        staged |= {obs_path: obs, inv_path: inv}
        inputs = _digest(obs, inv, rules_digest.encode())[:16]
        for ep in found:
            episodes.append(ep)
            periods.append({"city": city, "episode": ep.number, "start": ep.start.isoformat(),
                            "end": ep.end.isoformat(), "observations": str(obs_path),
                            "inventory": str(inv_path), "inputs": inputs})
    tasks = batch.grid(periods, rule_names, models, replicates, seed)
    return ReplayPlan(out, tuple(tasks), tuple(episodes), staged, gaps)


def replay(observations: Sequence[str | Path], inventory: str, rules: Sequence[str],
           forecasts: Sequence[str], replicates: int, out: str | Path, *, seed: int = 0,
           margin_hours: int = DEFAULT_MARGIN_HOURS, engine: str = "serial", workers: int = 1,
           scheduler: str | None = None, resume: bool = False, cities: Sequence[str] = (),
           on_start: Callable[[int, int], None] | None = None,
           on_done: Callable[[dict], None] | None = None) -> ReplayResult:
    """Replay the observations over the grid and write ``out``; see the module docstring.

    ``on_start(total, already_finished)`` and ``on_done(marker)`` drive a progress display.
    Raises ``ReplayInputError`` (or a loader's one-line error) before writing anything when an
    input is bad, and ``batch.BatchError`` when a task fails (finished parts are kept).
    """
    t0 = time.perf_counter()
    p = plan(observations, inventory, rules, forecasts, replicates, out, seed=seed,
             margin_hours=margin_hours, resume=resume, cities=cities)
    parts = p.out / "parts"
    for directory in (p.out / "inputs", parts):
        directory.mkdir(parents=True, exist_ok=True)
    for path, data in p.staged.items():
        if not path.exists():
            batch.atomic_write(path, data)
    batch.remove_stale_temporaries(parts)
    todo = batch.pending(p.tasks, parts)
    if on_start:
        on_start(len(p.tasks), len(p.tasks) - len(todo))
    batch.run_tasks(todo, run_task, parts, engine=engine, workers=workers,
                    scheduler=scheduler, on_done=on_done)
    runs_frame, cuts_frame, timings = gather(p.tasks, parts)
    wall = time.perf_counter() - t0
    write_outputs(p.out, runs_frame, cuts_frame, timings, {
        "smogsim_version": smogsim_version(), "seed": seed, "rules": list(rules),
        "forecasts": list(forecasts), "replicates": replicates, "margin_hours": margin_hours,
        "inventory": inventory, "observations": [str(Path(o).resolve()) for o in observations],
        "cities": list(cities),
        "engine": engine, "workers": workers, "scheduler": scheduler, "runs": len(p.tasks),
        "ran": len(todo), "resumed": len(p.tasks) - len(todo),
        "city_episodes": len(p.episodes), "missing_values": int(p.gaps["missing"].sum()),
        "wall_s": round(wall, 3),
    })
    return ReplayResult(p.out, runs_frame, cuts_frame, p.episodes, len(todo),
                        len(p.tasks) - len(todo), wall, p.gaps)


def gather(tasks: Sequence[Task], parts: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read every finished part in key order into the final runs and cuts tables."""
    runs_parts, cut_parts, timings = [], [], []
    for task in sorted(tasks, key=lambda t: t.sort_key):
        marker, tables = batch.read_part(parts, task)
        runs_parts.append(tables["runs"])
        if len(tables["cuts"]):
            cut_parts.append(tables["cuts"])
        timings.append({**dict(zip(KEY_COLUMNS, task.sort_key, strict=True)),
                        "wall_s": marker["wall_s"]})
    runs_frame = (pd.concat(runs_parts, ignore_index=True) if runs_parts
                  else pd.DataFrame(columns=RUN_COLUMNS))
    cuts_frame = (pd.concat(cut_parts, ignore_index=True) if cut_parts
                  else pd.DataFrame(columns=CUT_COLUMNS))
    return runs_frame, cuts_frame, pd.DataFrame(timings, columns=[*KEY_COLUMNS, "wall_s"])


def write_outputs(out: Path, runs_frame: pd.DataFrame, cuts_frame: pd.DataFrame,
                  timings: pd.DataFrame, manifest: dict) -> None:
    """Final tables, each written atomically; wall times only in timings.csv and manifest."""
    batch.atomic_write(out / "runs.parquet", batch.parquet_bytes(runs_frame))
    batch.atomic_write(out / "cuts.parquet", batch.parquet_bytes(cuts_frame))
    batch.atomic_write(out / "runs.csv", _csv_bytes(runs_frame))
    batch.atomic_write(out / "timings.csv", _csv_bytes(timings))
    batch.atomic_write(out / "manifest.json",
                       (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    text = out.to_csv(index=False, float_format="%.6f", lineterminator="\n")
    return text.encode(CSV_ENCODING)


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
    pollutant, and how many runs with an alert met every target (``met`` of ``with_alerts``)."""
    rows = []
    for (rules, forecast), group in runs_frame.groupby(["rules", "forecast"], sort=True):
        met = group["met"].dropna()
        rows.append({
            "rules": rules, "forecast": forecast, "runs": len(group),
            "alert_hours": group["alert_hours"].mean(),
            "missed_hours": group["missed_hours"].mean(),
            **{f"cut_pct_{p}": group[f"cut_pct_{p}"].mean() for p in POLLUTANTS},
            "met": int(met.sum()), "with_alerts": len(met),
        })
    return pd.DataFrame(rows, columns=["rules", "forecast", "runs", "alert_hours",
                                       "missed_hours", *(f"cut_pct_{p}" for p in POLLUTANTS),
                                       "met", "with_alerts"])


def summary_json(result: ReplayResult) -> dict:
    """The machine-readable summary ``smogsim replay --json`` prints: counts, files, and
    ``summary_frame`` as records (NaN becomes null)."""
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
        "summary": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
                    for row in table.to_dict("records")],
    }
