"""Tallies: tonnes emitted per level segment, and the city-wide cut against the target.

The city-wide base (全社会排放总量, rules.md §2) is the emergency-reduction list plus the area
sources outside it. Every figure is integrated exactly from piecewise-constant rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from alerts.levels import Level
from alerts.rules import RuleSet
from enterprises.schema import POLLUTANTS

MET_TOLERANCE_PCT = 1e-9  # floating-point slack when comparing a cut % with its target


@dataclass
class Segment:
    """A stretch of time ``[start, end)`` (hours from the run start) at one level."""

    level: Level
    start: float
    window: object = None
    end: float = np.nan
    list_actual: np.ndarray = field(default_factory=lambda: np.zeros(len(POLLUTANTS)))


class Ledger:
    """Collects segment tonnes as the engine integrates, then reports per episode and level."""

    def __init__(self, list_base_rate: np.ndarray, area_rate: np.ndarray, rules: RuleSet):
        self.list_base_rate = np.asarray(list_base_rate, float)  # (4,) t/h
        self.area_rate = np.asarray(area_rate, float)  # (4,) t/h
        self.rules = rules
        self.segments: list[Segment] = []

    def enter(self, level: Level, now: float, window) -> None:
        if self.segments:
            self.segments[-1].end = now
        self.segments.append(Segment(level, now, window))

    def add(self, list_rate: np.ndarray, hours: float) -> None:
        self.segments[-1].list_actual += list_rate * hours

    def close(self, now: float) -> None:
        self.segments[-1].end = now
        self.segments = [s for s in self.segments if s.end > s.start]

    def rows(self) -> list[dict]:
        """Flat records: one per (episode, level segment, pollutant)."""
        records, episode, previous = [], 0, Level.NONE
        for seg in self.segments:
            if seg.level != Level.NONE and previous == Level.NONE:
                episode += 1
            previous = seg.level
            if seg.level == Level.NONE:
                continue
            hours = seg.end - seg.start
            baseline = (self.list_base_rate + self.area_rate) * hours
            actual = seg.list_actual + self.area_rate * hours
            target = self.rules.target_pct(seg.level)
            for k, pollutant in enumerate(POLLUTANTS):
                cut = baseline[k] - actual[k]
                pct = 100.0 * cut / baseline[k] if baseline[k] > 0 else np.nan
                records.append({
                    "episode": episode, "level": seg.level, "start_h": seg.start,
                    "end_h": seg.end, "hours": hours, "pollutant": pollutant,
                    "baseline_t": baseline[k], "actual_t": actual[k], "cut_t": cut,
                    "cut_pct": pct, "target_pct": target,
                    "met": bool(pct + MET_TOLERANCE_PCT >= target) if baseline[k] > 0 else False,
                })
        return records
