"""The engine: simpy schedules the decisions, numpy holds the state, emissions integrate exactly.

simpy events here are decisions, not clock ticks: an alert issued, a response starting at a new
level, a response ending, a seasonal-control period starting or ending, and the moment the last
ramp of a decision is done. State is one row per production line. When a requirement changes,
each changed line ramps from its current cut to the new one at its process's rate
(``enterprises.processes``): cuts are piecewise linear in time, starting at decisions and
flat after their ramp end, so between two events the tonnes emitted are
``rate × (hours − ∫ cut dt)`` with the integral taken by the trapezoid rule on each side of the
ramp end — exact, with no hourly sampling (docs/design.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import AlertWindow
from enterprises.inventory import Inventory
from enterprises.measures import MeasureTable
from enterprises.processes import ramp_hours
from enterprises.response import Response, respond, stricter
from enterprises.seasonal import SeasonalControl
from simulator.accounting import Ledger
from simulator.results import RunResult

HOUR = pd.Timedelta(hours=1)
HOURS_PER_DAY = 24.0
GROUP_KEYS = ("city", "county", "industry", "grade")


@dataclass(frozen=True)
class CityInputs:
    """One city's model inputs, free of file paths: arrays, tables and windows.

    ``area_cuts`` (len(Level), 4): fraction of ``area_rates`` cut at each level (area-source
    measures); None → area sources are never cut. ``seasonal``: seasonal production-control
    periods beneath the alerts.
    """

    city: str
    start: pd.Timestamp
    end: pd.Timestamp
    inventory: Inventory
    area_rates: np.ndarray  # (4,) t/h outside the list, by pollutant
    windows: tuple[AlertWindow, ...]
    rules: RuleSet
    measures: MeasureTable
    area_cuts: np.ndarray | None = None
    seasonal: tuple[SeasonalControl, ...] = ()


class Simulation:
    """One city through one period: ``Simulation(inputs, rng).run()`` → ``RunResult``."""

    def __init__(self, inputs: CityInputs, rng: np.random.Generator):
        self.inputs = inputs
        self.rng = rng  # one generator per run; later behaviour models draw from it
        self.env = simpy.Environment()
        inv = inputs.inventory
        self.base_rates = inv.hourly_rates()  # (n, 4) t/h per enterprise
        self.line_rates = inv.line_hourly_rates()  # (L, 4) t/h per line
        self.line_value = inv.line_output_value() / HOURS_PER_DAY  # (L,) 万元/h
        self.ramp_down, self.ramp_up = ramp_hours(inv.processes[inv.line_owner])
        starts = np.concatenate([[0], np.cumsum(inv.lines)[:-1]]).astype(np.int64)
        self.line_no = np.arange(inv.n_lines) - starts[inv.line_owner] + 1
        n_lines = inv.n_lines
        # Ramp state per line: cuts move linearly from *_from at t0 to *_to at t1.
        self.out_from, self.out_to = np.zeros(n_lines), np.zeros(n_lines)
        self.em_from, self.em_to = np.zeros(n_lines), np.zeros(n_lines)
        self.t0, self.t1 = np.zeros(n_lines), np.zeros(n_lines)
        self.level = Level.NONE
        self.season_on = [False] * len(inputs.seasonal)
        self.area_cuts = (np.zeros((len(Level), 4)) if inputs.area_cuts is None
                          else np.asarray(inputs.area_cuts, float))
        self.actual = np.zeros((n_lines, 4))  # tonnes per line so far
        self.lost = np.zeros(n_lines)  # output value lost per line so far, 万元
        self.group_of_line, group_frame = _groups(inv)
        self.groups = group_frame
        n_groups = len(group_frame)
        self.ledger = Ledger(
            self.base_rates.sum(axis=0), inputs.area_rates, inputs.rules,
            group_base_rate=_bincount2(self.group_of_line, self.line_rates, n_groups),
            group_value_rate=np.bincount(self.group_of_line, weights=self.line_value,
                                         minlength=n_groups))
        self._last = 0.0
        self.ramps: list[dict] = []  # per decision with ramps: when its last line arrived
        self._responses: dict[tuple, Response] = {}
        self.audit: list[dict] = []  # per decision: arrays of the lines that changed
        self.timeline: list[dict] = []

    # -- time -------------------------------------------------------------------------------
    def hours(self, when: pd.Timestamp) -> float:
        return (when - self.inputs.start) / HOUR

    def clock(self, hours: float | None = None) -> pd.Timestamp:
        return self.inputs.start + (self.env.now if hours is None else hours) * HOUR

    def cuts_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Production and emission cut of every line at time ``t`` (hours), (L,) each."""
        span = self.t1 - self.t0
        frac = np.ones_like(span)
        np.divide(t - self.t0, span, out=frac, where=span > 0)
        frac = np.clip(frac, 0.0, 1.0)
        return (self.out_from + (self.out_to - self.out_from) * frac,
                self.em_from + (self.em_to - self.em_from) * frac)

    def _integrate(self) -> None:
        """Advance tonnes and output lost to ``env.now``, exactly.

        Every ramp starts at a decision, so since the last event each line's cut is linear up
        to its ramp end ``t1`` and constant after it: the trapezoid rule on [a, m] and on
        [m, b], with m = t1 clipped to [a, b], integrates it exactly.
        """
        a, b = self._last, self.env.now
        if b <= a:
            return
        m = np.clip(self.t1, a, b)
        (out_a, em_a), (out_m, em_m), (out_b, em_b) = (self.cuts_at(a), self.cuts_at(m),
                                                       self.cuts_at(b))
        left, right = m - a, b - m
        em_hours = 0.5 * ((em_a + em_m) * left + (em_m + em_b) * right)  # ∫ cut dt, h
        out_hours = 0.5 * ((out_a + out_m) * left + (out_m + out_b) * right)
        tonnes = self.line_rates * ((b - a) - em_hours)[:, None]
        self.actual += tonnes
        self.lost += self.line_value * out_hours
        area = self.inputs.area_rates * (1.0 - self.area_cuts[self.level]) * (b - a)
        self.ledger.add(tonnes.sum(axis=0), area)
        self._last = b

    def group_totals(self) -> np.ndarray:
        """Cumulative (tonnes of 4 pollutants, output lost) per group so far, (G, 5)."""
        n = len(self.groups)
        return np.column_stack([_bincount2(self.group_of_line, self.actual, n),
                                np.bincount(self.group_of_line, weights=self.lost, minlength=n)])

    # -- decisions --------------------------------------------------------------------------
    def requirement(self) -> Response:
        """What the current level and seasonal periods require (cached per combination)."""
        key = (self.level, tuple(self.season_on))
        if key not in self._responses:
            inv = self.inputs.inventory
            floor = None
            for control, on in zip(self.inputs.seasonal, self.season_on, strict=True):
                if on:
                    season = control.response(inv)
                    floor = season if floor is None else stricter(floor, season, inv)
            self._responses[key] = respond(inv, self.level, self.inputs.measures, floor=floor)
        return self._responses[key]

    def apply(self) -> None:
        """Move every line whose requirement changed onto a ramp towards its new cut."""
        self._integrate()
        now = self.env.now
        need = self.requirement()
        changed = np.flatnonzero((need.line_cut != self.out_to) |
                                 (need.line_emission_cut != self.em_to))
        if len(changed) == 0:
            return
        out_now, em_now = self.cuts_at(now)
        new_out, new_em = need.line_cut[changed], need.line_emission_cut[changed]
        d_out, d_em = new_out - out_now[changed], new_em - em_now[changed]
        direction = np.where(d_out != 0, d_out, d_em)
        full = np.where(direction > 0, self.ramp_down[changed], self.ramp_up[changed])
        end = now + np.maximum(np.abs(d_out), np.abs(d_em)) * full
        self.out_from[changed], self.em_from[changed] = out_now[changed], em_now[changed]
        self.out_to[changed], self.em_to[changed] = new_out, new_em
        self.t0[changed], self.t1[changed] = now, end
        # Audit rows are kept as arrays and made into one frame at the end (audit_frame).
        self.audit.append({
            "time": now, "level": self.level.id, "changed": changed, "need": need,
            "cut_before": out_now[changed], "cut_after": new_out,
            "emission_cut_before": em_now[changed], "emission_cut_after": new_em,
            "ramp_end": end,
        })
        if end.max() > now:
            self.env.process(self._ramps_done(float(end.max()), len(changed)))

    def _ramps_done(self, t: float, lines: int):
        """The last line of a decision reaches its target: a kink in the rates.

        One event per decision, not per line: the kinks of the other lines fall inside an
        interval and ``_integrate`` splits at them exactly (ramp ends can be as many as the
        enterprises; an event each would cost O(lines) per enterprise).
        """
        decided = self.env.now
        yield self.env.timeout(t - self.env.now)
        self._integrate()
        self.ramps.append({"decided": self.clock(decided), "done": self.clock(), "lines": lines})

    def set_level(self, level: Level, window: AlertWindow | None) -> None:
        """Apply ``level``'s measures to every line at once (one vectorised lookup)."""
        self._integrate()
        self.level = level
        self.apply()
        self.ledger.enter(level, self.env.now, window, self.group_totals())

    def _window(self, window: AlertWindow, follows: bool):
        env = self.env
        issued, start, end = (max(0.0, self.hours(t)) for t in
                              (window.issued_at, window.start, window.end))
        yield env.timeout(issued - env.now)
        self.timeline.append({"event": "issued", "time": self.clock(), "window": window})
        yield env.timeout(start - env.now)
        self.set_level(window.level, window)
        yield env.timeout(end - env.now)
        if not follows:  # no window takes over at this instant: the response ends
            self.set_level(Level.NONE, None)

    def _season(self, k: int, control: SeasonalControl, horizon: float):
        env = self.env
        start = min(max(0.0, self.hours(control.start)), horizon)
        end = min(max(0.0, self.hours(control.end)), horizon)
        if end <= start:
            return
        yield env.timeout(start - env.now)
        self.season_on[k] = True
        self.apply()
        yield env.timeout(end - env.now)
        self.season_on[k] = False
        self.apply()

    def run(self) -> RunResult:
        """Run to the end of the period and return the tallies."""
        horizon = self.hours(self.inputs.end)
        windows = [w for w in self.inputs.windows
                   if w.end > self.inputs.start and w.start < self.inputs.end]
        starts = {w.start for w in windows}
        for k, control in enumerate(self.inputs.seasonal):
            self.env.process(self._season(k, control, horizon))
        for window in windows:
            self.env.process(self._window(window, follows=window.end in starts))
        self.ledger.enter(Level.NONE, 0.0, None, self.group_totals())
        self.env.run(until=horizon)
        self._integrate()
        self.ledger.close(horizon, self.group_totals())
        return RunResult.build(self)

    def audit_frame(self) -> pd.DataFrame:
        """Every rate change as one row per line: the audit log (``AUDIT_COLUMNS``).

        Text columns are categoricals built from codes, so millions of rows (a national list
        through an alert season) cost no string per row until they are written.
        """
        from simulator.results import AUDIT_COLUMNS

        if not self.audit:
            return pd.DataFrame(columns=AUDIT_COLUMNS)
        inv = self.inputs.inventory
        changed = np.concatenate([a["changed"] for a in self.audit])
        who = inv.line_owner[changed]
        counts = [len(a["changed"]) for a in self.audit]

        def stacked(key):
            return np.concatenate([a[key] for a in self.audit])

        def labels(values: np.ndarray, rows: np.ndarray) -> pd.Categorical:
            codes, uniques = pd.factorize(values)
            categories = pd.Index(uniques, dtype=object)
            return pd.Categorical.from_codes(codes[rows], categories=categories)

        def from_need(field):
            parts = [(getattr(a["need"], field), inv.line_owner[a["changed"]]) for a in self.audit]
            return pd.api.types.union_categoricals([labels(v, rows) for v, rows in parts])

        start = self.inputs.start
        hours = np.repeat([a["time"] for a in self.audit], counts)
        return pd.DataFrame({
            "time": _stamps(start, hours),
            "city": pd.Categorical.from_codes(np.zeros(len(who), dtype=np.int64),
                                              categories=[self.inputs.city]),
            "enterprise": pd.Categorical.from_codes(who, categories=pd.Index(inv.ids,
                                                                             dtype=object)),
            "industry": labels(inv.industries, who),
            "grade": labels(inv.grades, who),
            "level": pd.Categorical(np.repeat([a["level"] for a in self.audit], counts)),
            "rule": from_need("rule"),
            "cut_before": stacked("cut_before"),
            "cut_after": stacked("cut_after"),
            "line": self.line_no[changed],
            "measure": from_need("basis"),
            "override": np.concatenate([a["need"].override[inv.line_owner[a["changed"]]]
                                        for a in self.audit]),
            "emission_cut_before": stacked("emission_cut_before"),
            "emission_cut_after": stacked("emission_cut_after"),
            "ramp_end": _stamps(start, stacked("ramp_end")),
        }, columns=AUDIT_COLUMNS)

    # -- per-enterprise views ----------------------------------------------------------------
    def enterprise_actual(self) -> np.ndarray:
        """Tonnes emitted per enterprise so far, (n, 4)."""
        inv = self.inputs.inventory
        return _bincount2(inv.line_owner, self.actual, len(inv))

    def enterprise_lost(self) -> np.ndarray:
        """Output value lost per enterprise so far, 万元, (n,)."""
        inv = self.inputs.inventory
        return np.bincount(inv.line_owner, weights=self.lost, minlength=len(inv))


def _bincount2(codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Column-wise bincount: sums of ``weights`` (m, k) rows per code, shape (n, k)."""
    return np.column_stack([np.bincount(codes, weights=weights[:, j], minlength=n)
                            for j in range(weights.shape[1])]) if n else np.zeros((0, 4))


def _groups(inv: Inventory) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per line and the groups' (city, county, industry, grade) table, sorted."""
    frame = pd.DataFrame({"city": inv.cities, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    if frame.empty:
        return np.zeros(0, dtype=np.int64), frame
    codes, groups = pd.MultiIndex.from_frame(frame).factorize(sort=True)
    return codes[inv.line_owner], groups.to_frame(index=False, name=list(GROUP_KEYS))


def _stamps(start: pd.Timestamp, hours: np.ndarray) -> np.ndarray:
    """``start`` + hours as datetime64[ns], rounded to the nanosecond (vectorised)."""
    nanos = np.round(np.asarray(hours, dtype=np.float64) * 3.6e12).astype(np.int64)
    return np.datetime64(start.to_datetime64(), "ns") + nanos.astype("timedelta64[ns]")
