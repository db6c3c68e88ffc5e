"""What a page shows of an exercise: ``snapshot`` (the state at the clock) and ``compare``
(the exercise against the automatic run), as JSON-safe dicts with texts in one language.

Figures "so far" come from the engine run stopped at the clock (``Exercise.so_far``); tonnes
are rounded to 0.01 t and percentages to 0.1, as the report rounds them.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.exemptions import NONE as NOT_EXEMPT
from enterprises.schema import POLLUTANTS
from simulator.city.run import CitySimulation, Run
from simulator.core.airquality import SourceReceptorModel
from simulator.exercise.model import LIFECYCLE, Exercise, Proposal
from simulator.lang import level_name, render_reason, text
from simulator.lang.catalogue import catalogue
from simulator.regional.model import hourly_cut_fractions, transport_cut_fractions

HOUR = pd.Timedelta(hours=1)
RESPONSES = ("stopped", "limited", "exempt", "normal")
STOPPED = 0.999  # a production cut this close to 1 is a stop (float slack)


def _time(value: pd.Timestamp | None) -> str | None:
    return None if value is None or pd.isna(value) else f"{value:%Y-%m-%dT%H:%M}"


def _t(value: float) -> float:
    return round(float(value), 2) + 0.0  # + 0.0: never "-0.0"


def _pct(value: float) -> float:
    return round(float(value), 1) + 0.0


def snapshot(ex: Exercise, lang: str) -> dict:
    """The state at the clock (docs/exercise.md lists every key)."""
    text("exercise.label.clock", lang)  # an unknown language fails here, in one line
    so_far = ex.so_far()
    return {
        "city": ex.city, "scenario": ex.spec.name, "who": ex.who,
        "clock": _time(ex.clock), "start": _time(ex.start), "end": _time(ex.end),
        "finished": ex.finished, "at_consultation": ex.at_consultation,
        "next_consultation": _time(ex.next_consultation()),
        "forecast": forecast_days(ex, lang),
        "alert": alert_now(ex, lang),
        "announced": announced(ex, lang),
        "proposal": proposal_dict(ex.proposal(), lang),
        "cuts": cuts_so_far(so_far, lang),
        "tally": county_tally(so_far, lang),
        "trucks_blocked": trucks_blocked(so_far),
        "enterprises": enterprise_responses(ex, lang),
        "pm25": pm25_so_far(ex, so_far),
        "log": log_rows(ex, lang),
        "linkage": (None if ex.setup.region is None else
                    (ex.linkage[-1]["on"] if ex.linkage else True)),
        "labels": labels(lang),
    }


def labels(lang: str) -> dict[str, str]:
    """Every ``exercise.label.*`` text of the catalogue, by its last key part."""
    prefix = "exercise.label."
    return {k[len(prefix):]: v for k, v in catalogue(lang).items() if k.startswith(prefix)}


def forecast_days(ex: Exercise, lang: str) -> list[dict]:
    """The coming forecast days as the lifecycle reads them at the clock: each calendar day's
    daily AQI (the 24-h period ending at the day's last forecast hour), its range where the
    forecast table gives one, and the highest level the forecast supports that day."""
    tier = ex.tiers[0]
    reading = tier.readings.read(tier.model, tier.rules, ex.clock, tier.lookback, tier.horizon)
    times = pd.DatetimeIndex(reading.times)[tier.lookback:]
    raw, codes = reading.raw[tier.lookback:], reading.codes[tier.lookback:]
    ranges = _ranges_at(ex, ex.clock)
    days = []
    for day, hours in pd.Series(np.arange(len(times)), index=times).groupby(times.normalize()):
        idx = hours.to_numpy()
        known = idx[~np.isnan(raw[idx])]
        if not len(known):
            continue
        level = Level(int(codes[idx].max()))
        row = {"date": f"{day:%Y-%m-%d}", "aqi": round(float(raw[known[-1]])),
               "aqi_low": None, "aqi_high": None,
               "level": level.id if level != Level.NONE else None,
               "level_name": level_name(level.id, lang) if level != Level.NONE else
               text("word.none", lang)}
        if ranges is not None:
            on_day = ranges[ranges["valid_at"].dt.normalize() == day]
            if len(on_day):
                row["aqi_low"] = round(float(on_day["daily_aqi_low"].max()))
                row["aqi_high"] = round(float(on_day["daily_aqi_high"].max()))
        days.append(row)
    return days


def _ranges_at(ex: Exercise, at: pd.Timestamp) -> pd.DataFrame | None:
    """The forecast table's rows issued last by ``at`` (None without a range)."""
    table = ex.setup.forecast_range
    if table is None:
        return None
    issued = table[table["issued_at"] <= at]
    if issued.empty:
        return None
    return issued[issued["issued_at"] == issued["issued_at"].max()]


def _who(ex: Exercise, trigger: str) -> str:
    """Who stands behind the alert in force: the last planner who decided on the alert (a
    human trigger), who accepted the last proposal, or the lifecycle."""
    alert_actions = ("issue", "upgrade", "downgrade", "extend", "lift", "shift", "keep")
    for row in reversed(ex.log):
        if row["at"] <= ex.clock and row["action"] in alert_actions:
            if trigger == "human" and row["kind"] != "human":
                continue
            return str(row["who"])
    return "lifecycle"


def _window_dict(ex: Exercise, window, lang: str) -> dict:
    open_end = window.end >= ex.grid[-1] + HOUR and any(
        t.decisions and t.decisions[-1].end is None for t in ex.tiers)
    name = (text("exercise.alert_name", lang, level=level_name(window.level.id, lang))
            if window.level >= Level.YELLOW else level_name(window.level.id, lang))
    return {"level": window.level.id, "level_name": name, "issued_at": _time(window.issued_at),
            "start": _time(window.start), "end": None if open_end else _time(window.end),
            "reason": render_reason(window.reason, lang), "trigger": window.trigger,
            "trigger_name": text(f"trigger.{window.trigger}", lang),
            "who": _who(ex, window.trigger),
            "who_name": who_name(_who(ex, window.trigger), lang)}


def alert_now(ex: Exercise, lang: str) -> dict | None:
    """The window in force at the clock, None when none is."""
    for window in ex.windows():
        if window.start <= ex.clock < window.end:
            return _window_dict(ex, window, lang)
    return None


def announced(ex: Exercise, lang: str) -> dict | None:
    """The next window announced to start after the clock, None when none is."""
    later = [w for w in ex.windows() if w.start > ex.clock and w.issued_at <= ex.clock]
    return _window_dict(ex, later[0], lang) if later else None


def proposal_dict(proposal: Proposal | None, lang: str) -> dict | None:
    if proposal is None:
        return None
    level = proposal.level
    return {"action": proposal.action,
            "action_name": text(f"exercise.action.{proposal.action}", lang),
            "level": level.id if level is not None else None,
            "level_name": level_name(level.id, lang) if level is not None else None,
            "start": _time(proposal.start), "end": _time(proposal.end),
            "reason": render_reason(proposal.reason, lang)}


def cuts_so_far(so_far: CitySimulation | None, lang: str) -> list[dict]:
    """Per pollutant the cut of the alert segment in force at the clock (or the last one
    that ended) against its level's target, and the base it is a share of."""
    if so_far is None or so_far.result.episodes.empty:
        return []
    episodes = so_far.result.episodes
    last = episodes[episodes["start"] == episodes["start"].max()]
    rows = []
    for row in last.itertuples():
        with_trucks = getattr(row, "cut_pct_with_transport", None)
        rows.append({
            "pollutant": row.pollutant, "pollutant_name": text(
                f"exercise.pollutant.{row.pollutant}", lang),
            "level": row.level, "level_name": level_name(row.level, lang),
            "segment_start": _time(row.start), "segment_end": _time(row.end),
            "baseline_t": _t(row.baseline_t), "cut_t": _t(row.cut_t),
            "cut_pct": _pct(row.cut_pct), "target_pct": _pct(row.target_pct),
            "met": bool(row.met),
            "cut_pct_with_trucks": None if with_trucks is None or pd.isna(with_trucks)
            else _pct(with_trucks),
            "base": text("exercise.base", lang)})
    return rows


def county_tally(so_far: CitySimulation | None, lang: str) -> list[dict]:
    """Per county so far: enterprises, tonnes cut per pollutant, output value lost."""
    if so_far is None:
        return []
    frame = so_far.result.enterprise_tonnes
    out = []
    for county, rows in frame.groupby("county", sort=True):
        out.append({"county": str(county), "county_name": str(county),
                    "enterprises": len(rows),
                    "cut_t": {p: _t(rows[f"{p}_cut_t"].sum()) for p in POLLUTANTS},
                    "output_lost_wan": _t(rows["output_lost_wan"].sum())
                    if "output_lost_wan" in rows else None})
    return out


def trucks_blocked(so_far: CitySimulation | None) -> int | None:
    """Truck trips turned away at the gate so far (None without a truck gate)."""
    if so_far is None:
        return 0
    if so_far.transport is None:
        return None
    per = so_far.transport.tables().get("transport.csv")
    if per is None or "trips_blocked" not in per:
        return 0
    return int(per["trips_blocked"].sum())


def enterprise_responses(ex: Exercise, lang: str) -> list[dict]:
    """Each enterprise's response at the clock: stopped (every line's production cut to
    zero), limited (some cut), exempt (a livelihood or other exemption class while an alert
    is in force) or normal; from the audit of the whole run up to the clock."""
    inputs = ex.setup.inputs
    inv = inputs.inventory
    audit = ex._simulate().result.audit
    cut = np.zeros(inv.n_lines)
    if len(audit):
        seen = audit[audit["time"] <= ex.clock]
        ids = {e: k for k, e in enumerate(inv.ids.astype(str))}
        start = np.concatenate([[0], np.cumsum(inv.lines)[:-1]]).astype(int)
        last = seen.drop_duplicates(["enterprise", "line"], keep="last")
        for row in last.itertuples():
            cut[start[ids[str(row.enterprise)]] + int(row.line) - 1] = float(row.cut_after)
    mean = np.bincount(inv.line_owner, weights=cut, minlength=len(inv)) / np.maximum(
        inv.lines, 1)
    alert_on = any(w.start <= ex.clock < w.end and w.level >= Level.YELLOW
                   for w in ex.windows())
    out = []
    for k in range(len(inv)):
        if mean[k] >= STOPPED:
            response = "stopped"
        elif mean[k] > 0:
            response = "limited"
        elif alert_on and str(inv.exemptions[k]) not in (NOT_EXEMPT, ""):
            response = "exempt"
        else:
            response = "normal"
        out.append({"id": str(inv.ids[k]), "name": str(inv.names[k]),
                    "county": str(inv.counties[k]), "industry": str(inv.industries[k]),
                    "grade": str(inv.grades[k]), "lat": _degrees(inv.lat[k]),
                    "lon": _degrees(inv.lon[k]),
                    "response": response,
                    "response_name": text(f"exercise.response.{response}", lang),
                    "production_cut": round(float(mean[k]), 3)})
    return out


def _degrees(value: float) -> float | None:
    """A coordinate for JSON: the list's degrees, None where it gives none."""
    return round(float(value), 6) if np.isfinite(value) else None


def pm25_with_without(ex: Exercise, city: CitySimulation, until: pd.Timestamp
                      ) -> pd.DataFrame | None:
    """Hourly PM2.5 without measures (the forecast) and with them (the city's own cuts
    through the one-city source–receptor model of ``simulator.core.airquality``, defaults
    of sources.md §8) over ``[start, until)``; None when the forecast has no PM2.5."""
    pm25 = ex.setup.pm25
    hours = int((until - ex.start) / HOUR)
    if pm25 is None or hours <= 0:
        return None
    grid = pd.date_range(ex.start, periods=hours, freq="h")
    without = pm25.reindex(grid).to_numpy(float)
    fraction = hourly_cut_fractions(city.sim.ledger, hours)
    if city.transport is not None and city.transport.counted:
        fraction = fraction + transport_cut_fractions(city.result.episodes, ex.start, hours)
    graph = nx.Graph()
    graph.add_node(ex.city)
    model = SourceReceptorModel.from_graph(graph)
    r = model.reduction(np.clip(fraction, 0.0, 1.0)[:, None, :])[:, 0]
    return pd.DataFrame({"without": without, "with": without * (1.0 - r)}, index=grid)


def pm25_so_far(ex: Exercise, so_far: CitySimulation | None) -> list[dict]:
    if so_far is None:
        return []
    frame = pm25_with_without(ex, so_far, ex.clock)
    if frame is None:
        return []
    return [{"time": _time(t), "without": None if pd.isna(a) else round(float(a), 1),
             "with": None if pd.isna(b) else round(float(b), 1)}
            for t, a, b in zip(frame.index, frame["without"], frame["with"], strict=True)]


def who_name(who: str, lang: str) -> str:
    """The person as typed, or the lifecycle's routine named in ``lang`` (自动流程)."""
    return text("exercise.lifecycle", lang) if who == LIFECYCLE else who


def log_rows(ex: Exercise, lang: str) -> list[dict]:
    out = []
    for row in ex.log:
        level = row["level"]
        out.append({**{k: (_time(v) if isinstance(v, pd.Timestamp) else v)
                       for k, v in row.items()},
                    "kind_name": text(f"exercise.kind.{row['kind']}", lang),
                    "who_name": who_name(str(row["who"]), lang),
                    "action_name": text(f"exercise.action.{row['action']}", lang),
                    "level_name": level_name(level, lang) if level else None,
                    "reason": render_reason(row["reason"], lang) if row["reason"] else ""})
    return out


# -- the exercise against the automatic run -------------------------------------------------
def _totals(run: Run) -> dict:
    episodes = run.result.episodes
    alerts = run.result.alerts
    hours = {lv: float(alerts.loc[alerts["level"] == lv, "hours"].sum())
             for lv in ("temporary", "yellow", "orange", "red")}
    blocked = None
    if run.transport is not None:
        per = run.transport.tables().get("transport.csv")
        blocked = int(per["trips_blocked"].sum()) if per is not None else 0
    cut = {p: (float(episodes.loc[episodes["pollutant"] == p, "baseline_t"].sum()),
               float(episodes.loc[episodes["pollutant"] == p, "cut_t"].sum()))
           for p in POLLUTANTS}
    lost = float(run.result.enterprise_tonnes["output_lost_wan"].sum())
    return {"hours": hours, "blocked": blocked, "cut": cut, "lost": lost}


def _pm25_mean(ex: Exercise) -> float | None:
    """Mean PM2.5 with measures over the whole period (None without PM2.5 in the forecast)."""
    frame = pm25_with_without(ex, ex._simulate(), ex.end)
    return None if frame is None else float(frame["with"].mean())


def compare(exercise: Exercise, automatic: Exercise, lang: str) -> list[dict]:
    """Rows of one table: per pollutant the tonnes cut in alert hours and their share of the
    city-wide base then, alert hours by level, output value lost, truck trips blocked and the
    mean PM2.5 with measures — the exercise, the automatic run and the difference."""
    mine, auto = _totals(exercise.result()), _totals(automatic.result())
    rows = []

    def add(measure: str, key: str, name: str, a: float | None, b: float | None,
            unit: str, digits: int = 2) -> None:
        diff = None if a is None or b is None else round(a - b + 0.0, digits)
        rows.append({"measure": measure, "key": key, "name": name,
                     "exercise": None if a is None else round(a + 0.0, digits),
                     "automatic": None if b is None else round(b + 0.0, digits),
                     "difference": diff, "unit": unit})

    tonne, pct, hour = (text(f"unit.{u}", lang) for u in ("tonne", "percent", "hour"))
    for p in POLLUTANTS:
        (base_a, cut_a), (base_b, cut_b) = mine["cut"][p], auto["cut"][p]
        name = text(f"exercise.pollutant.{p}", lang)
        add("cut_t", p, text("exercise.compare.cut_t", lang, pollutant=name), cut_a, cut_b,
            tonne)
        add("cut_pct", p, text("exercise.compare.cut_pct", lang, pollutant=name),
            100.0 * cut_a / base_a if base_a > 0 else 0.0,
            100.0 * cut_b / base_b if base_b > 0 else 0.0, pct, 1)
    for level in ("temporary", "yellow", "orange", "red"):
        add("alert_hours", level, text("exercise.compare.hours", lang,
                                       level=level_name(level, lang)),
            mine["hours"][level], auto["hours"][level], hour, 0)
    add("output_lost_wan", "", text("exercise.compare.lost", lang), mine["lost"], auto["lost"],
        text("unit.wan_yuan", lang), 1)
    add("trucks_blocked", "", text("exercise.compare.trucks", lang),
        mine["blocked"], auto["blocked"], text("exercise.compare.trips", lang), 0)
    pm25 = _pm25_mean(exercise), _pm25_mean(automatic)
    if pm25[0] is not None:
        add("pm25_mean", "", text("exercise.compare.pm25", lang), pm25[0], pm25[1],
            "µg/m³", 1)
    return rows
