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

Parsed here, checked once and kept in the frozen ``TransportSpec``; files are read by the run
(``simulator.city.trucks``). Problems raise ``TransportSpecError``, one line naming the
scenario file, key and value, which ``simulator.spec.scenario`` reports as a ``ScenarioError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enterprises.transport import DRAWS, UNSERVED_POLICIES, GatePolicy
from enterprises.transport_io import transport_rulesets

SYNTHETIC = "synthetic"
KEYS = ("enabled", "fleet", "rules", "ruleset", "factors", "unserved", "surge", "draw",
        "production_limits", "buffer_days")
_DEFAULT_POLICY = GatePolicy()


class TransportSpecError(ValueError):
    """A ``[transport]`` value that cannot be used."""


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


def parse_transport(table: object, base: Path, origin: Path) -> TransportSpec | None:
    """The ``[transport]`` table of scenario ``origin`` (None: absent or ``enabled = false``)."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _bad(origin, "transport", table, "a [transport] table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise _bad(origin, f"transport.{unknown[0]}", table[unknown[0]],
                   f"one of the keys {', '.join(KEYS)}")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _bad(origin, "transport.enabled", enabled, "true or false")
    if not enabled:
        return None
    fleet = table.get("fleet", SYNTHETIC)
    if not isinstance(fleet, str) or not fleet.strip():
        raise _bad(origin, "transport.fleet", fleet, f'"{SYNTHETIC}" or a fleet ledger CSV')
    rules, ruleset = _rules(table, base, origin)
    return TransportSpec(
        fleet=None if fleet == SYNTHETIC else _path(fleet, base, origin, "transport.fleet"),
        rules=rules,
        ruleset=ruleset,
        factors=(_path(table["factors"], base, origin, "transport.factors")
                 if "factors" in table else None),
        policy=_policy(table, origin),
    )


def _bad(origin: Path, key: str, value: object, expected: str) -> TransportSpecError:
    return TransportSpecError(f"{origin}: key {key}: value {value!r} — expected {expected}")


def _path(name: object, base: Path, origin: Path, key: str) -> Path:
    if not isinstance(name, str):
        raise _bad(origin, key, name, "a file path")
    path = (base / name).resolve()
    if not path.is_file():
        raise _bad(origin, key, name, "an existing file (not found)")
    return path


def _rules(table: dict, base: Path, origin: Path) -> tuple[str | Path, str | None]:
    rules = table.get("rules", "national")
    ruleset = table.get("ruleset")
    if ruleset is not None and not isinstance(ruleset, str):
        raise _bad(origin, "transport.ruleset", ruleset, "a rule-set id")
    if isinstance(rules, str) and rules.endswith(".toml"):
        return _path(rules, base, origin, "transport.rules"), ruleset
    bundled = transport_rulesets()
    if rules not in bundled:
        raise _bad(origin, "transport.rules", rules,
                   f"one of {', '.join(bundled)} or a rule file ending in .toml")
    if ruleset is not None:
        raise _bad(origin, "transport.ruleset", ruleset,
                   "no ruleset key with a bundled rule set (name it in transport.rules)")
    return rules, None


def _policy(table: dict, origin: Path) -> GatePolicy:
    unserved = table.get("unserved", _DEFAULT_POLICY.unserved)
    if unserved not in UNSERVED_POLICIES:
        raise _bad(origin, "transport.unserved", unserved, " or ".join(UNSERVED_POLICIES))
    draw = table.get("draw", _DEFAULT_POLICY.draw)
    if draw not in DRAWS:
        raise _bad(origin, "transport.draw", draw, " or ".join(DRAWS))
    surge = table.get("surge", _DEFAULT_POLICY.surge)
    if isinstance(surge, bool) or not isinstance(surge, int | float) or not surge >= 1:
        raise _bad(origin, "transport.surge", surge, "a number ≥ 1 (1 = no substitution)")
    limits = table.get("production_limits", True)
    if not isinstance(limits, bool):
        raise _bad(origin, "transport.production_limits", limits, "true or false")
    buffer = table.get("buffer_days", _DEFAULT_POLICY.buffer_days)
    if isinstance(buffer, bool) or not isinstance(buffer, int | float) or buffer < 0:
        raise _bad(origin, "transport.buffer_days", buffer, "a number of days ≥ 0")
    return GatePolicy(surge=float(surge), unserved=unserved, draw=draw,
                      buffer_days=float(buffer) if limits else None)
