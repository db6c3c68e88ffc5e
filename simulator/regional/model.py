"""Several cities through one period, and what their cuts do to PM2.5: the regional orchestrator.

``run_regional`` runs, for a scenario that names several cities (``[scenario] cities``):

1. the alert timeline of every city at once (``alerts.timeline``), with the region's rules and
   dispatch orders — or, when the cities act alone, without them;
2. one ``Simulation`` per city on its windows;
   With ``[compliance]`` the engine runs the behaviour and inspection model, so its tonnes are
   the achieved cuts; with ``[transport]`` the truck gate is played over each city's alert
   segments after its engine run, as ``smogsim run`` does (``simulator.city.trucks``);
3. the source–receptor model (``simulator.core.airquality``) on each city's hourly city-wide cut
   fraction per pollutant. The engine tallies tonnes per ledger segment (a stretch at one
   level); within a segment the fraction is held at ``cut t / baseline t`` of that segment, so
   the hourly series is piecewise constant and exact in tonnes per segment (ramps inside a
   segment are averaged over it). Where the trucks count towards the city-wide cut (a
   ``mobile`` area source holds them), the gate's cut of each alert segment is added, spread
   evenly over the segment's hours;
4. both worlds: in a rehearsal the forecast is the world without measures, in a replay the
   observations are the world with them (``with_and_without``);
5. optionally (``[airquality] feedback = true``, rehearsals only) the improved concentrations
   go back into the alert lifecycle, so an alert may lift earlier, until the windows repeat or
   the iteration cap is reached.

Model code here takes loaded inputs (``simulator.regional_io.load_regional_inputs``); files are
read and written in ``simulator.io.regional``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from alerts.aqi import daily_aqi
from alerts.drivers import city_drivers
from alerts.levels import Level
from alerts.observations import city_daily_aqi
from alerts.timeline import AlertInputs, hourly_grid
from alerts.triggers import AlertWindow
from simulator.city.run import simulate_city
from simulator.city.trucks import (
    SUMMARY_FILE,
    TRANSPORT_FILE,
    TransportRun,
)
from simulator.core.airquality import (
    HEAVY_AQI,
    POLLUTANTS,
    SourceReceptorModel,
    heavy_days,
    with_and_without,
)
from simulator.core.results import RunResult
from simulator.core.rng import make_rng
from simulator.io.regional import RegionalInputs
from simulator.spec.regional import RegionalSpec
from simulator.spec.scenario import ScenarioError
from simulator.spec.schema import ANNUAL_TARGET_SOURCE, ANNUAL_TARGETS_PCT

HOUR = pd.Timedelta(hours=1)
AQI_WARMUP_HOURS = 23  # the rolling daily AQI at the first hour needs the 23 hours before it
ANNUAL_MIN_DAYS = 300  # the annual view is printed for runs spanning at least this many days

AIRQUALITY_COLUMNS = ["time", "city", "pm25_with", "pm25_without", "aqi_with", "aqi_without",
                      "reduction_pct", "alert_level"]
HEAVY_COLUMNS = ["city", "alert_hours", "pm25_mean_without", "pm25_mean_with",
                 "reduction_alert_pct", "heavy_hours_without", "heavy_hours_with",
                 "heavy_hours_avoided", "heavy_days_without", "heavy_days_with",
                 "heavy_days_avoided", "valid_days"]
CONTRIBUTION_COLUMNS = ["receptor", "source", "mean_ug", "max_ug", "alert_mean_ug", "share_pct"]
ANNUAL_COLUMNS = ["city", "valid_days", "heavy_days_without", "heavy_days_with",
                  "ratio_without_pct", "ratio_with_pct", "target_pct", "met_without", "met_with",
                  "target_source"]
FEEDBACK_COLUMNS = ["iteration", "city", "alert_hours", "heavy_hours_with"]
COMPLIANCE_COLUMNS = ["city", "enterprises", "noncompliant", "flagged", "inspections",
                      "findings", *(f"{p}_achieved_pct" for p in POLLUTANTS)]
TRUCK_COLUMNS = ["city", "trips", "trips_blocked", "substituted", "deferred", "cancelled",
                 "NOx_cut_t", "PM_cut_t", "VOCs_cut_t", "in_pm25"]


# -- the scenario -------------------------------------------------------------------------------


# -- loaded inputs ------------------------------------------------------------------------------


def source_receptor_model(spec: RegionalSpec, inputs: RegionalInputs) -> SourceReceptorModel:
    """The bureau's matrix when the scenario names one, else the defaults over the region graph.

    The default graph holds every city of the region file. Without a region file the cities
    have no neighbours: each keeps its whole responsive share local
    (``SourceReceptorModel.from_graph``).
    """
    if inputs.matrix is not None:
        try:
            model = SourceReceptorModel.from_frame(inputs.matrix, spec.response_hours,
                                                   origin=str(spec.matrix))
        except (ValueError, TypeError) as bad:
            raise ScenarioError(str(bad) if str(spec.matrix) in str(bad) else
                                f"{spec.matrix}: {bad}") from None
        missing = [c for c in spec.cities if c not in model.cities]
        if missing:
            raise ScenarioError(f"{spec.matrix}: column receptor: no rows for {missing[0]!r} — "
                                "expected every scenario city")
        return model
    region = inputs.alerts.region
    if region is not None:
        missing = [c for c in spec.cities if c not in region.cities()]
        if missing:
            raise ScenarioError(f"{spec.first.region}: key city: {missing[0]!r} missing — "
                                "expected every scenario city in the region")
        # every region city, so a city's non-local share is split over all its neighbours;
        # cities outside the scenario are in the graph but make no cuts
        graph = region.adjacency(region.cities())
    else:
        graph = nx.Graph()
        graph.add_nodes_from(spec.cities)
    model = SourceReceptorModel.from_graph(graph)
    return replace(model, response_hours=spec.response_hours)


# -- pure pieces ------------------------------------------------------------------------------
def hourly_cut_fractions(ledger, hours: int) -> np.ndarray:
    """City-wide cut fraction per hour and pollutant, (hours, 4), from an engine ledger.

    Each ledger segment ``[start, end)`` (hours) contributes ``cut t / baseline t`` of that
    segment, with baseline = (list + area-source rate) × duration; an hour that a segment
    boundary splits takes the time-weighted mean. So Σ_h f[h] · baseline rate = Σ cut t
    exactly, segment by segment. ``ledger``: ``simulator.accounting.Ledger`` (public
    attributes ``segments``, ``list_base_rate``, ``area_rate``).
    """
    rate = np.asarray(ledger.list_base_rate, float) + np.asarray(ledger.area_rate, float)
    pieces = []
    for seg in ledger.segments:
        base = rate * (seg.end - seg.start)
        cut = base - (np.asarray(seg.list_actual) + np.asarray(seg.area_actual))
        pieces.append((seg.start, seg.end, np.divide(cut, base, out=np.zeros(len(POLLUTANTS)),
                                                     where=base > 0)))
    return _hourly_means(pieces, hours)


def transport_cut_fractions(episodes: pd.DataFrame, start: pd.Timestamp, hours: int
                            ) -> np.ndarray:
    """The truck gate's cut as a city-wide cut fraction per hour and pollutant, (hours, 4).

    ``episodes``: the engine's episode table with the transport columns
    (``simulator.transport_run.with_transport_columns``). Each alert segment's
    ``(transport_cut_t − mobile_cut_on_trucks_t) / baseline_t`` is held over the segment (the
    gate tallies per segment, so its cut is spread evenly over the segment's hours; the mobile
    sector's cut of the same trucks is already in the engine's fraction, so the gate replaces
    it rather than adding to it); pollutants without a truck figure (SO2) get none.
    Σ_h f[h] · baseline rate = the segment's net transport cut, exactly.
    """
    pieces = []
    rows = episodes.dropna(subset=["transport_cut_t"])
    for (seg_start, seg_end), part in rows.groupby(["start", "end"], sort=True):
        fraction = np.zeros(len(POLLUTANTS))
        for row in part.itertuples():
            if row.baseline_t > 0:
                net = row.transport_cut_t - np.nan_to_num(getattr(row, "mobile_cut_on_trucks_t",
                                                                  0.0))
                fraction[POLLUTANTS.index(row.pollutant)] = net / row.baseline_t
        pieces.append(((seg_start - start) / HOUR, (seg_end - start) / HOUR, fraction))
    return _hourly_means(pieces, hours)


def _hourly_means(pieces: list[tuple[float, float, np.ndarray]], hours: int) -> np.ndarray:
    """Hourly means, (hours, 4), of a piecewise-constant series given as time-ordered,
    non-overlapping ``(start, end, value)`` pieces in hours from the run start; zero between
    and after them."""
    edges, cumulative = [0.0], [np.zeros(len(POLLUTANTS))]
    for start, end, value in pieces:
        if end <= start:
            continue
        if start > edges[-1]:  # a gap: nothing there
            edges.append(start)
            cumulative.append(cumulative[-1])
        edges.append(end)
        cumulative.append(cumulative[-1] + value * (end - start))
    # ∫ f dt is piecewise linear between the edges: interpolate it at whole hours
    t = np.arange(hours + 1, dtype=float)
    edges_arr, cum = np.asarray(edges), np.asarray(cumulative)
    integral = np.column_stack([np.interp(t, edges_arr, cum[:, k])
                                for k in range(len(POLLUTANTS))])
    return np.diff(integral, axis=0)


def alert_levels(windows: list[AlertWindow], grid: pd.DatetimeIndex) -> np.ndarray:
    """The level in force at each hour of ``grid`` (``Level`` values, 0 = none)."""
    level = np.zeros(len(grid), int)
    for w in windows:
        inside = (grid >= w.start) & (grid < w.end)
        level[inside] = np.maximum(level[inside], int(w.level))
    return level


def rolling_pm25_aqi(pm25: pd.Series) -> pd.Series:
    """The rolling daily AQI from PM2.5 alone (HJ 633 24-h IAQI of the trailing 24-h mean)."""
    return daily_aqi(pm25.rename("PM2.5").to_frame())


def day_counts(pm25_with: pd.DataFrame, pm25_without: pd.DataFrame
               ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per city: valid days (≥ 20 valid hours, GB 3095 data validity, in the world without)
    and heavy-pollution days with and without measures (``simulator.airquality.heavy_days``).
    """
    valid = (pm25_without.resample("D").count() >= 20).sum()
    return valid, heavy_days(pm25_with), heavy_days(pm25_without)


