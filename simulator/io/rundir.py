"""Run directories: the tables of a run written into a folder that appears whole or not at all.

A run directory is written under a temporary name and renamed into place only when complete,
so a failed run never leaves a partial directory and never touches an earlier one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd

from simulator.core.results import RunResult
from simulator.io.files import write_csv


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


ReportWriter = Callable[[Path, dict], dict]  # (run folder, manifest) -> manifest listing it


def finish_run_dir(folder: Path, manifest: dict, report: ReportWriter | None = None) -> None:
    """Last files of a run directory: the report when a ``report`` writer is given (e.g.
    ``simulator.report.add_report``), then ``manifest.json`` listing it."""
    if report is not None:
        manifest = report(folder, manifest)
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_tables(out_dir: Path, tables: Mapping[str, pd.DataFrame], manifest: dict,
                 images: Mapping[str, Callable[[Path], bool]] | None = None,
                 report: ReportWriter | None = None) -> Path:
    """Write the CSV ``tables`` by file name, the ``images`` (file name → a function drawing
    it at a path, False when it cannot), the report and ``manifest.json`` (its ``files``: what
    was written) into ``out_dir`` atomically; return ``out_dir``."""
    with staged_run_dir(out_dir) as tmp:
        files = []
        for name, frame in tables.items():
            write_csv(frame, tmp / name)
            files.append(name)
        for name, draw in (images or {}).items():
            if draw(tmp / name):
                files.append(name)
        finish_run_dir(tmp, {**manifest, "files": files}, report)
    return Path(out_dir)


def run_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """A one-city run's tables by file name, in writing order (compliance tables when the
    model was on)."""
    tables = {"alerts.csv": result.alerts, "episodes.csv": result.episodes,
              "audit.csv": result.audit, "enterprises.csv": result.enterprise_tonnes,
              "breakdown.csv": result.breakdown}
    if result.verification is not None:
        tables |= {"verification.csv": result.verification,
                   "inspections.csv": result.inspections}
    return {name: frame for name, frame in tables.items() if frame is not None}
