"""Trigger rule sets as data: thresholds on the rolling daily AQI, durations, lead time, targets.

A rule set is read from TOML (see ``alerts/rulesets/``); this module holds the validated,
immutable description. File access lives in ``alerts.io``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.drivers import DayExclusion
from alerts.levels import Level

# Assumption: sources.md §3.1 describes a daily forecast consultation (会商) but gives no hour;
# 10:00 leaves the morning's forecast runs time to arrive.
DEFAULT_CONSULTATION_HOUR = 10
# sources.md §3.2: the response starts as soon as the alert is issued (a later start may be
# announced, e.g. Dezhou 2022 +24 h); 0 h unless a rule set says otherwise.
DEFAULT_RESPONSE_DELAY_HOURS = 0.0
# sources.md §3.3: an alert lifts when the forecast stays below the starting criterion for
# ≥ 36 h; for the national rule sets the starting criterion is daily AQI > 200 (heavy pollution,
# sources.md §1), so "below" is daily AQI ≤ 200. A rule set may set its own ``lift_below``.
DEFAULT_LIFT_BELOW = 200.0
# Assumption: sources.md §3.3 gives no minimum alert duration (NOT FOUND there); no real alert we
# know lasted under 24 h and the criteria count whole days, so an alert and each of its levels
# last at least one 24-h day.
DEFAULT_MIN_HOURS = 24.0
# sources.md §3.1: the bureaus forecast city air quality 3 days ahead (and only the trend 7 days
# ahead), so a consultation decides the level on the next 72 h plus the observed past.
DEFAULT_FORECAST_HOURS = 72.0
# sources.md §1.4 (Henan 2016): the forecast's upper bound decides the level when the bureau
# forecasts a daily AQI range. The national texts found say nothing: assumption, the same.
DEFAULT_FORECAST_BOUND = "upper"
FORECAST_BOUNDS = ("upper", "middle", "lower")


@dataclass(frozen=True)
class Condition:
    """``daily AQI > threshold`` (or ``>=`` when ``inclusive``) on ``days`` consecutive 24-hour
    periods (``alerts.triggers``: periods back to back, starting at any hour).

    ``within`` conditions must hold on consecutive periods of the same chain, e.g. 2024 red:
    AQI > 200 for 3 days *and*, among those days, AQI > 300 for 1 day. ``source`` names where
    the threshold comes from.
    """

    threshold: float
    days: int = 1
    inclusive: bool = False
    within: tuple[Condition, ...] = ()
    source: str = ""

    def describe(self) -> str:
        op = "≥" if self.inclusive else ">"
        text = f"daily AQI {op} {self.threshold:g}"
        if self.days > 1:
            text += f" for {self.days} days"
        for inner in self.within:
            text += f" with {inner.describe()}"
        return text

    @property
    def hours(self) -> int:
        """Hours the chain of periods covers (24 per day)."""
        return 24 * self.days

    @property
    def longest_hours(self) -> int:
        """The longest span this condition or an inner one covers, in hours."""
        return max([self.hours, *(inner.longest_hours for inner in self.within)])


@dataclass(frozen=True)
class LevelRule:
    """One level of a rule set: it applies when any of its conditions holds."""

    level: Level
    conditions: tuple[Condition, ...]
    response: str = ""
    target_pct: float = 0.0
    text: str = ""
    source: str = ""


@dataclass(frozen=True)
class RuleSet:
    """A generation of alert criteria (sources.md §1), levels ordered from mild to strict.

    ``lead_time_hours``: an alert is issued at least this long before its response starts when
    the forecast allows it (sources.md §3.1). ``lift_hours``: an alert lifts when the forecast
    stays below the starting criterion — daily AQI ≤ ``lift_below`` and no criterion met — for
    this long (sources.md §3.3). ``forecast_hours``: how far ahead a consultation reads the
    forecast when it decides the level (3 days, sources.md §3.1). ``min_hours``: an alert, and
    each level of it, lasts at least this long. ``consultation_hour``: the local hour of the
    daily forecast consultation. ``response_delay_hours``: from issuing a decision to the
    response taking effect when the episode is already under way. ``reading``: the rule set's
    own words for how it reads "N days" (see ``alerts.triggers``). ``forecast_bound``: which
    end of a forecast daily-AQI range decides the level (``upper``, ``middle`` or ``lower``).
    ``days``: the kinds of day (dust, ozone) that count toward no criterion
    (``alerts.drivers``).
    """

    id: str
    title: str
    source: str
    levels: tuple[LevelRule, ...]
    lead_time_hours: float = 24.0
    lift_hours: float = 36.0
    consultation_hour: int = DEFAULT_CONSULTATION_HOUR
    response_delay_hours: float = DEFAULT_RESPONSE_DELAY_HOURS
    lift_below: float | None = DEFAULT_LIFT_BELOW
    min_hours: float = DEFAULT_MIN_HOURS
    forecast_hours: float = DEFAULT_FORECAST_HOURS
    forecast_bound: str = DEFAULT_FORECAST_BOUND
    reading: str = ""
    days: DayExclusion = field(default_factory=DayExclusion)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def rule_for(self, level: Level) -> LevelRule | None:
        return next((r for r in self.levels if r.level == level), None)

    def target_pct(self, level: Level) -> float:
        """City-wide reduction target for ``level`` in % (0 when the level has none)."""
        rule = self.rule_for(level)
        return rule.target_pct if rule else 0.0

    def response(self, level: Level) -> str:
        """Response grade (III/II/I, or the rule set's wording) of ``level``; "" if none."""
        rule = self.rule_for(level)
        return rule.response if rule else ""

    @property
    def lowest_alert(self) -> Level:
        """The mildest real alert level (the temporary-control slot is not an alert)."""
        alerts = [r.level for r in self.levels if r.level > Level.TEMPORARY]
        return min(alerts) if alerts else Level.YELLOW

    @property
    def longest_hours(self) -> int:
        """The longest duration any condition needs, in hours."""
        return max(c.longest_hours for r in self.levels for c in r.conditions)

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
                lead_time_hours=_hours(data, "lead_time_hours", 24),
                lift_hours=_hours(data, "lift_hours", 36),
                consultation_hour=int(data.get("consultation_hour", DEFAULT_CONSULTATION_HOUR)),
                response_delay_hours=_hours(data, "response_delay_hours",
                                            DEFAULT_RESPONSE_DELAY_HOURS),
                lift_below=_lift_below(data),
                min_hours=_hours(data, "min_hours", DEFAULT_MIN_HOURS),
                forecast_hours=_hours(data, "forecast_hours", DEFAULT_FORECAST_HOURS),
                forecast_bound=_bound(data),
                reading=str(data.get("reading", "")),
                days=DayExclusion.from_dict(data.get("days")),
            )
        except KeyError as missing:
            raise ValueError(f"{origin}: missing key {missing}") from None
        except (TypeError, ValueError) as bad:
            raise ValueError(f"{origin}: {bad}") from None
        if len({r.level for r in ruleset.levels}) != len(ruleset.levels):
            raise ValueError(f"{origin}: a level is defined twice")
        if not 0 <= ruleset.consultation_hour <= 23:
            raise ValueError(f"{origin}: consultation_hour {ruleset.consultation_hour} "
                             "is outside 0–23")
        return ruleset


