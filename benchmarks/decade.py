"""National decade: 340 synthetic cities × 10 heating seasons replayed, and the cluster it needs.

The grid is city × episode × rule set (mee-2019, mee-2024) × forecast model (perfect, noisy)
over hourly observations written seeded into a temporary folder (``benchmarks.decade_inputs``:
≈ 2.9 episodes a city-season, so ≈ 126 runs a city). The whole grid is ≈ 43,000 runs, over an hour
on 2 cores, so ``make bench`` replays a measured sample — the first ``SAMPLE_CITIES`` cities (one
of each synthetic profile) through all 10 seasons — with three runners, each from an empty
output folder: ``processes`` with 1 and with 2 workers, and ``--scheduler`` on a Dask cluster
of 2 workers started as real ``dask scheduler`` and ``dask worker`` processes
(``benchmarks.workers``). Each case reports wall time, runs/s, the split of the wall into
reading and staging (before the first run), the runs, and gathering (after the last), and the
peak resident memory of each worker process.

From those it projects the workers needed to replay the full grid in one hour (``projection``).
``python -m benchmarks.decade [--cities N] [--full]`` runs it alone; ``--full`` replays all 340
cities (≈ 43,000 runs per runner: several hours for the three runners on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import decade_inputs as data
from benchmarks.workers import WorkerPeaks, dask_cluster, high_water_mib
from simulator.batch.replay import replay

RULES = ("mee-2019", "mee-2024")
FORECASTS = ("perfect", "noisy")
NOISY_REPLICATES = 10  # the full grid's noisy replicates (perfect draws nothing: 1 is enough)
SAMPLE_CITIES = 5  # one city of each synthetic profile, all seasons: 628 runs
QUICK_CITIES, QUICK_SEASONS = 1, 3
HOUR_S = 3600.0
WORKERS = 2


def run_case(label: str, files: list[Path], inventory: Path, out: Path, *, engine: str,
             workers: int, scheduler: str | None = None,
             worker_pids: list[int] | None = None) -> dict:
    """One replay from an empty folder; wall time split at the first and the last run."""
    marks: dict[str, float] = {}

    def started(total: int, finished: int) -> None:
        marks["start"] = time.perf_counter()

    def done(marker: dict) -> None:
        marks["last"] = time.perf_counter()

    with WorkerPeaks() as peaks:
        t0 = time.perf_counter()
        result = replay(files, str(inventory), list(RULES), list(FORECASTS), 1, out,
                        engine=engine, workers=workers, scheduler=scheduler,
                        on_start=started, on_done=done)
        wall = time.perf_counter() - t0
        if worker_pids:  # Dask workers outlive the replay: read them once, here
            peaks.read(worker_pids)
    runs = len(result.runs)
    run_s = marks["last"] - marks["start"]
    return {"case": label, "engine": engine, "workers": workers, "runs": runs,
            "city_episodes": len(result.episodes), "wall_s": round(wall, 2),
            "runs_per_s": round(runs / wall, 2),
            "setup_s": round(marks["start"] - t0, 2), "run_s": round(run_s, 2),
            "gather_s": round(t0 + wall - marks["last"], 2),
            "run_phase_runs_per_s": round(runs / run_s, 2),
            "worker_peak_mib": sorted(round(v) for v in peaks.peaks.values())}


def measure(cities: int, seasons: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix="smogsim-bench-decade-"))
    try:
        t0 = time.perf_counter()
        files = data.write_observations(root, range(cities), seasons)
        inventory = data.write_inventory(root / "inventory.csv", range(cities))
        write_s = time.perf_counter() - t0
        cases = [run_case(f"processes ×{n}", files, inventory, root / f"out-p{n}",
                          engine="processes", workers=n) for n in (1, WORKERS)]
        with dask_cluster(WORKERS) as cluster:
            cases.append(run_case(f"dask scheduler + {WORKERS} dask workers", files, inventory,
                                  root / "out-dask", engine="dask", workers=WORKERS,
                                  scheduler=cluster.address, worker_pids=cluster.worker_pids))
            scheduler_mib = high_water_mib(cluster.scheduler_pid)
        return {"cities": cities, "seasons": seasons,
                "enterprises_per_city": data.ENTERPRISES_PER_CITY,
                "rules": list(RULES), "forecasts": list(FORECASTS),
                "observation_rows": cities * seasons * 24 * data.SEASON_DAYS,
                "input_bytes": sum(f.stat().st_size for f in files),
                "write_inputs_s": round(write_s, 2), "cases": cases,
                "scheduler_peak_mib": round(scheduler_mib or 0.0),
                "projection": projection(cases, cities, seasons)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def projection(cases: list[dict], cities: int, seasons: int) -> dict:
    """Workers needed to replay the full grid in one hour, from the measured scaling.

    Per worker, a run costs what it cost in the 2-worker run phase (runs/s ÷ 2): the measured
    1 → 2 worker efficiency is kept, and — an assumption — no further loss as the cluster grows
    (runs are independent; the scheduler's cost per task is far below a run's). Reading and
    staging (before the first run) and gathering (after the last) stay in one process; they are
    scaled linearly from the sample, reading by city-seasons, gathering by runs. The
    1-worker rate (no loss at all from adding workers) gives the lower bound of workers.
    """
    one, *two = cases
    full_share = (data.CITIES * data.SEASONS) / (cities * seasons)
    runs_per_city_season = one["runs"] / (cities * seasons)
    episodes = one["city_episodes"] * full_share  # estimated city-episodes of the full grid
    grids = {
        "sample (measured)": one["runs"],
        f"{data.CITIES} × {data.SEASONS}, 2 rules × 2 forecasts": round(
            runs_per_city_season * data.CITIES * data.SEASONS),
        f"… perfect ×1 + noisy ×{NOISY_REPLICATES}": round(
            episodes * len(RULES) * (1 + NOISY_REPLICATES)),
        f"… --replicates {NOISY_REPLICATES} (both models)": round(
            episodes * len(RULES) * len(FORECASTS) * NOISY_REPLICATES),
    }
    # per worker: as measured with 2 workers, and the 1-worker rate (perfect scaling: a bound)
    rates = {c["case"]: c["run_phase_runs_per_s"] / c["workers"] for c in two}
    rates["1-worker rate"] = one["run_phase_runs_per_s"]
    setup_per_city_season = statistics.median(c["setup_s"] for c in cases) / (cities * seasons)
    gather_per_run = statistics.median(c["gather_s"] for c in cases) / one["runs"]
    rows = []
    for name, n in grids.items():
        city_seasons = cities * seasons if n == one["runs"] else data.CITIES * data.SEASONS
        serial_s = setup_per_city_season * city_seasons + gather_per_run * n
        row = {"grid": name, "runs": n, "serial_s": round(serial_s, 1)}
        for case, rate in rates.items():
            left = HOUR_S - serial_s
            row[case] = math.ceil(n / (rate * left)) if left > 0 else None
        rows.append(row)
    return {"efficiency_1_to_2": {c["case"]: round(c["run_phase_runs_per_s"] / (
        c["workers"] * one["run_phase_runs_per_s"]), 2) for c in two},
        "runs_per_s_per_worker": {k: round(v, 2) for k, v in rates.items()},
        "assumption": "each added worker runs as fast as one of the measured 2-worker runners"
                      " (no loss beyond the measured 1→2 efficiency); reading, staging and "
                      "gathering stay serial and scale with the grid",
        "grids": rows}


def main(quick: bool = False, cities: int | None = None) -> dict:
    if quick:
        return measure(QUICK_CITIES, QUICK_SEASONS)
    return measure(cities or SAMPLE_CITIES, data.SEASONS)


def print_report(f: dict) -> None:
    print(f"{f['cities']} cities × {f['seasons']} seasons ({f['observation_rows']:,} hourly "
          f"rows, inputs written in {f['write_inputs_s']} s)")
    for c in f["cases"]:
        print(f"  {c['case']}: {c['runs']:,} runs in {c['wall_s']} s = {c['runs_per_s']} runs/s "
              f"(read+stage {c['setup_s']} s, runs {c['run_s']} s, gather {c['gather_s']} s); "
              f"worker peak {c['worker_peak_mib']} MiB")
    p = f["projection"]
    print(f"efficiency 1→2 workers: {p['efficiency_1_to_2']}; assumption: {p['assumption']}")
    for row in p["grids"]:
        print("  ", json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decade",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, help=f"cities replayed (default {SAMPLE_CITIES})")
    parser.add_argument("--full", action="store_true",
                        help=f"all {data.CITIES} cities (≈ 43,000 runs per runner)")
    parser.add_argument("--quick", action="store_true", help="1 city × 3 seasons, a smoke run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = main(args.quick, data.CITIES if args.full else args.cities)
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else "", end="")
    if not args.json:
        print_report(figures)
