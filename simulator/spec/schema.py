"""Every key of a scenario file, as data: table, key, type, default, allowed values, meaning.

``simulator.spec.scenario`` takes its defaults and allowed values from here, and
``docs/scenario-reference.md`` is generated from here, so the reference cannot drift from the
validator. Regenerate it with::

    python -m simulator.spec.schema          # writes docs/scenario-reference.md

Defaults of ``[transport]`` and ``[compliance]`` are read from the classes that apply them
(``enterprises.transport.GatePolicy``, ``simulator.compliance.ComplianceModel``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path

from alerts.io import builtin_rulesets
from alerts.levels import Level
from enterprises.area import SECTORS
from enterprises.schema import EMISSION_COLUMNS, POLLUTANTS
from enterprises.seasonal import SEASONAL_CUTS, SEASONAL_INDUSTRIES
from enterprises.transport import DRAWS, UNSERVED_POLICIES, GatePolicy
from enterprises.transport_io import transport_rulesets
from simulator.core.airquality import DEFAULTS as AIR_DEFAULTS
from simulator.core.compliance import CHANNELS, PRIORITY_KEYS, ComplianceModel
from simulator.spec.transport import SYNTHETIC

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"


class Prose(str):
    """A default said in words (it depends on other values), not a TOML value."""


REQUIRED = Prose("required")  # the default column of a key that must be given
ABSENT = Prose("—")  # an optional key with no value when left out (the feature is off)
CUT_LEVELS = tuple(level.id for level in Level if level)  # every level with a response
FORECAST_MODELS = "perfect, persistence, noisy[:bias=B,sd=S], late:<hours>"
# The regional format's defaults. simulator.regional.model applies them; a test checks they agree.
AIR_MODES = ("rehearsal", "replay")
AIR_RESPONSES = ("regional", "alone")
FEEDBACK_ITERATIONS = 5  # assumption: cap of the feedback loop (the example settles in 1)
ANNUAL_TARGETS_PCT = {"漯河": 1.7, "许昌": 1.6}  # the cities' 2024 air-quality action plans
CITY_OVERRIDES = ("area_sources", "measures", "seasonal", "compliance", "transport")


@dataclass(frozen=True)
class Key:
    """One key of a table; ``default`` is a TOML value or Prose (REQUIRED, ABSENT, …)."""

    name: str
    type: str
    meaning: str
    default: object = REQUIRED
    allowed: str = ""
    source: str = ""  # rules.md §N, "assumption", or "" when there is no default to justify


@dataclass(frozen=True)
class Table:
    """One TOML table; ``header`` as written in the file, ``regional`` if only regional reads it."""

    name: str
    header: str
    meaning: str
    keys: tuple[Key, ...]
    required: bool = False
    regional: bool = False

    def key(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(f"{self.name}.{name}")

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)


def _toml(value) -> str:
    """A default as the TOML a user would write."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_bare(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return f'"{value}"'


def _bare(name: str) -> str:
    return name if name.replace("_", "").isascii() and name.replace("_", "").isalnum() \
        else f'"{name}"'


def _file_key(meaning: str) -> Key:
    return Key("file", "file path", meaning + " Relative to the scenario file.")


def _area_cut_default() -> Prose:
    parts = [f"{sid} `{_toml(dict(s.cuts))}`" for sid, s in SECTORS.items() if s.cuts]
    none = [sid for sid, s in SECTORS.items() if not s.cuts]
    return Prose("; ".join(parts) + f"; {', '.join(none)} and other sectors: none")


