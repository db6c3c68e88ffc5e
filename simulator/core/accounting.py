"""Tallies: tonnes emitted and output lost per level segment, against the city-wide target.

The city-wide base (全社会排放总量, sources.md §2) is the emergency-reduction list plus the area
sources outside it; both have their own measures. Every figure is integrated exactly from
piecewise-linear rates (trapezoid rule between events). Per segment the ledger also keeps, for
every (city, county, industry, grade) group of the list, the tonnes emitted and the output value
lost, from snapshots of the engine's cumulative per-line totals at the segment's ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from alerts.levels import Level
from alerts.rules import RuleSet
from enterprises.schema import POLLUTANTS

MET_TOLERANCE_PCT = 1e-9  # floating-point slack when comparing a cut % with its target
# What a run's cut % is a share of. Without area sources the base is the list alone, which is
# not the city-wide base of sources.md §2 and overstates the city's cut: the label says so.
CITY_WIDE = "city-wide"
LIST_ONLY = "list"


def cut_base(area_tonnes: object) -> str:
    """``CITY_WIDE`` when the area sources hold any tonnes (t/a or t/h), else ``LIST_ONLY``."""
    return CITY_WIDE if np.asarray(area_tonnes, dtype=float).sum() > 0 else LIST_ONLY
ROUNDING_T = 1e-12  # relative float noise below which a cut is reported as exactly 0


@dataclass
class Segment:
    """A stretch of time ``[start, end)`` (hours from the run start) at one level.

    ``groups_start``/``groups_end``: cumulative (tonnes of 4 pollutants, output lost 万元) per
    group, shape (G, 5), at the segment's start and end.
    """

    level: Level
    start: float
    window: object = None
    end: float = np.nan
    list_actual: np.ndarray = field(default_factory=lambda: np.zeros(len(POLLUTANTS)))
    area_actual: np.ndarray = field(default_factory=lambda: np.zeros(len(POLLUTANTS)))
    # what the list would have emitted had every plant done exactly what was required
    list_required: np.ndarray = field(default_factory=lambda: np.zeros(len(POLLUTANTS)))
    groups_start: np.ndarray | None = None
    groups_end: np.ndarray | None = None

    @property
    def groups(self) -> np.ndarray:
        """Per group over the segment: tonnes emitted (4) and output lost (万元), (G, 5)."""
        assert self.groups_start is not None and self.groups_end is not None, "no snapshots"
        return self.groups_end - self.groups_start


class Ledger:
    """Collects segment tonnes as the engine integrates, then reports per episode and level.

    ``group_base_rate`` (G, 4) t/h and ``group_value_rate`` (G,) 万元/h are the baseline of
    each group of the list; they give the baseline and the cut per group and segment.
    ``track_required``: the engine also reports what full compliance would have emitted, and
    the episode rows gain ``required_cut_t`` and ``required_cut_pct`` (area sources are taken
    to comply fully — assumption).
    """

    def __init__(self, list_base_rate: np.ndarray, area_rate: np.ndarray, rules: RuleSet,
                 group_base_rate: np.ndarray | None = None,
                 group_value_rate: np.ndarray | None = None):
        self.list_base_rate = np.asarray(list_base_rate, float)  # (4,) t/h
        self.area_rate = np.asarray(area_rate, float)  # (4,) t/h
        self.rules = rules
        self.group_base_rate = (np.zeros((0, 4)) if group_base_rate is None
                                else np.asarray(group_base_rate, float))
        self.group_value_rate = (np.zeros(len(self.group_base_rate)) if group_value_rate is None
                                 else np.asarray(group_value_rate, float))
        self.segments: list[Segment] = []
        self.track_required = False

    def _empty_groups(self) -> np.ndarray:
        return np.zeros((len(self.group_base_rate), len(POLLUTANTS) + 1))

    def enter(self, level: Level, now: float, window, groups: np.ndarray | None = None) -> None:
        """Start a segment at ``now``; ``groups`` is the cumulative (G, 5) snapshot so far."""
        groups = self._empty_groups() if groups is None else groups
        if self.segments:
            self.segments[-1].end = now
            self.segments[-1].groups_end = groups
        self.segments.append(Segment(level, now, window, groups_start=groups))

    def add(self, list_tonnes: np.ndarray, area_tonnes: np.ndarray,
            list_required: np.ndarray | None = None) -> None:
        """Tonnes emitted since the last event by the list and by the area sources, (4,) each;
        ``list_required``: what the list would have emitted with full compliance."""
        self.segments[-1].list_actual += list_tonnes
        self.segments[-1].area_actual += area_tonnes
        if list_required is not None:
            self.segments[-1].list_required += list_required

    def close(self, now: float, groups: np.ndarray | None = None) -> None:
        self.segments[-1].end = now
        self.segments[-1].groups_end = self._empty_groups() if groups is None else groups
        self.segments = [s for s in self.segments if s.end > s.start]

    def alert_segments(self) -> list[tuple[int, Segment]]:
        """(episode number, segment) for every segment at an alert level, in time order."""
        out, episode, previous = [], 0, Level.NONE
        for seg in self.segments:
            if seg.level != Level.NONE and previous == Level.NONE:
                episode += 1
            previous = seg.level
            if seg.level != Level.NONE:
                out.append((episode, seg))
        return out

    def rows(self) -> list[dict]:
        """Flat records: one per (episode, level segment, pollutant)."""
        records = []
        for episode, seg in self.alert_segments():
            hours = seg.end - seg.start
            list_base = self.list_base_rate * hours
            area_base = self.area_rate * hours
            baseline = list_base + area_base
            actual = seg.list_actual + seg.area_actual
            target = self.rules.target_pct(seg.level)
            lost = float(seg.groups[:, -1].sum()) if len(seg.groups) else 0.0
            required = seg.list_required + seg.area_actual
            for k, pollutant in enumerate(POLLUTANTS):
                cut = _clean_cut(baseline[k], actual[k])
                if cut == 0.0:
                    actual[k] = baseline[k]  # float noise of a zero cut
                pct = 100.0 * cut / baseline[k] if baseline[k] > 0 else np.nan
                extra = {}
                if self.track_required:  # same arithmetic as cut_t: equal when all comply
                    need = _clean_cut(baseline[k], required[k])
                    extra = {"required_cut_t": need, "required_cut_pct":
                             100.0 * need / baseline[k] if baseline[k] > 0 else np.nan}
                records.append({
                    "episode": episode, "level": seg.level, "start_h": seg.start,
                    "end_h": seg.end, "hours": hours, "pollutant": pollutant,
                    "baseline_t": baseline[k], "actual_t": actual[k], "cut_t": cut,
                    "cut_pct": pct, "target_pct": target,
                    "met": bool(pct + MET_TOLERANCE_PCT >= target) if baseline[k] > 0 else False,
                    "output_lost_wan": lost,
                    "list_cut_t": list_base[k] - seg.list_actual[k],
                    "area_cut_t": area_base[k] - seg.area_actual[k],
                    **extra,
                })
        return records

    def group_rows(self) -> list[tuple[int, Segment, np.ndarray, np.ndarray, np.ndarray]]:
        """Per alert segment: (episode, segment, baseline (G, 4) t, cut (G, 4) t, lost (G,))."""
        out = []
        for episode, seg in self.alert_segments():
            hours = seg.end - seg.start
            baseline = self.group_base_rate * hours
            diff = seg.groups
            out.append((episode, seg, baseline, baseline - diff[:, :4], diff[:, 4]))
        return out


def _clean_cut(baseline: float, emitted: float) -> float:
    """``baseline − emitted``, with float noise of a zero cut read as exactly 0."""
    cut = baseline - emitted
    return 0.0 if abs(cut) <= ROUNDING_T * max(1.0, baseline) else cut
