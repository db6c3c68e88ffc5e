"""The exercise file as plain data, and its replay.

A record holds the format and version, the scenario (a path, relative to the file when
saved) with the sha256 of each input, the seed, the default name of the person deciding, the
clock, and every decision in order (``Exercise.log``: the automatic ones too, so a replay can
be checked against them). Values are strings, numbers and booleans only (no nulls: an empty
string is "none"), so the record is as safe in TOML as in JSON.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from simulator.exercise.decisions import HUMAN, ExerciseError
from simulator.exercise.model import FORMAT_VERSION, Exercise

FORMAT = "smogsim-exercise"
LOG_COLUMNS = ["at", "who", "kind", "action", "level", "start", "end", "county", "teams",
               "order_start", "order_end", "note", "reason"]
TRIGGER = {"human": "human", "accepted": "forecast", "automatic": "forecast"}


def _text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%dT%H:%M}"
    return value


def log_rows(ex: Exercise) -> list[dict]:
    """The log with plain values (times as ``YYYY-MM-DDTHH:MM``, none as "")."""
    return [{key: _text(row.get(key)) for key in LOG_COLUMNS} for row in ex.log]


def to_record(ex: Exercise, relative_to: Path | None = None) -> dict:
    scenario = Path(ex.spec.source) if ex.spec.source is not None else Path("")
    if relative_to is not None:
        scenario = Path(os.path.relpath(scenario.resolve(), relative_to))
    return {
        "format": FORMAT, "version": FORMAT_VERSION,
        "scenario": scenario.as_posix(), "inputs": dict(ex.setup.hashes),
        "city": ex.city, "seed": int(ex.spec.seed), "who": ex.who,
        "start": _text(ex.start), "end": _text(ex.end), "clock": _text(ex.clock),
        "decisions": log_rows(ex),
    }


def decisions_frame(ex: Exercise) -> pd.DataFrame:
    """``decisions.csv``: every decision with its time, who, kind and the trigger it carries
    in the audit (``human`` for the planner's own, ``forecast`` for the lifecycle's)."""
    rows = log_rows(ex)
    frame = pd.DataFrame(rows, columns=LOG_COLUMNS)
    frame.insert(3, "trigger", frame["kind"].map(TRIGGER).fillna(HUMAN))
    return frame


def replay_record(ex: Exercise, record: dict, origin: str) -> Exercise:
    """Play the record's decisions on a freshly opened ``ex`` and check that it ends where
    the record did (same inputs, same automatic decisions)."""
    if record.get("format") != FORMAT or record.get("version") != FORMAT_VERSION:
        raise ExerciseError("bad_version", file=origin, value=str(record.get("version")),
                            expected=str(FORMAT_VERSION))
    for role, digest in dict(record.get("inputs", {})).items():
        now = ex.setup.hashes.get(role)
        if now != digest:
            raise ExerciseError("changed_input", file=origin, role=role)
    rows = record.get("decisions", [])
    if not isinstance(rows, list):
        raise ExerciseError("bad_file", file=origin, problem="decisions is not a list")
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or row.get("kind") == "automatic":
            continue
        try:
            _play(ex, row)
        except ExerciseError as bad:
            raise ExerciseError("bad_decision", file=origin, row=n, problem=str(bad)) from None
    clock = _time(record.get("clock")) or ex.clock
    if clock > ex.clock:
        ex.move_to(clock)
    if log_rows(ex) != [{k: r.get(k, "") for k in LOG_COLUMNS} for r in rows]:
        raise ExerciseError("replay_differs", file=origin)
    return ex


def _time(value: object) -> pd.Timestamp | None:
    return pd.Timestamp(str(value)) if value not in (None, "") else None


def _play(ex: Exercise, row: dict) -> None:
    at = _time(row.get("at"))
    if at is None or at < ex.clock:
        raise ExerciseError("bad_time", what="at", value=str(row.get("at")))
    if at > ex.clock:
        ex.move_to(at)
    who, action = str(row.get("who", "")), str(row.get("action", ""))
    kind = row.get("kind")
    if kind == "accepted":
        ex.accept(who)
    elif action == "dispatch":
        ex.dispatch(str(row.get("county")), int(row.get("teams", 0)), who)
    elif action in ("linkage_on", "linkage_off"):
        ex.set_linkage(action == "linkage_on", who)
    else:
        ex.decide(action, who, row.get("level") or None, _time(row.get("order_start")),
                  _time(row.get("order_end")), str(row.get("note", "")))
