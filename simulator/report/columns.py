"""Report tables as a person reads them, in the page's language.

The CSV files keep machine ids (``baseline_t``, ``brick_tile``, ``orange``, ``True``); a report
table shows the catalogue's name of each column with its unit (基准排放（吨）, "baseline
emissions (t)"), names for id values (砖瓦窑, 橙色, B级), alert reasons rendered in the language,
and 是/否 (yes/no) for booleans. A column the catalogue does not know keeps its CSV name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from enterprises.schema import POLLUTANTS
from simulator.lang import grade_name, industry_name, level_name, measure_name, render_reason
from simulator.lang.catalogue import catalogue, text
from simulator.lang.tables import CODE_GROUPS, code_name

_POLLUTANT = "|".join(map(re.escape, POLLUTANTS))
_PER_POLLUTANT = re.compile(rf"^(?P<pollutant>{_POLLUTANT})_(?P<rest>\w+)$")  # SO2_cut_t
_CUT_PCT_OF = re.compile(rf"^cut_pct_(?P<pollutant>{_POLLUTANT})$")  # replay's cut_pct_SO2
_SPREAD = re.compile(r"^(?P<base>\w+)_(?P<end>min|max)$")  # replay's alert_hours_min


def column_name(column: str, lang: str) -> str:
    """The header of CSV column ``column`` in ``lang``, with its unit.

    >>> column_name("baseline_t", "zh"), column_name("SO2_cut_t", "en")
    ('基准排放（吨）', 'SO2 cut (t)')
    >>> column_name("alert_hours_max", "zh"), column_name("not_catalogued", "zh")
    ('预警小时（小时），最高', 'not_catalogued')
    """
    names = catalogue(lang)
    key = f"report.column.{column}"
    if key in names:
        return names[key]
    for pattern, template in ((_PER_POLLUTANT, "pollutant_{rest}"),
                              (_CUT_PCT_OF, "pollutant_cut_pct")):
        found = pattern.match(column)
        if found:
            key = "report.column." + template.format(**found.groupdict())
            if key in names:
                return text(key, lang, pollutant=found["pollutant"])
    spread = _SPREAD.match(column)
    if spread:
        base = column_name(spread["base"], lang)
        if base != spread["base"]:
            end = "lowest" if spread["end"] == "min" else "highest"
            return text(f"report.column.{end}", lang, name=base)
    return column


def _keyed(prefix: str, fallback: str | None = None) -> Callable[[str, str], str]:
    """A namer looking ``prefix.<value>`` up in the catalogue (``fallback`` key, else the value
    itself, when it has none)."""
    def name(value: str, lang: str) -> str:
        names = catalogue(lang)
        return names.get(f"{prefix}.{value}", names[fallback] if fallback else value)
    return name


_REVIEW_WORDS = _keyed("review")
# Value namers by column: ids as a person names them.
VALUE_NAMERS: dict[str, Callable[[str, str], str]] = {
    "level": level_name, "peak_level": level_name,
    "industry": industry_name,
    "grade": grade_name, "grade_before": grade_name, "grade_after": grade_name,
    "measure": measure_name,
    "reason": render_reason,
    "check": _keyed("check"),
    "severity": _REVIEW_WORDS, "status": _REVIEW_WORDS,
    "class": _keyed("exemption"),
    "own_measures": lambda value, lang: (text("word.none", lang) if value == "none"
                                         else _REVIEW_WORDS(value, lang)),
    "alert_level": level_name,
    **{column: (lambda value, lang, column=column: code_name(column, value, lang))
       for column in CODE_GROUPS},
}
# Name columns the CSV adds beside an id column: the table shows the id column named instead.
SHADOW_COLUMNS: dict[str, str] = {"industry_name": "industry", "grade_name": "grade",
                                  "measure_name": "measure", "level_name": "level",
                                  "peak_level_name": "peak_level", "level_zh": "level",
                                  "reason_text": "reason", "alert_level_name": "alert_level",
                                  **{f"{column}_name": column for column in CODE_GROUPS}}


def readable(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with id values named in ``lang`` and name columns that shadow them dropped
    (a copy; headers stay the CSV ids, ``column_name`` names them)."""
    shadows = [c for c, source in SHADOW_COLUMNS.items()
               if c in frame.columns and source in frame.columns]
    out = frame.drop(columns=shadows)
    for column, namer in VALUE_NAMERS.items():
        if column in out.columns:
            out[column] = [namer(v, lang) if isinstance(v, str) and v else v
                           for v in out[column]]
    return out


def is_flag(value: object) -> bool:
    """A boolean cell: a bool, or the ``True``/``False`` text a CSV holds."""
    return isinstance(value, (bool, np.bool_)) or (isinstance(value, str)
                                                    and value in ("True", "False"))
