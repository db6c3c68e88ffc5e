"""Every key of a scenario file, as data: table, key, kind and bounds, default and its source.

``simulator.spec.validate.walk`` checks and converts a parsed scenario file against the
layouts here (``FILE``, ``REGIONAL_FILE``), and ``docs/scenario-reference.md`` is generated
from the same ``TABLES``, so the reference cannot drift from the validator. Regenerate it with::

    python -m simulator.spec.schema          # writes docs/scenario-reference.md

Defaults of ``[transport]`` and ``[compliance]`` are read from the classes that apply them
(``enterprises.transport.GatePolicy``, ``simulator.core.compliance.ComplianceModel``).
"""

from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path

from alerts.forecast import parse_model
from alerts.io import builtin_rulesets
from alerts.levels import Level
from enterprises.area import SECTORS
from enterprises.grades import normalise_grade
from enterprises.industries import parse_industry
from enterprises.schema import EMISSION_COLUMNS, MAX_AREA_EMISSION_T, POLLUTANTS
from enterprises.seasonal import SEASONAL_CUTS, SEASONAL_INDUSTRIES
from enterprises.transport import DRAWS, UNSERVED_POLICIES, GatePolicy
from enterprises.transport_io import transport_rulesets
from simulator.core.airquality import DEFAULTS as AIR_DEFAULTS
from simulator.core.compliance import CHANNELS, MODES, PRIORITY_KEYS, ComplianceModel, cross_check
from simulator.spec.transport import SYNTHETIC
from simulator.spec.validate import (
    ABSENT,
    REQUIRED,
    Bool,
    Choice,
    Either,
    File,
    Items,
    Key,
    ListOf,
    Number,
    Parsed,
    Prose,
    Range,
    Table,
    TableOf,
    TablesOf,
    Text,
    Time,
    Whole,
)

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"

CUT_LEVELS = tuple(level.id for level in Level if level)  # every level with a response
FORECAST_MODELS = "perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"
AIR_MODES = ("rehearsal", "replay")  # the first is the default
AIR_RESPONSES = ("regional", "alone")  # the first is the default
FEEDBACK_ITERATIONS = 5  # assumption: cap of the feedback loop (the example settles in 1)
# Heavy-pollution-day ratio targets for 2025, % of valid days (not in sources.md).
ANNUAL_TARGETS_PCT = {"漯河": 1.7, "许昌": 1.6}
ANNUAL_TARGET_SOURCE = "the city's 2024 air-quality action plan"

FRACTION = Number(0, 1, noun="fraction")
PROBABILITY = Number(0, 1, noun="probability")
HOURS = Number(0, noun="number of hours")


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
    return Key("file", File(), meaning + " Relative to the scenario file.")


def _area_cut_default() -> Prose:
    parts = [f"{sid} `{_toml(dict(s.cuts))}`" for sid, s in SECTORS.items() if s.cuts]
    none = [sid for sid, s in SECTORS.items() if not s.cuts]
    return Prose("; ".join(parts) + f"; {', '.join(none)} and other sectors: none")


def _forecast_model(text: str) -> str:
    parse_model(text)  # ValueError if it is not a model
    return text


def _level(text: str) -> str:
    return Level.parse(text).id


def _ends_after_start(values: dict):
    """Cross-key check: ``end`` after ``start`` (both required, so both converted)."""
    if values["end"] <= values["start"]:
        return "end", str(values["end"]), f"a time after {{at}}.start ({values['start']})"
    return None


def _no_ruleset_with_bundled_rules(values: dict):
    if "ruleset" in values and isinstance(values["rules"], str):
        return ("ruleset", values["ruleset"],
                "no ruleset key with a bundled rule set (name it in transport.rules)")
    return None


def _no_feedback_in_replay(values: dict):
    if values["feedback"] and values["mode"] == "replay":
        return "feedback", True, "false in a replay (observations already hold the measures)"
    return None


def _compliance_cross_check(values: dict):
    return cross_check(**{name: values[name] for name in
                          ("coverage", "modes", "travel_hours", "visit_hours")})


