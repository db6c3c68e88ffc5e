"""Run results: flat tables one ``pd.DataFrame`` away, ready for CSV, Parquet or a report.

Every table is made from the engine's ``EngineRecord`` (``simulator.core.record``) alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from simulator.core.compliance import CHANNELS, MODES
from simulator.core.record import Decision, EngineRecord, Visit

HOUR = pd.Timedelta(hours=1)
# Suffixes of audit rule ids by behaviour tag (``MODES`` order, then ``CORRECTED_TAG``).
RULE_TAGS = np.array(["", *(f" [{m}]" for m in MODES[1:]), " [corrected]"], dtype=object)

# primary_pollutant (首要污染物, alerts.drivers; "" when unknown) came later: appended.
ALERT_COLUMNS = ["city", "level", "level_zh", "response", "issued_at", "start", "end", "hours",
                 "reason", "primary_pollutant"]
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
TONNES_COLUMNS = ["enterprise", "name", "county", "industry", "grade",
                  *(f"{p}_{x}_t" for p in POLLUTANTS for x in ("baseline", "actual", "cut")),
                  "city", "output_value_wan", "output_lost_wan"]
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
    def build(cls, record: EngineRecord, *, tally_only: bool = False) -> RunResult:
        """The run's tables from its record.

        ``tally_only``: only the episode table (what a replay keeps; it counts the alerts
        from the record); the alert table, the audit log and the per-enterprise tonnes are
        then empty tables of their columns, and the breakdown, verification and inspections
        ``None`` — building them is most of a small run's cost.
        """
        if tally_only:
            return cls(alerts=_empty(ALERT_COLUMNS),
                       episodes=_episodes(record.ledger.rows(), record.city, record.start),
                       audit=_empty(AUDIT_COLUMNS), enterprise_tonnes=_empty(TONNES_COLUMNS))
        return cls(
            alerts=_alerts(record),
            episodes=_episodes(record.ledger.rows(), record.city, record.start),
            audit=audit_frame(record),
            enterprise_tonnes=_enterprise_tonnes(record),
            breakdown=_breakdown(record),
            verification=_verification(record) if record.compliance else None,
            inspections=_inspections(record) if record.compliance else None,
        )


@functools.cache
def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _empty(columns: list[str]) -> pd.DataFrame:
    """An empty table of ``columns``: a copy of one made once (making it costs 30× more)."""
    return _empty_frame(tuple(columns)).copy()


def _alerts(record: EngineRecord) -> pd.DataFrame:
    rows = []
    for w in record.issued:
        rule = record.rules.rule_for(w.level)
        rows.append({
            "city": w.city, "level": w.level.id, "level_zh": w.level.zh,
            "response": rule.response if rule else "", "issued_at": w.issued_at,
            "start": w.start, "end": w.end, "hours": w.hours, "reason": w.reason,
            "primary_pollutant": w.primary,
        })
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    return frame.sort_values(["city", "start"], kind="stable").reset_index(drop=True)


def _episodes(records: list[dict], city: str, start: pd.Timestamp) -> pd.DataFrame:
    if not records:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    return pd.DataFrame(episode_columns(records, city, start))


def episode_columns(records: list[dict], city: str, start: pd.Timestamp) -> dict:
    """The episode table's columns (lists and arrays) from the ledger's rows
    (``Ledger.rows``), in ``EPISODE_COLUMNS`` order, then ``REQUIRED_COLUMNS`` when present:
    what a replay run reads without making the frame."""
    if not records:  # as the frame of no rows has them: untyped
        return {name: np.array([], dtype=object) for name in EPISODE_COLUMNS}
    # built column by column: a frame from a list of dicts costs more than a replay run's engine
    column = {name: [r[name] for r in records] for name in records[0]}
    ids = {lv: Level(lv).id for lv in set(column["level"])}
    column |= {"city": [city] * len(records),
               "level": [ids[lv] for lv in column["level"]],
               "start": _hours_after(start, column.pop("start_h")),
               "end": _hours_after(start, column.pop("end_h"))}
    extra = [c for c in REQUIRED_COLUMNS if c in column]
    return {name: column[name] for name in EPISODE_COLUMNS + extra}


#: the type pandas gives float hours times ``HOUR`` (its unit sets where a fraction is cut)
_HOURS_TYPE = (pd.Series([1.0]) * HOUR).dtype


def _hours_after(start: pd.Timestamp, hours: list) -> pd.api.extensions.ExtensionArray:
    """``start + pd.Series(hours, dtype=float) * HOUR`` as an array, in NumPy: the same
    times (None: NaT) without a Series per column."""
    offsets = np.asarray(hours, dtype=float) * HOUR.to_timedelta64().astype(_HOURS_TYPE)
    return pd.array(start.to_datetime64() + offsets)


def _enterprise_tonnes(record: EngineRecord) -> pd.DataFrame:
    """Per enterprise and pollutant over the whole run: baseline, actual and cut tonnes, then
    the output value at full production and the output value lost, 万元."""
    inv = record.inventory
    hours = record.hours
    actual = record.enterprise_actual
    frame = pd.DataFrame({"enterprise": inv.ids, "name": inv.names, "county": inv.counties,
                          "industry": inv.industries, "grade": inv.grades})
    for k, pollutant in enumerate(POLLUTANTS):
        base = record.base_rates[:, k] * hours
        frame[f"{pollutant}_baseline_t"] = base
        frame[f"{pollutant}_actual_t"] = actual[:, k]
        frame[f"{pollutant}_cut_t"] = base - actual[:, k]
    frame["city"] = inv.cities
    assert inv.output_value is not None  # Inventory fills its optional arrays
    frame["output_value_wan"] = inv.output_value * hours / 24.0
    frame["output_lost_wan"] = record.enterprise_lost
    if inv.located.any():  # only when the list gives coordinates: other runs' files unchanged
        frame["lon"], frame["lat"] = inv.lon, inv.lat
    return frame


def _breakdown(record: EngineRecord) -> pd.DataFrame:
    """Per alert segment and (city, county, industry, grade): tonnes cut and output lost."""
    rows = list(record.ledger.group_rows())
    if not rows:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    # Columns built once for all segments (a frame per segment costs seconds nationally).
    start, groups, g = record.start, record.groups, len(record.groups)
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
        [record.ledger.group_value_rate * h for h in hours])
    columns["output_lost_wan"] = np.concatenate([lost for *_, lost in rows])
    return pd.DataFrame(columns)[BREAKDOWN_COLUMNS]


def _verification(record: EngineRecord) -> pd.DataFrame:
    """Per episode and enterprise: required against achieved cut, with the evidence.

    ``required_cut``/``achieved_cut`` are shares of the enterprise's baseline emissions over the
    episode (the same for every pollutant: a line's cut applies to all it emits); the
    ``*_cut_t`` columns are the same in tonnes per pollutant. ``evidence`` is "inspection" for
    a plant visited in the episode, else its monitoring channel ("online", "power", "video"),
    else "none" (nothing but the plant's own word).
    """
    inv, owner = record.inventory, record.line_owner
    n, b, start = len(inv), record.behaviour, record.start
    weights = inv.line_emissions
    visits = _visit_frame(record.visits, ["episode", "who", "start", "county", "team",
                                          "finding", "corrected_at"])
    flags = pd.DataFrame({
        "episode": _stacked([np.full(len(f.who), f.episode) for f in record.flags]),
        "who": _stacked([f.who for f in record.flags]),
        "flagged_at": _stacked([f.when for f in record.flags])})
    monitoring = np.array(CHANNELS, dtype=object)[b.channel]  # the same in every episode
    behaviour = np.array(MODES, dtype=object)[b.mode]
    parts = []
    for episode in record.episodes:
        hours = episode.end - episode.start
        if not hours > 0:
            continue
        ep = episode.episode
        required = np.bincount(owner, minlength=n, weights=weights * (
            episode.required1 - episode.required0))
        achieved = np.bincount(owner, minlength=n, weights=weights * (
            episode.cut1 - episode.cut0))
        frame = pd.DataFrame({
            "episode": ep, "city": inv.cities, "county": inv.counties,
            "enterprise": inv.ids, "name": inv.names, "industry": inv.industries,
            "grade": inv.grades,
            "level": Level(episode.level).id,
            "start": start + episode.start * HOUR, "end": start + episode.end * HOUR,
            "hours": hours, "monitoring": monitoring, "record": b.record, "behaviour": behaviour,
            "required_cut": required / hours, "achieved_cut": achieved / hours,
            "shortfall": (required - achieved) / hours})
        for k, pollutant in enumerate(POLLUTANTS):
            frame[f"{pollutant}_required_cut_t"] = record.base_rates[:, k] * required
            frame[f"{pollutant}_achieved_cut_t"] = record.base_rates[:, k] * achieved
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


def _stacked(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays end to end; an empty float array when there are none."""
    return np.concatenate(arrays) if arrays else np.zeros(0)


def _visit_frame(visits: tuple[Visit, ...], columns: list[str] | None = None) -> pd.DataFrame:
    """One row per visit, columns in ``Visit`` field order (or ``columns``)."""
    return pd.DataFrame([vars(v) for v in visits], columns=columns)


def _inspections(record: EngineRecord) -> pd.DataFrame:
    """Every inspection visit: episode, county, team, enterprise, start, end, finding and
    when the finding took effect."""
    inv = record.inventory
    if not record.visits:
        return pd.DataFrame(columns=INSPECTION_COLUMNS)
    frame = _visit_frame(record.visits).sort_values(["start", "county", "team"], kind="stable")
    start = record.start
    who = frame.pop("who").to_numpy()
    frame["city"] = record.city
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


def audit_frame(record: EngineRecord) -> pd.DataFrame:
    """Every rate change as one row per line: the audit log (``AUDIT_COLUMNS``).

    Text columns are categoricals built from codes, so millions of rows (a national list
    through an alert season) cost no string per row until they are written.
    """
    audit = record.audit
    if not audit:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    inv, owner = record.inventory, record.line_owner
    changed = np.concatenate([a.changed for a in audit])
    who = owner[changed]
    counts = [len(a.changed) for a in audit]

    def stacked(key: str) -> np.ndarray:
        return np.concatenate([getattr(a, key) for a in audit])

    def labels(values: np.ndarray, rows: np.ndarray) -> pd.Categorical:
        codes, uniques = pd.factorize(values)
        categories = pd.Index(uniques, dtype=object)
        return pd.Categorical.from_codes(codes[rows], categories=categories)

    start = record.start
    hours = np.repeat([a.time for a in audit], counts)
    return pd.DataFrame({
        "time": _stamps(start, hours),
        "city": pd.Categorical.from_codes(np.zeros(len(who), dtype=np.int64),
                                          categories=[record.city]),
        "enterprise": pd.Categorical.from_codes(who, categories=pd.Index(inv.ids, dtype=object)),
        "name": labels(inv.names, who),
        "industry": labels(inv.industries, who),
        "grade": labels(inv.grades, who),
        "level": pd.Categorical(np.repeat([a.level for a in audit], counts)),
        "rule": _from_need(audit, owner, "rule"),
        "cut_before": stacked("cut_before"),
        "cut_after": stacked("cut_after"),
        "line": record.line_no[changed],
        "measure": _from_need(audit, owner, "basis"),
        "override": np.concatenate([a.need.override[owner[a.changed]] for a in audit]),
        "emission_cut_before": stacked("emission_cut_before"),
        "emission_cut_after": stacked("emission_cut_after"),
        "ramp_end": _stamps(start, stacked("ramp_end")),
    }, columns=AUDIT_COLUMNS)


def _from_need(audit: tuple[Decision, ...], owner: np.ndarray, field: str) -> pd.Categorical:
    """A per-enterprise text ``field`` of each decision's requirement, one row per changed
    line; rules carry the behaviour tag when the compliance model is on.

    The per-enterprise arrays are the cached responses of a few levels: each distinct array
    is factorized once and its labels mapped into one shared category list.
    """
    shared: dict[str, int] = {}
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id -> (array, shared codes)

    def shared_codes(values: np.ndarray) -> np.ndarray:
        held = seen.get(id(values))
        if held is not None and held[0] is values:
            return held[1]
        codes, uniques = pd.factorize(values)
        mapped = np.array([shared.setdefault(u, len(shared)) for u in uniques],
                          dtype=np.int64)[codes]
        seen[id(values)] = (values, mapped)  # holding the array keeps its id unique
        return mapped

    parts = []
    for a in audit:
        values, rows = getattr(a.need, field), owner[a.changed]
        if a.tag is not None:  # compliance model on: only the rows, rules tagged by behaviour
            values = values[rows] + (RULE_TAGS[a.tag] if field == "rule" else "")
            rows = np.arange(len(rows))
        parts.append(shared_codes(values)[rows])
    return pd.Categorical.from_codes(np.concatenate(parts),
                                     categories=pd.Index(list(shared), dtype=object))


def _stamps(start: pd.Timestamp, hours: np.ndarray) -> np.ndarray:
    """``start`` + hours as datetime64[ns], rounded to the nanosecond (vectorised)."""
    nanos = np.round(np.asarray(hours, dtype=np.float64) * 3.6e12).astype(np.int64)
    return np.datetime64(start.to_datetime64(), "ns") + nanos.astype("timedelta64[ns]")
