"""The alert lifecycle as it was before issue 18 (a pandas outlook per consultation): the oracle
that tests/alerts/test_lifecycle_speed.py holds ``alerts.lifecycle``, ``alerts.triggers`` and
``alerts.timeline`` to. Frozen copy of those modules' code (the forecast models' ``outlook``
methods, unchanged, are the interface it reads); not used by smogsim itself."""
# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pandas as pd
import simpy

from alerts.aqi import POLLUTANTS
from alerts.forecast import DEFAULT_HORIZON_HOURS, ForecastModel, ZoneForecast, driver_outlook
from alerts.levels import Level
from alerts.region import Region, RegionalRule
from alerts.rules import DEFAULT_MIN_HOURS, Condition, RuleSet
from alerts.triggers import AlertWindow

HOUR = pd.Timedelta(hours=1)
DAY_HOURS = 24


# -- alerts.triggers ---------------------------------------------------------------------------

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


def _chains(ok: np.ndarray, days: int) -> np.ndarray:
    """``out[k]``: the ``days`` periods ending at hours ``k``, ``k+24``, … all satisfy ``ok``
    (indexed by the period's last hour). False where they do not fit in the data."""
    n = len(ok)
    out = np.zeros(n, bool)
    m = n - DAY_HOURS * (days - 1)
    if m <= 0:
        return out
    chain = np.ones(m, bool)
    for j in range(days):
        chain &= ok[DAY_HOURS * j:DAY_HOURS * j + m]
    out[:m] = chain
    return out


def qualifying_ends(values: np.ndarray, cond: Condition) -> np.ndarray:
    """``out[k]``: ``cond`` (with its inner conditions) holds on the chain of periods whose first
    period ends at hour ``k`` (it began at hour ``k - 23``, possibly before the data)."""
    values = np.asarray(values, float)
    ends = _chains(_exceeds(values, cond), cond.days)
    for inner in cond.within:
        if inner.days > cond.days:
            return np.zeros(len(values), bool)
        inner_ends = qualifying_ends(values, inner)
        found = np.zeros(len(values), bool)
        for j in range(cond.days - inner.days + 1):  # the inner chain at day j of the outer one
            shift = DAY_HOURS * j
            if shift >= len(values):
                break
            found[:len(values) - shift] |= inner_ends[shift:]
        ends &= found
    return ends


def _cover(ends: np.ndarray, hours: int) -> np.ndarray:
    """Hours covered by the chains: a chain whose first period ends at ``k`` covers
    ``[k - 23, k - 23 + hours)`` (clipped to the data)."""
    n = len(ends)
    counts = np.concatenate(([0], np.cumsum(ends)))
    h = np.arange(n)
    lo = np.clip(h + DAY_HOURS - hours, 0, n)
    hi = np.clip(h + DAY_HOURS, 0, n)  # k ≤ h + 23
    return (counts[hi] - counts[lo]) > 0


def condition_mask(values: np.ndarray, cond: Condition) -> np.ndarray:
    """True at every hour that lies on a chain of periods where ``cond`` holds."""
    return _cover(qualifying_ends(values, cond), cond.hours)


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


def _reason(values: np.ndarray, times: pd.DatetimeIndex, rule, at: int, until: int | None = None
            ) -> str:
    """Words for why ``rule`` holds in hours ``[at, until)`` (default: at hour ``at``): the first
    chain of periods that covers one of them, and the rule text."""
    until = at + 1 if until is None else until
    for cond in rule.conditions:
        starts = np.flatnonzero(qualifying_ends(values, cond)) - (DAY_HOURS - 1)
        hit = starts[(starts < until) & (starts + cond.hours > at)]
        if len(hit):
            s = max(int(hit[0]), 0)
            op = "≥" if cond.inclusive else ">"
            days = f"{cond.days} day" + ("s" if cond.days > 1 else "")
            return (f"forecast daily AQI {op} {cond.threshold:g} on {days} from "
                    f"{times[s]:%Y-%m-%d %H:%M} ({rules_text(rule)})")
    return rules_text(rule)


def rules_text(rule) -> str:
    return f"{rule.level.id}: {rule.text}" if rule.text else rule.level.id



# -- alerts.lifecycle --------------------------------------------------------------------------

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
    change = np.flatnonzero(np.diff(levels, prepend=-1, append=-1))
    return [[int(levels[a]), int(a), int(b)] for a, b in itertools.pairwise(change)]


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