_POLICY = GatePolicy()
_COMPLIANCE = ComplianceModel()
_CHANNEL = Choice(CHANNELS, label="channel")
_COMPLIANCE_KINDS = {  # (kind, meaning, source, note) by ComplianceModel field
    "enabled": (Bool(), "Turn the behaviour and inspection model on; off, every plant does "
                "exactly what is required.", "assumption", ""),
    "noncompliance": (TableOf(PROBABILITY, noun="grade"), "P(non-compliance) per enterprise "
                      "and run, by grade, before the channel and record factors.",
                      "assumption (A/引领性 self-determine, sources.md §4.1)", ""),
    "noncompliance_other": (PROBABILITY, "P(non-compliance) of grades not listed.",
                            "assumption", ""),
    "channel_factor": (TableOf(Number(0), _CHANNEL, "channel"), "Multiplier of "
                       "P(non-compliance) by monitoring channel.", "assumption", ""),
    "record_share": (FRACTION, "Share of plants with a prior violation record.", "assumption",
                     ""),
    "record_factor": (Number(0), "P(non-compliance) multiplier of plants with a record.",
                      "assumption", ""),
    "coverage": (TableOf(FRACTION, Choice(CHANNELS[:3]), "channel"), "Monitoring coverage; "
                 "the rest has no channel.", "assumption", "shares adding up to ≤ 1"),
    "modes": (TableOf(FRACTION, Choice(MODES[1:]), "mode"), "How the non-compliant behave.",
              "assumption (modes targeted by inspectors, sources.md §3.3)", "one share > 0"),
    "late_hours": (Range(0), "Uniform delay of a late response.", "assumption", ""),
    "partial_range": (Range(0, 1, "share"), "Uniform share of the required cut a partial cut "
                      "achieves.", "assumption (an inspected smelter idled 14 of 44 cells, "
                      "sources.md §13.2)", ""),
    "inflation": (Number(0), "Emissions raised by this share before the response (baseline "
                  "inflation).", "assumption", ""),
    "inflation_hours": (HOURS, "How long before the response the inflation starts.",
                        "sources.md §3.1 (24 h alert lead time)", ""),
    "detection": (TableOf(PROBABILITY, _CHANNEL, "channel"), "P(the channel flags a "
                  "non-compliant plant).", "assumption", ""),
    "detection_hours": (TableOf(HOURS, _CHANNEL, "channel"), "Hours until the channel flags "
                        "it.", "assumption", ""),
    "teams_per_county": (Whole(0), "Inspection teams per county or district.", "assumption",
                         ""),
    "teams": (TableOf(Whole(0), noun="county"), 'Per-county overrides, e.g. '
              '{ "临颍县" = 3 }.', "assumption", ""),
    "travel_hours": (HOURS, "Travel per visit.", "assumption", "travel + visit > 0"),
    "visit_hours": (HOURS, "Time on site per visit.", "assumption", "travel + visit > 0"),
    "correction_hours": (HOURS, "From a finding to the plant doing what was required.",
                         "assumption", ""),
    "priority": (ListOf(Choice(PRIORITY_KEYS), distinct="each key once"), "Order in which "
                 "teams pick targets.", "assumption", ""),
    "large_share": (FRACTION, "A large emitter is in the top share of the list by t/a.",
                    "assumption", ""),
    "priority_grades": (ListOf(Text(strip=False, label="grade")), "Grades inspected first "
                        "after flags and large emitters.", "assumption", ""),
}


def _compliance_keys() -> tuple[Key, ...]:
    """One Key per ComplianceModel field, its default read from the model."""
    keys = []
    for model_field in fields(ComplianceModel):
        kind, meaning, source, note = _COMPLIANCE_KINDS[model_field.name]
        value = getattr(_COMPLIANCE, model_field.name)
        if isinstance(kind, TableOf):
            value = dict(value)  # the model keeps tables as sorted (key, value) pairs
        elif isinstance(value, tuple):
            value = list(value)
        keys.append(Key(model_field.name, kind, meaning, value, source, note))
    return tuple(keys)


SCENARIO = Table("scenario", "[scenario]", "What to simulate, where and when.", required=True,
                 checks=(_ends_after_start,), keys=(
    Key("name", Text(), "Free text, shown in the manifest and the report.",
        Prose("the file name without .toml")),
    Key("city", Text(), "The city to simulate; the inventory must hold enterprises in it.",
        Prose("required (one city)")),
    Key("cities", ListOf(Text(), distinct="each city once", nonempty=True), "Regional format, "
        'instead of `city`: the cities run together (e.g. ["漯河", "许昌"]); run with `smogsim '
        'regional FILE`.', Prose("required in the regional format")),
    Key("seed", Whole(0), "Root seed of the run's random generator: same seed, same bytes.",
        0, "assumption (any fixed seed)"),
    Key("start", Time(), "First hour simulated (Asia/Shanghai, inclusive), e.g. "
        "2023-12-12T00:00."),
    Key("end", Time(), "End of the period (exclusive).", note="after scenario.start"),
    Key("rules", Either((Choice(tuple(builtin_rulesets())), File(".toml"))),
        "Alert criteria: a built-in rule set or a rule-set TOML file.", "mee-2024",
        "sources.md §1.3 (2024 national criteria)"),
    Key("lang", Choice(("zh", "en")), "Language of the console and of the tables' name columns "
        "(`--lang` overrides it).", Prose("SMOGSIM_LANG, else the locale (zh… → zh), else en")),
))
INVENTORY = Table("inventory", "[inventory]", "The emergency-reduction list (应急减排清单).",
                  required=True, keys=(
    _file_key("CSV, XLSX or Parquet, English or Chinese headers (docs/inventory.md)."),))