def heavy_day_ratio(pm25_with: pd.DataFrame, pm25_without: pd.DataFrame,
                    targets: dict[str, float] | None = None) -> pd.DataFrame:
    """Annual view: share of valid days with a PM2.5 daily AQI > 200, with and without measures.

    ``pm25_*``: hourly frames, one column per city, µg/m³. A valid day has ≥ 20 valid hours
    (GB 3095 data validity); heavy days are counted by ``simulator.airquality.heavy_days``.
    ``targets``: % of days per city (default ``ANNUAL_TARGETS_PCT``); a city without one gets
    NaN and ``met`` None. Ratios in %.
    """
    targets = ANNUAL_TARGETS_PCT if targets is None else targets
    valid, with_days, without_days = day_counts(pm25_with, pm25_without)
    rows = []
    for city in pm25_without.columns:
        days = int(valid[city])
        target = targets.get(city, np.nan)
        r_with, r_without = (100.0 * int(n[city]) / days if days else np.nan
                             for n in (with_days, without_days))
        rows.append({
            "city": city, "valid_days": days, "heavy_days_without": int(without_days[city]),
            "heavy_days_with": int(with_days[city]), "ratio_without_pct": r_without,
            "ratio_with_pct": r_with, "target_pct": target,
            "met_without": None if np.isnan(target) else bool(r_without <= target),
            "met_with": None if np.isnan(target) else bool(r_with <= target),
            "target_source": ANNUAL_TARGET_SOURCE if city in ANNUAL_TARGETS_PCT
            and target == ANNUAL_TARGETS_PCT[city] else "scenario",
        })
    return pd.DataFrame(rows, columns=ANNUAL_COLUMNS)


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AirQuality:
    """Both worlds on the run's hourly grid; ``contributions[t, i, j]``: µg/m³ of PM2.5 that
    source city *j*'s measures remove at receptor city *i* in hour *t* (world without minus
    world with, split by source)."""

    grid: pd.DatetimeIndex
    pm25_with: pd.DataFrame
    pm25_without: pd.DataFrame
    aqi_with: pd.DataFrame
    aqi_without: pd.DataFrame
    contributions: np.ndarray


