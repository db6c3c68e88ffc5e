"""The catalogues as data and the one lookup every printed word goes through."""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from alerts.levels import Level
from enterprises.industries import INDUSTRIES

LANGS: tuple[str, ...] = ("zh", "en")
LANG_ENV = "SMOGSIM_LANG"
_HERE = Path(__file__).resolve().parent


class LangError(ValueError):
    """A language smogsim has no catalogue for (a user mistake: one line, exit code 2)."""


@functools.cache
def catalogue(lang: str) -> Mapping[str, str]:
    """Every message of ``lang`` by dotted key (``"run.episode.title"``). Chinese industry names
    are ``enterprises.industries``' own (``Industry.zh``), not repeated in zh.toml."""
    data = tomllib.loads((_HERE / f"{check_lang(lang)}.toml").read_text(encoding="utf-8"))
    flat = dict(_flatten(data))
    if lang == "zh":
        flat |= {f"industry.{ind.id}": ind.zh for ind in INDUSTRIES}
    return flat


def _flatten(table: Mapping, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


def check_lang(lang: str) -> str:
    """``lang`` when smogsim speaks it; ``LangError`` naming the choices otherwise."""
    if lang not in LANGS:
        raise LangError(f"language {lang!r}: not known — expected one of {', '.join(LANGS)}")
    return lang


def text(key: str, lang: str, **fields: object) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in.

    >>> text("run.alerts.title", "zh", city="漯河", year=2023, rules="mee-2024")
    '预警时间线 — 漯河，2023年，规则 mee-2024'
    """
    message = catalogue(lang)[key]
    return message.format(**fields) if fields else message


def resolve_lang(option: str | None = None, scenario: str | None = None,
                 environ: Mapping[str, str] | None = None) -> str:
    """The language of one command: ``--lang``, else the scenario's ``[scenario] lang``, else
    SMOGSIM_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG: ``zh…`` → zh), else en.

    A bureau's desktops run a Chinese locale and get Chinese without a setting; a server with
    the C locale gets English unless the scenario or SMOGSIM_LANG says zh.

    >>> resolve_lang(None, None, {"LANG": "zh_CN.UTF-8"}), resolve_lang("en", "zh", {})
    ('zh', 'en')
    """
    env = os.environ if environ is None else environ
    for chosen in (option, scenario, env.get(LANG_ENV) or None):
        if chosen:
            return check_lang(chosen)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:  # the first one set decides, as for every POSIX program
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def industry_name(industry_id: str, lang: str) -> str:
    """``brick_tile`` → 砖瓦窑 (zh) or "brick and tile kilns" (en); an unknown id as it is."""
    return catalogue(lang).get(f"industry.{industry_id}", industry_id)


def grade_name(grade: str, lang: str) -> str:
    return catalogue(lang).get(f"grade.{grade}", grade)


def level_name(level_id: str, lang: str) -> str:
    if level_id == "none":  # a replay run's peak level when no alert was raised
        return text("word.no_alert", lang)
    return catalogue(lang).get(f"level.{level_id}", level_id)


def measure_name(basis: str, lang: str) -> str:
    return catalogue(lang).get(f"measure.{basis}", basis)


def flag(value: object, lang: str) -> str:
    """True/False as a person reads it: 是/否 or yes/no."""
    return text("word.yes" if bool(value) else "word.no", lang)


LEVEL_IDS: tuple[str, ...] = tuple(level.id for level in Level if level != Level.NONE)
