"""The grading review: checks a reviewer runs over an emergency-reduction list before it is used.

Every check is a pure function over an ``Inventory``, a ``MeasureTable``, the area sources of
each city and a rule set, and returns flat ``Finding`` records (``pd.DataFrame(findings)`` is
one step away). ``review`` runs them all and returns a ``Review``; a finding of severity
``error`` fails the review (``smogsim review`` exits 1).

Checks:

- ``check_consistency`` — 一厂一策 overrides that make a plant stricter or looser than its peers
  (same city, industry and grade) at a level.
- ``check_monotonicity`` — the catalogue never asks a better grade or a milder level for more
  (A+ ≤ A ≤ B ≤ B- ≤ C ≤ D, 引领性 ≤ 非引领性; yellow ≤ orange ≤ red), and neither do the
  requirements of the plants in each city.
- ``check_exemptions`` — who is exempt as the engine applies it (the 保障类 classes at every
  alert level; 限排不限产 where an online-monitored plant's measure is partial), what share of
  the city-wide base they hold; exempt plants above a share and exempt plants below B.
- ``check_coverage`` — whether the list plus the area-source measures reach the rule set's
  target (10/20/30 %) per city, level and pollutant, and by how much each falls short.
- ``what_if`` — the change in required cut when plants are regraded
  (``grade B->A where industry=cement and county=临颍县``; ``id in E1,E2`` for named plants);
  a regraded plant's own measures (一厂一策) are replaced by the new grade's or kept, and each
  plant says which.

Cuts are compared as required shares of each plant's emissions, read from
``enterprises.response.respond``. Consistency and monotonicity restate nothing on the
curtailment base: they run on the list with its capacity columns removed, so a plant producing
above its permit is not flagged for cutting more of its output than a peer. Coverage uses the
list as it is, steady state and full compliance: Σ base rate × achieved emission cut over the
city-wide base (the engine's rate once every ramp is done).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from alerts.levels import ALERT_LEVELS, Level
from alerts.rules import RuleSet
from enterprises.area import AreaSource, area_cut_fractions, area_rates
from enterprises.exemptions import NONE
from enterprises.grades import GRADE_RANK, GRADE_SETS, normalise_grade
from enterprises.industries import industry_by_id, parse_industry
from enterprises.inventory import HOURS_PER_YEAR, Inventory
from enterprises.io import default_measures
from enterprises.measures import MeasureTable
from enterprises.response import Response, lower_alert_level, respond
from enterprises.schema import POLLUTANTS
from simulator.lang.messages import message

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
CHECKS: tuple[str, ...] = ("consistency", "monotonicity", "exemptions", "coverage", "what_if")
# assumption: one exempt plant holding more than 5 % of a city's base of any pollutant deserves
# a second look; no source sets such a limit (sources.md §6 lists classes, not sizes).
MAX_EXEMPT_SHARE = 0.05
# Float slack when comparing cuts (fractions) and percentages.
TOLERANCE = 1e-9
# The class name used for 限排不限产 (online-monitored plants that cap emissions, sources.md §6).
EMISSION_CAP = "emission_cap"
WHAT_IF_KEYS: tuple[str, ...] = ("id", "city", "county", "industry", "grade")
# What a regrading does to a plant's own measures (一厂一策): a bureau that regrades a plant
# redrafts its plan for the new grade, so ``replace`` (the catalogue row of the new grade) is
# the default; ``keep`` prices the regrading with the plant's own measures left as written.
REPLACE, KEEP = "replace", "keep"
OWN_MEASURE_CHOICES: tuple[str, ...] = (REPLACE, KEEP)
_FIELD_OF_KEY = {"id": "ids", "city": "cities", "county": "counties", "industry": "industries",
                 "grade": "grades"}
# Rank used to order grades; 引领性/非引领性 are a separate set, compared only within it.
_ORDER = {name: tuple(sorted(grades, key=GRADE_RANK.__getitem__))
          for name, grades in GRADE_SETS.items()}


@dataclass(frozen=True)
class Finding:
    """One flat result record. ``ids`` are enterprise ids joined by ";", ``names`` their names
    in the same order.

    ``value`` and ``limit`` are the number the check measured and what it was compared with,
    in the unit the message states (% for shares and cuts, t/h for what-if changes).
    """

    check: str
    severity: str
    message: str
    city: str = ""
    county: str = ""
    ids: str = ""
    names: str = ""
    industry: str = ""
    grade: str = ""
    level: str = ""
    pollutant: str = ""
    value: float = math.nan
    limit: float = math.nan
    code: str = ""  # the message's catalogue key, ``finding.<code>`` (simulator.lang)
    fields: tuple[tuple[str, object], ...] = ()  # what the message was filled from

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``message`` itself in English)."""
        return message("finding", self.code, dict(self.fields), lang, self.message)


# the columns of the findings table: the message's code and fields are not columns
FINDING_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Finding)
                                         if f.name not in ("code", "fields"))


def _finding(check: str, severity: str, code: str, fields: dict[str, object],
             **where: object) -> Finding:
    """A finding whose message is ``finding.<code>`` of the English catalogue."""
    fields = {k: v.item() if isinstance(v, np.generic) else v for k, v in fields.items()}
    return Finding(check, severity, message("finding", code, fields, "en"), **where,
                   code=code, fields=tuple(fields.items()))


