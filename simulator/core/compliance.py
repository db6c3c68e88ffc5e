"""Compliance, monitoring and inspection models: who cuts what was required, and who is caught.

Real curtailment is imperfect (sources.md §3.3): plants respond late, cut less than required, do
not stop, or raise their emissions before the alert so that the cut measured against the
inflated level looks larger than it is. Inspection capacity is finite. This module holds the
pure parts; ``simulator.core.engine`` runs them in time.

* ``ComplianceModel`` — every parameter, with defaults labelled as assumptions.
* ``draw_behaviour`` — per enterprise, drawn up front in one bulk call from the run's generator:
  monitoring channel, prior-violation record, behaviour mode and its parameter, whether the
  monitoring channel flags the plant. Nothing drawn here depends on the inspection teams, so
  adding teams can only move findings earlier (``tests/simulator/core/test_compliance.py``).
* ``priority_rank`` — the static order in which a county's teams pick their targets.
* ``achieved_targets`` — what a plant actually does given what is required of it.
* ``round_starts`` — inspection rounds: visits start only at round boundaries (see below).

Why rounds: a greedy "free team takes the best open target" schedule with targets released
over time is not monotone in the number of teams (a Graham-type anomaly: an extra team starts a
low-priority target just before a flagged one is released, so the flagged one waits longer).
With rounds of equal length (travel + visit) where every team takes the best open target at
each round boundary, the set of targets visited by any round can only grow with the team count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

CHANNELS: tuple[str, ...] = ("online", "power", "video", "none")
ONLINE, POWER, VIDEO, NO_CHANNEL = range(4)

MODES: tuple[str, ...] = ("compliant", "late_response", "partial_cut", "not_stopping",
                          "baseline_inflation")
COMPLIANT, LATE, PARTIAL, NOT_STOPPING, INFLATION = range(5)

PRIORITY_KEYS: tuple[str, ...] = ("flagged", "large", "grade")

# Draw rows of the (6, n) block drawn up front; the order is part of the determinism contract.
_U_CHANNEL, _U_RECORD, _U_COMPLY, _U_MODE, _U_PARAM, _U_DETECT = range(6)


def _frozen(mapping: Mapping) -> tuple:
    return tuple(sorted(mapping.items()))


@dataclass(frozen=True)
class ComplianceModel:
    """Parameters of behaviour, monitoring and inspection. ``enabled=False`` → full compliance.

    Probabilities are per enterprise and per run; hours are local clock hours. Every default
    is an assumption (no source gives rates of non-compliance or inspection capacity); the
    modes themselves are those inspectors target in Henan (sources.md §3.3).
    """

    enabled: bool = False
    # P(non-compliance) by grade before the channel and record factors (assumption: stricter
    # grades cut more and gain more by evading; A/引领性 self-determine, sources.md §4.1).
    noncompliance: tuple = _frozen({"A+": 0.01, "A": 0.02, "引领性": 0.02, "B": 0.05,
                                    "非引领性": 0.08, "B-": 0.08, "C": 0.15, "D": 0.25})
    noncompliance_other: float = 0.15  # grades not listed (assumption)
    # Multiplier of P(non-compliance) by monitoring channel (assumption: a plant watched online
    # evades less).
    channel_factor: tuple = _frozen({"online": 0.5, "power": 0.7, "video": 0.85, "none": 1.0})
    record_share: float = 0.1  # share of plants with a prior violation record (assumption)
    record_factor: float = 2.0  # their P(non-compliance) multiplier (assumption)
    # Monitoring coverage (shares of the list; the rest has none) — assumption. Where the
    # inventory marks online-monitored plants, those are "online" and the others draw among
    # power / video / none in proportion to these shares.
    coverage: tuple = _frozen({"online": 0.3, "power": 0.4, "video": 0.1})
    # Mode shares among non-compliant plants (assumption).
    modes: tuple = _frozen({"late_response": 0.35, "partial_cut": 0.35, "not_stopping": 0.15,
                            "baseline_inflation": 0.15})
    late_hours: tuple[float, float] = (2.0, 24.0)  # uniform delay, h (assumption)
    # Uniform share of the required cut achieved (assumption; one inspected smelter had idled
    # 14 of 44 required cells ≈ 0.32, sources.md §13.2).
    partial_range: tuple[float, float] = (0.2, 0.7)
    inflation: float = 0.3  # emissions raised by 30 % before the response (assumption)
    inflation_hours: float = 24.0  # from the alert's issue (lead time 24 h, sources.md §3.1)
    # P(the channel flags a non-compliant plant) and hours until it does (assumption).
    detection: tuple = _frozen({"online": 0.9, "power": 0.8, "video": 0.5, "none": 0.0})
    detection_hours: tuple = _frozen({"online": 1.0, "power": 2.0, "video": 6.0, "none": 0.0})
    teams_per_county: int = 1  # inspection teams per county or district (assumption)
    teams: tuple = ()  # per-county overrides, (county, teams) pairs
    travel_hours: float = 1.0  # per visit (assumption: a county is about an hour across)
    visit_hours: float = 3.0  # on site (assumption)
    correction_hours: float = 2.0  # from a finding to the plant doing what was required
    priority: tuple[str, ...] = PRIORITY_KEYS  # remote flags, then large emitters, then grades
    large_share: float = 0.2  # "large emitter": top 20 % of the list by t/a (assumption)
    priority_grades: tuple[str, ...] = ("C", "D")

    def __post_init__(self) -> None:
        problem = cross_check(dict(self.coverage), dict(self.modes), self.travel_hours,
                              self.visit_hours)
        if problem:
            key, value, expected = problem
            raise ValueError(f"{key}: value {value!r} — expected {expected}")

    @classmethod
    def from_table(cls, table: Mapping) -> ComplianceModel:
        """Build from a ``[compliance]`` table whose values ``simulator.spec`` has checked
        against the schema (kinds and bounds live there): tables become sorted pairs."""
        values: dict[str, Any] = {key: _frozen(value) if isinstance(value, Mapping)
                                  else tuple(value) if isinstance(value, list) else value
                                  for key, value in table.items()}
        return cls(**values)

    @property
    def round_hours(self) -> float:
        """Length of one inspection round: travel plus time on site, h."""
        return self.travel_hours + self.visit_hours

    def teams_in(self, county: str) -> int:
        return dict(self.teams).get(county, self.teams_per_county)


def cross_check(coverage: Mapping, modes: Mapping, travel_hours: float,
                visit_hours: float) -> tuple[str, object, str] | None:
    """The rules between fields, as (key, value, expected); None when they hold.

    Each field's own kind and bounds are checked by ``simulator.spec`` against the schema;
    these hold whichever way the model is built.
    """
    if sum(coverage.values()) > 1 + 1e-12:
        return "coverage", dict(coverage), "shares adding up to ≤ 1"
    if sum(modes.values()) <= 0:
        return "modes", dict(modes), "at least one share > 0"
    if travel_hours + visit_hours <= 0:
        return "visit_hours", visit_hours, "travel_hours + visit_hours > 0"
    return None


@dataclass(frozen=True)
class Behaviour:
    """What each of n enterprises does, drawn once per run (arrays of length n).

    ``channel``: index into ``CHANNELS``; ``record``: prior violation; ``mode``: index into
    ``MODES``; ``factor``: share of the required cut achieved (1, or the partial share, or 0);
    ``delay``: hours a late plant waits before each new requirement; ``inflation``: fraction by
    which a baseline-inflating plant raises its emissions; ``flagged``: its monitoring channel
    flags it; ``flag_hours``: hours from a response start to the flag.
    """

    channel: np.ndarray
    record: np.ndarray
    mode: np.ndarray
    factor: np.ndarray
    delay: np.ndarray
    inflation: np.ndarray
    flagged: np.ndarray
    flag_hours: np.ndarray

    @classmethod
    def compliant(cls, n: int, online: np.ndarray | None = None) -> Behaviour:
        """Everyone complies (compliance model off); channel "online" where the list says so."""
        channel = np.full(n, NO_CHANNEL)
        if online is not None:
            channel[np.asarray(online, bool)] = ONLINE
        zeros = np.zeros(n)
        return cls(channel, np.zeros(n, bool), np.zeros(n, np.int64), np.ones(n), zeros,
                   zeros, np.zeros(n, bool), zeros)


def monitoring_channels(model: ComplianceModel, online: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Channel per enterprise from uniforms ``u`` (n,).

    If the inventory marks any plant as online-monitored, those plants are "online" and the
    rest share power / video / none in proportion to ``coverage``; otherwise all four channels
    are drawn from ``coverage`` (the rest of 1 is "none").
    """
    cover = dict(model.coverage)
    shares = np.array([cover.get(c, 0.0) for c in CHANNELS[:3]])
    shares = np.append(shares, max(0.0, 1.0 - shares.sum()))
    online = np.asarray(online, bool)
    if online.any():
        rest = shares.copy()
        rest[ONLINE] = 0.0
        total = rest.sum()
        rest = rest / total if total > 0 else np.eye(4)[NO_CHANNEL]
        drawn = _pick(rest, u)
        return np.where(online, ONLINE, drawn)
    return _pick(shares, u)


