"""The self-contained HTML report of a run directory: ``report.html``.

``build_report`` reads the files a run wrote (``manifest.json``, ``alerts.csv``,
``episodes.csv``, ``breakdown.csv`` or ``enterprises.csv`` — whose largest cuts are listed by
id and name — and, where the run computed them, ``transport.csv``, ``verification.csv`` and
``airquality.csv``) and returns one HTML page.
Plots are drawn with matplotlib and embedded as base64 PNG data URIs, so the page opens offline
and makes no request. Every section has a stable element id (``SECTIONS``); a section whose file
the run did not write shows a short note instead of disappearing.

matplotlib is the optional extra ``plot`` (``pip install 'smogsim[plot]'``); without it
``ReportUnavailable`` is raised and a run is written without its report.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from simulator.core.accounting import LIST_ONLY
from simulator.io.files import atomic_write
from simulator.report.plots import PLAIN_TEXT

REPORT_FILE = "report.html"
SECTIONS: tuple[tuple[str, str], ...] = (  # (element id, heading); ids are stable
    ("summary", "Summary"),
    ("alerts", "Alert timeline"),
    ("emissions", "Baseline vs actual emissions"),
    ("cuts", "Cut vs target by pollutant and level"),
    ("breakdown", "Breakdown by industry, grade and county"),
    ("transport", "Transport"),
    ("compliance", "Compliance"),
    ("airquality", "PM2.5 with and without measures"),
)
NOT_COMPUTED = "not computed in this run"
LIST_ONLY_NOTE = ("No area sources in this run: the base is the emergency-reduction list alone, "
                  "so cut % is of the list, not of the city-wide base (sources.md §2), and "
                  "overstates the city's cut.")
TRUCK_CUT_NOTE = ("The truck gate's cut counts once: truck_cut_net_t is the gate's cut less "
                  "mobile_cut_on_trucks_t, the mobile sector's cut of the same trucks already "
                  "in cut_t; cut_pct_with_trucks = (cut_t + truck_cut_net_t) / baseline_t "
                  "(docs/transport.md).")
# Bar colours: each level in its own colour; temporary control in grey (assumption).
LEVEL_COLOURS = {"temporary": "#9e9e9e", "blue": "#1f77b4", "yellow": "#e6c200",
                 "orange": "#ff8c00", "red": "#d62728"}
# 24-h PM2.5 of 150 µg/m³ is IAQI 200, the heavy-pollution line (HJ 633-2012, sources.md §1).
HEAVY_PM25 = 150.0
# Preferred fonts with Chinese glyphs, first found wins; any other "CJK" font is the fallback.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
             "Arial Unicode MS")
TOP_CATEGORIES = 15  # bars per breakdown plot; the table lists every category (assumption)
TOP_ENTERPRISES = 20  # enterprises listed by name in the breakdown section (assumption)
_TIME_COLUMNS = ("issued_at", "start", "end", "time")
_TRANSPORT_TOTALS = ("trips", "trips_blocked", "substituted", "deferred", "cancelled",
                     "nonroad_idled", "production_days_lost")
_OPTIONAL = ("breakdown.csv", "enterprises.csv", "transport.csv", "verification.csv",
             "airquality.csv")

log = logging.getLogger("smogsim")


class ReportError(ValueError):
    """A run directory that cannot be reported on; the message names file, row and column."""


class ReportUnavailable(RuntimeError):
    """matplotlib is not installed."""


@dataclass
class RunFiles:
    """What a run directory holds: its manifest, its tables by file name and its file list."""

    directory: Path
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


# --- reading -------------------------------------------------------------------------------


def read_run(run_dir: str | Path, manifest: dict | None = None) -> RunFiles:
    """Read a run directory. ``manifest`` stands in for ``manifest.json`` while a run is still
    being written (``add_report``)."""
    directory = Path(run_dir)
    if not directory.is_dir():
        raise ReportError(f"{directory}: run directory not found")
    if manifest is None:
        path = directory / "manifest.json"
        if not path.is_file():
            raise ReportError(f"{path}: not found — expected a run directory written by "
                              f"smogsim run")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as bad:
            raise ReportError(f"{path}: not valid JSON ({bad})") from None
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


# --- plotting ------------------------------------------------------------------------------


@cache
def cjk_font() -> str | None:
    """A font family with Chinese glyphs known to matplotlib, or None.

    matplotlib caches its font list; a CJK font installed after the cache was built is not in
    it, so when none is found the system fonts are scanned once more (and the cache renewed).
    """
    from matplotlib import font_manager

    found = _cjk_in(font_manager.fontManager)
    if found is None and not _RESCANNED:
        _RESCANNED.append(True)
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        found = _cjk_in(font_manager.fontManager)
    return found


_RESCANNED: list[bool] = []  # the font list is scanned again at most once per process


def _cjk_in(manager) -> str | None:
    names = {font.name for font in manager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    return next((n for n in sorted(names) if "CJK" in n), None)


@contextmanager
def _plot_style() -> Iterator[None]:
    try:
        import matplotlib as mpl
    except ImportError:
        raise ReportUnavailable("matplotlib is not installed "
                                "(pip install 'smogsim[plot]')") from None
    fonts = ["DejaVu Sans", *([cjk_font()] if cjk_font() else [])]  # CJK as glyph fallback
    style = {"font.family": fonts, "font.size": 9, **PLAIN_TEXT,
             "axes.spines.top": False, "axes.spines.right": False}
    with mpl.rc_context(style), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")  # no CJK font
        yield


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _img(fig, alt: str) -> str:
    """The figure as an ``<img>`` with a base64 PNG data URI (no metadata: same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _dates(values: pd.Series) -> np.ndarray:
    from matplotlib import dates

    return dates.date2num(values.to_numpy(dtype="datetime64[s]"))


def _date_axis(ax) -> None:
    from matplotlib import dates

    locator = dates.AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def _level_order(level: str) -> int:
    try:
        return int(Level.parse(level))
    except ValueError:
        return len(Level)


def _level_name(level: str) -> str:
    try:
        return f"{Level.parse(level).zh} {level}"
    except ValueError:
        return str(level)


# --- sections ------------------------------------------------------------------------------


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _not_computed(name: str) -> str:
    return _note(f"{NOT_COMPUTED} (no {name} in the run directory).")


def _table(frame: pd.DataFrame, digits: int = 2) -> str:
    """An HTML table: numbers right-aligned with ``digits`` decimals, times to the minute."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in frame.columns]
    head = "".join(f'<th{" class=num" if num else ""}>{html.escape(str(c))}</th>'
                   for c, num in zip(frame.columns, numeric, strict=True))
    body = []
    for values in frame.itertuples(index=False):
        cells = "".join(f'<td{" class=num" if num else ""}>{_cell(v, digits)}</td>'
                        for v, num in zip(values, numeric, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}' \
           f"</tbody></table>"


def _cell(value, digits: int) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.{digits}f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return f"{value:,d}"
    return html.escape(str(value))


def _summary(run: RunFiles) -> str:
    m = run.manifest
    period = m.get("period") or ["", ""]
    facts = [("scenario", m.get("scenario", "")), ("run id", m.get("run_id", "")),
             ("city", m.get("city") or ", ".join(m.get("cities", []))),
             ("period", " → ".join(map(str, period))),
             ("seed", m.get("seed", "")), ("rules", m.get("rules", "")),
             *([("cut % of", "the list alone (no area sources)" if m["cut_base"] == LIST_ONLY
                 else "the city-wide base (list + area sources)")] if "cut_base" in m else []),
             ("smogsim version", m.get("smogsim_version", ""))]
    alerts, episodes = run.table("alerts.csv"), run.table("episodes.csv")
    hours = alerts.groupby("level")["hours"].sum() if len(alerts) else pd.Series(dtype=float)
    facts.append(("alert hours", ", ".join(
        f"{_level_name(lv)} {h:g} h" for lv, h in sorted(hours.items(),
                                                        key=lambda kv: _level_order(kv[0])))
        or "no alert"))
    targeted = episodes[episodes["target_pct"] > 0]
    met = _true(targeted["met"])
    summary = f"{int(met.sum())} of {len(targeted)} segment × pollutant tallies with a target"
    if _trucks_counted(episodes):
        with_trucks = int(_true(targeted["met_with_transport"]).sum())
        summary += f"; {with_trucks} with the truck gate's cut added"
    facts.append(("targets met", summary))
    for name, digest in (m.get("inputs") or {}).items():
        facts.append((f"input {name}", digest))
    facts.append(("files", ", ".join(run.files)))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def _alerts(run: RunFiles) -> str:
    alerts = run.table("alerts.csv")
    if alerts.empty:
        return _note("No alert in this period.")
    cities = sorted(alerts["city"].unique())
    fig = _figure(10, 0.6 * len(cities) + 1.4)
    ax = fig.add_subplot()
    starts, ends = _dates(alerts["start"]), _dates(alerts["end"])
    issued = _dates(alerts["issued_at"])
    seen = set()
    for k, row in enumerate(alerts.itertuples()):
        y = cities.index(row.city)
        label = None if row.level in seen else _level_name(row.level)
        seen.add(row.level)
        ax.barh(y, ends[k] - starts[k], left=starts[k], height=0.5, label=label,
                color=LEVEL_COLOURS.get(row.level, "#555555"), edgecolor="black", linewidth=0.4)
        ax.plot([issued[k]], [y - 0.38], marker="v", color="black", markersize=4)
    period = run.manifest.get("period")
    if period:
        ax.set_xlim(*_dates(pd.to_datetime(pd.Series(period))))
    ax.set_yticks(range(len(cities)), cities)
    ax.set_ylim(len(cities) - 0.5, -0.9)
    _date_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.set_title("Alert windows per city [start, end); ▼ issued", loc="left")
    columns = [c for c in ("city", "level_zh", "level", "response", "issued_at", "start", "end",
                           "hours", "reason") if c in alerts.columns]
    return (_img(fig, "Gantt chart of alert windows per city")
            + _table(alerts[columns], digits=0))


def _emissions(run: RunFiles) -> str:
    episodes = run.table("episodes.csv")
    if episodes.empty:
        return _note("No alert in this period: nothing to tally.")
    fig = _figure(10, 5.5)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    segments = episodes.drop_duplicates(["city", "start"]).sort_values("start")
    for ax, pollutant in zip(axes, POLLUTANTS, strict=True):
        for seg in segments.itertuples():
            ax.axvspan(*_dates(pd.Series([seg.start, seg.end])), alpha=0.15, linewidth=0,
                       color=LEVEL_COLOURS.get(seg.level, "#555555"))
        for city, rows in episodes[episodes["pollutant"] == pollutant].groupby("city"):
            rows = rows.sort_values("start")
            suffix = f" {city}" if episodes["city"].nunique() > 1 else ""
            for column, style in (("baseline_t", "--"), ("actual_t", "-")):
                x, y = _steps(rows, column)
                ax.plot(x, y, style, linewidth=1.4,
                        label=f"{column.removesuffix('_t')}{suffix}")
        ax.set_title(f"{pollutant}, t/h", loc="left")
        _date_axis(ax)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle("City-wide emission rate in each alert segment (shaded by level)", x=0.01,
                 ha="left", fontsize=10)
    columns = [c for c in ("episode", "level", "start", "end", "hours", "pollutant", "baseline_t",
                           "actual_t", "cut_t") if c in episodes.columns]
    return _img(fig, "Step plot of baseline and actual emission rates") + _table(
        episodes[columns])


def _steps(rows: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A step line over the segments: rate = tonnes / hours, broken (NaN) between gaps."""
    x: list[float] = []
    y: list[float] = []
    starts, ends = _dates(rows["start"]), _dates(rows["end"])
    rates = (rows[column] / rows["hours"].where(rows["hours"] > 0)).to_numpy(float)
    for k in range(len(rows)):
        if x and starts[k] != x[-1]:
            x.append(np.nan)
            y.append(np.nan)
        x += [starts[k], ends[k]]
        y += [rates[k], rates[k]]
    return np.array(x), np.array(y)


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
        return _note("No alert in this period: nothing to tally.")
    table = cut_vs_target(episodes)
    levels = list(dict.fromkeys(table["level"]))
    fig = _figure(10, 3.6)
    ax = fig.add_subplot()
    width = 0.8 / len(levels)
    for j, level in enumerate(levels):
        rows = table[table["level"] == level].set_index("pollutant").reindex(list(POLLUTANTS))
        x = np.arange(len(POLLUTANTS)) + (j - (len(levels) - 1) / 2) * width
        ax.bar(x, rows["cut_pct"], width=width * 0.9, label=_level_name(level),
               color=LEVEL_COLOURS.get(level, "#555555"), edgecolor="black", linewidth=0.4)
        ax.hlines(rows["target_pct"], x - width * 0.45, x + width * 0.45, color="black",
                  linewidth=2, label="target" if j == 0 else None)
        if "cut_pct_with_trucks" in rows:
            ax.plot(x, rows["cut_pct_with_trucks"], linestyle="none", marker="D", color="black",
                    markerfacecolor="white", markersize=5,
                    label="with the truck gate" if j == 0 else None)
    ax.set_xticks(range(len(POLLUTANTS)), POLLUTANTS)
    ax.set_ylabel("cut, % of the list's baseline" if _list_only(run) else
                  "cut, % of city-wide baseline")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Cut achieved in alert hours vs the level's target (black line)", loc="left")
    note = _note(LIST_ONLY_NOTE) if _list_only(run) else ""
    if "truck_cut_net_t" in table.columns:
        note += _note(TRUCK_CUT_NOTE)
    return note + _img(fig, "Bar chart of cut percent against target by pollutant and level") \
        + _table(table)


def _list_only(run: RunFiles) -> bool:
    """Whether the run's cut % is of the list alone (no area sources, manifest ``cut_base``)."""
    return run.manifest.get("cut_base") == LIST_ONLY


def _breakdown(run: RunFiles) -> str:
    name = "breakdown.csv" if run.table("breakdown.csv") is not None else "enterprises.csv"
    frame = run.table(name)
    if frame is None:
        return _not_computed("breakdown.csv")
    cut = [f"{p}_cut_t" for p in POLLUTANTS if f"{p}_cut_t" in frame.columns]
    value = [c for c in ("output_value_wan", "output_lost_wan") if c in frame.columns]
    parts = [_note("From enterprises.csv: totals over the whole run.")] if (
        name == "enterprises.csv") else []
    for dim in ("industry", "grade", "county"):
        if dim not in frame.columns:
            parts.append(_note(f"{name} has no {dim} column."))
            continue
        table = frame.groupby(dim, sort=True)[cut + value].sum().reset_index()
        if {"output_value_wan", "output_lost_wan"} <= set(table.columns):
            table["output_lost_pct"] = 100.0 * table["output_lost_wan"] / table[
                "output_value_wan"].where(table["output_value_wan"] > 0)
        sort_by = "output_lost_wan" if "output_lost_wan" in table.columns else cut[0]
        table = table.sort_values(sort_by, ascending=False, kind="stable")
        parts.append(f"<h3>By {dim}</h3>" + _bars(table.head(TOP_CATEGORIES), dim, cut)
                     + _table(table))
    parts.append(_top_enterprises(run.table("enterprises.csv"), cut))
    return "".join(parts)


def _top_enterprises(frame: pd.DataFrame | None, cut: list[str]) -> str:
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
    return (f"<h3>Largest cuts by enterprise (top {TOP_ENTERPRISES})</h3>"
            + _note("From enterprises.csv: tonnes cut over the whole run, every pollutant "
                    "added (cut_t); the full list is in enterprises.csv.")
            + _table(table.drop(columns="cut_t")))


def _bars(table: pd.DataFrame, dim: str, cut: list[str]) -> str:
    fig = _figure(10, 0.28 * len(table) + 1.3)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(table))
    labels = table[dim].astype(str).tolist()
    offset = np.zeros(len(table))
    for column in cut:
        values = table[column].clip(lower=0).to_numpy(float)
        left.barh(y, values, left=offset, label=column.removesuffix("_cut_t"), height=0.7)
        offset += values
    left.set_yticks(y, labels)
    left.invert_yaxis()
    left.set_xlabel("tonnes cut")
    left.legend(frameon=False, fontsize=8)
    if "output_lost_wan" in table.columns:
        right.barh(y, table["output_lost_wan"], color="#7f7f7f", height=0.7)
        right.set_xlabel("output value lost, 万元")
    else:
        right.set_axis_off()
    return _img(fig, f"Tonnes cut and output lost by {dim}")


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
        return _not_computed("transport.csv")
    by = next((c for c in ("level", "industry", "city") if c in frame.columns), None)
    table = _sums(frame, by)
    if by == "level":
        table = table.iloc[np.argsort(table["level"].map(_level_order).to_numpy(),
                                      kind="stable")]
    counts = [c for c in ("trips", "trips_blocked", "substituted", "deferred", "cancelled")
              if c in table.columns]
    if not counts:
        return _note("transport.csv has no trip counts; totals:") + _table(table)
    labels = table[by].astype(str).tolist() if by else ["all"]
    fig = _figure(10, 3.4)
    ax = fig.add_subplot()
    width = 0.8 / len(counts)
    for j, column in enumerate(counts):
        x = np.arange(len(labels)) + (j - (len(counts) - 1) / 2) * width
        ax.bar(x, table[column], width=width * 0.9, label=column)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("heavy-truck trips")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Trips and trips blocked{f' by {by}' if by else ''}", loc="left")
    return _img(fig, "Bar chart of truck trips and trips blocked") + _table(table, digits=1)


