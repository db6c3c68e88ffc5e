"""From a forecast daily-AQI series to alert levels, by a rule set's conditions.

Reading of the rules (sources.md §1, §1.3; the seed wording "预测日AQI>200 将持续 2 天(48 小时)及
以上"): the "daily AQI" is the AQI of a 24-hour period, and a period may start at any hour
(sources.md §1: the mean of any consecutive 24 h). The input is hourly: the value at hour ``t``
is the daily AQI of the 24-hour period ending with hour ``t`` (hours ``t-23 … t``, the trailing
mean of ``alerts.aqi.daily_aqi``).

"Daily AQI > X for N days (N × 24 h)" holds on N consecutive 24-hour periods, back to back from
some start hour ``s``, each with a daily AQI above X: the values at hours ``s+23, s+47, …,
s+24N-1``. It covers the hours ``[s, s+24N)``. So two days of heavy pollution give "2 days" on
hourly and on daily input alike (one rolling value per period, not 48 consecutive hourly values,
which needed about 70 h of pollution). A ``with`` condition must hold on M consecutive periods
of the same chain (e.g. 2024 red: 3 days above 200 of which 1 above 300). Missing values never
count as above: a gap breaks a chain. Each hour takes the highest level whose condition covers
it (sources.md §1: a level applies only when no higher level does).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from alerts.levels import Level
from alerts.rules import Condition, RuleSet

HOUR = pd.Timedelta(hours=1)
DAY_HOURS = 24


@dataclass(frozen=True)
class AlertWindow:
    """One alert at one level over ``[start, end)``, local time.

    ``start`` is when the response takes effect, ``issued_at`` when the decision was announced
    (sources.md §3.2: the two may differ). ``trigger`` says who decided: ``"forecast"`` (the
    city's own forecast), ``"regional"`` (a regional linkage rule) or ``"dispatch"`` (a scripted
    order). ``primary``: the primary pollutant(s) of the forecast days behind the decision
    (HJ 633 首要污染物, ``alerts.drivers``), "" when not known.
    """

    city: str
    level: Level
    issued_at: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    reason: str
    trigger: str = "forecast"
    primary: str = ""

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
    n, extra = len(ends), hours - DAY_HOURS
    if extra < 0:
        counts = np.concatenate(([0], np.cumsum(ends)))
        h = np.arange(n)
        lo = np.clip(h + DAY_HOURS - hours, 0, n)
        hi = np.clip(h + DAY_HOURS, 0, n)  # k ≤ h + 23
        return (counts[hi] - counts[lo]) > 0
    # counts[j]: chains ending before hour j, padded so that hour h reads the chains ending in
    # [h - extra, h + 24) ∩ [0, n) as padded[h + 24 + extra] - padded[h]
    counts = np.cumsum(ends)
    total = counts[-1] if n else 0
    padded = np.concatenate((np.zeros(extra + 1, counts.dtype), counts,
                             np.full(DAY_HOURS, total, counts.dtype)))
    return padded[DAY_HOURS + extra:DAY_HOURS + extra + n] > padded[:n]


def condition_mask(values: np.ndarray, cond: Condition) -> np.ndarray:
    """True at every hour that lies on a chain of periods where ``cond`` holds."""
    return _cover(qualifying_ends(values, cond), cond.hours)


_LEVELS = np.array(list(Level), dtype=object)  # Level by its int value, for vectorised lookup


def hourly_level_codes(daily_aqi: pd.Series, rules: RuleSet) -> np.ndarray:
    """The level each hour would be at under ``rules``, as ``int(Level)`` codes."""
    return level_codes(daily_aqi.to_numpy(float), rules)


def level_codes(values: np.ndarray, rules: RuleSet) -> np.ndarray:
    """``hourly_level_codes`` of an hourly array of daily-AQI values.

    Every condition of the rule set at once (``_Conditions``): the same hours as
    ``condition_mask`` of each in turn, in a dozen array operations instead of a dozen per
    condition — the alert lifecycle asks this of every consultation's outlook. A 2-d array is
    read row by row (each row its own series): a lifecycle's consultations in one pass.
    """
    values = np.asarray(values, float)
    if values.ndim == 1:
        return level_codes(values[None, :], rules)[0]
    levels = np.full(values.shape, int(Level.NONE))
    if not values.size:
        return levels
    conditions = _Conditions.of(rules)
    if conditions.days.min(initial=1) < 1:  # not from a rule file (days ≥ 1 there)
        return np.array([level_codes_each(row, rules) for row in values]).reshape(values.shape)
    cover = conditions.cover(values)
    for code, rows in conditions.rules:  # mild to strict, so a stricter level overwrites
        for row in rows:
            levels[cover[row]] = code
    return levels


def level_codes_each(values: np.ndarray, rules: RuleSet) -> np.ndarray:
    """``level_codes`` one condition at a time (``condition_mask``): the plain reading."""
    values = np.asarray(values, float)
    levels = np.full(len(values), int(Level.NONE))
    for rule in rules.levels:  # mild to strict, so a stricter level overwrites
        for cond in rule.conditions:
            levels[condition_mask(values, cond)] = int(rule.level)
    return levels


class _Conditions:
    """A rule set's conditions as arrays (one row each, inner ``within`` ones included)."""

    _made: ClassVar[dict[int, tuple[RuleSet, _Conditions]]] = {}

    def __init__(self, rules: RuleSet) -> None:
        self.all: list[Condition] = []
        self.rules = [(int(rule.level), [self._add(c) for c in rule.conditions])
                      for rule in rules.levels]
        self.threshold = np.array([c.threshold for c in self.all], float)[:, None]
        self.inclusive = np.array([c.inclusive for c in self.all], bool)[:, None]
        self.days = np.array([c.days for c in self.all], int)
        self.extra = self.days * DAY_HOURS - DAY_HOURS  # hours a chain covers past its first

    def _add(self, cond: Condition) -> int:
        for inner in cond.within:
            self._add(inner)
        self.all.append(cond)
        return len(self.all) - 1

    @classmethod
    def of(cls, rules: RuleSet) -> _Conditions:
        """Made once per rule set object (the entry keeps it alive, so its id stays its own)."""
        made = cls._made.get(id(rules))
        if made is None or made[0] is not rules:
            if len(cls._made) > 256:
                cls._made.clear()
            made = cls._made[id(rules)] = (rules, cls(rules))
        return made[1]

    def cover(self, values: np.ndarray) -> np.ndarray:
        """``condition_mask`` of every condition on every row of ``values`` (series, hours):
        (conditions, series, hours)."""
        n = values.shape[-1]
        threshold, inclusive = self.threshold[:, :, None], self.inclusive[:, :, None]
        with np.errstate(invalid="ignore"):
            ok = np.where(inclusive, values >= threshold, values > threshold)
        # _chains: the periods ending at k, k+24, … all hold; past the data counts as not
        padded = np.concatenate([ok, np.zeros((*ok.shape[:2], DAY_HOURS * (self.days.max() - 1)),
                                              bool)], axis=2)
        ends = ok.copy()
        for j in range(1, int(self.days.max())):
            ends &= np.where((self.days > j)[:, None, None],
                             padded[:, :, DAY_HOURS * j:DAY_HOURS * j + n], True)
        for row, cond in enumerate(self.all):
            if cond.within:
                ends[row] &= self._inner(ends, cond, n)
        # _cover: hour h lies on a chain whose first period ends in [h - extra, h + 24)
        counts = np.zeros((*ok.shape[:2], n + 1), np.int64)
        np.cumsum(ends, axis=2, out=counts[:, :, 1:])
        h = np.arange(n)
        high = counts[:, :, np.minimum(h + DAY_HOURS, n)]
        low = np.take_along_axis(counts, np.clip(h - self.extra[:, None], 0, n)[:, None, :],
                                 axis=2)
        return high > low

    def _inner(self, ends: np.ndarray, cond: Condition, n: int) -> np.ndarray:
        """``qualifying_ends``' ``within`` part: each inner chain lies at some day of the
        outer one (its rows of ``ends`` are final: inner conditions come first)."""
        need = np.ones(ends.shape[1:], bool)
        for inner in cond.within:
            if inner.days > cond.days:
                return np.zeros(ends.shape[1:], bool)
            inner_ends = ends[self.all.index(inner)]
            found = np.zeros(ends.shape[1:], bool)
            for j in range(cond.days - inner.days + 1):
                shift = DAY_HOURS * j
                if shift >= n:
                    break
                found[:, :n - shift] |= inner_ends[:, shift:]
            need &= found
        return need


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


def alert_windows(daily_aqi: pd.Series, rules: RuleSet, city: str = "") -> list[AlertWindow]:
    """Alert windows ``[start, end)`` per level for an hourly forecast of the daily AQI.

    ``daily_aqi`` must have an hourly DatetimeIndex. Issue time is ``start`` minus the rule
    set's lead time, but never before the first forecast hour (an alert cannot be issued
    before the forecast that supports it exists; sources.md §3.1 allows immediate issue).
    """
    if len(daily_aqi) and daily_aqi.index.freq is None:
        daily_aqi = daily_aqi.asfreq("h")
    levels = hourly_level_codes(daily_aqi, rules)
    values, times = daily_aqi.to_numpy(float), daily_aqi.index
    lead = pd.Timedelta(hours=rules.lead_time_hours)
    windows = []
    change = np.flatnonzero(np.diff(levels, prepend=-1, append=-1))
    for a, b in itertools.pairwise(change):
        level = Level(levels[a])
        if level == Level.NONE:
            continue
        start, end = times[a], times[b - 1] + HOUR
        windows.append(AlertWindow(
            city=city, level=level, issued_at=max(start - lead, times[0]),
            start=start, end=end, reason=_reason(values, times, rules.rule_for(level), int(a)),
        ))
    return windows
