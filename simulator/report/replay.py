"""The analyst's page of a replay folder: ``replay.html``.

``build_replay_report`` reads what ``smogsim replay`` wrote (``manifest.json``, ``runs.csv``)
and shows the grid of cities × rule sets × forecast models: per cell the mean over replicates
of each pollutant's cut % and of the alert, missed and false alert hours, with their spread
(lowest and highest replicate). False alert hours are derived: alert hours less the observed
alert hours the alert in force covered (``alert_hours − (observed_hours − missed_hours)``),
so hours alerted while the observed daily AQI stayed below every alert level.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from enterprises.schema import POLLUTANTS
from simulator.io.files import atomic_write
from simulator.lang import LANGS, text
from simulator.report import charts
from simulator.report.html import ReportError, _read_csv, _table, read_json
from simulator.report.page import chart, page

REPLAY_REPORT_FILE = "replay.html"
REPLAY_SECTIONS = ("summary", "grid", "cuts", "hours")
HOURS = ("alert_hours", "missed_hours", "false_hours")
_KEY = ["city", "rules", "forecast"]


def is_replay_dir(directory: str | Path) -> bool:
    """A folder written by ``smogsim replay`` (its runs table beside its manifest)."""
    return (Path(directory) / "runs.csv").is_file() and (Path(directory) / "manifest.json"
                                                         ).is_file()


def replay_grid(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per city × rule set × forecast: runs, and for each pollutant's cut % and each
    kind of hours its mean, lowest and highest over replicates and city-episodes."""
    frame = runs.assign(false_hours=runs["alert_hours"] - (runs["observed_hours"]
                                                           - runs["missed_hours"]))
    values = [f"cut_pct_{p}" for p in POLLUTANTS if f"cut_pct_{p}" in frame.columns]
    values += list(HOURS)
    grouped = frame.groupby(_KEY, sort=True)
    table = grouped.size().rename("runs").to_frame()
    for column in values:
        stats = grouped[column].agg(["mean", "min", "max"])
        table[column] = stats["mean"]
        table[f"{column}_min"] = stats["min"]
        table[f"{column}_max"] = stats["max"]
    if "met" in frame.columns:
        table["met_share"] = grouped["met"].agg(
            lambda s: float(s.astype(str).str.lower().eq("true").mean()))
    return table.reset_index()


def _t(lang: str, key: str, **fields: object) -> str:
    return text(f"report.replay.{key}", lang, **fields)


def _long(grid: pd.DataFrame, columns: list[str], names: dict[str, str]) -> pd.DataFrame:
    rows = []
    for r in grid.to_dict("records"):
        for column in columns:
            rows.append({"city": r["city"], "cell": f"{r['rules']} · {r['forecast']}",
                         "measure": names[column], "mean": r[column],
                         "low": r[f"{column}_min"], "high": r[f"{column}_max"]})
    return pd.DataFrame(rows)


def _bars_with_spread(rows: list[dict], labels: dict[str, str]) -> dict:
    """Mean bars by grid cell and measure, a black rule from the lowest to the highest
    replicate, one panel per city."""
    x = {"field": "cell", "type": "nominal", "title": labels["cell"], "axis": {"labelAngle": 0}}
    offset = {"field": "measure", "type": "nominal", "sort": None}
    tooltip = [{"field": "city"}, {"field": "cell"}, {"field": "measure"},
               *({"field": f, "type": "quantitative", "format": ".1f"}
                 for f in ("mean", "low", "high"))]
    bars = {"mark": {"type": "bar", "stroke": "#222", "strokeWidth": 0.5},
            "encoding": {"x": x, "xOffset": offset,
                         "y": {"field": "mean", "type": "quantitative", "title": labels["y"],
                               "scale": {"zero": True}},
                         "color": {"field": "measure", "type": "nominal", "sort": None,
                                   "title": labels["measure"],
                                   "scale": {"range": list(charts.OKABE_ITO)}},
                         "tooltip": tooltip}}
    spread = {"mark": {"type": "rule", "color": "#000", "strokeWidth": 1.5},
              "encoding": {"x": x, "xOffset": offset,
                           "y": {"field": "low", "type": "quantitative"},
                           "y2": {"field": "high"}, "tooltip": tooltip}}
    return {"data": {"values": rows},
            "facet": {"row": {"field": "city", "type": "nominal", "title": None}},
            "spec": {"width": charts.WIDTH - 120, "height": 200, "layer": [bars, spread]}}


