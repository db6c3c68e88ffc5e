"""A run's transport tally: the truck gate (``enterprises.transport``) over its alert segments.

After the engine has run, the scenario's ``[transport]`` table (``simulator.spec.transport``)
plays the gate over the alert segments of the run's episode table and gives:

- ``transport.csv``: one row per alert segment and enterprise with trucks — trips, trips
  blocked, substituted, deferred, cancelled, NOx/PM/VOCs baseline, actual, cut and deferred kg,
  and the production days lost to undelivered raw material;
- ``transport_summary.csv``: the same sums per segment for the whole city (scope ``episode``),
  per city and per county;
- extra columns at the end of ``episodes.csv`` (``EPISODE_TRANSPORT_COLUMNS``).

Fleets: the fleet ledger is the source of truth when the scenario names one (the inventory's
``trucks_per_day`` is then not used); otherwise fleets are synthesized from the inventory,
taking its ``trucks_per_day`` where stated.

Randomness: the tally never draws from the run's generator itself. It uses named children of
it (``child_rng``): same entropy, the run's spawn key extended by a hash of the name. So the
engine's outputs stay byte-identical whether transport is on or off, the order in which models
use the generator does not matter, and fleets ("transport/fleet") and trip counts
("transport/trips") have their own streams: changing the rules or the policy keeps the same
fleets and the same trips (common random numbers for comparing rule sets).

Transport cuts count towards the city-wide cut % only where the city-wide base holds the trucks'
emissions, that is when the scenario has a ``mobile`` area source (``counts_in_cut_pct``).
They count once: the mobile sector's own cut at the level already cut the same trucks by the
sector's fraction (``mobile_cut_on_trucks_t``), and the gate's cut replaces that part rather
than adding to it. The engine's columns are never changed; ``cut_pct_with_transport`` and
``met_with_transport`` carry the combined figure. Production limits from undelivered raw
material are reported (``production_days_lost``) but not fed back into the engine.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from enterprises.area import HOURS_PER_YEAR, MOBILE, AreaSource
from enterprises.schema import POLLUTANTS
from enterprises.transport import (
    COUNT_COLUMNS,
    SUM_COLUMNS,
    TRANSPORT_POLLUTANTS,
    TransportResult,
    synthesize_fleets,
    transport_tally,
)
from simulator.core.accounting import MET_TOLERANCE_PCT, ROUNDING_T
from simulator.core.engine import CityInputs
from simulator.core.results import RunResult
from simulator.core.rng import child_rng
from simulator.io.inputs import TransportInputs

HOUR = pd.Timedelta(hours=1)
TRANSPORT_FILE = "transport.csv"
SUMMARY_FILE = "transport_summary.csv"
MOBILE_SECTOR = MOBILE  # the area-source sector holding on-road engines (enterprises.area)
# Appended to episodes.csv, after the engine's columns. SO2 rows have no transport figure.
EPISODE_TRANSPORT_COLUMNS = ("transport_baseline_t", "transport_cut_t", "mobile_cut_on_trucks_t",
                             "cut_pct_with_transport", "met_with_transport")
SEGMENT_COLUMNS = ("episode", "segment", "level", "start", "end")
EXTRA_SUMS = ("production_days_lost",)
SCOPES = ("episode", "city", "county")


def counts_in_cut_pct(area_sectors: Collection[str]) -> bool:
    """Do transport cuts count towards the city-wide cut %? Only if the base holds mobile
    sources: otherwise the trucks' emissions are not in the base their cut is divided by."""
    return MOBILE_SECTOR in area_sectors


@dataclass(frozen=True)
class TransportRun:
    """A run's transport tally and what is written from it.

    ``per_enterprise`` (transport.csv) and ``summary`` (transport_summary.csv) have segment
    times as timestamps and the engine's episode numbers; ``counted``: transport cuts are in
    ``cut_pct_with_transport``; ``unmatched``: fleet-ledger ids not in the city's inventory.
    """

    inputs: TransportInputs
    result: TransportResult
    per_enterprise: pd.DataFrame
    summary: pd.DataFrame
    counted: bool
    unmatched: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {TRANSPORT_FILE: self.per_enterprise, SUMMARY_FILE: self.summary}

    def manifest(self) -> dict:
        spec = self.inputs.spec
        policy = spec.policy
        return {
            "fleet": spec.fleet_source,
            "rules": self.inputs.rules.id,
            "unserved": policy.unserved,
            "surge": policy.surge,
            "draw": policy.draw,
            "buffer_days": policy.buffer_days,
            "production_limits": "reported, not applied" if policy.buffer_days is not None
            else "off",
            "counted_in_cut_pct": self.counted,
            "key_users": list(self.inputs.rules.key_sources),
            "key_enterprises_by_source": self.key_sources(),
            "fleet_ids_not_in_inventory": len(self.unmatched),
            "random_streams": "children transport/fleet, transport/trips of the run generator",
        }

    def key_sources(self) -> dict[str, int]:
        """Enterprises with trucks that are key vehicle users, by what decided it (list,
        industry, trips)."""
        first = self.per_enterprise.drop_duplicates("enterprise")
        counts = first[first["key"]].groupby("key_source").size()
        return {str(k): int(v) for k, v in counts.items()}

    def segment(self, start: pd.Timestamp) -> pd.Series | None:
        """The whole-city summary row of the segment starting at ``start``."""
        rows = self.summary[(self.summary["scope"] == "episode")
                            & (self.summary["start"] == start)]
        return None if rows.empty else rows.iloc[0]