@dataclass(frozen=True)
class Review:
    """Everything ``review`` found.

    ``coverage``: per city, level and pollutant, base and cut rates (t/h), cut % and target %;
    ``exemptions``: per city and exemption class, plants, base (t/a) and share (%) per
    pollutant; ``what_if``: per regrading, city, level and pollutant, the cut before and after;
    ``what_if_plants``: per regrading, each plant regraded and whether its own measures were
    replaced or kept (``regraded_plants``).
    """

    findings: tuple[Finding, ...]
    coverage: pd.DataFrame
    exemptions: pd.DataFrame
    what_if: pd.DataFrame
    what_if_plants: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=list(WHAT_IF_PLANT_COLUMNS)))

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def ordered(self) -> list[Finding]:
        """The findings, errors first, then warnings, then info (stable)."""
        rank = {s: k for k, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda f: rank[f.severity])

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a frame with ``FINDING_COLUMNS``, errors first."""
        return pd.DataFrame([{c: getattr(f, c) for c in FINDING_COLUMNS}
                             for f in self.ordered()], columns=list(FINDING_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """Per check: pass or fail and the number of findings of each severity."""
        rows = []
        for check in CHECKS:
            counts = {s: sum(f.check == check and f.severity == s for f in self.findings)
                      for s in SEVERITIES}
            rows.append({"check": check, "status": "fail" if counts["error"] else "pass",
                         "errors": counts["error"], "warnings": counts["warning"],
                         "info": counts["info"]})
        return pd.DataFrame(rows)


class WhatIfError(ValueError):
    """A --what-if specification that cannot be read or applied (one line)."""


# -- city-wide base ------------------------------------------------------------------------


@dataclass(frozen=True)
class CityBase:
    """One city's base rates (t/h, ``POLLUTANTS`` order) and area-source cut per level."""

    list_rate: np.ndarray
    area_rate: np.ndarray
    area_cuts: np.ndarray  # (len(Level), 4) fractions of area_rate

    @property
    def total(self) -> np.ndarray:
        return self.list_rate + self.area_rate


def city_bases(inventory: Inventory,
               area: Mapping[str, Sequence[AreaSource]] | None = None) -> dict[str, CityBase]:
    """Per city of the list: the list's and the area sources' base rates, t/h (annual ÷ 8760)."""
    area = area or {}
    rates = inventory.hourly_rates()
    out = {}
    for city in sorted(set(inventory.cities)):
        sources = list(area.get(city, ()))
        out[city] = CityBase(rates[inventory.cities == city].sum(axis=0),
                             area_rates(sources) if sources else np.zeros(4),
                             area_cut_fractions(sources) if sources else
                             np.zeros((len(Level), 4)))
    return out


def review_levels(rules: RuleSet) -> tuple[Level, ...]:
    """The alert levels (yellow, orange, red) the rule set defines."""
    return tuple(lv for lv in ALERT_LEVELS if rules.rule_for(lv) is not None)


def _on_base(inventory: Inventory) -> Inventory:
    """The list without capacities: cuts stay shares of the curtailment base."""
    return dataclasses.replace(inventory, capacity_eia=None, capacity_permit=None,
                               output_last_year=None)


def literal_responses(inventory: Inventory, table: MeasureTable,
                      levels: Sequence[Level] = ALERT_LEVELS) -> dict[Level, Response]:
    """Per level, the rules as written (not cumulative) on the list without capacities."""
    inv = _on_base(inventory)
    return {lv: respond(inv, lv, table, cumulative=False) for lv in levels}


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %" if abs(100 * x - round(100 * x)) < 1e-6 else f"{100 * x:.1f} %"


def _where(inv: Inventory, i: int) -> dict:
    return {"city": str(inv.cities[i]), "county": str(inv.counties[i]), "ids": str(inv.ids[i]),
            "names": str(inv.names[i]), "industry": str(inv.industries[i]),
            "grade": str(inv.grades[i])}


# -- consistency ---------------------------------------------------------------------------


