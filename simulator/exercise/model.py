"""One city's alert episode played hour by hour: ``Exercise``.

The clock starts at the scenario's start and steps by hour, to the next consultation, to the
next event or to the end. At each daily consultation (``alerts.lifecycle`` timing) the city's
lifecycle — holding every decision so far, the planner's included — proposes what it would
announce; the planner accepts it or decides otherwise. A consultation the clock passes with no
decision takes the proposal (the lifecycle's routine), so an exercise in which every proposal
is accepted, or in which the clock simply runs to the end, is the automatic run.

Decisions become alert windows (``alerts.timeline.Track``; the planner's own with trigger
"human"), the windows the engine's inputs, and ``simulator.city.run.simulate_city`` runs the
whole period; figures "so far" are the same engine run stopped at the clock. Runs are cached
by what they depend on, so a state is cheap to ask for again.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from alerts.levels import Level
from alerts.lifecycle import CityLifecycle, Decision, first_consultation
from alerts.region import Region
from alerts.timeline import Track, hourly_grid, regional_tracks
from alerts.triggers import AlertWindow
from simulator.city.run import CitySimulation, Run, simulate_city
from simulator.core.compliance import ComplianceModel
from simulator.core.engine import CityInputs
from simulator.core.rng import make_rng
from simulator.exercise.decisions import (
    ACTIONS,
    HUMAN,
    ExerciseError,
    Order,
    Rules,
    alert_rows,
    apply,
    parse_level,
    whole_hour,
)
from simulator.io.inputs import TransportInputs
from simulator.spec.scenario import ScenarioSpec

HOUR = pd.Timedelta(hours=1)
STEPS = ("hour", "consultation", "event", "end")
FORMAT_VERSION = 1
# who decided an automatic consultation (the lifecycle's routine, nobody typed a name)
LIFECYCLE = "lifecycle"


@dataclass(frozen=True)
class Proposal:
    """What the lifecycle would announce at this consultation: ``action`` (one of
    ``decisions.ACTIONS``) on ``level`` over ``[start, end)`` with its ``reason``; ``rows``
    the alert tier's decision list it would leave, ``cancelled`` the rows it calls off."""

    at: pd.Timestamp
    action: str
    level: Level | None
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    reason: str
    rows: tuple[Decision, ...] = field(repr=False, default=())
    cancelled: tuple[Decision, ...] = field(repr=False, default=())


@dataclass(frozen=True)
class Setup:
    """Everything an exercise needs, already read (``simulator.exercise.io.open_exercise``).

    ``inputs``: the engine's inputs without windows; ``tiers``: the city's fresh lifecycles
    (alert tier first); ``first``: the first hour the lifecycle consults from (the forecast's
    start when earlier than the scenario's, as ``smogsim run``); ``region`` with the other
    cities' own tracks and the floors that do not depend on this city (unified rules and
    dispatch orders) for linkage; ``pm25``: hourly PM2.5 without measures (µg/m³) or None;
    ``forecast_range``: issued forecast rows with ``daily_aqi_low``/``daily_aqi_high`` or
    None; ``hashes``: sha256 of each input file by role.
    """

    spec: ScenarioSpec
    inputs: CityInputs
    transport: TransportInputs | None
    tiers: tuple[CityLifecycle, ...]
    first: pd.Timestamp
    region: Region | None = None
    others: Mapping[str, Track] = field(default_factory=dict)
    floors: tuple[Mapping[str, Track], ...] = ()
    pm25: pd.Series | None = None
    forecast_range: pd.DataFrame | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)


