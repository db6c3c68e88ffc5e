"""The exercise's files: open a scenario for an exercise, save and load an exercise file,
export a played exercise as a normal run directory.

``open_exercise`` reads the scenario's files as ``smogsim run`` does (``simulator.io.inputs``)
and hands the model an ``exercise.model.Setup``; ``save_exercise``/``load_exercise`` write and
replay the exercise file (``exercise.record``: TOML-safe data stored as JSON); ``export_run``
writes the run directory of ``smogsim run`` plus ``decisions.csv``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd

from alerts.forecast import forecast_models, parse_model
from alerts.io import is_forecast_table, load_alert_inputs, load_forecast_table, load_observations
from alerts.lifecycle import CityLifecycle, SharedReading, tiers_for
from alerts.timeline import Track, dispatch_tracks, hourly_grid, own_tracks, unified_tracks
from simulator.core.rng import make_rng
from simulator.exercise.decisions import ExerciseError
from simulator.exercise.model import Exercise, Setup
from simulator.exercise.record import decisions_frame, replay_record, to_record
from simulator.io.files import atomic_write
from simulator.io.inputs import (
    build_inputs,
    check_covers,
    input_hashes,
    load_scenario,
    load_transport_inputs,
)
from simulator.io.rundir import ReportWriter, write_tables
from simulator.spec.scenario import ScenarioError

SUFFIX = ".json"


def open_exercise(scenario: str | Path, who: str = "", seed: int | None = None) -> Exercise:
    """An exercise on the one-city ``scenario`` (a TOML file), played by ``who``; ``seed``
    replaces the scenario's."""
    spec = load_scenario(scenario)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ExerciseError("bad_seed", value=str(seed))
        spec = replace(spec, seed=seed)
    return Exercise(read_setup(spec), who)


def read_setup(spec) -> Setup:
    """Everything the exercise needs from the scenario's files (see ``Setup``)."""
    table = is_forecast_table(spec.forecast)
    with warnings.catch_warnings():  # the scenario's notes are smogsim run's to print
        warnings.simplefilter("ignore")
        alerts = load_alert_inputs([] if table else [spec.forecast], spec.rules, city=spec.city,
                                   only_city=spec.city,
                                   forecast_table=spec.forecast if table else None,
                                   region=spec.region)
        check_covers(spec.forecast, alerts, spec.start, spec.end)
    rng = (make_rng(spec.seed, f"{spec.city}/forecast")
           if parse_model(spec.forecast_model)[0] == "noisy" else None)
    models = forecast_models(alerts.truth, spec.forecast_model, rng, alerts.table, alerts.drivers)
    models = {city: m for city, m in models.items() if city in alerts.rules}
    if spec.city not in models:
        raise ExerciseError("no_forecast", city=spec.city, file=str(spec.forecast))
    first = min(alerts.start, spec.start)
    grid = hourly_grid(first, spec.end)
    shared = SharedReading()
    tiers = tuple(CityLifecycle(spec.city, alerts.rules[spec.city], models[spec.city], tier,
                                readings=shared) for tier in tiers_for(alerts.rules[spec.city]))
    region = alerts.region
    others: dict[str, Track] = {}
    floors: tuple[dict[str, Track], ...] = ()
    if region is not None:
        rest = {c: m for c, m in models.items() if c != spec.city}
        others = own_tracks(rest, alerts.rules, grid)
        floors = (unified_tracks(region, models, alerts.rules, grid),
                  dispatch_tracks(region, grid))
    inputs = build_inputs(spec, windows=())
    transport = load_transport_inputs(spec.transport) if spec.transport else None
    return Setup(spec, inputs, transport, tiers, first, region, others, floors,
                 _pm25(spec.forecast, spec.city) if not table else None,
                 _ranges(spec.forecast, spec.city) if table else None, input_hashes(spec))


def _pm25(path: Path, city: str) -> pd.Series | None:
    """Hourly PM2.5 of the city's forecast (the world without measures), None without."""
    frame = load_observations([path], only_city=city).cities.get(city)
    if frame is None or "PM2.5" not in frame.columns:
        return None
    return frame["PM2.5"]


def _ranges(path: Path, city: str) -> pd.DataFrame | None:
    frame = load_forecast_table(path)
    if not {"daily_aqi_low", "daily_aqi_high"} <= set(frame.columns):
        return None
    return frame[frame["city"] == city].reset_index(drop=True)


# -- the exercise file -------------------------------------------------------------------------
def save_exercise(ex: Exercise, path: str | Path) -> Path:
    """Write the exercise file (JSON); the scenario path is stored relative to it."""
    path = Path(path)
    record = to_record(ex, relative_to=path.resolve().parent)
    atomic_write(path, (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode())
    return path


def load_exercise(path: str | Path) -> Exercise:
    """Re-open the scenario an exercise file names, check its inputs' hashes and replay every
    decision; a file that does not fit is a one-line ``ExerciseError``."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise ExerciseError("bad_file", file=str(path), problem=str(bad).splitlines()[0]
                            ) from None
    if not isinstance(record, dict) or "scenario" not in record:
        raise ExerciseError("bad_file", file=str(path), problem="no scenario")
    scenario = (path.resolve().parent / str(record["scenario"])).resolve()
    if not scenario.is_file():
        raise ExerciseError("no_scenario", file=str(path), scenario=str(scenario))
    try:
        ex = open_exercise(scenario, str(record.get("who", "")), record.get("seed"))
    except ScenarioError as bad:
        raise ExerciseError("bad_file", file=str(path), problem=str(bad)) from None
    return replay_record(ex, record, str(path))


def export_run(ex: Exercise, out_dir: str | Path, lang: str = "zh",
               report: ReportWriter | None = None) -> Path:
    """The run directory of the played exercise: ``smogsim run``'s tables (names in ``lang``),
    ``decisions.csv`` (every decision with time, who and kind) and, with a ``report`` writer
    (``simulator.report.add_report``), ``report.html``. Written atomically."""
    run = ex.result()
    out_dir = Path(out_dir)
    tables = run.named_tables(lang)
    tables["decisions.csv"] = decisions_frame(ex)
    manifest = {**run.manifest(out_dir.name), "lang": lang,
                "exercise": {"who": ex.who, "decisions": len(ex.log),
                             "human": sum(r["kind"] == "human" for r in ex.log)}}
    return write_tables(out_dir, tables, manifest, report=report)