def check_consistency(inventory: Inventory, table: MeasureTable,
                      levels: Sequence[Level] = ALERT_LEVELS,
                      responses: Mapping[Level, Response] | None = None) -> list[Finding]:
    """Plants whose 一厂一策 override differs from what their peers get at a level.

    Peers are the plants of the same city, industry and grade; without an override a plant
    gets exactly its peers' measure (the catalogue row, its exemption class or 限排不限产), so
    every exception is an override that changes the emission or the production cut. Looser
    than the catalogue is an error in a key industry (B and below must cut no less than the
    technical guide, sources.md §4.1), a warning in ``other``, whose rows are defaults and whose
    plans are 一厂一策 by design (sources.md §6); stricter is information. ``responses``:
    ``literal_responses`` of the list, computed when not given.
    """
    inv = _on_base(inventory)
    if responses is None:
        responses = literal_responses(inventory, table, levels)
    plain = dataclasses.replace(inv, overrides=None)
    peers = pd.Series(1, index=pd.MultiIndex.from_arrays(
        [inv.cities, inv.industries, inv.grades])).groupby(level=[0, 1, 2]).sum()
    findings = []
    for level in levels:
        own = responses[level]  # the rules as written, per level
        usual = respond(plain, level, table, cumulative=False)
        d_em = own.emission_cut - usual.emission_cut
        d_out = own.cut - usual.cut
        changed = own.override & ((np.abs(d_em) > TOLERANCE) | (np.abs(d_out) > TOLERANCE))
        for i in np.flatnonzero(changed):
            looser = d_em[i] < -TOLERANCE or (abs(d_em[i]) <= TOLERANCE and d_out[i] < 0)
            severity = ("info" if not looser else
                        "warning" if inv.industries[i] == "other" else "error")
            n = int(peers[(inv.cities[i], inv.industries[i], inv.grades[i])]) - 1
            findings.append(_finding(
                "consistency", severity,
                "consistency_looser" if looser else "consistency_stricter",
                {"level": level.id, "cut": _pct(own.emission_cut[i]),
                 "output_cut": _pct(own.cut[i]), "industry": str(inv.industries[i]),
                 "grade": str(inv.grades[i]), "peer_cut": _pct(usual.emission_cut[i]),
                 "peer_output_cut": _pct(usual.cut[i]), "others": n,
                 "city": str(inv.cities[i])},
                **_where(inv, i), level=level.id, value=100 * own.emission_cut[i],
                limit=100 * usual.emission_cut[i]))
    return findings


# -- monotonicity --------------------------------------------------------------------------


def check_monotonicity(inventory: Inventory, table: MeasureTable,
                       levels: Sequence[Level] = ALERT_LEVELS,
                       responses: Mapping[Level, Response] | None = None) -> list[Finding]:
    """The catalogue and the plants' requirements never ask more of a better grade or a milder
    level. All violations are errors.

    Catalogue, for every industry in the list: production and emission cut non-decreasing
    along the industry's grade set (A+ ≤ A ≤ B ≤ B- ≤ C ≤ D, 引领性 ≤ 非引领性) at each level,
    and along yellow ≤ orange ≤ red for each grade. Plants (overrides included, exempt classes
    left to ``check_exemptions``): within a city, industry and level no plant of a better grade
    must cut more of its emissions than a plant of a worse grade, and no plant must cut more
    at a milder level. ``responses``: ``literal_responses`` of the list, computed when not
    given.
    """
    findings = catalogue_monotonicity(sorted(set(inventory.industries)), table, levels)
    inv = _on_base(inventory)
    if responses is None:
        responses = literal_responses(inventory, table, levels)
    else:
        responses = {lv: responses[lv] for lv in levels}
    findings += _plant_grade_monotonicity(inv, responses)
    findings += _plant_level_monotonicity(inv, responses)
    return findings


def _row(table: MeasureTable, industry: str, grade: str, level: Level):
    try:
        return table.measure(industry, grade, level)
    except KeyError:
        return None  # a grade the table does not list is not compared


def catalogue_monotonicity(industries: Sequence[str], table: MeasureTable,
                           levels: Sequence[Level] = ALERT_LEVELS) -> list[Finding]:
    """Catalogue rows of ``industries`` that ask more of a better grade or a milder level."""
    findings = []
    for industry in industries:
        grades = _ORDER[industry_by_id(industry).grade_set]
        rows = {(g, lv): _row(table, industry, g, lv) for g in grades for lv in levels}
        pairs = [((g1, lv), (g2, lv)) for lv in levels for g1, g2 in pairwise(grades)]
        pairs += [((g, l1), (g, l2)) for g in grades for l1, l2 in pairwise(levels)]
        for a, b in pairs:
            ra, rb = rows[a], rows[b]
            if ra is None or rb is None:
                continue
            for what, va, vb in (("output", ra.cut, rb.cut),
                                 ("emission", ra.emission_cut, rb.emission_cut)):
                if va > vb + TOLERANCE:
                    findings.append(_finding(
                        "monotonicity", "error", f"catalogue_{what}",
                        {"table": table.name, "industry": industry, "grade": a[0],
                         "level": a[1].id, "cut": _pct(va), "other_grade": b[0],
                         "other_level": b[1].id, "other_cut": _pct(vb)},
                        industry=industry, grade=a[0], level=a[1].id, value=100 * va,
                        limit=100 * vb))
    return findings