def _unusable(frame: pd.DataFrame | None, name: str, columns: tuple[str, ...]) -> str:
    """The section's text when ``name`` was not written or lacks ``columns``, else ""."""
    if frame is None:
        return _not_computed(name)
    if not set(columns) <= set(frame.columns):
        return _note(f"{name} has no {'/'.join(columns)} columns; first rows:") \
            + _table(frame.head(20))
    return ""


def _compliance(run: RunFiles) -> str:
    frame = run.table("verification.csv")
    unusable = _unusable(frame, "verification.csv", ("required_cut", "achieved_cut"))
    if unusable:
        return unusable
    required = pd.to_numeric(frame["required_cut"], errors="coerce")
    achieved = pd.to_numeric(frame["achieved_cut"], errors="coerce")
    short = achieved < required - 1e-9  # tolerance for float round-off (assumption)
    fig = _figure(6, 4.2)
    ax = fig.add_subplot()
    ax.scatter(required[~short], achieved[~short], s=12, color="#2ca02c", label="met")
    ax.scatter(required[short], achieved[short], s=12, color="#d62728", label="short")
    top = float(np.nanmax([required.max(), achieved.max(), 0.0])) or 1.0
    ax.plot([0, top], [0, top], color="black", linewidth=0.8, label="achieved = required")
    ax.set_xlabel("required cut")
    ax.set_ylabel("achieved cut")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Required vs achieved cut per row of verification.csv", loc="left")
    shortfall = (required - achieved).clip(lower=0)
    lines = _note(f"{int((~short).sum())} of {len(frame)} rows achieved the required cut; "
                  f"total shortfall {shortfall.sum():,.2f}.")
    worst = frame.assign(shortfall=shortfall)[short].sort_values("shortfall", ascending=False)
    return _img(fig, "Scatter of required against achieved cut") + lines + (
        _table(worst.head(20)) if len(worst) else "")


