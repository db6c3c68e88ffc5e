"""Run results: flat tables one ``pd.DataFrame`` away, ready for CSV, Parquet or a report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS

HOUR = pd.Timedelta(hours=1)

ALERT_COLUMNS = ["city", "level", "level_zh", "response", "issued_at", "start", "end", "hours",
                 "reason"]
EPISODE_COLUMNS = ["episode", "city", "level", "start", "end", "hours", "pollutant",
                   "baseline_t", "actual_t", "cut_t", "cut_pct", "target_pct", "met"]
AUDIT_COLUMNS = ["time", "city", "enterprise", "industry", "grade", "level", "rule",
                 "cut_before", "cut_after"]


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the alert timeline, the per-episode tally and the audit log."""

    alerts: pd.DataFrame
    episodes: pd.DataFrame
    audit: pd.DataFrame
    enterprise_tonnes: pd.DataFrame

    @classmethod
    def build(cls, sim) -> RunResult:
        inputs = sim.inputs
        return cls(
            alerts=_alerts(sim),
            episodes=_episodes(sim.ledger.rows(), inputs.city, inputs.start),
            audit=(pd.concat(sim.audit, ignore_index=True) if sim.audit
                   else pd.DataFrame(columns=AUDIT_COLUMNS)),
            enterprise_tonnes=_enterprise_tonnes(sim),
        )


def _alerts(sim) -> pd.DataFrame:
    rows = []
    for event in sim.timeline:
        w = event["window"]
        rule = sim.inputs.rules.rule_for(w.level)
        rows.append({
            "city": w.city, "level": w.level.id, "level_zh": w.level.zh,
            "response": rule.response if rule else "", "issued_at": w.issued_at,
            "start": w.start, "end": w.end, "hours": w.hours, "reason": w.reason,
        })
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def _episodes(records: list[dict], city: str, start: pd.Timestamp) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    if frame.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    frame["city"] = city
    frame["start"] = start + frame.pop("start_h") * HOUR
    frame["end"] = start + frame.pop("end_h") * HOUR
    frame["level"] = frame["level"].map(lambda lv: Level(lv).id)
    return frame[EPISODE_COLUMNS]


def _enterprise_tonnes(sim) -> pd.DataFrame:
    """Per enterprise and pollutant over the whole run: baseline, actual and cut tonnes."""
    inv = sim.inputs.inventory
    hours = sim.env.now
    frame = pd.DataFrame({"enterprise": inv.ids, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    for k, pollutant in enumerate(POLLUTANTS):
        base = sim.base_rates[:, k] * hours
        frame[f"{pollutant}_baseline_t"] = base
        frame[f"{pollutant}_actual_t"] = sim.actual[:, k]
        frame[f"{pollutant}_cut_t"] = base - sim.actual[:, k]
    return frame