class CityLifecycle:
    """The decisions of one city in one tier (``"alert"`` or ``"temporary"``)."""

    def __init__(self, city: str, rules: RuleSet, model: ForecastModel, tier: str = "alert",
                 horizon_hours: int = DEFAULT_HORIZON_HOURS):
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
        outlook = self.model.outlook(at, self.lookback, self.horizon)
        outlook = outlook.iloc[:self.lookback + min(self.horizon, self.forecast_hours)]
        raw = outlook.to_numpy(float)
        drivers = driver_outlook(self.model, at, self.lookback, self.horizon)
        if drivers is not None:
            drivers = drivers.iloc[:len(raw)]
        kinds = self.rules.days.kinds(drivers) if drivers is not None else None
        # a left-out period counts toward no criterion: as if its air were clean
        values = raw if kinds is None else np.where(kinds != "", -np.inf, raw)
        levels = self.tier_levels(hourly_level_codes(pd.Series(values, index=outlook.index),
                                                     self.rules))
        below = self.rules.lift_below if self.tier == "alert" else None
        view = _View(outlook.index, values, levels, self.lookback, self.lift_hours, below,
                     bridge(levels, self.steps(), self.lift_hours), raw, kinds,
                     None if drivers is None else drivers["primary"].to_numpy(object))
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
        for d in reversed(self.decisions[:-1]):
            if d.end != start:
                break
            start = d.start
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


@dataclass
class _View:
    """The forecast from the consultation hour on, with the tier's hourly levels and plan."""

    times_full: pd.DatetimeIndex
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
        self.times = self.times_full[self.lookback:]
        self.levels = self.levels_full[self.lookback:]
        self.plan = self.plan_full[self.lookback:]
        future = self.values[self.lookback:]
        with np.errstate(invalid="ignore"):
            clear = (self.levels == NONE) & ~np.isnan(future)
            if self.below is not None:
                clear &= future <= self.below
        # clear_for[i]: consecutive known, clear hours starting at i
        self.clear_for = np.zeros(len(clear) + 1, int)
        for i in range(len(clear) - 1, -1, -1):
            self.clear_for[i] = self.clear_for[i + 1] + 1 if clear[i] else 0

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


# -- alerts.timeline ---------------------------------------------------------------------------

@dataclass
class Track:
    """A city's level hour by hour on ``grid`` and the decision behind each hour (-1: none)."""

    grid: pd.DatetimeIndex
    level: np.ndarray
    owner: np.ndarray
    decisions: list[Decision]

    @classmethod
    def empty(cls, grid: pd.DatetimeIndex) -> Track:
        return cls(grid, np.zeros(len(grid), int), np.full(len(grid), -1), [])

    @classmethod
    def of(cls, grid: pd.DatetimeIndex, decisions: list[Decision]) -> Track:
        """Lay ``decisions`` (non-overlapping) on ``grid``; an open end runs to the grid end."""
        track = cls.empty(grid)
        for decision in decisions:
            track.add(decision)
        return track

    def add(self, decision: Decision) -> None:
        end = decision.end if decision.end is not None else self.grid[-1] + HOUR
        hours = (self.grid >= decision.start) & (self.grid < end)
        self.decisions.append(decision)
        self.level[hours] = int(decision.level)
        self.owner[hours] = len(self.decisions) - 1

    def raised_by(self, other: Track) -> Track:
        """Hour by hour the higher of the two; on a tie this track's decision stays."""
        higher = other.level > self.level
        offset = len(self.decisions)
        return Track(self.grid, np.where(higher, other.level, self.level),
                     np.where(higher, other.owner + offset, self.owner),
                     self.decisions + other.decisions)

    def issued_at(self, i: int) -> pd.Timestamp:
        return self.decisions[self.owner[i]].issued_at

    def windows(self, city: str) -> list[AlertWindow]:
        """Consecutive hours with one level and one decision form a window ``[start, end)``."""
        key = self.level * (len(self.decisions) + 1) + (self.owner + 1)
        change = np.flatnonzero(np.diff(key, prepend=-1, append=-1))
        out, shown = [], set()
        for a, b in itertools.pairwise(change):
            if self.level[a] == int(Level.NONE):
                continue
            d = self.decisions[self.owner[a]]
            reason = d.text
            if self.owner[a] in shown:  # a decision split by a higher level that came and went
                reason = (f"{d.level.id} resumes after the higher level ended "
                          f"(decision issued {d.issued_at:%Y-%m-%d %H:%M})")
            shown.add(self.owner[a])
            out.append(AlertWindow(city=city, level=Level(int(self.level[a])),
                                   issued_at=d.issued_at, start=self.grid[a],
                                   end=self.grid[b - 1] + HOUR, reason=reason,
                                   trigger=d.trigger, primary=d.primary))
        return out