def _airquality(run: RunFiles) -> str:
    frame = run.table("airquality.csv")
    unusable = _unusable(frame, "airquality.csv", ("pm25_with", "pm25_without"))
    if unusable:
        return unusable
    cities = frame.groupby("city", sort=True) if "city" in frame.columns else [("", frame)]
    cities = list(cities)
    fig = _figure(10, 2.4 * len(cities) + 0.6)
    axes = np.atleast_1d(fig.subplots(len(cities), 1, sharex=True, squeeze=False).ravel())
    rows = []
    for ax, (city, part) in zip(axes, cities, strict=True):
        x = _dates(part["time"]) if "time" in part.columns else np.arange(len(part))
        ax.plot(x, part["pm25_without"], color="#7f7f7f", linewidth=1.2, label="without measures")
        ax.plot(x, part["pm25_with"], color="#1f77b4", linewidth=1.4, label="with measures")
        ax.axhline(HEAVY_PM25, color="#d62728", linestyle=":", linewidth=1,
                   label="150 µg/m³ (IAQI 200)")
        ax.set_ylabel("PM2.5, µg/m³")
        ax.set_title(str(city), loc="left")
        if "time" in part.columns:
            _date_axis(ax)
        without, with_ = part["pm25_without"].mean(), part["pm25_with"].mean()
        rows.append({"city": city, "mean_without": without, "mean_with": with_,
                     "reduction_pct": 100.0 * (1 - with_ / without) if without else np.nan,
                     "peak_without": part["pm25_without"].max(),
                     "peak_with": part["pm25_with"].max()})
    axes[0].legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _img(fig, "PM2.5 with and without measures") + _table(pd.DataFrame(rows), digits=1)


