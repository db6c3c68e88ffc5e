"""Worker processes end with their parent, and Ctrl-C stops a replay cleanly (real processes)."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.simulator.batch.test_replay import write_observations

SMOGSIM = [sys.executable, "-c", "from simulator.cli.app import main; main()"]
KEPT = re.compile(r"interrupted: (\d+) of (\d+) runs kept")


def start_replay(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, Path]:
    """A replay long enough to interrupt: 2 cities × 2 forecasts × 30 replicates, quiet."""
    write_observations(tmp_path / "obs.csv")
    out = tmp_path / "out"
    command = [*SMOGSIM, "replay", "--observations", str(tmp_path / "obs.csv"),
               "--inventory", "synthetic:200", "--rules", "mee-2024",
               "--forecast", "perfect,late:6", "--replicates", "30", "--quiet",
               "--out", str(out), *options]
    # a session of its own: the test can signal the whole group, as a terminal's Ctrl-C does;
    # output to files, not pipes, which orphaned workers would hold open
    with open(tmp_path / "stdout", "wb") as stdout, open(tmp_path / "stderr", "wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr,
                                   start_new_session=True)
    return process, out


def output(tmp_path: Path) -> tuple[str, str]:
    return ((tmp_path / "stdout").read_text(encoding="utf-8"),
            (tmp_path / "stderr").read_text(encoding="utf-8"))


def kill_group(process: subprocess.Popen) -> None:
    """Leave nothing behind, whatever the test found."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def finished_runs(out: Path) -> int:
    """Runs in the finished parts (a part holds a chunk of runs)."""
    parts = out / "parts"
    if not parts.is_dir():
        return 0
    return sum(len(json.loads(p.read_text(encoding="utf-8"))["tasks"])
               for p in parts.glob("*.done.json"))


def alive(process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_killing_the_parent_ends_its_workers(tmp_path):
    process, out = start_replay(tmp_path, "--workers", "2")
    parent = psutil.Process(process.pid)
    try:
        wait_for(lambda: finished_runs(out) >= 1, 120, "the first part")  # workers are busy
        children = parent.children(recursive=True)
        assert sum("spawn" in " ".join(c.cmdline()) for c in children) == 2
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    try:
        wait_for(lambda: not any(alive(c) for c in children), 5, "the workers to end")
    finally:
        for child in children:
            if alive(child):
                child.kill()


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_ctrl_c_exits_130_and_counts_the_parts_on_disk(tmp_path, engine):
    process, out = start_replay(tmp_path, "--workers", "2", "--engine", engine)
    try:
        wait_for(lambda: finished_runs(out) >= 3, 180, "three runs")
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    finally:
        kill_group(process)
    stdout, stderr = output(tmp_path)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    kept = KEPT.search(stderr)
    assert kept, stderr
    assert int(kept[1]) == finished_runs(out) >= 3
    assert int(kept[2]) == 2 * 2 * 30
    assert not (out / "runs.parquet").exists()


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_a_bad_input_stops_the_workers_started_for_it(tmp_path, engine):
    """The local workers (or Dask cluster) start before planning; a bad input still ends as a
    one-line error, nothing is written, and the workers go."""
    from simulator.batch import replay
    from simulator.io.replay import ReplayInputError

    write_observations(tmp_path / "obs.csv")
    before = set(multiprocessing.active_children())
    with pytest.raises(ReplayInputError, match="--replicates"):
        replay.replay([tmp_path / "obs.csv"], "synthetic:40", ["mee-2024"], ["perfect"], 0,
                      tmp_path / "out", engine=engine, workers=2)
    assert not (tmp_path / "out").exists()
    wait_for(lambda: not set(multiprocessing.active_children()) - before, 30,
             "the workers to end")


def split_by_city(tmp_path: Path) -> list[Path]:
    """The two cities of ``write_observations`` as two files (read side by side by the
    workers)."""
    import pandas as pd

    write_observations(tmp_path / "both.csv")
    both = pd.read_csv(tmp_path / "both.csv", encoding="utf-8-sig")
    paths = []
    for k, (_, rows) in enumerate(both.groupby("city", sort=True)):
        paths.append(tmp_path / f"obs-{k}.csv")
        rows.to_csv(paths[-1], index=False, encoding="utf-8-sig")
    return paths


def test_files_read_by_the_workers_give_the_same_replay(tmp_path):
    """With local workers the observation files are read in them while the parent reads the
    list: the same bytes as a serial replay."""
    from simulator.batch import replay

    paths = split_by_city(tmp_path)
    outputs = {}
    for engine, workers in (("serial", 1), ("processes", 2)):
        out = tmp_path / f"out-{engine}"
        replay.replay(paths, "synthetic:40:3", ["mee-2024"], ["perfect", "late:6"], 2, out,
                      seed=5, engine=engine, workers=workers)
        outputs[engine] = [(out / name).read_bytes() for name in
                           ("runs.csv", "runs.parquet", "cuts.parquet")]
    assert outputs["serial"] == outputs["processes"]


def test_a_bad_file_read_by_a_worker_is_named_before_a_bad_list(tmp_path):
    """The bad observation file is the error, as when the files are read in turn, though the
    list (also bad) was read first; nothing is written."""
    from alerts.io import AlertInputError
    from enterprises.errors import InventoryError
    from simulator.batch import replay

    bad_list = tmp_path / "list.csv"
    bad_list.write_text("id,name,city,industry,grade\nE1,一厂,漯河,水泥,Z\n", encoding="utf-8")
    paths = split_by_city(tmp_path)
    text = paths[1].read_text(encoding="utf-8-sig").splitlines()
    text[3] = text[3].replace(",40.0,", ",abc,", 1)
    paths[1].write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(AlertInputError, match=r"obs-1.csv: row 4, column PM2.5: value 'abc'"):
        replay.replay(paths, str(bad_list), ["mee-2024"], ["perfect"], 1, tmp_path / "out",
                      engine="processes", workers=2)
    assert not (tmp_path / "out").exists()
    (tmp_path / "good").mkdir()
    with pytest.raises(InventoryError, match="list.csv"):  # the list alone: its own error
        replay.replay(split_by_city(tmp_path / "good"), str(bad_list), ["mee-2024"],
                      ["perfect"], 1, tmp_path / "out", engine="processes", workers=2)
    assert not (tmp_path / "out").exists()
