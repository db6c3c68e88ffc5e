"""File access for the simulator: scenario files in, run directories out.

A run directory is written under a temporary name and renamed into place only when complete,
so a failed run never leaves a partial directory and never touches an earlier one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.forecast import parse_model
from alerts.io import is_forecast_table, load_alert_inputs, load_ruleset
from enterprises.area import AreaSource, area_cut_fractions, area_rates, default_cuts
from enterprises.errors import MeasureTableError
from enterprises.inventory import Inventory
from enterprises.io import load_inventory
from enterprises.measures import MeasureTable
from simulator.engine import CityInputs
from simulator.report import add_report
from simulator.results import RunResult
from simulator.scenario import ScenarioError, ScenarioSpec

CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM


def read_scenario_toml(path: str | Path) -> tuple[dict, Path]:
    """The parsed scenario file and its resolved path; a missing or malformed file is a
    one-line ``ScenarioError``."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except tomllib.TOMLDecodeError as bad:
        raise ScenarioError(f"{path}: not valid TOML ({bad})") from None


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario TOML file."""
    return ScenarioSpec.from_dict(*read_scenario_toml(path))


def build_inputs(spec: ScenarioSpec, rng: np.random.Generator | None = None,
                 windows: tuple | None = None, inventory: Inventory | None = None
                 ) -> CityInputs:
    """Read every file the scenario names and turn them into model inputs for its city.

    The city's alert windows come from the alert lifecycle (``alerts.timeline``) with the
    scenario's forecast model and region file. ``rng`` feeds a noisy forecast model; without
    one, a generator is made from the scenario's seed (``simulator.runner.make_rng``).
    ``windows`` given (e.g. by a regional run's joint timeline) skip the lifecycle.
    ``inventory``: the scenario's list already loaded (a regional run shares one over its
    cities); the city's enterprises are taken from it as from the file.
    """
    rules = load_ruleset(spec.rules)
    inventory = load_inventory(spec.inventory) if inventory is None else inventory
    in_city = inventory.cities == spec.city
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
        measures=_measures(spec),
        area_cuts=cuts,
        seasonal=spec.seasonal,
        compliance=getattr(spec, "compliance", None),
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


def _measures(spec: ScenarioSpec) -> MeasureTable:
    """The bundled catalogue, with the scenario's override rows (``[measures] file``) on top."""
    if spec.measures is None:
        return MeasureTable.default()
    try:
        return MeasureTable.default().overlay(MeasureTable.from_csv(spec.measures))
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
        from simulator.runner import make_rng  # runner imports this module

        rng = make_rng(spec.seed, f"{spec.city}/forecast")
    windows = inputs.windows(spec.forecast_model, rng, start=spec.start, end=spec.end)
    return tuple(windows.get(spec.city, ()))


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_hashes(spec: ScenarioSpec) -> dict[str, str]:
    files = {"scenario": spec.source, "inventory": spec.inventory, "forecast": spec.forecast}
    if spec.region is not None:
        files["region"] = spec.region
    if getattr(spec, "measures", None) is not None:
        files["measures"] = spec.measures
    if Path(spec.rules).is_file():
        files["rules"] = Path(spec.rules)
    return {name: "sha256:" + file_digest(p) for name, p in files.items() if p}


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A run table as smogsim writes it: UTF-8 with BOM, minutes, 6 decimals, LF."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(path, index=False, encoding=CSV_ENCODING, float_format="%.6f",
               lineterminator="\n")


def default_run_dir(out: Path | None, stem: str) -> Path:
    """``out``, else a new ``runs/out/<stem>-<time>`` (suffixed -2, -3 … if taken)."""
    if out is not None:
        return out
    base = Path("runs") / "out" / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@contextmanager
def staged_run_dir(out_dir: Path) -> Iterator[Path]:
    """A run directory written atomically: fill the yielded temporary folder; it becomes
    ``out_dir`` when the block ends, and is removed if the block fails (nothing half-written,
    nothing existing overwritten)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir}: run directory already exists — choose another --out")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    try:
        tmp.mkdir()
        yield tmp
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def finish_run_dir(folder: Path, manifest: dict) -> None:
    """Last files of a run directory: ``report.html`` (skipped without matplotlib), then
    ``manifest.json`` listing it."""
    manifest = add_report(folder, manifest)
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_run(result: RunResult, out_dir: Path, manifest: dict,
              tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write ``alerts.csv``, ``episodes.csv``, ``audit.csv``, ``enterprises.csv``,
    ``breakdown.csv``, the extra CSV ``tables`` by file name (e.g. ``transport.csv``),
    ``report.html`` and ``manifest.json`` into ``out_dir`` atomically; return ``out_dir``."""
    with staged_run_dir(out_dir) as tmp:
        write_csv(result.alerts, tmp / "alerts.csv")
        write_csv(result.episodes, tmp / "episodes.csv")
        write_csv(result.audit, tmp / "audit.csv")
        write_csv(result.enterprise_tonnes, tmp / "enterprises.csv")
        if result.breakdown is not None:
            write_csv(result.breakdown, tmp / "breakdown.csv")
        if getattr(result, "verification", None) is not None:  # compliance model on
            write_csv(result.verification, tmp / "verification.csv")
            write_csv(result.inspections, tmp / "inspections.csv")
        for name, frame in (tables or {}).items():
            write_csv(frame, tmp / name)
        finish_run_dir(tmp, manifest)
    return Path(out_dir)
