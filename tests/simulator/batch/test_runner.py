"""Batch layer: task identity, chunks, part files (atomic, checked), resume and failure."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from simulator.batch import runner as batch
from simulator.batch.runner import Task

PERIOD = {"city": "漯河", "episode": 1, "start": "2023-12-01T00:00:00",
          "end": "2023-12-05T00:00:00", "observations": "/data/obs.parquet",
          "inventory": "/data/inv.parquet", "inputs": "abc"}


def tiny_task_function(task: Task) -> dict[str, pd.DataFrame]:
    """A stand-in for a simulation: tables that depend only on the task."""
    runs = pd.DataFrame({"city": [task.city], "episode": [task.episode],
                         "replicate": [task.replicate], "value": [task.replicate * 1.5]})
    cuts = pd.DataFrame({"pollutant": ["SO2", "NOx"],
                         "cut_t": [float(task.episode), float(task.replicate)]})
    return {"runs": runs, "cuts": cuts}


def tasks(n: int = 4) -> list[Task]:
    return batch.grid([PERIOD], ["mee-2024"], ["perfect"], n, seed=7)


def singles(n: int = 4) -> list[batch.Chunk]:
    """One chunk per task: a part per task."""
    return batch.chunks(tasks(n), 1)


def test_grid_is_the_product_in_key_order():
    second = PERIOD | {"city": "许昌", "episode": 2}
    grid = batch.grid([second, PERIOD], ["mee-2024", "mee-2019"], ["perfect", "late:6"], 3, 1)
    assert len(grid) == 2 * 2 * 2 * 3  # periods × rule sets × forecasts × replicates
    assert grid == sorted(grid, key=lambda t: t.sort_key)
    assert len({t.key for t in grid}) == len({t.stem for t in grid}) == 24
    assert grid[0].key == "漯河/e001/mee-2019/late:6/r000"


def test_stem_is_deterministic_and_changes_with_any_field():
    task = tasks(1)[0]
    assert task.stem == Task(**task.__dict__).stem
    assert task.stem.startswith("part-") and len(task.stem) == 5 + 24
    for field, value in [("seed", 8), ("inputs", "other"), ("end", "2023-12-06T00:00:00"),
                         ("area", "/data/area.json")]:
        assert Task(**{**task.__dict__, field: value}).stem != task.stem


def test_chunks_are_consecutive_tasks_of_one_city_in_key_order():
    second = PERIOD | {"city": "许昌"}
    grid = batch.grid([PERIOD, second], ["mee-2024"], ["perfect", "late:6"], 3, seed=7)
    cut = batch.chunks(grid, 4)  # 6 tasks per city: 4 + 2, never mixing the cities
    assert [len(c.tasks) for c in cut] == [4, 2, 4, 2]
    assert [t for c in cut for t in c.tasks] == grid
    assert all(len({t.city for t in c.tasks}) == 1 for c in cut)
    assert cut[0].key == f"{grid[0].key} (+3)" and batch.chunks(grid[:1], 4)[0].key == grid[0].key
    assert len({c.stem for c in cut}) == 4
    assert [c.stem for c in batch.chunks(grid, 4)] == [c.stem for c in cut]  # deterministic


def test_run_tasks_writes_checked_parts(tmp_path):
    done = []
    markers = batch.run_tasks(singles(), tiny_task_function, tmp_path, on_done=done.append)
    assert len(markers) == len(done) == 4
    for chunk in singles():
        marker = batch.read_marker(tmp_path, chunk)
        assert marker is not None and marker["key"] == chunk.key
        assert marker["files"]["cuts"]["rows"] == 2
        _, tables = batch.read_part(tmp_path, chunk)
        pd.testing.assert_frame_equal(tables["runs"], tiny_task_function(chunk.tasks[0])["runs"])
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    assert batch.pending(singles(), tmp_path) == []


def test_a_chunk_part_holds_its_tasks_end_to_end(tmp_path):
    [chunk] = batch.chunks(tasks(3), 8)
    [marker] = batch.run_tasks([chunk], tiny_task_function, tmp_path)
    assert len(list(tmp_path.glob("*.done.json"))) == 1
    assert [t["key"] for t in marker["tasks"]] == [t.key for t in chunk.tasks]
    assert [t["rows"] for t in marker["tasks"]] == [{"runs": 1, "cuts": 2}] * 3
    assert marker["files"]["runs"]["rows"] == 3 and marker["files"]["cuts"]["rows"] == 6
    _, tables = batch.read_part(tmp_path, chunk)
    for name in batch.TABLES:
        expected = pd.concat([tiny_task_function(t)[name] for t in chunk.tasks],
                             ignore_index=True)
        pd.testing.assert_frame_equal(tables[name], expected)


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    elif how == "delete":
        path.unlink()


@pytest.mark.parametrize(("file", "how"), [
    ("runs", "truncate"), ("cuts", "flip"), ("cuts", "delete"),
    ("done", "truncate"), ("done", "delete"),
])
def test_damaged_part_is_not_finished_and_is_rerun(tmp_path, file, how):
    work = singles(2)
    batch.run_tasks(work, tiny_task_function, tmp_path)
    victim, intact = work
    _damage(batch.part_paths(tmp_path, victim)[file], how)
    assert batch.read_marker(tmp_path, victim) is None
    with pytest.raises(batch.BatchError, match="missing or damaged"):
        batch.read_part(tmp_path, victim)
    assert batch.pending(work, tmp_path) == [victim]
    before = batch.part_paths(tmp_path, intact)["runs"].stat().st_mtime_ns
    batch.run_tasks(batch.pending(work, tmp_path), tiny_task_function, tmp_path)
    assert batch.pending(work, tmp_path) == []
    assert batch.part_paths(tmp_path, intact)["runs"].stat().st_mtime_ns == before


def test_marker_of_another_task_is_rejected(tmp_path):
    first, second = singles(2)
    batch.run_tasks([first], tiny_task_function, tmp_path)
    paths = batch.part_paths(tmp_path, first)
    marker = json.loads(paths["done"].read_text(encoding="utf-8"))
    paths["done"].write_text(json.dumps({**marker, "key": second.key}), encoding="utf-8")
    assert batch.read_marker(tmp_path, first) is None


def test_failure_keeps_finished_parts_and_names_the_task(tmp_path, monkeypatch):
    work = singles(4)
    monkeypatch.setenv(batch.FAIL_ENV, work[2].key)
    with pytest.raises(batch.BatchError, match=r"r002 failed .*--resume"):
        batch.run_tasks(work, tiny_task_function, tmp_path)
    assert batch.pending(work, tmp_path) == work[2:]  # serial: tasks 0 and 1 finished


def test_a_failing_task_fails_its_whole_chunk(tmp_path, monkeypatch):
    work = batch.chunks(tasks(4), 2)
    monkeypatch.setenv(batch.FAIL_ENV, work[1].tasks[1].key)
    with pytest.raises(batch.BatchError, match=r"task .*r003 failed \(RuntimeError"):
        batch.run_tasks(work, tiny_task_function, tmp_path)
    assert batch.pending(work, tmp_path) == work[1:]  # r002 ran but its chunk wrote nothing
    assert len(list(tmp_path.glob("*.done.json"))) == 1


def test_finished_part_is_never_written_again(tmp_path):
    task = singles(1)[0]
    batch.run_tasks([task], tiny_task_function, tmp_path)
    stamps = {n: p.stat().st_mtime_ns for n, p in batch.part_paths(tmp_path, task).items()}

    def must_not_run(_task):
        raise AssertionError("a finished task ran again")

    marker = batch.execute(task, must_not_run, str(tmp_path))  # e.g. a retried Dask task
    assert marker["key"] == task.key
    assert stamps == {n: p.stat().st_mtime_ns for n, p in
                      batch.part_paths(tmp_path, task).items()}


def test_stale_temporaries_are_removed(tmp_path):
    stale = tmp_path / ".part-abc.runs.parquet.tmp-1-2"
    stale.write_bytes(b"half a file")
    batch.remove_stale_temporaries(tmp_path)
    assert not stale.exists()


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine 'threads'"):
        batch.run_tasks(singles(1), tiny_task_function, tmp_path, engine="threads")
