"""The self-contained HTML report of a run directory: ``report.html``.

``build_report`` reads the files a run wrote (``manifest.json``, ``alerts.csv``,
``episodes.csv``, ``breakdown.csv`` or ``enterprises.csv`` — whose largest cuts are listed by
id and name — and, where the run computed them, ``transport.csv``, ``verification.csv`` and
``airquality.csv``) and returns one HTML page in the run's language (manifest ``lang``, else
English). Charts are Vega-Lite specifications drawn by the browser from the page's inline
scripts (``simulator.report.page``): the page opens offline, makes no request, and chart text is
drawn with the reader's fonts like the rest of the page. Every section has a stable element id
(``SECTION_IDS``); a section whose file the run did not write shows a short note instead of
disappearing.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from simulator.core.accounting import LIST_ONLY
from simulator.io.files import atomic_write
from simulator.lang import LANGS, flag, level_name, text
from simulator.report import charts
from simulator.report.columns import column_name, is_flag, readable
from simulator.report.page import chart, page

REPORT_FILE = "report.html"
SECTION_IDS: tuple[str, ...] = ("summary", "alerts", "emissions", "cuts", "breakdown", "map",
                                "transport", "compliance", "airquality")  # stable element ids
DEFAULT_LANG = "en"  # a run directory whose manifest names no language


def section_title(key: str, lang: str = DEFAULT_LANG) -> str:
    return text(f"report.section.{key}", lang)


SECTIONS: tuple[tuple[str, str], ...] = tuple((key, section_title(key)) for key in SECTION_IDS)
NOT_COMPUTED = text("report.not_computed", DEFAULT_LANG)
# 24-h PM2.5 of 150 µg/m³ is IAQI 200, the heavy-pollution line (HJ 633-2012, sources.md §1).
HEAVY_PM25 = 150.0
TOP_CATEGORIES = 15  # bars per breakdown chart; the table lists every category (assumption)
TOP_ENTERPRISES = 20  # enterprises listed by name in the breakdown section (assumption)
_TIME_COLUMNS = ("issued_at", "start", "end", "time")
_TRANSPORT_TOTALS = ("trips", "trips_blocked", "substituted", "deferred", "cancelled",
                     "nonroad_idled", "production_days_lost")
_OPTIONAL = ("breakdown.csv", "enterprises.csv", "audit.csv", "transport.csv",
             "verification.csv", "airquality.csv")
_COORDINATES = (("lon", "lat"), ("longitude", "latitude"))  # enterprises.csv columns, if any
# verification.csv columns the compliance section lists for each row short of its cut
_SHORTFALL_COLUMNS = ("episode", "city", "county", "enterprise", "name", "industry", "grade",
                      "level", "required_cut", "achieved_cut", "shortfall")
MAP_COLUMNS = 12  # enterprises per row of a county's block when there are no coordinates

log = logging.getLogger("smogsim")


class ReportError(ValueError):
    """A run directory that cannot be reported on; the message names file, row and column."""


def read_json(path: Path, expected: str) -> dict:
    """A JSON document of a results folder; ``expected`` names the folder it belongs in."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: not found — expected {expected}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as bad:
        raise ReportError(f"{path}: not valid JSON ({bad})") from None


class ReportUnavailable(RuntimeError):
    """Kept for callers that catch it; the report needs nothing beyond smogsim's own
    dependencies, so it is no longer raised."""


@dataclass
class RunFiles:
    """What a run directory holds: its manifest, its tables by file name and its file list."""

    directory: Path
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    chosen_lang: str | None = None  # the page's language when not the run's (report --lang)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def lang(self) -> str:
        """The page's language: the one chosen, else the run's (manifest ``lang``), else
        English."""
        lang = self.chosen_lang or self.manifest.get("lang")
        return lang if lang in LANGS else DEFAULT_LANG

    def t(self, key: str, **fields: object) -> str:
        return text(key, self.lang, **fields)


# --- reading -------------------------------------------------------------------------------


