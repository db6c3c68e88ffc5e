"""Performance grades (绩效等级) and their strictness order.

Grades of sources.md §4.1 (A, B, B-, C, D, 引领性, 非引领性) plus A+ of the 2026 guidance (§11).
A larger rank means a stricter response is required:

    A+ < A = 引领性 < B < B- < C = 非引领性 < D

>>> normalise_grade("b－"), grade_rank("C") > grade_rank("B-")
('B-', True)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

GRADES: tuple[str, ...] = ("A+", "A", "B", "B-", "C", "D", "引领性", "非引领性")

LEADING = "引领性"
NON_LEADING = "非引领性"

GRADE_RANK: dict[str, int] = {
    "A+": 0,  # selected from A grade by MEE (sources.md §11); ranked below A (assumption)
    "A": 1,
    LEADING: 1,  # A and 引领性 both self-determine reductions (sources.md §4.1, §6)
    "B": 2,
    # sources.md §6 (Jinzhong 2020–21), §13.3 (Shanxi 2021–22), §14 (Henan 2021): C and
    # 非引领性 are named together for staggered production and strict alert measures.
    NON_LEADING: 4,
    "B-": 3,  # assumption: B- sits between B and C (sources.md §4.1 names it only)
    "C": 4,
    "D": 5,
}

# Grades that self-determine their reductions during alerts (sources.md §4.1, §6, §11).
SELF_DETERMINED: frozenset[str] = frozenset({"A+", "A", LEADING})

# Per-industry grade sets. sources.md §11 (2026 guidance): grades are in principle A/B/C/D plus A+;
# industries with simple equipment and processes use only A/B/C; 引领性/非引领性 is a separate
# scheme (§4.1). B- is named in §4.1 without saying which industries use it, so the A-D set
# allows it (assumption). ``enterprises.industries`` says which set each industry uses.
GRADE_SETS: dict[str, tuple[str, ...]] = {
    "A-D": ("A+", "A", "B", "B-", "C", "D"),
    "A-C": ("A+", "A", "B", "C"),
    "leading": (LEADING, NON_LEADING),
}

_ALIASES: dict[str, str] = {
    "LEADING": LEADING,
    "引领": LEADING,
    "引领性企业": LEADING,
    "NON-LEADING": NON_LEADING,
    "NONLEADING": NON_LEADING,
    "NON_LEADING": NON_LEADING,
    "NOT-LEADING": NON_LEADING,
    "非引领": NON_LEADING,
    "非引领性企业": NON_LEADING,
}

_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "﹣": "-"})


def normalise_grade(text: str) -> str:
    """Return the canonical grade for ``text``; ``ValueError`` if it is not a grade.

    Case, surrounding spaces, full-width letters and minus signs, and a trailing 级
    ("B级") are tolerated; "leading"/"non-leading" map to 引领性/非引领性.
    """
    key = unicodedata.normalize("NFKC", str(text)).translate(_DASHES).strip().upper()
    key = key.replace(" ", "-").removesuffix("级")
    if key in GRADE_RANK:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown grade {text!r}; expected one of {', '.join(GRADES)}")


def grade_rank(grade: str) -> int:
    """Strictness rank of a grade: 0 for A+ up to 5 for D (see module docstring)."""
    return GRADE_RANK[normalise_grade(grade)]


def worst_grade(grades: Iterable[str]) -> str:
    """Roll several grades up into one: the strictest wins (sources.md §11 shortest-plank rule).

    Used for an enterprise graded per indicator or per industry. Between grades of equal rank
    the one listed later in ``GRADES`` wins, so 非引领性 beats C and 引领性 beats A.
    """
    found = [normalise_grade(g) for g in grades]
    if not found:
        raise ValueError("worst_grade() needs at least one grade")
    return max(found, key=lambda g: (GRADE_RANK[g], GRADES.index(g)))
