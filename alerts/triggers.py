"""From a forecast daily-AQI series to alert windows, by a rule set's conditions.

Reading of the rules (rules.md §1, §1.3): the "daily AQI" is the rolling 24-hour AQI, one value
per hour. "Daily AQI > 200 lasting 48 h" holds on a run of at least 48 consecutive hourly values
above 200; "daily AQI > 200" with no duration holds on any single such value. Missing values
break a run: a gap is never read as clean or as polluted air. Each hour takes the highest level
whose condition holds on a run containing that hour (rules.md §1: a level applies only when no
higher level does). Consecutive hours at one level form an alert window ``[start, end)``, issued
``lead_time_hours`` before its start (rules.md §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.levels import Level
from alerts.rules import Condition, RuleSet

HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class AlertWindow:
    """One alert at one level over ``[start, end)``, local time.

    ``start`` is when the response takes effect, ``issued_at`` when the decision was announced
    (rules.md §3.2: the two may differ). ``trigger`` says who decided: ``"forecast"`` (the city's
    own forecast), ``"regional"`` (a regional linkage rule) or ``"dispatch"`` (a scripted order).
    """

    city: str
    level: Level
    issued_at: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    reason: str
    trigger: str = "forecast"

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges ``[i, j)`` of the consecutive True values of ``mask``.

    >>> runs(np.array([0, 1, 1, 0, 1], bool))
    [(1, 3), (4, 5)]
    """
    padded = np.concatenate(([False], np.asarray(mask, bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _exceeds(values: np.ndarray, cond: Condition) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return values >= cond.threshold if cond.inclusive else values > cond.threshold


def qualifying_runs(values: np.ndarray, cond: Condition) -> list[tuple[int, int]]:
    """Runs of ``values`` on which ``cond`` (with its inner conditions) holds."""
    found = []
    for a, b in runs(_exceeds(values, cond)):
        if b - a < cond.hours:
            continue
        if all(qualifying_runs(values[a:b], inner) for inner in cond.within):
            found.append((a, b))
    return found


def condition_mask(values: np.ndarray, cond: Condition) -> np.ndarray:
    """True at every hour that lies on a run where ``cond`` holds."""
    mask = np.zeros(len(values), bool)
    for a, b in qualifying_runs(values, cond):
        mask[a:b] = True
    return mask


_LEVELS = np.array(list(Level), dtype=object)  # Level by its int value, for vectorised lookup


def hourly_level_codes(daily_aqi: pd.Series, rules: RuleSet) -> np.ndarray:
    """The level each hour would be at under ``rules``, as ``int(Level)`` codes."""
    values = daily_aqi.to_numpy(float)
    levels = np.full(len(values), int(Level.NONE))
    for rule in rules.levels:  # mild to strict, so a stricter level overwrites
        for cond in rule.conditions:
            levels[condition_mask(values, cond)] = int(rule.level)
    return levels


def hourly_levels(daily_aqi: pd.Series, rules: RuleSet) -> pd.Series:
    """The level each hour would be at under ``rules``: a Series of ``Level`` values."""
    return pd.Series(_LEVELS[hourly_level_codes(daily_aqi, rules)], index=daily_aqi.index,
                     name="level")


def _reason(values: np.ndarray, times: pd.DatetimeIndex, rule, at: int) -> str:
    """Words for why ``rule`` holds at hour ``at``: the run that met it and the rule text."""
    for cond in rule.conditions:
        for a, b in qualifying_runs(values, cond):
            if a <= at < b:
                op = "≥" if cond.inclusive else ">"
                return (f"forecast daily AQI {op} {cond.threshold:g} for {b - a} h from "
                        f"{times[a]:%m-%d %H:%M} ({rules_text(rule)})")
    return rules_text(rule)


def rules_text(rule) -> str:
    return f"{rule.level.id}: {rule.text}" if rule.text else rule.level.id


def alert_windows(daily_aqi: pd.Series, rules: RuleSet, city: str = "") -> list[AlertWindow]:
    """Alert windows ``[start, end)`` per level for an hourly forecast of the daily AQI.

    ``daily_aqi`` must have an hourly DatetimeIndex. Issue time is ``start`` minus the rule
    set's lead time, but never before the first forecast hour (an alert cannot be issued
    before the forecast that supports it exists; rules.md §3.1 allows immediate issue).
    """
    if len(daily_aqi) and daily_aqi.index.freq is None:
        daily_aqi = daily_aqi.asfreq("h")
    levels = hourly_level_codes(daily_aqi, rules)
    values, times = daily_aqi.to_numpy(float), daily_aqi.index
    lead = pd.Timedelta(hours=rules.lead_time_hours)
    windows = []
    change = np.flatnonzero(np.diff(levels, prepend=-1, append=-1))
    for a, b in zip(change[:-1], change[1:], strict=True):
        level = Level(levels[a])
        if level == Level.NONE:
            continue
        start, end = times[a], times[b - 1] + HOUR
        windows.append(AlertWindow(
            city=city, level=level, issued_at=max(start - lead, times[0]),
            start=start, end=end, reason=_reason(values, times, rules.rule_for(level), a),
        ))
    return windows