_POLICY = GatePolicy()
_COMPLIANCE = ComplianceModel()
_COMPLIANCE_MEANING = {  # (type, meaning, allowed, source) by ComplianceModel field
    "enabled": ("true or false", "Turn the behaviour and inspection model on; off, every plant "
                "does exactly what is required.", "", "assumption"),
    "noncompliance": ("table grade = probability", "P(non-compliance) per enterprise and run, "
                      "by grade, before the channel and record factors.", "[0, 1]",
                      "assumption (A/引领性 self-determine, rules.md §4.1)"),
    "noncompliance_other": ("probability", "P(non-compliance) of grades not listed.", "[0, 1]",
                            "assumption"),
    "channel_factor": ("table channel = number", "Multiplier of P(non-compliance) by "
                       "monitoring channel.", "keys " + ", ".join(CHANNELS) + "; ≥ 0",
                       "assumption"),
    "record_share": ("probability", "Share of plants with a prior violation record.", "[0, 1]",
                     "assumption"),
    "record_factor": ("number", "P(non-compliance) multiplier of plants with a record.", "≥ 0",
                      "assumption"),
    "coverage": ("table channel = share", "Monitoring coverage; the rest has no channel.",
                 "keys " + ", ".join(CHANNELS[:3]) + "; shares adding up to ≤ 1",
                 "assumption"),
    "modes": ("table mode = share", "How the non-compliant behave.",
              "keys late_response, partial_cut, not_stopping, baseline_inflation; [0, 1]",
              "assumption (modes targeted by inspectors, rules.md §3.3)"),
    "late_hours": ("[low, high] hours", "Uniform delay of a late response.",
                   "0 ≤ low ≤ high", "assumption"),
    "partial_range": ("[low, high] share", "Uniform share of the required cut a partial cut "
                      "achieves.", "0 ≤ low ≤ high ≤ 1",
                      "assumption (an inspected smelter idled 14 of 44 cells, rules.md §13.2)"),
    "inflation": ("number", "Emissions raised by this share before the response (baseline "
                  "inflation).", "≥ 0", "assumption"),
    "inflation_hours": ("hours", "How long before the response the inflation starts.", "≥ 0",
                        "rules.md §3.1 (24 h alert lead time)"),
    "detection": ("table channel = probability", "P(the channel flags a non-compliant plant).",
                  "keys " + ", ".join(CHANNELS) + "; [0, 1]", "assumption"),
    "detection_hours": ("table channel = hours", "Hours until the channel flags it.",
                        "keys " + ", ".join(CHANNELS) + "; ≥ 0", "assumption"),
    "teams_per_county": ("whole number", "Inspection teams per county or district.", "≥ 0",
                         "assumption"),
    "teams": ("table county = teams", 'Per-county overrides, e.g. { "临颍县" = 3 }.', "≥ 0",
              "assumption"),
    "travel_hours": ("hours", "Travel per visit.", "≥ 0; travel + visit > 0", "assumption"),
    "visit_hours": ("hours", "Time on site per visit.", "≥ 0; travel + visit > 0",
                    "assumption"),
    "correction_hours": ("hours", "From a finding to the plant doing what was required.", "≥ 0",
                         "assumption"),
    "priority": ("list of text", "Order in which teams pick targets.",
                 "distinct among " + ", ".join(PRIORITY_KEYS), "assumption"),
    "large_share": ("share", "A large emitter is in the top share of the list by t/a.",
                    "[0, 1]", "assumption"),
    "priority_grades": ("list of grades", "Grades inspected first after flags and large "
                        "emitters.", "", "assumption"),
}


def _compliance_keys() -> tuple[Key, ...]:
    """One Key per ComplianceModel field, its default read from the model."""
    keys = []
    for model_field in fields(ComplianceModel):
        kind, meaning, allowed, source = _COMPLIANCE_MEANING[model_field.name]
        value = getattr(_COMPLIANCE, model_field.name)
        if kind.startswith("table"):
            value = dict(value)  # the model keeps tables as sorted (key, value) pairs
        elif isinstance(value, tuple):
            value = list(value)
        keys.append(Key(model_field.name, kind, meaning, value, allowed, source))
    return tuple(keys)


