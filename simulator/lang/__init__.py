"""What a person reads, in their language: one catalogue per language (``en.toml``,
``zh.toml``), a lookup ``text(key, lang, **fields)``, names of industries, grades, levels and
measures, alert reasons rendered by language, and name columns for the tables smogsim writes.

Machine ids (``brick_tile``, ``orange``, ``B``) stay the ids in every file; names are added
beside them. The model layers never see a language.
"""

from simulator.lang.catalogue import (
    LANGS,
    LangError,
    flag,
    grade_name,
    industry_name,
    level_name,
    measure_name,
    resolve_lang,
    text,
)
from simulator.lang.reasons import reason_parts, render_reason
from simulator.lang.tables import add_names

__all__ = ["LANGS", "LangError", "add_names", "flag", "grade_name", "industry_name",
           "level_name", "measure_name", "reason_parts", "render_reason", "resolve_lang", "text"]