def _plant_grade_monotonicity(inv: Inventory, responses: Mapping[Level, Response]
                              ) -> list[Finding]:
    follows = inv.exemptions == NONE
    frame = pd.DataFrame({"city": inv.cities[follows], "industry": inv.industries[follows],
                          "grade": inv.grades[follows], "id": inv.ids[follows],
                          "name": inv.names[follows]})
    findings = []
    for level, resp in responses.items():
        frame["cut"] = resp.emission_cut[follows]
        for (city, industry), group in frame.groupby(["city", "industry"], sort=True):
            # not dict(groupby): pandas GroupBy has a keys attribute, so dict() misreads it
            by_grade = {g: rows for g, rows in group.groupby("grade")}  # noqa: C416
            ranked = sorted(by_grade, key=GRADE_RANK.__getitem__)
            for k, better in enumerate(ranked):
                for worse in ranked[k + 1:]:
                    if GRADE_RANK[better] == GRADE_RANK[worse]:
                        continue
                    hi, lo = by_grade[better]["cut"].max(), by_grade[worse]["cut"].min()
                    if hi <= lo + TOLERANCE:
                        continue
                    plants = pd.concat([
                        by_grade[better].loc[by_grade[better]["cut"] > lo + TOLERANCE],
                        by_grade[worse].loc[by_grade[worse]["cut"] < hi - TOLERANCE]])
                    findings.append(_finding(
                        "monotonicity", "error", "plant_grades",
                        {"industry": industry, "city": city, "level": level.id,
                         "better_article": _a(better), "better_grade": better,
                         "cut": _pct(hi), "worse_article": _a(worse), "worse_grade": worse,
                         "other_cut": _pct(lo)},
                        city=city, ids=";".join(plants["id"]),
                        names=";".join(plants["name"].astype(str)), industry=industry,
                        grade=f"{better}>{worse}", level=level.id, value=100 * hi,
                        limit=100 * lo))
    return findings


def _a(grade: str) -> str:
    """The English article of a grade: "an" A, "a" B."""
    return "an" if grade.startswith("A") else "a"


def _plant_level_monotonicity(inv: Inventory, responses: Mapping[Level, Response]
                              ) -> list[Finding]:
    findings = []
    levels = sorted(responses)
    for mild, strict in pairwise(levels):
        a, b = responses[mild].emission_cut, responses[strict].emission_cut
        for i in np.flatnonzero(a > b + TOLERANCE):
            findings.append(_finding(
                "monotonicity", "error", "plant_levels",
                {"cut": _pct(a[i]), "level": mild.id, "other_cut": _pct(b[i]),
                 "other_level": strict.id, "rule": str(responses[strict].rule[i])},
                **_where(inv, i), level=mild.id, value=100 * a[i], limit=100 * b[i]))
    return findings


# -- exemptions ----------------------------------------------------------------------------


def emission_capped(inventory: Inventory, responses: Mapping[Level, Response]) -> np.ndarray:
    """Plants under 限排不限产 as the engine applies it: online-monitored and held to an
    emission cap (basis ``emission_cap``) at some level of ``responses``. An online-monitored
    plant whose measure is a stop (D in most industries) or no cut is not one (sources.md §6)."""
    capped = np.zeros(len(inventory), dtype=bool)
    for resp in responses.values():
        capped |= np.asarray(resp.basis == EMISSION_CAP, dtype=bool)
    return capped & inventory.online_monitoring.astype(bool)


def exempt_classes(inventory: Inventory, responses: Mapping[Level, Response]) -> np.ndarray:
    """Per plant, its exemption as the engine applies it: its 保障类 class (applied at every
    alert level), else ``emission_cap`` for 限排不限产, else ``NONE``."""
    capped = emission_capped(inventory, responses)
    return np.where(inventory.exemptions != NONE, inventory.exemptions,
                    np.where(capped, EMISSION_CAP, NONE)).astype(object)


def below_b(grades: np.ndarray) -> np.ndarray:
    """Grades worse than B (B-, C, 非引领性, D): a protected firm must reach B or better
    (sources.md §14)."""
    return np.array([GRADE_RANK[g] > GRADE_RANK["B"] for g in grades], dtype=bool)


def exemption_table(inventory: Inventory, bases: Mapping[str, CityBase],
                    responses: Mapping[Level, Response] | None = None) -> pd.DataFrame:
    """Per city and class (exemption classes and ``emission_cap`` for 限排不限产 as the engine
    applies it): plants, base t/a and share % of the city-wide base per pollutant.
    ``responses``: ``literal_responses`` of the list, computed when not given."""
    inv = inventory
    if responses is None:
        responses = literal_responses(inventory, default_measures())
    capped = emission_capped(inv, responses)
    rows = []
    classes = [(c, inv.exemptions == c) for c in sorted(set(inv.exemptions) - {NONE})]
    classes.append((EMISSION_CAP, capped))
    for city, base in bases.items():
        total_t = base.total * HOURS_PER_YEAR
        for name, member in classes:
            sel = member & (inv.cities == city)
            if not sel.any():
                continue
            held = inv.emissions[sel].sum(axis=0)
            share = np.divide(100 * held, total_t, out=np.zeros(4), where=total_t > 0)
            rows.append({"city": city, "class": name, "enterprises": int(sel.sum()),
                         **{f"{p}_t": held[j] for j, p in enumerate(POLLUTANTS)},
                         **{f"{p}_pct": share[j] for j, p in enumerate(POLLUTANTS)}})
    columns = ["city", "class", "enterprises", *(f"{p}_t" for p in POLLUTANTS),
               *(f"{p}_pct" for p in POLLUTANTS)]
    return pd.DataFrame(rows, columns=columns)