_BUILDERS = {"summary": _summary, "alerts": _alerts, "emissions": _emissions, "cuts": _cuts,
             "breakdown": _breakdown, "transport": _transport, "compliance": _compliance,
             "airquality": _airquality}

# --- page ----------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
       sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
nav a { margin-right: 0.8rem; }
section { border-top: 1px solid #ccc; margin-top: 1.5rem; }
img { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { padding: 0.15rem 0.5rem; border-bottom: 1px solid #eee; text-align: left; }
.num { text-align: right; }
.note { color: #666; font-style: italic; }
"""
# Marks every image as loaded (naturalWidth > 0) once the page has loaded, so a headless
# browser's DOM dump shows whether each plot decoded.
_SCRIPT = """
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    img.dataset.naturalWidth = String(img.naturalWidth);
    img.dataset.loaded = img.complete && img.naturalWidth > 0 ? "true" : "false";
  });
  document.body.dataset.reportReady = "true";
});
"""


def build_report(run_dir: str | Path, manifest: dict | None = None) -> str:
    """The report page of a run directory as one self-contained HTML string."""
    with _plot_style():
        run = read_run(run_dir, manifest)
        sections = [f'<section id="{key}"><h2>{html.escape(title)}</h2>{_BUILDERS[key](run)}'
                    f'</section>' for key, title in SECTIONS]
    title = html.escape(f"smogsim report — {run.manifest.get('scenario', run.directory.name)}")
    nav = "".join(f'<a href="#{key}">{html.escape(name)}</a>' for key, name in SECTIONS)
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{_STYLE}</style>\n<script>{_SCRIPT}</script>\n"
            f"</head>\n<body>\n<h1>{title}</h1>\n<nav>{nav}</nav>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Build the report of ``run_dir`` and write it to ``out`` (default
    ``run_dir/report.html``); return the path written."""
    page = build_report(run_dir)
    path = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: directory not found — cannot write the report")
    atomic_write(path, page.encode("utf-8"))
    return path


def add_report(run_dir: str | Path, manifest: dict) -> dict:
    """Write ``report.html`` into a run directory being written (before its manifest) and
    return the manifest listing it. Without matplotlib the run goes on without its report:
    a note goes to the log and into the manifest's ``report`` field."""
    try:
        page = build_report(run_dir, manifest)
    except ReportUnavailable as why:
        log.warning("note: report.html not written: %s", why)
        return {**manifest, "report": f"not written: {why}"}
    atomic_write(Path(run_dir) / REPORT_FILE, page.encode("utf-8"))
    return {**manifest, "files": [*manifest.get("files", []), REPORT_FILE]}
