"""Run results: flat tables one ``pd.DataFrame`` away, ready for CSV, Parquet or a report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from simulator.core.compliance import CHANNELS, MODES

HOUR = pd.Timedelta(hours=1)

ALERT_COLUMNS = ["city", "level", "level_zh", "response", "issued_at", "start", "end", "hours",
                 "reason"]
# The first 13 columns are fixed; later columns are only ever appended.
EPISODE_COLUMNS = ["episode", "city", "level", "start", "end", "hours", "pollutant",
                   "baseline_t", "actual_t", "cut_t", "cut_pct", "target_pct", "met",
                   "output_lost_wan", "list_cut_t", "area_cut_t"]
# Appended to EPISODE_COLUMNS when the compliance model is on: the cut full compliance gives.
REQUIRED_COLUMNS = ["required_cut_t", "required_cut_pct"]
AUDIT_COLUMNS = ["time", "city", "enterprise", "name", "industry", "grade", "level", "rule",
                 "cut_before", "cut_after", "line", "measure", "override",
                 "emission_cut_before", "emission_cut_after", "ramp_end"]
VERIFICATION_COLUMNS = [
    "episode", "city", "county", "enterprise", "name", "industry", "grade", "level", "start",
    "end",
    "hours", "monitoring", "record", "behaviour", "required_cut", "achieved_cut", "shortfall",
    *(f"{p}_{x}_cut_t" for p in POLLUTANTS for x in ("required", "achieved")),
    "flagged_at", "inspected_at", "team", "finding", "corrected_at", "evidence"]
INSPECTION_COLUMNS = ["episode", "city", "county", "team", "enterprise", "name", "grade",
                      "start", "end", "finding", "corrected_at"]
BREAKDOWN_COLUMNS = ["episode", "level", "start", "end", "hours", "city", "county", "industry",
                     "grade", *(f"{p}_{x}_t" for p in POLLUTANTS for x in ("baseline", "cut")),
                     "output_value_wan", "output_lost_wan"]


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the alert timeline, the per-episode tally, the audit log, the
    per-enterprise totals and the breakdown of tonnes cut and output lost per segment by city,
    county, industry and grade; with the compliance model on, also required against achieved
    cut per episode and enterprise (``verification``) and every inspection visit."""

    alerts: pd.DataFrame
    episodes: pd.DataFrame
    audit: pd.DataFrame
    enterprise_tonnes: pd.DataFrame
    breakdown: pd.DataFrame | None = None
    verification: pd.DataFrame | None = None
    inspections: pd.DataFrame | None = None

    @classmethod
    def build(cls, sim) -> RunResult:
        inputs = sim.inputs
        return cls(
            alerts=_alerts(sim),
            episodes=_episodes(sim.ledger.rows(), inputs.city, inputs.start),
            audit=sim.audit_frame(),
            enterprise_tonnes=_enterprise_tonnes(sim),
            breakdown=_breakdown(sim),
            verification=_verification(sim) if sim.enabled else None,
            inspections=_inspections(sim) if sim.enabled else None,
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
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    return frame.sort_values(["city", "start"], kind="stable").reset_index(drop=True)


def _episodes(records: list[dict], city: str, start: pd.Timestamp) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    if frame.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    frame["city"] = city
    frame["start"] = start + frame.pop("start_h") * HOUR
    frame["end"] = start + frame.pop("end_h") * HOUR
    frame["level"] = frame["level"].map(lambda lv: Level(lv).id)
    extra = [c for c in REQUIRED_COLUMNS if c in frame.columns]
    return frame[EPISODE_COLUMNS + extra]


def _enterprise_tonnes(sim) -> pd.DataFrame:
    """Per enterprise and pollutant over the whole run: baseline, actual and cut tonnes, then
    the output value at full production and the output value lost, 万元."""
    inv = sim.inputs.inventory
    hours = sim.env.now
    actual = sim.enterprise_actual()
    frame = pd.DataFrame({"enterprise": inv.ids, "name": inv.names, "county": inv.counties,
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
    rows = list(sim.ledger.group_rows())
    if not rows:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    # Columns built once for all segments (a frame per segment costs seconds nationally).
    start, groups, g = sim.inputs.start, sim.groups, len(sim.groups)
    segments = [seg for _, seg, _, _, _ in rows]
    hours = np.array([seg.end - seg.start for seg in segments], dtype=float)
    columns = {
        "episode": np.repeat([episode for episode, *_ in rows], g),
        "level": np.repeat([seg.level.id for seg in segments], g),
        "start": pd.DatetimeIndex([start + seg.start * HOUR for seg in segments]).repeat(g),
        "end": pd.DatetimeIndex([start + seg.end * HOUR for seg in segments]).repeat(g),
        "hours": np.repeat(hours, g),
    }
    columns |= {key: np.tile(groups[key].to_numpy(dtype=object), len(rows))
                for key in groups.columns}
    baseline = np.concatenate([b for _, _, b, _, _ in rows])
    cut = np.concatenate([c for _, _, _, c, _ in rows])
    for k, pollutant in enumerate(POLLUTANTS):
        columns[f"{pollutant}_baseline_t"] = baseline[:, k]
        columns[f"{pollutant}_cut_t"] = cut[:, k]
    columns["output_value_wan"] = np.concatenate(
        [sim.ledger.group_value_rate * h for h in hours])
    columns["output_lost_wan"] = np.concatenate([lost for *_, lost in rows])
    return pd.DataFrame(columns)[BREAKDOWN_COLUMNS]


def _verification(sim) -> pd.DataFrame:
    """Per episode and enterprise: required against achieved cut, with the evidence.

    ``required_cut``/``achieved_cut`` are shares of the enterprise's baseline emissions over the
    episode (the same for every pollutant: a line's cut applies to all it emits); the
    ``*_cut_t`` columns are the same in tonnes per pollutant. ``evidence`` is "inspection" for
    a plant visited in the episode, else its monitoring channel ("online", "power", "video"),
    else "none" (nothing but the plant's own word).
    """
    inv = sim.inputs.inventory
    n, b, start = len(inv), sim.behaviour, sim.inputs.start
    weights = inv.line_emissions
    visits = pd.DataFrame(sim.visits, columns=["episode", "who", "start", "county", "team",
                                               "finding", "corrected_at"])
    flags = pd.DataFrame({
        "episode": np.concatenate([np.full(len(who), ep) for ep, who, _ in sim.flags] or [[]]),
        "who": np.concatenate([who for _, who, _ in sim.flags] or [[]]),
        "flagged_at": np.concatenate([when for _, _, when in sim.flags] or [[]])})
    monitoring = np.array(CHANNELS, dtype=object)[b.channel]  # the same in every episode
    behaviour = np.array(MODES, dtype=object)[b.mode]
    parts = []
    for record in sim.episodes:
        hours = record["end"] - record["start"]
        if not hours > 0:
            continue
        ep = record["episode"]
        required = np.bincount(inv.line_owner, minlength=n, weights=weights * (
            record["required1"] - record["required0"]))
        achieved = np.bincount(inv.line_owner, minlength=n, weights=weights * (
            record["cut1"] - record["cut0"]))
        frame = pd.DataFrame({
            "episode": ep, "city": inv.cities, "county": inv.counties,
            "enterprise": inv.ids, "name": inv.names, "industry": inv.industries,
            "grade": inv.grades,
            "level": Level(record["level"]).id,
            "start": start + record["start"] * HOUR, "end": start + record["end"] * HOUR,
            "hours": hours, "monitoring": monitoring, "record": b.record, "behaviour": behaviour,
            "required_cut": required / hours, "achieved_cut": achieved / hours,
            "shortfall": (required - achieved) / hours})
        for k, pollutant in enumerate(POLLUTANTS):
            frame[f"{pollutant}_required_cut_t"] = sim.base_rates[:, k] * required
            frame[f"{pollutant}_achieved_cut_t"] = sim.base_rates[:, k] * achieved
        flagged = np.full(n, np.nan)
        mine = flags[flags.episode == ep]
        flagged[mine.who.to_numpy(np.int64)] = mine.flagged_at.to_numpy(float)
        seen = visits[visits.episode == ep]  # at most one visit per plant and episode
        who = seen.who.to_numpy(np.int64)
        inspected, corrected = np.full(n, np.nan), np.full(n, np.nan)
        team, finding = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
        inspected[who] = seen.start.to_numpy(float)
        corrected[who] = seen.corrected_at.to_numpy(float)
        team[who] = _team_names(seen).to_numpy(object)
        finding[who] = seen.finding.to_numpy(object)
        frame["flagged_at"] = _hours_to_stamps(start, flagged)
        frame["inspected_at"] = _hours_to_stamps(start, inspected)
        frame["team"] = team
        frame["finding"] = finding
        frame["corrected_at"] = _hours_to_stamps(start, corrected)
        frame["evidence"] = np.where(np.isnan(inspected), frame["monitoring"], "inspection")
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=VERIFICATION_COLUMNS)
    return pd.concat(parts, ignore_index=True)[VERIFICATION_COLUMNS]


def _team_names(visits: pd.DataFrame) -> pd.Series:
    """A team's name: its county and number, e.g. 临颍县-2."""
    return visits["county"] + "-" + visits["team"].astype(str)


def _inspections(sim) -> pd.DataFrame:
    """Every inspection visit: episode, county, team, enterprise, start, end, finding and
    when the finding took effect."""
    inv = sim.inputs.inventory
    if not sim.visits:
        return pd.DataFrame(columns=INSPECTION_COLUMNS)
    frame = pd.DataFrame(sim.visits).sort_values(["start", "county", "team"], kind="stable")
    start = sim.inputs.start
    who = frame.pop("who").to_numpy()
    frame["city"] = sim.inputs.city
    frame["enterprise"] = inv.ids[who]
    frame["name"] = inv.names[who]
    frame["grade"] = inv.grades[who]
    frame["team"] = _team_names(frame)
    for column in ("start", "end", "corrected_at"):
        frame[column] = _hours_to_stamps(start, frame[column].to_numpy(float))
    return frame[INSPECTION_COLUMNS].reset_index(drop=True)


def _hours_to_stamps(start: pd.Timestamp, hours) -> pd.Series:
    """Hours from ``start`` → timestamps rounded to the second; NaN → NaT."""
    hours = np.asarray(hours, dtype=float)
    return pd.Series(start + pd.to_timedelta(np.round(hours * 3600.0), unit="s"))
