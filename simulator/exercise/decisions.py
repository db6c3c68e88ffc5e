"""A planner's decisions on a city's alert, as changes to the alert tier's decision list.

The list is ``alerts.lifecycle.CityLifecycle.decisions``: ``Decision`` rows, sorted, the rows of
one alert back to back (each row's ``end`` is the next row's ``start``), the last one with
``end`` None while no lift is announced. Each function here takes the list, the clock and the
planner's words and returns the new list (and the rows it cancelled); a decision the rules of
the exercise do not allow raises ``ExerciseError``. The lifecycle's later consultations read
the new list as they read their own (``CityLifecycle._current``), so a human decision is held,
adjusted or lifted by the forecast only through a proposal the planner sees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from alerts.levels import Level
from alerts.lifecycle import Decision

HOUR = pd.Timedelta(hours=1)
ACTIONS = ("issue", "upgrade", "downgrade", "extend", "lift", "shift")
HUMAN = "human"


class ExerciseError(ValueError):
    """A decision or step the exercise refuses: one line, from the catalogue key ``key`` with
    ``fields`` (``message(lang)``); ``str()`` is the English line."""

    def __init__(self, key: str, **fields: object):
        self.key, self.fields = key, {k: _plain(v) for k, v in fields.items()}
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from simulator.lang import level_name, text  # the catalogue, when a person reads it

        fields = dict(self.fields)
        if fields.get("action") in (*ACTIONS, "keep"):
            fields["action"] = text(f"exercise.action.{fields['action']}", lang)
        for key in ("level", "current"):
            if isinstance(fields.get(key), str):
                fields[key] = level_name(str(fields[key]), lang)
        return text(f"exercise.error.{self.key}", lang, **fields)


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return value


@dataclass(frozen=True)
class Order:
    """What the planner asks: ``action`` with its level and times (None: the default)."""

    action: str
    level: Level | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None


@dataclass(frozen=True)
class Rules:
    """What the exercise checks a decision against (from the city's rule set)."""

    city: str
    levels: tuple[int, ...]  # the alert levels the city can be at
    delay_hours: int  # response delay after an issue (rule set)


def whole_hour(value: pd.Timestamp | str | None, what: str) -> pd.Timestamp | None:
    """``value`` as a whole-hour timestamp (None stays None)."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ExerciseError("bad_time", what=what, value=str(value)) from None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if stamp != stamp.floor("h"):
        raise ExerciseError("not_whole_hour", what=what, value=stamp)
    return stamp


def parse_level(value: str | Level | None, rules: Rules) -> Level | None:
    if value is None:
        return None
    try:
        level = Level.parse(value)
    except ValueError:
        level = None
    if level is None or int(level) not in rules.levels:
        raise ExerciseError("bad_level", value=str(value),
                            expected=", ".join(Level(k).id for k in rules.levels))
    return level


def alert_rows(decisions: list[Decision], clock: pd.Timestamp) -> int | None:
    """Index of the first row of the alert in force or announced at ``clock`` (the rows back
    to back up to the last one), None when there is none."""
    if not decisions or (decisions[-1].end is not None and decisions[-1].end <= clock):
        return None
    k = len(decisions) - 1
    while k > 0 and decisions[k - 1].end == decisions[k].start:
        k -= 1
    return k


def apply(decisions: list[Decision], order: Order, clock: pd.Timestamp, rules: Rules,
          who: str, note: str = "") -> tuple[list[Decision], list[Decision]]:
    """The decision list after ``order`` at ``clock`` and the rows it called off."""
    if order.action not in ACTIONS:
        raise ExerciseError("bad_action", value=order.action, expected=", ".join(ACTIONS))
    for what, stamp in (("start", order.start), ("end", order.end)):
        if stamp is not None and stamp < clock:
            raise ExerciseError("in_the_past", what=what, value=stamp, clock=clock)
    k = alert_rows(decisions, clock)
    if order.action == "issue":
        return _issue(decisions, k, order, clock, rules, who, note), []
    if k is None:
        raise ExerciseError("no_alert", action=order.action, clock=clock)
    head, rows = decisions[:k], decisions[k:]
    if order.action in ("upgrade", "downgrade"):
        return head + _relevel(rows, order, clock, rules, who, note), []
    if order.action == "extend":
        return head + _extend(rows, order.end, clock, who, note), []
    if order.action == "lift":
        kept = _lift(rows, order.end or clock, who)
        return head + kept, ([] if kept else rows)
    return head + _shift(rows, order, clock, who, note), []


def _human(rules: Rules, level: Level, clock: pd.Timestamp, start: pd.Timestamp,
           end: pd.Timestamp | None, action: str, who: str, note: str) -> Decision:
    reason = f"{action} {level.id}: human decision ({who})"
    return Decision(rules.city, level, clock, start, end, reason, trigger=HUMAN, note=note)


def _issue(decisions: list[Decision], k: int | None, order: Order, clock: pd.Timestamp,
           rules: Rules, who: str, note: str) -> list[Decision]:
    if order.level is None:
        raise ExerciseError("level_needed", action="issue")
    if k is not None:
        raise ExerciseError("alert_exists", level=decisions[-1].level.id,
                            start=decisions[k].start)
    start = order.start if order.start is not None else clock + rules.delay_hours * HOUR
    _check_span(start, order.end)
    return [*decisions, _human(rules, order.level, clock, start, order.end, "issue", who, note)]


def _check_span(start: pd.Timestamp, end: pd.Timestamp | None) -> None:
    if end is not None and end <= start:
        raise ExerciseError("end_before_start", start=start, end=end)


def _level_at(rows: list[Decision], when: pd.Timestamp) -> Level:
    for row in rows:
        if row.start <= when and (row.end is None or when < row.end):
            return row.level
    return rows[0].level  # before the alert starts: its first level


def _relevel(rows: list[Decision], order: Order, clock: pd.Timestamp, rules: Rules, who: str,
             note: str) -> list[Decision]:
    if order.level is None:
        raise ExerciseError("level_needed", action=order.action)
    first, last_end = rows[0].start, rows[-1].end
    start = order.start if order.start is not None else max(
        clock + rules.delay_hours * HOUR, first)
    if last_end is not None and start >= last_end:
        raise ExerciseError("after_alert_end", start=start, end=last_end)
    current = _level_at(rows, start)
    up = order.action == "upgrade"
    if (order.level <= current) if up else (order.level >= current):
        raise ExerciseError("not_higher" if up else "not_lower", level=order.level.id,
                            current=current.id)
    end = order.end if order.end is not None else last_end
    _check_span(start, end)
    kept = _cut_at(rows, start, f"{order.action}d {start:%Y-%m-%d %H:%M}")
    return [*kept, _human(rules, order.level, clock, start, end, order.action, who, note)]


def _cut_at(rows: list[Decision], when: pd.Timestamp, words: str) -> list[Decision]:
    """The rows before ``when``, the one across it ending there."""
    out = []
    for row in rows:
        if row.start >= when:
            break
        out.append(replace(row, end=when, lift=words) if row.end is None or row.end > when
                   else row)
    return out


def _extend(rows: list[Decision], end: pd.Timestamp | None, clock: pd.Timestamp, who: str,
            note: str) -> list[Decision]:
    last = rows[-1]
    if last.end is None:
        raise ExerciseError("already_open")
    if end is not None and end <= last.end:
        raise ExerciseError("not_later", end=end, current=last.end)
    extra = Decision(last.city, last.level, clock, last.end, end,
                     f"extend {last.level.id}: human decision ({who})", trigger=HUMAN,
                     primary=last.primary, note=note)
    return [*rows, extra]


def _lift(rows: list[Decision], end: pd.Timestamp, who: str) -> list[Decision]:
    last_end = rows[-1].end
    if last_end is not None and end >= last_end:
        raise ExerciseError("not_earlier", end=end, current=last_end)
    return _cut_at(rows, end, f"lift {end:%Y-%m-%d %H:%M}: human decision ({who})")


def _shift(rows: list[Decision], order: Order, clock: pd.Timestamp, who: str, note: str
           ) -> list[Decision]:
    if order.start is None and order.end is None:
        raise ExerciseError("shift_needs_time")
    if order.start is not None:
        first = rows[0]
        if first.start <= clock:
            raise ExerciseError("already_started", start=first.start)
        if first.end is not None and order.start >= first.end:
            raise ExerciseError("after_alert_end", start=order.start, end=first.end)
        rows = [replace(first, start=order.start, trigger=HUMAN, issued_at=clock,
                        reason=f"shift {first.level.id}: human decision ({who}); was "
                        f"{first.start:%Y-%m-%d %H:%M}", note=note), *rows[1:]]
    if order.end is not None:
        _check_span(rows[0].start, order.end)
        last_end = rows[-1].end
        if last_end is None or order.end < last_end:
            rows = _lift(rows, order.end, who)
        elif order.end > last_end:
            rows = _extend(rows, order.end, clock, who, note)
    return rows