@dataclass(frozen=True)
class RegionalRun:
    """What a regional run produced: per-city engine results (with ``[compliance]``, the
    achieved cuts), per-city truck-gate tallies (``transport``, cities with ``[transport]``
    only) and both air-quality worlds."""

    spec: RegionalSpec
    response: str
    windows: dict[str, list[AlertWindow]]
    results: dict[str, RunResult]
    cut_fractions: dict[str, np.ndarray]
    air: AirQuality
    model: SourceReceptorModel
    feedback: pd.DataFrame | None = None
    converged: bool | None = None
    timings: dict[str, float] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    transport: dict[str, TransportRun] = field(default_factory=dict)

    @property
    def days(self) -> float:
        return (self.spec.end - self.spec.start) / pd.Timedelta(days=1)

    def levels(self, city: str) -> np.ndarray:
        return alert_levels(self.windows.get(city, []), self.air.grid)

    def combined(self) -> RunResult:
        """The cities' engine tables stacked (each already carries its city)."""
        parts = [self.results[c] for c in self.spec.cities]

        def stack(name):
            frames = [getattr(p, name) for p in parts if getattr(p, name) is not None]
            return _stack(frames) if frames else None

        return RunResult(alerts=stack("alerts"), episodes=stack("episodes"),
                         audit=stack("audit"), enterprise_tonnes=stack("enterprise_tonnes"),
                         breakdown=stack("breakdown"), verification=stack("verification"),
                         inspections=stack("inspections"))

    def transport_tables(self) -> dict[str, pd.DataFrame]:
        """``transport.csv`` and ``transport_summary.csv`` of every city with the truck gate,
        stacked; the summary's whole-city rows (scope ``episode``) carry the city's name."""
        cities = [c for c in self.spec.cities if c in self.transport]
        if not cities:
            return {}
        summaries = []
        for city in cities:
            summary = self.transport[city].summary
            summaries.append(summary.assign(
                city=summary["city"].where(summary["scope"] != "episode", city)))
        return {TRANSPORT_FILE: _stack([self.transport[c].per_enterprise for c in cities]),
                SUMMARY_FILE: _stack(summaries)}

    def compliance_frame(self) -> pd.DataFrame | None:
        """Per city with ``[compliance]`` on, over its alert segments: enterprises, those not
        complying, flagged by monitoring, inspections and findings, and the achieved cut in %
        of the required one per pollutant (the list and area sources together)."""
        rows = []
        for city in self.spec.cities:
            result = self.results[city]
            if result.verification is None:
                continue
            ver, episodes = result.verification, result.episodes
            row = {"city": city, "enterprises": int(ver["enterprise"].nunique()),
                   "noncompliant": int(ver.loc[ver["behaviour"] != "compliant",
                                               "enterprise"].nunique()),
                   "flagged": int(ver.loc[ver["flagged_at"].notna(), "enterprise"].nunique()),
                   "inspections": len(result.inspections),
                   "findings": int((result.inspections["finding"] != "compliant").sum())}
            for pollutant in POLLUTANTS:
                mine = episodes[episodes["pollutant"] == pollutant]
                required = mine["required_cut_t"].sum()
                row[f"{pollutant}_achieved_pct"] = (100.0 * mine["cut_t"].sum() / required
                                                    if required > 0 else np.nan)
            rows.append(row)
        return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS) if rows else None

    def truck_frame(self) -> pd.DataFrame | None:
        """Per city with ``[transport]``, summed over its alert segments: trips at the gate,
        blocked, substituted, deferred, cancelled, the trucks' cut (t) and whether that cut is
        in the PM2.5 model (it is when a ``mobile`` area source holds the trucks)."""
        rows = []
        for city in self.spec.cities:
            run = self.transport.get(city)
            if run is None:
                continue
            per = run.per_enterprise
            row = {"city": city, **{c: float(per[c].sum()) for c in TRUCK_COLUMNS[1:6]}}
            for pollutant in ("NOx", "PM", "VOCs"):
                row[f"{pollutant}_cut_t"] = float(per[f"{pollutant}_cut_kg"].sum()) / 1000.0
            row["in_pm25"] = run.counted
            rows.append(row)
        return pd.DataFrame(rows, columns=TRUCK_COLUMNS) if rows else None

    def airquality_frame(self) -> pd.DataFrame:
        """``airquality.csv``: per hour and city, PM2.5 (µg/m³) and its rolling daily AQI in both
        worlds, the reduction in % of the world without, and the alert level in force."""
        air, parts = self.air, []
        for city in self.spec.cities:
            without, with_ = air.pm25_without[city], air.pm25_with[city]
            parts.append(pd.DataFrame({
                "time": air.grid, "city": city, "pm25_with": with_.to_numpy(),
                "pm25_without": without.to_numpy(), "aqi_with": air.aqi_with[city].to_numpy(),
                "aqi_without": air.aqi_without[city].to_numpy(),
                "reduction_pct": (100.0 * (without - with_) / without).to_numpy(),
                "alert_level": [Level(v).id for v in self.levels(city)],
            }))
        return pd.concat(parts, ignore_index=True)[AIRQUALITY_COLUMNS]

    def heavy_frame(self) -> pd.DataFrame:
        """Per city: alert hours, mean PM2.5, the mean reduction in alert hours, and
        heavy-pollution hours (rolling daily AQI > 200) and days with and without measures."""
        air = self.air
        valid, days_with, days_without = day_counts(air.pm25_with, air.pm25_without)
        rows = []
        for city in self.spec.cities:
            on = self.levels(city) >= int(Level.YELLOW)
            without, with_ = air.pm25_without[city], air.pm25_with[city]
            cut = (1 - with_ / without)[on]
            h_with = int((air.aqi_with[city] > HEAVY_AQI).sum())
            h_without = int((air.aqi_without[city] > HEAVY_AQI).sum())
            rows.append({
                "city": city, "alert_hours": int(on.sum()),
                "pm25_mean_without": without.mean(), "pm25_mean_with": with_.mean(),
                "reduction_alert_pct": 100.0 * cut.mean() if on.any() else np.nan,
                "heavy_hours_without": h_without, "heavy_hours_with": h_with,
                "heavy_hours_avoided": h_without - h_with,
                "heavy_days_without": int(days_without[city]),
                "heavy_days_with": int(days_with[city]),
                "heavy_days_avoided": int(days_without[city]) - int(days_with[city]),
                "valid_days": int(valid[city]),
            })
        return pd.DataFrame(rows, columns=HEAVY_COLUMNS)

    def contributions_frame(self) -> pd.DataFrame:
        """Per (receptor, source): mean and peak µg/m³ removed over the run, the mean over the
        receptor's alert hours, and the source's share of the receptor's total reduction."""
        c = self.air.contributions
        rows = []
        for i, receptor in enumerate(self.spec.cities):
            on = self.levels(receptor) >= int(Level.YELLOW)
            total = np.nansum(c[:, i, :])
            for j, source in enumerate(self.spec.cities):
                series = c[:, i, j]
                rows.append({
                    "receptor": receptor, "source": source, "mean_ug": np.nanmean(series),
                    "max_ug": np.nanmax(series) if np.isfinite(series).any() else np.nan,
                    "alert_mean_ug": np.nanmean(series[on]) if on.any() else np.nan,
                    "share_pct": 100.0 * np.nansum(series) / total if total > 0 else np.nan,
                })
        return pd.DataFrame(rows, columns=CONTRIBUTION_COLUMNS)

    def annual_frame(self) -> pd.DataFrame:
        return heavy_day_ratio(self.air.pm25_with, self.air.pm25_without, self.spec.targets)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames one under another; empty ones only when all are."""
    kept = [f for f in frames if not f.empty] or frames[:1]
    return pd.concat(kept, ignore_index=True)


# -- the orchestrator --------------------------------------------------------------------------
def timeline(spec: RegionalSpec, alerts: AlertInputs, response: str
             ) -> dict[str, list[AlertWindow]]:
    """Every city's alert windows; cities acting alone ignore the region's rules and orders.

    A noisy forecast draws from one generator keyed ``region/forecast``, made afresh per call
    so every feedback iteration sees the same forecast errors.
    """
    if response == "alone":
        alerts = replace(alerts, region=None)
    rng = make_rng(spec.seed, "region/forecast")
    return alerts.windows(spec.first.forecast_model, rng, start=spec.start, end=spec.end)


class Simulated(NamedTuple):
    """Per city: engine results, hourly cut fractions (H, 4), truck-gate tallies."""

    results: dict[str, RunResult]
    fractions: dict[str, np.ndarray]
    transport: dict[str, TransportRun]


def simulate(spec: RegionalSpec, inputs: RegionalInputs, windows: dict[str, list[AlertWindow]]
             ) -> Simulated:
    """One ``Simulation`` per city on its windows, then its truck gate when it has one.

    Each city goes through ``simulator.city.run.simulate_city``, as in ``smogsim run``, so a
    city's tables equal a one-city run's on the same windows.
    """
    hours = len(hourly_grid(spec.start, spec.end))
    out = Simulated({}, {}, {})
    for city in spec.cities:
        city_inputs = replace(inputs.cities[city], windows=tuple(windows.get(city, ())))
        sim, result, tally, _ = simulate_city(city_inputs, make_rng(spec.seed, city),
                                              inputs.transport.get(city))
        fraction = hourly_cut_fractions(sim.ledger, hours)
        if tally is not None:
            out.transport[city] = tally
            if tally.counted:  # the base holds the trucks (mobile sources): their cut counts
                fraction = fraction + transport_cut_fractions(result.episodes, spec.start, hours)
        out.results[city], out.fractions[city] = result, fraction
    return out


def air_quality(spec: RegionalSpec, model: SourceReceptorModel,
                concentrations: dict[str, pd.DataFrame], fractions: dict[str, np.ndarray],
                response: str) -> AirQuality:
    """Both PM2.5 worlds from the cities' hourly cut fractions (see the module notes)."""
    grid = hourly_grid(spec.start, spec.end)
    f = np.zeros((len(grid), len(model.cities), len(POLLUTANTS)))
    for city, fraction in fractions.items():
        f[:, model.cities.index(city)] = fraction
    index = [model.cities.index(c) for c in spec.cities]
    share = model.contributions(f)[:, index][:, :, index]  # fractional, (H, n, n)
    if response == "alone":  # each city credited with its own measures only
        share = share * np.eye(len(index))[None]
    # below 0 only where plants inflate their baseline before an alert ([compliance])
    r = np.clip(share.sum(axis=2), -1.0, 1.0)
    # 23 h before the run give the rolling daily AQI at its first hour; no cut acts there
    full = pd.date_range(spec.start - AQI_WARMUP_HOURS * HOUR, spec.end - HOUR, freq="h")
    pm25 = pd.DataFrame({c: concentrations[c]["PM2.5"].reindex(full) for c in spec.cities})
    r_full = np.vstack([np.zeros((AQI_WARMUP_HOURS, len(index))), r])
    with_, without = with_and_without(pm25, r_full, observed_with=spec.mode == "replay")
    aqi_with = pd.DataFrame({c: rolling_pm25_aqi(with_[c]) for c in spec.cities})
    aqi_without = pd.DataFrame({c: rolling_pm25_aqi(without[c]) for c in spec.cities})
    base = without.iloc[AQI_WARMUP_HOURS:].to_numpy()
    return AirQuality(grid, with_.iloc[AQI_WARMUP_HOURS:], without.iloc[AQI_WARMUP_HOURS:],
                      aqi_with.iloc[AQI_WARMUP_HOURS:], aqi_without.iloc[AQI_WARMUP_HOURS:],
                      base[:, :, None] * share)