def read_run(run_dir: str | Path, manifest: dict | None = None) -> RunFiles:
    """Read a run directory. ``manifest`` stands in for ``manifest.json`` while a run is still
    being written (``add_report``)."""
    directory = Path(run_dir)
    if not directory.is_dir():
        raise ReportError(f"{directory}: run directory not found")
    if manifest is None:
        manifest = read_json(directory / "manifest.json", "a run directory written by smogsim run")
    run = RunFiles(directory, manifest,
                   files=tuple(sorted(p.name for p in directory.iterdir() if p.is_file())))
    for name in ("alerts.csv", "episodes.csv"):
        if not (directory / name).is_file():
            raise ReportError(f"{directory / name}: not found — every run writes it")
        run.tables[name] = _read_csv(directory / name)
    for name in _OPTIONAL:
        if (directory / name).is_file():
            run.tables[name] = _read_csv(directory / name)
    _require(run, "alerts.csv", ("city", "level", "issued_at", "start", "end", "hours"))
    _require(run, "episodes.csv", ("episode", "city", "level", "start", "end", "hours",
                                   "pollutant", "baseline_t", "actual_t", "cut_t", "target_pct",
                                   "met"))
    return run


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise ReportError(f"{path}: empty file — expected a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as bad:
        raise ReportError(f"{path}: not a readable CSV ({bad})") from None
    for column in _TIME_COLUMNS:
        if column in frame.columns:
            frame[column] = _times(frame[column], path, column)
    return frame


def _times(values: pd.Series, path: Path, column: str) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
    bad = parsed.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReportError(f"{path}: row {row + 2}, column {column}: {values.iloc[row]!r} — "
                          f"expected a time like 2023-12-14 09:00")
    return parsed


def _require(run: RunFiles, name: str, columns: tuple[str, ...]) -> None:
    frame = run.tables[name]
    for column in columns:
        if column not in frame.columns:
            raise ReportError(f"{run.directory / name}: column {column} missing — expected "
                              f"columns {', '.join(columns)}")


# --- helpers -------------------------------------------------------------------------------


def _level_order(level: str) -> int:
    try:
        return int(Level.parse(level))
    except ValueError:
        return len(Level)


def _level_label(level: str, lang: str) -> str:
    """A level as a reader names it: 橙色 (zh) or "橙色 orange" (en, with the Chinese)."""
    try:
        parsed = Level.parse(level)
    except ValueError:
        return str(level)
    return level_name(parsed.id, lang) if lang == "zh" else f"{parsed.zh} {level}"


def _levels(run: RunFiles, *frames: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The levels in ``frames`` (mildest first) and their names in the run's language."""
    found = {str(lv) for frame in frames if "level" in frame.columns for lv in frame["level"]}
    levels = sorted(found, key=_level_order)
    return levels, {lv: _level_label(lv, run.lang) for lv in levels}


def _note(content: str) -> str:
    return f'<p class="note">{html.escape(content)}</p>'


def _not_computed(run: RunFiles, name: str) -> str:
    return _note(run.t("report.no_file", name=name))


def _table(frame: pd.DataFrame, lang: str, digits: int = 2) -> str:
    """An HTML table in ``lang``: catalogue column names with units, ids named, booleans as
    是/否 (yes/no), numbers right-aligned with ``digits`` decimals, times to the minute."""
    frame = readable(frame, lang)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in frame.columns]
    head = "".join(f'<th{" class=num" if num else ""}>{html.escape(column_name(str(c), lang))}'
                   f"</th>" for c, num in zip(frame.columns, numeric, strict=True))
    body = []
    for values in frame.itertuples(index=False):
        cells = "".join(f'<td{" class=num" if num else ""}>{_cell(v, digits, lang)}</td>'
                        for v, num in zip(values, numeric, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}' \
           f"</tbody></table>"


def _cell(value, digits: int, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if is_flag(value):
        return html.escape(flag(value == "True" if isinstance(value, str) else value, lang))
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, (float, np.floating)):
        shown = f"{value:,.{digits}f}"
        return shown.removeprefix("-") if float(shown.replace(",", "")) == 0 else shown
    if isinstance(value, (int, np.integer)):
        return f"{value:,d}"
    return html.escape(str(value))


# --- sections ------------------------------------------------------------------------------


def _summary(run: RunFiles) -> str:
    m = run.manifest
    period = m.get("period") or ["", ""]
    facts = [(run.t("report.fact.scenario"), m.get("scenario", "")),
             (run.t("report.fact.run_id"), m.get("run_id", "")),
             (run.t("report.fact.city"), m.get("city") or ", ".join(m.get("cities", []))),
             (run.t("report.fact.period"), " → ".join(map(str, period))),
             (run.t("report.fact.seed"), m.get("seed", "")),
             (run.t("report.fact.rules"), m.get("rules", "")),
             *([(run.t("report.fact.cut_base"),
                 run.t("report.fact.list_only" if m["cut_base"] == LIST_ONLY
                       else "report.fact.city_wide"))] if "cut_base" in m else []),
             (run.t("report.fact.version"), m.get("smogsim_version", ""))]
    alerts, episodes = run.table("alerts.csv"), run.table("episodes.csv")
    hours = alerts.groupby("level")["hours"].sum() if len(alerts) else pd.Series(dtype=float)
    facts.append((run.t("report.fact.alert_hours"), ", ".join(
        f"{_level_label(lv, run.lang)} {h:g} h"
        for lv, h in sorted(hours.items(), key=lambda kv: _level_order(kv[0])))
        or run.t("report.fact.no_alert")))
    targeted = episodes[episodes["target_pct"] > 0]
    met = _true(targeted["met"])
    summary = run.t("report.fact.targets_summary", met=int(met.sum()), total=len(targeted))
    if _trucks_counted(episodes):
        summary += run.t("report.fact.with_trucks",
                         met=int(_true(targeted["met_with_transport"]).sum()))
    facts.append((run.t("report.fact.targets_met"), summary))
    for name, digest in (m.get("inputs") or {}).items():
        facts.append((run.t("report.fact.input", name=name), digest))
    facts.append((run.t("report.fact.files"), ", ".join(run.files)))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def _labels(run: RunFiles) -> dict[str, str]:
    """Every axis and legend title, in the run's language."""
    keys = ("time", "city", "level", "rate", "series", "measure", "pollutant", "target",
            "with_trucks", "tonnes_cut", "lost", "trips", "count", "required", "achieved",
            "status", "pm25", "heavy")
    return {key: run.t(f"report.label.{key}") for key in keys}


def _alerts(run: RunFiles) -> str:
    alerts = run.table("alerts.csv")
    if alerts.empty:
        return _note(run.t("report.no_alert"))
    levels, names = _levels(run, alerts)
    rows = alerts.assign(level_name=alerts["level"].astype(str).map(names))
    period = run.manifest.get("period")
    tips = {c: column_name(c, run.lang) for c in ("issued_at", "start", "end", "hours")}
    spec = charts.timeline(
        charts.records(rows[["city", "level_name", "issued_at", "start", "end", "hours"]]),
        levels, names, _labels(run) | tips | {"level_name": run.t("report.label.level")},
        tuple(period) if period else None)
    columns = [c for c in ("city", "level_zh", "level", "response", "issued_at", "start", "end",
                           "hours", "reason") if c in alerts.columns]
    return (chart("chart-alerts", charts.spec(spec, run.t("report.chart.alerts")),
                  "Gantt chart of alert windows per city")
            + _table(alerts[columns], run.lang, digits=0))


def _shading(run: RunFiles, episodes: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    segments = episodes.drop_duplicates(["city", "start"]).sort_values("start", kind="stable")
    return segments.assign(level_name=segments["level"].astype(str).map(names))[
        ["city", "start", "end", "level_name"]]


def _emissions(run: RunFiles) -> str:
    episodes = run.table("episodes.csv")
    if episodes.empty:
        return _note(run.t("report.nothing_to_tally"))
    levels, names = _levels(run, episodes)
    several = episodes["city"].nunique() > 1
    rows = []
    for (city, pollutant), part in episodes.groupby(["city", "pollutant"], sort=True):
        for measure in ("baseline", "actual"):
            rate = part[f"{measure}_t"] / part["hours"].where(part["hours"] > 0)
            word = run.t(f"report.label.{measure}")
            for seg, (start, end, value) in enumerate(zip(part["start"], part["end"], rate,
                                                          strict=True)):
                for time in (start, end):  # a flat step over the segment, broken between
                    rows.append({"pollutant": pollutant, "measure": word, "time": time,
                                 "series": f"{word} {city}" if several else word,
                                 "segment": f"{city}-{measure}-{seg}", "rate": value})
    shading = [{**r, "pollutant": p} for r in charts.records(_shading(run, episodes, names))
               for p in POLLUTANTS]
    spec = charts.step_lines(charts.records(pd.DataFrame(rows)), shading, levels, names,
                             _labels(run))
    columns = [c for c in ("episode", "level", "start", "end", "hours", "pollutant", "baseline_t",
                           "actual_t", "cut_t") if c in episodes.columns]
    return (chart("chart-emissions", charts.spec(spec, run.t("report.chart.emissions")),
                  "Step chart of baseline and actual emission rates")
            + _table(episodes[columns], run.lang))


def cut_vs_target(episodes: pd.DataFrame) -> pd.DataFrame:
    """Per level and pollutant over all of a run's segments: baseline and cut tonnes, cut % of
    the baseline (tonne-weighted, so hours count), the level's target % and whether every
    segment met it.

    Where the truck gate counts towards the cut: ``truck_cut_net_t``, the gate's cut less
    ``mobile_cut_on_trucks_t`` (the mobile sector's cut of the same trucks, already in
    ``cut_t``), and ``cut_pct_with_trucks`` = (cut_t + truck_cut_net_t) / baseline_t, the
    figure ``met_with_trucks`` is judged on (episodes.csv's ``cut_pct_with_transport``).
    """
    frame = episodes.assign(met=_true(episodes["met"]))
    aggregates = {"segments": ("cut_t", "size"), "baseline_t": ("baseline_t", "sum"),
                      "cut_t": ("cut_t", "sum"), "target_pct": ("target_pct", "max"),
                      "met": ("met", "all")}
    trucks = _trucks_counted(episodes)
    if trucks:  # the truck gate's cut counts towards the city-wide cut (docs/transport.md)
        gross = episodes["transport_cut_t"].fillna(0.0)
        in_mobile = (episodes["mobile_cut_on_trucks_t"].fillna(0.0)
                     if "mobile_cut_on_trucks_t" in episodes.columns else 0.0 * gross)
        frame = frame.assign(truck_cut_net_t=gross - in_mobile,
                             mobile_cut_on_trucks_t=in_mobile,
                             met_with_trucks=_true(episodes["met_with_transport"]))
        aggregates |= {"truck_cut_net_t": ("truck_cut_net_t", "sum"),
                       "mobile_cut_on_trucks_t": ("mobile_cut_on_trucks_t", "sum"),
                       "met_with_trucks": ("met_with_trucks", "all")}
    table = frame.groupby(["level", "pollutant"], sort=False).agg(**aggregates).reset_index()
    base = table["baseline_t"].where(table["baseline_t"] > 0)
    table.insert(4, "cut_pct", 100.0 * table["cut_t"] / base)
    if trucks:
        with_trucks = 100.0 * (table["cut_t"] + table["truck_cut_net_t"]) / base
        table.insert(table.columns.get_loc("met") + 1, "cut_pct_with_trucks", with_trucks)
        table["met_with_trucks"] = table.pop("met_with_trucks")
    order = table["level"].map(_level_order) * 10 + table["pollutant"].map(
        {p: k for k, p in enumerate(POLLUTANTS)}).fillna(9)
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _true(values: pd.Series) -> pd.Series:
    """A boolean column read back from CSV (True/False text, blanks false)."""
    return values.astype(str).str.lower().eq("true")


def _trucks_counted(episodes: pd.DataFrame) -> bool:
    """Whether the run's trucks count towards its cut % (a with-transport column is filled)."""
    column = episodes.get("cut_pct_with_transport")
    return column is not None and bool(column.notna().any())


def _cuts(run: RunFiles) -> str:
    episodes = run.table("episodes.csv")
    if episodes.empty:
        return _note(run.t("report.nothing_to_tally"))
    table = cut_vs_target(episodes)
    levels, names = _levels(run, table)
    labels = _labels(run) | {
        "cut_pct": run.t("report.label.cut_pct_list" if _list_only(run)
                         else "report.label.cut_pct_city"),
        "level_name": run.t("report.label.level"), "pollutant": run.t("report.label.pollutant")}
    rows = table.assign(level_name=table["level"].astype(str).map(names))
    marker = "cut_pct_with_trucks" if "cut_pct_with_trucks" in rows.columns else None
    spec = charts.grouped_bars(
        charts.records(rows[["pollutant", "level_name", "cut_pct", "target_pct",
                             *([marker] if marker else [])]]),
        "pollutant", "level_name", "cut_pct",
        labels | {"target_pct": labels["target"], "cut_pct_with_trucks": labels["with_trucks"]},
        colours=charts.level_scale(levels, names), target="target_pct", marker=marker,
        x_sort=list(POLLUTANTS))
    note = _note(run.t("report.note.list_only")) if _list_only(run) else ""
    if "truck_cut_net_t" in table.columns:
        note += _note(run.t("report.note.truck_cut"))
    return note + chart("chart-cuts", charts.spec(spec, run.t("report.chart.cuts")),
                        "Bar chart of cut percent against target by pollutant and level") \
        + _table(table, run.lang)


def _list_only(run: RunFiles) -> bool:
    """Whether the run's cut % is of the list alone (no area sources, manifest ``cut_base``)."""
    return run.manifest.get("cut_base") == LIST_ONLY


def _breakdown(run: RunFiles) -> str:
    name = "breakdown.csv" if run.table("breakdown.csv") is not None else "enterprises.csv"
    frame = run.table(name)
    if frame is None:
        return _not_computed(run, "breakdown.csv")
    cut = [f"{p}_cut_t" for p in POLLUTANTS if f"{p}_cut_t" in frame.columns]
    value = [c for c in ("output_value_wan", "output_lost_wan") if c in frame.columns]
    parts = [_note(run.t("report.note.from_enterprises"))] if name == "enterprises.csv" else []
    for dim in ("industry", "grade", "county"):
        if dim not in frame.columns:
            parts.append(_note(run.t("report.note.no_column", name=name, dim=dim)))
            continue
        table = frame.groupby(dim, sort=True)[cut + value].sum().reset_index()
        if {"output_value_wan", "output_lost_wan"} <= set(table.columns):
            table["output_lost_pct"] = 100.0 * table["output_lost_wan"] / table[
                "output_value_wan"].where(table["output_value_wan"] > 0)
        sort_by = "output_lost_wan" if "output_lost_wan" in table.columns else cut[0]
        table = table.sort_values(sort_by, ascending=False, kind="stable")
        parts.append(f"<h3>{html.escape(run.t('report.note.by', dim=run.t(f'report.dim.{dim}')))}"
                     f"</h3>" + _bars(run, table.head(TOP_CATEGORIES), dim, cut)
                     + _table(table, run.lang))
    parts.append(_top_enterprises(run, run.table("enterprises.csv"), cut))
    return "".join(parts)


def _top_enterprises(run: RunFiles, frame: pd.DataFrame | None, cut: list[str]) -> str:
    """The enterprises that cut most over the run (all pollutants' tonnes added), each named
    beside its id, as the list names it."""
    if frame is None or "enterprise" not in frame.columns:
        return ""
    cut = [c for c in cut if c in frame.columns]
    if not cut:
        return ""
    labels = [c for c in ("enterprise", "name", "county", "industry", "grade")
              if c in frame.columns]
    value = [c for c in ("output_lost_wan",) if c in frame.columns]
    table = frame[labels + cut + value].assign(cut_t=frame[cut].sum(axis=1))
    table = table.sort_values("cut_t", ascending=False, kind="stable").head(TOP_ENTERPRISES)
    return (f"<h3>{html.escape(run.t('report.note.top', n=TOP_ENTERPRISES))}</h3>"
            + _note(run.t("report.note.top_note"))
            + _table(table.drop(columns="cut_t"), run.lang))


def _bars(run: RunFiles, table: pd.DataFrame, dim: str, cut: list[str]) -> str:
    """Tonnes cut by ``dim`` stacked by pollutant, and output value lost beside it."""
    dim_name = run.t(f"report.dim.{dim}")
    labels = _labels(run) | {"category": dim_name, "pollutant": run.t("report.label.pollutant"),
                             "tonnes": run.t("report.label.tonnes_cut"),
                             "lost": run.t("report.label.lost")}
    named = readable(table[[dim]], run.lang)[dim].astype(str)  # 砖瓦窑, not brick_tile
    table = table.assign(category=named)
    order = named.tolist()
    long = table.melt(id_vars=["category"], value_vars=cut, var_name="pollutant",
                      value_name="tonnes")
    long = long.assign(pollutant=long["pollutant"].str.removesuffix("_cut_t"),
                       tonnes=long["tonnes"].clip(lower=0))
    out = chart(f"chart-{dim}", charts.spec(
        charts.stacked_hbars(charts.records(long[["category", "pollutant", "tonnes"]]),
                             "category", "pollutant", "tonnes", labels, order),
        run.t("report.chart.breakdown", dim=dim_name)), f"Tonnes cut by {dim}")
    if "output_lost_wan" in table.columns:
        lost = table.assign(pollutant=labels["lost"],
                            lost=table["output_lost_wan"].clip(lower=0))
        out += chart(f"chart-{dim}-lost", charts.spec(
            charts.stacked_hbars(charts.records(lost[["category", "pollutant", "lost"]]),
                                 "category", "pollutant", "lost", labels, order),
            run.t("report.chart.lost", dim=dim_name)), f"Output value lost by {dim}")
    return out


def enterprise_responses(enterprises: pd.DataFrame, audit: pd.DataFrame | None) -> pd.DataFrame:
    """Each enterprise with its response at the run's highest level: the measure of its
    largest emission cut there (audit.csv), "none" where the audit names none."""
    frame = enterprises.copy()
    frame["measure"] = "none"
    frame["level"] = ""
    if audit is not None and {"enterprise", "level", "measure"} <= set(audit.columns) and len(
            audit):
        top = max(audit["level"].astype(str), key=_level_order)
        rows = audit[audit["level"].astype(str) == top]
        cut = rows.get("emission_cut_after", pd.Series(0.0, index=rows.index))
        rows = rows.assign(_cut=cut).sort_values("_cut", ascending=False, kind="stable")
        first = rows.drop_duplicates("enterprise").set_index("enterprise")
        found = frame["enterprise"].map(first["measure"])
        frame["measure"] = found.fillna("none").astype(str)
        frame["level"] = top
    return frame


def _map(run: RunFiles) -> str:
    """The enterprises by response: on a map where enterprises.csv has their coordinates, and
    a block of squares per county (a layout, not a map) for those without."""
    frame = run.table("enterprises.csv")
    if frame is None or "enterprise" not in frame.columns:
        return _not_computed(run, "enterprises.csv")
    from simulator.lang import measure_name

    frame = enterprise_responses(frame, run.table("audit.csv"))
    frame["response"] = frame["measure"].map(lambda m: measure_name(m, run.lang))
    shown = [c for c in ("enterprise", "name", "county", "industry", "grade", "response")
             if c in frame.columns]
    coordinates = next((pair for pair in _COORDINATES if set(pair) <= set(frame.columns)), None)
    labels = {c: column_name(c, run.lang) for c in shown} | {
        "response": run.t("report.map.response"), "county": run.t("report.dim.county")}
    located = pd.Series(False, index=frame.index)
    if coordinates:
        frame = frame.assign(lon=pd.to_numeric(frame[coordinates[0]], errors="coerce"),
                             lat=pd.to_numeric(frame[coordinates[1]], errors="coerce"))
        located = frame["lon"].notna() & frame["lat"].notna()
    levels = frame.get("level")
    title = run.t("report.map.title", level=_level_label(str(levels.iloc[0]), run.lang)
                  if levels is not None and len(levels) and levels.iloc[0] else "–")
    parts = []
    if located.any():
        plants = frame[located]
        spec = charts.geo_map(charts.records(readable(plants[[*shown, "lon", "lat"]],
                                                      run.lang)),
                              _seats(plants), labels, shown)
        parts.append(_note(run.t("report.map.coordinates"))
                     + chart("chart-map", charts.spec(spec, title), "Map of enterprises by "
                             "response"))
    if not located.all():
        rest = frame[~located]
        blocks = _county_blocks(rest)
        note = (run.t("report.map.unlocated", count=len(rest)) if located.any()
                else run.t("report.map.counties"))
        chart_id = "chart-map-counties" if located.any() else "chart-map"
        spec = charts.unit_map(charts.records(readable(blocks[[*shown, "x", "y"]], run.lang)),
                               labels, shown)
        parts.append(_note(note) + chart(chart_id, charts.spec(spec, "" if located.any()
                                                               else title),
                                         "Enterprises by response"))
    counts = frame.groupby([c for c in ("county", "response") if c in frame.columns]).size()
    table = counts.unstack(fill_value=0).reset_index() if "county" in frame.columns else \
        counts.rename("enterprises").reset_index()
    return "".join(parts) + _table(table, run.lang)


def _county_blocks(frame: pd.DataFrame) -> pd.DataFrame:
    """Each enterprise's place (x, y) in its county's block, ordered by response."""
    county = frame["county"].astype(str) if "county" in frame.columns else pd.Series(
        "", index=frame.index)
    order = frame.assign(county=county).sort_values(["county", "measure"], kind="stable")
    k = order.groupby("county").cumcount()
    return order.assign(x=k % MAP_COLUMNS, y=k // MAP_COLUMNS)


def _seats(plants: pd.DataFrame) -> list[dict]:
    """Where each county's name goes on the map: its seat where smogsim knows it
    (``enterprises.synthetic.COUNTY_SEATS``), else the median place of its plants."""
    from enterprises.synthetic import COUNTY_SEATS

    if "county" not in plants.columns:
        return []
    out = []
    for county, part in plants.groupby(plants["county"].astype(str), sort=True):
        lon, lat = COUNTY_SEATS.get(county, (part["lon"].median(), part["lat"].median()))
        out.append({"county": county, "lon": round(float(lon), 4), "lat": round(float(lat), 4)})
    return out


def _sums(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Totals of the counts and cuts in ``frame``, by ``by`` (or overall)."""
    numeric = [c for c in frame.select_dtypes("number").columns if c != by]
    shown = [c for c in numeric if c in _TRANSPORT_TOTALS or c.endswith(("_cut_kg", "_cut_t"))]
    numeric = shown or [c for c in numeric if c not in {"episode", "segment", "start_h", "end_h"}]
    if by is None:
        return frame[numeric].sum().to_frame().T
    return frame.groupby(by, sort=False)[numeric].sum().reset_index()


def _transport(run: RunFiles) -> str:
    frame = run.table("transport.csv")
    if frame is None:
        return _not_computed(run, "transport.csv")
    by = next((c for c in ("level", "industry", "city") if c in frame.columns), None)
    table = _sums(frame, by)
    if by == "level":
        table = table.iloc[np.argsort(table["level"].map(_level_order).to_numpy(),
                                      kind="stable")]
    counts = [c for c in ("trips", "trips_blocked", "substituted", "deferred", "cancelled")
              if c in table.columns]
    if not counts:
        return _note(run.t("report.note.no_trips")) + _table(table, run.lang)
    group = table[by].astype(str).tolist() if by else ["all"]
    if by == "level":
        group = [_level_label(lv, run.lang) for lv in group]
    elif by is not None:
        group = readable(table[[by]], run.lang)[by].astype(str).tolist()
    long = pd.DataFrame([{"group": g, "count_of": column_name(c, run.lang),
                          "trips": float(table[c].iloc[k])}
                         for k, g in enumerate(group) for c in counts])
    labels = _labels(run) | {"group": run.t(f"report.dim.{by}") if by else "",
                             "count_of": run.t("report.label.series")}
    spec = charts.grouped_bars(charts.records(long), "group", "count_of", "trips", labels,
                               x_sort=group)
    title = (run.t("report.chart.transport_by", by=run.t(f"report.dim.{by}")) if by
             else run.t("report.chart.transport"))
    return (chart("chart-transport", charts.spec(spec, title),
                  "Bar chart of truck trips and trips blocked") + _table(table, run.lang, digits=1))


def _unusable(run: RunFiles, frame: pd.DataFrame | None, name: str,
              columns: tuple[str, ...]) -> str:
    """The section's text when ``name`` was not written or lacks ``columns``, else ""."""
    if frame is None:
        return _not_computed(run, name)
    if not set(columns) <= set(frame.columns):
        return _note(run.t("report.note.no_columns", name=name, columns="/".join(columns))) \
            + _table(frame.head(20), run.lang)
    return ""


def _compliance(run: RunFiles) -> str:
    frame = run.table("verification.csv")
    unusable = _unusable(run, frame, "verification.csv", ("required_cut", "achieved_cut"))
    if unusable:
        return unusable
    required = pd.to_numeric(frame["required_cut"], errors="coerce")
    achieved = pd.to_numeric(frame["achieved_cut"], errors="coerce")
    short = achieved < required - 1e-9  # tolerance for float round-off (assumption)
    rows = pd.DataFrame({"row": np.arange(len(frame)) + 2, "required": required,
                         "achieved": achieved,
                         "status": np.where(short, run.t("report.label.short"),
                                            run.t("report.label.met"))})
    top = float(np.nanmax([required.max(), achieved.max(), 0.0])) or 1.0
    spec = charts.scatter_met(charts.records(rows), _labels(run), top)
    shortfall = (required - achieved).clip(lower=0)
    lines = _note(run.t("report.note.compliance", met=int((~short).sum()), total=len(frame),
                        shortfall=f"{shortfall.sum():,.2f}"))
    worst = frame.assign(shortfall=shortfall)[short].sort_values("shortfall", ascending=False)
    worst = worst[[c for c in _SHORTFALL_COLUMNS if c in worst.columns]]
    return (chart("chart-compliance", charts.spec(spec, run.t("report.chart.compliance")),
                  "Scatter of required against achieved cut")
            + lines + (_table(worst.head(20), run.lang) if len(worst) else ""))


def _airquality(run: RunFiles) -> str:
    frame = run.table("airquality.csv")
    unusable = _unusable(run, frame, "airquality.csv", ("pm25_with", "pm25_without"))
    if unusable:
        return unusable
    if "city" not in frame.columns:
        frame = frame.assign(city="")
    if "time" not in frame.columns:
        frame = frame.assign(time=pd.Timestamp("2000-01-01") + pd.to_timedelta(
            np.arange(len(frame)), unit="h"))
    series = {"pm25_without": run.t("report.label.without"),
              "pm25_with": run.t("report.label.with")}
    long = frame.melt(id_vars=["city", "time"], value_vars=list(series), var_name="series",
                      value_name="pm25")
    long["series"] = long["series"].map(series)
    episodes = run.table("episodes.csv")
    levels, names = _levels(run, episodes)
    shading = _shading(run, episodes, names) if len(episodes) else pd.DataFrame(
        columns=["city", "start", "end", "level_name"])
    spec = charts.pm25_lines(charts.records(long), charts.records(shading), levels, names,
                             _labels(run), HEAVY_PM25)
    rows = []
    for city, part in frame.groupby("city", sort=True):
        without, with_ = part["pm25_without"].mean(), part["pm25_with"].mean()
        rows.append({"city": city, "mean_without": without, "mean_with": with_,
                     "reduction_pct": 100.0 * (1 - with_ / without) if without else np.nan,
                     "peak_without": part["pm25_without"].max(),
                     "peak_with": part["pm25_with"].max()})
    return (chart("chart-airquality", charts.spec(spec, run.t("report.chart.airquality")),
                  "PM2.5 with and without measures")
            + _table(pd.DataFrame(rows), run.lang, digits=1))


_BUILDERS = {"summary": _summary, "alerts": _alerts, "emissions": _emissions, "cuts": _cuts,
             "breakdown": _breakdown, "map": _map, "transport": _transport,
             "compliance": _compliance, "airquality": _airquality}


# --- page ----------------------------------------------------------------------------------


def build_report(run_dir: str | Path, manifest: dict | None = None,
                 lang: str | None = None) -> str:
    """The report page of a run directory as one self-contained HTML string, in ``lang``,
    else in the run's language."""
    run = read_run(run_dir, manifest)
    run.chosen_lang = lang
    sections = [f'<section id="{key}"><h2>{html.escape(section_title(key, run.lang))}</h2>'
                f'{_BUILDERS[key](run)}</section>' for key in SECTION_IDS]
    title = run.t("report.title", scenario=run.manifest.get("scenario", run.directory.name))
    nav = [(key, section_title(key, run.lang)) for key in SECTION_IDS]
    return page(title, run.lang, nav, "\n".join(sections))


def write_report(run_dir: str | Path, out: str | Path | None = None,
                 lang: str | None = None) -> Path:
    """Build the report of ``run_dir`` (in ``lang``, else the run's language) and write it to
    ``out`` (default ``run_dir/report.html``); return the path written."""
    page_text = build_report(run_dir, lang=lang)
    path = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: directory not found — cannot write the report")
    atomic_write(path, page_text.encode("utf-8"))
    return path


def add_report(run_dir: str | Path, manifest: dict) -> dict:
    """Write ``report.html`` into a run directory being written (before its manifest) and
    return the manifest listing it."""
    atomic_write(Path(run_dir) / REPORT_FILE, build_report(run_dir, manifest).encode("utf-8"))
    return {**manifest, "files": [*manifest.get("files", []), REPORT_FILE]}
