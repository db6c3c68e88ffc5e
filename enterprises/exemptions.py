"""Exemption classes (保障类): enterprises that do not follow the measure catalogue.

sources.md §6:

- ``livelihood`` 民生保障 — heating, municipal and hazardous-waste disposal: 以热定产, the load is
  capped at what the service needs (``guaranteed_load``).
- ``strategic`` 战略性新兴产业 — no reduction required beyond producing to the guaranteed task;
  modelled like export orders: 以量定产, capped at ``guaranteed_load``.
- ``export`` 军工/出口订单 — 以量定产: produce the order volume, capped at ``guaranteed_load``.
- ``whitelist`` 白名单 — 生态环境要素保障白名单: self-determined reduction (no imposed cut).

An exempt class applies at yellow, orange and red; below yellow nothing is imposed anyway. A
``guaranteed_load`` of 1 (the default) means no cut: the bureau has not stated the task's load.
"""

from __future__ import annotations

import unicodedata

NONE = "none"
LIVELIHOOD = "livelihood"
STRATEGIC = "strategic"
EXPORT = "export"
WHITELIST = "whitelist"

EXEMPTIONS: dict[str, str] = {
    NONE: "无",
    LIVELIHOOD: "民生保障",
    STRATEGIC: "战略性新兴产业",
    EXPORT: "出口订单",
    WHITELIST: "白名单",
}
# Classes whose output is capped at the guaranteed load (以热定产 / 以量定产, sources.md §6).
CAPPED: frozenset[str] = frozenset({LIVELIHOOD, STRATEGIC, EXPORT})

_ALIASES = {
    **{zh: key for key, zh in EXEMPTIONS.items()},
    **{key: key for key in EXEMPTIONS},
    "": NONE,
    "否": NONE,
    "以热定产": LIVELIHOOD,
    "民生": LIVELIHOOD,
    "战略": STRATEGIC,
    "战略性": STRATEGIC,
    "以量定产": EXPORT,
    "出口": EXPORT,
    "军工": EXPORT,
    "涉军": EXPORT,
    "军工出口": EXPORT,
    "白名单企业": WHITELIST,
    "保障白名单": WHITELIST,
}


def parse_exemption(text: str) -> str:
    """Canonical exemption id for ``text`` (id or Chinese name); ``ValueError`` if unknown."""
    key = unicodedata.normalize("NFKC", str(text)).strip()
    found = _ALIASES.get(key) or _ALIASES.get(key.lower())
    if found is None:
        raise ValueError(f"unknown exemption {text!r}; expected one of {', '.join(EXEMPTIONS)}")
    return found
