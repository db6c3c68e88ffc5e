"""Inspection teams in time: per county a queue of targets, rounds of visits and findings.

``simulator.core.compliance`` holds the pure parts (the behaviour drawn, the priority order,
why visits go in rounds); ``Inspections`` runs them on the engine's simpy environment. The
engine tells it when an episode starts and ends and what the level asks (``enqueue``); it
tells the engine when a finding takes effect (``correct``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from enterprises.inventory import Inventory
from enterprises.response import Response
from simulator.core.compliance import COMPLIANT, MODES, Behaviour, ComplianceModel, priority_rank
from simulator.core.record import Flags, Visit

Process = Generator[simpy.Event, object, None]  # what a simpy process function returns
RELEASE_SLACK_H = 1e-9  # float slack when a flag's release time meets a round boundary


def _no_targets() -> tuple[np.ndarray, np.ndarray]:
    """An empty queue: (priority ranks, release times)."""
    return np.zeros(0, np.int64), np.zeros(0)


class Inspections:
    """A city's inspection teams through the run, and what they find.

    Teams are a ``simpy.Resource`` per county (``model.teams_in``; none when the model is off).
    ``schedule``: teams sent during the run, ``(hour, county, teams)`` — from that hour the
    county works with that many teams (an exercise's dispatch orders).
    Each episode, every county's teams visit the best open target each round; a plant found
    not complying is ``corrected`` after ``correction_hours`` through ``correct(who)``.
    """

    def __init__(self, env: simpy.Environment, model: ComplianceModel, inventory: Inventory,
                 behaviour: Behaviour, correct: Callable[[int], None],
                 schedule: tuple[tuple[float, str, int], ...] = ()):
        self.env = env
        self.model = model
        self.behaviour = behaviour
        self.correct = correct  # the engine's: ``who`` now does what is required
        n = len(inventory)
        self.corrected = np.zeros(n, bool)  # findings that took effect
        self.enqueued = np.zeros(n, bool)  # targets already queued in this episode
        self.flags: list[Flags] = []
        self.visits: list[Visit] = []
        self.episode = 0
        self.open = False  # an episode is running
        names, self.county_of = np.unique(inventory.counties.astype(str), return_inverse=True)
        self.county_names = names
        self.schedule = tuple(sorted(schedule, key=lambda s: s[0]))
        teams = (np.array([self.most_teams(c) for c in names], np.int64) if model.enabled
                 else np.zeros(len(names), np.int64))
        self.teams = {c: simpy.Resource(env, capacity=int(k))
                      for c, k in enumerate(teams) if k > 0}
        self.free_teams = {c: list(range(1, int(k) + 1)) for c, k in enumerate(teams) if k > 0}
        self.queue = {c: _no_targets() for c in self.teams}
        self.rank = priority_rank(model, inventory.emissions, inventory.grades,
                                  behaviour.flagged)
        self.by_rank = np.argsort(self.rank)

    def teams_at(self, county: str, hour: float) -> int:
        """Teams working in ``county`` at ``hour``: the last dispatch by then, else the
        model's."""
        teams = self.model.teams_in(county)
        for at, where, k in self.schedule:
            if where == county and at <= hour + RELEASE_SLACK_H:
                teams = int(k)
        return teams

    def most_teams(self, county: str) -> int:
        """The most teams ``county`` has at any hour of the run (the resource's capacity)."""
        return max([self.model.teams_in(county),
                    *(int(k) for _, where, k in self.schedule if where == county)])

    def start_episode(self, episode: int) -> None:
        """Every county's teams start their rounds."""
        self.episode, self.open = episode, True
        for county in self.teams:
            self.env.process(self._rounds(county, episode))

    def end_episode(self) -> None:
        """Rounds stop and open targets lapse with the episode."""
        self.open = False
        self.enqueued[:] = False
        for county in self.queue:
            self.queue[county] = _no_targets()

    def enqueue(self, need: Response) -> None:
        """Queue every enterprise ``need`` asks to cut and not yet queued this episode.

        A plant its monitoring channel flags is released when the flag comes up; the others
        now. Both depend only on the drawn behaviour, never on the teams.
        """
        b, now = self.behaviour, self.env.now
        targets = ((need.cut > 0) | (need.emission_cut > 0)) & ~self.enqueued
        self.enqueued |= targets
        release = np.where(b.flagged, now + b.flag_hours, now)
        raised = targets & b.flagged & ~self.corrected
        if raised.any():
            who = np.flatnonzero(raised)
            self.flags.append(Flags(self.episode, who, release[who]))
        for county, (ranks, times) in self.queue.items():
            mine = np.flatnonzero(targets & (self.county_of == county))
            self.queue[county] = (np.concatenate([ranks, self.rank[mine]]),
                                  np.concatenate([times, release[mine]]))

    def _rounds(self, county: int, episode: int) -> Process:
        """A county's inspection rounds through one episode.

        Every ``travel_hours + visit_hours`` each team takes the best open target (lowest
        rank among those released by now); see ``simulator.core.compliance`` for why rounds.
        """
        env, teams = self.env, self.teams[county]
        while self.open and self.episode == episode:
            ranks, times = self.queue[county]
            open_ = np.flatnonzero(times <= env.now + RELEASE_SLACK_H)
            working = (teams.capacity if not self.schedule else
                       self.teams_at(str(self.county_names[county]), env.now))
            take = open_[np.argsort(ranks[open_], kind="stable")[:working]]
            keep = np.ones(len(ranks), bool)
            keep[take] = False
            self.queue[county] = (ranks[keep], times[keep])
            for rank in ranks[take]:
                env.process(self._visit(county, int(self.by_rank[rank]), episode))
            yield env.timeout(self.model.round_hours)

    def _visit(self, county: int, who: int, episode: int) -> Process:
        """One team travels to ``who`` and inspects it; a finding corrects it after a delay."""
        env, model = self.env, self.model
        with self.teams[county].request() as request:
            yield request
            team = self.free_teams[county].pop(0)
            start = env.now
            yield env.timeout(model.round_hours)
            self.free_teams[county].append(team)
            self.free_teams[county].sort()
        visit = Visit(episode, str(self.county_names[county]), team, who, start, env.now,
                      self.finding(who))
        self.visits.append(visit)
        if visit.finding == MODES[COMPLIANT]:
            return
        yield env.timeout(model.correction_hours)
        if not self.corrected[who]:
            self.corrected[who] = True
            self.correct(who)
            visit.corrected_at = env.now

    def finding(self, who: int) -> str:
        """What a team finds at ``who``: its behaviour mode, or "compliant".

        Inspectors read the plant's records since the response started (power use, DCS,
        sources.md §3.3), so a late responder is found late even once it has caught up; the
        finding depends on the behaviour only, never on when the team arrives.
        """
        if self.corrected[who]:
            return MODES[COMPLIANT]
        return MODES[int(self.behaviour.mode[who])]