def improved_alert_inputs(alerts: AlertInputs, concentrations: dict[str, pd.DataFrame],
                          pm25_with: pd.DataFrame) -> AlertInputs:
    """The alert inputs with each scenario city's PM2.5 replaced, over the run, by the world
    with measures (other pollutants as forecast: the model covers PM2.5 only)."""
    truth = dict(alerts.truth)
    drivers = dict(alerts.drivers or {})
    for city in pm25_with.columns:
        frame = concentrations[city].copy()
        improved = pm25_with[city].dropna()
        frame.loc[frame.index.isin(improved.index), "PM2.5"] = improved.reindex(
            frame.index[frame.index.isin(improved.index)]).to_numpy()
        truth[city] = city_daily_aqi(frame)
        if city in drivers:  # the primary pollutant may change with the improved PM2.5
            drivers[city] = city_drivers(frame)
    return replace(alerts, truth=truth, drivers=drivers or None)


def _alert_hours(windows: dict[str, list[AlertWindow]], city: str, grid: pd.DatetimeIndex
                 ) -> int:
    return int((alert_levels(windows.get(city, []), grid) >= int(Level.YELLOW)).sum())


def _key(windows: dict[str, list[AlertWindow]], cities: tuple[str, ...]) -> tuple:
    return tuple((c, int(w.level), w.issued_at, w.start, w.end)
                 for c in cities for w in windows.get(c, []))