def check_exemptions(inventory: Inventory, bases: Mapping[str, CityBase],
                     max_share: float = MAX_EXEMPT_SHARE,
                     table: pd.DataFrame | None = None,
                     responses: Mapping[Level, Response] | None = None) -> list[Finding]:
    """Who is exempt as the engine applies it and what they hold (info); exempt plants holding
    more than ``max_share`` of a city's base of a pollutant (warning; the limit is an
    assumption); plants of a 保障类 class graded below B — B-, C, 非引领性 or D (error:
    protected firms must themselves reach B or better, sources.md §14). A 限排不限产 plant
    still cuts its emissions like its peers, so its grade is not checked. ``table``:
    ``exemption_table``; ``responses``: ``literal_responses``; both built when not given."""
    inv = inventory
    if responses is None:
        responses = literal_responses(inventory, default_measures())
    table = exemption_table(inv, bases, responses) if table is None else table
    findings = []
    for row in table.to_dict("records"):
        shares = [{"pollutant": p, "pct": f"{row[p + '_pct']:.1f}"} for p in POLLUTANTS]
        findings.append(_finding("exemptions", "info", "exempt_share",
                                 {"count": row["enterprises"], "class": row["class"],
                                  "shares": shares}, city=row["city"]))
    classes = exempt_classes(inv, responses)
    totals = np.array([bases[c].total * HOURS_PER_YEAR for c in inv.cities]).reshape(-1, 4)
    share = np.divide(inv.emissions, totals, out=np.zeros_like(inv.emissions), where=totals > 0)
    protected_below_b = (inv.exemptions != NONE) & below_b(inv.grades)
    for i in np.flatnonzero(classes != NONE):
        for j in np.flatnonzero(share[i] > max_share + TOLERANCE):
            findings.append(_finding(
                "exemptions", "warning", "exempt_large",
                {"class": str(classes[i]), "share": f"{100 * share[i, j]:.1f}",
                 "pollutant": POLLUTANTS[j], "limit": f"{100 * max_share:g}"},
                **_where(inv, i), pollutant=POLLUTANTS[j], value=100 * share[i, j],
                limit=100 * max_share))
        if protected_below_b[i]:
            findings.append(_finding(
                "exemptions", "error", "exempt_below_b",
                {"grade": str(inv.grades[i]), "class": str(classes[i])}, **_where(inv, i)))
    return findings


# -- coverage ------------------------------------------------------------------------------


COVERAGE_COLUMNS: tuple[str, ...] = (
    "city", "level", "pollutant", "base_t_h", "list_base_t_h", "area_base_t_h", "list_cut_t_h",
    "area_cut_t_h", "cut_t_h", "cut_pct", "target_pct", "short_pct", "short_t_h", "met")


def coverage(inventory: Inventory, table: MeasureTable, rules: RuleSet,
             bases: Mapping[str, CityBase]) -> pd.DataFrame:
    """Steady-state cut per city, level and pollutant with full compliance (t/h and %).

    cut = Σ plant base rate × achieved emission cut (lines, exemptions and 一厂一策 included)
    + area base rate × area cut; cut % = 100 × cut ÷ (list + area base); short = target − cut
    where positive. A pollutant with no base has nothing to cut and counts as met.
    """
    rates = inventory.hourly_rates()
    rows = []
    prev: Response | None = None
    for level in review_levels(rules):
        resp = _cumulative(inventory, level, table, prev)
        prev = resp
        cut_rates = rates * resp.achieved_emission_cut(inventory)[:, None]
        target = rules.target_pct(level)
        for city, base in bases.items():
            in_city = inventory.cities == city
            list_cut = cut_rates[in_city].sum(axis=0)
            area_cut = base.area_rate * base.area_cuts[level]
            for j, p in enumerate(POLLUTANTS):
                total, cut = base.total[j], list_cut[j] + area_cut[j]
                pct = 100 * cut / total if total > 0 else math.nan
                short = max(0.0, target - pct) if total > 0 else 0.0
                rows.append({
                    "city": city, "level": level.id, "pollutant": p, "base_t_h": total,
                    "list_base_t_h": base.list_rate[j], "area_base_t_h": base.area_rate[j],
                    "list_cut_t_h": list_cut[j], "area_cut_t_h": area_cut[j], "cut_t_h": cut,
                    "cut_pct": pct, "target_pct": target, "short_pct": short,
                    "short_t_h": short / 100 * total, "met": short <= TOLERANCE})
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _cumulative(inventory: Inventory, level: Level, table: MeasureTable,
                prev: Response | None) -> Response:
    """``respond(inventory, level, table)``, reusing ``prev`` when it is the (cumulative)
    response of the level just below, so lower levels are not worked out again."""
    lower = lower_alert_level(level)
    if prev is not None and lower is not None and prev.level == lower:
        return respond(inventory, level, table, floor=prev, cumulative=False)
    return respond(inventory, level, table)