class Exercise:
    """One planner's rehearsal of one city's scenario (see the module docstring)."""

    def __init__(self, setup: Setup, who: str = ""):
        self.setup = setup
        spec = setup.spec
        self.spec = spec
        self.city = spec.city
        self.start, self.end = spec.start, spec.end
        self.clock = spec.start
        self.who = who
        self.tiers = [copy.copy(t) for t in setup.tiers]
        for tier in self.tiers:  # fresh lists: the setup's lifecycles stay untouched
            tier.decisions, tier.cancelled = list(tier.decisions), list(tier.cancelled)
        alert = self.tiers[0]
        self.rules = Rules(self.city, tuple(alert.steps()), alert.delay_hours)
        self.grid = hourly_grid(setup.first, spec.end)
        hour = alert.rules.consultation_hour
        first = first_consultation(setup.first, hour)
        self.consultations = pd.date_range(first, spec.end - HOUR, freq="24h") \
            if first < spec.end else pd.DatetimeIndex([])
        self.log: list[dict] = []
        self.dispatches: list[dict] = []  # at, county, teams, who
        self.linkage: list[dict] = []  # at, on, who
        self._decided: set[pd.Timestamp] = set()  # consultations a planner has answered
        self._closed: set[pd.Timestamp] = set()  # consultations the clock has left
        self._cache: dict[tuple, CitySimulation] = {}
        self._proposal: tuple[tuple, Proposal | None] | None = None
        self._twin: Exercise | None = None
        for at in self.consultations[self.consultations < self.clock]:
            self._close(at)  # consultations before the exercise: the lifecycle's routine

    # -- the clock ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.clock >= self.end

    @property
    def at_consultation(self) -> bool:
        return self.clock in self.consultations

    def next_consultation(self) -> pd.Timestamp | None:
        later = self.consultations[self.consultations > self.clock]
        return later[0] if len(later) else None

    def step(self, kind: str = "hour") -> None:
        """Move the clock: one ``hour``, to the next ``consultation``, to the next ``event``
        (a consultation, the start or end of an alert window, the end) or to the ``end``.
        Consultations the clock leaves unanswered take their proposal."""
        if kind not in STEPS:
            raise ExerciseError("bad_step", value=kind, expected=", ".join(STEPS))
        if self.finished:
            raise ExerciseError("finished", end=self.end)
        if kind == "hour":
            target = self.clock + HOUR
        elif kind == "consultation":
            target = self.next_consultation() or self.end
        elif kind == "event":
            target = self._next_event()
        else:
            target = self.end
        self._advance(min(target, self.end))

    def move_to(self, when: pd.Timestamp | str) -> None:
        """Move the clock to the hour ``when`` (not back, not past the end), as steps would."""
        target = whole_hour(when, "clock")
        assert target is not None
        if target < self.clock or target > self.end:
            raise ExerciseError("bad_clock", value=target, clock=self.clock, end=self.end)
        self._advance(target)

    def _next_event(self) -> pd.Timestamp:
        times = [self.end]
        nxt = self.next_consultation()
        if nxt is not None:
            times.append(nxt)
        # windows as they stand now; a consultation on the way may change them, and the
        # clock stops at that consultation first
        for w in self.windows():
            times += [t for t in (w.start, w.end) if t > self.clock]
        return min(times)

    def _advance(self, target: pd.Timestamp) -> None:
        for at in self.consultations[(self.consultations >= self.clock)
                                     & (self.consultations < target)]:
            self._close(at)
        self.clock = target

    def _close(self, at: pd.Timestamp) -> None:
        """The clock leaves consultation ``at``: every tier consults (the alert tier only if
        the planner did not answer it)."""
        if at in self._closed:
            return
        if at not in self._decided:
            proposal = self._propose(at)
            if proposal is not None:  # None: the consultation changes nothing
                self._take(proposal, "automatic", LIFECYCLE)
        for tier in self.tiers[1:]:
            tier.consult(at)
        self._closed.add(at)

    # -- proposals and decisions ---------------------------------------------------------------
    def proposal(self) -> Proposal | None:
        """What the lifecycle would announce now (None: nothing new, not a consultation, or
        the planner has already answered it)."""
        if not self.at_consultation or self.clock in self._decided or self.finished:
            return None
        return self._propose(self.clock)

    def _propose(self, at: pd.Timestamp) -> Proposal | None:
        alert = self.tiers[0]
        key = (at, tuple(alert.decisions), tuple(alert.cancelled))
        if self._proposal is not None and self._proposal[0] == key:
            return self._proposal[1]
        before, cancelled = list(alert.decisions), list(alert.cancelled)
        alert.consult(at)
        after, gone = list(alert.decisions), alert.cancelled[len(cancelled):]
        alert.decisions, alert.cancelled = before, cancelled
        proposal = describe(before, after, gone, at)
        self._proposal = (key, proposal)
        return proposal

    def accept(self, who: str | None = None) -> None:
        """Take the proposal as it stands."""
        if not self.at_consultation or self.finished:
            raise ExerciseError("not_consultation", clock=self.clock)
        proposal = self.proposal()
        if proposal is None:
            raise ExerciseError("no_proposal", clock=self.clock)
        self._take(proposal, "accepted", who or self.who)
        self._decided.add(self.clock)

    def _take(self, proposal: Proposal, kind: str, who: str) -> None:
        alert = self.tiers[0]
        alert.decisions = list(proposal.rows)
        alert.cancelled = [*alert.cancelled, *proposal.cancelled]
        self._log(proposal.at, who, kind, proposal.action, proposal.level, proposal.start,
                  proposal.end, "", proposal.reason)

    def decide(self, action: str, who: str | None = None, level: str | None = None,
               start: pd.Timestamp | str | None = None, end: pd.Timestamp | str | None = None,
               note: str = "") -> None:
        """The planner's own decision now (see ``simulator.exercise.decisions``): issue,
        upgrade, downgrade, extend, lift or shift. At a consultation it answers the
        consultation instead of the proposal."""
        if self.finished:
            raise ExerciseError("finished", end=self.end)
        if action not in ACTIONS:
            raise ExerciseError("bad_action", value=action, expected=", ".join(ACTIONS))
        order = Order(action, parse_level(level, self.rules), whole_hour(start, "start"),
                      whole_hour(end, "end"))
        name = who or self.who
        alert = self.tiers[0]
        before = alert_rows(alert.decisions, self.clock)
        was = alert.decisions[-1].level if before is not None else None
        rows, cancelled = apply(alert.decisions, order, self.clock, self.rules, name,
                                str(note))
        alert.decisions, alert.cancelled = rows, [*alert.cancelled, *cancelled]
        # the alert as it stands after the decision (a lift: its last hour, or nothing)
        k = alert_rows(rows, self.clock)
        after = rows[k:] if k is not None else []
        level = order.level or (after[-1].level if after else was)
        start = after[0].start if after else None
        end = after[-1].end if after else (order.end or self.clock)
        self._log(self.clock, name, HUMAN, action, level, start, end, str(note), "",
                  order_start=order.start, order_end=order.end)
        if self.at_consultation:
            self._decided.add(self.clock)

    def dispatch(self, county: str, teams: int, who: str | None = None) -> None:
        """Inspection teams in ``county`` from now on (the compliance model is on for the
        exercise once a team is dispatched)."""
        if self.finished:
            raise ExerciseError("finished", end=self.end)
        counties = sorted(set(self.setup.inputs.inventory.counties.astype(str)))
        if county not in counties:
            raise ExerciseError("bad_county", value=county, expected=", ".join(counties))
        if isinstance(teams, bool) or not isinstance(teams, (int, np.integer)) or teams < 0:
            raise ExerciseError("bad_teams", value=str(teams))
        name = who or self.who
        self.dispatches.append({"at": self.clock, "county": county, "teams": int(teams),
                                "who": name})
        self._log(self.clock, name, HUMAN, "dispatch", None, self.clock, None, "", "",
                  county=county, teams=int(teams))

    def set_linkage(self, on: bool, who: str | None = None) -> None:
        """Regional linkage on or off from now on (a scenario with a region file only)."""
        if self.setup.region is None:
            raise ExerciseError("no_region")
        if self.finished:
            raise ExerciseError("finished", end=self.end)
        name = who or self.who
        self.linkage.append({"at": self.clock, "on": bool(on), "who": name})
        self._log(self.clock, name, HUMAN, "linkage_on" if on else "linkage_off", None,
                  self.clock, None, "", "")

    def _log(self, at, who, kind, action, level, start, end, note, reason, **extra) -> None:
        self.log.append({"at": at, "who": who, "kind": kind, "action": action,
                         "level": level.id if isinstance(level, Level) else level,
                         "start": start, "end": end, "county": None, "teams": None,
                         "order_start": None, "order_end": None, "note": note,
                         "reason": reason, **extra})

    # -- windows and runs ----------------------------------------------------------------------
    def _linkage_mask(self) -> np.ndarray:
        on = np.ones(len(self.grid), bool)
        for change in self.linkage:
            on[self.grid >= change["at"]] = change["on"]
        return on

    def windows(self) -> tuple[AlertWindow, ...]:
        """The city's alert windows from every decision so far (as ``alerts.timeline``)."""
        track = Track.empty(self.grid)
        for tier in self.tiers:  # the alert tier first, so its decisions win ties
            track = track.raised_by(Track.of(self.grid, tier.decisions))
        region = self.setup.region
        if region is not None and self.city in region.cities():
            mask = self._linkage_mask()
            own = {**self.setup.others, self.city: track}
            floors = [regional_tracks(region, own, self.grid)[self.city],
                      *(f[self.city] for f in self.setup.floors if self.city in f)]
            for floor in floors:
                track = track.raised_by(_masked(floor, mask))
        return tuple(track.windows(self.city))

    def _key(self, until: pd.Timestamp | None = None) -> tuple:
        return (self.windows(), tuple((d["at"], d["county"], d["teams"])
                                      for d in self.dispatches), until)

    def _compliance(self) -> ComplianceModel | None:
        model = self.setup.inputs.compliance
        if not self.dispatches:
            return model
        # off in the scenario: on for the exercise, with only the teams the planner sends
        return model if model is not None and model.enabled else ComplianceModel(
            enabled=True, teams_per_county=0)

    def _simulate(self, until: pd.Timestamp | None = None) -> CitySimulation:
        """The engine over the whole period (``until`` None) or up to ``until``."""
        key = self._key(until)
        if key not in self._cache:
            windows = key[0]
            inputs = replace(self.setup.inputs, windows=windows,
                             compliance=self._compliance(), dispatch=tuple(
                                 (float((d["at"] - self.start) / HOUR), d["county"], d["teams"])
                                 for d in self.dispatches))
            if until is not None:
                inputs = replace(inputs, end=until, windows=tuple(
                    replace(w, end=min(w.end, until)) for w in windows if w.start < until))
            rng = make_rng(self.spec.seed, self.city)
            self._cache[key] = simulate_city(inputs, rng, self.setup.transport)
        return self._cache[key]

    def result(self) -> Run:
        """The whole period with the decisions made (what ``export_run`` writes)."""
        city = self._simulate()
        return Run(self.spec, city.result, city.timings, city.transport)

    def so_far(self) -> CitySimulation | None:
        """The engine run stopped at the clock (None at the start: nothing has happened)."""
        return None if self.clock <= self.start else self._simulate(self.clock)

    def automatic(self) -> Run:
        """The same inputs with the automatic lifecycle only (the exercise nobody touched)."""
        return self.twin().result()

    def twin(self) -> Exercise:
        """The exercise nobody touched, played to the end (made once)."""
        if self._twin is None:
            self._twin = Exercise(self.setup, self.who)
            self._twin.step("end")
        return self._twin

    # -- the record ----------------------------------------------------------------------------
    def record(self) -> dict:
        """The exercise as plain data (the exercise file; ``simulator.exercise.io``)."""
        from simulator.exercise.record import to_record

        return to_record(self)

    def state(self, lang: str = "zh") -> dict:
        """A JSON-safe snapshot for a page (``simulator.exercise.state``)."""
        from simulator.exercise.state import snapshot

        return snapshot(self, lang)

    def comparison(self, lang: str = "zh") -> list[dict]:
        """Per pollutant the exercise against the automatic run (``state.compare``)."""
        from simulator.exercise.state import compare

        return compare(self, self.twin(), lang)