def run_regional(spec: RegionalSpec, inputs: RegionalInputs, response: str | None = None
                 ) -> RegionalRun:
    """Run the scenario's cities together (see the module notes); nothing is written.

    ``response`` overrides the scenario's ``[airquality] response`` (``regional``/``alone``).
    """
    response = response or spec.response
    t0 = time.perf_counter()
    model = source_receptor_model(spec, inputs)
    grid = hourly_grid(spec.start, spec.end)
    windows = timeline(spec, inputs.alerts, response)
    sim = simulate(spec, inputs, windows)
    air = air_quality(spec, model, inputs.concentrations, sim.fractions, response)
    rows, converged = [], None

    def record(iteration: int) -> None:
        for city in spec.cities:
            rows.append({"iteration": iteration, "city": city,
                         "alert_hours": _alert_hours(windows, city, grid),
                         "heavy_hours_with": int((air.aqi_with[city] > HEAVY_AQI).sum())})

    if spec.feedback:
        converged = False
        record(0)
        for iteration in range(1, spec.feedback_iterations + 1):
            improved = improved_alert_inputs(inputs.alerts, inputs.concentrations,
                                             air.pm25_with)
            new = timeline(spec, improved, response)
            if _key(new, spec.cities) == _key(windows, spec.cities):
                converged = True
                break
            windows = new
            sim = simulate(spec, inputs, windows)
            air = air_quality(spec, model, inputs.concentrations, sim.fractions, response)
            record(iteration)
    feedback = pd.DataFrame(rows, columns=FEEDBACK_COLUMNS) if spec.feedback else None
    return RegionalRun(spec, response, windows, sim.results, sim.fractions, air, model,
                       feedback, converged, {"simulate": time.perf_counter() - t0},
                       inputs.hashes, sim.transport)


