"""``make bench``: every benchmark, one table of figures against the targets.

``python -m benchmarks [--quick] [--only NAME ...]``. Sections: ``engine`` (cost per enterprise,
one city), ``national`` (300,000 enterprises × 60 cities × 150 days: wall and peak memory),
``naive`` (engine against one simpy process per enterprise ticking hourly, 20,000 × 30 days),
``replay`` (1,000 city-episodes with 2 local workers and with Dask, ``replay_batch``).

``read`` (12 Beijing station files, four years, to the city table and the alert timeline),
``decade`` (a sample of 340 cities × 10 heating seasons replayed on 1 and 2 local workers and
on a ``dask scheduler`` + 2 ``dask worker`` cluster, and the cluster the full grid needs in an
hour), ``linear`` (replay cost per unit of work at 1×–8× cities, seasons and enterprises;
parent memory at 250–2,000 runs), ``report`` (the demo's report page).

Nothing is written unless ``--record`` (``make bench-record``) is given: then the figures are
merged into ``benchmarks/results/latest.json`` (sections run now replace their entry, the others
are kept). ``--quick`` runs smaller cases and records into ``results/quick.json`` instead, so it
never overwrites full-size figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from benchmarks import decade, linear, naive, national, reading, replay_batch, report, scaling

RESULTS = Path(__file__).resolve().parent / "results"
QUICK_REPLAY_CITIES = 10  # --quick: 10 cities × 10 episodes = 100 runs per runner


@contextlib.contextmanager
def _replay_cities(cities: int | None) -> Iterator[None]:
    """Temporarily shrink ``replay_batch``'s grid (its inputs read ``CITIES`` when called)."""
    if cities is None:
        yield
        return
    saved = replay_batch.CITIES
    replay_batch.CITIES = cities
    try:
        yield
    finally:
        replay_batch.CITIES = saved


def run_replay(quick: bool) -> list[dict]:
    with _replay_cities(QUICK_REPLAY_CITIES if quick else None):
        return replay_batch.main()


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def engine_rows(rows: list[dict]) -> list[tuple]:
    return [(f"engine, 1 city × 12 days, {r['enterprises']:,} enterprises",
             f"{r['wall_s']:.4f} s ({r['us_per_enterprise']:.2f} µs/enterprise)", "—", "—")
            for r in rows]


def national_rows(f: dict) -> list[tuple]:
    what = f"national season, {f['enterprises']:,} enterprises × {f['cities']} cities × " \
           f"{f['days']} d"
    return [
        (f"{what}: wall", f"{f['wall_s']:.2f} s (CPU {f['cpu_s']:.2f} s)",
         f"≤ {f['wall_target_s']:.0f} s",
         _yes(f["wall_s"] <= f["wall_target_s"])),
        (f"{what}: peak memory", f"{f['peak_mb']:,.0f} MiB",
         f"≤ {f['peak_target_mb']:,.0f} MiB", _yes(f["peak_mb"] <= f["peak_target_mb"])),
        ("  (inputs: synthesis and windows, not in the wall)",
         f"{f['setup_s']:.2f} s, {f['windows']} windows, {f['audit_rows']:,} audit rows",
         "—", "—"),
    ]


def naive_rows(f: dict) -> list[tuple]:
    what = f"engine vs naive, {f['enterprises']:,} enterprises × {f['days']} d"
    return [
        (f"{what}: speed-up", f"{f['ratio']:,.0f}× ({f['naive_s']:.1f} s / "
         f"{f['engine_s']:.3f} s)", f"≥ {f['ratio_target']:.0f}×",
         _yes(f["ratio"] >= f["ratio_target"])),
        (f"{what}: same tonnes", f"max relative gap {f['max_relative_gap']:.1e}",
         f"≤ {naive.RELATIVE_TOLERANCE:.0e}", _yes(f["tonnes_agree"])),
    ]


def reading_rows(f: dict) -> list[tuple]:
    what = (f"read {f['files']} station files ({f['bytes'] / 2**20:.0f} MiB, "
            f"{f['city_hours']:,} city hours)")
    return [
        (f"{what}: wall", f"{f['read_s']:.2f} s", f"≤ {f['read_target_s']:.0f} s",
         _yes(f["read_s"] <= f["read_target_s"])),
        (f"{what}: peak memory", f"{f['read_peak_mb']:,.0f} MiB",
         f"≤ {f['read_target_mb']:,.0f} MiB", _yes(f["read_peak_mb"] <= f["read_target_mb"])),
        ("  then the daily AQI", f"{f['daily_aqi_s']:.2f} s", "—", "—"),
        (f"  then the alert timeline ({f['windows']} windows)", f"{f['timeline_s']:.2f} s",
         f"≤ {f['timeline_target_s']:.0f} s", _yes(f["timeline_s"] <= f["timeline_target_s"])),
    ]


