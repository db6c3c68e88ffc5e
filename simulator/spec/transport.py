"""The scenario's ``[transport]`` table: which fleet, which truck rules, what the gate does::

    [transport]
    enabled = true            # optional; default: on whenever the table is present
    fleet = "synthetic"       # or a fleet ledger CSV (docs/transport.md)
    rules = "national"        # a rule set of enterprises/data/transport_rules.toml, or a .toml
    ruleset = "strict"        # optional: a rule set of that .toml file (default: its default)
    factors = "factors.csv"   # optional: truck emission factors (default: the bundled table)
    unserved = "defer"        # blocked trips no compliant truck takes over: defer or cancel
    surge = 1.5               # compliant trucks make at most surge × their usual trips
    draw = "poisson"          # or "expected": mean trip counts, no random draws
    production_limits = true  # report production limits from undelivered raw material
    buffer_days = 3.0         # days of raw material on the yard when an episode starts

Paths are relative to the scenario file.

Checked against the schema (``simulator.spec.schema``) by the walker and kept in the frozen
``TransportSpec``; files are read by the run (``simulator.city.trucks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enterprises.transport import GatePolicy

SYNTHETIC = "synthetic"
_DEFAULT_POLICY = GatePolicy()


@dataclass(frozen=True)
class TransportSpec:
    """What a run's transport tally uses, paths resolved.

    ``fleet``: a fleet ledger file, or None for fleets synthesized from the inventory.
    ``rules``: a bundled rule-set id, or a rule file (with ``ruleset`` naming one of its sets,
    None = the file's default). ``factors``: an emission-factor table, None = the bundled one.
    """

    fleet: Path | None = None
    rules: str | Path = "national"
    ruleset: str | None = None
    factors: Path | None = None
    policy: GatePolicy = _DEFAULT_POLICY

    @property
    def fleet_source(self) -> str:
        return SYNTHETIC if self.fleet is None else str(self.fleet)


def transport_spec(values: dict | None) -> TransportSpec | None:
    """The checked ``[transport]`` values (None: table absent or ``enabled = false``)."""
    if values is None or not values["enabled"]:
        return None
    return TransportSpec(
        fleet=None if values["fleet"] == SYNTHETIC else values["fleet"],
        rules=values["rules"],
        ruleset=values.get("ruleset"),
        factors=values.get("factors"),
        policy=GatePolicy(surge=values["surge"], unserved=values["unserved"],
                          draw=values["draw"], buffer_days=values["buffer_days"]
                          if values["production_limits"] else None),
    )
