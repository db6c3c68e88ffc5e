"""The alert timeline: each city's own decisions, raised by regional rules and dispatch orders.

``alert_timeline`` is the orchestrator: it runs every city's lifecycle (``alerts.lifecycle``),
lays the decisions on an hourly grid, applies the region's rules and orders as floors, and
returns each city's alert windows — non-overlapping, sorted, half-open — ready for the engine
and for ``timeline_frame``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.forecast import DEFAULT_HORIZON_HOURS, ForecastModel, ZoneForecast, forecast_models
from alerts.levels import Level
from alerts.lifecycle import CityLifecycle, Decision, SharedReading, run_lifecycles, tiers_for
from alerts.region import Region, RegionalRule
from alerts.rules import DEFAULT_MIN_HOURS, RuleSet
from alerts.triggers import AlertWindow, runs

HOUR = pd.Timedelta(hours=1)
TIMELINE_COLUMNS = ["city", "level", "level_zh", "response", "issued_at", "start", "end",
                    "hours", "primary_pollutant", "trigger", "reason"]


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
    import networkx as nx

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
    lifecycles = {city: _tiers(city, rules[city], model, horizon_hours)
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


def _tiers(city: str, rules: RuleSet, model: ForecastModel, horizon_hours: int
           ) -> list[CityLifecycle]:
    """A city's lifecycle tiers; they share each consultation's reading of the forecast."""
    shared = SharedReading()
    return [CityLifecycle(city, rules, model, tier, horizon_hours, shared)
            for tier in tiers_for(rules)]


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


def timeline_frame(windows: Mapping[str, list[AlertWindow]],
                   rules: Mapping[str, RuleSet]) -> pd.DataFrame:
    """The timeline table: one row per window, sorted by city and start."""
    rows = []
    for city, city_windows in windows.items():
        ruleset = rules.get(city)
        for w in city_windows:
            rows.append({
                "city": city, "level": w.level.id, "level_zh": w.level.zh,
                "response": ruleset.response(w.level) if ruleset else "",
                "issued_at": w.issued_at, "start": w.start, "end": w.end, "hours": w.hours,
                "primary_pollutant": w.primary, "trigger": w.trigger, "reason": w.reason,
            })
    frame = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    for column in ("issued_at", "start", "end"):  # typed even with no window (header-only CSV)
        frame[column] = pd.to_datetime(frame[column])
    frame["hours"] = frame["hours"].astype(float)
    return frame.sort_values(["city", "start"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class AlertInputs:
    """Everything ``alert_timeline`` needs, already read: built by ``alerts.io.load_alert_inputs``.

    ``truth``: hourly daily AQI per city (observations, or the scenario's forecast series);
    ``table``: issued forecasts (issued_at, city, valid_at, daily_aqi) or None; ``rules``: the
    rule set of every city that may alert; ``gaps``: missing observations (``gap_report``);
    ``drivers``: each city's observed primary pollutant and PM2.5/PM10 ratio by hour
    (``alerts.drivers.city_drivers``), for the cities whose observations name pollutants.
    """

    truth: dict[str, pd.Series]
    rules: dict[str, RuleSet]
    start: pd.Timestamp
    end: pd.Timestamp
    table: pd.DataFrame | None = None
    region: Region | None = None
    gaps: pd.DataFrame | None = None
    drivers: dict[str, pd.DataFrame] | None = None

    def windows(self, model: str = "perfect", rng: np.random.Generator | None = None,
                start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                ) -> dict[str, list[AlertWindow]]:
        """Run the timeline with forecast ``model`` (ignored when a forecast table is given).

        Consultations run from the first data hour (or ``start`` if earlier) so that alerts
        issued before ``start`` are kept; windows are returned whole.
        """
        models = forecast_models(self.truth, model, rng, self.table, self.drivers)
        models = {city: m for city, m in models.items() if city in self.rules}
        first = min(self.start, start) if start is not None else self.start
        return alert_timeline(models, self.rules, first, end or self.end, self.region)