def check_coverage(frame: pd.DataFrame, bases: Mapping[str, CityBase] | None = None
                   ) -> list[Finding]:
    """An error per city, level and pollutant short of its target, info where met; a warning
    per city without area sources (the list alone is then taken as the city-wide base)."""
    findings = []
    for row in frame.itertuples(index=False):
        where = {"city": row.city, "level": row.level, "pollutant": row.pollutant,
                 "value": row.cut_pct, "limit": row.target_pct}
        parts = {"list_cut": _share(row.list_cut_t_h, row.base_t_h),
                 "area_cut": _share(row.area_cut_t_h, row.base_t_h),
                 "cut": f"{row.cut_pct:.1f}", "base": f"{row.base_t_h:.4g}",
                 "target": f"{row.target_pct:g}"}
        if row.base_t_h <= 0:
            findings.append(_finding("coverage", "info", "coverage_no_base", {}, **where))
        elif row.met:
            findings.append(_finding("coverage", "info", "coverage_met", parts, **where))
        else:
            findings.append(_finding(
                "coverage", "error", "coverage_short",
                parts | {"short": f"{row.short_pct:.1f}", "short_t_h": f"{row.short_t_h:.4g}"},
                **where))
    for city, base in (bases or {}).items():
        if not base.area_rate.any():
            findings.append(_finding("coverage", "warning", "coverage_no_area", {}, city=city))
    return findings


def _share(part: float, total: float) -> str:
    return f"{100 * part / total:.1f} %" if total > 0 else "–"


# -- what-if regrading ---------------------------------------------------------------------


_WHAT_IF = re.compile(r"^\s*grade\s+(?P<old>.+?)\s*->\s*(?P<new>.+?)"
                      r"(?:\s+where\s+(?P<where>.+?))?\s*$", re.IGNORECASE)
_IN = re.compile(r"^(?P<key>[^=\s]+)\s+in\s+(?P<values>.*)$", re.IGNORECASE)
_LIST_SEPARATORS = r"[,，、]"  # ASCII comma, full-width comma, 顿号: how lists are typed
_GRAMMAR = ("grade X->Y [where C [and C …]], each C key=value or key in v1,v2,… "
            "(keys: id, city, county, industry, grade)")


@dataclass(frozen=True)
class WhatIf:
    """``grade OLD->NEW where key=value and key in v1,v2 …``: regrade the plants graded OLD
    that match every condition. Each condition holds the values it accepts (one for ``=``)."""

    text: str
    old: str
    new: str
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    own_measures: str = REPLACE  # REPLACE or KEEP a regraded plant's 一厂一策

    @classmethod
    def parse(cls, text: str, own_measures: str = REPLACE) -> WhatIf:
        """Read the tiny grammar; ``WhatIfError`` with one line on anything else."""
        found = _WHAT_IF.match(text)
        if found is None:
            raise WhatIfError(f"--what-if {text!r}: expected {_GRAMMAR}")
        old, new = (_grade(found[k], text) for k in ("old", "new"))
        where = [_condition(part.strip(), text) for part in
                 re.split(r"\s+and\s+", found["where"] or "", flags=re.IGNORECASE)
                 if part.strip()]
        if own_measures not in OWN_MEASURE_CHOICES:
            raise WhatIfError(f"--what-if-measures {own_measures!r}: expected one of "
                              f"{', '.join(OWN_MEASURE_CHOICES)}")
        return cls(text.strip(), old, new, tuple(where), own_measures)

    def select(self, inventory: Inventory) -> np.ndarray:
        """Boolean mask of the plants this regrading changes."""
        mask = np.asarray(inventory.grades == self.old, dtype=bool)
        for key, values in self.where:
            mask &= _matches(inventory, key, values)
        return mask

    def apply(self, inventory: Inventory, table: MeasureTable) -> tuple[Inventory, np.ndarray]:
        """The regraded list and the mask of changed plants; ``WhatIfError`` if nothing
        matches, a listed value matches no plant (a mistyped id should not pass unnoticed),
        or a plant's industry has no grade NEW (or the catalogue no row for it). With
        ``own_measures`` ``replace`` the regraded plants' own measures (一厂一策 overrides and
        the list's measure texts) give way to the catalogue; their exemption class stays."""
        mask = self.select(inventory)
        if not mask.any():
            conditions = " and ".join(_show(k, v) for k, v in self.where)
            raise WhatIfError(f"--what-if {self.text!r}: no enterprise graded {self.old}"
                              + (f" with {conditions}" if conditions else ""))
        for key, values in self.where:
            chosen = set(getattr(inventory, _FIELD_OF_KEY[key])[mask])
            missing = [v for v in values if v not in chosen]
            if missing:
                others = " with the other conditions" if len(self.where) > 1 else ""
                raise WhatIfError(f"--what-if {self.text!r}: {key} {missing[0]!r} matches no "
                                  f"enterprise graded {self.old}{others}")
        for industry in sorted(set(inventory.industries[mask])):
            allowed = GRADE_SETS[industry_by_id(industry).grade_set]
            if self.new not in allowed or _row(table, industry, self.new, Level.YELLOW) is None:
                raise WhatIfError(f"--what-if {self.text!r}: grade {self.new!r} for industry "
                                  f"{industry} — expected one of {', '.join(allowed)}")
        grades = np.where(mask, self.new, inventory.grades).astype(object)
        regraded = dataclasses.replace(inventory, grades=grades)
        if self.own_measures == REPLACE:
            regraded = without_own_measures(regraded, mask)
        return regraded, mask