def hourly_grid(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Hours of ``[start, end)``."""
    return pd.date_range(start, end - HOUR, freq="h")


def regional_tracks(region: Region, own: Mapping[str, Track], grid: pd.DatetimeIndex
                    ) -> dict[str, Track]:
    """Floors that the region's rules set, per city, from the cities' own levels.

    A rule holds over a stretch of hours while some qualifying group exists. Every city the
    rule covers (the group's cities, or every zone city for ``applies_to = "zone"``) is raised
    from the hour it is first covered to the end of the stretch, and for at least a day: a
    regional alert is lifted by the region, not by one city's own forecast (sources.md §3.3).
    """
    floors = {city: Track.empty(grid) for city in region.cities()}
    for rule in region.rules:
        if rule.kind == "unified":  # decided on the zone forecast: unified_tracks
            continue
        members = [c for c in region.zone_members(rule.zone) if c in own]
        if not members:
            continue
        meets = np.stack([own[c].level for c in members]) >= int(rule.at_least)
        covered = _covered_by_hour(region, rule, members, meets)
        holds = np.array([bool(c) for c in covered])
        for a, b in runs(holds):
            joined: dict[str, int] = {}
            for i in range(a, b):
                for city in covered[i]:
                    joined.setdefault(city, i)
            for city, i in joined.items():
                counted = [c for k, c in enumerate(members) if meets[k, i] and c in covered[i]]
                # a regional alert, like a city's, lasts at least a day (DEFAULT_MIN_HOURS)
                _raise(floors, own, rule, city, counted, grid, i,
                       min(max(b, i + int(DEFAULT_MIN_HOURS)), len(grid)))
    return floors


def _covered_by_hour(region: Region, rule: RegionalRule, members: list[str],
                     meets: np.ndarray) -> list[frozenset[str]]:
    """Per hour, the cities the rule covers then (empty when it does not hold)."""
    key = [frozenset(np.flatnonzero(meets[:, i]).tolist()) for i in range(meets.shape[1])]
    cache: dict[frozenset, frozenset[str]] = {}
    out = []
    for k in key:
        if k not in cache:
            meeting = [members[i] for i in sorted(k)]
            cache[k] = frozenset(c for group in _groups(region, rule, meeting) for c in group)
        out.append(cache[k])
    return out


def _groups(region: Region, rule: RegionalRule, meeting: list[str]) -> list[list[str]]:
    """The city groups a rule covers, given the zone cities that meet its level."""
    if len(meeting) < rule.min_cities:
        return []
    if rule.kind == "zone":
        return [region.zone_members(rule.zone)]
    groups = [sorted(c) for c in nx.connected_components(region.adjacency(meeting))
              if len(c) >= rule.min_cities]
    if groups and rule.applies_to == "zone":
        return [region.zone_members(rule.zone)]
    return groups


def _raise(floors: dict[str, Track], own: Mapping[str, Track], rule: RegionalRule, city: str,
           counted: list[str], grid: pd.DatetimeIndex, i: int, j: int) -> None:
    """Raise ``city`` to the rule's level over grid hours ``[i, j)``."""
    # the region can act only once every city it counts has announced its level
    issued = max(own[c].issued_at(i) for c in counted)
    reason = (f"regional {rule.level.id}: {len(counted)} cities at {rule.at_least.id} or above "
              f"at {grid[i]:%Y-%m-%d %H:%M} ({', '.join(counted)}) — {rule.describe()}")
    if rule.source:
        reason += f" [{rule.source}]"
    floors[city] = floors[city].raised_by(Track.of(grid, [Decision(
        city, rule.level, issued, grid[i], grid[j - 1] + HOUR, reason, trigger="regional")]))


def unified_tracks(region: Region, models: Mapping[str, ForecastModel],
                   rules: Mapping[str, RuleSet], grid: pd.DatetimeIndex,
                   horizon_hours: int = DEFAULT_HORIZON_HOURS) -> dict[str, Track]:
    """Floors that the region's ``unified`` rules set: each zone consults its zone forecast
    (``ZoneForecast`` over the member cities that have a forecast) daily under the first
    member's rule set, and every alert decision it makes is dispatched to every zone city
    (sources.md §3.1, §3.4). Temporary control is local (sources.md §1.3): not dispatched."""
    floors = {city: Track.empty(grid) for city in region.cities()}
    zones = []
    for rule in region.rules:
        members = [c for c in region.zone_members(rule.zone) if c in models]
        if rule.kind != "unified" or not members:
            continue
        zone = ZoneForecast({c: models[c] for c in members}, rule.forecast)
        zones.append((rule, members, CityLifecycle(rule.zone, rules[members[0]], zone,
                                                   "alert", horizon_hours)))
    run_lifecycles([lc for _, _, lc in zones], grid[0], grid[-1] + HOUR)
    for rule, members, lifecycle in zones:
        where = (f"zone forecast = {rule.forecast} of {', '.join(members)} under "
                 f"{lifecycle.rules.id}")
        for d in lifecycle.decisions:
            reason = f"regional {d.level.id} ({rule.id}, unified; {where}): {d.text}"
            if rule.source:
                reason += f" [{rule.source}]"
            for city in region.zone_members(rule.zone):
                floors[city] = floors[city].raised_by(Track.of(grid, [Decision(
                    city, d.level, d.issued_at, d.start, d.end, reason, trigger="regional",
                    primary=d.primary)]))
    return floors


def dispatch_tracks(region: Region, grid: pd.DatetimeIndex) -> dict[str, Track]:
    """Floors set by the region's scripted dispatch orders, per city."""
    floors = {city: Track.empty(grid) for city in region.cities()}
    for order in region.orders:
        reason = (f"dispatch {order.id}: not below {order.level.id} "
                  f"{order.start:%Y-%m-%d %H:%M} → {order.end:%Y-%m-%d %H:%M}")
        if order.source:
            reason += f" [{order.source}]"
        for city in order.cities:
            floors[city] = floors[city].raised_by(Track.of(grid, [Decision(
                city, order.level, order.issued_at, order.start, order.end, reason,
                trigger="dispatch")]))
    return floors


def own_tracks(models: Mapping[str, ForecastModel], rules: Mapping[str, RuleSet],
               grid: pd.DatetimeIndex, horizon_hours: int = DEFAULT_HORIZON_HOURS,
               ) -> dict[str, Track]:
    """Run every city's lifecycle (one simpy process per city and tier) over ``grid``."""
    lifecycles = {city: [CityLifecycle(city, rules[city], model, tier, horizon_hours)
                         for tier in tiers_for(rules[city])]
                  for city, model in models.items()}
    end = grid[-1] + HOUR
    run_lifecycles([lc for tiers in lifecycles.values() for lc in tiers], grid[0], end)
    tracks = {}
    for city, tiers in lifecycles.items():
        track = Track.empty(grid)
        for lc in tiers:  # the alert tier first, so its decisions win ties
            track = track.raised_by(Track.of(grid, lc.decisions))
        tracks[city] = track
    return tracks


def alert_timeline(models: Mapping[str, ForecastModel], rules: Mapping[str, RuleSet],
                   start: pd.Timestamp, end: pd.Timestamp, region: Region | None = None,
                   horizon_hours: int = DEFAULT_HORIZON_HOURS) -> dict[str, list[AlertWindow]]:
    """Every city's alert windows over ``[start, end)``.

    ``models`` gives each city with its own forecast a forecast model, ``rules`` its rule set.
    With a ``region``, its rules (counted on the cities' own levels, or ``unified`` on a zone
    forecast) and dispatch orders raise cities' levels (region cities without a forecast of
    their own can only be raised). Consultations start at ``start``.
    """
    grid = hourly_grid(start, end)
    tracks = own_tracks(models, rules, grid, horizon_hours)
    if region is not None:
        regional = regional_tracks(region, tracks, grid)
        unified = unified_tracks(region, models, rules, grid, horizon_hours)
        dispatch = dispatch_tracks(region, grid)
        for city in region.cities():
            base = tracks.get(city, Track.empty(grid))
            tracks[city] = (base.raised_by(regional[city]).raised_by(unified[city])
                            .raised_by(dispatch[city]))
    return {city: track.windows(city) for city, track in sorted(tracks.items())}
