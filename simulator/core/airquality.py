"""What the cuts do to PM2.5: a reduced-form source–receptor model over the region graph.

This is a reduced-form model, not a chemical transport model. City *i*'s PM2.5 responds to
fractional emission changes in its own and its neighbours' emissions, pollutant by pollutant:

    r_i(t) = Σ_j Σ_p S[i, j, p] · e_jp(t)
    e_jp(t) = Σ_k w_k · f_jp(t − lag_ij − k),   w_k = (1 − a) · a**k,   a = exp(−1 / τ)

where ``f_jp(t)`` is the fraction of city *j*'s city-wide emissions of pollutant *p* cut in hour
*t*, ``S`` the sensitivity (fraction of *i*'s PM2.5 removed per unit fractional cut of *j*'s
emissions of *p*), ``lag_ij`` the transport lag and ``τ`` the response time. ``r_i`` is the
fractional PM2.5 reduction relative to the world without measures:
``pm25_with = pm25_without · (1 − r)``. The response is linear in the cuts.

Defaults are calibrated to sources.md §8 (see ``DEFAULTS``); a bureau with CMAQ/CAMx
sensitivities replaces ``S`` by a table (``SourceReceptorModel.from_frame``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alerts.aqi import daily_aqi, iaqi

if TYPE_CHECKING:  # imported where a graph is made: a run without a region never loads it
    import networkx as nx

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")  # same order as enterprises.schema.POLLUTANTS
HEAVY_AQI = 200.0  # heavy pollution = daily AQI > 200 (sources.md §1)


@dataclass(frozen=True)
class ResponseDefaults:
    """Calibration of the default sensitivities; every number is an assumption or from §8."""

    # Share of episode PM2.5 that responds to anthropogenic emissions in the region
    # (assumption: the rest is background, natural and non-linear chemistry).
    anthropogenic_share: float = 0.8
    # Local share of the city's responsive PM2.5 in a regional red alert: 47.1 % in the
    # BTH December 2016 red alert (sources.md §8, 张冲等 2019).
    local_share: float = 0.471
    # Split of PM2.5's sensitivity across precursors: primary PM, sulfate (SO2), nitrate
    # (NOx), secondary organics (VOCs). Assumption for a winter, PM2.5-dominated episode.
    pollutant_split: tuple[float, ...] = (0.20, 0.30, 0.40, 0.10)  # SO2, NOx, PM, VOCs
    # First-order response time of PM2.5 to an emission change (assumption: about a day of
    # ventilation in a stagnant episode; sources.md §8 finds starting up to ~2 days earlier helps).
    response_hours: float = 24.0
    # Transport lag per graph edge (assumption: ~100 km between neighbouring prefecture
    # cities at 4–5 m/s winter wind speeds).
    lag_hours_per_edge: int = 6


DEFAULTS = ResponseDefaults()


@dataclass(frozen=True)
class SourceReceptorModel:
    """Sensitivities ``S[receptor, source, pollutant]`` with lags, for a fixed list of cities."""

    cities: tuple[str, ...]
    sensitivity: np.ndarray  # (n, n, 4), dimensionless
    lag_hours: np.ndarray  # (n, n) int, hours
    response_hours: float = DEFAULTS.response_hours
    notes: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        n = len(self.cities)
        if self.sensitivity.shape != (n, n, len(POLLUTANTS)):
            raise ValueError(f"sensitivity shape {self.sensitivity.shape}, expected {(n, n, 4)}")
        if (self.sensitivity < 0).any() or (self.lag_hours < 0).any():
            raise ValueError("sensitivities and lags must be ≥ 0")

    @classmethod
    def from_graph(cls, graph: nx.Graph, defaults: ResponseDefaults = DEFAULTS,
                   weight: str = "weight") -> SourceReceptorModel:
        """Default model for the cities of ``graph``, neighbours by its edges.

        A city keeps ``local_share`` of its responsive PM2.5 for its own emissions; the rest
        is spread over its neighbours in proportion to the edge ``weight`` (default 1). A city
        without neighbours keeps the whole responsive share local.
        """
        cities = tuple(sorted(graph.nodes))
        index = {c: k for k, c in enumerate(cities)}
        split = np.asarray(defaults.pollutant_split, float)
        split = split / split.sum()
        total = np.zeros((len(cities), len(cities)))
        lags = np.zeros((len(cities), len(cities)), int)
        for city in cities:
            i = index[city]
            neighbours = {n: float(graph.edges[city, n].get(weight, 1.0))
                          for n in graph.neighbors(city) if n != city}
            weights = sum(neighbours.values())
            local = defaults.local_share if weights > 0 else 1.0
            total[i, i] = defaults.anthropogenic_share * local
            for other, w in neighbours.items():
                j = index[other]
                total[i, j] = defaults.anthropogenic_share * (1 - local) * w / weights
                lags[i, j] = int(graph.edges[city, other].get(
                    "lag_hours", defaults.lag_hours_per_edge))
        return cls(cities, total[:, :, None] * split[None, None, :], lags,
                   defaults.response_hours, {"source": "defaults calibrated to sources.md §8"})

    @classmethod
    def from_frame(cls, table: pd.DataFrame, response_hours: float = DEFAULTS.response_hours,
                   origin: str = "sensitivity table") -> SourceReceptorModel:
        """A bureau's own sensitivities: columns receptor, source, pollutant, sensitivity and
        optionally lag_hours. Missing pairs are 0 (no influence)."""
        required = {"receptor", "source", "pollutant", "sensitivity"}
        missing = required - set(table.columns)
        if missing:
            raise ValueError(f"{origin}: row 1, column {sorted(missing)[0]}: missing — "
                             f"expected columns {', '.join(sorted(required))}")
        cities = tuple(sorted(set(table.receptor) | set(table.source)))
        index = {c: k for k, c in enumerate(cities)}
        sens = np.zeros((len(cities), len(cities), len(POLLUTANTS)))
        lags = np.zeros((len(cities), len(cities)), int)
        for row_no, row in enumerate(table.itertuples(index=False), start=2):
            if row.pollutant not in POLLUTANTS:
                raise ValueError(f"{origin}: row {row_no}, column pollutant: value "
                                 f"{row.pollutant!r} — expected one of {', '.join(POLLUTANTS)}")
            value = pd.to_numeric(row.sensitivity, errors="coerce")
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{origin}: row {row_no}, column sensitivity: value "
                                 f"{row.sensitivity!r} — expected a number ≥ 0")
            i, j = index[row.receptor], index[row.source]
            sens[i, j, POLLUTANTS.index(row.pollutant)] = value
            lags[i, j] = int(getattr(row, "lag_hours", 0) or 0)
        return cls(cities, sens, lags, response_hours, {"source": origin})

    def kernel(self, horizon: int) -> np.ndarray:
        """Weights ``w_k`` of the first-order response, k = 0 … horizon − 1 (sum ≤ 1)."""
        a = np.exp(-1.0 / self.response_hours) if self.response_hours > 0 else 0.0
        return (1 - a) * a ** np.arange(horizon)

    def effective_cuts(self, cut_fraction: np.ndarray) -> np.ndarray:
        """Lag-free effective cuts ``e`` (time, city, pollutant) from hourly cut fractions."""
        hours = cut_fraction.shape[0]
        w = self.kernel(hours)
        out = np.empty_like(cut_fraction, dtype=float)
        flat = cut_fraction.reshape(hours, -1)
        for col in range(flat.shape[1]):  # a few cities × 4 pollutants: tiny loop
            out.reshape(hours, -1)[:, col] = np.convolve(flat[:, col], w)[:hours]
        return out

    def reduction(self, cut_fraction: np.ndarray) -> np.ndarray:
        """Fractional PM2.5 reduction ``r`` (time, receptor) for cuts (time, source, pollutant).

        ``cut_fraction[t, j, p]`` is the share of city *j*'s city-wide emissions of *p* cut
        in hour *t* (0 … 1), cities in ``self.cities`` order.
        """
        cut_fraction = np.asarray(cut_fraction, float)
        hours, n, npol = cut_fraction.shape
        if (n, npol) != (len(self.cities), len(POLLUTANTS)):
            raise ValueError(f"cuts shape {cut_fraction.shape}: expected (hours, "
                             f"{len(self.cities)}, {len(POLLUTANTS)})")
        effective = self.effective_cuts(cut_fraction)
        r = np.zeros((hours, n))
        for i in range(n):
            for j in range(n):
                lag = int(self.lag_hours[i, j])
                if lag >= hours or not self.sensitivity[i, j].any():
                    continue
                shifted = np.zeros((hours, npol))
                shifted[lag:] = effective[: hours - lag, j]
                r[:, i] += shifted @ self.sensitivity[i, j]
        return np.clip(r, 0.0, 1.0)

    def contributions(self, cut_fraction: np.ndarray) -> np.ndarray:
        """Reduction of each receptor's PM2.5 due to each source city: (time, receptor, source)."""
        cut_fraction = np.asarray(cut_fraction, float)
        hours, n, _ = cut_fraction.shape
        out = np.zeros((hours, n, n))
        for j in range(n):
            only_j = np.zeros_like(cut_fraction)
            only_j[:, j] = cut_fraction[:, j]
            out[:, :, j] = self.reduction(only_j)
        return out


