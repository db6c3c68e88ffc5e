"""The measure catalogue: required production cut by (industry, grade, alert level).

A cut is a fraction of the enterprise's curtailment base (rules.md §4.4: for cement the minimum of
EIA capacity, permit capacity and previous-year output; by production line for multi-line plants).
``basis`` says how the cut is achieved; ``source`` cites rules.md or says "assumption".

The bundled table (``enterprises/data/measures.csv``) holds cement verbatim from rules.md §4.3,
a few local B-grade orange rules (§4.3, §13.2), and the cement pattern as a labelled default for
every other industry. A bureau replaces it with its own table via ``MeasureTable.from_csv``.

>>> MeasureTable.default().cut_fraction("cement", "B", "orange")
0.2
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.levels import LEVEL_IDS, Level
from enterprises.errors import MeasureTableError
from enterprises.grades import GRADES, normalise_grade
from enterprises.industries import INDUSTRY_IDS, parse_industry
from enterprises.inventory import Inventory

BASES: tuple[str, ...] = ("self_determined", "none", "limit", "stop", "stop_by_line")
MEASURE_COLUMNS: tuple[str, ...] = ("industry", "grade", "level", "cut", "basis", "source")
_REQUIRED = MEASURE_COLUMNS[:5]
_ZERO_BASES = frozenset({"self_determined", "none"})

_INDUSTRY_CODE = {ind: i for i, ind in enumerate(INDUSTRY_IDS)}
_GRADE_CODE = {g: i for i, g in enumerate(GRADES)}
_LEVEL_CODE = {lv: i for i, lv in enumerate(LEVEL_IDS)}

LevelLike = str | int | Level


@dataclass(frozen=True)
class Measure:
    """One row of the catalogue; ``rule_id`` names it in the audit log."""

    industry: str
    grade: str
    level: str
    cut: float
    basis: str
    source: str

    @property
    def rule_id(self) -> str:
        return f"{self.industry}/{self.grade}/{self.level}"


class MeasureTable:
    """Cuts indexed as a dense (industry × grade × level) array for vectorised lookup.

    Build with ``default()``, ``from_csv(path)`` or ``from_frame(df)``. Level "none" (no
    alert) is always a cut of 0, whether or not the table lists it.
    """

    def __init__(self, measures: Sequence[Measure], name: str = "<table>") -> None:
        self.name = name
        shape = (len(INDUSTRY_IDS), len(GRADES), len(LEVEL_IDS))
        self._row = np.full(shape, -1, dtype=np.int64)  # index into self._measures
        self._measures = list(measures)
        for k, m in enumerate(self._measures):
            self._row[_INDUSTRY_CODE[m.industry], _GRADE_CODE[m.grade], _LEVEL_CODE[m.level]] = k
        cuts = np.array([m.cut for m in self._measures] + [np.nan])
        self._cut = cuts[self._row]  # row -1 picks the trailing NaN: "not in the table"
        none = _LEVEL_CODE[Level.NONE.id]
        self._cut[:, :, none] = np.where(self._row[:, :, none] < 0, 0.0, self._cut[:, :, none])
        self._cut.flags.writeable = False

    # -- construction ----------------------------------------------------------------------

    @classmethod
    @functools.cache
    def default(cls) -> MeasureTable:
        """The bundled catalogue, loaded once per process."""
        from enterprises.io import DEFAULT_MEASURES_PATH

        return cls.from_csv(DEFAULT_MEASURES_PATH)

    @classmethod
    def from_csv(cls, path: str | Path) -> MeasureTable:
        """A bureau's own table: columns industry, grade, level, cut, basis[, source]."""
        from enterprises.io import read_csv_table  # io owns file access; imported late

        raw = read_csv_table(path, MeasureTableError)
        return cls.from_frame(raw, path=path, rows=raw.index.to_numpy())

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        path: str | Path | None = None,
        rows: Sequence[int] | np.ndarray | None = None,
    ) -> MeasureTable:
        """Validate a frame row by row; raise ``MeasureTableError`` on the first problem.

        Industry may be an id or Chinese name, grade any spelling ``normalise_grade`` accepts,
        level anything ``Level.parse`` accepts. ``rows`` are spreadsheet row numbers (default
        2, 3, …: header = row 1). A missing ``source`` becomes "<file> row N".
        """
        name = Path(path).name if path is not None else "<frame>"
        rows = np.arange(2, len(df) + 2) if rows is None else np.asarray(rows)
        for col in _REQUIRED:
            if col not in df.columns:
                raise MeasureTableError(path, 1, col, "", f"a column headed {col}")
        seen: dict[tuple[str, str, str], int] = {}
        measures = []
        for row, record in zip(rows, df.to_dict("records"), strict=True):
            try:
                m = _parse_measure(record, default_source=f"{name} row {row}")
            except _CellError as exc:
                raise MeasureTableError(path, int(row), *exc.args) from None
            key = (m.industry, m.grade, m.level)
            if key in seen:
                raise MeasureTableError(
                    path, int(row), "level", str(record["level"]),
                    f"one row per industry, grade and level (row {seen[key]} has it already)")
            seen[key] = int(row)
            measures.append(m)
        return cls(measures, name=name)

    # -- lookup ----------------------------------------------------------------------------

    def industries(self) -> list[str]:
        """Industry ids that have at least one row, in ``INDUSTRY_IDS`` order."""
        listed = (self._row >= 0).any(axis=(1, 2))
        return [ind for ind, has in zip(INDUSTRY_IDS, listed, strict=True) if has]

    def to_frame(self) -> pd.DataFrame:
        """The rows as a frame with ``MEASURE_COLUMNS``."""
        return pd.DataFrame([vars(m) for m in self._measures], columns=list(MEASURE_COLUMNS))

    def measure(self, industry: str, grade: str, level: LevelLike) -> Measure:
        """The catalogue row for one enterprise class (for the audit log)."""
        i, g, lv = _industry_code(industry), _grade_code(grade), _level_code(level)
        k = self._row[i, g, lv]
        if k < 0:
            if lv == _LEVEL_CODE[Level.NONE.id]:
                return Measure(INDUSTRY_IDS[i], GRADES[g], "none", 0.0, "none", "no alert")
            raise self._missing(i, g, lv)
        return self._measures[k]

    def cut_fraction(self, industry: str, grade: str, level: LevelLike) -> float:
        """Required cut, fraction of the curtailment base in [0, 1], for one enterprise."""
        i, g, lv = _industry_code(industry), _grade_code(grade), _level_code(level)
        cut = self._cut[i, g, lv]
        if np.isnan(cut):
            raise self._missing(i, g, lv)
        return float(cut)

    def cut_fractions(
        self, industries: Sequence[str] | np.ndarray, grades: Sequence[str] | np.ndarray,
        level: LevelLike,
    ) -> np.ndarray:
        """Required cuts for many enterprises at one level: float64 array, fractions in [0, 1].

        Each distinct industry and grade is parsed once (``pd.factorize``); the lookup itself
        is one fancy-indexing operation into the (industry × grade × level) array.
        """
        lv = _level_code(level)
        i = _codes(industries, _industry_code)
        g = _codes(grades, _grade_code)
        if i.shape != g.shape:
            raise ValueError(f"{i.shape[0]} industries but {g.shape[0]} grades")
        cuts = self._cut[i, g, lv]
        missing = np.isnan(cuts)
        if missing.any():
            k = int(np.argmax(missing))
            raise self._missing(i[k], g[k], lv)
        return cuts

    def _missing(self, i: int, g: int, lv: int) -> KeyError:
        combo = f"({INDUSTRY_IDS[i]}, {GRADES[g]}, {LEVEL_IDS[lv]})"
        return KeyError(f"no measure for {combo} in {self.name}")


