"""Replay scaling: cost per unit of work against cities, seasons and enterprises, and memory
against the number of runs.

**Cost.** From a base of 2 cities × 1 heating season × 300 enterprises a city (the national-decade
data, ``benchmarks.decade_inputs``; 2 rule sets × 2 forecast models), one dimension at a time is
scaled 1×, 2×, 4×, 8×. Each case is one serial ``replay`` from an empty folder, in this process
(no worker start-up in the figures); its wall time covers reading, staging, the runs and
gathering. The unit of work is a run for cities and seasons (more of them make more runs of
the same shape), and a run of 1,000 enterprises for enterprises (the runs stay the same, each
carries more enterprises).

**Memory.** ``python -m benchmarks.linear --child-memory RUNS`` replays one fixed input (2 cities
× 1 season) with 2 worker processes and as many noisy replicates as it takes to reach ``RUNS``;
it records its own resident memory (``VmRSS``) as 250, 500, 1,000, 2,000 runs finish — every
run's tables go to its Parquet part in the worker, the parent keeps only the part markers —
then its peak (``VmHWM``) after gathering every part into the final tables, and the peak of
each worker. A fresh process, so the figures are the replay's own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import decade_inputs as data
from benchmarks.workers import WorkerPeaks, high_water_mib, resident_mib
from simulator.batch.replay import replay

RULES = ("mee-2019", "mee-2024")
FORECASTS = ("perfect", "noisy")
BASE_CITIES, BASE_SEASONS, BASE_ENTERPRISES = 2, 1, data.ENTERPRISES_PER_CITY
FACTORS = (1, 2, 4, 8)
QUICK_FACTORS = (1, 2)
FLAT_TOLERANCE = 1.2  # "does not grow": within 20 % of the 1× cost (assumption: timing noise)
MEMORY_TOLERANCE = 1.1  # "flat": the last checkpoint within 10 % of the first (assumption)
CHECKPOINTS = (250, 500, 1_000, 2_000)
QUICK_CHECKPOINTS = (250, 500)


def cost_case(dimension: str, factor: int, root: Path) -> dict:
    cities = BASE_CITIES * (factor if dimension == "cities" else 1)
    seasons = BASE_SEASONS * (factor if dimension == "seasons" else 1)
    enterprises = BASE_ENTERPRISES * (factor if dimension == "enterprises" else 1)
    folder = root / f"{dimension}-{factor}"
    folder.mkdir()
    files = data.write_observations(folder, range(cities), seasons)
    inventory = data.write_inventory(folder / "inventory.csv", range(cities), enterprises)
    t0 = time.perf_counter()
    result = replay(files, str(inventory), list(RULES), list(FORECASTS), 1, folder / "out")
    wall = time.perf_counter() - t0
    runs = len(result.runs)
    units = runs * enterprises / 1_000 if dimension == "enterprises" else runs
    return {"dimension": dimension, "factor": factor, "cities": cities, "seasons": seasons,
            "enterprises_per_city": enterprises, "runs": runs, "wall_s": round(wall, 3),
            "unit": "run of 1,000 enterprises" if dimension == "enterprises" else "run",
            "ms_per_unit": round(wall / units * 1e3, 2)}


def cost_table(quick: bool) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="smogsim-bench-linear-"))
    rows = []
    try:
        for dimension in ("cities", "seasons", "enterprises"):
            for factor in QUICK_FACTORS if quick else FACTORS:
                rows.append(cost_case(dimension, factor, root))
                base = rows[-1] if factor == 1 else next(
                    r for r in rows if r["dimension"] == dimension and r["factor"] == 1)
                rows[-1]["vs_1x"] = round(rows[-1]["ms_per_unit"] / base["ms_per_unit"], 2)
                rows[-1]["flat"] = rows[-1]["vs_1x"] <= FLAT_TOLERANCE
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return rows


def memory_child(target_runs: int, checkpoints: tuple[int, ...]) -> dict:
    """Replay ≥ ``target_runs`` runs with 2 workers; resident memory as runs finish."""
    root = Path(tempfile.mkdtemp(prefix="smogsim-bench-memory-"))
    try:
        files = data.write_observations(root, range(BASE_CITIES), BASE_SEASONS)
        inventory = data.write_inventory(root / "inventory.csv", range(BASE_CITIES))
        probe = replay(files, str(inventory), list(RULES), list(FORECASTS), 1, root / "probe")
        replicates = -(-target_runs // len(probe.runs))
        shutil.rmtree(root / "probe")
        finished, seen = [0], {}
        start_mib = resident_mib()

        def done(marker: dict) -> None:
            finished[0] += marker["files"]["runs"]["rows"]
            for mark in checkpoints:
                if finished[0] >= mark and mark not in seen:
                    seen[mark] = round(resident_mib(), 1)

        with WorkerPeaks() as workers:
            t0 = time.perf_counter()
            result = replay(files, str(inventory), list(RULES), list(FORECASTS), replicates,
                            root / "out", engine="processes", workers=2, on_done=done)
            wall = time.perf_counter() - t0
        values = list(seen.values())
        tables = sum(int(f.memory_usage(deep=True).sum()) for f in (result.runs, result.cuts))
        return {"runs": len(result.runs), "replicates": replicates, "wall_s": round(wall, 2),
                "rss_before_mib": round(start_mib, 1),
                "rss_at_runs_mib": {str(k): v for k, v in seen.items()},
                "flat": max(values) <= values[0] * MEMORY_TOLERANCE,
                "peak_after_gather_mib": round(high_water_mib(os.getpid()) or 0.0, 1),
                "final_tables_mib": round(tables / 2**20, 2),
                "cut_rows": len(result.cuts),
                "worker_peak_mib": sorted(round(v) for v in workers.peaks.values())}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def memory(quick: bool) -> dict:
    """The memory case in a fresh interpreter (its peak is then its own)."""
    checkpoints = QUICK_CHECKPOINTS if quick else CHECKPOINTS
    out = subprocess.run([sys.executable, "-m", "benchmarks.linear", "--child-memory",
                          ",".join(map(str, checkpoints))], check=True, capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout)


def main(quick: bool = False) -> dict:
    return {"cost": cost_table(quick), "memory": memory(quick)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.linear",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1× and 2× only; up to 500 runs")
    parser.add_argument("--child-memory", metavar="RUNS,…",
                        help="the memory case alone in this process, JSON on stdout")
    args = parser.parse_args()
    if args.child_memory:
        marks = tuple(int(x) for x in args.child_memory.split(","))
        print(json.dumps(memory_child(max(marks), marks)))
    else:
        print(json.dumps(main(args.quick), ensure_ascii=False, indent=1))
