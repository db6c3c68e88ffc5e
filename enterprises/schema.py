"""The enterprise inventory schema, as data.

One ``Column`` per field: English id used in code and written files, the Chinese header a bureau
uses (plus other spellings met in bureau lists), type, unit, whether it is required, default,
and a description. ``enterprises.io`` drives its validation from this table and
``schema_markdown`` renders the table in ``docs/inventory.md``.
"""

from __future__ import annotations

import math
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
    aliases: tuple[str, ...] = ()


# 366 days × 24 h: no enterprise runs longer than a leap year.
MAX_OPERATING_HOURS = 8784.0
# assumption: 300 days × 24 h, a typical continuous-process year with maintenance stops.
DEFAULT_OPERATING_HOURS = 7200.0

# Upper bound of one enterprise's annual emission of any pollutant, t/a. Assumption with a
# generous margin: China's national totals are a few million t/a of SO2 and NOx, and even the
# largest coal power stations and steelworks emit tens of thousands of t/a at most (before the
# ultra-low-emission retrofits); 200 000 t/a is beyond any plant, so a larger value is a
# mistake (wrong unit, a total pasted into a row, overflow such as 1e308), not a plant.
MAX_ENTERPRISE_EMISSION_T = 200_000.0
# Upper bound of one city's area-source sector (t/a), assumption on the same reasoning: ten
# times the largest plant, still far above any city's traffic or dust total.
MAX_AREA_EMISSION_T = 2_000_000.0

# Yes/no marks of flag columns as bureaus fill them (after NFKC and lower case): words, Y/N,
# ticks and crosses, 1/0. "x" is left out: a Latin x ticks a box as often as it crosses it out.
FLAG_TRUE = frozenset({"true", "1", "是", "yes", "y", "√", "✓", "✔", "有", "是的"})
FLAG_FALSE = frozenset({"false", "0", "否", "no", "n", "×", "✗", "✘", "无", "不是"})


def flag_value(cell: Any) -> bool | None:
    """A flag cell as True, False, or None (empty, or not a yes/no mark).

    >>> [flag_value(c) for c in ("是", "N", "√", "×", "１", "", None, "maybe")]
    [True, False, True, False, True, None, None, None]
    """
    if isinstance(cell, bool | int) and cell in (0, 1):
        return bool(cell)
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    text = unicodedata.normalize("NFKC", str(cell)).strip().lower()
    return True if text in FLAG_TRUE else False if text in FLAG_FALSE else None


POLLUTANTS: tuple[str, ...] = ("SO2", "NOx", "PM", "VOCs")
EMISSION_COLUMNS: tuple[str, ...] = ("so2_t", "nox_t", "pm_t", "vocs_t")

