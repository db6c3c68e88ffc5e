"""Counties against the city's target: a planner's view of where an alert's cut falls short.

The 10/20/30 % targets bind the city: each pollutant cut by that share of the city-wide base
(全社会排放总量, sources.md §2). A county has no target of its own. Planners still ask which
counties pull the city below its target, so this module puts each county on the city's scale:

    county cut % = (L_cut + s · A_cut) / (L_base + s · A_base) × 100,   s = L_base / ΣL_base

with ``L`` the county's listed enterprises (``breakdown.csv``), ``A`` the city's area sources
(``episodes.csv``: the city-wide base minus the list, and ``area_cut_t``) and ``s`` the
county's share of the list's baseline of that pollutant. Assumption: area sources are spread
over the counties like the listed emissions (no county split of the area sources is known).
Summed over counties, numerators and denominators give the city-wide cut exactly, so a county
below the city's figure is one that pulls it down. Truck-gate cuts (``+ trucks`` lines) are
not split by county.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from enterprises.schema import POLLUTANTS
from simulator.core.accounting import MET_TOLERANCE_PCT

SEGMENT_KEYS = ["episode", "level", "start"]
COUNTY_COLUMNS = ["episode", "level", "start", "end", "hours", "city", "county", "pollutant",
                  "list_baseline_t", "list_cut_t", "area_baseline_t", "area_cut_t", "cut_pct",
                  "list_cut_pct", "target_pct", "short", "output_lost_wan"]
CAPTION = ("A county has no legal target: the city's target is the planner's yardstick. County "
           "% = (its listed plants' cut + its share of the area-source cut) / (their baseline + "
           "its share of the area-source base); area sources split like the listed baseline "
           "(assumption). Trucks not included. List-only tonnes: breakdown.csv.")


def county_frame(episodes: pd.DataFrame, breakdown: pd.DataFrame) -> pd.DataFrame:
    """Per alert segment with a target, county and pollutant: the county cut % on the city's
    scale (module notes), the list-only cut %, the city's target and whether the county is
    short of it; ``output_lost_wan`` is the county's output value lost in the segment (万元).

    ``episodes``, ``breakdown``: a run's ``episodes.csv`` and ``breakdown.csv`` tables.
    Segments without a target (temporary control, blue) are left out.
    """
    targeted = episodes[episodes["target_pct"] > 0]
    parts = [_segment(rows, breakdown) for _, rows in
             targeted.groupby(["city", *SEGMENT_KEYS], sort=True)]
    if not parts:
        return pd.DataFrame(columns=COUNTY_COLUMNS)
    return pd.concat(parts, ignore_index=True)[COUNTY_COLUMNS]


def _segment(rows: pd.DataFrame, breakdown: pd.DataFrame) -> pd.DataFrame:
    first = rows.iloc[0]
    mask = (breakdown["city"] == first.city)
    for key in SEGMENT_KEYS:
        mask &= breakdown[key] == first[key]
    counties = breakdown[mask].groupby("county", sort=True)
    lost = counties["output_lost_wan"].sum()
    parts = []
    for pollutant in POLLUTANTS:
        city = rows[rows["pollutant"] == pollutant].iloc[0]
        base = counties[f"{pollutant}_baseline_t"].sum()
        cut = counties[f"{pollutant}_cut_t"].sum()
        total = base.sum()
        share = base / total if total > 0 else base * np.nan
        area_base = city.baseline_t - total
        area_cut = city.area_cut_t
        numerator, denominator = cut + share * area_cut, base + share * area_base
        pct = _pct(numerator, denominator)
        parts.append(pd.DataFrame({
            "episode": first.episode, "level": first.level, "start": first.start,
            "end": first.end, "hours": first.hours, "city": first.city, "county": base.index,
            "pollutant": pollutant, "list_baseline_t": base.to_numpy(),
            "list_cut_t": cut.to_numpy(), "area_baseline_t": (share * area_base).to_numpy(),
            "area_cut_t": (share * area_cut).to_numpy(),
            "cut_pct": pct, "list_cut_pct": _pct(cut, base),
            "target_pct": first.target_pct, "short": _below(pct, first.target_pct),
            "output_lost_wan": lost.reindex(base.index).to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True)


def _pct(numerator: pd.Series, denominator: pd.Series) -> np.ndarray:
    num, den = np.asarray(numerator, float), np.asarray(denominator, float)
    return np.divide(100.0 * num, den, out=np.full(len(num), np.nan), where=den > 0)


def _below(pct, target: float):
    """Short of the target, with the tally's floating-point slack; NaN (no baseline) is not."""
    return np.asarray(pct, float) + MET_TOLERANCE_PCT < target
