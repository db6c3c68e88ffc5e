"""Run results: flat tables one ``pd.DataFrame`` away, ready for CSV, Parquet or a report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS

HOUR = pd.Timedelta(hours=1)

ALERT_COLUMNS = ["city", "level", "level_zh", "response", "issued_at", "start", "end", "hours",
                 "reason"]
# The first 13 columns are fixed; later columns are only ever appended.
EPISODE_COLUMNS = ["episode", "city", "level", "start", "end", "hours", "pollutant",
                   "baseline_t", "actual_t", "cut_t", "cut_pct", "target_pct", "met",
                   "output_lost_wan", "list_cut_t", "area_cut_t"]
AUDIT_COLUMNS = ["time", "city", "enterprise", "industry", "grade", "level", "rule",
                 "cut_before", "cut_after", "line", "measure", "override",
                 "emission_cut_before", "emission_cut_after", "ramp_end"]
BREAKDOWN_COLUMNS = ["episode", "level", "start", "end", "hours", "city", "county", "industry",
                     "grade", *(f"{p}_{x}_t" for p in POLLUTANTS for x in ("baseline", "cut")),
                     "output_value_wan", "output_lost_wan"]


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the alert timeline, the per-episode tally, the audit log, the
    per-enterprise totals and the breakdown of tonnes cut and output lost per segment by city,
    county, industry and grade."""

    alerts: pd.DataFrame
    episodes: pd.DataFrame
    audit: pd.DataFrame
    enterprise_tonnes: pd.DataFrame
    breakdown: pd.DataFrame | None = None

    @classmethod
    def build(cls, sim) -> RunResult:
        inputs = sim.inputs
        return cls(
            alerts=_alerts(sim),
            episodes=_episodes(sim.ledger.rows(), inputs.city, inputs.start),
            audit=sim.audit_frame(),
            enterprise_tonnes=_enterprise_tonnes(sim),
            breakdown=_breakdown(sim),
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
    """Per enterprise and pollutant over the whole run: baseline, actual and cut tonnes, then
    the output value at full production and the output value lost, 万元."""
    inv = sim.inputs.inventory
    hours = sim.env.now
    actual = sim.enterprise_actual()
    frame = pd.DataFrame({"enterprise": inv.ids, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    for k, pollutant in enumerate(POLLUTANTS):
        base = sim.base_rates[:, k] * hours
        frame[f"{pollutant}_baseline_t"] = base
        frame[f"{pollutant}_actual_t"] = actual[:, k]
        frame[f"{pollutant}_cut_t"] = base - actual[:, k]
    frame["city"] = inv.cities
    frame["output_value_wan"] = inv.output_value * hours / 24.0
    frame["output_lost_wan"] = sim.enterprise_lost()
    return frame


def _breakdown(sim) -> pd.DataFrame:
    """Per alert segment and (city, county, industry, grade): tonnes cut and output lost."""
    parts = []
    start = sim.inputs.start
    for episode, seg, baseline, cut, lost in sim.ledger.group_rows():
        frame = sim.groups.copy()
        frame.insert(0, "episode", episode)
        frame.insert(1, "level", seg.level.id)
        frame.insert(2, "start", start + seg.start * HOUR)
        frame.insert(3, "end", start + seg.end * HOUR)
        frame.insert(4, "hours", seg.end - seg.start)
        for k, pollutant in enumerate(POLLUTANTS):
            frame[f"{pollutant}_baseline_t"] = baseline[:, k]
            frame[f"{pollutant}_cut_t"] = cut[:, k]
        frame["output_value_wan"] = sim.ledger.group_value_rate * (seg.end - seg.start)
        frame["output_lost_wan"] = lost
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    return pd.concat(parts, ignore_index=True)[BREAKDOWN_COLUMNS]
