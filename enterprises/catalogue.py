"""The bundled measure catalogue, built from a few rules with a source each.

``enterprises/data/measures.csv`` is the data smogsim reads; this module is how it is made
(``python -m enterprises measures`` rewrites it, and a test checks the file is up to date). A
bureau never edits this module: it brings its own table
(``enterprises.io.load_measure_table``) or a few override rows for a scenario (scenario key
``[measures] file``).

- Cement is verbatim from the 2020 technical guide (sources.md §4.3).
- Steel, coke, glass, lime and foundry follow the local practice of sources.md §4.3 and §13.2
  with their sources; processes that cannot stop reduce load instead (§4.4, §6).
- Alumina, electrolytic aluminium and carbon carry their orange rows from §13.2 and §14.
- Every other industry and cell takes the cement pattern as a labelled default.
- A+ and 引领性 self-determine like A (§4.1, §6, §11); 非引领性 takes C's rules (sources.md
  §6, §13.3, §14 name them together); B- lies between B and C; no cut is imposed at the
  temporary-control and blue levels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from enterprises.grades import GRADES, LEADING, NON_LEADING
from enterprises.industries import INDUSTRY_IDS

LEVELS = ("temporary", "blue", "yellow", "orange", "red")
ALERTS = ("yellow", "orange", "red")
COLUMNS = ("industry", "grade", "level", "cut", "basis", "source", "emission_cut", "detail")


@dataclass(frozen=True)
class Rule:
    """One cell before it gets its industry, grade and level: cut, basis and why."""

    cut: float
    basis: str
    source: str
    emission_cut: float | None = None  # None: as cut (emissions proportional to output)
    detail: str = ""

    @property
    def emissions(self) -> float:
        return self.cut if self.emission_cut is None else self.emission_cut


TEMPORARY = ("assumption: temporary control (sources.md §1.3, §11) is a local measure, not in the "
             "catalogue; override per bureau")
BLUE = ("assumption: blue (2017 scheme, sources.md §1.1, §1.5) is a health advisory with no "
        "mandatory industry cut (cf. Henan 2019 health reminder, §14)")
A_PLUS = "sources.md §11: A+ is selected from A grade; assumption: self-determined like A"
A_SELF = "sources.md §4.1, §6: A and 引领性 self-determine reductions (自主减排)"
PATTERN = "assumption: cement pattern of sources.md §4.3 applied as default; override per bureau"
B_MINUS = "assumption: B- between B and C (sources.md §4.1 names B- without measures)"
NON_LEADING_AS_C = ("sources.md §6 (Jinzhong 2020–21), §13.3 (Shanxi 2021–22), §14 (Henan 2021): "
                    "C and 非引领性 follow the same seasonal and alert measures; 非引领性 takes "
                    "C's rule")

# sources.md §4.3, cement clinker (2020 guide), verbatim.
CEMENT: dict[str, tuple[Rule, Rule, Rule]] = {
    "A": (Rule(0, "self_determined", "sources.md §4.3 (2020 guide, cement clinker): A "
               "self-determined (鼓励自主减排)"),) * 3,
    "B": (Rule(0, "none", "sources.md §4.3: cement B yellow — no production cut"),
          Rule(0.2, "limit", "sources.md §4.3, §4.4: cement B orange — limit 20 % of min(EIA, "
               "permit, previous-year output)"),
          Rule(1, "stop", "sources.md §4.3: cement B red — stop production")),
    "B-": (Rule(0, "none", B_MINUS), Rule(0.3, "limit", B_MINUS), Rule(1, "stop", B_MINUS)),
    "C": (Rule(0.5, "stop_by_line", "sources.md §4.3, §4.4: cement C yellow — stop 50 % counted "
               "by production line"),
          Rule(1, "stop", "sources.md §4.3: cement C orange — stop"),
          Rule(1, "stop", "sources.md §4.3: cement C red — stop")),
    "D": (Rule(1, "stop", "sources.md §4.3: cement D yellow — stop; stop road transport"),
          Rule(1, "stop", "sources.md §4.3: cement D orange — stop; stop road transport"),
          Rule(1, "stop", "sources.md §4.3: cement D red — stop; stop road transport")),
}

# Normal coking time (assumption: 24 h); a longer coking time cuts output in proportion.
NORMAL_COKING_H = 24.0


def _coking(hours: float, source: str) -> Rule:
    cut = 1.0 - NORMAL_COKING_H / hours
    return Rule(cut, "load_reduction", f"{source}; assumption: normal coking time "
                f"{NORMAL_COKING_H:g} h", detail=f"coking time extended to {hours:g} h")


_TANGSHAN = "sources.md §4.3 (Tangshan II-level 2019)"
_COKE_STOP = Rule(1, "load_reduction", "sources.md §13.2 (Linfen 2019–20 class IV: stop charging "
                  "coal); assumption: ovens kept hot still emit 20 % (heating gas)",
                  emission_cut=0.8, detail="stop charging coal, ovens kept hot")
_GLASS_HOLD = Rule(1, "load_reduction", "sources.md §6: glass lines are not stopped; assumption: "
                   "a furnace kept hot without pulling glass burns half its fuel",
                   emission_cut=0.5, detail="no pull, furnace kept hot (保温)")
_BANKED = Rule(1, "load_reduction", "sources.md §4.3 (Anyang red 2019): blast furnaces banked "
               "(焖炉); assumption: a banked furnace emits 10 %", emission_cut=0.9,
               detail="blast furnaces banked (焖炉)")
_KILN_WARM = Rule(1, "load_reduction", f"{_TANGSHAN}: independent lime kiln B stops keeping the "
                  "kiln warm (停产保窑); assumption: keeping warm emits 10 %", emission_cut=0.9,
                  detail="停产保窑 (stop, kiln kept warm)")

# Local practice: (industry, grade) → rules at yellow, orange, red; None keeps the pattern.
LOCAL: dict[tuple[str, str], tuple[Rule | None, Rule | None, Rule | None]] = {
    ("steel_integrated", "B"): (
        None,
        Rule(0.3, "limit", "sources.md §4.3 (Linfen class II −30 %; Tangshan orange B: sinter, "
             "pellet and lime lines stop), §13.2 (Wen'an orange −30 %)",
             detail="sinter, pellet and lime lines stopped"),
        Rule(0.5, "stop_by_line", "sources.md §4.3 (Anyang red 2019): sinter, pellet, lime ≥ 50 % "
             "stopped by line")),
    ("steel_integrated", "C"): (
        Rule(0.3, "limit", "assumption: steel C takes B's orange rule at yellow (sources.md §4.3)",
             detail="sinter, pellet and lime lines stopped"),
        Rule(0.5, "stop_by_line", "sources.md §4.3 (Tangshan orange 2019): C blast furnaces ≥ 50 % "
             "stopped, counted by furnace"),
        _BANKED),
    ("steel_integrated", "D"): (replace(_BANKED, source=_BANKED.source + "; sources.md §13.1: D "
                                        "stops except where the process allows only a partial "
                                        "stop"),) * 3,
    ("coking", "B"): (
        None,
        _coking(36, f"{_TANGSHAN}: coke B/C coking time → 36 h"),
        _coking(48, "sources.md §4.3 (Tangshan Jan 2019: coke ≥ 48 h), §13.2 (Linfen class III)")),
    ("coking", "C"): (
        _coking(36, f"assumption: C takes the orange rule at yellow; {_TANGSHAN}: 36 h"),
        _coking(36, f"{_TANGSHAN}: coke B/C coking time → 36 h"),
        _coking(48, "sources.md §4.3 (Tangshan Jan 2019: coke ≥ 48 h), §13.2 (Linfen class III)")),
    ("coking", "D"): (_COKE_STOP,) * 3,
    ("glass", "B"): (
        None,
        Rule(0.2, "load_reduction", f"{_TANGSHAN}, weak mirror: glass B limit 20 %; sources.md "
             "§4.3 (Xingtai 2017): achieved by cutting batch feed", detail="batch feed cut 20 %"),
        Rule(0.3, "load_reduction", "assumption: one step above orange; glass lines are not "
             "stopped (sources.md §6)", detail="batch feed cut 30 %")),
    ("glass", "C"): (
        Rule(0.15, "load_reduction", "sources.md §4.3 (Xingtai 2017: 15 % by batch feed); "
             "assumption: applied to C at yellow", detail="batch feed cut 15 %"),
        Rule(0.3, "load_reduction", f"{_TANGSHAN}: glass C runs at the previous year's lowest "
             "daily load; assumption: that load is 70 % of the base",
             detail="previous year's lowest daily load"),
        Rule(0.5, "load_reduction", "assumption: glass C red halves the pull; lines are not "
             "stopped (sources.md §6)", detail="batch feed cut 50 %")),
    ("glass", "B-"): (None, Rule(0.25, "load_reduction", f"{B_MINUS}: between glass B (20 %) "
                                 "and C (30 %)", detail="batch feed cut 25 %"), None),
    ("glass", "D"): (_GLASS_HOLD,) * 3,
    ("lime_kiln", "B"): (None, _KILN_WARM, _KILN_WARM),
    ("lime_kiln", "C"): (None, Rule(1, "stop", f"{_TANGSHAN}: independent lime kiln C stops"),
                         Rule(1, "stop", f"{_TANGSHAN}: independent lime kiln C stops")),
    ("foundry", "B"): (None, Rule(1, "stop", f"{_TANGSHAN}: foundry B/C — all gas-emitting "
                                  "processes stop"), None),
    ("foundry", "C"): (None, Rule(1, "stop", f"{_TANGSHAN}: foundry B/C — all gas-emitting "
                                  "processes stop"), None),
    ("alumina", "B"): (None, Rule(0.5, "stop_by_line", "sources.md §13.2, §14 (Lüliang 2019; Henan "
                                  "orange): alumina clinker/calcination −50 % by production "
                                  "line"), None),
    ("electrolytic_aluminium", "B"): (None, Rule(0.3, "limit", "sources.md §13.2, §14 (Lüliang "
                                                 "2019; Henan orange): electrolytic Al −30 % "
                                                 "counted by cells"), None),
    ("carbon", "B"): (None, Rule(0.5, "stop_by_line", "sources.md §13.2, §14 (Lüliang 2019; Henan "
                                 "orange): carbon roasting −50 % by fire systems"), None),
}


def _key(rule: Rule) -> tuple[float, float]:
    return (rule.cut, rule.emissions)


def _graded(industry: str) -> dict[str, tuple[Rule, Rule, Rule]]:
    """B, C and D rules of one industry: local practice over the cement pattern."""
    def rule(base: Rule, local: Rule | None) -> Rule:
        if local is not None:
            return local
        return base if industry == "cement" else replace(base, source=PATTERN)

    out = {}
    for grade in ("B", "C", "D"):
        yellow, orange, red = CEMENT[grade]
        local_y, local_o, local_r = LOCAL.get((industry, grade), (None, None, None))
        out[grade] = (rule(yellow, local_y), rule(orange, local_o), rule(red, local_r))
    return out


def _b_minus(b: Rule, c: Rule, pattern: Rule, b_is_local: bool) -> Rule:
    """B- is the stricter of B and the cement B- pattern, but never stricter than C.

    On a tie a local B rule wins (so its source is cited).
    """
    if _key(pattern) > _key(b) or (_key(pattern) == _key(b) and not b_is_local):
        pick = replace(pattern, source=B_MINUS)
    else:
        pick = replace(b, source=f"{B_MINUS}; not below B's local rule: {b.source}")
    if pick.cut > c.cut or pick.emissions > c.emissions:
        pick = replace(c, source=f"{B_MINUS}; not above C's rule: {c.source}")
    return pick


def industry_rules(industry: str) -> dict[str, dict[str, Rule]]:
    """grade → level → Rule for one industry, every grade and level of the table."""
    graded = _graded(industry)
    a_self = CEMENT["A"][0] if industry == "cement" else Rule(0, "self_determined", A_SELF)
    table: dict[str, dict[str, Rule]] = {}
    for grade in GRADES:
        rules: dict[str, Rule] = {"temporary": Rule(0, "none", TEMPORARY),
                                  "blue": Rule(0, "none", BLUE)}
        for k, level in enumerate(ALERTS):
            if grade == "A+":
                rules[level] = Rule(0, "self_determined", A_PLUS)
            elif grade == "A":
                rules[level] = a_self
            elif grade == LEADING:
                rules[level] = Rule(0, "self_determined", A_SELF)
            elif grade in ("B", "C", "D"):
                rules[level] = graded[grade][k]
            elif grade == NON_LEADING:
                c = graded["C"][k]
                rules[level] = replace(c, source=f"{NON_LEADING_AS_C}; {c.source}")
            elif (own := LOCAL.get((industry, "B-"), (None,) * 3)[k]) is not None:
                rules[level] = own
            else:  # B-
                local = LOCAL.get((industry, "B"), (None,) * 3)[k] is not None
                rules[level] = _b_minus(graded["B"][k], graded["C"][k], CEMENT["B-"][k], local)
        table[grade] = rules
    return table


def default_rows() -> pd.DataFrame:
    """The whole default catalogue as a frame with ``COLUMNS``, in industry, grade, level order."""
    records = []
    for industry in INDUSTRY_IDS:
        for grade, rules in industry_rules(industry).items():
            for level in LEVELS:
                r = rules[level]
                records.append({"industry": industry, "grade": grade, "level": level,
                                "cut": r.cut, "basis": r.basis, "source": r.source,
                                "emission_cut": r.emissions, "detail": r.detail})
    return pd.DataFrame(records, columns=list(COLUMNS))


def write_default(path) -> None:
    """Rewrite the bundled CSV (UTF-8, no BOM, as the loader expects either)."""
    default_rows().to_csv(path, index=False, lineterminator="\n")