def with_and_without(pm25: pd.DataFrame, reduction: np.ndarray, observed_with: bool) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    """Both worlds from one: ``observed_with`` (a replay) reconstructs the world without
    measures, ``pm25_without = pm25 / (1 − r)``; otherwise (a rehearsal) the forecast is the
    world without and ``pm25_with = pm25 · (1 − r)``. ``pm25``: hourly frame, one column per
    city, µg/m³."""
    r = pd.DataFrame(reduction, index=pm25.index, columns=pm25.columns)
    if observed_with:
        return pm25, pm25 / (1.0 - r.clip(upper=0.99))
    return pm25 * (1.0 - r), pm25


def heavy_hours(pm25: pd.DataFrame) -> pd.Series:
    """Hours per city with the rolling daily AQI (PM2.5 only) above 200 (sources.md §1)."""
    return pd.Series({city: int((daily_aqi(pm25[[city]].rename(columns={city: "PM2.5"}))
                                 > HEAVY_AQI).sum()) for city in pm25.columns})


def heavy_days(pm25: pd.DataFrame) -> pd.Series:
    """Calendar days per city whose 24 h mean PM2.5 AQI exceeds 200 (HJ 633 daily AQI)."""
    daily = pm25.resample("D").mean()
    counts = daily.count()
    valid = pm25.resample("D").count() >= 20  # GB 3095 data validity: ≥ 20 h a day
    heavy = (iaqi("PM2.5", daily.to_numpy(), "24h") > HEAVY_AQI) & valid.to_numpy()
    return pd.Series(heavy.sum(axis=0), index=pm25.columns).where(counts > 0, 0).astype(int)