def tally_transport(inputs: TransportInputs, city: CityInputs, result: RunResult,
                    rng: np.random.Generator) -> tuple[RunResult, TransportRun]:
    """Play the gate over the run's alert segments; return the result with the transport
    columns appended to its episode table, and the transport tally.

    ``city``: the simulated city's inputs (its list, start and area sectors); ``rng`` the
    run's generator, used only through ``child_rng``.
    """
    inventory = city.inventory
    ids = inventory.ids
    if inputs.ledger is None:
        fleet = synthesize_fleets(inventory, child_rng(rng, "transport/fleet"))
        unmatched: tuple[str, ...] = ()
    else:
        fleet = inputs.ledger.align(ids)
        unmatched = tuple(inputs.ledger.unmatched(ids))
    segments = _segments(result.episodes, city.start)
    tally = transport_tally(fleet, inventory, [(s.level, s.start_h, s.end_h) for s in segments],
                            rules=inputs.rules, rng=child_rng(rng, "transport/trips"),
                            policy=inputs.spec.policy, factors=inputs.factors)
    per = _per_enterprise(tally, segments, inputs.spec.policy.draw == "poisson")
    counted = counts_in_cut_pct(city.area_sectors)
    run = TransportRun(inputs, tally, per, _summary(per), counted, unmatched)
    episodes = with_transport_columns(result.episodes, per, counted, city.mobile)
    return replace(result, episodes=episodes), run


class _Segment(NamedTuple):
    """An alert segment of the episode table: timestamps, and hours from the run start."""

    episode: int
    number: int
    start: pd.Timestamp
    end: pd.Timestamp
    level: str
    start_h: float
    end_h: float


def _segments(episodes: pd.DataFrame, start: pd.Timestamp) -> list[_Segment]:
    """The alert segments of the engine's episode table, in time order, numbered from 1."""
    if episodes.empty:
        return []
    seg = episodes.drop_duplicates("start").sort_values("start", kind="stable")
    return [_Segment(int(r.episode), n, r.start, r.end, r.level, (r.start - start) / HOUR,
                     (r.end - start) / HOUR) for n, r in enumerate(seg.itertuples(), start=1)]


def _per_enterprise(tally: TransportResult, segments: list[_Segment],
                    whole_trips: bool) -> pd.DataFrame:
    """transport.csv: the tally's rows with engine episode numbers, timestamps, counts as whole
    numbers when drawn, and production days lost."""
    frame = tally.per_enterprise.copy()
    by_number = {s.number: s for s in segments}
    number = frame["segment"]
    frame["episode"] = number.map(lambda n: by_number[n].episode).astype(np.int64)
    frame.insert(3, "start", pd.to_datetime(number.map(lambda n: by_number[n].start)))
    frame.insert(4, "end", pd.to_datetime(number.map(lambda n: by_number[n].end)))
    frame = frame.drop(columns=["start_h", "end_h"])
    if whole_trips:  # Poisson draws: every count is a whole number of trips
        frame[list(COUNT_COLUMNS)] = frame[list(COUNT_COLUMNS)].round().astype(np.int64)
    frame["production_days_lost"] = _days_lost(tally.production_limits, frame, segments)
    return frame.reset_index(drop=True)


def _days_lost(limits: pd.DataFrame, frame: pd.DataFrame,
               segments: list[_Segment]) -> np.ndarray:
    """Per row of ``frame``: Σ (1 − max production fraction) × block days over the segment's
    limited day-blocks."""
    out = np.zeros(len(frame))
    if limits.empty or frame.empty:
        return out
    seg_starts = np.array([s.start_h for s in segments], float)
    block_seg = np.searchsorted(seg_starts, limits["start_h"].to_numpy(float), side="right")
    lost = ((1.0 - limits["max_production_fraction"].to_numpy(float))
            * (limits["end_h"] - limits["start_h"]).to_numpy(float) / 24.0)
    sums = pd.Series(lost).groupby([block_seg, limits["enterprise"].to_numpy()]).sum()
    index = pd.MultiIndex.from_arrays([frame["segment"], frame["enterprise"]])
    return sums.reindex(index, fill_value=0.0).to_numpy()