COLUMNS: tuple[Column, ...] = (
    Column("id", "企业编号", "str", "", True, None, "unique enterprise id, e.g. LH0001"),
    Column("name", "企业名称", "str", "", True, None, "registered enterprise name",
           ("单位名称",)),
    Column("city", "所属城市", "str", "", True, None, "city (prefecture) the enterprise is in",
           ("城市", "地市")),
    Column("county", "所属区县", "str", "", True, None, "county or district",
           ("区县", "县(市、区)")),
    Column("industry", "行业类别", "str", "", True, None,
           "industry id or Chinese name of enterprises.industries (sources.md §4.2)",
           ("行业", "所属行业")),
    Column("grade", "绩效等级", "str", "", True, None,
           "performance grade: A+, A, B, B-, C, D, 引领性, 非引领性 (sources.md §4.1), within the "
           "industry's grade set (enterprises.industries)", ("绩效分级", "绩效评级")),
    Column("so2_t", "二氧化硫(吨/年)", "float", "t/a", True, None,
           "annual SO2 emission, in [0, 200 000] (the upper bound is an assumption: "
           "MAX_ENTERPRISE_EMISSION_T)"),
    Column("nox_t", "氮氧化物(吨/年)", "float", "t/a", True, None,
           "annual NOx emission, in [0, 200 000]"),
    Column("pm_t", "颗粒物(吨/年)", "float", "t/a", True, None,
           "annual PM emission, in [0, 200 000]"),
    Column("vocs_t", "挥发性有机物(吨/年)", "float", "t/a", True, None,
           "annual VOCs emission, in [0, 200 000]"),
    Column("operating_hours", "年运行时间(小时/年)", "float", "h/a", False,
           DEFAULT_OPERATING_HOURS, "hours run per year, in (0, 8784]"),
    Column("livelihood", "民生保障", "bool", "", False, False,
           "livelihood-guarantee enterprise (sources.md §6); true/false/1/0/是/否/yes/no"),
    Column("lines", "生产线数量", "int", "", False, 1, "number of production lines, ≥ 1"),
    Column("exemption", "保障类型", "str", "", False, "none",
           "exemption class: none, livelihood (民生保障, 以热定产), strategic (战略性新兴产业), "
           "export (出口订单, 以量定产), whitelist (白名单, self-determined) — sources.md §6",
           ("豁免类型", "保障类别")),
    Column("guaranteed_load", "保障负荷率", "float", "fraction", False, 1.0,
           "livelihood, strategic and export classes: the load the service or orders need, in "
           "[0, 1] of the curtailment base; output is capped there during alerts"),
    Column("online_monitoring", "限排不限产", "bool", "", False, False,
           "online-monitored enterprise allowed 限排不限产: its cut is an emission cap and its "
           "output is not cut (sources.md §6)", ("在线监测",)),
    Column("industry_grades", "分行业绩效等级", "str", "", False, "",
           "per-industry grades of a multi-industry enterprise, e.g. cement:B;glass:C; the "
           "enterprise grade is the worst of them (shortest plank, sources.md §11); with it the "
           "grade cell may be left empty"),
    Column("process", "工艺类型", "str", "", False, "",
           "process type for ramp times (enterprises.processes); empty: the industry's own"),
    Column("line_capacity", "各生产线产能", "str", "", False, "",
           "capacity of each production line, separated by ;, e.g. 2500;5000 (any unit; "
           "shares are what count); empty: equal lines", ("生产线产能",)),
    Column("line_emissions", "各生产线排放占比", "str", "", False, "",
           "emission share of each production line, separated by ;; empty: as capacity"),
    Column("capacity_eia", "环评产能", "float", "product/a", False, math.nan,
           "capacity approved by the EIA (curtailment base, sources.md §4.3, §4.4)"),
    Column("capacity_permit", "排污许可产能", "float", "product/a", False, math.nan,
           "capacity in the pollutant-discharge permit (curtailment base)", ("许可产能",)),
    Column("output_last_year", "上年实际产量", "float", "product/a", False, math.nan,
           "previous year's actual output (curtailment base; the list's emissions are taken "
           "to correspond to it)", ("上年产量",)),
    Column("output_value", "日产值(万元/天)", "float", "万元/d", False, 0.0,
           "output value per day at full production, 10 000 CNY", ("日产值",)),
    Column("trucks_per_day", "日均货车进出(辆次/天)", "float", "trips/d", False, 0.0,
           "heavy-truck trips in and out per day (≥ 10: 重点用车企业 where neither the "
           "flag nor the industry decides, sources.md §5)",
           ("日均货车进出",)),
    Column("override_yellow", "一厂一策黄色", "float", "fraction", False, math.nan,
           "一厂一策: this enterprise's own cut at yellow, in [0, 1] of the base; wins over the "
           "catalogue"),
    Column("override_orange", "一厂一策橙色", "float", "fraction", False, math.nan,
           "一厂一策: own cut at orange"),
    Column("override_red", "一厂一策红色", "float", "fraction", False, math.nan,
           "一厂一策: own cut at red"),
    Column("line_name", "生产工序/生产线", "str", "", False, "",
           "name of the production line or process of this row; rows of one enterprise (same "
           "id, or same name and county) are its lines; several names separated by ;",
           ("生产工序", "生产线")),
    Column("key_vehicle_user", "重点用车企业", "bool", "", False, False,
           "重点用车企业: a key vehicle user for the truck gate (sources.md §5). 是/Y/√/1: key; "
           "否/N/×/0: not key; empty: decided by the industry, then trips (docs/transport.md)",
           ("是否重点用车企业",)),
    Column("measure_yellow", "黄色预警减排措施", "str", "", False, "",
           "the plant's own measures at yellow as written (停产, 限产50%, 停止烧结工序, 自主减排, "
           "以热定产, 停止使用国四及以下重型柴油货车运输 …): its 一厂一策, wins over the "
           "catalogue; text that cannot be read falls back to the catalogue with a warning",
           ("黄色预警措施", "黄色预警")),
    Column("measure_orange", "橙色预警减排措施", "str", "", False, "",
           "the plant's own measures at orange as written", ("橙色预警措施", "橙色预警")),
    Column("measure_red", "红色预警减排措施", "str", "", False, "",
           "the plant's own measures at red as written", ("红色预警措施", "红色预警")),
    Column("lon", "经度", "float", "°E", False, math.nan,
           "longitude of the plant: decimal degrees (113.97) or 度分秒 (113°58'12\", "
           "113度58分12秒), within China (73–136 °E); read in the list's own datum, often "
           "GCJ-02 (docs/inventory.md); empty: the plant is drawn in its county's block",
           ("东经", "longitude")),
    Column("lat", "纬度", "float", "°N", False, math.nan,
           "latitude of the plant, as lon, within China (3–54 °N); both or neither on a row",
           ("北纬", "latitude")),
)

