"""The alert lifecycle of one city: daily consultations that issue, adjust and lift alerts.

One simpy process per city (and tier) wakes at the rule set's consultation hour each day, asks
its forecast model what the daily AQI will be, and decides (sources.md §3) level by level:

* **plan** — the hourly levels the forecast supports (``alerts.triggers``; chains of periods
  already under way count, from the observed past). A dip below a level shorter than
  ``lift_hours`` between two stretches at that level or above is bridged at that level
  (sources.md §3.3: when the AQI oscillates between levels the higher one applies; sources.md §1:
  back-to-back episodes whose gap is too short to clear are one episode) — only across that dip.
* **issue** — the first planned hour at an alert level starts an alert. It is issued at the last
  consultation that still gives the rule set's lead time before that hour (sources.md §3.1), or
  at once when the episode is nearer; the response starts at that hour, never before the issue
  plus the response delay. The level is the one planned for that hour, not the episode's peak.
* **upgrade** — when the plan reaches a higher level, the consultation announces the upgrade for
  the hour it is reached (the same procedure as an issue, sources.md §3.3), but not before the
  level in force has held for ``min_hours``.
* **downgrade** — the level falls only at a consultation, to the planned level, once the level
  in force has held for ``min_hours``.
* **lift** — at the first hour from which the forecast stays below the starting criterion (daily
  AQI ≤ ``lift_below``, 200 for the national sets, and no criterion met) for ``lift_hours`` (36 h,
  sources.md §3.3), announced in advance. Heavily polluted hours that meet no criterion are not
  clear: they keep an alert in force at its lowest level and never lift it.
* **what drives a day** — a period the rule set leaves out (dust- or ozone-driven,
  ``alerts.drivers``) counts toward no criterion and, like clean air, toward the lift; the
  decisions name the periods they left out that would otherwise have counted, and the primary
  pollutant(s) of the hours they cover.
* **at least a day** — an alert, and each of its levels, lasts at least ``min_hours`` (24 h,
  an assumption: sources.md §3.3 found no minimum). A level that the plan would hold for less
  takes the level of a higher neighbour (the higher level applies); a level higher than its
  neighbours, or a whole alert, is held for the full day.

A consultation commits its decisions up to the next consultation's effect time; the last one
stays announced until a later consultation changes it (``end`` None: until further notice).

Two tiers run side by side when a rule set has the temporary-control slot (sources.md §1.3): the
alert tier (yellow and up) and the temporary tier (every hour at temporary or above counts as
temporary). The city's level at each hour is the higher of the two, so temporary control covers
the polluted hours around an alert without stretching the alert itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import simpy

from alerts.aqi import POLLUTANTS
from alerts.forecast import DEFAULT_HORIZON_HOURS, ForecastModel, Outlook, outlook_arrays
from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import _reason, level_codes, runs

HOUR = pd.Timedelta(hours=1)
# sources.md §3.1: the consultation is daily.
CONSULTATION_INTERVAL_HOURS = 24
NONE = int(Level.NONE)


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
    primary: str = ""
    note: str = ""

    @property
    def text(self) -> str:
        text = f"{self.reason}; {self.lift}" if self.lift else self.reason
        return f"{text}; {self.note}" if self.note else text


def bridge(levels: np.ndarray, steps: Iterable[int], max_gap: int) -> np.ndarray:
    """``levels`` with every dip below a level in ``steps`` that is shorter than ``max_gap``
    hours, between two hours at that level or above, raised to that level.

    >>> bridge(np.array([4, 3, 3, 4, 0, 0, 0, 3]), [3, 4], 3).tolist()
    [4, 4, 4, 4, 0, 0, 0, 3]
    """
    out = np.asarray(levels, int).copy()
    for step in sorted(steps, reverse=True):
        above = out >= step
        for a, b in runs(~above):
            if a > 0 and b < len(out) and b - a < max_gap:
                out[a:b] = np.maximum(out[a:b], step)
    return out


def _segments(levels: np.ndarray) -> list[list[int]]:
    """``[level, a, b)`` for each stretch of one level."""
    if not len(levels):
        return []
    change = [0, *(np.flatnonzero(levels[1:] != levels[:-1]) + 1).tolist(), len(levels)]
    return [[int(levels[a]), a, b] for a, b in itertools.pairwise(change)]


def hold_a_day(levels: np.ndarray, min_hours: int, onset: int = 0, open_end: bool = False
               ) -> np.ndarray:
    """Levels of one alert (every hour at an alert level) in which each level lasts at least
    ``min_hours``: a shorter stretch takes the level of its higher neighbour, or, when no
    neighbour is higher, is held for ``min_hours`` (the array grows if the alert must).

    ``onset`` > 0: the first level is already in force (for that many hours); it is left alone,
    its day is kept by the caller. ``open_end``: the array stops at the forecast horizon, not at
    a lift, so its last stretch is not judged.

    >>> hold_a_day(np.array([3] * 5 + [4] * 30), 24).tolist() == [4] * 35
    True
    >>> hold_a_day(np.array([3] * 30 + [5] * 4 + [4] * 30), 24).tolist() == [3] * 30 + [5] * 34
    True
    """
    out = np.asarray(levels, int).copy()
    while True:
        segs = _segments(out)
        short = next((k for k, (_, a, b) in enumerate(segs)
                      if b - a < min_hours and not (k == 0 and onset > 0)
                      and not (open_end and k == len(segs) - 1)), None)
        if short is None:
            return out
        level, a, b = segs[short]
        higher = max((segs[j][0] for j in (short - 1, short + 1) if 0 <= j < len(segs)),
                     default=-1)
        if higher > level:
            out[a:b] = higher
            continue
        if a + min_hours > len(out):
            out = np.concatenate((out, np.full(a + min_hours - len(out), level)))
        out[a:a + min_hours] = np.maximum(out[a:a + min_hours], level)


class Reading(NamedTuple):
    """A forecast as one consultation reads it under a rule set: ``raw`` daily AQI over
    ``times``, the ``kinds`` of period left out (None: drivers not known), the ``values`` that
    count (left-out periods cleared), their level ``codes`` and the ``primary`` pollutants."""

    times: pd.DatetimeIndex | np.ndarray
    raw: np.ndarray
    kinds: np.ndarray | None
    values: np.ndarray
    codes: np.ndarray
    primary: np.ndarray | None


class SharedReading:
    """The latest ``Reading``, reused by the next identical request: the tiers of a city
    consult the same forecast under the same rule set at the same hour, so it is read once.
    Readings of a model that draws nothing can be made ahead (``read_ahead``). Readers must not
    change its arrays."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._reading: Reading | None = None
        self._ahead: dict[tuple, Reading] = {}

    def read(self, model: ForecastModel, rules: RuleSet, at: pd.Timestamp, lookback: int,
             horizon: int) -> Reading:
        key = (id(model), id(rules), at, lookback, horizon)
        if key != self._key or self._reading is None:
            made = self._ahead.pop(key, None)
            self._key = key
            self._reading = made if made is not None else _read(model, rules, at, lookback,
                                                                 horizon)
        return self._reading

    def read_ahead(self, model: ForecastModel, rules: RuleSet, times: Iterable[pd.Timestamp],
                   lookback: int, horizon: int) -> None:
        """Make the readings at ``times`` now, their levels in one pass over all of them
        (``level_codes`` of a 2-d array): the same readings ``read`` would make one by one.
        Only for a model whose outlook at a time is always the same (``draws_nothing``)."""
        todo = [at for at in times
                if (id(model), id(rules), at, lookback, horizon) not in self._ahead]
        parts = [_outlook(model, rules, at, lookback, horizon) for at in todo]
        by_length: dict[int, list[int]] = {}
        for k, (_, _, values) in enumerate(parts):
            by_length.setdefault(len(values), []).append(k)
        for ks in by_length.values():
            codes = level_codes(np.stack([parts[k][2] for k in ks]), rules)
            for k, row in zip(ks, codes, strict=True):
                key = (id(model), id(rules), todo[k], lookback, horizon)
                self._ahead[key] = _reading(*parts[k], row)


