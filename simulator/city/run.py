"""One city: the engine, then the truck gate (``simulate_city``), and a one-city scenario
from its file to its tables (``run_scenario``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from simulator.city.trucks import TransportRun, tally_transport
from simulator.core.accounting import cut_base
from simulator.core.engine import CityInputs, Simulation
from simulator.core.results import RunResult, episode_columns
from simulator.core.rng import make_rng, smogsim_version
from simulator.io.inputs import (
    TransportInputs,
    build_inputs,
    input_encodings,
    input_hashes,
    load_transport_inputs,
)
from simulator.io.rundir import run_tables
from simulator.lang.tables import add_names, enterprise_names
from simulator.spec.scenario import ScenarioSpec


@dataclass(frozen=True)
class Run:
    spec: ScenarioSpec
    result: RunResult
    timings: dict[str, float]
    transport: TransportRun | None = None  # [transport] tally, when the scenario asks

    @property
    def cut_base(self) -> str:
        """What cut % is a share of: ``city-wide`` (list + area sources) or ``list`` (no area
        sources: the list alone, not the city-wide base of sources.md §2)."""
        return cut_base([sum(values) for values in self.spec.area_sources.values()])

    def manifest(self, run_id: str) -> dict:
        spec = self.spec
        manifest = {
            "smogsim_version": smogsim_version(),
            "run_id": run_id,
            "scenario": spec.name,
            "city": spec.city,
            "seed": spec.seed,
            "rules": spec.rules,
            "period": [spec.start.isoformat(), spec.end.isoformat()],
            "cut_base": self.cut_base,
            "inputs": input_hashes(spec),
            "input_encodings": input_encodings(spec),  # UTF-8 or GBK, as detected
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
            "files": [],  # what the writer wrote (io.rundir.write_tables fills it in)
        }
        if self.transport is not None:
            manifest["inputs"] |= self.transport.inputs.hashes()
            manifest["transport"] = self.transport.manifest()
        return manifest

    def tables(self) -> dict:
        """Extra CSV files of the run directory by name (transport.csv, …)."""
        return {} if self.transport is None else self.transport.tables()

    def named_tables(self, lang: str) -> dict[str, pd.DataFrame]:
        """Every table of the run directory by file name, each with its name columns in
        ``lang`` (``simulator.lang.tables.add_names``)."""
        tables = run_tables(self.result) | self.tables()
        names = enterprise_names(self.result.enterprise_tonnes, self.result.audit)
        return {name: add_names(frame, lang, names) for name, frame in tables.items()}


class CitySimulation(NamedTuple):
    """One city simulated: the engine (its ledger), its tables, the truck-gate tally (None
    without a truck gate) and the seconds each step took (``simulate``, ``transport``)."""

    sim: Simulation
    result: RunResult
    transport: TransportRun | None
    timings: dict[str, float]


def simulate_city(inputs: CityInputs, rng: np.random.Generator,
                  transport: TransportInputs | None = None, *,
                  tally_only: bool = False) -> CitySimulation:
    """The engine on the city's loaded inputs, then its truck gate when it has one.

    The one path of every city in smogsim: ``run_scenario``, each city of a regional run
    and each run of a replay. ``rng`` is the run's generator (``make_rng``); the gate draws
    only from named children of it after the engine, so a city's tables are the same
    whether or not it has a gate, and whether it runs alone or in a regional run on the
    same windows. ``tally_only``: the result holds the alert and episode tables only (a
    replay's; ``RunResult.build``).
    """
    t0 = time.perf_counter()
    sim = Simulation(inputs, rng)
    result = sim.run(tally_only=tally_only)
    t1 = time.perf_counter()
    timings = {"simulate": t1 - t0}
    tally = None
    if transport is not None:
        result, tally = tally_transport(transport, inputs, result, rng)
        timings["transport"] = time.perf_counter() - t1
    return CitySimulation(sim, result, tally, timings)


class CityTally(NamedTuple):
    """A city's episode table as columns (``results.episode_columns``) and how many alerts
    it was issued: all a replay run keeps of a city."""

    episodes: dict
    alerts: int


def tally_city(inputs: CityInputs, rng: np.random.Generator,
               transport: TransportInputs | None = None) -> CityTally:
    """``simulate_city``'s episode table, as columns. Without a truck gate the engine's
    record gives them directly: no frame is made, which is most of a short run's cost."""
    if transport is not None:
        city = simulate_city(inputs, rng, transport, tally_only=True)
        frame = city.result.episodes
        return CityTally({name: frame[name].array for name in frame}, len(city.sim.issued))
    record = Simulation(inputs, rng).play()
    return CityTally(episode_columns(record.ledger.rows(), record.city, record.start),
                     len(record.issued))


def run_scenario(spec: ScenarioSpec) -> Run:
    """Load the scenario's inputs and simulate it; nothing is written.

    The generator is keyed by the city (``make_rng(seed, city)``), as in a regional run.
    """
    t0 = time.perf_counter()
    inputs = build_inputs(spec)
    transport = load_transport_inputs(spec.transport) if spec.transport else None
    load = time.perf_counter() - t0
    city = simulate_city(inputs, make_rng(spec.seed, spec.city), transport)
    return Run(spec, city.result, {"load": load, **city.timings}, city.transport)