def report_rows(f: dict) -> list[tuple]:
    return [("demo report page (report.html, first build after the run)",
             f"{f['first_s']:.2f} s ({f['bytes'] / 2**10:,.0f} KiB; again {f['best_s']:.2f} s)",
             f"≤ {f['target_s']:.0f} s", _yes(f["met"])),
            ("  (importing the report modules, once per process)", f"{f['import_s']:.2f} s",
             "—", "—")]


def replay_rows(rows: list[dict]) -> list[tuple]:
    return [(f"{r['case']}", f"{r['wall_s']:.2f} s ({r['runs_per_s']:.1f} runs/s)",
             f"≤ {r['target_s']:.0f} s", _yes(r["met"])) for r in rows]


def decade_rows(f: dict) -> list[tuple]:
    what = f"decade sample, {f['cities']} cities × {f['seasons']} seasons"
    rows = [(f"{what}, {c['case']}",
             f"{c['wall_s']:.1f} s, {c['runs']:,} runs ({c['runs_per_s']:.1f} runs/s); "
             f"worker peak {max(c['worker_peak_mib'], default=0):,} MiB", "—", "—")
            for c in f["cases"]]
    p = f["projection"]
    for g in p["grids"][1:]:
        need = ", ".join(f"{'over 1 h serial' if n is None else n} ({k.split(' ')[0]})"
                         for k, n in g.items() if k not in ("grid", "runs", "serial_s"))
        rows.append((f"  workers for {g['grid']} in 1 h ({g['runs']:,} runs)", need, "—", "—"))
    return rows


def linear_rows(f: dict) -> list[tuple]:
    rows = [(f"replay cost, {r['dimension']} {r['factor']}× ({r['runs']} runs)",
             f"{r['ms_per_unit']:.1f} ms per {r['unit']} ({r['vs_1x']:.2f}× the 1×)",
             f"≤ {linear.FLAT_TOLERANCE:.1f}×", _yes(r["flat"])) for r in f["cost"]]
    m = f["memory"]
    marks = ", ".join(f"{k}: {v:.0f}" for k, v in m["rss_at_runs_mib"].items())
    rows.append((f"replay parent memory at runs finished ({m['runs']:,} runs, 2 workers)",
                 f"{marks} MiB; peak after gathering {m['peak_after_gather_mib']:.0f} MiB",
                 f"≤ {linear.MEMORY_TOLERANCE:.1f}× the first", _yes(m["flat"])))
    return rows


SECTIONS: dict[str, tuple[Callable[[bool], object], Callable]] = {
    "engine": (scaling.main, engine_rows),
    "national": (national.main, national_rows),
    "naive": (naive.main, naive_rows),
    "replay": (run_replay, replay_rows),
    "read": (reading.main, reading_rows),
    "report": (report.main, report_rows),
    "decade": (decade.main, decade_rows),
    "linear": (linear.main, linear_rows),
}


def print_table(rows: list[tuple], quick: bool) -> None:
    head = ("case", "measured", "target", "met")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(4)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*head))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row[:3], "—" if quick else row[3]))
    if quick:
        print("(--quick: smaller cases; the targets apply to the full sizes only)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller cases, a smoke run")
    parser.add_argument("--record", action="store_true",
                        help="merge the figures into results/latest.json (quick.json with "
                             "--quick); without it nothing is written")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), metavar="NAME",
                        help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    path = RESULTS / ("quick.json" if args.quick else "latest.json")
    figures = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    now = datetime.now().isoformat(timespec="seconds")
    figures |= {"measured_at": now, "cpus": os.cpu_count(),
                "python": platform.python_version()}
    figures.setdefault("section_measured_at", {})
    rows = []
    for name in chosen:
        run, table_rows = SECTIONS[name]
        print(f"running {name}…", flush=True)
        figures[name] = run(args.quick)
        figures["section_measured_at"][name] = now
        rows += table_rows(figures[name])
    print()
    print_table(rows, args.quick)
    if not args.record:
        print("\nnothing written (make bench-record, or --record, keeps the figures)")
        return
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