def _condition(part: str, spec: str) -> tuple[str, tuple[str, ...]]:
    """``key=value`` or ``key in v1,v2,…`` → (key, values), values normalised."""
    listed = _IN.match(part)
    if listed:
        key = listed["key"].lower()
        raw = [v.strip() for v in re.split(_LIST_SEPARATORS, listed["values"])]
        if not all(raw):
            raise WhatIfError(f"--what-if {spec!r}: condition {part!r} — expected key in "
                              "v1,v2,… with no empty value")
    else:
        key, sep, value = part.partition("=")
        key, raw = key.strip().lower(), [value.strip()]
        if not sep or not raw[0]:
            raise WhatIfError(f"--what-if {spec!r}: condition {part!r} — expected key=value "
                              "or key in v1,v2,…")
    if key not in WHAT_IF_KEYS:
        raise WhatIfError(f"--what-if {spec!r}: key {key!r} — expected one of "
                          f"{', '.join(WHAT_IF_KEYS)}")
    values = [_value(key, v, spec) for v in raw]
    return key, tuple(dict.fromkeys(values))  # a value typed twice counts once


def _value(key: str, value: str, spec: str) -> str:
    if key == "industry":
        try:
            return parse_industry(value).id
        except ValueError:
            raise WhatIfError(f"--what-if {spec!r}: industry {value!r} — expected an id or "
                              "Chinese name of enterprises.industries") from None
    return _grade(value, spec) if key == "grade" else value


def _matches(inventory: Inventory, key: str, values: tuple[str, ...]) -> np.ndarray:
    return np.isin(getattr(inventory, _FIELD_OF_KEY[key]).astype(str), list(values))


def _show(key: str, values: tuple[str, ...]) -> str:
    return f"{key}={values[0]}" if len(values) == 1 else f"{key} in {','.join(values)}"


def _grade(text: str, spec: str) -> str:
    try:
        return normalise_grade(text)
    except ValueError:
        raise WhatIfError(f"--what-if {spec!r}: grade {text.strip()!r} — expected one of "
                          "A+, A, B, B-, C, D, 引领性, 非引领性") from None


def has_own_measures(inventory: Inventory) -> np.ndarray:
    """Plants with a measure of their own at some level: a 一厂一策 override or a measure
    text read from the list (``enterprises.own_measures``)."""
    own = ~np.isnan(inventory.overrides).all(axis=1) | (inventory.own_basis != "").any(axis=1)
    lines = ~np.isnan(inventory.line_overrides).all(axis=1)
    own[inventory.line_owner[lines]] = True
    return own


def without_own_measures(inventory: Inventory, mask: np.ndarray) -> Inventory:
    """``inventory`` with the own measures of the plants in ``mask`` removed (the catalogue
    applies to them); the texts stay in ``own_text`` as the record of what the list said."""
    overrides = inventory.overrides.copy()
    overrides[mask] = np.nan
    own_basis = inventory.own_basis.copy()
    own_basis[mask] = ""
    line_overrides = inventory.line_overrides.copy()
    line_overrides[mask[inventory.line_owner]] = np.nan
    return dataclasses.replace(inventory, overrides=overrides, own_basis=own_basis,
                               line_overrides=line_overrides)


def own_measure_text(inventory: Inventory, i: int) -> str:
    """A plant's own measures as the list gives them, per level (黄/橙/红 = yellow, orange,
    red; "" if none): the list's texts, else its 一厂一策 cuts ("一厂一策 0/20/50 %")."""
    texts = [str(t).strip() for t in inventory.own_text[i]]
    if any(texts):
        return "; ".join(f"{zh} {t}" for zh, t in zip("黄橙红", texts, strict=True) if t)
    cuts = inventory.overrides[i]
    if np.isnan(cuts).all():
        return ""
    shown = ["–" if math.isnan(c) else f"{100 * c:g}" for c in cuts]
    return f"一厂一策 {'/'.join(shown)} %"


WHAT_IF_PLANT_COLUMNS: tuple[str, ...] = (
    "what_if", "id", "name", "city", "county", "industry", "grade_before", "grade_after",
    "own_measures", "measures")


def regraded_plants(inventory: Inventory, spec: WhatIf, mask: np.ndarray) -> pd.DataFrame:
    """One row per regraded plant: what happened to its own measures — ``none`` (it follows
    the catalogue), ``replaced`` (the new grade's catalogue row) or ``kept`` — and what the
    list says they are."""
    own = has_own_measures(inventory)
    idx = np.flatnonzero(mask)
    return pd.DataFrame({
        "what_if": spec.text, "id": inventory.ids[idx], "name": inventory.names[idx],
        "city": inventory.cities[idx], "county": inventory.counties[idx],
        "industry": inventory.industries[idx], "grade_before": spec.old,
        "grade_after": spec.new,
        "own_measures": np.where(own[idx], "kept" if spec.own_measures == KEEP else "replaced",
                                 "none"),
        "measures": [own_measure_text(inventory, i) for i in idx]},
        columns=list(WHAT_IF_PLANT_COLUMNS))


def _plant_findings(plants: pd.DataFrame) -> list[Finding]:
    """An info finding per regraded plant with own measures, saying what became of them."""
    findings = []
    for r in plants[plants["own_measures"] != "none"].itertuples(index=False):
        code = "what_if_replaced" if r.own_measures == "replaced" else "what_if_kept"
        findings.append(_finding("what_if", "info", code,
                                 {"spec": r.what_if, "grade_before": r.grade_before,
                                  "grade_after": r.grade_after, "measures": r.measures,
                                  "industry": r.industry},
                                 city=r.city, county=r.county, ids=r.id, names=r.name,
                                industry=r.industry, grade=r.grade_after))
    return findings


