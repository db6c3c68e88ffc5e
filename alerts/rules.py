"""Trigger rule sets as data: thresholds on the rolling daily AQI, durations, lead time, targets.

A rule set is read from TOML (see ``alerts/rulesets/``); this module holds the validated,
immutable description. File access lives in ``alerts.io``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.levels import Level


@dataclass(frozen=True)
class Condition:
    """``daily AQI > threshold`` (or ``>=`` when ``inclusive``) for at least ``hours`` hours.

    ``within`` conditions must be met inside the same run, e.g. 2024 red: AQI > 200 for 72 h
    *and*, inside that run, AQI > 300 for 24 h.
    """

    threshold: float
    hours: int = 1
    inclusive: bool = False
    within: tuple[Condition, ...] = ()

    def describe(self) -> str:
        op = "≥" if self.inclusive else ">"
        text = f"daily AQI {op} {self.threshold:g}"
        if self.hours > 1:
            text += f" for {self.hours} h"
        for inner in self.within:
            text += f" with {inner.describe()}"
        return text


@dataclass(frozen=True)
class LevelRule:
    """One level of a rule set: it applies when any of its conditions holds."""

    level: Level
    conditions: tuple[Condition, ...]
    response: str = ""
    target_pct: float = 0.0
    text: str = ""


@dataclass(frozen=True)
class RuleSet:
    """A generation of alert criteria (rules.md §1), levels ordered from mild to strict."""

    id: str
    title: str
    source: str
    levels: tuple[LevelRule, ...]
    lead_time_hours: float = 24.0
    lift_hours: float = 36.0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def rule_for(self, level: Level) -> LevelRule | None:
        return next((r for r in self.levels if r.level == level), None)

    def target_pct(self, level: Level) -> float:
        """City-wide reduction target for ``level`` in % (0 when the level has none)."""
        rule = self.rule_for(level)
        return rule.target_pct if rule else 0.0

    @classmethod
    def from_dict(cls, data: dict, origin: str = "rule set") -> RuleSet:
        """Build and validate a rule set from its TOML table; errors name ``origin``."""
        try:
            levels = tuple(_level_rule(item) for item in data["levels"])
            ruleset = cls(
                id=str(data["id"]),
                title=str(data.get("title", data["id"])),
                source=str(data.get("source", "")),
                levels=tuple(sorted(levels, key=lambda r: r.level)),
                lead_time_hours=float(data.get("lead_time_hours", 24)),
                lift_hours=float(data.get("lift_hours", 36)),
            )
        except KeyError as missing:
            raise ValueError(f"{origin}: missing key {missing}") from None
        except (TypeError, ValueError) as bad:
            raise ValueError(f"{origin}: {bad}") from None
        if len({r.level for r in ruleset.levels}) != len(ruleset.levels):
            raise ValueError(f"{origin}: a level is defined twice")
        return ruleset


def _condition(item: dict) -> Condition:
    if ("above" in item) == ("at_least" in item):
        raise ValueError(f"condition {item} needs exactly one of 'above' or 'at_least'")
    hours = int(item.get("hours", 1))
    if hours < 1:
        raise ValueError(f"condition {item}: hours must be ≥ 1")
    return Condition(
        threshold=float(item.get("above", item.get("at_least"))),
        hours=hours,
        inclusive="at_least" in item,
        within=tuple(_condition(inner) for inner in item.get("with", ())),
    )


def _level_rule(item: dict) -> LevelRule:
    conditions = tuple(_condition(c) for c in item["any"])
    if not conditions:
        raise ValueError(f"level {item['level']!r} has no condition")
    target = float(item.get("target_pct", 0))
    if not 0 <= target <= 100:
        raise ValueError(f"level {item['level']!r}: target_pct {target} is outside 0–100")
    return LevelRule(
        level=Level.parse(item["level"]),
        conditions=conditions,
        response=str(item.get("response", "")),
        target_pct=target,
        text=str(item.get("text", "")),
    )
