"""The measure catalogue: required production cut by (industry, grade, alert level).

A cut is a fraction of the enterprise's curtailment base (sources.md §4.4: for cement the minimum of
EIA capacity, permit capacity and previous-year output; by production line for multi-line plants).
``basis`` says how the cut is achieved (``BASES``); ``emission_cut`` is the share of emissions
removed (default: the cut — emissions proportional to output; less for a kiln kept warm, and the
whole measure for an emission cap that leaves output alone); ``source`` cites sources.md or says
"assumption"; ``detail`` says what the plant does (e.g. "coking time extended to 36 h").

The bundled table (``enterprises/data/measures.csv``, built by ``enterprises.catalogue``) holds
cement verbatim from sources.md §4.3, the local practice for steel, coke, glass, lime and foundry
(§4.3, §13.2), and the cement pattern as a labelled default for every other industry. A bureau
replaces it with its own table (``enterprises.io.load_measure_table``) or overlays a few rows
with ``MeasureTable.overlay``; ``enterprises.io.default_measures()`` is the bundled table.

>>> from enterprises.io import default_measures
>>> default_measures().cut_fraction("cement", "B", "orange")
0.2
"""

from __future__ import annotations

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

# none / self-determined; limit X % of the curtailment base; stop; stop whole production lines
# reaching a share of capacity; load reduction for processes that cannot stop (coking time,
# batch feed, banked furnace, 停产保窑); emission cap without an output cut (限排不限产).
BASES: tuple[str, ...] = ("self_determined", "none", "limit", "stop", "stop_by_line",
                          "load_reduction", "emission_cap")
MEASURE_COLUMNS: tuple[str, ...] = ("industry", "grade", "level", "cut", "basis", "source",
                                    "emission_cut", "detail")
_REQUIRED = MEASURE_COLUMNS[:5]
_ZERO_BASES = frozenset({"self_determined", "none"})
BASIS_CODE: dict[str, int] = {b: i for i, b in enumerate(BASES)}

_INDUSTRY_CODE = {ind: i for i, ind in enumerate(INDUSTRY_IDS)}
_GRADE_CODE = {g: i for i, g in enumerate(GRADES)}
_LEVEL_CODE = {lv: i for i, lv in enumerate(LEVEL_IDS)}

LevelLike = str | int | Level


