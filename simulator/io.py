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
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.aqi import daily_aqi
from alerts.io import load_forecast, load_ruleset
from alerts.triggers import alert_windows
from enterprises.io import load_inventory
from enterprises.measures import MeasureTable
from simulator.engine import CityInputs
from simulator.results import RunResult
from simulator.scenario import ScenarioError, ScenarioSpec

HOURS_PER_YEAR = 8760.0  # area sources spread evenly over the year — assumption, as for the list
CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a scenario TOML file."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as bad:
        raise ScenarioError(f"{path}: not valid TOML ({bad})") from None
    return ScenarioSpec.from_dict(data, path)


def build_inputs(spec: ScenarioSpec) -> CityInputs:
    """Read every file the scenario names and turn them into model inputs for its city."""
    rules = load_ruleset(spec.rules)
    inventory = load_inventory(spec.inventory)
    in_city = inventory.cities == spec.city
    if not in_city.any():
        raise ScenarioError(f"{spec.inventory}: column city: no enterprise in {spec.city!r} — "
                            f"expected the scenario's city")
    forecast = load_forecast(spec.forecast, city=spec.city).asfreq("h")
    daily = forecast["daily_aqi"] if "daily_aqi" in forecast else daily_aqi(forecast)
    area = np.array(list(spec.area_sources.values()), float).reshape(-1, 4).sum(axis=0)
    return CityInputs(
        city=spec.city,
        start=spec.start,
        end=spec.end,
        inventory=inventory.subset(in_city),
        area_rates=area / HOURS_PER_YEAR,
        windows=tuple(alert_windows(daily, rules, spec.city)),
        rules=rules,
        measures=MeasureTable.default(),
    )


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_hashes(spec: ScenarioSpec) -> dict[str, str]:
    files = {"scenario": spec.source, "inventory": spec.inventory, "forecast": spec.forecast}
    if Path(spec.rules).is_file():
        files["rules"] = Path(spec.rules)
    return {name: "sha256:" + file_digest(p) for name, p in files.items() if p}


def _csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(path, index=False, encoding=CSV_ENCODING, float_format="%.6f",
               lineterminator="\n")


def write_run(result: RunResult, out_dir: Path, manifest: dict) -> Path:
    """Write ``alerts.csv``, ``episodes.csv``, ``audit.csv``, ``enterprises.csv`` and
    ``manifest.json`` into ``out_dir`` atomically; return the final directory."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir}: run directory already exists — choose another --out")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    try:
        tmp.mkdir()
        _csv(result.alerts, tmp / "alerts.csv")
        _csv(result.episodes, tmp / "episodes.csv")
        _csv(result.audit, tmp / "audit.csv")
        _csv(result.enterprise_tonnes, tmp / "enterprises.csv")
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
