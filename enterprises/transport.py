"""Transport restrictions (应急运输响应, sources.md §5): fleets, truck rules, the gate, emissions.

Three layers, pvlib-style:

- data holders: ``Fleet`` (per-enterprise trips, haul length, mix by emission standard and
  exemption flags, aligned to an inventory), ``EmissionFactors`` (g/km by standard),
  ``TransportRules`` (which standards each enterprise may use at a level) and ``GatePolicy``
  (what happens to a blocked trip);
- pure functions: ``synthesize_fleets`` for cities without a gate ledger;
- one orchestrator: ``transport_tally`` plays the gate over alert segments and returns a
  ``TransportResult`` of flat frames (per enterprise and segment; production limits).

Trips are counts per enterprise and day-block drawn in bulk from the run's generator; no simpy
process per truck. File access lives in ``enterprises.transport_io``.

A *trip* is one truck visit: it enters and leaves the plant once (one 进 and one 出 on the gate
ledger), hauling ``trip_km`` one way loaded and returning empty (assumption), so it drives
2 × ``trip_km``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.errors import TableError
from enterprises.grades import GRADES, normalise_grade
from enterprises.industries import INDUSTRIES, KEY_INDUSTRY_IDS, parse_industry

# -- vocabulary --------------------------------------------------------------------------------

# Heavy-truck classes of the fleet ledger: diesel by China stage, gas (LNG/CNG) by stage,
# battery-electric. "china3" holds 国三 and older; "gas4" gas 国四 and older. A rule bans gas
# trucks only where it says so (``TruckRule.gas_included``, sources.md §4.3, §11).
STANDARDS: tuple[str, ...] = (
    "china3", "china4", "china5", "china6", "gas4", "gas5", "gas6", "electric",
)
FUELS: tuple[str, ...] = ("diesel",) * 4 + ("gas",) * 3 + ("electric",)  # per STANDARDS
IS_GAS = np.array([f == "gas" for f in FUELS])
STANDARD_ZH: dict[str, str] = {
    "china3": "国三及以下", "china4": "国四", "china5": "国五", "china6": "国六",
    "gas4": "燃气国四及以下", "gas5": "燃气国五", "gas6": "燃气国六", "electric": "新能源",
}
ELECTRIC_STAGE = 99  # electric trucks pass any stage rule; only a road-transport stop bars them
STAGE = np.array([3, 4, 5, 6, 4, 5, 6, ELECTRIC_STAGE], dtype=np.int64)
N_STANDARDS = len(STANDARDS)

# Pollutants of the transport tally, named as in the inventory (enterprises.schema.POLLUTANTS).
TRANSPORT_POLLUTANTS: tuple[str, ...] = ("NOx", "PM", "VOCs")

# Exemption flags of the fleet ledger (sources.md §5 "Exemptions").
EXEMPTIONS: tuple[str, ...] = ("livelihood_logistics", "hazardous_chemicals", "safe_operation")

# assumption: a plant's road haul when the ledger gives none. Plant-level haul distances are
# [NOT FOUND] (sources.md §12.5); the national 174 km average is long-distance commercial freight.
DEFAULT_TRIP_KM = 50.0
# 重点用车企业: 日载货车辆进出10辆次及以上 (sources.md §5) — the fallback of ``key_users``.
DEFAULT_KEY_THRESHOLD = 10.0

# Who is a 重点用车企业, in order: the list's flag, the industry, the trips threshold. The first
# source that has something to say about an enterprise decides (``key_users``).
KEY_SOURCES: tuple[str, ...] = ("list", "industry", "trips")
# Bulk-material industries (涉及大宗原材料及产品运输) whose plants are key vehicle users: 建材
# (building materials), 化工 (chemicals), 有色 (non-ferrous) and 钢铁/焦化 (ferrous) —
# sources.md §5 (Bazhong: 水泥、建材、有色、化工、矿山; Shandong: 钢铁、焦化、有色、石化、水泥),
# §11 (Shijiazhuang Luquan, bulk goods). 造纸, 食品, mines and logistics are bulk haulers too but
# sit under 其他 (other) in the list, where the industry says nothing and trips decide.
BULK_FAMILIES: tuple[str, ...] = ("ferrous", "non_ferrous", "building_materials", "chemicals")
BULK_INDUSTRY_IDS: frozenset[str] = frozenset(
    i.id for i in INDUSTRIES if i.family in BULK_FAMILIES)


class FleetError(TableError):
    """A problem in a fleet ledger (gate-system vehicle ledger)."""


class TransportRulesError(ValueError):
    """A transport rule file that cannot be used; one line naming file, key and value."""


# -- fleets ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Fleet:
    """Heavy-truck fleets as parallel arrays, one row per enterprise; arrays are read-only.

    ``daily_trips``: truck visits per day (trips/d); ``trip_km``: one-way haul, km;
    ``mix``: (n, 8) share of trips by ``STANDARDS``, rows summing to 1 (0 for no trucks; a
    ledger of truck counts is normalised, assuming every truck makes the same number of
    trips); ``exempt``: (n, 3) flags in ``EXEMPTIONS`` order; ``nonroad_china2``: count of
    国二-and-older non-road machines in the plant.
    """

    ids: np.ndarray
    daily_trips: np.ndarray
    trip_km: np.ndarray
    mix: np.ndarray
    exempt: np.ndarray
    nonroad_china2: np.ndarray

    def __post_init__(self) -> None:
        ids = np.array(self.ids, dtype=object).reshape(-1)
        n = len(ids)
        arrays = {
            "ids": ids,
            "daily_trips": np.array(self.daily_trips, dtype=np.float64),
            "trip_km": np.array(self.trip_km, dtype=np.float64),
            "mix": np.array(self.mix, dtype=np.float64),
            "exempt": np.array(self.exempt, dtype=bool),
            "nonroad_china2": np.array(self.nonroad_china2, dtype=np.int64),
        }
        shapes = {"mix": (n, N_STANDARDS), "exempt": (n, len(EXEMPTIONS))}
        for name, arr in arrays.items():
            shape = shapes.get(name, (n,))
            if arr.shape != shape:
                raise ValueError(f"Fleet.{name} has shape {arr.shape}; expected {shape}")
        arrays["mix"] = _normalise_mix(arrays["mix"])
        for name in ("daily_trips", "trip_km", "nonroad_china2"):
            if not (np.isfinite(arrays[name]) & (arrays[name] >= 0)).all():
                raise ValueError(f"Fleet.{name} must be finite and ≥ 0")
        no_mix = (arrays["daily_trips"] > 0) & (arrays["mix"].sum(axis=1) == 0)
        if no_mix.any():
            raise ValueError(f"Fleet {ids[np.argmax(no_mix)]!r} has trips but no fleet mix")
        for name, arr in arrays.items():
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls, ids: Sequence[str] | np.ndarray) -> Fleet:
        """No trucks for any of ``ids``."""
        n = len(ids)
        return cls(np.asarray(ids, dtype=object), np.zeros(n), np.full(n, DEFAULT_TRIP_KM),
                   np.zeros((n, N_STANDARDS)), np.zeros((n, len(EXEMPTIONS)), bool),
                   np.zeros(n, np.int64))

    def align(self, ids: Sequence[str] | np.ndarray) -> Fleet:
        """The fleet in the order of ``ids`` (e.g. ``Inventory.ids``).

        Enterprises missing from the ledger get no trucks; ledger rows whose id is not in
        ``ids`` are dropped — list them with ``unmatched(ids)`` to report them.
        """
        ids = np.asarray(ids, dtype=object)
        pos = pd.Index(self.ids).get_indexer(ids)
        found = pos >= 0
        out = Fleet.empty(ids)
        take = pos[found]
        return Fleet(
            ids,
            _put(out.daily_trips, found, self.daily_trips[take]),
            _put(out.trip_km, found, self.trip_km[take]),
            _put(out.mix, found, self.mix[take]),
            _put(out.exempt, found, self.exempt[take]),
            _put(out.nonroad_china2, found, self.nonroad_china2[take]),
        )

    def unmatched(self, ids: Sequence[str] | np.ndarray) -> np.ndarray:
        """Ledger ids that are not among ``ids``, in ledger order."""
        return self.ids[~np.isin(self.ids, np.asarray(ids, dtype=object))]

    def is_key(self, threshold: float = DEFAULT_KEY_THRESHOLD) -> np.ndarray:
        """``daily_trips ≥ threshold`` (10 trips/d by default, sources.md §5): the trips
        fallback of ``key_users``."""
        return self.daily_trips >= threshold

    def share_at_least(self, stage: int) -> np.ndarray:
        """Share of trips by trucks of China stage ≥ ``stage`` or electric, per enterprise."""
        return self.mix[:, stage <= STAGE].sum(axis=1)

    def to_frame(self) -> pd.DataFrame:
        """Ledger columns (see ``enterprises.transport_io.FLEET_COLUMNS``); mix as shares."""
        data: dict[str, Any] = {"enterprise_id": self.ids, "daily_trips": self.daily_trips,
                                "trip_km": self.trip_km}
        data |= {s: self.mix[:, j] for j, s in enumerate(STANDARDS)}
        data |= {e: self.exempt[:, j] for j, e in enumerate(EXEMPTIONS)}
        data["nonroad_china2"] = self.nonroad_china2
        return pd.DataFrame({k: np.array(v) for k, v in data.items()})


def _normalise_mix(mix: np.ndarray) -> np.ndarray:
    total = mix.sum(axis=1, keepdims=True)
    return np.divide(mix, total, out=np.zeros_like(mix), where=total > 0)


def _put(base: np.ndarray, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = base.copy()
    out[rows] = values
    return out


# -- emission factors --------------------------------------------------------------------------

# Which column of the factor table feeds each tally pollutant. PM uses the guide's PM10 exhaust
# factor, the closer match to the inventory's total particulate (颗粒物) — assumption; VOCs use
# exhaust HC, the only organic factor in the guide (sources.md §12.1).
FACTOR_COLUMNS: dict[str, str] = {"NOx": "nox_g_km", "PM": "pm10_g_km", "VOCs": "hc_g_km"}


@dataclass(frozen=True, eq=False)
class EmissionFactors:
    """Exhaust factors, g/km per vehicle: ``g_per_km[s, p]`` for standard s, pollutant p.

    Standards in ``STANDARDS`` order, pollutants in ``TRANSPORT_POLLUTANTS`` order;
    ``sources[s]`` says where each row comes from.
    """

    g_per_km: np.ndarray
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        arr = np.array(self.g_per_km, dtype=np.float64)
        if arr.shape != (N_STANDARDS, len(TRANSPORT_POLLUTANTS)):
            raise ValueError(f"g_per_km has shape {arr.shape}; expected "
                             f"({N_STANDARDS}, {len(TRANSPORT_POLLUTANTS)})")
        if not (np.isfinite(arr) & (arr >= 0)).all():
            raise ValueError("emission factors must be finite and ≥ 0")
        arr.flags.writeable = False
        object.__setattr__(self, "g_per_km", arr)

    @classmethod
    @functools.cache
    def default(cls) -> EmissionFactors:
        """The bundled ``enterprises/data/truck_emission_factors.csv``, loaded once."""
        from enterprises.transport_io import load_emission_factors  # io owns file access

        return load_emission_factors()

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.g_per_km, columns=[FACTOR_COLUMNS[p]
                                                     for p in TRANSPORT_POLLUTANTS])
        frame.insert(0, "standard", STANDARDS)
        frame["source"] = self.sources
        return frame


# -- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TruckRule:
    """One truck rule: from ``from_level`` up, enterprises in scope may only use diesel trucks
    of stage ≥ ``min_stage`` (gas trucks too when ``gas_included``; electric always);
    ``stop_road_transport`` bars every truck; ``idle_nonroad`` idles 国二-and-older non-road
    machinery.

    Scope: ``key_only`` (重点用车企业 only), ``industries``/``grades`` (None = all), and
    not exempt by any flag in ``exempt``.
    """

    id: str
    from_level: Level
    source: str
    min_stage: int = 0
    gas_included: bool = False
    stop_road_transport: bool = False
    idle_nonroad: bool = False
    key_only: bool = False
    industries: frozenset[str] | None = None
    grades: frozenset[str] | None = None
    exempt: tuple[str, ...] = EXEMPTIONS


@dataclass(frozen=True)
class GradeRequirement:
    """Grading indicator (sources.md §4.3): at least ``min_share`` of road haulage by trucks of
    stage ≥ ``min_stage`` or electric, for ``industry`` at ``grade``."""

    industry: str
    grade: str
    min_stage: int
    min_share: float
    source: str


@dataclass(frozen=True)
class GateOrder:
    """What the gate enforces at one level, per enterprise (arrays of length n).

    ``allowed[i, s]``: may enterprise i use standard s; ``idle_nonroad``: its 国二-and-older
    non-road machinery is idled; ``rules``: ids of the rules that bind it, joined by "+";
    ``exempted``: a rule would bind it but an exemption flag lifts it.
    """

    allowed: np.ndarray
    idle_nonroad: np.ndarray
    rules: np.ndarray
    exempted: np.ndarray


class EnterpriseArrays(Protocol):
    """What the tally reads from an inventory (``enterprises.Inventory`` has all of it)."""

    ids: np.ndarray
    cities: np.ndarray
    counties: np.ndarray
    industries: np.ndarray
    grades: np.ndarray
    livelihood: np.ndarray


@dataclass(frozen=True)
class TransportRules:
    """A transport rule set: truck rules by level plus grade requirements.

    ``livelihood_enterprises_exempt``: treat the haulage of 民生保障 enterprises of the
    inventory as livelihood logistics (assumption; sources.md §5 exempts 民生保障 logistics).
    ``key_sources``: who is a 重点用车企业, in order (``key_users``); ``key_industries``: the
    bulk-material industries of the "industry" source; ``key_threshold``: trips/d of the
    "trips" fallback.
    """

    id: str
    title: str
    source: str
    rules: tuple[TruckRule, ...]
    key_threshold: float = DEFAULT_KEY_THRESHOLD
    key_sources: tuple[str, ...] = KEY_SOURCES
    key_industries: frozenset[str] = BULK_INDUSTRY_IDS
    livelihood_enterprises_exempt: bool = True
    grade_requirements: tuple[GradeRequirement, ...] = ()

    @classmethod
    def default(cls) -> TransportRules:
        """The bundled default rule set ("national")."""
        return cls.builtin()

    @classmethod
    @functools.cache
    def builtin(cls, ruleset: str | None = None) -> TransportRules:
        """A rule set of the bundled ``enterprises/data/transport_rules.toml``."""
        from enterprises.transport_io import load_transport_rules  # io owns file access

        return load_transport_rules(ruleset=ruleset)

    def key_users(
        self,
        fleet: Fleet,
        industries: np.ndarray | Sequence[str],
        listed: np.ndarray | Sequence[bool] | None = None,
        stated: np.ndarray | Sequence[bool] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Who is a 重点用车企业: (key, source) per enterprise, aligned with ``fleet``.

        The sources of ``key_sources`` are asked in order; the first with something to say
        decides and is named in ``source``:

        - "list": the list's 重点用车企业 flag ``listed`` where ``stated`` (a yes/no mark, or
          own measures naming the truck ban; ``Inventory.key_vehicle_user``/``_stated``);
        - "industry": key if the industry is a bulk-material one (``key_industries``), not key
          for the other graded industries; silent for "other" (其他, 一厂一策);
        - "trips": ``daily_trips ≥ key_threshold`` (the labelled fallback, sources.md §5).

        Where no source speaks, the enterprise is not key and its source is "none".
        """
        n = len(fleet)
        industries = np.asarray(industries, dtype=object)
        key = np.zeros(n, dtype=bool)
        source = np.full(n, "none", dtype=object)
        open_ = np.ones(n, dtype=bool)
        for name in self.key_sources:
            if name == "list":
                if listed is None:
                    continue
                says = open_ & (np.ones(n, bool) if stated is None else np.asarray(stated, bool))
                value = np.asarray(listed, dtype=bool)
            elif name == "industry":
                says = open_ & np.isin(industries, KEY_INDUSTRY_IDS)
                value = np.isin(industries, list(self.key_industries))
            else:
                says, value = open_, fleet.is_key(self.key_threshold)
            key = np.where(says, value, key)
            source = np.where(says, name, source)
            open_ &= ~says
        return key, source

    def order(
        self,
        level: Level | str | int,
        fleet: Fleet,
        industries: np.ndarray | Sequence[str],
        grades: np.ndarray | Sequence[str],
        livelihood: np.ndarray | Sequence[bool] | None = None,
        key: np.ndarray | None = None,
    ) -> GateOrder:
        """What the gate enforces for every enterprise at ``level``, vectorised.

        ``industries`` and ``grades`` are canonical ids as an ``Inventory`` holds them,
        aligned with ``fleet``; ``key``: the 重点用车企业 (default: ``key_users`` without a
        list flag). Several binding rules combine to the strictest: the highest ``min_stage``
        wins for diesel, and for gas among the rules that include gas; any road-transport stop
        bars every truck.
        """
        level = Level.parse(level)
        n = len(fleet)
        industries = np.asarray(industries, dtype=object)
        grades = np.asarray(grades, dtype=object)
        flags = self.exemption_flags(fleet, livelihood)
        if key is None:
            key = self.key_users(fleet, industries)[0]
        min_stage = np.zeros(n, dtype=np.int64)
        min_gas = np.zeros(n, dtype=np.int64)
        stop = np.zeros(n, dtype=bool)
        idle = np.zeros(n, dtype=bool)
        exempted = np.zeros(n, dtype=bool)
        names = np.full(n, "", dtype=object)
        for rule in self.rules:
            if level < rule.from_level:
                continue
            scope = key if rule.key_only else np.ones(n, dtype=bool)
            if rule.industries is not None:
                scope = scope & np.isin(industries, list(rule.industries))
            if rule.grades is not None:
                scope = scope & np.isin(grades, list(rule.grades))
            cols = [EXEMPTIONS.index(e) for e in rule.exempt]
            lifted = flags[:, cols].any(axis=1) if cols else np.zeros(n, dtype=bool)
            binds = scope & ~lifted
            exempted |= scope & lifted
            min_stage = np.where(binds, np.maximum(min_stage, rule.min_stage), min_stage)
            if rule.gas_included:
                min_gas = np.where(binds, np.maximum(min_gas, rule.min_stage), min_gas)
            stop |= binds & rule.stop_road_transport
            idle |= binds & rule.idle_nonroad
            names = np.where(binds, names + ("+" + rule.id), names)
        floor = np.where(IS_GAS[None, :], min_gas[:, None], min_stage[:, None])
        allowed = (STAGE[None, :] >= floor) & ~stop[:, None]
        rules = np.array([s[1:] for s in names], dtype=object)
        return GateOrder(allowed, idle, rules, exempted & (rules == ""))

    def exemption_flags(self, fleet: Fleet, livelihood=None) -> np.ndarray:
        """(n, 3) exemption flags: the ledger's, plus 民生保障 enterprises as livelihood
        logistics when ``livelihood_enterprises_exempt``."""
        flags = fleet.exempt.copy()
        if livelihood is not None and self.livelihood_enterprises_exempt:
            flags[:, EXEMPTIONS.index("livelihood_logistics")] |= np.asarray(livelihood, bool)
        return flags

    def grade_shortfall(
        self, fleet: Fleet, industries: np.ndarray | Sequence[str],
        grades: np.ndarray | Sequence[str],
    ) -> np.ndarray:
        """How far each fleet falls short of its grade's transport indicator (sources.md §4.3).

        Returns the missing share of compliant trips, ≥ 0 (0 = meets it); NaN where no
        requirement applies or the enterprise has no trucks.
        """
        industries = np.asarray(industries, dtype=object)
        grades = np.asarray(grades, dtype=object)
        out = np.full(len(fleet), np.nan)
        for req in self.grade_requirements:
            rows = (industries == req.industry) & (grades == req.grade) & (fleet.daily_trips > 0)
            short = req.min_share - fleet.share_at_least(req.min_stage)
            out[rows] = np.maximum(0.0, short[rows])
        return out

    # -- construction from parsed TOML -----------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping, ruleset: str | None = None,
                  origin: str = "transport rules") -> TransportRules:
        """Build one rule set from the parsed TOML (see transport_rules.toml for the layout).

        ``ruleset`` picks a table of ``[rulesets]`` (default: the file's ``default``). A rule
        set may ``extends`` another: it inherits its settings and rules, and a rule with the
        same ``id`` replaces the inherited one. Raises ``TransportRulesError``.
        """
        sets = data.get("rulesets")
        if not isinstance(sets, Mapping) or not sets:
            raise TransportRulesError(f"{origin}: key rulesets: missing — expected "
                                      "[rulesets.<id>] tables")
        name = ruleset or str(data.get("default", next(iter(sets))))
        merged = _merged(sets, name, origin)
        where = f"{origin}: rulesets.{name}"
        exempt = _exempt(merged.get("exemptions", EXEMPTIONS), where, "exemptions")
        rules = tuple(_truck_rule(item, f"{where}.rules[{i}]", exempt)
                      for i, item in enumerate(merged["rules"]))
        requirements = tuple(_grade_requirement(item, f"{origin}: grade_requirements[{i}]")
                             for i, item in enumerate(data.get("grade_requirements", ())))
        threshold = _number(merged, "key_threshold_trips", where, DEFAULT_KEY_THRESHOLD)
        key_industries = _industries(merged.get("key_industries", sorted(BULK_INDUSTRY_IDS)),
                                     where, "key_industries")
        return cls(
            id=name,
            title=str(merged.get("title", name)),
            source=str(merged.get("source", "")),
            rules=rules,
            key_threshold=threshold,
            key_sources=_key_sources(merged.get("key_users", list(KEY_SOURCES)), where),
            key_industries=frozenset() if key_industries is None else key_industries,
            livelihood_enterprises_exempt=bool(merged.get("livelihood_enterprises_exempt",
                                                          True)),
            grade_requirements=requirements,
        )