def build_replay_report(directory: str | Path, lang: str | None = None) -> str:
    """The replay page of a replay folder as one self-contained HTML string, in ``lang``, else
    in the language its manifest records, else English."""
    folder = Path(directory)
    manifest_path = folder / "manifest.json"
    if not is_replay_dir(folder):
        raise ReportError(f"{folder / 'runs.csv'}: not found — expected a folder written by "
                          f"smogsim replay")
    manifest = read_json(manifest_path, "a folder written by smogsim replay")
    runs = _read_csv(folder / "runs.csv")
    needed = (*_KEY, "alert_hours", "observed_hours", "missed_hours")
    for column in needed:
        if column not in runs.columns:
            raise ReportError(f"{folder / 'runs.csv'}: column {column} missing — expected "
                              f"columns {', '.join(needed)}")
    lang = next((c for c in (lang, manifest.get("lang")) if c in LANGS), "en")
    grid = replay_grid(runs)
    facts = [(_t(lang, "runs"), manifest.get("runs", len(runs))),
             (_t(lang, "city_episodes"), manifest.get("city_episodes", "")),
             (_t(lang, "rules"), ", ".join(manifest.get("rules", []))),
             (_t(lang, "forecasts"), ", ".join(manifest.get("forecasts", []))),
             (_t(lang, "replicates"), manifest.get("replicates", "")),
             (_t(lang, "seed"), manifest.get("seed", "")),
             (_t(lang, "inventory"), manifest.get("inventory", "")),
             (text("report.fact.version", lang), manifest.get("smogsim_version", ""))]
    summary = '<table class="facts">' + "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in facts) + "</table>"
    summary += f'<p class="note">{html.escape(_t(lang, "false_note"))}</p>'
    cut_columns = [f"cut_pct_{p}" for p in POLLUTANTS if f"cut_pct_{p}" in grid.columns]
    cut_rows = _long(grid, cut_columns, {c: c.removeprefix("cut_pct_") for c in cut_columns})
    hour_names = {c: _t(lang, c) for c in HOURS}
    hour_rows = _long(grid, list(HOURS), hour_names)
    labels = {"cell": _t(lang, "cell"), "measure": text("report.label.pollutant", lang),
              "y": _t(lang, "cut_axis")}
    cuts = chart("chart-replay-cuts", charts.spec(
        _bars_with_spread(charts.records(cut_rows), labels), _t(lang, "cuts_title")),
        "Mean cut percent per pollutant with the spread over replicates")
    hours = chart("chart-replay-hours", charts.spec(
        _bars_with_spread(charts.records(hour_rows),
                          labels | {"measure": _t(lang, "hours_kind"),
                                    "y": _t(lang, "hours_axis")}),
        _t(lang, "hours_title")), "Mean alert, missed and false alert hours with the spread")
    shown = grid[[*_KEY, "runs", *cut_columns, *HOURS,
                  *(f"{c}_{e}" for c in HOURS for e in ("min", "max")),
                  *(["met_share"] if "met_share" in grid.columns else [])]]
    bodies = {"summary": summary, "grid": _table(shown, lang, digits=1), "cuts": cuts,
              "hours": hours}
    sections = "\n".join(
        f'<section id="{key}"><h2>{html.escape(_t(lang, "section." + key))}</h2>'
        f"{bodies[key]}</section>" for key in REPLAY_SECTIONS)
    nav = [(key, _t(lang, "section." + key)) for key in REPLAY_SECTIONS]
    return page(_t(lang, "title", folder=folder.name), lang, nav, sections)


def write_replay_report(directory: str | Path, lang: str | None = None,
                        out: str | Path | None = None) -> Path:
    """Build the replay page of ``directory`` and write it (default ``replay.html`` in it)."""
    page_text = build_replay_report(directory, lang)
    path = Path(out) if out is not None else Path(directory) / REPLAY_REPORT_FILE
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: directory not found — cannot write the report")
    atomic_write(path, page_text.encode("utf-8"))
    return path
