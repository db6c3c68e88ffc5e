"""``smogsim alerts``: print the alert timeline for observations, a forecast model and rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.forecast import parse_model
from alerts.io import AlertInputError, is_forecast_table, load_alert_inputs
from alerts.levels import Level
from alerts.textfiles import spreadsheet_safe
from alerts.timeline import timeline_frame
from simulator.cli.common import (
    USER_ERRORS,
    fail,
    output_mode,
    prefixed,
    print_json,
    records,
    say,
)
from simulator.cli.language import lang as command_lang
from simulator.cli.reading import ReadingBar
from simulator.cli.wrap import prose
from simulator.core.rng import make_rng
from simulator.lang import level_name, render_reason, text

FORMATS = ("table", "csv")


def _timeline(files: list[Path], city: str | None, rules: str, forecast: str,
              region: Path | None, seed: int, quiet: bool = False
              ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read the inputs and build the timeline table and the gap report (no printing)."""

    table = Path(forecast) if is_forecast_table(forecast) else None
    if table is None:
        try:
            parse_model(forecast)
        except ValueError as bad:
            raise typer.BadParameter(str(bad), param_hint="--forecast") from None
    with ReadingBar(quiet) as bar:
        inputs = load_alert_inputs(files, rules, city=city, forecast_table=table, region=region,
                                   progress=bar)
    windows = inputs.windows(forecast, make_rng(seed, "alerts/forecast"))
    return timeline_frame(windows, inputs.rules), inputs.gaps


def stamp_format(frame: pd.DataFrame) -> str:
    """``%m-%d %H:%M``, with the year when the timeline spans more than one calendar year."""
    if frame.empty:
        return "%m-%d %H:%M"
    years = {t.year for c in ("issued_at", "start") for t in frame[c]} | {
        (t - pd.Timedelta(minutes=1)).year for t in frame["end"]}
    return "%Y-%m-%d %H:%M" if len(years) > 1 else "%m-%d %H:%M"


def _print_table(frame: pd.DataFrame, console: Console, lang: str = "en") -> None:
    table = Table(title=text("alerts.title", lang), caption_justify="left")
    for key in ("number", "city", "level", "response", "issued", "start", "end", "hours",
                "primary", "trigger"):
        table.add_column(text(f"alerts.{key}", lang),
                         justify="right" if key in ("number", "hours") else "left")
    reasons, fmt = [], stamp_format(frame)
    for n, row in enumerate(frame.itertuples(), start=1):
        level = row.level_zh if lang == "zh" else f"{row.level_zh} {row.level}"
        table.add_row(str(n), escape(row.city), level, row.response,
                      f"{row.issued_at:{fmt}}", f"{row.start:{fmt}}",
                      f"{row.end:{fmt}}", f"{row.hours:.0f}", row.primary_pollutant,
                      escape(_trigger(row.trigger, lang)))
        reasons.append(f"{n}. {render_reason(row.reason, lang)}")
    table.caption = (prose("\n".join(reasons), lang) if reasons
                     else text("run.alerts.none", lang))
    console.print(table)


def _print_gaps(gaps: pd.DataFrame | None, lang: str = "en") -> None:
    if gaps is None or gaps.empty:
        return
    err = Console(stderr=True)
    for (city, quantity), rows in gaps.groupby(["city", "quantity"], sort=True):
        longest = rows.loc[rows["missing"].idxmax()]
        unit = longest["unit"]
        unit = {"hours": "小时", "days": "日"}.get(unit, unit) if lang == "zh" else unit
        line = text("alerts.gap", lang, city=city, quantity=quantity,
                    missing=int(rows["missing"].sum()), unit=unit, gaps=len(rows),
                    longest=int(longest["missing"]), start=f"{longest['start']:%Y-%m-%d %H:%M}")
        err.print(f"{prefixed('note', lang)}{line}", markup=False, highlight=False,
                  soft_wrap=True)


def _trigger(trigger: str, lang: str) -> str:
    """预报/区域/调度 (zh); in English the id as the CSV writes it."""
    known = ("forecast", "regional", "dispatch", "observed")
    return text(f"trigger.{trigger}", lang) if lang == "zh" and trigger in known else trigger


def summary_line(frame: pd.DataFrame, lang: str = "en") -> str:
    """The essential line of a timeline: how many windows, and the highest one."""
    if frame.empty:
        return text("run.alerts.none", lang)
    top = frame.loc[frame["level"].map(Level.parse).idxmax()]
    cities = frame["city"].unique()
    where = cities[0] if len(cities) == 1 else text("alerts.cities", lang, count=len(cities))
    fmt = stamp_format(frame)
    return text("alerts.summary", lang, count=len(frame), where=where,
                level=level_name(top["level"], lang), city=top["city"],
                start=f"{top['start']:{fmt}}", end=f"{top['end']:{fmt}}",
                hours=f"{top['hours']:.0f}")


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` command to ``app``."""

    @app.command("alerts")
    def alerts(
        files: list[Path] | None = typer.Argument(None, help="More observation files."),
        observations: list[Path] | None = typer.Option(
            None, "--observations", help="Observation file(s): long table, UCI station files "
            "or national hourly city files."),
        city: str | None = typer.Option(None, "--city",
                                        help="City of station files without a city column."),
        rules: str = typer.Option("mee-2024", "--rules",
                                  help="Rule set: mee-2017, mee-2019, mee-2024, beijing-2023 "
                                       "or a TOML file."),
        forecast: str = typer.Option("perfect", "--forecast",
                                     help="perfect, persistence, noisy[:bias=B,sd=S], "
                                          "late:<hours>, or a forecast table (issued_at, city, "
                                          "time, daily_aqi)."),
        region: Path | None = typer.Option(None, "--region", help="Region file (TOML)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the noisy forecast model."),
        fmt: str = typer.Option("table", "--format", help="table or csv."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout "
                                     "(windows and data gaps) and nothing else."),
        quiet: bool = typer.Option(False, "--quiet", "-q",
                                   help="Print only the number of windows and the highest."),
    ) -> None:
        """Print the alert timeline: city, level, issued_at, start, end, trigger, reason.

        Example: smogsim alerts --observations obs.csv --city 北京 --format csv
        """

        lang = command_lang()
        mode = output_mode(as_json, quiet)
        if fmt not in FORMATS:
            fail(text("err.format_alerts", lang, value=repr(fmt)))
        if fmt == "csv" and mode != "full":
            fail(text("err.csv_and_mode", lang, mode=mode))
        paths = [*(observations or []), *(files or [])]
        try:
            frame, gaps = _timeline(paths, city, rules, forecast, region, seed, mode == "quiet")
        except (*USER_ERRORS, AlertInputError) as bad:
            fail(str(bad))
        except typer.BadParameter as bad:
            fail(f"--forecast: {bad}")
        if mode == "json":
            print_json({"alerts": records(frame), "gaps": records(gaps)})
            return
        if mode == "quiet":
            say(summary_line(frame, lang))
            return
        _print_gaps(gaps, lang)
        if fmt == "csv":
            out = spreadsheet_safe(frame)  # the CSV may go into a spreadsheet
            for column in ("issued_at", "start", "end"):
                out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
            sys.stdout.write(out.to_csv(index=False, lineterminator="\n"))
        else:
            _print_table(frame, Console(), lang)
