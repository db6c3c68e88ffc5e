"""smogsim's Python API: the same steps as the ``smogsim`` command line.

    >>> import simulator
    >>> spec = simulator.load_scenario("runs/demo.toml")
    >>> run = simulator.run_scenario(spec)           # nothing is written
    >>> run.result.episodes[["level", "pollutant", "cut_pct", "target_pct"]]

Regional runs: ``run_regional(spec, load_regional_inputs(spec))`` with
``spec = load_regional_scenario(path)``; batch replay: ``replay(...)``; the grading review:
``review(inventory, rules)``. Names load on first use, so ``import simulator`` stays cheap.

The package is layered, lowest first: ``core`` (the model) ← ``spec`` (scenario schema and
specs) ← ``io`` (files in and out) ← ``city`` (one city) ← ``regional``, ``batch`` (replay),
``grading`` (review) ← ``report`` ← ``cli``; see docs/design.md.
"""

from __future__ import annotations

import importlib

_API = {
    "load_scenario": "simulator.io.inputs",
    "ScenarioSpec": "simulator.spec.scenario",
    "ScenarioError": "simulator.spec.validate",
    "run_scenario": "simulator.city.run",
    "simulate_city": "simulator.city.run",
    "Run": "simulator.city.run",
    "RunResult": "simulator.core.results",
    "load_regional_scenario": "simulator.io.regional",
    "load_regional_inputs": "simulator.io.regional",
    "RegionalSpec": "simulator.spec.regional",
    "run_regional": "simulator.regional.model",
    "RegionalRun": "simulator.regional.model",
    "replay": "simulator.batch.replay",
    "ReplayResult": "simulator.batch.replay",
    "review": "simulator.grading.checks",
    "Review": "simulator.grading.checks",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
