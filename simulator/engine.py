"""The engine: simpy schedules the decisions, numpy holds the state, emissions integrate exactly.

simpy events here are decisions, not clock ticks: an alert issued, a response starting at a new
level, a response ending. Between two events every enterprise emits at a constant rate, so the
tonnes emitted are ``rate × hours`` — no hourly sampling (docs/design.md).
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
from enterprises.measures import MeasureTable, required_cut
from simulator.accounting import Ledger
from simulator.results import RunResult

HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class CityInputs:
    """One city's model inputs, free of file paths: arrays, tables and windows."""

    city: str
    start: pd.Timestamp
    end: pd.Timestamp
    inventory: Inventory
    area_rates: np.ndarray  # (4,) t/h outside the list, by pollutant
    windows: tuple[AlertWindow, ...]
    rules: RuleSet
    measures: MeasureTable


class Simulation:
    """One city through one period: ``Simulation(inputs, rng).run()`` → ``RunResult``."""

    def __init__(self, inputs: CityInputs, rng: np.random.Generator):
        self.inputs = inputs
        self.rng = rng  # one generator per run; later behaviour models draw from it
        self.env = simpy.Environment()
        inv = inputs.inventory
        self.base_rates = inv.hourly_rates()  # (n, 4) t/h
        self.cut = np.zeros(len(inv))  # production cut fraction now in force
        self.level = Level.NONE
        self.ledger = Ledger(self.base_rates.sum(axis=0), inputs.area_rates, inputs.rules)
        self.actual = np.zeros_like(self.base_rates)  # tonnes per enterprise so far
        self._last = 0.0
        self.audit: list[pd.DataFrame] = []
        self.timeline: list[dict] = []

    # -- time -------------------------------------------------------------------------------
    def hours(self, when: pd.Timestamp) -> float:
        return (when - self.inputs.start) / HOUR

    def clock(self) -> pd.Timestamp:
        return self.inputs.start + self.env.now * HOUR

    def _integrate(self) -> None:
        """Advance the tonnes emitted to ``env.now`` at the rates in force since the last event."""
        dt = self.env.now - self._last
        if dt > 0:
            rates = self.base_rates * (1.0 - self.cut)[:, None]
            self.actual += rates * dt
            self.ledger.add(rates.sum(axis=0), dt)
            self._last = self.env.now

    # -- decisions --------------------------------------------------------------------------
    def set_level(self, level: Level, window: AlertWindow | None) -> None:
        """Apply ``level``'s measures to every enterprise at once (one vectorised lookup)."""
        self._integrate()
        inv = self.inputs.inventory
        new_cut = required_cut(inv, level, self.inputs.measures)
        changed = np.flatnonzero(new_cut != self.cut)
        if len(changed):
            self.audit.append(pd.DataFrame({
                "time": self.clock(),
                "city": self.inputs.city,
                "enterprise": inv.ids[changed],
                "industry": inv.industries[changed],
                "grade": inv.grades[changed],
                "level": level.id,
                "rule": [f"{i}/{g}/{level.id}" for i, g in
                         zip(inv.industries[changed], inv.grades[changed], strict=True)],
                "cut_before": self.cut[changed],
                "cut_after": new_cut[changed],
            }))
        self.cut = new_cut
        self.level = level
        self.ledger.enter(level, self.env.now, window)

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

    def run(self) -> RunResult:
        """Run to the end of the period and return the tallies."""
        horizon = self.hours(self.inputs.end)
        windows = [w for w in self.inputs.windows
                   if w.end > self.inputs.start and w.start < self.inputs.end]
        starts = {w.start for w in windows}
        for window in windows:
            self.env.process(self._window(window, follows=window.end in starts))
        self.ledger.enter(Level.NONE, 0.0, None)
        self.env.run(until=horizon)
        self._integrate()
        self.ledger.close(horizon)
        return RunResult.build(self)