def draws_nothing(model: ForecastModel) -> bool:
    """Whether ``model``'s outlook at a time is the same however often it is asked."""
    return bool(getattr(model, "draws_nothing", False))


def _read(model: ForecastModel, rules: RuleSet, at: pd.Timestamp, lookback: int,
          horizon: int) -> Reading:
    outlook, kinds, values = _outlook(model, rules, at, lookback, horizon)
    return _reading(outlook, kinds, values, level_codes(values, rules))


def _outlook(model: ForecastModel, rules: RuleSet, at: pd.Timestamp, lookback: int,
             horizon: int) -> tuple[Outlook, np.ndarray | None, np.ndarray]:
    """The outlook read at ``at``, the kind of period left out at each hour and the values
    counted."""
    # the model is asked for its whole horizon (seeded draws do not depend on the rule set);
    # the level is decided on the forecast days the bureau forecasts (sources.md §3.1)
    outlook = outlook_arrays(model, at, lookback, horizon).head(
        lookback + min(horizon, int(np.ceil(rules.forecast_hours))))
    primary, ratio = outlook.primary, outlook.pm_ratio
    kinds = rules.days.kinds_of(primary, ratio) if primary is not None and ratio is not None \
        else None
    # a left-out period counts toward no criterion: as if its air were clean
    values = outlook.values if kinds is None else np.where(kinds != "", -np.inf, outlook.values)
    return outlook, kinds, values