def _masked(track: Track, on: np.ndarray) -> Track:
    return Track(track.grid, np.where(on, track.level, 0), np.where(on, track.owner, -1),
                 track.decisions)


def describe(before: list[Decision], after: list[Decision], gone: list[Decision],
             at: pd.Timestamp) -> Proposal | None:
    """The change from ``before`` to ``after`` as one action, None when nothing changes."""
    if before == after and not gone:
        return None
    rows, cancelled = tuple(after), tuple(gone)
    k_new, k_old = alert_rows(after, at), alert_rows(before, at)
    new = after[k_new:] if k_new is not None else []
    old = before[k_old:] if k_old is not None else []
    if not new:
        if not old:
            return Proposal(at, "keep", None, None, None, "", rows, cancelled)
        cut = next((d for d in reversed(after) if d.end is not None and d.end <= at), None)
        reason = cut.text if cut is not None and cut.start >= old[0].start else ""
        return Proposal(at, "lift", old[-1].level, None, at, reason, rows, cancelled)
    if not old:
        first = new[0]
        return Proposal(at, "issue", first.level, first.start, new[-1].end, first.text, rows,
                        cancelled)
    changed = next((d for d in new if d not in old
                    and d.level != _level_before(old, d.start)), None)
    if changed is not None:
        verb = "upgrade" if changed.level > _level_before(old, changed.start) else "downgrade"
        return Proposal(at, verb, changed.level, changed.start, new[-1].end, changed.text,
                        rows, cancelled)
    old_end, new_end = old[-1].end, new[-1].end
    if new[0].start != old[0].start:
        return Proposal(at, "shift", new[0].level, new[0].start, new_end, new[0].text, rows,
                        cancelled)
    if old_end != new_end:
        later = new_end is None or (old_end is not None and new_end > old_end)
        return Proposal(at, "extend" if later else "lift", new[-1].level, None, new_end,
                        new[-1].text, rows, cancelled)
    return Proposal(at, "keep", new[-1].level, None, new_end, new[-1].text, rows, cancelled)


def _level_before(rows: list[Decision], when: pd.Timestamp) -> Level:
    for row in rows:
        if row.start <= when and (row.end is None or when < row.end):
            return row.level
    return rows[-1].level if rows and rows[-1].end is not None and when >= rows[-1].end \
        else rows[0].level

