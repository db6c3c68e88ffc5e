"""Batches of independent runs: tasks, their chunks and part files, resume, and three runners.

A batch is a list of ``Task`` values, cut into ``Chunk`` values: consecutive tasks of one city
(``chunks``), which one worker runs one after the other, so the city's staged inputs are read
once per chunk and a part is written per chunk, not per task. Each task is run by one pure,
top-level function that builds everything it needs inside the worker (simpy environments are
never shipped) and returns its result tables; ``execute`` runs a chunk's tasks through that
function and writes their tables, end to end in task order, as the chunk's *part*.

A part is three files in the parts directory, named from the chunk's identity (its tasks)::

    part-<digest>.runs.parquet   part-<digest>.cuts.parquet   part-<digest>.done.json

Every file is written under a temporary name in the same directory, fsynced, then renamed with
``os.replace``; the ``done`` marker is written last and records the chunk's task keys, and the
sha256 and row count of every data file. A part counts as finished only if its marker parses,
names the same tasks, and every data file matches its checksum and row count — so a truncated
or corrupt part is rerun, never read as a result. A finished part is never written again. The
chunk is the unit of resume: a chunk interrupted half-way runs again whole.

Runners: ``serial``, ``processes`` (``concurrent.futures`` with spawned workers) and ``dask``
(a ``distributed.LocalCluster`` of worker processes, or an existing scheduler). All of them run
the same function on the same tasks, so the parts are identical whichever ran them.

Worker processes belong to the batch: they start with Ctrl-C held off (the terminal sends
SIGINT to the whole process group; the parent alone decides what an interrupt means, so a
worker never dies mid-part or prints a traceback), and they end with their parent. Local
workers ask Linux to kill them when the parent dies (``PR_SET_PDEATHSIG``) and watch the
parent's pid once a second (every platform); Dask's own workers exit when the pipe from their
parent closes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas.api.extensions import ExtensionArray

from simulator.io.files import atomic_write

TABLES: tuple[str, ...] = ("runs", "cuts")
ENGINES: tuple[str, ...] = ("serial", "processes", "dask")
PART_FORMAT = 3  # bump when the part layout changes; older parts are then rerun
KEY_METADATA = b"smogsim.task_key"
# Test hook: comma-separated task keys whose task raises before writing its part; simulates a
# batch killed half-way. Read inside the worker, so it works with every runner.
FAIL_ENV = "SMOGSIM_FAIL_TASKS"
PARENT_POLL_S = 1.0  # how often a local worker checks that its parent is alive
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

TaskFunction = Callable[["Task"], dict[str, "pd.DataFrame | Columns"]]


class Columns:
    """A task's rows of one table as columns (name → list or 1-d array, equal lengths), with
    the pandas dtype of the columns that need one named (``dtypes``).

    A task function may return these instead of a frame: a chunk's are joined column by column
    and made into one frame (``end_to_end``), which costs far less than a frame per task.
    """

    def __init__(self, data: dict[str, Sequence | np.ndarray | ExtensionArray],
                 dtypes: dict[str, str] | None = None) -> None:
        self.data, self.dtypes = data, dtypes or {}

    def __len__(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({name: pd.array(values, dtype=self.dtypes[name])
                             if name in self.dtypes else values
                             for name, values in self.data.items()})

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        """``parts`` end to end; the first names the columns and dtypes."""
        first = parts[0]
        return Columns({name: _join([part.data[name] for part in parts]) for name in first.data},
                       first.dtypes)


def _join(pieces: list) -> Sequence | np.ndarray | ExtensionArray:
    kind = type(pieces[0])
    if kind is np.ndarray and all(isinstance(piece, np.ndarray) for piece in pieces):
        return np.concatenate(pieces)
    if issubclass(kind, ExtensionArray) and all(type(piece) is kind for piece in pieces):
        return kind._concat_same_type(pieces)  # keeps the dtype (boolean with NA, text)
    return [value for piece in pieces for value in piece]


def joined(parts: Sequence[pd.DataFrame | Columns]) -> pd.DataFrame | Columns:
    """Tables of one kind end to end, in order. Empty ones are left out (a task without rows
    may type its columns differently), as gathering leaves out empty parts; all empty: the
    first."""
    rows = [part for part in parts if len(part)] or [parts[0]]
    if len(rows) == 1:
        return rows[0]
    if all(isinstance(part, Columns) for part in rows):
        return Columns.concat(rows)  # type: ignore[arg-type]
    return pd.concat([as_frame(part) for part in rows], ignore_index=True)


def as_frame(table: pd.DataFrame | Columns) -> pd.DataFrame:
    return table.frame() if isinstance(table, Columns) else table


class BatchError(RuntimeError):
    """A task failed; finished parts are kept and ``resume=True`` continues the batch."""


class TaskFailed(RuntimeError):
    """A task of a chunk raised; the message names the task and the error (it pickles back
    from any worker)."""


@dataclass(frozen=True)
class Task:
    """One grid point: plain values only, so it pickles to any worker.

    Times are ISO strings (local time, ``[start, end)``); ``observations``, ``inventory`` and
    ``area`` (empty: no area sources) are absolute paths of staged input files that every
    worker can read; ``inputs`` is a digest of those files' content, so a changed input gives
    new part names instead of reusing old parts.

    A replay with a region file sets ``region`` (the staged region file) on every task. A task
    of a regional episode has ``city`` ``region:<name>`` and ``members``: one
    ``(city, observations, inventory, area)`` per region city it runs, its own files left empty.
    """

    city: str
    episode: int
    start: str
    end: str
    rules: str
    forecast: str
    replicate: int
    seed: int
    observations: str
    inventory: str
    area: str = ""
    inputs: str = ""
    region: str = ""
    options: str = ""  # a replay options file (--with), absolute path; empty: none
    members: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def key(self) -> str:
        """Readable run key, also the key of the run's random generator."""
        return (f"{self.city}/e{self.episode:03d}/{self.rules}/{self.forecast}/"
                f"r{self.replicate:03d}")

    @property
    def sort_key(self) -> tuple:
        return (self.city, self.episode, self.rules, self.forecast, self.replicate)

    @property
    def stem(self) -> str:
        """Part file stem: a digest of every field, so it is deterministic and unique.

        Staged input files enter by name (their names are digests of their content), not by
        absolute path, so a replay folder moved or copied elsewhere resumes its parts."""
        # the fields as they are: asdict's deep copy gives the same text, slower
        fields = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}
        for name in STAGED_FIELDS:
            fields[name] = _staged_name(fields[name])
        fields["members"] = [[city, *map(_staged_name, files)]
                             for city, *files in fields["members"]]
        for name in ("region", "members", "options"):  # left out when empty: replays
            if not fields[name]:  # without them keep the part names they always had
                del fields[name]
        text = json.dumps({"format": PART_FORMAT, **fields}, sort_keys=True, ensure_ascii=False)
        return "part-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


