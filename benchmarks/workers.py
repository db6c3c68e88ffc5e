"""Worker processes for the replay benchmarks: a real Dask cluster and peak memory per worker.

``dask_cluster`` starts ``dask scheduler`` and N ``dask worker`` processes on 127.0.0.1 (ports
chosen by the system, the address read from a scheduler file), waits until every worker has
joined, and stops them by their own process ids when the block ends, also on error or Ctrl-C.

Peak memory is each process's high-water resident set (``VmHWM`` in ``/proc/<pid>/status``,
Linux), read while the process is alive: ``WorkerPeaks`` polls the spawned worker processes of
a ``processes`` replay (they exit with their pool), and reads Dask workers once before teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.5


def high_water_mib(pid: int) -> float | None:
    """Peak resident memory of a live process, MiB (``VmHWM``); ``None`` once it has gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0  # kB
    return None


def peak_mb() -> float:
    """Peak resident memory of this process so far, MiB: ``VmHWM``, the peak of this program
    alone (Linux carries ``ru_maxrss`` over from the parent through fork and exec, so a child
    of a large benchmark process would report the parent's peak)."""
    peak = high_water_mib(os.getpid())
    if peak is None:  # no /proc: the kernel's figure
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return peak


def resident_mib(pid: int | None = None) -> float:
    """Current resident memory of a process (this one by default), MiB (``VmRSS``)."""
    text = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    line = next(s for s in text.splitlines() if s.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024.0


def _spawned_workers() -> list[int]:
    """Pids of this process's ``multiprocessing`` spawn workers (not its resource tracker)."""
    me, pids = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the command name in field 2 may hold spaces: the parent pid follows its ")"
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == me and b"spawn_main" in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return pids


@dataclass
class WorkerPeaks:
    """Polls the peak resident memory of this process's spawned workers until ``stop``."""

    peaks: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> WorkerPeaks:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            self.read(_spawned_workers())

    def read(self, pids: list[int]) -> None:
        for pid in pids:
            mib = high_water_mib(pid)
            if mib is not None:
                self.peaks[pid] = max(mib, self.peaks.get(pid, 0.0))


def _dask_executable() -> list[str]:
    """The ``dask`` command of this interpreter's environment (its workers import smogsim)."""
    local = Path(sys.executable).parent / "dask"
    found = str(local) if local.exists() else shutil.which("dask")
    if found is None:
        raise RuntimeError("the dask command is not installed: pip install -e '.[dask]'")
    return [found]


@dataclass
class DaskCluster:
    address: str
    scheduler_pid: int
    worker_pids: list[int]


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[DaskCluster]:
    """A scheduler and ``workers`` single-threaded workers, each its own process."""
    from distributed import Client

    root = Path(tempfile.mkdtemp(prefix="smogsim-bench-dask-"))
    scheduler_file = root / "scheduler.json"
    dask = _dask_executable()
    log = (root / "cluster.log").open("wb")
    procs: list[subprocess.Popen] = []
    try:
        # --idle-timeout: a scheduler orphaned by a killed benchmark stops by itself
        procs.append(subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file), "--idle-timeout", "600s"],
            stdout=log, stderr=subprocess.STDOUT))
        address = _wait_for_address(scheduler_file, procs[0])
        for k in range(workers):
            # --no-nanny: the worker is the process we started, so its memory is its own;
            # --death-timeout: it stops by itself if the scheduler goes away
            procs.append(subprocess.Popen(
                [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                 "--no-nanny", "--no-dashboard", "--name", f"bench-{k}",
                 "--local-directory", str(root / f"worker-{k}"), "--death-timeout", "60s",
                 "--memory-limit", "0"], stdout=log, stderr=subprocess.STDOUT))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=STARTUP_TIMEOUT_S)
        yield DaskCluster(address, procs[0].pid, [p.pid for p in procs[1:]])
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            _stop(proc)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_address(scheduler_file: Path, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with code {proc.returncode}")
        with contextlib.suppress(OSError, ValueError, KeyError):
            return str(json.loads(scheduler_file.read_text())["address"])
        time.sleep(0.1)
    raise RuntimeError(f"dask scheduler gave no address within {STARTUP_TIMEOUT_S:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """Terminate one process we started; kill it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