def _bound(data: dict) -> str:
    value = str(data.get("forecast_bound", DEFAULT_FORECAST_BOUND))
    if value not in FORECAST_BOUNDS:
        raise ValueError(f"forecast_bound {value!r} — expected {', '.join(FORECAST_BOUNDS)}")
    return value


def _lift_below(data: dict) -> float | None:
    value = data.get("lift_below", DEFAULT_LIFT_BELOW)
    if value in ("none", False):
        return None  # lift only on "no criterion met"
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"lift_below {value} must be a daily AQI ≥ 0")
    return value


def _hours(data: dict, key: str, default: float) -> float:
    value = float(data.get(key, default))
    if value < 0 or value != value:
        raise ValueError(f"{key} {value} must be a number of hours ≥ 0")
    return value


def _days(item: dict) -> int:
    """Whole days of a condition: ``days = N``, or ``hours`` as the plans write it (48 h = 2 days;
    ``hours = 1`` is the older files' way of writing "1 day")."""
    if "days" in item and "hours" in item:
        raise ValueError(f"condition {item}: give days or hours, not both")
    if "hours" in item:
        hours = int(item["hours"])
        if hours == 1:
            return 1
        if hours < 1 or hours % 24:
            raise ValueError(f"condition {item}: hours {hours} — the criteria count whole days "
                             "(24-hour periods): give days = N or hours as a multiple of 24")
        return hours // 24
    days = int(item.get("days", 1))
    if days < 1:
        raise ValueError(f"condition {item}: days must be ≥ 1")
    return days


def _condition(item: dict) -> Condition:
    if ("above" in item) == ("at_least" in item):
        raise ValueError(f"condition {item} needs exactly one of 'above' or 'at_least'")
    return Condition(
        threshold=float(item["above"] if "above" in item else item["at_least"]),
        days=_days(item),
        inclusive="at_least" in item,
        within=tuple(_condition(inner) for inner in item.get("with", ())),
        source=str(item.get("source", "")),
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
        source=str(item.get("source", "")),
    )