STAGED_FIELDS = ("observations", "inventory", "area", "region")


def _staged_name(path: str) -> str:
    return Path(path).name if path else path


@dataclass(frozen=True)
class Chunk:
    """Consecutive tasks (in key order) run by one worker and written as one part."""

    tasks: tuple[Task, ...]

    @property
    def key(self) -> str:
        """The first task's key, and how many tasks follow it."""
        first, more = self.tasks[0].key, len(self.tasks) - 1
        return f"{first} (+{more})" if more else first

    @property
    def sort_key(self) -> tuple:
        return self.tasks[0].sort_key

    @functools.cached_property
    def stem(self) -> str:
        """Part file stem: a digest of the tasks' stems, so it names exactly these tasks."""
        text = json.dumps({"format": PART_FORMAT, "tasks": [t.stem for t in self.tasks]})
        return "part-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def chunks(tasks: Sequence[Task], size: int) -> list[Chunk]:
    """``tasks`` (in key order) cut into chunks of at most ``size`` consecutive tasks of one
    city. The cut depends on the task list alone, never on the workers, so a resumed batch
    finds the same parts."""
    cut: list[Chunk] = []
    current: list[Task] = []
    for task in tasks:
        if current and (len(current) == size or task.city != current[0].city):
            cut.append(Chunk(tuple(current)))
            current = []
        current.append(task)
    if current:
        cut.append(Chunk(tuple(current)))
    return cut


def grid(periods: Iterable[dict], rules: Sequence[str], forecasts: Sequence[str],
         replicates: int, seed: int) -> list[Task]:
    """Expand periods × rule sets × forecast models × replicates into tasks, in key order.

    ``periods`` are mappings with the keys ``city``, ``episode``, ``start``, ``end``,
    ``observations``, ``inventory`` and optionally ``area``, ``inputs``, ``region`` and
    ``members`` (see ``Task``).
    """
    tasks = [Task(rules=r, forecast=f, replicate=k, seed=seed, **period)
             for period in periods for r in rules for f in forecasts for k in range(replicates)]
    return sorted(tasks, key=lambda t: t.sort_key)


# -- part files ---------------------------------------------------------------------------------