def compare_responses(regional: RegionalRun, alone: RegionalRun) -> pd.DataFrame:
    """Per city, a regional response against the cities acting alone: alert hours, the mean
    PM2.5 reduction in alert hours, heavy-pollution hours and days avoided."""
    keep = ["city", "alert_hours", "reduction_alert_pct", "heavy_hours_avoided",
            "heavy_days_avoided"]
    a = regional.heavy_frame()[keep].assign(response="regional")
    b = alone.heavy_frame()[keep].assign(response="alone")
    frame = pd.concat([a, b], ignore_index=True)
    order = {c: k for k, c in enumerate(regional.spec.cities)}
    frame["_city"] = frame["city"].map(order)
    frame = frame.sort_values(["_city", "response"], ascending=[True, False], kind="stable")
    return frame.drop(columns="_city")[["city", "response", *keep[1:]]].reset_index(drop=True)


def regional_tables(run: RegionalRun, comparison: pd.DataFrame | None = None,
                    airquality: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a regional run directory, by file name, in writing order.

    ``airquality``: ``run.airquality_frame()`` when the caller has built it already.
    """
    combined = run.combined()
    tables = {"alerts.csv": combined.alerts, "episodes.csv": combined.episodes,
              "audit.csv": combined.audit, "enterprises.csv": combined.enterprise_tonnes,
              "breakdown.csv": combined.breakdown,
              # [compliance]: every city with the model on (city column)
              "verification.csv": combined.verification, "inspections.csv": combined.inspections,
              **run.transport_tables(),  # [transport]: transport.csv, transport_summary.csv
              "airquality.csv": (run.airquality_frame() if airquality is None
                                 else airquality),
              "heavy_pollution.csv": run.heavy_frame(),
              "contributions.csv": run.contributions_frame()}
    if run.days >= ANNUAL_MIN_DAYS:
        tables["annual.csv"] = run.annual_frame()
    if run.feedback is not None:
        tables["feedback.csv"] = run.feedback
    if comparison is not None:
        tables["comparison.csv"] = comparison
    return {name: frame for name, frame in tables.items() if frame is not None}