def _pick(shares: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category per uniform: the first whose cumulative share exceeds u."""
    edges = np.cumsum(shares)
    edges[-1] = np.inf  # float slack: u < 1 always lands in a category
    return np.searchsorted(edges, u, side="right").astype(np.int64)


def noncompliance_probability(model: ComplianceModel, grades: np.ndarray, channel: np.ndarray,
                              record: np.ndarray) -> np.ndarray:
    """P(non-compliance) per enterprise: grade base × channel factor × record factor, ≤ 1."""
    by_grade = dict(model.noncompliance)
    base = np.array([by_grade.get(g, model.noncompliance_other) for g in grades], float)
    factor = dict(model.channel_factor)
    per_channel = np.array([factor.get(c, 1.0) for c in CHANNELS])
    q = base * per_channel[channel] * np.where(record, model.record_factor, 1.0)
    return np.clip(q, 0.0, 1.0)


def draw_behaviour(model: ComplianceModel, grades: np.ndarray, online: np.ndarray,
                   rng: np.random.Generator) -> Behaviour:
    """Every random choice of the compliance model for n enterprises, in one draw.

    One ``rng.random((6, n))`` block, rows in a fixed order (channel, record, compliance, mode,
    mode parameter, detection), whatever the parameters: changing one parameter never shifts
    the draws behind another. Teams and inspections draw nothing.
    """
    n = len(grades)
    u = rng.random((6, n))
    channel = monitoring_channels(model, online, u[_U_CHANNEL])
    record = u[_U_RECORD] < model.record_share
    q = noncompliance_probability(model, np.asarray(grades, dtype=object), channel, record)
    noncompliant = u[_U_COMPLY] < q
    shares = dict(model.modes)
    mode_shares = np.array([shares.get(m, 0.0) for m in MODES[1:]])
    mode = np.where(noncompliant, 1 + _pick(mode_shares / mode_shares.sum(), u[_U_MODE]),
                    COMPLIANT)
    param = u[_U_PARAM]
    lo, hi = model.partial_range
    factor = np.select([mode == PARTIAL, mode == NOT_STOPPING], [lo + (hi - lo) * param, 0.0],
                       1.0)
    lo, hi = model.late_hours
    delay = np.where(mode == LATE, lo + (hi - lo) * param, 0.0)
    inflation = np.where(mode == INFLATION, model.inflation, 0.0)
    detection = dict(model.detection)
    p_flag = np.array([detection.get(c, 0.0) for c in CHANNELS])[channel]
    flagged = noncompliant & (u[_U_DETECT] < p_flag)
    hours = dict(model.detection_hours)
    flag_hours = np.array([hours.get(c, 0.0) for c in CHANNELS])[channel]
    return Behaviour(channel, record, mode.astype(np.int64), factor, delay, inflation, flagged,
                     flag_hours)


def priority_rank(model: ComplianceModel, emissions: np.ndarray, grades: np.ndarray,
                  flagged: np.ndarray) -> np.ndarray:
    """Rank of every enterprise in the inspection order (0 = first), shape (n,).

    Keys in ``model.priority`` order: flagged by monitoring, large emitter (top
    ``large_share`` of the list by total t/a of the four pollutants — assumption: tonnes of
    different pollutants are added), priority grade (C/D); then larger emitters first, then
    list order. Static for the run: it depends only on the inventory and the drawn behaviour.
    """
    total = np.asarray(emissions, float).reshape(len(grades), -1).sum(axis=1)
    n = len(total)
    if n == 0:
        return np.zeros(0, np.int64)
    n_large = math.ceil(model.large_share * n)
    by_size = np.lexsort((np.arange(n), -total))
    large = np.zeros(n, bool)
    large[by_size[:n_large]] = True
    keys = {"flagged": ~np.asarray(flagged, bool), "large": ~large,
            "grade": ~np.isin(np.asarray(grades, dtype=object), list(model.priority_grades))}
    # np.lexsort sorts by the last key first.
    order = np.lexsort((np.arange(n), -total, *(keys[k] for k in reversed(model.priority))))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    return rank


def achieved_targets(required: np.ndarray, factor: np.ndarray,
                     inflation: np.ndarray) -> np.ndarray:
    """The cut a plant actually heads for, fraction of its true baseline.

    ``factor × required``; a plant inflating its baseline by ``i`` emits (1 + i) × (1 −
    required) of its true rate, i.e. a cut of 1 − (1 + i)(1 − required) — negative before
    the alert, smaller than required during it, although measured against the inflated level
    it looks exactly like the required cut. Full compliance returns ``required`` bit for bit.
    """
    scaled = factor * required
    return np.where(inflation > 0, 1.0 - (1.0 + inflation) * (1.0 - scaled), scaled)


def round_starts(start: float, end: float, hours: float) -> np.ndarray:
    """Inspection round boundaries ``start + k × hours`` inside [start, end)."""
    if end <= start:
        return np.zeros(0)
    return start + hours * np.arange(math.ceil((end - start) / hours))
