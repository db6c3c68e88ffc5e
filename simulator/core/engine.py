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
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
import simpy

from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import AlertWindow
from enterprises.area import AreaSource
from enterprises.inventory import Inventory
from enterprises.measures import MeasureTable
from enterprises.processes import ramp_hours
from enterprises.response import Response, lower_alert_level, respond, stricter
from enterprises.seasonal import SeasonalControl
from simulator.core.accounting import Ledger
from simulator.core.compliance import (
    COMPLIANT,
    INFLATION,
    Behaviour,
    ComplianceModel,
    achieved_targets,
    draw_behaviour,
)
from simulator.core.inspections import Inspections, Process
from simulator.core.record import CORRECTED_TAG, Decision, EngineRecord, Episode
from simulator.core.results import RunResult

HOUR = pd.Timedelta(hours=1)
HOURS_PER_DAY = 24.0
GROUP_KEYS = ("city", "county", "industry", "grade")


@dataclass(frozen=True)
class CityInputs:
    """One city's model inputs, free of file paths: arrays, tables and windows.

    ``area_cuts`` (len(Level), 4): fraction of ``area_rates`` cut at each level (area-source
    measures); None → area sources are never cut. ``seasonal``: seasonal production-control
    periods beneath the alerts. ``compliance``: behaviour, monitoring and inspection
    (``simulator.core.compliance``); None or disabled → every plant does exactly what is required.
    ``area_sectors``: the sectors summed in ``area_rates``; whether ``mobile`` is among them
    decides if a truck gate's cut counts towards the city-wide cut. ``mobile``: that sector
    with its cuts, so that the gate's trucks are cut once (``simulator.city.trucks``).
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
    compliance: ComplianceModel | None = None  # None or disabled: full compliance
    area_sectors: tuple[str, ...] = ()  # names of the area sources in area_rates (mobile, …)
    mobile: AreaSource | None = None  # the mobile sector, also in area_rates and area_cuts
    # inspection teams sent during the run: (hour from start, county, teams) (an exercise)
    dispatch: tuple[tuple[float, str, int], ...] = ()


class Ramps:
    """Per-line production and emission cuts, piecewise linear in time.

    Each line holds ``*_from`` until ``t0``, moves linearly to ``*_to`` at ``t1`` and stays
    there (``t0 = t1``: a step at ``t0``). ``t0`` is later than the decision only for a late
    responder; every other ramp starts at its decision.
    """

    def __init__(self, n_lines: int):
        self.out_from, self.out_to = np.zeros(n_lines), np.zeros(n_lines)
        self.em_from, self.em_to = np.zeros(n_lines), np.zeros(n_lines)
        self.t0, self.t1 = np.zeros(n_lines), np.zeros(n_lines)
        self.latest_start = 0.0  # max(t0): past it, no ramp waits

    def at(self, t, left: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Production and emission cut of every line at time ``t`` (hours), (L,) each.

        ``left``: the limit from the left, which differs only at a step (``t0 = t1 = t``).
        """
        span = self.t1 - self.t0
        frac = np.ones_like(span)
        np.divide(t - self.t0, span, out=frac, where=span > 0)
        frac = np.clip(frac, 0.0, 1.0)
        if self.latest_start > 0:  # late responders: a step may lie ahead of t
            step = (t > self.t1) if left else (t >= self.t1)
            frac = np.where(span > 0, frac, step.astype(float))
        return (self.out_from + (self.out_to - self.out_from) * frac,
                self.em_from + (self.em_to - self.em_from) * frac)

    def integral(self, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        """∫ cut dt over [a, b] per line, hours of full cut: (production, emissions), exact.

        Each line is flat up to ``t0``, linear to ``t1`` and flat after: the trapezoid rule on
        each of the (up to) three pieces integrates it exactly.
        """
        m1 = np.clip(self.t1, a, b)
        (out_a, em_a), (out_b, em_b) = self.at(a), self.at(b)
        if self.latest_start <= a:  # every ramp started by a: two pieces split at t1
            out_m, em_m = self.at(m1)
            left, right = m1 - a, b - m1
            return (0.5 * ((out_a + out_m) * left + (out_m + out_b) * right),
                    0.5 * ((em_a + em_m) * left + (em_m + em_b) * right))
        m0 = np.clip(self.t0, a, b)
        (out_0, em_0), (out_1, em_1) = self.at(m0, left=True), self.at(m1)
        w0, w1, w2 = m0 - a, m1 - m0, b - m1
        return (0.5 * ((out_a + out_0) * w0 + (out_0 + out_1) * w1 + (out_1 + out_b) * w2),
                0.5 * ((em_a + em_0) * w0 + (em_0 + em_1) * w1 + (em_1 + em_b) * w2))

    def move(self, lines: np.ndarray, now: float, new_out: np.ndarray, new_em: np.ndarray,
             ramp_down: np.ndarray, ramp_up: np.ndarray, delay: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Put ``lines`` on ramps from their cut at ``now`` (after ``delay`` h) to the new cuts.

        ``ramp_down``/``ramp_up`` (L,): hours for a full-load change. Returns the cuts before
        (production, emissions) and each ramp's end.
        """
        out_now, em_now = self.at(now)
        d_out, d_em = new_out - out_now[lines], new_em - em_now[lines]
        direction = np.where(d_out != 0, d_out, d_em)
        full = np.where(direction > 0, ramp_down[lines], ramp_up[lines])
        start = now if delay is None else now + delay
        end = start + np.maximum(np.abs(d_out), np.abs(d_em)) * full
        self.out_from[lines], self.em_from[lines] = out_now[lines], em_now[lines]
        self.out_to[lines], self.em_to[lines] = new_out, new_em
        self.t0[lines], self.t1[lines] = start, end
        if delay is not None and len(lines):
            self.latest_start = max(self.latest_start, float(np.max(start)))
        return out_now[lines], em_now[lines], end


class Simulation:
    """One city through one period: ``Simulation(inputs, rng).run()`` → ``RunResult``.

    With a compliance model (``CityInputs.compliance``, enabled) two sets of ramps run side by
    side: the *required* cuts (what the measures ask) and the *achieved* ones (what each plant
    does, ``simulator.core.compliance``), corrected by inspection findings. Emissions, tallies and
    the audit log follow the achieved cuts; the required ones feed ``verification.csv`` and the
    required cut % of ``episodes.csv``. Without one, both are the same object.

    The simulation schedules the decisions; the inspection teams are ``Inspections``
    (``simulator.core.inspections``), and the tables are made by ``RunResult.build`` from
    ``record()``, an ``EngineRecord`` that holds no reference to the simulation.
    """

    def __init__(self, inputs: CityInputs, rng: np.random.Generator):
        self.inputs = inputs
        self.rng = rng  # one generator per run; the behaviour model draws from it up front
        self.env = simpy.Environment()
        inv = inputs.inventory
        lines = list_arrays(inv)
        self.line_owner, self.base_rates = lines.line_owner, lines.base_rates
        self.line_rates, self.line_value = lines.line_rates, lines.line_value
        self.ramp_down, self.ramp_up = lines.ramp_down, lines.ramp_up
        self.line_start, self.line_no = lines.line_start, lines.line_no
        self.group_of_line, self.groups = lines.group_of_line, lines.groups
        n_lines = inv.n_lines
        self.model = inputs.compliance or ComplianceModel()
        self.enabled = self.model.enabled
        self.required = Ramps(n_lines)
        self.achieved = Ramps(n_lines) if self.enabled else self.required
        self.level = Level.NONE
        self.season_on = [False] * len(inputs.seasonal)
        self.area_cuts = (np.zeros((len(Level), 4)) if inputs.area_cuts is None
                          else np.asarray(inputs.area_cuts, float))
        self.actual = np.zeros((n_lines, 4))  # tonnes per line so far
        self.lost = np.zeros(n_lines)  # output value lost per line so far, 万元
        self.cut_hours = np.zeros(n_lines)  # ∫ achieved emission cut dt per line, h
        self.required_cut_hours = np.zeros(n_lines) if self.enabled else self.cut_hours
        self.ledger = Ledger(
            self.base_rates.sum(axis=0), inputs.area_rates, inputs.rules,
            group_base_rate=lines.group_base_rate, group_value_rate=lines.group_value_rate)
        self.ledger.track_required = self.enabled
        self._last = 0.0
        self.ramps: list[dict] = []  # per decision with ramps: when its last line arrived
        self._responses = shared_responses(inputs)
        self.audit: list[Decision] = []  # per decision: arrays of the lines that changed
        self.issued: list[AlertWindow] = []  # alert windows in the order they were issued
        self.episode = 0
        self.episodes: list[Episode] = []
        self.behaviour = self._draw_behaviour(inv)
        self.inflating = False
        self.inflate_mask = np.zeros(len(inv), bool)
        self.inspections = Inspections(self.env, self.model, inv, self.behaviour, self._correct,
                                       inputs.dispatch)

    def _draw_behaviour(self, inv: Inventory) -> Behaviour:
        """What each plant does, drawn up front (everyone complies with the model off)."""
        online = inv.online_monitoring
        if not self.enabled:
            return Behaviour.compliant(len(inv), online)
        assert online is not None  # Inventory fills its optional arrays
        return draw_behaviour(self.model, inv.grades, online, self.rng)

    # -- time -------------------------------------------------------------------------------
    def hours(self, when: pd.Timestamp) -> float:
        return (when - self.inputs.start) / HOUR

    def clock(self, hours: float | None = None) -> pd.Timestamp:
        return self.inputs.start + (self.env.now if hours is None else hours) * HOUR

    def cuts_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Achieved production and emission cut of every line at time ``t`` (hours), (L,) each."""
        return self.achieved.at(t)

    def _integrate(self) -> None:
        """Advance tonnes and output lost to ``env.now``, exactly (``Ramps.integral``)."""
        a, b = self._last, self.env.now
        if b <= a:
            return
        out_hours, em_hours = self.achieved.integral(a, b)
        tonnes = self.line_rates * ((b - a) - em_hours)[:, None]
        self.actual += tonnes
        self.lost += self.line_value * out_hours
        self.cut_hours += em_hours
        required = None
        if self.enabled:  # what full compliance would have emitted, by the same arithmetic
            _, req_hours = self.required.integral(a, b)
            self.required_cut_hours += req_hours
            required = (self.line_rates * ((b - a) - req_hours)[:, None]).sum(axis=0)
        area = self.inputs.area_rates * (1.0 - self.area_cuts[self.level]) * (b - a)
        self.ledger.add(tonnes.sum(axis=0), area, required)
        self._last = b

    def group_totals(self) -> np.ndarray:
        """Cumulative (tonnes of 4 pollutants, output lost) per group so far, (G, 5)."""
        n = len(self.groups)
        return np.column_stack([_bincount2(self.group_of_line, self.actual, n),
                                np.bincount(self.group_of_line, weights=self.lost, minlength=n)])

    # -- decisions --------------------------------------------------------------------------
    def requirement(self, level: Level | None = None) -> Response:
        """What ``level`` (default: the current one) and the seasonal periods in force require
        (cached per combination)."""
        level = self.level if level is None else level
        key = (level, tuple(self.season_on))
        if key not in self._responses:
            lower = lower_alert_level(level)
            # A higher level asks at least what the lower one did (seasonal floor included).
            floor = self.requirement(lower) if lower is not None else self._seasonal_floor()
            self._responses[key] = respond(self.inputs.inventory, level, self.inputs.measures,
                                           floor=floor, cumulative=False)
        return self._responses[key]

    def _seasonal_floor(self) -> Response | None:
        """The stricter of the seasonal production-control periods in force, if any."""
        inv, floor = self.inputs.inventory, None
        for control, on in zip(self.inputs.seasonal, self.season_on, strict=True):
            if on:
                season = control.response(inv)
                floor = season if floor is None else stricter(floor, season, inv)
        return floor

    def apply(self) -> None:
        """Move every line whose requirement changed onto a ramp towards its new cut."""
        self._integrate()
        need = self.requirement()
        if not self.enabled:
            self._move(self.required, need, need.line_cut, need.line_emission_cut)
            return
        self._move(self.required, need, need.line_cut, need.line_emission_cut, audit=False)
        out, em, delay, tag = self._achieved_targets(need)
        self._move(self.achieved, need, out, em, delay=delay, tag=tag, ramps_event=False)

    def _correct(self, who: int) -> None:
        """An inspection finding takes effect (``Inspections.corrected``): ``who`` now does
        what is required, and a ramp it was still waiting to start (a late responder) starts
        now."""
        self._integrate()
        lines = np.arange(self.line_start[who],
                          self.line_start[who] + self.inputs.inventory.lines[who])
        out, em, delay, tag = self._achieved_targets(self.requirement(), lines)
        waiting = self.achieved.t0[lines] > self.env.now
        self._move(self.achieved, self.requirement(), out, em, delay=delay, tag=tag,
                   waiting=waiting, ramps_event=False, lines=lines)

    def _achieved_targets(self, need: Response, lines: np.ndarray | None = None
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Achieved production and emission cut targets, delays and behaviour tags (``MODES``
        index or ``CORRECTED_TAG``) of ``lines`` (default: every line)."""
        b = self.behaviour
        sub = slice(None) if lines is None else lines
        who = self.line_owner[sub]
        corrected = self.inspections.corrected[who]
        factor = np.where(corrected, 1.0, b.factor[who])
        inflation = np.where(self.inflating & self.inflate_mask[who] & ~corrected,
                             b.inflation[who], 0.0)
        delay = np.where(corrected, 0.0, b.delay[who])
        tag = np.where(corrected & (b.mode[who] != COMPLIANT), CORRECTED_TAG, b.mode[who])
        return (achieved_targets(need.line_cut[sub], factor, inflation),
                achieved_targets(need.line_emission_cut[sub], factor, inflation), delay, tag)

    def _move(self, track: Ramps, need: Response, out: np.ndarray, em: np.ndarray,
              delay: np.ndarray | None = None, tag: np.ndarray | None = None,
              waiting: np.ndarray | None = None, audit: bool = True,
              ramps_event: bool = True, lines: np.ndarray | None = None) -> None:
        """Ramp the lines (all, or ``lines``) whose target differs from ``track``'s, or that
        are ``waiting``; ``out``/``em``/``delay``/``tag`` are given for those lines."""
        now = self.env.now
        sub = slice(None) if lines is None else lines
        moved = (out != track.out_to[sub]) | (em != track.em_to[sub])
        if waiting is not None:
            moved |= waiting
        pick = np.flatnonzero(moved)
        if len(pick) == 0:
            return
        changed = pick if lines is None else lines[pick]
        if delay is not None:  # a late plant waits only before cutting more, never to relax
            out_now, em_now = track.at(now)
            more = (out[pick] > out_now[changed]) | (em[pick] > em_now[changed])
            delay = np.where(more, delay[pick], 0.0)
        before_out, before_em, end = track.move(changed, now, out[pick], em[pick],
                                                self.ramp_down, self.ramp_up, delay)
        if audit:  # rows are kept as arrays, made into one frame by the results layer
            self.audit.append(Decision(
                now, self.level.id, changed, need, before_out, out[pick], before_em, em[pick],
                end, None if tag is None else tag[pick]))
        if ramps_event and end.max() > now:
            self.env.process(self._ramps_done(float(end.max()), len(changed)))

    def _ramps_done(self, t: float, lines: int) -> Process:
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
        previous, self.level = self.level, level
        if previous == Level.NONE and level != Level.NONE:
            self._episode_starts()
        elif level == Level.NONE and previous != Level.NONE:
            self._episode_ends()
        self.apply()
        self.ledger.enter(level, self.env.now, window, self.group_totals())
        if level != Level.NONE:
            self.episodes[-1].level = max(self.episodes[-1].level, level)
            if self.enabled:
                self.inspections.enqueue(self.requirement())

    # -- episodes, inflation ------------------------------------------------------------------
    def _episode_starts(self) -> None:
        self.episode += 1
        self.episodes.append(Episode(self.episode, self.env.now, self.cut_hours.copy(),
                                     self.required_cut_hours.copy()))
        self.inspections.start_episode(self.episode)

    def _episode_ends(self) -> None:
        episode = self.episodes[-1]
        episode.end = self.env.now
        episode.cut1 = self.cut_hours.copy()
        episode.required1 = self.required_cut_hours.copy()
        self.inflating = False
        self.inspections.end_episode()

    def _inflate(self, window: AlertWindow) -> Process:
        """Baseline inflation before an episode: from ``inflation_hours`` before the response
        (not before the alert is issued) plants of that mode raise their emissions."""
        env = self.env
        start = max(0.0, self.hours(window.start))
        at = max(env.now, start - self.model.inflation_hours)
        yield env.timeout(at - env.now)
        if self.level != Level.NONE or self.inflating:
            return
        need = self.requirement(window.level)
        mask = ((self.behaviour.mode == INFLATION) & ~self.inspections.corrected &
                ((need.cut > 0) | (need.emission_cut > 0)))
        if mask.any():
            self.inflate_mask, self.inflating = mask, True
            self.apply()

    def _window(self, window: AlertWindow, follows: bool) -> Process:
        env = self.env
        issued, start, end = (max(0.0, self.hours(t)) for t in
                              (window.issued_at, window.start, window.end))
        yield env.timeout(issued - env.now)
        self.issued.append(window)
        if self.enabled and self.model.inflation > 0:
            env.process(self._inflate(window))
        yield env.timeout(start - env.now)
        self.set_level(window.level, window)
        yield env.timeout(end - env.now)
        if not follows:  # no window takes over at this instant: the response ends
            self.set_level(Level.NONE, None)

    def _season(self, k: int, control: SeasonalControl, horizon: float) -> Process:
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

    def run(self, *, tally_only: bool = False) -> RunResult:
        """Run to the end of the period and return the tallies (``tally_only``: the alert
        and episode tables only, ``RunResult.build``)."""
        return RunResult.build(self.play(), tally_only=tally_only)

    def play(self) -> EngineRecord:
        """Run to the end of the period; what the run left (``record``), no tables yet."""
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
        if self.episodes and np.isnan(self.episodes[-1].end):  # an episode open at the end
            self._episode_ends()
        self.ledger.close(horizon, self.group_totals())
        return self.record()

    def record(self) -> EngineRecord:
        """What the run left so far, for the results layer (``RunResult.build``)."""
        inputs = self.inputs
        return EngineRecord(
            city=inputs.city, start=inputs.start, hours=self.env.now,
            inventory=inputs.inventory, line_owner=self.line_owner, line_no=self.line_no,
            rules=inputs.rules, base_rates=self.base_rates, ledger=self.ledger,
            groups=self.groups, enterprise_actual=self.enterprise_actual(),
            enterprise_lost=self.enterprise_lost(), issued=tuple(self.issued),
            audit=tuple(self.audit), episodes=tuple(self.episodes), compliance=self.enabled,
            behaviour=self.behaviour, flags=tuple(self.inspections.flags),
            visits=tuple(self.inspections.visits))

    # -- per-enterprise views ----------------------------------------------------------------
    def enterprise_actual(self) -> np.ndarray:
        """Tonnes emitted per enterprise so far, (n, 4)."""
        return _bincount2(self.line_owner, self.actual, len(self.inputs.inventory))

    def enterprise_lost(self) -> np.ndarray:
        """Output value lost per enterprise so far, 万元, (n,)."""
        return np.bincount(self.line_owner, weights=self.lost,
                           minlength=len(self.inputs.inventory))


def _bincount2(codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Column-wise bincount: sums of ``weights`` (m, k) rows per code, shape (n, k)."""
    return np.column_stack([np.bincount(codes, weights=weights[:, j], minlength=n)
                            for j in range(weights.shape[1])]) if n else np.zeros((0, 4))


@dataclass(frozen=True)
class ListArrays:
    """What a run reads of its list and never changes, per line unless named: built once per
    list and shared, read-only, by every run of that list in the process (a replay runs a
    city's list once per episode, rule set, forecast and replicate)."""

    line_owner: np.ndarray  # enterprise of each line
    base_rates: np.ndarray  # (n, 4) t/h per enterprise
    line_rates: np.ndarray  # (L, 4) t/h
    line_value: np.ndarray  # 万元/h at full production
    ramp_down: np.ndarray  # hours for a full-load change, down and up
    ramp_up: np.ndarray
    line_start: np.ndarray  # (n,) first line of each enterprise
    line_no: np.ndarray  # line number within its enterprise, from 1
    group_of_line: np.ndarray  # group code (``_groups``)
    groups: pd.DataFrame  # the groups' (city, county, industry, grade), sorted
    group_base_rate: np.ndarray  # (G, 4) t/h
    group_value_rate: np.ndarray  # (G,) 万元/h


_LIST_ARRAYS: WeakKeyDictionary[Inventory, ListArrays] = WeakKeyDictionary()
# Responses per list, then per (measure table, seasonal controls) object: the cached entry
# keeps those objects alive, so their ids cannot be reused while it lives.
_RESPONSES: WeakKeyDictionary[Inventory, dict[tuple[int, int], tuple]] = WeakKeyDictionary()


def list_arrays(inv: Inventory) -> ListArrays:
    """``inv``'s ``ListArrays`` (an inventory is frozen and compares by identity)."""
    if inv not in _LIST_ARRAYS:
        _LIST_ARRAYS[inv] = _build_list_arrays(inv)
    return _LIST_ARRAYS[inv]


def _build_list_arrays(inv: Inventory) -> ListArrays:
    owner = inv.line_owner
    assert inv.processes is not None  # Inventory fills its optional arrays
    ramp_down, ramp_up = ramp_hours(inv.processes[owner])
    line_start = np.concatenate([[0], np.cumsum(inv.lines)[:-1]]).astype(np.int64)
    line_rates = inv.line_hourly_rates()
    line_value = inv.line_output_value() / HOURS_PER_DAY
    group_of_line, groups = _groups(inv)
    arrays = ListArrays(
        line_owner=owner, base_rates=inv.hourly_rates(), line_rates=line_rates,
        line_value=line_value, ramp_down=ramp_down, ramp_up=ramp_up, line_start=line_start,
        line_no=np.arange(inv.n_lines) - line_start[owner] + 1, group_of_line=group_of_line,
        groups=groups,
        group_base_rate=_bincount2(group_of_line, line_rates, len(groups)),
        group_value_rate=np.bincount(group_of_line, weights=line_value,
                                     minlength=len(groups)))
    for value in vars(arrays).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return arrays


def shared_responses(inputs: CityInputs) -> dict[tuple, Response]:
    """The cache of ``Simulation.requirement`` for ``inputs``' list, measure table and
    seasonal controls, shared by every run of them in the process: a response depends on
    nothing else, and working it out is a large part of a short run."""
    per_list = _RESPONSES.setdefault(inputs.inventory, {})
    key = (id(inputs.measures), id(inputs.seasonal))
    if key not in per_list:
        per_list[key] = (inputs.measures, inputs.seasonal, {})
    return per_list[key][2]


def _groups(inv: Inventory) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per line and the groups' (city, county, industry, grade) table, sorted."""
    frame = pd.DataFrame({"city": inv.cities, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    if frame.empty:
        return np.zeros(0, dtype=np.int64), frame
    # Factorize each column sorted, then combine the codes: the same sorted groups as a
    # MultiIndex factorize, several times faster on a national list.
    per_column = [pd.factorize(frame[key].to_numpy(dtype=object), sort=True) for key in frame]
    shape = tuple(len(uniques) for _, uniques in per_column)
    flat = np.ravel_multi_index(tuple(codes for codes, _ in per_column), shape)
    present, codes = np.unique(flat, return_inverse=True)
    columns = np.unravel_index(present, shape)
    groups = pd.DataFrame({key: np.asarray(uniques, dtype=object)[col]
                           for key, (_, uniques), col in zip(GROUP_KEYS, per_column, columns,
                                                              strict=True)})
    return codes.reshape(-1)[inv.line_owner], groups