def _reading(outlook: Outlook, kinds: np.ndarray | None, values: np.ndarray,
             codes: np.ndarray) -> Reading:
    return Reading(outlook.times, outlook.values, kinds, values, codes,
                   outlook.primary if kinds is not None else None)


class CityLifecycle:
    """The decisions of one city in one tier (``"alert"`` or ``"temporary"``)."""

    def __init__(self, city: str, rules: RuleSet, model: ForecastModel, tier: str = "alert",
                 horizon_hours: int = DEFAULT_HORIZON_HOURS,
                 readings: SharedReading | None = None):
        if tier not in ("alert", "temporary"):
            raise ValueError(f"unknown tier {tier!r}; expected alert or temporary")
        self.city, self.rules, self.model, self.tier = city, rules, model, tier
        self.horizon = int(horizon_hours)
        self.forecast_hours = int(np.ceil(rules.forecast_hours))
        # the observed past must cover the longest chain of periods a condition needs and a
        # bridged dip
        self.lift_hours = int(np.ceil(rules.lift_hours))
        self.lookback = int(max(rules.longest_hours, self.lift_hours)) + 24
        self.min_hours = int(np.ceil(rules.min_hours))
        self.lead = rules.lead_time_hours * HOUR
        self.delay_hours = int(np.ceil(rules.response_delay_hours))
        self.interval = CONSULTATION_INTERVAL_HOURS * HOUR
        self.lowest = int(rules.lowest_alert) if tier == "alert" else int(Level.TEMPORARY)
        self.decisions: list[Decision] = []
        self.cancelled: list[Decision] = []
        # the lowest threshold that could put this tier on: a left-out period above it is named
        self.floor = min(c.threshold for r in rules.levels for c in r.conditions
                         if r.level >= Level(self.lowest))
        self.readings = readings if readings is not None else SharedReading()

    # -- levels the tier works with --------------------------------------------------------
    def tier_levels(self, levels: np.ndarray) -> np.ndarray:
        """Hourly levels as this tier sees them (ints)."""
        if self.tier == "temporary":
            return np.minimum(levels, int(Level.TEMPORARY))
        return np.where(levels >= int(self.rules.lowest_alert), levels, NONE)

    def steps(self) -> list[int]:
        """The levels this tier can be at."""
        if self.tier == "temporary":
            return [int(Level.TEMPORARY)]
        return [int(r.level) for r in self.rules.levels if r.level >= self.rules.lowest_alert]

    # -- one consultation --------------------------------------------------------------------
    def consult(self, at: pd.Timestamp) -> None:
        """Decide at consultation time ``at`` from the forecast available then."""
        # the model is asked for its whole horizon (seeded draws do not depend on the rule
        # set); the level is decided on the forecast days the bureau forecasts (sources.md §3.1)
        reading = self.readings.read(self.model, self.rules, at, self.lookback, self.horizon)
        levels = self.tier_levels(reading.codes)
        below = self.rules.lift_below if self.tier == "alert" else None
        view = _View(Hours(reading.times), reading.values, levels, self.lookback,
                     self.lift_hours, below, bridge(levels, self.steps(), self.lift_hours),
                     reading.raw, reading.kinds, reading.primary)
        current = self._current(at)
        if current is not None and current.start <= at:
            self._adjust(at, current, view)
        else:
            self._issue(at, current, view)

    def _current(self, at: pd.Timestamp) -> Decision | None:
        if self.decisions and (self.decisions[-1].end is None or self.decisions[-1].end > at):
            return self.decisions[-1]
        return None

    def _alert_start(self) -> pd.Timestamp:
        """Start of the alert the last decision belongs to (its decisions are back to back)."""
        start = self.decisions[-1].start
        for k in range(len(self.decisions) - 2, -1, -1):
            if self.decisions[k].end != start:
                break
            start = self.decisions[k].start
        return start

    def _issue(self, at: pd.Timestamp, pending: Decision | None, view: _View) -> None:
        """No response in force: issue, revise a pending alert, wait, or cancel."""
        s = view.first_alert(0, self.lowest)
        if s is None or view.times[s] >= at + self.lead + self.interval:
            if pending is not None:  # the episode has gone from the forecast: call it off
                self.decisions.pop()
                self.cancelled.append(pending)
            return
        a = max(s, self.delay_hours)
        if a >= len(view.times):
            return
        e = view.lift_at(a, a + self.min_hours)
        plan = self._levels(view, a, e, hold=None, onset=0)
        if pending is not None:
            self.decisions.pop()
        self._commit(at, view, a, plan, e, previous=pending, fresh=True)

    def _adjust(self, at: pd.Timestamp, current: Decision, view: _View) -> None:
        """A response in force: keep, upgrade, downgrade or announce the lift."""
        alert_start = self._alert_start()
        earliest = max(0, int(np.ceil((alert_start + self.min_hours * HOUR - at) / HOUR)))
        e = view.lift_at(0, earliest)
        if e == 0:  # clear from now on (and a day has passed): lift at once
            self.decisions[-1] = replace(current, end=at, lift=self._lift_words(view, e))
            self._issue(at, None, view)
            return
        # the level in force holds for its day and until a change can take effect
        onset = int((at - current.start) / HOUR)
        hold_until = max(self.min_hours - onset, self.delay_hours)
        plan = self._levels(view, 0, e, hold=(int(current.level), hold_until), onset=onset)
        self._commit(at, view, 0, plan, e, previous=current, fresh=False)

    def _levels(self, view: _View, a: int, e: int | None, hold: tuple[int, int] | None,
                onset: int) -> np.ndarray:
        """The levels from future index ``a`` to the lift ``e`` (or the horizon)."""
        stop = len(view.times) if e is None else e
        planned = np.maximum(view.plan[a:stop], self.lowest)
        # downgrades only at a consultation: within each day between consultations the level
        # never falls (the first consultation after ``a`` is ``interval`` after this one)
        out = planned.copy()
        bounds = [0, *range(CONSULTATION_INTERVAL_HOURS + self.delay_hours - a,
                            len(out), CONSULTATION_INTERVAL_HOURS)]
        bounds = sorted({b for b in bounds if 0 <= b < len(out)} | {len(out)})
        for lo, hi in itertools.pairwise(bounds):
            out[lo:hi] = np.maximum.accumulate(out[lo:hi])
        if hold is None:
            return hold_a_day(out, self.min_hours, open_end=e is None)
        # the level in force holds for its day, up or down; it is judged with its past hours
        level, until = hold
        out[:until] = level
        past = min(onset, self.min_hours)
        held = hold_a_day(np.concatenate((np.full(past, level), out)), self.min_hours,
                          open_end=e is None)
        return held[past:]

    def _commit(self, at: pd.Timestamp, view: _View, a: int, plan: np.ndarray, e: int | None,
                previous: Decision | None, fresh: bool) -> None:
        """Commit ``plan`` (levels from future index ``a``) up to the next consultation's effect
        time; the last committed level stays announced until the lift (or further notice)."""
        governed = CONSULTATION_INTERVAL_HOURS + self.delay_hours - a
        segs = [s for s in _segments(plan) if s[1] < max(governed, 1)]
        if e is not None and a + len(plan) > e:  # held beyond the lift for its day
            e = a + len(plan)
        end = view.end_time(e) if e is not None else None
        lift = self._lift_words(view, e)
        prev_level = int(previous.level) if previous is not None and not fresh else NONE
        for k, (level, x, _) in enumerate(segs):
            start = view.times[a + x]
            seg_end = view.times[a + segs[k + 1][1]] if k + 1 < len(segs) else end
            seg_lift = lift if k + 1 == len(segs) else f"{_verb(level, segs[k + 1][0])} " \
                f"{view.times[a + segs[k + 1][1]]:%Y-%m-%d %H:%M}"
            # the periods left out over this segment (and, before a lift, the clear stretch)
            hi = a + (segs[k + 1][1] if k + 1 < len(segs) else len(plan)
                      + (self.lift_hours if e is not None else 0))
            if k == 0 and previous is not None and int(previous.level) == level:
                # the same level goes on: keep the decision (and its issue time)
                since = int((previous.start - at) / HOUR) if not fresh else a + x
                note = view.left_out(since, hi, self.floor) or previous.note
                if fresh:
                    self.decisions.append(replace(previous, start=start, end=seg_end,
                                                  lift=seg_lift, note=note))
                else:
                    self.decisions[-1] = replace(previous, end=seg_end, lift=seg_lift, note=note)
                prev_level = level
                continue
            if k == 0 and previous is not None and not fresh:
                if previous.start < start:
                    self.decisions[-1] = replace(
                        previous, end=start,
                        lift=f"{_verb(int(previous.level), level)} {start:%Y-%m-%d %H:%M}")
                else:
                    self.decisions.pop()
            verb = "issued" if prev_level == NONE else _verb(prev_level, level)
            b = a + (segs[k + 1][1] if k + 1 < len(segs) else len(plan))
            reason = self._words(verb, Level(level), view, a + x, b)
            self.decisions.append(Decision(self.city, Level(level), at, start, seg_end, reason,
                                           lift=seg_lift,
                                           primary=view.primary_in(a + x, b, self.floor),
                                           note=view.left_out(a + x, hi, self.floor)))
            prev_level = level

    # -- words ---------------------------------------------------------------------------------
    def _words(self, verb: str, level: Level, view: _View, a: int, b: int) -> str:
        rule = self.rules.rule_for(level)
        if rule is None:
            return f"{verb} {level.id}"
        why = _reason(view.values, view.times_full, rule, view.lookback + a, view.lookback + b)
        if why == rule.text or not why.startswith("forecast"):
            why = (f"held at {level.id} (the higher level applies across a short dip, and a "
                   f"level lasts at least {self.min_hours} h; {why})")
        return f"{verb} {level.id}: {why}"

    def _lift_words(self, view: _View, e: int | None) -> str:
        if e is None:
            return ""
        below = (f"daily AQI ≤ {view.below:g} and no criterion met" if view.below is not None
                 else ("below every alert criterion" if self.tier == "alert"
                       else "below temporary control"))
        return (f"lift {view.end_time(e):%Y-%m-%d %H:%M}: forecast {below} for ≥ "
                f"{self.rules.lift_hours:g} h")


