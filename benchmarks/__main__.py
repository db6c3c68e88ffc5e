"""``make bench``: time the engine on synthetic Luohe-profile inventories of growing size.

Each case runs one city for 12 days through the same orange/red window sequence, so the
numbers compare engine cost per enterprise. The wall time is the best of three repeats.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.triggers import AlertWindow
from benchmarks import replay_batch
from enterprises.measures import MeasureTable
from enterprises.synthetic import synthesize
from simulator.engine import CityInputs, Simulation

START = pd.Timestamp("2023-12-12 00:00")
HOUR = pd.Timedelta(hours=1)
SIZES = (300, 10_000, 100_000)
RESULTS = Path(__file__).resolve().parent / "results"


def windows() -> tuple[AlertWindow, ...]:
    spans = [(Level.YELLOW, 48, 72), (Level.ORANGE, 72, 150), (Level.RED, 150, 200),
             (Level.YELLOW, 240, 260)]
    return tuple(AlertWindow("漯河", lv, START + (a - 24) * HOUR, START + a * HOUR,
                             START + b * HOUR, "bench") for lv, a, b in spans)


def case(n: int) -> tuple[float, int]:
    inputs = CityInputs(
        city="漯河", start=START, end=START + 288 * HOUR,
        inventory=synthesize("漯河", enterprises=n, seed=1), area_rates=np.zeros(4),
        windows=windows(), rules=load_ruleset("mee-2024"), measures=MeasureTable.default(),
    )
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        result = Simulation(inputs, np.random.default_rng(0)).run()
        best = min(best, time.perf_counter() - t0)
    return best, len(result.audit)


def engine_cases() -> list[dict]:
    print(f"{'enterprises':>12} {'wall s':>9} {'µs/enterprise':>14} {'audit rows':>11}")
    rows = []
    for n in SIZES:
        wall, audit_rows = case(n)
        print(f"{n:>12,} {wall:>9.4f} {wall / n * 1e6:>14.2f} {audit_rows:>11,}")
        rows.append({"enterprises": n, "wall_s": round(wall, 4), "audit_rows": audit_rows})
    return rows


def replay_cases() -> list[dict]:
    rows = replay_batch.main()
    print(f"\n{'replay case':<45} {'wall s':>8} {'runs/s':>8} {'target s':>9} {'met':>4}")
    for row in rows:
        print(f"{row['case']:<45} {row['wall_s']:>8.2f} {row['runs_per_s']:>8.1f} "
              f"{row['target_s']:>9.0f} {'yes' if row['met'] else 'no':>4}")
    return rows


SECTIONS = {"engine": engine_cases, "replay": replay_cases}


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks [engine] [replay]`` (default: all); figures → results/latest.json."""
    chosen = (argv if argv is not None else sys.argv[1:]) or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r}; expected {', '.join(SECTIONS)}")
    figures = {"measured_at": datetime.now().isoformat(timespec="seconds"),
               "cpus": os.cpu_count(), "python": platform.python_version()}
    for name in chosen:
        figures[name] = SECTIONS[name]()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    print(f"\nfigures written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
