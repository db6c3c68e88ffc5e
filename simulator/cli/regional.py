"""``smogsim regional``: several cities through one period, and what the cuts did to PM2.5."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from alerts.io import AlertInputError
from enterprises.io import InventoryError
from simulator.cli.common import NO_REPORT_HELP, fail, print_json, report_writer
from simulator.cli.language import lang as command_lang
from simulator.core.airquality import POLLUTANTS
from simulator.core.rng import smogsim_version
from simulator.io.inputs import input_encodings
from simulator.io.regional import load_regional_inputs, load_regional_scenario
from simulator.io.rundir import default_run_dir, write_tables
from simulator.lang import flag, text
from simulator.lang.tables import add_names, enterprise_names
from simulator.regional.model import (
    ANNUAL_MIN_DAYS,
    RegionalRun,
    compare_responses,
    regional_tables,
    run_regional,
)
from simulator.report.plots import plot_airquality
from simulator.spec.scenario import ScenarioError

USER_ERRORS = (ScenarioError, AlertInputError, InventoryError, FileExistsError)
EPISODE_KEYS = ["city", "episode", "level", "start", "end", "hours", "pollutant", "baseline_t",
                "cut_t", "cut_pct", "target_pct", "met"]


def _num(value: float, digits: int = 1) -> str:
    return "–" if pd.isna(value) else f"{value:,.{digits}f}"


def _t(key: str, lang: str, **fields: object) -> str:
    return text(f"regional.{key}", lang, **fields)


def alerts_table(run: RegionalRun, lang: str = "en") -> Table:
    cities = text("word.list_separator", lang).join(run.spec.cities)
    response = _t(f"response_{run.response}", lang) if lang == "zh" else run.response
    if lang == "zh" and len(run.spec.cities) == 1:  # linkage needs a second city
        response = _t("response_single", lang)
    table = Table(title=_t("alerts_title", lang, cities=cities, response=response))
    for name in ("city", "level", "issued", "start", "end", "hours"):
        table.add_column(_t(name, lang), justify="right" if name == "hours" else "left")
    alerts = run.combined().alerts
    for row in alerts.sort_values(["city", "start"], kind="stable").itertuples():
        level = row.level_zh if lang == "zh" else f"{row.level_zh} {row.level}"
        table.add_row(row.city, level, f"{row.issued_at:%m-%d %H:%M}",
                      f"{row.start:%m-%d %H:%M}", f"{row.end:%m-%d %H:%M}", f"{row.hours:.0f}")
    return table


def heavy_table(run: RegionalRun, lang: str = "en") -> Table:
    mode = run.spec.mode
    table = Table(title=_t("heavy_title", lang, world=_t(f"world_{mode}", lang),
                           mode=_t(f"mode_{mode}", lang) if lang == "zh" else mode),
                  caption=_t("heavy_caption", lang), caption_justify="left")
    for name in ("city", "alert_h", "pm25_mean", "reduction_alert", "heavy_hours",
                 "heavy_days"):
        table.add_column(_t(name, lang), justify="left" if name == "city" else "right")
    for row in run.heavy_frame().itertuples():
        table.add_row(row.city, str(row.alert_hours),
                      f"{_num(row.pm25_mean_without)} → {_num(row.pm25_mean_with)}",
                      _num(row.reduction_alert_pct),
                      f"{row.heavy_hours_without} → {row.heavy_hours_with} "
                      f"(−{row.heavy_hours_avoided})",
                      f"{row.heavy_days_without} → {row.heavy_days_with} "
                      f"(−{row.heavy_days_avoided})")
    return table


def _model_source(run: RegionalRun, lang: str) -> str:
    """Where the source-receptor model comes from; the bundled defaults in ``lang``."""
    source = run.model.notes.get("source", "")
    return _t("model_defaults", lang) if source == _t("model_defaults", "en") else source


def contributions_table(run: RegionalRun, lang: str = "en") -> Table:
    table = Table(title=_t("contrib_title", lang),
                  caption=_t("model", lang, source=_model_source(run, lang)),
                  caption_justify="left")
    table.add_column(_t("receptor", lang))
    for city in run.spec.cities:
        table.add_column(city, justify="right")
    frame = run.contributions_frame()
    for receptor in run.spec.cities:
        rows = frame[frame.receptor == receptor].set_index("source")
        table.add_row(receptor, *(f"{_num(rows.loc[s, 'alert_mean_ug'], 2)} "
                                  f"({_num(rows.loc[s, 'share_pct'], 0)} %)"
                                  for s in run.spec.cities))
    return table


def feedback_table(run: RegionalRun, lang: str = "en") -> Table:
    frame = run.feedback
    first, last = frame.iteration.min(), frame.iteration.max()
    state = _t("fixed_point", lang) if run.converged else \
        _t("cap", lang, iterations=run.spec.feedback_iterations)
    table = Table(title=_t("feedback_title", lang, state=state))
    for name in ("city", "alert_before", "alert_after", "heavy_before", "heavy_after"):
        table.add_column(_t(name, lang), justify="left" if name == "city" else "right")
    for city in run.spec.cities:
        a = frame[(frame.city == city) & (frame.iteration == first)].iloc[0]
        b = frame[(frame.city == city) & (frame.iteration == last)].iloc[0]
        table.add_row(city, str(a.alert_hours), str(b.alert_hours), str(a.heavy_hours_with),
                      str(b.heavy_hours_with))
    return table


def annual_table(run: RegionalRun, lang: str = "en") -> Table:
    table = Table(title=_t("annual_title", lang), caption=_t("annual_caption", lang),
                  caption_justify="left")
    for name in ("city", "valid_d", "heavy_d_without", "heavy_d_with", "without_pct",
                 "with_pct", "target_pct", "met"):
        table.add_column(_t(name, lang), justify="left" if name in ("city", "met") else "right")
    for row in run.annual_frame().itertuples():
        met = "–" if row.met_with is None else (
            f"[green]{flag(True, lang)}[/]" if row.met_with else f"[red]{flag(False, lang)}[/]")
        table.add_row(row.city, str(row.valid_days), str(row.heavy_days_without),
                      str(row.heavy_days_with), _num(row.ratio_without_pct, 2),
                      _num(row.ratio_with_pct, 2), _num(row.target_pct, 1), met)
    return table


def compliance_table(frame: pd.DataFrame, lang: str = "en") -> Table:
    table = Table(title=_t("compliance_title", lang), caption=_t("compliance_caption", lang),
                  caption_justify="left")
    for name in ("city", "evading", "flagged", "visits", "findings"):
        table.add_column(_t(name, lang), justify="left" if name == "city" else "right")
    table.add_column(_t("achieved", lang, pollutants="/".join(POLLUTANTS)), justify="right")
    for row in frame.itertuples(index=False):
        achieved = "/".join(_num(getattr(row, f"{p}_achieved_pct")) for p in POLLUTANTS)
        table.add_row(row.city, _t("of", lang, part=row.noncompliant, whole=row.enterprises),
                      str(row.flagged),
                      str(row.inspections), str(row.findings), achieved)
    return table


def truck_table(frame: pd.DataFrame, lang: str = "en") -> Table:
    counted = [row.city for row in frame.itertuples() if row.in_pm25]
    note = (_t("trucks_in", lang, cities=text("word.list_separator", lang).join(counted))
            if counted else _t("trucks_out", lang))
    table = Table(title=_t("trucks_title", lang), caption=_t("trucks_caption", lang, note=note),
                  caption_justify="left")
    for name in ("city", "trips", "blocked", "substituted", "deferred", "cancelled"):
        table.add_column(_t(name, lang), justify="left" if name == "city" else "right")
    for pollutant in ("NOx", "PM"):
        table.add_column(_t("tonnes", lang, pollutant=pollutant), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(row.city, *(f"{v:,.0f}" for v in (row.trips, row.trips_blocked,
                                                         row.substituted, row.deferred,
                                                         row.cancelled)),
                      _num(row.NOx_cut_t, 2), _num(row.PM_cut_t, 2))
    return table


def comparison_table(frame: pd.DataFrame, lang: str = "en") -> Table:
    table = Table(title=_t("compare_title", lang), caption=_t("compare_caption", lang),
                  caption_justify="left")
    for name in ("city", "response", "alert_h", "reduction_alert", "avoided_h", "avoided_d"):
        table.add_column(_t(name, lang), justify="left" if name in ("city", "response")
                         else "right")
    for row in frame.itertuples():
        response = _t(f"response_{row.response}", lang) if lang == "zh" else row.response
        table.add_row(row.city, response, str(row.alert_hours),
                      _num(row.reduction_alert_pct), str(row.heavy_hours_avoided),
                      str(row.heavy_days_avoided))
    return table


def transport_manifest(run: RegionalRun) -> dict:
    """Per city with the truck gate, ``smogsim run``'s transport entry; fleet-ledger ids are
    counted as unmatched only when they are in no scenario city's list."""
    out = {}
    unmatched = set.intersection(*(set(t.unmatched) for t in run.transport.values()))
    for city, tally in run.transport.items():
        out[city] = {**tally.manifest(), "fleet_ids_not_in_inventory": len(unmatched)}
    return out


