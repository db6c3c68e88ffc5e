"""Name columns beside the machine ids of a table smogsim writes.

Ids stay where they are, so analysts' scripts keep working; names are appended at the end in
the run's language: ``industry_name``, ``grade_name``, ``enterprise_name`` (when the table
has ids but no ``name`` column), ``measure_name``, ``reason_text`` for alert reasons,
``level_name``/``alert_level_name`` for alert levels and ``<column>_name`` for the codes of the
compliance and truck-gate tables (``behaviour``, ``finding``, ``monitoring``, ``evidence``,
``key_source``, ``scope``: catalogue group ``code``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from simulator.lang.catalogue import (
    catalogue,
    grade_name,
    industry_name,
    level_name,
    measure_name,
)
from simulator.lang.reasons import render_reason

NAME_COLUMNS: tuple[tuple[str, str], ...] = (("industry", "industry_name"),
                                             ("grade", "grade_name"),
                                             ("measure", "measure_name"),
                                             ("reason", "reason_text"))
_NAMERS = {"industry": industry_name, "grade": grade_name, "measure": measure_name,
           "reason": render_reason}
LEVEL_COLUMNS: tuple[str, ...] = ("level", "alert_level")
# code column → its catalogue group (finding and evidence share behaviour's and monitoring's)
CODE_GROUPS: dict[str, str] = {"behaviour": "behaviour", "finding": "behaviour",
                               "monitoring": "monitoring", "evidence": "monitoring",
                               "key_source": "key_source", "scope": "scope"}


def code_name(column: str, code: str, lang: str) -> str:
    """A code of ``column`` as a person reads it; an unknown code as it is.

    >>> code_name("finding", "not_stopping", "zh")
    '应停未停'
    """
    return catalogue(lang).get(f"code.{CODE_GROUPS[column]}.{code}", code)


def add_names(frame: pd.DataFrame, lang: str,
              enterprise_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with a name column after the others for each id column it has (a copy;
    ``frame`` itself is untouched). Missing ids give empty names.

    >>> add_names(pd.DataFrame({"industry": ["brick_tile"]}), "zh").industry_name.tolist()
    ['砖瓦窑']
    """
    out = frame.copy()
    for column, name in NAME_COLUMNS:
        if column in out.columns and name not in out.columns:
            namer = _NAMERS[column]
            out[name] = [namer(str(v), lang) if isinstance(v, str) and v else ""
                         for v in out[column]]
    if (enterprise_names is not None and "enterprise" in out.columns
            and "name" not in out.columns and "enterprise_name" not in out.columns):
        out["enterprise_name"] = out["enterprise"].map(enterprise_names).fillna("")
    out = add_level_names(out, lang, LEVEL_COLUMNS)
    for column in CODE_GROUPS:
        if column in out.columns and f"{column}_name" not in out.columns:
            out[f"{column}_name"] = [code_name(column, v, lang) if isinstance(v, str) and v
                                     else "" for v in out[column]]
    return out


def enterprise_names(*frames: pd.DataFrame | None) -> dict[str, str]:
    """Enterprise id → name from every given table with both columns."""
    names: dict[str, str] = {}
    for frame in frames:
        if frame is not None and {"enterprise", "name"} <= set(frame.columns):
            names |= dict(zip(frame["enterprise"].astype(str), frame["name"].astype(str),
                              strict=True))
    return names


def add_level_names(frame: pd.DataFrame, lang: str,
                    columns: tuple[str, ...] = ("level", "peak_level")) -> pd.DataFrame:
    """``frame`` with ``<column>_name`` appended for each alert-level id column it has
    (``level`` → ``level_name``: 橙色 or orange); an empty or missing level gives "".

    >>> add_level_names(pd.DataFrame({"level": ["orange", ""]}), "zh").level_name.tolist()
    ['橙色', '']
    """
    out = frame.copy()
    for column in columns:
        if column in out.columns and f"{column}_name" not in out.columns:
            out[f"{column}_name"] = [level_name(v, lang) if isinstance(v, str) and v else ""
                                     for v in out[column]]
    return out