def _summary(per: pd.DataFrame) -> pd.DataFrame:
    """transport_summary.csv: per segment, sums for the city (scope episode), each city and
    each county; enterprises with trucks, key ones, and those with production limits."""
    keys = list(SEGMENT_COLUMNS)
    sums = [*SUM_COLUMNS, *EXTRA_SUMS]
    frame = per.assign(enterprises=1, key_enterprises=per["key"].astype(np.int64),
                       limited_enterprises=(per["production_days_lost"] > 0).astype(np.int64))
    counts = ["enterprises", "key_enterprises", "limited_enterprises"]
    parts = []
    for scope, extra in zip(SCOPES, ([], ["city"], ["city", "county"]), strict=True):
        part = frame.groupby(keys + extra, sort=True)[counts + sums].sum().reset_index()
        part.insert(0, "scope", scope)
        parts.append(part)
    columns = ["scope", *keys, "city", "county", *counts, *sums]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True).reindex(columns=columns)
    order = out["scope"].map({s: i for i, s in enumerate(SCOPES)})
    return (out.assign(_order=order)
            .sort_values(["segment", "_order", "city", "county"], kind="stable",
                         na_position="first")
            .drop(columns="_order").reset_index(drop=True))


def with_transport_columns(episodes: pd.DataFrame, per: pd.DataFrame, counted: bool,
                           mobile: AreaSource | None = None) -> pd.DataFrame:
    """``episodes`` with ``EPISODE_TRANSPORT_COLUMNS`` appended; the engine's columns and rows
    are left as they are.

    Per segment and pollutant: the trucks' baseline and cut (t; empty for SO2, which has no
    truck factor), and — when ``counted`` — the city-wide cut % and target met with the
    trucks counted once. The base already holds them as mobile sources, and the engine's cut
    already cut them by the ``mobile`` sector's fraction at the level:
    ``mobile_cut_on_trucks_t`` = fraction × min(trucks' baseline, the sector's tonnes in the
    segment). The gate's cut replaces that part: cut with trucks = cut_t −
    mobile_cut_on_trucks_t + transport_cut_t, so baseline = actual + cut still holds with
    actual = the list + the mobile sector without the trucks + the trucks behind the gate.
    """
    out = episodes.copy()
    sums = per.groupby("start")[[f"{p}_{k}_kg" for p in TRANSPORT_POLLUTANTS
                                 for k in ("baseline", "cut")]].sum()
    base, cut = np.full(len(out), np.nan), np.full(len(out), np.nan)
    for i, (start, pollutant) in enumerate(zip(out["start"], out["pollutant"], strict=True)):
        if pollutant in TRANSPORT_POLLUTANTS:
            found = start in sums.index
            base[i] = sums.at[start, f"{pollutant}_baseline_kg"] / 1000.0 if found else 0.0
            cut[i] = sums.at[start, f"{pollutant}_cut_kg"] / 1000.0 if found else 0.0
    cut[np.abs(cut) <= ROUNDING_T * np.maximum(1.0, base)] = 0.0  # float noise of no cut
    out["transport_baseline_t"] = base
    out["transport_cut_t"] = cut
    overlap = (mobile_cut_on_trucks(out, base, mobile) if counted
               else np.full(len(out), np.nan))
    out["mobile_cut_on_trucks_t"] = overlap
    if counted and len(out):
        baseline = out["baseline_t"].to_numpy(float)
        total = out["cut_t"].to_numpy(float) + np.nan_to_num(cut) - np.nan_to_num(overlap)
        pct = np.divide(100.0 * total, baseline, out=np.full(len(out), np.nan),
                        where=baseline > 0)
        out["cut_pct_with_transport"] = pct
        met = (pct + MET_TOLERANCE_PCT >= out["target_pct"].to_numpy(float)) & (baseline > 0)
        out["met_with_transport"] = met
    else:
        out["cut_pct_with_transport"] = np.nan
        out["met_with_transport"] = pd.Series([pd.NA] * len(out), dtype="boolean")
    return out


def mobile_cut_on_trucks(episodes: pd.DataFrame, trucks_t: np.ndarray,
                         mobile: AreaSource | None) -> np.ndarray:
    """Per episode row: the part of the ``mobile`` sector's cut that fell on the gate's trucks,
    t — the sector's cut fraction at the row's level × min(trucks' baseline, the sector's
    tonnes over the row's hours). NaN where the trucks have no figure (SO2); 0 without a
    mobile sector or a cut at that level."""
    out = np.where(np.isnan(trucks_t), np.nan, 0.0)
    if mobile is None or episodes.empty:
        return out
    rows = episodes["pollutant"].map(
        {p: j for j, p in enumerate(POLLUTANTS)}).to_numpy()
    sector_t = (np.asarray(mobile.emissions, float)[rows] / HOURS_PER_YEAR
                * episodes["hours"].to_numpy(float))
    fraction = episodes["level"].map(lambda level: float(mobile.cuts.get(level, 0.0)))
    return out + fraction.to_numpy(float) * np.minimum(np.nan_to_num(trucks_t), sector_t)