def encodings(run: RegionalRun) -> dict[str, str]:
    """The encoding each input was read in; a name shared by the cities appears once."""
    out: dict[str, str] = {}
    for city, city_spec in zip(run.spec.cities, run.spec.specs, strict=True):
        for name, encoding in input_encodings(city_spec).items():
            if out.setdefault(name, encoding) != encoding:
                out[f"{name}:{city}"] = encoding
    return out


def manifest(run: RegionalRun, run_id: str) -> dict:
    spec = run.spec
    extra = {}
    on = [c for c, s in zip(spec.cities, spec.specs, strict=True) if s.compliance.enabled]
    if on:
        extra["compliance"] = on
    if run.transport:
        extra["transport"] = transport_manifest(run)
    return {
        "smogsim_version": smogsim_version(), "run_id": run_id, "scenario": spec.name,
        "cities": list(spec.cities), "seed": spec.seed, "rules": spec.first.rules,
        "mode": spec.mode, "response": run.response, "feedback": spec.feedback,
        "period": [spec.start.isoformat(), spec.end.isoformat()],
        "airquality_model": run.model.notes.get("source", ""),
        "inputs": run.hashes, "input_encodings": encodings(run),
        "timings_s": {k: round(v, 4) for k, v in run.timings.items()},
        **extra,
    }


