"""Regional linkage: a region graph, regional alert rules and scripted dispatch orders.

The region is a networkx graph. Nodes have a ``kind``: ``"city"`` (a prefecture city, with its
``province`` and optional rule-set id ``rules``), ``"county"`` (joined to its city by a
``part_of`` edge; counties follow their city's level) or ``"zone"`` (a named group such as a
provincial network or the Guanzhong key-control zone, joined to each member city by a ``member``
edge). Cities that border each other are joined by ``adjacent`` edges.

Two kinds of regional rule (sources.md §3.4), both evaluated hour by hour on the cities' own
alert levels:

* ``adjacent`` — when at least ``min_cities`` zone cities that form one connected group of
  neighbours are at ``at_least`` or above, every city of that group (or, with
  ``applies_to = "zone"``, of the zone) is raised to ``level`` (Henan 2016: ≥ 6 adjacent
  cities at orange or red → provincial orange alert).
* ``zone`` — when at least ``min_cities`` zone cities are at ``at_least`` or above, every zone
  city is raised to ``level`` (Guanzhong: ≥ 3 cities red → every zone city red).

One kind decides on a regional forecast instead of counting cities:

* ``unified`` — unified warning standards (区域联动): the zone has its own daily consultation
  on a zone forecast, under the member cities' rule set, and every alert it issues, upgrades,
  downgrades or lifts is dispatched to every zone city (sources.md §3.1: a regional forecast
  centre's or the province's alert prompt starts a city's alert, and the city responds not
  lower; sources.md §3.4: cities of one region act synchronously on the regional alert prompt,
  and regional alerts are graded like city alerts). The zone forecast is the ``mean`` of the
  member cities' forecast daily AQI, or the ``worst`` city's, hour by hour — the sources do not
  say which (assumption, named by the rule's ``forecast`` key).

Dispatch orders (调度令, sources.md §1.4 Shanxi) set named cities to a level over a window. A
higher authority sets a floor: a city's level is never below it (sources.md §3.1).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from alerts.levels import Level

if TYPE_CHECKING:  # imported where a graph is made: a run without a region never loads it
    import networkx as nx

RULE_KINDS = ("adjacent", "zone", "unified")
ZONE_FORECASTS = ("mean", "worst")


@dataclass(frozen=True)
class RegionalRule:
    """``min_cities`` zone cities at ``at_least`` or above → raise them or the zone to ``level``."""

    id: str
    kind: str
    zone: str
    min_cities: int
    at_least: Level
    level: Level
    source: str = ""
    applies_to: str = "group"
    forecast: str = "mean"

    def describe(self) -> str:
        if self.kind == "unified":
            return (f"{self.id}: unified alert of zone {self.zone} on the zone forecast "
                    f"({self.forecast} of its cities' daily AQI), dispatched to every zone city")
        group = "adjacent cities" if self.kind == "adjacent" else "cities in the zone"
        return f"{self.id}: ≥ {self.min_cities} {group} at {self.at_least.id} or above"


@dataclass(frozen=True)
class DispatchOrder:
    """A scripted order: ``cities`` at ``level`` or above over ``[start, end)``."""

    id: str
    cities: tuple[str, ...]
    level: Level
    issued_at: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    source: str = ""


@dataclass(frozen=True)
class Region:
    """The region graph with its regional rules and dispatch orders."""

    graph: nx.Graph
    rules: tuple[RegionalRule, ...] = ()
    orders: tuple[DispatchOrder, ...] = ()
    name: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def cities(self) -> list[str]:
        return [n for n, kind in self.graph.nodes(data="kind") if kind == "city"]

    def zone_members(self, zone: str) -> list[str]:
        return sorted(n for n in self.graph.neighbors(zone)
                      if self.graph.nodes[n]["kind"] == "city")

    def counties(self, city: str) -> list[str]:
        return sorted(n for n in self.graph.neighbors(city)
                      if self.graph.nodes[n]["kind"] == "county")

    def rules_for(self, city: str) -> str | None:
        """The rule-set id the region file names for ``city``, if any."""
        return self.graph.nodes[city].get("rules") if city in self.graph else None

    def adjacency(self, cities: list[str]) -> nx.Graph:
        """The neighbour graph among ``cities`` (adjacent edges only)."""
        import networkx as nx

        sub = nx.Graph()
        sub.add_nodes_from(cities)
        sub.add_edges_from((a, b) for a, b, kind in self.graph.edges(cities, data="kind")
                           if kind == "adjacent" and a in sub and b in sub)
        return sub

    @classmethod
    def from_dict(cls, data: dict, origin: str = "region") -> Region:
        """Build and validate a region from its parsed TOML; errors name ``origin`` and key."""
        unknown = sorted(set(data) - REGION_KEYS)
        if unknown:  # a misspelt table would otherwise be dropped without a word
            raise ValueError(f"{origin}: key {unknown[0]}: unknown — expected "
                             f"{', '.join(sorted(REGION_KEYS))}")
        import networkx as nx

        graph = nx.Graph()
        for n, item in enumerate(_list(data, "city", origin)):
            name = _name(item, f"city[{n}].name", origin)
            if name in graph:  # a second table would silently replace the first's neighbours
                raise ValueError(f"{origin}: key city[{n}].name: value {name!r} — expected "
                                 "each city once (an earlier [[city]] table has it)")
            graph.add_node(name, kind="city", province=str(item.get("province", "")),
                           rules=item.get("rules"))
        cities = set(graph.nodes)
        for n, item in enumerate(_list(data, "city", origin)):
            for other in item.get("neighbours", []):
                _known(other, cities, f"city[{n}].neighbours", origin)
                graph.add_edge(item["name"], other, kind="adjacent")
            for zone in item.get("zones", []):
                graph.add_node(str(zone), kind="zone")
                graph.add_edge(str(zone), item["name"], kind="member")
        for n, item in enumerate(_list(data, "county", origin, required=False)):
            name = _name(item, f"county[{n}].name", origin)
            if name in graph:
                raise ValueError(f"{origin}: key county[{n}].name: value {name!r} — expected "
                                 "each county once, and no county named like a city or zone")
            _known(item.get("city"), cities, f"county[{n}].city", origin)
            graph.add_node(name, kind="county")
            graph.add_edge(name, item["city"], kind="part_of")
        zones = {n for n, kind in graph.nodes(data="kind") if kind == "zone"}
        rules = tuple(_rule(item, n, zones, origin)
                      for n, item in enumerate(_list(data, "rule", origin, required=False)))
        region = cls(graph, rules, name=str(data.get("name", "")))
        orders = tuple(_order(item, n, region, origin)
                       for n, item in enumerate(_list(data, "dispatch", origin, required=False)))
        return cls(graph, rules, orders, region.name)


REGION_KEYS = frozenset({"name", "city", "county", "rule", "dispatch"})


def _list(data: dict, key: str, origin: str, required: bool = True) -> list[dict]:
    items = data.get(key, [])
    if (required and not items) or not isinstance(items, list):
        raise ValueError(f"{origin}: key {key}: expected one or more [[{key}]] tables")
    return items


def _name(item: dict, key: str, origin: str) -> str:
    value = item.get("name")
    if (not isinstance(value, str) or not value.strip()
            or any(unicodedata.category(ch) == "Cc" for ch in value)):
        raise ValueError(f"{origin}: key {key}: value {value!r} — expected a name (text "
                         "without control characters)")
    return value


def _known(value, known: set[str], key: str, origin: str) -> None:
    if value not in known:
        raise ValueError(f"{origin}: key {key}: value {value!r} — expected a city of the region")


def _level(item: dict, key: str, where: str, origin: str) -> Level:
    try:
        return Level.parse(item[key])
    except (KeyError, ValueError):
        raise ValueError(f"{origin}: key {where}.{key}: value {item.get(key)!r} — "
                         "expected an alert level such as orange") from None


def _rule(item: dict, n: int, zones: set[str], origin: str) -> RegionalRule:
    where = f"rule[{n}]"
    kind = item.get("kind")
    if kind not in RULE_KINDS:
        raise ValueError(f"{origin}: key {where}.kind: value {kind!r} — expected "
                         f"{' or '.join(RULE_KINDS)}")
    if item.get("zone") not in zones:
        raise ValueError(f"{origin}: key {where}.zone: value {item.get('zone')!r} — "
                         "expected a zone named by some city's zones")
    if kind == "unified":
        return _unified(item, where, origin)
    count = item.get("min_cities")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"{origin}: key {where}.min_cities: value {count!r} — "
                         "expected a whole number ≥ 1")
    return RegionalRule(
        id=str(item.get("id", f"rule-{n + 1}")), kind=kind, zone=item["zone"],
        min_cities=count, at_least=_level(item, "at_least", where, origin),
        level=_level(item, "level", where, origin), source=str(item.get("source", "")),
        applies_to=_applies_to(item, kind, where, origin))


def _unified(item: dict, where: str, origin: str) -> RegionalRule:
    """A ``unified`` rule: the zone's own alert on its zone forecast, for every zone city."""
    forecast = item.get("forecast", "mean")
    if forecast not in ZONE_FORECASTS:
        raise ValueError(f"{origin}: key {where}.forecast: value {forecast!r} — expected "
                         f"{' or '.join(ZONE_FORECASTS)}")
    return RegionalRule(id=str(item.get("id", where)), kind="unified", zone=item["zone"],
                        min_cities=1, at_least=Level.NONE, level=Level.NONE,
                        source=str(item.get("source", "")), applies_to="zone",
                        forecast=forecast)