def required_cut(
    inventory: Inventory, level: LevelLike, table: MeasureTable | None = None
) -> np.ndarray:
    """Per-enterprise required cut, fraction of the curtailment base, float64 shape (n,).

    Livelihood-guarantee (民生保障) enterprises get 0: they produce to their service task
    (以热定产, rules.md §6), which this version does not model. Others get the table's cut.
    """
    table = MeasureTable.default() if table is None else table
    cuts = table.cut_fractions(inventory.industries, inventory.grades, level)
    return np.where(inventory.livelihood, 0.0, cuts)


# -- parsing helpers -------------------------------------------------------------------------


def _industry_code(industry: str) -> int:
    return _INDUSTRY_CODE[parse_industry(industry).id]


def _grade_code(grade: str) -> int:
    return _GRADE_CODE[normalise_grade(grade)]


def _level_code(level: LevelLike) -> int:
    return _LEVEL_CODE[Level.parse(level).id]


def _codes(values: Sequence[str] | np.ndarray, code_of) -> np.ndarray:
    """Codes for many labels, parsing each distinct label once."""
    labels, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return np.array([code_of(u) for u in uniques], dtype=np.int64)[labels]


class _CellError(Exception):
    """(column, value, expected) of a bad cell; ``from_frame`` adds file and row."""


def _parse_measure(record: dict, default_source: str) -> Measure:
    """One validated ``Measure`` from a row's cells; raises ``_CellError``."""
    text = {k: "" if pd.isna(v) else str(v).strip() for k, v in record.items()}
    industry = _parse_cell(text, "industry", lambda s: parse_industry(s).id,
                           "an id or Chinese name of enterprises.industries (e.g. 水泥)")
    grade = _parse_cell(text, "grade", normalise_grade, f"one of {', '.join(GRADES)}")
    level = _parse_cell(text, "level", lambda s: Level.parse(s).id,
                        f"one of {', '.join(LEVEL_IDS)}")
    cut = float(pd.to_numeric(text["cut"], errors="coerce"))
    if not 0.0 <= cut <= 1.0:
        raise _CellError("cut", text["cut"], "a number in [0, 1] (fraction of the base)")
    basis = text["basis"]
    if basis not in BASES:
        raise _CellError("basis", basis, f"one of {', '.join(BASES)}")
    if _inconsistent(cut, basis, level):
        raise _CellError("cut", text["cut"], _CONSISTENT)
    return Measure(industry, grade, level, cut, basis, text.get("source") or default_source)


def _parse_cell(text: dict[str, str], col: str, parse, expected: str) -> str:
    try:
        return parse(text[col])
    except ValueError:
        raise _CellError(col, text[col], expected) from None


_CONSISTENT = "0 for self_determined, none and level none; 1 for stop; > 0 for limit, stop_by_line"


def _inconsistent(cut: float, basis: str, level: str) -> bool:
    """A cut that contradicts its basis (a typo guard), or a cut without an alert."""
    if level == Level.NONE.id or basis in _ZERO_BASES:
        return cut != 0.0 or (level == Level.NONE.id and basis not in _ZERO_BASES)
    return cut != 1.0 if basis == "stop" else cut <= 0.0
