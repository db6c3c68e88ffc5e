"""The enterprise inventory schema, as data.

One ``Column`` per field: English id used in code and written files, the Chinese header a bureau
uses, type, unit, whether it is required, default, and a description. ``enterprises.io`` drives
its validation from this table; docs can be generated from it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    """One inventory column. ``dtype`` is one of "str", "float", "bool", "int"."""

    id: str
    zh: str
    dtype: str
    unit: str
    required: bool
    default: Any
    description: str


# 366 days × 24 h: no enterprise runs longer than a leap year.
MAX_OPERATING_HOURS = 8784.0
# assumption: 300 days × 24 h, a typical continuous-process year with maintenance stops.
DEFAULT_OPERATING_HOURS = 7200.0

POLLUTANTS: tuple[str, ...] = ("SO2", "NOx", "PM", "VOCs")
EMISSION_COLUMNS: tuple[str, ...] = ("so2_t", "nox_t", "pm_t", "vocs_t")

COLUMNS: tuple[Column, ...] = (
    Column("id", "企业编号", "str", "", True, None, "unique enterprise id, e.g. LH0001"),
    Column("name", "企业名称", "str", "", True, None, "registered enterprise name"),
    Column("city", "所属城市", "str", "", True, None, "city (prefecture) the enterprise is in"),
    Column("county", "所属区县", "str", "", True, None, "county or district"),
    Column("industry", "行业类别", "str", "", True, None,
           "industry id or Chinese name of enterprises.industries (rules.md §4.2)"),
    Column("grade", "绩效等级", "str", "", True, None,
           "performance grade: A+, A, B, B-, C, D, 引领性, 非引领性 (rules.md §4.1)"),
    Column("so2_t", "二氧化硫(吨/年)", "float", "t/a", True, None, "annual SO2 emission, ≥ 0"),
    Column("nox_t", "氮氧化物(吨/年)", "float", "t/a", True, None, "annual NOx emission, ≥ 0"),
    Column("pm_t", "颗粒物(吨/年)", "float", "t/a", True, None, "annual PM emission, ≥ 0"),
    Column("vocs_t", "挥发性有机物(吨/年)", "float", "t/a", True, None,
           "annual VOCs emission, ≥ 0"),
    Column("operating_hours", "年运行时间(小时/年)", "float", "h/a", False,
           DEFAULT_OPERATING_HOURS, "hours run per year, in (0, 8784]"),
    Column("livelihood", "民生保障", "bool", "", False, False,
           "livelihood-guarantee enterprise (rules.md §6); true/false/1/0/是/否/yes/no"),
    Column("lines", "生产线数量", "int", "", False, 1, "number of production lines, ≥ 1"),
)

COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in COLUMNS)
REQUIRED_COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in COLUMNS if c.required)

_BY_ID: dict[str, Column] = {c.id: c for c in COLUMNS}


def _header_key(text: str) -> str:
    """Comparable form of a header: NFKC (full-width brackets → ASCII), no spaces, lower case."""
    return unicodedata.normalize("NFKC", str(text)).replace(" ", "").strip().lower()


_BY_HEADER: dict[str, str] = {
    **{_header_key(c.zh): c.id for c in COLUMNS},
    **{_header_key(c.id): c.id for c in COLUMNS},
}


def column(column_id: str) -> Column:
    """The schema entry for an English column id."""
    return _BY_ID[column_id]


def column_for_header(header: str) -> str | None:
    """English column id for a file header (English id or Chinese name), or None if unknown.

    >>> column_for_header("二氧化硫（吨/年）"), column_for_header("Grade")
    ('so2_t', 'grade')
    """
    return _BY_HEADER.get(_header_key(header))