def _verb(old: int, new: int) -> str:
    return "upgraded" if new > old else "downgraded"


class Hours:
    """Hours read one ``pd.Timestamp`` at a time from a DatetimeIndex or, cheaper, from its
    ``datetime64`` values (time-zone-naive)."""

    __slots__ = ("stamps",)

    def __init__(self, stamps: pd.DatetimeIndex | np.ndarray):
        self.stamps = stamps

    def __len__(self) -> int:
        return len(self.stamps)

    def __getitem__(self, i: int) -> pd.Timestamp:
        return pd.Timestamp(self.stamps[i])

    def tail(self, start: int) -> Hours:
        return Hours(self.stamps[start:])


@dataclass
class _View:
    """The forecast from the consultation hour on, with the tier's hourly levels and plan."""

    times_full: Hours
    values: np.ndarray
    levels_full: np.ndarray
    lookback: int
    lift_hours: int
    below: float | None
    plan_full: np.ndarray
    raw: np.ndarray | None = None        # the daily AQI before left-out periods were cleared
    kinds: np.ndarray | None = None      # per hour the kind of period left out, or ""
    primary: np.ndarray | None = None    # per hour the primary pollutant(s), "" if unknown

    def __post_init__(self) -> None:
        self.times = self.times_full.tail(self.lookback)
        self.levels = self.levels_full[self.lookback:]
        self.plan = self.plan_full[self.lookback:]
        future = self.values[self.lookback:]
        with np.errstate(invalid="ignore"):
            clear = (self.levels == NONE) & ~np.isnan(future)
            if self.below is not None:
                clear &= future <= self.below
        # clear_for[i]: consecutive known, clear hours starting at i (up to the next unclear)
        hours = np.arange(len(clear) + 1)
        unclear = np.where(np.append(~clear, True), hours, len(clear))
        self.clear_for = np.minimum.accumulate(unclear[::-1])[::-1] - hours

    def left_out(self, a: int, b: int, floor: float) -> str:
        """Words for the periods of hours ``[a, b)`` (from the consultation hour; negative:
        the observed past) left out although their daily AQI was above ``floor``."""
        if self.kinds is None or self.raw is None:
            return ""
        lo, hi = max(self.lookback + a, 0), min(self.lookback + b, len(self.kinds))
        kinds, raw = self.kinds[lo:hi], self.raw[lo:hi]
        with np.errstate(invalid="ignore"):
            hit = (kinds != "") & (raw > floor)
        parts = []
        for x, y in runs(hit):
            kind = kinds[x]
            parts.append(f"{kind}-driven {self.times_full[lo + x]:%Y-%m-%d %H:%M} → "
                         f"{self.times_full[lo + y - 1]:%Y-%m-%d %H:%M} (daily AQI up to "
                         f"{np.nanmax(raw[x:y]):.0f})")
        return f"not counted: {', '.join(parts)}" if parts else ""

    def primary_in(self, a: int, b: int, floor: float) -> str:
        """The primary pollutant(s) of the counted future hours ``[a, b)`` above ``floor``
        (of all of them when none is above), "" when not known."""
        if self.primary is None:
            return ""
        lo, hi = self.lookback + max(a, 0), min(self.lookback + b, len(self.primary))
        names = self.primary[lo:hi]
        with np.errstate(invalid="ignore"):
            above = self.values[lo:hi] > floor
        found = {p for text in (names[above] if above.any() else names)
                 for p in str(text).split(",") if p}
        return ",".join(p for p in POLLUTANTS if p in found)

    def first_alert(self, a: int, lowest: int) -> int | None:
        hits = np.flatnonzero(self.plan[a:] >= lowest)
        return a + int(hits[0]) if len(hits) else None

    def lift_at(self, a: int, earliest: int = 0) -> int | None:
        """First hour ≥ ``a`` from which the forecast is clear for the lift duration, moved to
        ``earliest`` if sooner (the alert lasts its minimum)."""
        hits = np.flatnonzero(self.clear_for[a:-1] >= self.lift_hours)
        if not len(hits):
            return None
        return max(a + int(hits[0]), earliest)

    def end_time(self, e: int | None) -> pd.Timestamp | None:
        if e is None:
            return None
        return self.times[e] if e < len(self.times) else self.times[-1] + (e - len(self.times)
                                                                         + 1) * HOUR