TABLES: tuple[Table, ...] = (
    Table("scenario", "[scenario]", "What to simulate, where and when.", required=True, keys=(
        Key("name", "text", "Free text, shown in the manifest and the report.",
            Prose("the file name without .toml")),
        Key("city", "text", "The city to simulate; the inventory must hold enterprises in it.",
            Prose("required (one city)")),
        Key("cities", "list of text", "Regional format, instead of `city`: the cities run "
            'together (e.g. ["漯河", "许昌"]); run with `smogsim regional FILE`.',
            Prose("required in the regional format"), "each city once"),
        Key("seed", "whole number", "Root seed of the run's random generator: same seed, same "
            "bytes.", 0, "≥ 0", "assumption (any fixed seed)"),
        Key("start", "local date-time", "First hour simulated (Asia/Shanghai, inclusive), "
            "e.g. 2023-12-12T00:00.", allowed="no time zone"),
        Key("end", "local date-time", "End of the period (exclusive).",
            allowed="after scenario.start"),
        Key("rules", "text", "Alert criteria: a built-in rule set or a rule-set TOML file.",
            "mee-2024", ", ".join(builtin_rulesets()) + " or a .toml file",
            "rules.md §1.3 (2024 national criteria)"),
    )),
    Table("inventory", "[inventory]", "The emergency-reduction list (应急减排清单).",
          required=True, keys=(
              _file_key("CSV, XLSX or Parquet, English or Chinese headers (docs/inventory.md)."),
          )),
    Table("forecast", "[forecast]", "What drives the alert timeline.", required=True, keys=(
        _file_key("Hourly concentrations (time, [city], PM2.5, PM10, SO2, NO2, CO, O3) or a "
                  "table of issued daily AQI forecasts (issued_at, city, time, daily_aqi)."),
        Key("model", "text", "Forecast model applied to the file.", "perfect", FORECAST_MODELS,
            "assumption (the forecast equals the truth)"),
    )),
    Table("region", "[region]", "Optional: regional linkage and dispatch orders "
          "(alerts.region).", keys=(
              _file_key("Region TOML: neighbours, regional rules, dispatch orders."),)),
    Table("area_sources.<sector>", "[area_sources.<sector>]",
          "Optional, any number of sectors (mobile, construction, road_dust, dust, "
          "residential, other or your own name): emissions outside the list, t/a. With the "
          "list they make the city-wide base (全社会排放总量, rules.md §2).", keys=(
              *(Key(column, "number, t/a", f"{pollutant} emitted by the sector per year.", 0.0,
                    "≥ 0", "assumption (a key left out: none)")
                for column, pollutant in zip(EMISSION_COLUMNS, POLLUTANTS, strict=True)),
              Key("cuts", "table level = fraction", "The sector's cut per alert level, e.g. "
                  "{ orange = 0.1 }.", _area_cut_default(),
                  f"levels {', '.join(CUT_LEVELS)} (or their Chinese names); fractions in [0, 1]",
                  "assumption from rules.md §13.5 (enterprises.area)"),
          )),
    Table("measures", "[measures]", "Optional: rows that replace the bundled measure "
          "catalogue's.", keys=(
              _file_key("CSV: industry, grade, level, cut, basis[, source, …]."),)),
    Table("seasonal", "[[seasonal]]", "Optional, repeatable: 秋冬季错峰生产 beneath the alerts.",
          keys=(
              Key("start", "local date-time", "First hour of the seasonal control."),
              Key("end", "local date-time", "End (exclusive).",
                  allowed="after seasonal.start"),
              Key("industries", "list of industry ids", "Industries under the control.",
                  list(SEASONAL_INDUSTRIES), "industry ids (docs/inventory.md)",
                  "rules.md §13.3 (Shanxi 2021–22)"),
              Key("cuts", "table grade = fraction", "Production cut by grade; grades not "
                  "listed are exempt.", dict(SEASONAL_CUTS), "fractions in [0, 1]",
                  "rules.md §13.3 (D stops; C, 非引领性 staggered: 0.5 is an assumption)"),
          )),
    Table("compliance", "[compliance]", "Optional: behaviour, monitoring and inspection "
          "(docs/compliance.md). Every key is optional.", keys=_compliance_keys()),
    Table("transport", "[transport]", "Optional: truck gate of key vehicle-using enterprises "
          "(docs/transport.md). Every key is optional.", keys=(
              Key("enabled", "true or false", "false turns the tally off.", True,
                  source="assumption (the table's presence turns it on)"),
              Key("fleet", "text", "Fleet ledger CSV, or synthetic fleets from the list's "
                  "trucks_per_day.", SYNTHETIC, f'"{SYNTHETIC}" or a CSV file',
                  "assumption (without a ledger, fleets are drawn)"),
              Key("rules", "text", "Truck rules: a bundled rule set or a rule file.",
                  "national", ", ".join(transport_rulesets()) + " or a .toml file",
                  "rules.md §5"),
              Key("ruleset", "text", "With a .toml rules file: which of its rule sets.",
                  Prose("the file's default"), "a rule-set id of that file"),
              Key("factors", "file path", "Truck emission factors.", Prose("the bundled table"),
                  source="rules.md §12.1"),
              Key("unserved", "text", "Blocked trips no compliant truck takes over.",
                  _POLICY.unserved, " or ".join(UNSERVED_POLICIES), "assumption"),
              Key("surge", "number", "Compliant trucks make at most surge × their usual trips.",
                  _POLICY.surge, "≥ 1 (1 = no substitution)", "assumption"),
              Key("draw", "text", "Trip counts drawn, or their means.", _POLICY.draw,
                  " or ".join(DRAWS), "assumption"),
              Key("production_limits", "true or false", "Report production limits from "
                  "undelivered raw material.", True, source="assumption"),
              Key("buffer_days", "number, days", "Raw material on the yard when an episode "
                  "starts.", _POLICY.buffer_days, "≥ 0", "assumption"),
          )),
    Table("airquality", "[airquality]", "Regional format only: the source–receptor model "
          "(docs/airquality.md).", regional=True, keys=(
              Key("mode", "text", "rehearsal: the forecast is the world without measures; "
                  "replay: the file holds observations, the world with them.", AIR_MODES[0],
                  " or ".join(AIR_MODES), "assumption"),
              Key("response", "text", "regional: the region's rules apply and every city's "
                  "cuts reach every city; alone: own cuts only.", AIR_RESPONSES[0],
                  " or ".join(AIR_RESPONSES), "assumption"),
              Key("matrix", "file path", "A bureau's sensitivity table (CMAQ/CAMx).",
                  Prose("defaults over the region graph"), source="rules.md §8"),
              Key("response_hours", "number, hours", "First-order response time τ of PM2.5.",
                  AIR_DEFAULTS.response_hours, "≥ 0", "assumption"),
              Key("feedback", "true or false", "Improved PM2.5 goes back into the alert "
                  "lifecycle (rehearsals only).", False, source="assumption"),
              Key("feedback_iterations", "whole number", "Cap of the feedback loop.",
                  FEEDBACK_ITERATIONS, "≥ 1", "assumption"),
              Key("targets", "table city = %", "Annual heavy-pollution-day targets, % of days.",
                  ANNUAL_TARGETS_PCT, "[0, 100]", "the cities' 2024 air-quality action plans"),
          )),
    Table('city."<name>"', '[city."<name>".…]', "Regional format only: one city's own tables, "
          "replacing the shared ones (a whole table: keys left out take their defaults, not "
          "the shared table's). Every other table is shared by all cities; a table smogsim "
          "does not know stops the run.", regional=True, keys=tuple(
              Key(name, "table", f"Replaces the shared [{name}] for this city.", ABSENT,
                  source="") for name in CITY_OVERRIDES)),
)
SCHEMA: dict[str, Table] = {table.name: table for table in TABLES}