def _merged(sets: Mapping, name: str, origin: str, seen: tuple[str, ...] = ()) -> dict:
    """The rule set ``name`` with everything it ``extends`` folded in."""
    if name not in sets:
        raise TransportRulesError(f"{origin}: key rulesets: value {name!r} — expected one of "
                                  f"{', '.join(sets)}")
    if name in seen:
        raise TransportRulesError(f"{origin}: key rulesets.{name}.extends: value {name!r} — "
                                  "expected no cycle of extends")
    table = dict(sets[name])
    parent = table.pop("extends", None)
    own_rules = list(table.pop("rules", []))
    if parent is None:
        return table | {"rules": own_rules}
    base = _merged(sets, str(parent), origin, (*seen, name))
    rules = list(base.pop("rules"))
    ids = [r.get("id") for r in rules]
    for rule in own_rules:
        if rule.get("id") in ids:
            rules[ids.index(rule.get("id"))] = rule
        else:
            rules.append(rule)
    return base | table | {"rules": rules}


def _bad(where: str, key: str, value: Any, expected: str) -> TransportRulesError:
    return TransportRulesError(f"{where}.{key}: value {value!r} — expected {expected}")


def _number(table: Mapping, key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _bad(where, key, value, "a number ≥ 0")
    return float(value)


def _stage(table: Mapping, key: str, where: str) -> int:
    value = table.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise _bad(where, key, value, "a China stage 0–6 (5 = 国五+ or electric allowed)")
    return value


def _key_sources(value: Any, where: str) -> tuple[str, ...]:
    expected = f"a list of some of {', '.join(KEY_SOURCES)}, each once, in the order asked"
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad(where, "key_users", value, expected)
    value = list(value)
    if not value or any(v not in KEY_SOURCES for v in value) or len(set(value)) < len(value):
        raise _bad(where, "key_users", value, expected)
    return tuple(value)


def _exempt(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad(where, key, value, f"a list of some of {', '.join(EXEMPTIONS)}")
    for flag in value:
        if flag not in EXEMPTIONS:
            raise _bad(where, key, flag, f"some of {', '.join(EXEMPTIONS)}")
    return tuple(value)


def _truck_rule(item: Mapping, where: str, default_exempt: tuple[str, ...]) -> TruckRule:
    try:
        level = Level.parse(item.get("from_level", ""))
    except ValueError:
        raise _bad(where, "from_level", item.get("from_level"),
                   "an alert level such as yellow, orange or red") from None
    who = item.get("who", "all")
    if who not in ("key", "all"):
        raise _bad(where, "who", who, "key (重点用车企业 only) or all")
    exempt = _exempt(item.get("exempt", default_exempt), where, "exempt")
    rule = TruckRule(
        id=str(item.get("id") or where.rsplit(".", 1)[-1]),
        from_level=level,
        source=str(item.get("source", "")),
        min_stage=_stage(item, "min_stage", where),
        gas_included=_flag(item, "gas_included", where),
        stop_road_transport=bool(item.get("stop_road_transport", False)),
        idle_nonroad=bool(item.get("idle_nonroad_china2", False)),
        key_only=who == "key",
        industries=_industries(item.get("industries"), where),
        grades=_grades(item.get("grades"), where),
        exempt=exempt,
    )
    if not (rule.min_stage or rule.stop_road_transport or rule.idle_nonroad):
        raise _bad(where, "min_stage", 0, "a rule that does something: min_stage 1–6, "
                   "stop_road_transport or idle_nonroad_china2")
    return rule


def _flag(table: Mapping, key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise _bad(where, key, value, "true or false")
    return value


def _industries(value: Any, where: str, key: str = "industries") -> frozenset[str] | None:
    if value is None:
        return None
    if value == "key_industries":  # the 39 graded industries of sources.md §4.2
        return frozenset(KEY_INDUSTRY_IDS)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad(where, key, value, "a list of industries or \"key_industries\"")
    try:
        return frozenset(parse_industry(str(v)).id for v in value)
    except ValueError:
        raise _bad(where, key, value, "ids or Chinese names of "
                   "enterprises.industries (e.g. cement or 水泥)") from None


def _grades(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _bad(where, "grades", value, f"a list of grades ({', '.join(GRADES)})")
    try:
        return frozenset(normalise_grade(str(v)) for v in value)
    except ValueError:
        raise _bad(where, "grades", value, f"a list of grades ({', '.join(GRADES)})") from None


def _grade_requirement(item: Mapping, where: str) -> GradeRequirement:
    try:
        industry = parse_industry(str(item.get("industry", ""))).id
    except ValueError:
        raise _bad(where, "industry", item.get("industry"), "an industry id") from None
    try:
        grade = normalise_grade(str(item.get("grade", "")))
    except ValueError:
        raise _bad(where, "grade", item.get("grade"), f"one of {', '.join(GRADES)}") from None
    share = _number(item, "min_share", where, 0.0)
    if share > 1:
        raise _bad(where, "min_share", share, "a share in [0, 1]")
    return GradeRequirement(industry, grade, _stage(item, "min_stage", where), share,
                            str(item.get("source", "")))


# -- the gate ----------------------------------------------------------------------------------

UNSERVED_POLICIES = ("defer", "cancel")
DRAWS = ("poisson", "expected")


@dataclass(frozen=True)
class GatePolicy:
    """What the gate does with blocked trips, and how trips are drawn.

    Capacity rule (explicit): a blocked trip is taken over by a compliant truck of the same
    enterprise while, within each day-block of an alert segment, its compliant trucks make at
    most ``surge`` × their usual trips (usual = the block's expected compliant trips). So
    ``surge = 1`` means no substitution, 2 means each compliant truck can do double duty.
    The rest are ``"defer"``-red (made after the rule lifts, by the original truck) or
    ``"cancel"``-led.

    ``draw``: ``"poisson"`` draws each block's trips by standard from the run's generator;
    ``"expected"`` uses the means (fractional trips) — for golden tests and planning runs.
    ``diurnal``: 24 weights of trips by clock hour (mean 1; None = flat); ``start_hour_of_day``
    is the clock hour of run hour 0. ``inbound_share``: share of visits that deliver raw
    material. ``buffer_days``: raw-material stock, in days of full production, that a plant
    holds when an episode starts (None: no production limits).
    """

    surge: float = 1.5  # assumption: an extra half shift per compliant truck; no source
    unserved: str = "defer"  # assumption: bulk material still has to move after the alert
    draw: str = "poisson"
    diurnal: tuple[float, ...] | None = None
    start_hour_of_day: int = 0
    inbound_share: float = 0.5  # assumption: as many deliveries in as product shipments out
    buffer_days: float | None = 3.0  # assumption: a few days of raw material on the yard
    block_hours: float = 24.0  # the capacity rule's period: trips per truck per day

    def __post_init__(self) -> None:
        if not self.surge >= 1:
            raise ValueError(f"surge {self.surge} must be ≥ 1")
        if self.unserved not in UNSERVED_POLICIES:
            raise ValueError(f"unserved {self.unserved!r}; expected one of {UNSERVED_POLICIES}")
        if self.draw not in DRAWS:
            raise ValueError(f"draw {self.draw!r}; expected one of {DRAWS}")
        if self.diurnal is not None:
            w = np.asarray(self.diurnal, float)
            if w.shape != (24,) or (w < 0).any() or not np.isclose(w.mean(), 1.0):
                raise ValueError("diurnal needs 24 weights ≥ 0 with mean 1")
        if not 0 <= self.inbound_share <= 1:
            raise ValueError(f"inbound_share {self.inbound_share} must be in [0, 1]")
        if self.buffer_days is not None and self.buffer_days < 0:
            raise ValueError(f"buffer_days {self.buffer_days} must be ≥ 0")
        if not self.block_hours > 0:
            raise ValueError(f"block_hours {self.block_hours} must be > 0")

    def day_fraction(self, start: float, end: float) -> float:
        """Share of a day's trips falling in run hours ``[start, end)`` (profile-weighted)."""
        if self.diurnal is None:
            return (end - start) / 24.0
        w = np.asarray(self.diurnal, float)
        first, last = int(np.floor(start)), int(np.ceil(end))
        hours = np.arange(first, last)
        overlap = np.minimum(hours + 1, end) - np.maximum(hours, start)
        return float((w[(hours + self.start_hour_of_day) % 24] * overlap).sum() / 24.0)


COUNT_COLUMNS = ("trips", "trips_blocked", "substituted", "deferred", "cancelled")
RESULT_KEYS = ("episode", "segment", "level", "start_h", "end_h")
ENTERPRISE_COLUMNS = ("enterprise", "city", "county", "industry", "grade", "key", "key_source",
                      "rules", "exempted")


def _emission_columns() -> list[str]:
    cols = [f"{p}_{k}_kg" for p in TRANSPORT_POLLUTANTS for k in ("baseline", "actual", "cut")]
    return cols + [f"{p}_deferred_kg" for p in TRANSPORT_POLLUTANTS]


PER_ENTERPRISE_COLUMNS = (*RESULT_KEYS, *ENTERPRISE_COLUMNS, *COUNT_COLUMNS, "nonroad_idled",
                          *_emission_columns())
SUM_COLUMNS = (*COUNT_COLUMNS, "nonroad_idled", *_emission_columns())
PRODUCTION_LIMIT_COLUMNS = ("enterprise", "start_h", "end_h", "max_production_fraction")


@dataclass(frozen=True)
class TransportResult:
    """Flat result frames of ``transport_tally``.

    ``per_enterprise``: one row per (alert segment, enterprise with trucks); counts in trips,
    emissions in kg, with ``*_deferred_kg`` the emissions of deferred trips made after the rule
    lifts (outside the segment, so not in its actual). ``production_limits``: (enterprise,
    ``[start_h, end_h)``, max production fraction < 1) for the engine to apply.
    """

    per_enterprise: pd.DataFrame
    production_limits: pd.DataFrame

    def rollup(self, *keys: str) -> pd.DataFrame:
        """Sums of counts and kg by any of episode, segment, level, city, county, industry,
        grade (e.g. ``rollup("city")``, ``rollup("episode", "county")``)."""
        keys = keys or ("episode",)
        frame = self.per_enterprise
        return frame.groupby(list(keys), sort=True)[list(SUM_COLUMNS)].sum().reset_index()

    def episode_rows(self) -> pd.DataFrame:
        """Per episode segment and pollutant, tonnes — shaped like the engine's episode table:
        episode, level, start_h, end_h, pollutant, baseline_t, actual_t, cut_t, plus the trip
        counts of the segment."""
        seg = self.rollup("episode", "segment", "level", "start_h", "end_h")
        rows = []
        for p in TRANSPORT_POLLUTANTS:
            part = seg[["episode", "segment", "level", "start_h", "end_h", *COUNT_COLUMNS]].copy()
            part.insert(5, "pollutant", p)
            for k in ("baseline", "actual", "cut"):
                part.insert(6 + ("baseline", "actual", "cut").index(k), f"{k}_t",
                            seg[f"{p}_{k}_kg"] / 1000.0)
            rows.append(part)
        if not rows or seg.empty:
            return pd.DataFrame(columns=["episode", "segment", "level", "start_h", "end_h",
                                         "pollutant", "baseline_t", "actual_t", "cut_t",
                                         *COUNT_COLUMNS])
        out = pd.concat(rows, ignore_index=True)
        return out.sort_values(["segment", "pollutant"], kind="stable", ignore_index=True)


SegmentLike = tuple[Level | str | int, float, float] | Any


def transport_tally(
    fleet: Fleet,
    enterprises: EnterpriseArrays,
    segments: Iterable[SegmentLike],
    rules: TransportRules | None = None,
    rng: np.random.Generator | None = None,
    policy: GatePolicy | None = None,
    factors: EmissionFactors | None = None,
) -> TransportResult:
    """Play the truck gate over alert segments and tally trips and exhaust emissions.

    ``fleet`` must be aligned to ``enterprises.ids`` (``Fleet.align``). ``segments`` are
    ``(level, start_h, end_h)`` in hours from the run start, half-open, in time order — or any
    objects with ``level``, ``start``, ``end`` (the engine's ledger segments). Segments at
    level "none" are skipped; touching alert segments form one episode.

    Each segment is cut into day-blocks (``policy.block_hours`` from its start). Per block and
    enterprise, trips by standard are drawn from ``rng`` as Poisson counts with mean
    daily_trips × share × (profile-weighted day fraction) — the exact distribution of the summed
    hourly counts, with memory O(enterprises × standards) whatever the alert's length. Blocked
    trips are substituted up to the capacity rule of ``GatePolicy``, the rest deferred or
    cancelled. Emissions: trips × 2 × trip_km × factor (g/km) / 1000 = kg; a substitute truck
    emits at the enterprise's compliant-mix mean factor. Conservation baseline = actual + cut
    holds per row.
    """
    rules = TransportRules.default() if rules is None else rules
    policy = GatePolicy() if policy is None else policy
    factors = EmissionFactors.default() if factors is None else factors
    if policy.draw == "poisson" and rng is None:
        raise ValueError("draw='poisson' needs the run's numpy Generator (rng)")
    ids = np.asarray(enterprises.ids, dtype=object)
    if len(fleet) != len(ids) or not np.array_equal(fleet.ids, ids):
        raise ValueError("fleet is not aligned to the enterprises; use fleet.align(ids)")
    rows = np.flatnonzero(fleet.daily_trips > 0)  # only enterprises with trucks take part
    sub = _Trucks(fleet, enterprises, rows, rules, factors)
    frames, limits = [], []
    stock, stocked_for = np.full(len(rows), np.nan), None
    for seg_no, episode, level, start, end in _episodes(segments):
        if episode != stocked_for:  # assumption: the yard is full again when an episode starts
            stock, stocked_for = np.full(len(rows), policy.buffer_days or 0.0), episode
        order = rules.order(level, sub.fleet, sub.industries, sub.grades, sub.livelihood,
                            sub.key)
        tally = _SegmentTally(len(rows))
        for b_start, b_end in _blocks(start, end, policy.block_hours):
            gate = _gate_block(sub, order, policy, rng, policy.day_fraction(b_start, b_end))
            tally.add(gate)
            if policy.buffer_days is not None:
                limit, stock = _production(gate, stock, policy.inbound_share,
                                           policy.buffer_days, (b_end - b_start) / 24.0)
                limits.append(_limit_rows(sub.ids, limit, b_start, b_end))
        frames.append(sub.frame(tally, order, (episode, seg_no, level.id, start, end)))
    per = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame(columns=list(PER_ENTERPRISE_COLUMNS)))
    prod = (pd.concat(limits, ignore_index=True) if limits
            else pd.DataFrame(columns=list(PRODUCTION_LIMIT_COLUMNS)))
    return TransportResult(per, prod)


def _episodes(segments: Iterable[SegmentLike]):
    """(segment no, episode no, level, start, end) of the alert segments, in order."""
    episode, previous_end, number = 0, None, 0
    for seg in segments:
        if isinstance(seg, tuple | list):
            level, start, end = seg
        else:
            level, start, end = seg.level, seg.start, seg.end
        level, start, end = Level.parse(level), float(start), float(end)
        if end < start:
            raise ValueError(f"segment [{start}, {end}) ends before it starts")
        if level == Level.NONE or end == start:
            previous_end = None
            continue
        if previous_end is None or start != previous_end:
            episode += 1
        previous_end = end
        number += 1
        yield number, episode, level, start, end


def _blocks(start: float, end: float, length: float):
    edges = np.append(np.arange(start, end, length), end)
    return itertools.pairwise(edges)


class _Trucks:
    """The enterprises with trucks, with what the gate needs precomputed."""

    def __init__(self, fleet: Fleet, ent: EnterpriseArrays, rows: np.ndarray,
                 rules: TransportRules, factors: EmissionFactors) -> None:
        self.rows = rows
        self.ids = fleet.ids[rows]
        self.fleet = Fleet(self.ids, fleet.daily_trips[rows], fleet.trip_km[rows],
                           fleet.mix[rows], fleet.exempt[rows], fleet.nonroad_china2[rows])
        self.industries = np.asarray(ent.industries, dtype=object)[rows]
        self.grades = np.asarray(ent.grades, dtype=object)[rows]
        self.livelihood = np.asarray(ent.livelihood, dtype=bool)[rows]
        self.cities = np.asarray(ent.cities, dtype=object)[rows]
        self.counties = np.asarray(ent.counties, dtype=object)[rows]
        listed, stated = (getattr(ent, name, None) for name in ("key_vehicle_user",
                                                                  "key_vehicle_stated"))
        self.key, self.key_source = rules.key_users(
            self.fleet, self.industries,
            None if listed is None else np.asarray(listed, dtype=bool)[rows],
            None if stated is None else np.asarray(stated, dtype=bool)[rows])
        # kg per trip by standard and pollutant: 2 × km (round trip) × g/km ÷ 1000.
        self.kg_per_trip = (2.0 * self.fleet.trip_km[:, None, None]
                            * factors.g_per_km[None, :, :] / 1000.0)

    def frame(self, tally: _SegmentTally, order: GateOrder, keys: tuple) -> pd.DataFrame:
        episode, seg_no, level, start, end = keys
        n = len(self.ids)
        data: dict[str, Any] = {
            "episode": np.full(n, episode), "segment": np.full(n, seg_no),
            "level": np.full(n, level, dtype=object), "start_h": np.full(n, start),
            "end_h": np.full(n, end), "enterprise": self.ids, "city": self.cities,
            "county": self.counties, "industry": self.industries, "grade": self.grades,
            "key": self.key, "key_source": self.key_source, "rules": order.rules,
            "exempted": order.exempted,
        }
        data |= {c: getattr(tally, c) for c in COUNT_COLUMNS}
        data["nonroad_idled"] = np.where(order.idle_nonroad, self.fleet.nonroad_china2, 0)
        for j, p in enumerate(TRANSPORT_POLLUTANTS):
            data[f"{p}_baseline_kg"] = tally.baseline[:, j]
            data[f"{p}_actual_kg"] = tally.actual[:, j]
            data[f"{p}_cut_kg"] = tally.baseline[:, j] - tally.actual[:, j]
        for j, p in enumerate(TRANSPORT_POLLUTANTS):
            data[f"{p}_deferred_kg"] = tally.deferred_kg[:, j]
        return pd.DataFrame(data, columns=list(PER_ENTERPRISE_COLUMNS))


@dataclass
class _Gate:
    """One day-block at the gate, per enterprise (length n; emissions (n, 3) kg)."""

    expected: np.ndarray
    trips: np.ndarray
    blocked: np.ndarray
    substituted: np.ndarray
    unserved: np.ndarray
    deferred: np.ndarray
    cancelled: np.ndarray
    baseline: np.ndarray
    actual: np.ndarray
    unserved_kg: np.ndarray


def _gate_block(sub: _Trucks, order: GateOrder, policy: GatePolicy,
                rng: np.random.Generator | None, day_fraction: float) -> _Gate:
    fleet = sub.fleet
    mean = fleet.daily_trips[:, None] * fleet.mix * day_fraction  # (n, 8) expected trips
    if policy.draw != "poisson":
        counts = mean
    elif rng is None:  # run_gate checks this first
        raise ValueError("draw='poisson' needs the run's numpy Generator (rng)")
    else:
        counts = rng.poisson(mean).astype(np.float64)
    allowed = order.allowed
    blocked_by_std = np.where(allowed, 0.0, counts)
    blocked = blocked_by_std.sum(axis=1)
    compliant = counts.sum(axis=1) - blocked
    quota = policy.surge * np.where(allowed, mean, 0.0).sum(axis=1)
    if policy.draw == "poisson":
        quota = np.floor(quota)  # whole trips only
    substituted = np.minimum(blocked, np.maximum(0.0, quota - compliant))
    unserved = blocked - substituted
    baseline = np.einsum("ns,nsp->np", counts, sub.kg_per_trip)
    blocked_kg = np.einsum("ns,nsp->np", blocked_by_std, sub.kg_per_trip)
    compliant_mix = np.where(allowed, fleet.mix, 0.0)
    share = compliant_mix.sum(axis=1, keepdims=True)
    weights = np.divide(compliant_mix, share, out=np.zeros_like(compliant_mix), where=share > 0)
    kg_substitute = np.einsum("ns,nsp->np", weights, sub.kg_per_trip)  # per substituted trip
    actual = baseline - blocked_kg + substituted[:, None] * kg_substitute
    unserved_kg = np.divide(unserved, blocked, out=np.zeros_like(unserved),
                            where=blocked > 0)[:, None] * blocked_kg
    defer = policy.unserved == "defer"
    return _Gate(
        expected=mean.sum(axis=1), trips=counts.sum(axis=1), blocked=blocked,
        substituted=substituted, unserved=unserved,
        deferred=unserved if defer else np.zeros_like(unserved),
        cancelled=np.zeros_like(unserved) if defer else unserved,
        baseline=baseline, actual=actual, unserved_kg=unserved_kg if defer else 0 * unserved_kg,
    )


class _SegmentTally:
    """Sums of a segment's day-blocks."""

    def __init__(self, n: int) -> None:
        # one per COUNT_COLUMNS
        self.trips = np.zeros(n)
        self.trips_blocked = np.zeros(n)
        self.substituted = np.zeros(n)
        self.deferred = np.zeros(n)
        self.cancelled = np.zeros(n)
        self.baseline = np.zeros((n, len(TRANSPORT_POLLUTANTS)))
        self.actual = np.zeros_like(self.baseline)
        self.deferred_kg = np.zeros_like(self.baseline)

    def add(self, gate: _Gate) -> None:
        self.trips += gate.trips
        self.trips_blocked += gate.blocked
        self.substituted += gate.substituted
        self.deferred += gate.deferred
        self.cancelled += gate.cancelled
        self.baseline += gate.baseline
        self.actual += gate.actual
        self.deferred_kg += gate.unserved_kg


def _production(gate: _Gate, stock: np.ndarray, inbound_share: float, buffer_days: float,
                days: float) -> tuple[np.ndarray, np.ndarray]:
    """Max production fraction over a block, and the raw-material stock after it.

    Stock is in days of full production. Deliveries arrive at the usual rate except the
    unserved (deferred or cancelled) inbound trips: a deferred delivery comes after the rule
    lifts, too late for this block. Blocked trips are inbound in ``inbound_share``
    (assumption: the same share as all trips). The yard is not refilled above the buffer
    (``buffer_days``; ``GatePolicy``).
    """
    usual_in = inbound_share * gate.expected
    missing_in = inbound_share * gate.unserved
    delivered = np.divide(usual_in - missing_in, usual_in, out=np.ones_like(usual_in),
                          where=usual_in > 0)
    received = np.clip(delivered, 0.0, 1.0) * days
    produce = np.minimum(1.0, (stock + received) / days)
    after = np.minimum(float(buffer_days), stock + received - produce * days)
    return produce, after


def _limit_rows(ids: np.ndarray, limit: np.ndarray, start: float, end: float) -> pd.DataFrame:
    short = limit < 1.0 - 1e-12
    return pd.DataFrame({
        "enterprise": ids[short], "start_h": start, "end_h": end,
        "max_production_fraction": limit[short],
    }, columns=list(PRODUCTION_LIMIT_COLUMNS))


# -- synthetic fleets --------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetProfile:
    """Typical trucks of an industry: median trips/d, one-way haul km."""

    daily_trips: float
    trip_km: float


# assumption (all figures): bulk-material industries (cement, brick, glass, foundry, steel,
# coking, lime, …) run many trucks on short regional hauls; VOC industries (printing, coating,
# furniture, …) a few. Plant-level trips and hauls are [NOT FOUND] (sources.md §12.5).
FLEET_PROFILES: dict[str, FleetProfile] = {
    "steel_integrated": FleetProfile(300, 60), "steel_eaf": FleetProfile(80, 60),
    "ferroalloy": FleetProfile(40, 80), "coking": FleetProfile(150, 60),
    "lime_kiln": FleetProfile(40, 40), "foundry": FleetProfile(15, 60),
    "alumina": FleetProfile(120, 60), "electrolytic_aluminium": FleetProfile(60, 80),
    "carbon": FleetProfile(30, 80), "cement": FleetProfile(120, 50),
    "brick_tile": FleetProfile(40, 30), "ceramics": FleetProfile(30, 60),
    "refractories": FleetProfile(20, 60), "glass": FleetProfile(30, 60),
    "mineral_wool": FleetProfile(10, 60), "refining_petrochemical": FleetProfile(60, 80),
    "carbon_black": FleetProfile(15, 80), "coal_nitrogen_fertiliser": FleetProfile(40, 60),
    "secondary_nonferrous": FleetProfile(12, 60), "nonferrous_rolling": FleetProfile(10, 80),
}
DEFAULT_PROFILE = FleetProfile(4, 80)  # assumption: VOC and light industries, "other"
TRIPS_SIGMA = 0.6  # assumption: log-normal spread of plant size around the median

# Share of trips by trucks of 国五+/gas 国五+/electric, drawn uniformly in [lo, hi] by grade.
# A 100 %, B ≥ 80 %, C ≥ 50 % is the cement grading indicator (sources.md §4.3), applied to every
# graded industry (assumption). Other ranges are assumptions: Henan/Shanxi fleet shares by
# standard are [NOT FOUND] (sources.md §12.4).
COMPLIANT_SHARE: dict[str, tuple[float, float]] = {
    "A+": (1.0, 1.0), "A": (1.0, 1.0), "引领性": (1.0, 1.0),
    "B": (0.8, 1.0), "非引领性": (0.8, 1.0), "B-": (0.65, 0.95),
    "C": (0.5, 0.9), "D": (0.2, 0.7),
}
UNGRADED_COMPLIANT_SHARE = (0.3, 0.8)  # assumption: "other" (一厂一策) enterprises
# Within the compliant and the non-compliant trips, shares by standard (assumption; the
# 2013/2017/2021 stage dates of sources.md §12.4 make 国五 the bulk of a 2023 fleet).
COMPLIANT_SPLIT = {"china5": 0.55, "china6": 0.30, "gas5": 0.05, "gas6": 0.04, "electric": 0.06}
OLD_SPLIT = {"china3": 0.25, "china4": 0.65, "gas4": 0.10}
SPLIT_CONCENTRATION = 20.0  # assumption: Dirichlet spread of each plant's split
CHEMICAL_HAZMAT_SHARE = 0.3  # assumption: chemical plants hauling hazardous chemicals
CHEMICAL_INDUSTRIES = frozenset({
    "refining_petrochemical", "carbon_black", "coal_nitrogen_fertiliser", "pharmaceuticals",
    "pesticides", "paint", "ink", "cellulose_ether", "coking",
})
NONROAD_PER_TRIP = 0.02  # assumption: old loaders/forklifts, about 1 per 50 daily trips


def synthesize_fleets(enterprises: EnterpriseArrays, rng: np.random.Generator) -> Fleet:
    """Plausible fleets for an inventory, aligned to its ids — all assumptions, see above.

    Daily trips are log-normal around the industry median (rounded; < 1 → no trucks) unless
    the inventory states ``trucks_per_day`` > 0, which is then used as given; the compliant
    share follows the grade, hazardous-chemical haulage is flagged for a share of chemical
    plants. Draws come from ``rng`` in a fixed order.
    """
    ids = np.asarray(enterprises.ids, dtype=object)
    industries = np.asarray(enterprises.industries, dtype=object)
    grades = np.asarray(enterprises.grades, dtype=object)
    n = len(ids)
    profiles = [FLEET_PROFILES.get(i, DEFAULT_PROFILE) for i in industries]
    median = np.array([p.daily_trips for p in profiles], float)
    km = np.array([p.trip_km for p in profiles], float)
    trips = np.round(median * np.exp(rng.normal(0.0, TRIPS_SIGMA, n)))
    stated = getattr(enterprises, "trucks_per_day", None)
    if stated is not None:
        stated = np.asarray(stated, dtype=np.float64)
        trips = np.where(stated > 0, stated, trips)
    graded = np.isin(industries, KEY_INDUSTRY_IDS)
    lo, hi = np.array([COMPLIANT_SHARE.get(g, UNGRADED_COMPLIANT_SHARE) if k
                       else UNGRADED_COMPLIANT_SHARE
                       for g, k in zip(grades, graded, strict=True)], float).reshape(n, 2).T
    compliant = lo + (hi - lo) * rng.random(n)
    mix = np.zeros((n, N_STANDARDS))
    for split, share in ((COMPLIANT_SPLIT, compliant), (OLD_SPLIT, 1.0 - compliant)):
        cols = [STANDARDS.index(s) for s in split]
        alpha = SPLIT_CONCENTRATION * np.array(list(split.values()))
        mix[:, cols] = rng.dirichlet(alpha, size=n) * share[:, None]
    hazmat = np.isin(industries, list(CHEMICAL_INDUSTRIES)) & (
        rng.random(n) < CHEMICAL_HAZMAT_SHARE)
    exempt = np.zeros((n, len(EXEMPTIONS)), dtype=bool)
    exempt[:, EXEMPTIONS.index("hazardous_chemicals")] = hazmat & (trips > 0)
    nonroad = rng.poisson(NONROAD_PER_TRIP * trips)
    mix[trips == 0] = 0.0
    return Fleet(ids, trips, km, mix, exempt, nonroad)


__all__ = [
    "DEFAULT_KEY_THRESHOLD",
    "EXEMPTIONS",
    "STANDARDS",
    "STANDARD_ZH",
    "TRANSPORT_POLLUTANTS",
    "EmissionFactors",
    "Fleet",
    "FleetError",
    "GateOrder",
    "GatePolicy",
    "GradeRequirement",
    "TransportResult",
    "TransportRules",
    "TransportRulesError",
    "TruckRule",
    "synthesize_fleets",
    "transport_tally",
]
