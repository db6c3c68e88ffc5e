"""The alert lifecycle of one city: daily consultations that issue, adjust and lift alerts.

One simpy process per city (and tier) wakes at the rule set's consultation hour each day, asks
its forecast model what the daily AQI will be, and decides (rules.md §3):

* **issue** — the first forecast hour at an alert level starts an episode. The alert is issued
  at the last consultation that still gives the rule set's lead time before that hour (a later
  consultation could not), or at once if the episode is already closer than the lead time; the
  response starts at the episode's first hour, never before the issue plus the response delay.
* **level** — the highest level forecast anywhere in the episode (rules.md §3.3: when the AQI
  oscillates between levels the higher one applies; §1.4 Henan 2016: the forecast upper bound
  decides the level).
* **upgrade / downgrade** — at each later consultation the level is the highest one forecast for
  the rest of the episode (runs already under way count, from the observed past). A change is
  issued at that consultation and takes effect after the response delay: the same procedure as
  an issue (rules.md §3.3).
* **lift** — at the first hour from which the forecast stays below every criterion of the tier
  for the rule set's ``lift_hours`` (36 h, rules.md §3.3), announced in advance. A quiet spell
  shorter than that does not lift, so back-to-back episodes merge into one (rules.md §1).

Two tiers run side by side when a rule set has the temporary-control slot (rules.md §1.3): the
alert tier (yellow and up) and the temporary tier (every hour at temporary or above counts as
temporary). The city's level at each hour is the higher of the two, so temporary control covers
the polluted hours around an alert without stretching the alert itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import simpy

from alerts.forecast import DEFAULT_HORIZON_HOURS, ForecastModel
from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import _reason, hourly_level_codes

HOUR = pd.Timedelta(hours=1)
# rules.md §3.1: the consultation is daily.
CONSULTATION_INTERVAL_HOURS = 24


@dataclass(frozen=True)
class Decision:
    """One announced state of a city's alert: ``level`` over ``[start, end)``.

    ``end`` is None while no lift has been announced. ``lift`` explains the announced end.
    """

    city: str
    level: Level
    issued_at: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp | None
    reason: str
    trigger: str = "forecast"
    lift: str = ""

    @property
    def text(self) -> str:
        return f"{self.reason}; {self.lift}" if self.lift else self.reason


class CityLifecycle:
    """The decisions of one city in one tier (``"alert"`` or ``"temporary"``)."""

    def __init__(self, city: str, rules: RuleSet, model: ForecastModel, tier: str = "alert",
                 horizon_hours: int = DEFAULT_HORIZON_HOURS):
        if tier not in ("alert", "temporary"):
            raise ValueError(f"unknown tier {tier!r}; expected alert or temporary")
        self.city, self.rules, self.model, self.tier = city, rules, model, tier
        self.horizon = int(horizon_hours)
        # the observed past must cover the longest run a condition needs, and a lift spell
        self.lookback = int(max(rules.longest_hours, rules.lift_hours))
        self.lift_hours = int(np.ceil(rules.lift_hours))
        self.lead = rules.lead_time_hours * HOUR
        self.delay = rules.response_delay_hours * HOUR
        self.interval = CONSULTATION_INTERVAL_HOURS * HOUR
        self.decisions: list[Decision] = []
        self.cancelled: list[Decision] = []

    # -- levels the tier works with --------------------------------------------------------
    def tier_levels(self, levels: np.ndarray) -> np.ndarray:
        """Hourly levels as this tier sees them (ints)."""
        if self.tier == "temporary":
            return np.minimum(levels, int(Level.TEMPORARY))
        return np.where(levels >= int(self.rules.lowest_alert), levels, int(Level.NONE))

    # -- one consultation --------------------------------------------------------------------
    def consult(self, at: pd.Timestamp) -> None:
        """Decide at consultation time ``at`` from the forecast available then."""
        outlook = self.model.outlook(at, self.lookback, self.horizon)
        raw = hourly_level_codes(outlook, self.rules)
        levels = self.tier_levels(raw)
        values = outlook.to_numpy(float)
        view = _View(outlook.index, values, levels, self.lookback, self.lift_hours)
        current = self._current(at)
        if current is not None and current.start <= at:
            self._adjust(at, current, view)
        else:
            self._issue(at, current, view)

    def _current(self, at: pd.Timestamp) -> Decision | None:
        if self.decisions and (self.decisions[-1].end is None or self.decisions[-1].end > at):
            return self.decisions[-1]
        return None

    def _issue(self, at: pd.Timestamp, pending: Decision | None, view: _View) -> None:
        """No response in force: issue, revise a pending alert, wait, or cancel."""
        s = view.first_alert(0)
        if s is None or view.times[s] >= at + self.lead + self.interval:
            if pending is not None:  # the episode has gone from the forecast: call it off
                self.decisions.pop()
                self.cancelled.append(pending)
            return
        e = view.lift_at(s)
        level = view.highest(s, e)
        start = max(view.times[s], at + self.delay)
        reason = self._words("issued", level, view, s, e)
        issued_at = at
        if pending is not None:
            self.decisions.pop()
            if pending.level == level:  # same alert, revised timing: keep its issue time
                issued_at, reason = pending.issued_at, pending.reason
        self.decisions.append(Decision(self.city, level, issued_at, start, view.end_time(e),
                                       reason, lift=self._lift_words(view, e)))

    def _adjust(self, at: pd.Timestamp, current: Decision, view: _View) -> None:
        """A response in force: keep, upgrade, downgrade or announce the lift."""
        e = view.lift_at(0)
        if e == 0:  # clear from now on: lift at once
            self.decisions[-1] = replace(current, end=at, lift=self._lift_words(view, e))
            self._issue(at, None, view)
            return
        level = view.highest(0, e)
        if level == Level.NONE:  # nothing forecast but not yet clear for long enough: keep
            level = current.level
        end, lift = view.end_time(e), self._lift_words(view, e)
        if level == current.level:
            self.decisions[-1] = replace(current, end=end, lift=lift)
            return
        switch = at + self.delay
        if end is not None and end <= switch:  # lifted before the change could take effect
            self.decisions[-1] = replace(current, end=end, lift=lift)
            return
        change = "upgraded" if level > current.level else "downgraded"
        if current.start < switch:
            self.decisions[-1] = replace(current, end=switch, lift=f"{change} {switch:%m-%d %H:%M}")
        else:
            self.decisions.pop()
        self.decisions.append(Decision(self.city, level, at, switch, end,
                                       self._words(change, level, view, 0, e), lift=lift))

    # -- words ---------------------------------------------------------------------------------
    def _words(self, verb: str, level: Level, view: _View, a: int, b: int | None) -> str:
        i = view.first_at(level, a, b)
        rule = self.rules.rule_for(level)
        why = _reason(view.values, view.times_full, rule, view.lookback + i) if rule else level.id
        return f"{verb} {level.id}: {why}"

    def _lift_words(self, view: _View, e: int | None) -> str:
        if e is None:
            return ""
        below = "every alert criterion" if self.tier == "alert" else "temporary control"
        return (f"lift {view.times[e]:%m-%d %H:%M}: forecast below {below} for ≥ "
                f"{self.rules.lift_hours:g} h")


@dataclass
class _View:
    """The forecast from the consultation hour on, with the tier's hourly levels."""

    times_full: pd.DatetimeIndex
    values: np.ndarray
    levels_full: np.ndarray
    lookback: int
    lift_hours: int

    def __post_init__(self) -> None:
        self.times = self.times_full[self.lookback:]
        self.levels = self.levels_full[self.lookback:]
        clear = (self.levels == int(Level.NONE)) & ~np.isnan(self.values[self.lookback:])
        # clear_for[i]: consecutive known, clear hours starting at i
        self.clear_for = np.zeros(len(clear) + 1, int)
        for i in range(len(clear) - 1, -1, -1):
            self.clear_for[i] = self.clear_for[i + 1] + 1 if clear[i] else 0

    def first_alert(self, a: int) -> int | None:
        hits = np.flatnonzero(self.levels[a:] > int(Level.NONE))
        return a + int(hits[0]) if len(hits) else None

    def lift_at(self, a: int) -> int | None:
        """First hour ≥ ``a`` from which the forecast is clear for the lift duration."""
        hits = np.flatnonzero(self.clear_for[a:-1] >= self.lift_hours)
        return a + int(hits[0]) if len(hits) else None

    def highest(self, a: int, b: int | None) -> Level:
        part = self.levels[a:b]
        return Level(int(part.max())) if len(part) else Level.NONE

    def first_at(self, level: Level, a: int, b: int | None) -> int:
        hits = np.flatnonzero(self.levels[a:b] == int(level))
        return a + int(hits[0]) if len(hits) else a

    def end_time(self, e: int | None) -> pd.Timestamp | None:
        return None if e is None else self.times[e]


def tiers_for(rules: RuleSet) -> tuple[str, ...]:
    """The tiers a rule set needs: the temporary tier only if it has that slot."""
    has_temporary = rules.rule_for(Level.TEMPORARY) is not None
    return ("alert", "temporary") if has_temporary else ("alert",)


def first_consultation(start: pd.Timestamp, hour: int) -> pd.Timestamp:
    """The first consultation at ``hour`` o'clock at or after ``start``."""
    first = start.normalize() + hour * HOUR
    return first if first >= start else first + pd.Timedelta(days=1)


def _consultations(env: simpy.Environment, city: CityLifecycle, t0: pd.Timestamp,
                   end: pd.Timestamp):
    first = first_consultation(t0, city.rules.consultation_hour)
    yield env.timeout((first - t0) / HOUR)
    while (now := t0 + env.now * HOUR) < end:
        city.consult(now)
        yield env.timeout(city.interval / HOUR)


def run_lifecycles(cities: Iterable[CityLifecycle], start: pd.Timestamp,
                   end: pd.Timestamp) -> None:
    """Step every city's consultations from ``start`` to ``end`` in one simpy environment."""
    env = simpy.Environment()
    for city in cities:
        env.process(_consultations(env, city, start, end))
    env.run()
