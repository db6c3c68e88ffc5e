"""Reading benchmark: 12 Beijing station files (four years, ≈ 420,000 rows, 35 MB) to the city's
hourly table, then the alert timeline over the four years.

The files are written by ``benchmarks.stations`` into a temporary folder (seeded, from the real
embassy record in tests/data). Each measurement runs in a fresh child process, so its peak
resident memory (``VmHWM``: interpreter, imports, reading) is its own; the best of two
children is reported (the larger peak). Targets (issue 18): reading ≤ 2 s and ≤ 300 MiB; the
timeline ≤ 1 s more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stations import write_stations
from benchmarks.workers import peak_mb

READ_TARGET_S, READ_TARGET_MB, TIMELINE_TARGET_S = 2.0, 300.0, 1.0
REPEATS = 2


def child(folder: str) -> dict:
    """Read the folder's files as ``smogsim alerts --city 北京`` does; time reading and timeline."""
    from alerts.io import load_alert_inputs, load_observations
    from simulator.core.rng import make_rng

    paths: list[str | Path] = sorted(Path(folder).glob("*.csv"))
    t0 = time.perf_counter()
    observations = load_observations(paths, city="北京")
    read_s = time.perf_counter() - t0
    read_peak_mb = peak_mb()
    rows = len(observations.cities["北京"])
    t0 = time.perf_counter()
    inputs = load_alert_inputs(paths, "mee-2024", city="北京", loaded=observations)
    aqi_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    windows = inputs.windows("perfect", make_rng(0, "alerts/forecast"))
    timeline_s = time.perf_counter() - t0
    return {"files": len(paths), "bytes": sum(Path(p).stat().st_size for p in paths),
            "city_hours": rows, "read_s": round(read_s, 3), "read_peak_mb": round(read_peak_mb, 1),
            "daily_aqi_s": round(aqi_s, 3), "timeline_s": round(timeline_s, 3),
            "windows": sum(len(w) for w in windows.values())}


def main(quick: bool = False) -> dict:
    root = Path(tempfile.mkdtemp(prefix="smogsim-bench-read-"))
    try:
        write_stations(root, stations=3 if quick else 12)
        runs = []
        for _ in range(REPEATS):
            done = subprocess.run([sys.executable, "-m", "benchmarks.reading", "--child",
                                   str(root)], capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    best = min(runs, key=lambda r: r["read_s"])
    return best | {
        "read_peak_mb": max(r["read_peak_mb"] for r in runs),
        "timeline_s": min(r["timeline_s"] for r in runs),
        "read_target_s": READ_TARGET_S, "read_target_mb": READ_TARGET_MB,
        "timeline_target_s": TIMELINE_TARGET_S,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2])))
    else:
        print(json.dumps(main(), indent=2))