def _applies_to(item: dict, kind: str, where: str, origin: str) -> str:
    value = item.get("applies_to", "zone" if kind == "zone" else "group")
    if value not in ("group", "zone"):
        raise ValueError(f"{origin}: key {where}.applies_to: value {value!r} — "
                         "expected group or zone")
    return value


def _time(item: dict, key: str, where: str, origin: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(str(item[key]))
    except (KeyError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"{origin}: key {where}.{key}: value {item.get(key)!r} — "
                         "expected a local date-time like 2020-11-28T00:00")
    return stamp


def _order(item: dict, n: int, region: Region, origin: str) -> DispatchOrder:
    where = f"dispatch[{n}]"
    names = list(item.get("cities", []))
    if "zone" in item:
        if item["zone"] not in region.graph:
            raise ValueError(f"{origin}: key {where}.zone: value {item['zone']!r} — "
                             "expected a zone of the region")
        names += region.zone_members(item["zone"])
    for name in [*names, *item.get("except", [])]:
        _known(name, set(region.cities()), f"{where}.cities", origin)
    cities = tuple(sorted(set(names) - set(item.get("except", []))))
    if not cities:
        raise ValueError(f"{origin}: key {where}.cities: no city — expected cities or a zone")
    start, end = _time(item, "start", where, origin), _time(item, "end", where, origin)
    if end <= start:
        raise ValueError(f"{origin}: key {where}.end: value {item['end']!r} — "
                         "expected a time after start")
    issued = _time(item, "issued_at", where, origin) if "issued_at" in item else start
    return DispatchOrder(str(item.get("id", f"order-{n + 1}")), cities,
                         _level(item, "level", where, origin), issued, start, end,
                         str(item.get("source", "")))