WHAT_IF_COLUMNS: tuple[str, ...] = (
    "what_if", "city", "level", "pollutant", "regraded", "base_t_h", "cut_before_t_h",
    "cut_after_t_h", "change_t_h", "cut_before_pct", "cut_after_pct", "change_pct",
    "target_pct", "met_before", "met_after")


def what_if(inventory: Inventory, table: MeasureTable, rules: RuleSet,
            bases: Mapping[str, CityBase], spec: WhatIf | str,
            cover: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Finding]]:
    """Required cut before and after a regrading, per affected city, level and pollutant.

    Cuts are ``coverage``'s (list + area, t/h and % of the city-wide base); the change is
    after − before (negative: the city cuts less). A target met before and missed after is a
    warning; every row is also an info finding, and so is every regraded plant with its own
    measures, saying whether they were replaced or kept (``regraded_plants`` lists them all).
    ``cover``: ``coverage`` of the list as given over ``bases`` (at least the affected
    cities), worked out when not given.
    """
    spec = WhatIf.parse(spec) if isinstance(spec, str) else spec
    after_inv, mask = spec.apply(inventory, table)
    cities = sorted(set(inventory.cities[mask]))
    counts = pd.Series(inventory.cities[mask]).value_counts()
    affected = {c: bases[c] for c in cities}
    if cover is None:
        before = coverage(inventory, table, rules, affected)
    else:  # coverage rows run level, city, pollutant: keeping the affected keeps the order
        before = cover[cover["city"].isin(cities)].reset_index(drop=True)
    after = coverage(after_inv, table, rules, affected)
    frame = pd.DataFrame({
        "what_if": spec.text, "city": before["city"], "level": before["level"],
        "pollutant": before["pollutant"], "regraded": before["city"].map(counts).astype(int),
        "base_t_h": before["base_t_h"], "cut_before_t_h": before["cut_t_h"],
        "cut_after_t_h": after["cut_t_h"], "change_t_h": after["cut_t_h"] - before["cut_t_h"],
        "cut_before_pct": before["cut_pct"], "cut_after_pct": after["cut_pct"],
        "change_pct": after["cut_pct"] - before["cut_pct"], "target_pct": before["target_pct"],
        "met_before": before["met"], "met_after": after["met"]}, columns=list(WHAT_IF_COLUMNS))
    findings = []
    for row in frame.itertuples(index=False):
        where = {"city": row.city, "level": row.level, "pollutant": row.pollutant,
                 "value": row.change_t_h}
        said = {"spec": spec.text, "plants": row.regraded,
                "before": f"{row.cut_before_t_h:.4g}", "after": f"{row.cut_after_t_h:.4g}",
                "change": f"{row.change_t_h:+.4g}", "before_pct": f"{row.cut_before_pct:.1f}",
                "after_pct": f"{row.cut_after_pct:.1f}", "change_pct": f"{row.change_pct:+.1f}"}
        if row.met_before and not row.met_after:
            findings.append(_finding("what_if", "warning", "what_if_miss",
                                     said | {"target": f"{row.target_pct:g}"}, **where,
                                     limit=row.target_pct))
        else:
            findings.append(_finding("what_if", "info", "what_if_change", said, **where))
    return frame, findings + _plant_findings(regraded_plants(inventory, spec, mask))


# -- orchestrator --------------------------------------------------------------------------


def review(inventory: Inventory, rules: RuleSet, table: MeasureTable | None = None,
           area: Mapping[str, Sequence[AreaSource]] | None = None,
           what_ifs: Sequence[WhatIf | str] = (),
           max_exempt_share: float = MAX_EXEMPT_SHARE) -> Review:
    """Run every check over ``inventory``; ``area`` maps a city to its area sources.

    Each what-if is applied on its own to the list as given (not one after another).
    """
    table = default_measures() if table is None else table
    levels = review_levels(rules)
    bases = city_bases(inventory, area)
    cover = coverage(inventory, table, rules, bases)
    literal = literal_responses(inventory, table, levels)
    exempt = exemption_table(inventory, bases, literal)
    findings = [*check_consistency(inventory, table, levels, literal),
                *check_monotonicity(inventory, table, levels, literal),
                *check_exemptions(inventory, bases, max_exempt_share, exempt, literal),
                *check_coverage(cover, bases)]
    frames, plants = [], []
    for spec in what_ifs:
        spec = WhatIf.parse(spec) if isinstance(spec, str) else spec
        frame, found = what_if(inventory, table, rules, bases, spec, cover)
        frames.append(frame)
        plants.append(regraded_plants(inventory, spec, spec.select(inventory)))
        findings += found
    what = (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=list(WHAT_IF_COLUMNS)))
    who = (pd.concat(plants, ignore_index=True) if plants
           else pd.DataFrame(columns=list(WHAT_IF_PLANT_COLUMNS)))
    return Review(tuple(findings), cover, exempt, what, who)