def _records(frame: pd.DataFrame | None, columns: list[str] | None = None) -> list[dict]:
    """Rows as JSON-ready dicts: times as local ISO minutes, NaN as null, floats to 6 places."""
    if frame is None:
        return []
    frame = frame[columns] if columns else frame
    rows = []
    for row in frame.to_dict("records"):
        rows.append({key: _plain(value) for key, value in row.items()})
    return rows


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M")
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return round(float(value), 6)
    return value


def summary(run: RegionalRun, run_dir: Path, comparison: pd.DataFrame | None = None) -> dict:
    """What ``--json`` prints: the run's key tables as lists of records (docs/airquality.md)."""
    spec, combined = run.spec, run.combined()
    compliance, trucks = run.compliance_frame(), run.truck_frame()
    out = {
        "scenario": spec.name, "cities": list(spec.cities), "response": run.response,
        "mode": spec.mode, "rules": spec.first.rules, "seed": spec.seed,
        "period": [spec.start.strftime("%Y-%m-%dT%H:%M"), spec.end.strftime("%Y-%m-%dT%H:%M")],
        "run_directory": str(run_dir),
        "alerts": _records(combined.alerts),
        "episodes": _records(combined.episodes, EPISODE_KEYS),
        "heavy_pollution": _records(run.heavy_frame()),
        "contributions": _records(run.contributions_frame()),
    }
    if compliance is not None:
        out["compliance"] = _records(compliance)
    if trucks is not None:
        out["transport"] = _records(trucks)
    if run.feedback is not None:
        out["feedback"] = _records(run.feedback)
    if run.days >= ANNUAL_MIN_DAYS:
        out["annual"] = _records(run.annual_frame())
    if comparison is not None:
        out["comparison"] = _records(comparison)
    return out


def register(app: typer.Typer) -> None:
    """Add ``regional`` to the ``smogsim`` command line."""

    @app.command(name="regional")
    def regional_command(
        scenario: Path = typer.Argument(..., help="Scenario TOML naming one or more cities."),
        out: Path | None = typer.Option(None, "--out", help="Run directory "
                                                            "(default runs/out/<id>)."),
        compare: bool = typer.Option(False, "--compare", help="Also run the other response "
                                     "(regional / alone) and print the comparison."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the run directory."),
        as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary "
                                     "(JSON) on stdout instead of the tables."),
        no_report: bool = typer.Option(False, "--no-report", help=NO_REPORT_HELP),
    ) -> None:
        """Run several cities together and write PM2.5 with and without measures.

        Example: smogsim regional runs/regional-luohe-xuchang.toml --compare
        """
        console = Console()  # per call: the terminal's width now

        lang = command_lang()
        try:
            spec = load_regional_scenario(scenario)
            lang = command_lang(spec.first.lang)
            inputs = load_regional_inputs(spec)
            run = run_regional(spec, inputs)
            comparison = None
            if compare:
                other = run_regional(spec, inputs,
                                     "alone" if run.response == "regional" else "regional")
                pair = (run, other) if run.response == "regional" else (other, run)
                comparison = compare_responses(*pair)
            run_dir = default_run_dir(out, Path(scenario).stem)
            airquality = run.airquality_frame()
            images = {} if no_report else {
                "airquality.png": lambda path: plot_airquality(airquality, path)}
            tables = regional_tables(run, comparison, airquality)
            names = enterprise_names(*tables.values())
            tables = {n: add_names(frame, lang, names) for n, frame in tables.items()}
            write_tables(run_dir, tables,
                         {**manifest(run, run_dir.name), "lang": command_lang()}, images,
                         report=None if no_report else report_writer())
        except USER_ERRORS as bad:
            fail(str(bad))  # literal: a file name or value may hold "[…]"
        if as_json:
            print_json(summary(run, run_dir, comparison))
            return
        if not quiet:
            console.print(alerts_table(run, lang))
            console.print(heavy_table(run, lang))
            if len(spec.cities) > 1:
                console.print(contributions_table(run, lang))
            compliance, trucks = run.compliance_frame(), run.truck_frame()
            if compliance is not None:
                console.print(compliance_table(compliance, lang))
            if trucks is not None:
                console.print(truck_table(trucks, lang))
            if run.feedback is not None:
                console.print(feedback_table(run, lang))
            if run.days >= ANNUAL_MIN_DAYS:
                console.print(annual_table(run, lang))
            if comparison is not None:
                console.print(comparison_table(comparison, lang))
        console.print(text("run.done.run_dir", lang, path=run_dir), highlight=False,
                      soft_wrap=True)