def parquet_bytes(frame: pd.DataFrame, key: str = "") -> bytes:
    """A frame as Parquet bytes (no index), tagged with a part's key in the file metadata."""
    return table_bytes(arrow_table(frame), key)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table, no index (as ``parquet_bytes`` writes it)."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def table_bytes(table: pa.Table, key: str = "") -> bytes:
    """An Arrow table as Parquet bytes, tagged with ``key`` in the file metadata."""
    if key:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               KEY_METADATA: key.encode("utf-8")})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def part_paths(parts_dir: Path, chunk: Chunk) -> dict[str, Path]:
    """The data files and the ``done`` marker of ``chunk``'s part."""
    paths = {name: parts_dir / f"{chunk.stem}.{name}.parquet" for name in TABLES}
    paths["done"] = parts_dir / f"{chunk.stem}.done.json"
    return paths


def end_to_end(tables: Sequence[pd.DataFrame | Columns]) -> pa.Table:
    """One Arrow table of a chunk's tasks (``joined``): one conversion per chunk, not per
    task."""
    return arrow_table(as_frame(joined(tables)))


def write_part(parts_dir: Path, chunk: Chunk,
               tables: Sequence[dict[str, pd.DataFrame | Columns]],
               walls: Sequence[float]) -> dict:
    """Write the chunk's tables (one mapping per task, in task order) end to end, then its
    ``done`` marker; return the marker's content."""
    paths = part_paths(parts_dir, chunk)
    files = {}
    for name in TABLES:
        table = end_to_end([t[name] for t in tables])
        data = table_bytes(table, chunk.key)
        # the marker's directory sync below makes these renames durable too; a part whose
        # data files did not survive a crash fails read_marker's checks and runs again
        atomic_write(paths[name], data, sync_dir=False)
        files[name] = {"file": paths[name].name, "sha256": hashlib.sha256(data).hexdigest(),
                       "rows": table.num_rows}
    runs = [{"key": task.key, "rows": {name: len(t[name]) for name in TABLES},
             "wall_s": round(wall, 6)}
            for task, t, wall in zip(chunk.tasks, tables, walls, strict=True)]
    marker = {"format": PART_FORMAT, "key": chunk.key, "stem": chunk.stem, "files": files,
              "tasks": runs, "wall_s": round(sum(walls), 6)}
    atomic_write(paths["done"], json.dumps(marker, ensure_ascii=False, indent=1).encode())
    return marker


def read_marker(parts_dir: Path, chunk: Chunk) -> dict | None:
    """The part's ``done`` marker if the part is finished and intact, else ``None``.

    Checks: the marker parses, names this chunk, its tasks and the format, and each data
    file's sha256 and Parquet row count match it and its metadata names this chunk.
    """
    intact = _intact_part(parts_dir, chunk)
    return None if intact is None else intact[0]


def _intact_part(parts_dir: Path, chunk: Chunk
                 ) -> tuple[dict, dict[str, pq.ParquetFile]] | None:
    """``read_marker``'s checks; the marker and the data files, opened from the bytes checked."""
    paths = part_paths(parts_dir, chunk)
    files: dict[str, pq.ParquetFile] = {}
    try:
        marker = json.loads(paths["done"].read_text(encoding="utf-8"))
        if (marker.get("format") != PART_FORMAT or marker.get("key") != chunk.key
                or marker.get("stem") != chunk.stem
                or [t["key"] for t in marker["tasks"]] != [t.key for t in chunk.tasks]):
            return None
        for name in TABLES:
            entry = marker["files"][name]
            data = paths[name].read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                return None
            files[name] = pq.ParquetFile(pa.BufferReader(data), pre_buffer=False)
            meta = files[name].metadata
            if (meta.num_rows != entry["rows"]
                    or (meta.metadata or {}).get(KEY_METADATA) != chunk.key.encode("utf-8")):
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, pa.ArrowException):
        return None
    return marker, files