FORECAST = Table("forecast", "[forecast]", "What drives the alert timeline.", required=True,
                 keys=(
    _file_key("Hourly concentrations (time, [city], PM2.5, PM10, SO2, NO2, CO, O3) or a table "
              "of issued daily AQI forecasts (issued_at, city, time, daily_aqi)."),
    Key("model", Parsed(_forecast_model, FORECAST_MODELS, allowed=FORECAST_MODELS),
        "Forecast model applied to the file.", "perfect",
        "assumption (the forecast equals the truth)"),
))
REGION = Table("region", "[region]", "Optional: regional linkage and dispatch orders "
               "(alerts.region).", keys=(
    _file_key("Region TOML: neighbours, regional rules, dispatch orders."),))
AREA_SOURCES = Table(
    "area_sources.<sector>", "[area_sources.<sector>]",
    "Optional, any number of sectors (mobile, construction, road_dust, dust, residential, "
    "other or your own name): emissions outside the list, t/a. With the list they make the "
    "city-wide base (全社会排放总量, sources.md §2).", keys=(
        *(Key(column, Number(0, MAX_AREA_EMISSION_T, noun="number of t/a"),
              f"{pollutant} emitted by the sector per year (the upper bound is an assumption "
              "far above any city's sector: enterprises.schema.MAX_AREA_EMISSION_T).", 0.0,
              "assumption (a key left out: none)")
          for column, pollutant in zip(EMISSION_COLUMNS, POLLUTANTS, strict=True)),
        Key("cuts", TableOf(FRACTION, Choice(CUT_LEVELS, _level), "level"), "The sector's cut "
            "per alert level, e.g. { orange = 0.1 }.", _area_cut_default(),
            "assumption from sources.md §13.5 (enterprises.area)", "or their Chinese names"),
    ))
MEASURES = Table("measures", "[measures]", "Optional: rows that replace the bundled measure "
                 "catalogue's.", keys=(
    _file_key("CSV: industry, grade, level, cut, basis[, source, …]."),))
SEASONAL = Table("seasonal", "[[seasonal]]", "Optional, repeatable: 秋冬季错峰生产 beneath "
                 "the alerts.", checks=(_ends_after_start,), keys=(
    Key("start", Time(), "First hour of the seasonal control."),
    Key("end", Time(), "End (exclusive).", note="after seasonal.start"),
    Key("industries", ListOf(Parsed(lambda text: parse_industry(text).id, "an industry id",
                                    "industry id", "industry ids (docs/inventory.md)")),
        "Industries under the control.", list(SEASONAL_INDUSTRIES),
        "sources.md §13.3 (Shanxi 2021–22)"),
    Key("cuts", TableOf(FRACTION, Parsed(normalise_grade, "a grade"), "grade"), "Production "
        "cut by grade; grades not listed are exempt.", dict(SEASONAL_CUTS),
        "sources.md §13.3 (D stops; C, 非引领性 staggered: 0.5 is an assumption)"),
))
COMPLIANCE = Table("compliance", "[compliance]", "Optional: behaviour, monitoring and "
                   "inspection (docs/compliance.md). Every key is optional.",
                   keys=_compliance_keys(), checks=(_compliance_cross_check,))