def tiers_for(rules: RuleSet) -> tuple[str, ...]:
    """The tiers a rule set needs: the temporary tier only if it has that slot."""
    has_temporary = rules.rule_for(Level.TEMPORARY) is not None
    return ("alert", "temporary") if has_temporary else ("alert",)


def first_consultation(start: pd.Timestamp, hour: int) -> pd.Timestamp:
    """The first consultation at ``hour`` o'clock at or after ``start``."""
    first = start.normalize() + hour * HOUR
    return first if first >= start else first + pd.Timedelta(days=1)


def consultation_times(city: CityLifecycle, t0: pd.Timestamp, end: pd.Timestamp
                       ) -> list[pd.Timestamp]:
    """The times ``city`` consults from ``t0`` to ``end``: its consultation hour, then every
    interval (hours from ``t0`` counted as the simpy clock counts them)."""
    now, step, times = (first_consultation(t0, city.rules.consultation_hour) - t0) / HOUR, \
        city.interval / HOUR, []
    while (at := t0 + now * HOUR) < end:
        times.append(at)
        now += step
    return times


def _consultations(env: simpy.Environment, city: CityLifecycle, t0: pd.Timestamp,
                   times: list[pd.Timestamp]):
    for at in times:
        yield env.timeout((at - t0) / HOUR - env.now)
        city.consult(at)


def run_lifecycles(cities: Iterable[CityLifecycle], start: pd.Timestamp,
                   end: pd.Timestamp) -> None:
    """Step every city's consultations from ``start`` to ``end`` in one simpy environment.

    A model that draws nothing is read for all of a city's consultations first, in one pass
    (``SharedReading.read_ahead``)."""
    env = simpy.Environment()
    for city in cities:
        times = consultation_times(city, start, end)
        if draws_nothing(city.model):
            city.readings.read_ahead(city.model, city.rules, times, city.lookback, city.horizon)
        env.process(_consultations(env, city, start, times))
    env.run()