OVERRIDE_COLUMNS: tuple[str, ...] = ("override_yellow", "override_orange", "override_red")
MEASURE_TEXT_COLUMNS: tuple[str, ...] = ("measure_yellow", "measure_orange", "measure_red")
CAPACITY_COLUMNS: tuple[str, ...] = ("capacity_eia", "capacity_permit", "output_last_year")
COORDINATE_COLUMNS: tuple[str, ...] = ("lon", "lat")

COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in COLUMNS)
REQUIRED_COLUMN_IDS: tuple[str, ...] = tuple(c.id for c in COLUMNS if c.required)

_BY_ID: dict[str, Column] = {c.id: c for c in COLUMNS}


def _header_key(text: str) -> str:
    """Comparable form of a header: NFKC (full-width brackets → ASCII), no spaces, lower case."""
    return unicodedata.normalize("NFKC", str(text)).replace(" ", "").strip().lower()


_BY_HEADER: dict[str, str] = {
    **{_header_key(a): c.id for c in COLUMNS for a in c.aliases},
    **{_header_key(c.zh): c.id for c in COLUMNS},
    **{_header_key(c.id): c.id for c in COLUMNS},
}


def schema_field(header: str) -> str | None:
    """The column id for a header spelled as this table spells it (id, Chinese name, alias)."""
    return _BY_HEADER.get(_header_key(header))


def column(column_id: str) -> Column:
    """The schema entry for an English column id."""
    return _BY_ID[column_id]


def column_for_header(header: str) -> str | None:
    """English column id for a file header, or None if unknown.

    The English id, the Chinese name and aliases of this table, and every spelling of
    ``enterprises/data/headers.toml`` (with or without a unit, full- or half-width brackets).

    >>> column_for_header("二氧化硫（吨/年）"), column_for_header("Grade")
    ('so2_t', 'grade')
    """
    from enterprises.sheets import match_header  # the spellings table lives with the reader

    return match_header(header).field


def schema_markdown() -> str:
    """The schema as a Markdown table (one row per column), as shown in ``docs/inventory.md``."""
    lines = ["| column | 中文表头 | type | unit | required | default | description |",
             "|---|---|---|---|---|---|---|"]
    for c in COLUMNS:
        zh = " / ".join((c.zh, *c.aliases))
        lines.append(f"| `{c.id}` | {zh} | {c.dtype} | {c.unit} | "
                     f"{'yes' if c.required else 'no'} | {_default_text(c)} | {c.description} |")
    return "\n".join(lines) + "\n"


def _default_text(c: Column) -> str:
    if c.required:
        return ""
    if c.default == "" or (isinstance(c.default, float) and math.isnan(c.default)):
        return "empty"
    if isinstance(c.default, bool):
        return str(c.default).lower()
    return f"{c.default:g}" if isinstance(c.default, float) else str(c.default)


DOC_START, DOC_END = "<!-- schema table: generated -->", "<!-- end of schema table -->"


def with_schema_table(doc: str) -> str:
    """``doc`` with the text between the schema-table markers replaced by ``schema_markdown``."""
    head, _, rest = doc.partition(DOC_START)
    _, _, tail = rest.partition(DOC_END)
    return f"{head}{DOC_START}\n{schema_markdown()}{DOC_END}{tail}"