TRANSPORT = Table("transport", "[transport]", "Optional: truck gate of key vehicle-using "
                  "enterprises (docs/transport.md). Every key is optional.",
                  checks=(_no_ruleset_with_bundled_rules,), keys=(
    Key("enabled", Bool(), "false turns the tally off.", True,
        "assumption (the table's presence turns it on)"),
    Key("fleet", Either((Choice((SYNTHETIC,)), File())), "Fleet ledger CSV, or synthetic "
        "fleets from the list's trucks_per_day.", SYNTHETIC,
        "assumption (without a ledger, fleets are drawn)"),
    Key("rules", Either((Choice(tuple(transport_rulesets())), File(".toml"))), "Truck rules: a "
        "bundled rule set or a rule file.", "national", "sources.md §5"),
    Key("ruleset", Text(strip=False), "With a .toml rules file: which of its rule sets.",
        Prose("the file's default"), note="a rule-set id of that file"),
    Key("factors", File(), "Truck emission factors.", Prose("the bundled table"),
        "sources.md §12.1"),
    Key("unserved", Choice(UNSERVED_POLICIES), "Blocked trips no compliant truck takes over.",
        _POLICY.unserved, "assumption"),
    Key("surge", Number(1), "Compliant trucks make at most surge × their usual trips.",
        _POLICY.surge, "assumption", "1 = no substitution"),
    Key("draw", Choice(DRAWS), "Trip counts drawn, or their means.", _POLICY.draw,
        "assumption"),
    Key("production_limits", Bool(), "Report production limits from undelivered raw material.",
        True, "assumption"),
    Key("buffer_days", Number(0, noun="number of days"), "Raw material on the yard when an "
        "episode starts.", _POLICY.buffer_days, "assumption"),
))
AIRQUALITY = Table("airquality", "[airquality]", "Regional format only: the source–receptor "
                   "model (docs/airquality.md).", regional=True,
                   checks=(_no_feedback_in_replay,), keys=(
    Key("mode", Choice(AIR_MODES), "rehearsal: the forecast is the world without measures; "
        "replay: the file holds observations, the world with them.", AIR_MODES[0],
        "assumption"),
    Key("response", Choice(AIR_RESPONSES), "regional: the region's rules apply and every "
        "city's cuts reach every city; alone: own cuts only.", AIR_RESPONSES[0], "assumption"),
    Key("matrix", File(), "A bureau's sensitivity table (CMAQ/CAMx).",
        Prose("defaults over the region graph"), "sources.md §8"),
    Key("response_hours", HOURS, "First-order response time τ of PM2.5.",
        AIR_DEFAULTS.response_hours, "assumption"),
    Key("feedback", Bool(), "Improved PM2.5 goes back into the alert lifecycle (rehearsals "
        "only).", False, "assumption"),
    Key("feedback_iterations", Whole(1), "Cap of the feedback loop.", FEEDBACK_ITERATIONS,
        "assumption"),
    Key("targets", TableOf(Number(0, 100, noun="% of days"), noun="city"), "Annual "
        "heavy-pollution-day targets, % of days; cities not listed keep theirs.",
        ANNUAL_TARGETS_PCT, "the cities' 2024 air-quality action plans"),
))


def _kind_of(table: Table):
    """How a table appears in the file: once, once per name, or repeated ([[…]])."""
    if table.name.endswith(".<sector>") or table.name.endswith('."<name>"'):
        return TablesOf(table)
    return Items(table) if table.header.startswith("[[") else table


CITY_OVERRIDES = (AREA_SOURCES, MEASURES, SEASONAL, COMPLIANCE, TRANSPORT)
CITY = Table('city."<name>"', '[city."<name>".…]', "Regional format only: one city's own "
             "tables, replacing the shared ones (a whole table: keys left out take their "
             "defaults, not the shared table's). Every other table is shared by all cities; a "
             "table smogsim does not know stops the run.", regional=True, keys=tuple(
                 Key(t.name.split(".")[0], _kind_of(t), f"Replaces the shared {t.header} for "
                     "this city.", ABSENT) for t in CITY_OVERRIDES))

TABLES: tuple[Table, ...] = (SCENARIO, INVENTORY, FORECAST, REGION, AREA_SOURCES, MEASURES,
                             SEASONAL, COMPLIANCE, TRANSPORT, AIRQUALITY, CITY)
SCHEMA: dict[str, Table] = {table.name: table for table in TABLES}


def _file_layout(regional: bool) -> Table:
    """A whole scenario file: its top-level tables; an unknown one is refused. One-city files
    name ``scenario.city`` only."""
    one_city = replace(SCENARIO, keys=tuple(k for k in SCENARIO.keys if k.name != "cities"))
    keys = tuple(Key(t.name.split(".")[0], _kind_of(t if regional or t is not SCENARIO
                                                    else one_city), t.meaning,
                     REQUIRED if t.required else ABSENT)
                 for t in TABLES if regional or not t.regional)
    return Table("", "", "A scenario file.", keys, unknown="table")


FILE = _file_layout(regional=False)  # smogsim run: one city
REGIONAL_FILE = _file_layout(regional=True)  # smogsim regional: several cities
REGIONAL_TABLES = tuple(t.name.split(".")[0] for t in TABLES if t.regional)


def default(table: str, key: str):
    """The default value of ``table.key`` as written in the reference."""
    return SCHEMA[table].key(key).default


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
        "simulator/spec/schema.py; do not edit by hand. -->",
        "",
        "Every table and key a scenario file may hold. `docs/scenario.md` shows a whole file; "
        "this page lists each key with its type, its default when left out, the values it "
        "accepts, what it means and where the default comes from (sources.md §N, or an "
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
            lines.append(f"| `{key.name}` | {key.kind.label} | {_default_cell(key.default)} | "
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