def default(table: str, key: str):
    """The default value of ``table.key`` as the validator applies it."""
    return SCHEMA[table].key(key).default


def key_names(table: str, regional: bool = False) -> tuple[str, ...]:
    """Keys a table may hold; the single-city format leaves out regional-only keys."""
    names = SCHEMA[table].key_names
    return names if regional else tuple(n for n in names if n != "cities")


def undescribed(data: dict, regional: bool = True) -> list[str]:
    """Dotted paths of the keys of a parsed scenario file that no Key describes."""
    missing = []
    for name, value in data.items():
        if name == "area_sources" and isinstance(value, dict):
            for sector, keys in value.items():
                missing += _unknown("area_sources.<sector>", keys, f"area_sources.{sector}")
        elif name == "seasonal":
            for k, item in enumerate(value if isinstance(value, list) else [value], start=1):
                missing += _unknown("seasonal", item, f"seasonal[{k}]")
        elif name == "city" and regional and isinstance(value, dict):
            for city, tables in value.items():
                own = {k: v for k, v in tables.items() if k in CITY_OVERRIDES}
                missing += [f"city.{city}.{k}" for k in tables if k not in own]
                missing += [f"city.{city}.{path}" for path in undescribed(own, regional=False)]
        elif name in SCHEMA and (regional or not SCHEMA[name].regional):
            missing += _unknown(name, value, name)
        else:
            missing.append(name)
    return missing


def _unknown(table: str, keys, where: str) -> list[str]:
    if not isinstance(keys, dict):
        return [where]
    return [f"{where}.{key}" for key in keys if key not in SCHEMA[table].key_names]


# -- the generated reference ------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def _default_cell(value) -> str:
    if isinstance(value, Prose):
        return _cell(value)
    return f"`{_cell(_toml(value))}`"


def reference() -> str:
    """docs/scenario-reference.md, generated from TABLES."""
    lines = [
        "# Scenario file reference",
        "",
        "<!-- Generated by `python -m simulator.spec.schema` from "
        "simulator/scenario_schema.py; do not edit by hand. -->",
        "",
        "Every table and key a scenario file may hold. `docs/scenario.md` shows a whole file; "
        "this page lists each key with its type, its default when left out, the values it "
        "accepts, what it means and where the default comes from (rules.md §N, or an "
        "assumption). Relative paths are relative to the scenario file. Tables marked "
        "*regional* are read by `smogsim regional` only.",
        "",
    ]
    for table in TABLES:
        flags = [f for f, on in (("required", table.required), ("regional", table.regional))
                 if on]
        lines += [f"## `{table.header}`" + (f" ({', '.join(flags)})" if flags else ""), "",
                  table.meaning, "",
                  "| key | type | default | allowed | meaning | source |",
                  "|---|---|---|---|---|---|"]
        for key in table.keys:
            lines.append(f"| `{key.name}` | {key.type} | {_default_cell(key.default)} | "
                         f"{_cell(key.allowed)} | {_cell(key.meaning)} | {_cell(key.source)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write docs/scenario-reference.md (or the file named on the command line)."""
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else REFERENCE
    path.write_text(reference(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