@dataclass(frozen=True, init=False)
class Measure:
    """One row of the catalogue; ``rule_id`` names it in the audit log.

    ``cut`` is the production cut, ``emission_cut`` the emission cut (None given → ``cut``).
    """

    industry: str
    grade: str
    level: str
    cut: float
    basis: str
    source: str
    emission_cut: float
    detail: str

    def __init__(self, industry: str, grade: str, level: str, cut: float, basis: str,
                 source: str, emission_cut: float | None = None, detail: str = "") -> None:
        values = {"industry": industry, "grade": grade, "level": level, "cut": cut,
                  "basis": basis, "source": source,
                  "emission_cut": cut if emission_cut is None else emission_cut,
                  "detail": detail}
        for name, value in values.items():  # frozen: set once, here
            object.__setattr__(self, name, value)

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
        none = _LEVEL_CODE[Level.NONE.id]

        def dense(values: list[float], fill: float) -> np.ndarray:
            arr = np.array([*values, np.nan])[self._row]  # row -1 → NaN: "not in the table"
            arr[:, :, none] = np.where(self._row[:, :, none] < 0, fill, arr[:, :, none])
            arr.flags.writeable = False
            return arr

        self._cut = dense([m.cut for m in self._measures], 0.0)
        self._emission_cut = dense([m.emission_cut for m in self._measures], 0.0)
        self._basis = dense([BASIS_CODE[m.basis] for m in self._measures], BASIS_CODE["none"])

    # -- construction ----------------------------------------------------------------------

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

    def overlay(self, rows: MeasureTable) -> MeasureTable:
        """This table with ``rows`` replacing its rows for the same (industry, grade, level).

        A bureau's override file (scenario key ``[measures] file``) lists only what differs.
        """
        keys = {(m.industry, m.grade, m.level) for m in rows._measures}
        kept = [m for m in self._measures if (m.industry, m.grade, m.level) not in keys]
        return MeasureTable([*kept, *rows._measures], name=f"{self.name} + {rows.name}")

    # -- lookup ----------------------------------------------------------------------------

    def industries(self) -> list[str]:
        """Industry ids that have at least one row, in ``INDUSTRY_IDS`` order."""
        listed = np.any(self._row >= 0, axis=(1, 2))  # (industries,)
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

    def lookup(
        self, industries: Sequence[str] | np.ndarray, grades: Sequence[str] | np.ndarray,
        level: LevelLike,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cut, emission cut, basis code) arrays for many enterprises at one level.

        Basis codes index ``BASES``. Raises ``KeyError`` for a combination not in the table.
        """
        lv = _level_code(level)
        i = _codes(industries, _industry_code)
        g = _codes(grades, _grade_code)
        cuts = self.cut_fractions(industries, grades, level) if len(i) else np.zeros(0)
        return cuts, self._emission_cut[i, g, lv], self._basis[i, g, lv].astype(np.int64)

    def _missing(self, i: int, g: int, lv: int) -> KeyError:
        combo = f"({INDUSTRY_IDS[i]}, {GRADES[g]}, {LEVEL_IDS[lv]})"
        return KeyError(f"no measure for {combo} in {self.name}")


def required_cut(
    inventory: Inventory, level: LevelLike, table: MeasureTable | None = None,
    by_line: bool = False,
) -> np.ndarray:
    """Per-enterprise required production cut, fraction of normal output, float64 shape (n,).

    The catalogue's cut for the enterprise's industry and grade, measured on its curtailment
    base, then its exemption class and its 一厂一策 override (``enterprises.response``). A
    livelihood-guarantee (民生保障) enterprise produces to its service task (以热定产): its
    output is capped at ``guaranteed_load`` (default 1, no cut). An online-monitored
    enterprise (限排不限产) cuts emissions, not output: 0 here. With ``by_line`` the cut is the
    one achieved when whole production lines stop (at least the required share).
    """
    from enterprises.response import respond

    response = respond(inventory, level, table)  # None: the bundled catalogue
    return response.achieved_cut(inventory) if by_line else response.cut.copy()


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
    raw_emission = text.get("emission_cut", "")
    emission = cut if raw_emission == "" else float(pd.to_numeric(raw_emission, errors="coerce"))
    if not 0.0 <= emission <= 1.0:
        raise _CellError("emission_cut", raw_emission, "empty or a number in [0, 1]")
    if _inconsistent(cut, basis, level):
        raise _CellError("cut", text["cut"], _CONSISTENT)
    if basis == "emission_cap" and emission <= 0.0:
        raise _CellError("emission_cut", raw_emission, "a number in (0, 1] for emission_cap")
    if basis in _ZERO_BASES and emission != 0.0:
        raise _CellError("emission_cut", raw_emission, "0 for self_determined and none")
    return Measure(industry, grade, level, cut, basis, text.get("source") or default_source,
                   emission, text.get("detail", ""))


def _parse_cell(text: dict[str, str], col: str, parse, expected: str) -> str:
    try:
        return parse(text[col])
    except ValueError:
        raise _CellError(col, text[col], expected) from None


_CONSISTENT = ("0 for self_determined, none, emission_cap and level none; 1 for stop; > 0 for "
               "limit, stop_by_line, load_reduction")


def _inconsistent(cut: float, basis: str, level: str) -> bool:
    """A cut that contradicts its basis (a typo guard), or a cut without an alert."""
    if level == Level.NONE.id or basis in _ZERO_BASES:
        return cut != 0.0 or (level == Level.NONE.id and basis not in _ZERO_BASES)
    if basis == "emission_cap":
        return cut != 0.0
    return cut != 1.0 if basis == "stop" else cut <= 0.0