def read_part(parts_dir: Path, chunk: Chunk) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The marker and tables of a finished part; ``BatchError`` if the part is not intact."""
    marker, tables = read_part_arrow(parts_dir, chunk)
    return marker, {name: table.to_pandas() for name, table in tables.items()}


def read_part_arrow(parts_dir: Path, chunk: Chunk) -> tuple[dict, dict[str, pa.Table]]:
    """``read_part`` as Arrow tables: gathering many parts converts to pandas once, after
    concatenating, which costs far less than one conversion per part. The tables are parsed
    from the bytes the checks read (each file is read once), on this thread alone: gathering
    reads many small parts side by side."""
    intact = _intact_part(parts_dir, chunk)
    if intact is None:
        raise BatchError(f"{parts_dir}: part of {chunk.key} is missing or damaged")
    marker, files = intact
    return marker, {name: files[name].read(use_threads=False) for name in TABLES}


def execute(chunk: Chunk, func: TaskFunction, parts_dir: str) -> dict:
    """Run a chunk's tasks in this process and write its part; return the ``done`` marker.

    Top-level and argument-only, so every runner can ship it to a spawned worker. A task
    that raises fails the chunk (``TaskFailed`` names it); nothing of the chunk is written.
    """
    finished = read_marker(Path(parts_dir), chunk)
    if finished is not None:  # e.g. a retried chunk: a finished part is never written again
        return finished
    failing = os.environ.get(FAIL_ENV, "").split(",")
    tables, walls = [], []
    for task in chunk.tasks:
        t0 = time.perf_counter()
        try:
            if task.key in failing:
                raise RuntimeError(f"{FAIL_ENV}: simulated failure of {task.key}")
            tables.append(func(task))
        except Exception as error:
            raise TaskFailed(f"{task.key} failed ({type(error).__name__}: {error})") from error
        walls.append(time.perf_counter() - t0)
    return write_part(Path(parts_dir), chunk, tables, walls)


# -- worker processes ---------------------------------------------------------------------------
@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT off this thread while worker processes (and threads) start.

    Children and threads inherit the signal mask, even across ``exec``, so workers started
    here never see the terminal's Ctrl-C; an interrupt that arrives meanwhile is delivered to
    this thread when the block ends, not lost. Without ``pthread_sigmask`` (Windows) or off
    the main thread this does nothing, and ``guard_worker`` ignores SIGINT once running.
    """
    if (not hasattr(signal, "pthread_sigmask")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    from multiprocessing import resource_tracker  # POSIX, like pthread_sigmask

    resource_tracker.ensure_running()  # starting it later would unblock SIGINT in this thread
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def guard_worker(parent_pid: int, warm: str = "") -> None:
    """Initializer of a local worker: ignore Ctrl-C and end when ``parent_pid`` ends; then
    import module ``warm`` (if named), so that the worker is ready for its first task.

    On Linux the kernel kills the worker when its parent dies (``PR_SET_PDEATHSIG``); a daemon
    thread also compares the parent pid once a second, which works on every platform where
    an orphan is re-parented.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the guard was set
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="smogsim-parent-watch",
                     daemon=True).start()
    if warm:
        importlib.import_module(warm)


def _die_with_parent() -> None:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (an unusual libc): the watch thread remains
        pass


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)  # the parent is gone: its parts are someone else's to resume


# -- runners ------------------------------------------------------------------------------------
def pending(work: Sequence[Chunk], parts_dir: Path) -> list[Chunk]:
    """Chunks without a finished, intact part (a damaged part counts as not finished)."""
    return [c for c in work if read_marker(parts_dir, c) is None]


def remove_stale_temporaries(parts_dir: Path) -> None:
    """Delete temporary files left by writers that were killed mid-write."""
    for tmp in parts_dir.glob(".part-*.tmp-*"):
        tmp.unlink(missing_ok=True)


def run_tasks(tasks: Sequence[Chunk], func: TaskFunction, parts_dir: Path, *,
              engine: str = "serial", workers: int = 1, scheduler: str | None = None,
              on_done: Callable[[dict], None] | None = None,
              pool: ProcessPoolExecutor | LocalDask | None = None) -> list[dict]:
    """Run the chunks ``tasks`` with one of ``ENGINES`` and write their parts; return their
    markers. ``pool``: the ``processes`` engine's workers, already started
    (``start_workers``), or the ``dask`` engine's local cluster (``LocalDask``); default:
    started here.

    ``on_done`` is called in this process once per finished chunk (for a progress bar). On
    the first failing task no new chunk is started, chunks already running finish and write
    their parts, and ``BatchError`` names the failing task.
    """
    parts_dir = Path(parts_dir).resolve()
    parts_dir.mkdir(parents=True, exist_ok=True)
    done = on_done or (lambda marker: None)
    if engine == "serial":
        return _serial(tasks, func, parts_dir, done)
    if engine == "processes":
        return _processes(tasks, func, parts_dir, workers, done,
                          pool if isinstance(pool, ProcessPoolExecutor) else None)
    if engine == "dask":
        return _dask(tasks, func, parts_dir, workers, scheduler, done,
                     pool if isinstance(pool, LocalDask) else None)
    raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


def _failure(chunk: Chunk, error: BaseException) -> BatchError:
    what = (str(error) if isinstance(error, TaskFailed)
            else f"{chunk.key} failed ({type(error).__name__}: {error})")
    return BatchError(f"task {what}; finished parts are kept — rerun with --resume to continue")


def _serial(tasks, func, parts_dir, done) -> list[dict]:
    markers = []
    for task in tasks:
        try:
            marker = execute(task, func, str(parts_dir))
        except Exception as error:
            raise _failure(task, error) from error
        markers.append(marker)
        done(marker)
    return markers


def start_workers(workers: int, warm: str = "") -> ProcessPoolExecutor:
    """A pool of ``workers`` local worker processes, started now: each imports module
    ``warm`` while the caller goes on (a replay plans meanwhile), instead of when the first
    task reaches it. Pass it to ``run_tasks`` (``pool=``), which shuts it down when the tasks
    are done; a caller that does not get that far shuts it down itself."""
    # spawn: workers start clean (no forked locks or threads) as on macOS and Windows
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context,
                               initializer=guard_worker, initargs=(os.getpid(), warm))
    with interrupts_held():  # the workers inherit the mask: Ctrl-C is the parent's alone
        for _ in range(max(1, workers)):  # a submit starts a worker while none is idle
            pool.submit(int)
    return pool


def _processes(tasks, func, parts_dir, workers, done, pool=None) -> list[dict]:
    markers = []
    pool = pool or start_workers(workers)
    futures: dict = {}
    try:
        with interrupts_held():  # workers started now inherit the mask too
            futures = {pool.submit(execute, t, func, str(parts_dir)): t for t in tasks}
        remaining = set(futures)
        while remaining:  # report each part as it lands, so an interrupt knows what is kept
            finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: futures[f].sort_key):
                error = future.exception()
                if error is not None:
                    raise _failure(futures[future], error) from error
                markers.append(future.result())
                done(markers[-1])
    except BaseException:  # a failed task or Ctrl-C: start nothing new
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return markers


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued tasks and wait for the running ones, which keep their parts; a second
    Ctrl-C while waiting kills the workers (their half-written temporaries are removed on the
    next start)."""
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except KeyboardInterrupt:
        # the pool keeps its processes privately; nothing public stops a running task
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        raise


class LocalDask:
    """A local Dask cluster (``workers`` processes importing module ``warm``) that starts in a
    thread while the caller goes on: a replay plans meanwhile. ``connect`` waits for it."""

    def __init__(self, workers: int, warm: str = "") -> None:
        starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smogsim-dask")
        self._started = starter.submit(_start_local_dask, workers, warm)
        starter.shutdown(wait=False)
        self._closed = False

    def connect(self):
        """The cluster and a client of it."""
        return self._started.result()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            cluster, client = self._started.result()
        except Exception:  # it never started: nothing to close
            return
        client.close()
        cluster.close()


def _start_local_dask(workers: int, warm: str):
    if hasattr(signal, "pthread_sigmask"):  # this thread's mask, inherited by the cluster
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()  # (it unblocks SIGINT in the thread that starts it)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    return _local_cluster(workers, warm)


def _local_cluster(workers: int, warm: str = ""):
    from distributed import Client, LocalCluster

    # logs off: an interrupt cancels running tasks and closes connections, which each
    # worker would log (with tracebacks under load); a failed task reaches us through
    # its future and `_failure` instead
    cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.CRITICAL,
                           preload=[warm] if warm else [])
    return cluster, Client(cluster)


def _dask(tasks, func, parts_dir, workers, scheduler, done, local: LocalDask | None = None
          ) -> list[dict]:
    from distributed import Client, as_completed

    if scheduler:
        cluster, client = None, Client(scheduler, timeout="10s")
    elif local is not None:
        cluster, client = local.connect()
    else:
        with interrupts_held():  # the cluster's thread and its worker processes inherit the mask
            cluster, client = _local_cluster(workers)
    markers = []
    try:
        n = len(tasks)
        futures = client.map(execute, list(tasks), [func] * n, [str(parts_dir)] * n,
                             key=[f"smogsim-{t.stem}" for t in tasks], pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in as_completed(futures):
            if future.status == "error":
                error = future.exception()
                rest = [f for f in futures if not f.done()]
                client.cancel(rest)
                raise _failure(by_key[future.key], error) from error
            markers.append(future.result())
            done(markers[-1])
    except KeyboardInterrupt:
        for name in ("distributed", "tornado", "asyncio"):  # the shutdown's own complaints
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        raise
    finally:
        if local is not None:
            local.close()
        else:
            client.close()
            if cluster is not None:
                cluster.close()
    return markers
