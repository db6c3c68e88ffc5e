"""``smogsim run`` and ``smogsim demo``: one city's scenario, its tables on the console."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from enterprises.schema import POLLUTANTS
from enterprises.transport import COUNT_COLUMNS, TRANSPORT_POLLUTANTS
from simulator.city.county import CAPTION, SEGMENT_KEYS, _below, county_frame
from simulator.city.run import Run, run_scenario
from simulator.city.trucks import TransportRun
from simulator.cli.common import (
    JSON_HELP,
    NO_REPORT_HELP,
    USER_ERRORS,
    fail,
    output_mode,
    print_json,
    records,
    report_writer,
    say,
)
from simulator.cli.language import lang as command_lang
from simulator.cli.wrap import prose
from simulator.core.accounting import CITY_WIDE, LIST_ONLY
from simulator.io.inputs import load_scenario
from simulator.io.rundir import default_run_dir, write_tables
from simulator.lang import flag, level_name, render_reason, text
from simulator.lang.catalogue import catalogue

DEMO_SCENARIO = Path(__file__).resolve().parents[2] / "runs" / "demo.toml"


def _fmt_time(stamp: pd.Timestamp) -> str:
    return f"{stamp:%m-%d %H:%M}"


def _level(row, lang: str) -> str:
    """A level as the console shows it: "橙色 orange" in English, "橙色" in Chinese."""
    return row.level_zh if lang == "zh" else f"{row.level_zh} {row.level}"


def alerts_table(run: Run, lang: str = "en") -> Table:
    spec = run.spec
    table = Table(title=escape(text("run.alerts.title", lang, city=spec.city, year=spec.start.year,
                                    rules=spec.rules)), caption_justify="left")
    for key in ("number", "level", "response", "issued", "start", "end", "hours"):
        table.add_column(text(f"run.alerts.{key}", lang),
                         justify="right" if key in ("number", "hours") else "left")
    reasons = []
    for n, row in enumerate(run.result.alerts.itertuples(), start=1):
        table.add_row(str(n), _level(row, lang), row.response,
                      _fmt_time(row.issued_at), _fmt_time(row.start), _fmt_time(row.end),
                      f"{row.hours:.0f}")
        reasons.append(f"{n}. {render_reason(row.reason, lang)}")
    table.caption = (prose("\n".join(reasons), lang) if reasons
                     else text("run.alerts.none", lang))
    return table


LIST_ONLY_WARNING = ("no [area_sources] in {scenario}: the base is the emergency-reduction list "
                     "alone, not the city-wide base (全社会排放总量, sources.md §2), so cut % is "
                     "of the list and overstates the city's cut")


def cut_column(run: Run, lang: str = "en") -> str:
    """The episode tables' cut % header, with its base: of city-wide emissions in alert hours,
    or of the list's."""
    return text("run.episode.cut_pct" if run.cut_base == CITY_WIDE else "run.episode.cut_pct_list",
                lang)


def _met(value: object, lang: str) -> str:
    return f"[green]{flag(value, lang)}[/]" if value else f"[red]{flag(value, lang)}[/]"


def episode_tables(run: Run, lang: str = "en") -> list[Table]:
    tables = []
    episodes = run.result.episodes
    for (episode, start), rows in episodes.groupby(["episode", "start"], sort=True):
        first = rows.iloc[0]
        table = Table(title=text("run.episode.title", lang, episode=episode,
                                 level=level_name(first.level, lang), start=_fmt_time(start),
                                 end=_fmt_time(first.end), hours=f"{first.hours:.0f}"))
        names = [text(f"run.episode.{key}", lang) for key in ("pollutant", "baseline", "actual",
                                                                "cut")]
        names += [cut_column(run, lang), text("run.episode.target_pct", lang),
                  text("run.episode.met", lang)]
        for i, name in enumerate(names):
            table.add_column(name, justify="left" if i in (0, 6) else "right", overflow="fold")
        for row in rows.itertuples():
            table.add_row(row.pollutant, f"{row.baseline_t:,.2f}", f"{row.actual_t:,.2f}",
                          f"{row.cut_t:,.2f}", _pct(row.cut_pct), f"{row.target_pct:.0f}",
                          _met(row.met, lang))
        if run.transport is not None:  # truck-gate lines of docs/transport.md
            table.add_section()
            for cells in table_rows(run.transport, rows, lang):
                table.add_row(*cells)
            table.caption = table_caption(run.transport, start, lang)
            table.caption_justify = "left"
        tables.append(table)
    if not tables:
        tables.append(Table(title=text("run.episode.empty", lang)))
    return tables


def _pct(value: float) -> str:
    """A percentage with one decimal, never "-0.0"."""
    return f"{value + 0.0:.1f}" if round(value, 1) != 0 else "0.0"


def run_document(run: Run, run_dir: Path) -> dict:
    """What ``run --json`` prints: the run directory, alert windows and episode rows."""
    spec = run.spec
    return {
        "scenario": str(spec.source), "name": spec.name, "city": spec.city, "seed": spec.seed,
        "rules": spec.rules, "start": f"{spec.start:%Y-%m-%d %H:%M}",
        "end": f"{spec.end:%Y-%m-%d %H:%M}", "run_dir": str(run_dir),
        "cut_base": run.cut_base,
        "files": sorted(p.name for p in run_dir.iterdir()),
        "alerts": records(run.result.alerts), "episodes": records(run.result.episodes),
    }


def _execute(scenario: Path, out: Path | None, mode: str, report: bool = True) -> None:
    try:
        spec = load_scenario(scenario)
        lang = command_lang(spec.lang)
        run = run_scenario(spec)
        run_dir = default_run_dir(out, Path(scenario).stem)
        write_tables(run_dir, run.named_tables(lang),
                     {**run.manifest(run_dir.name), "lang": lang},  # the report's language
                     report=report_writer() if report else None)
    except USER_ERRORS as bad:
        fail(str(bad))
    if run.cut_base == LIST_ONLY:  # on stderr, so --json stays one document on stdout
        Console(stderr=True).print(
            f"[yellow]warning:[/] {escape(text('run.base.warning', lang, scenario=scenario))}",
            highlight=False, soft_wrap=True)
    if mode == "json":
        print_json(run_document(run, run_dir))
        return
    if mode == "full":
        console = Console()
        console.print(alerts_table(run, lang))
        console.print(text("run.base.city_wide" if run.cut_base == CITY_WIDE else
                           "run.base.list_only", lang), style="dim")
        for table in episode_tables(run, lang):
            console.print(table)
        for table in county_tables(run, lang):  # a planner's view: counties against the target
            console.print(table)
    say(text("run.done.run_dir", lang, path=run_dir))


# the options run and demo share
RunDirOption = Annotated[Path | None, typer.Option(
    "--out", help="Run directory (default runs/out/<id>).")]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run directory.")]
NoReportOption = Annotated[bool, typer.Option("--no-report", help=NO_REPORT_HELP)]


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        scenario: Path = typer.Argument(..., help="Scenario TOML file (one city)."),
        out: RunDirOption = None, as_json: JsonOption = False, quiet: QuietOption = False,
        no_report: NoReportOption = False,
    ) -> None:
        """Run a scenario and write its run directory.

        Example: smogsim run runs/demo.toml --out runs/out/dec-rehearsal
        """
        _execute(scenario, out, output_mode(as_json, quiet), not no_report)

    @app.command()
    def demo(
        out: RunDirOption = None, as_json: JsonOption = False, quiet: QuietOption = False,
        no_report: NoReportOption = False,
    ) -> None:
        """Run the built-in Luohe (漯河) winter-episode scenario end to end.

        Example: smogsim demo
        """
        mode = output_mode(as_json, quiet)
        if not DEMO_SCENARIO.is_file():
            fail(f"{DEMO_SCENARIO}: demo scenario not found — run smogsim from a source checkout")
        _execute(DEMO_SCENARIO, out, mode, not no_report)


def table_rows(run: TransportRun, episodes: pd.DataFrame, lang: str = "en"
               ) -> list[tuple[str, ...]]:
    """Lines for the CLI's episode table, one per truck pollutant of one segment's rows of
    ``episodes`` (with the transport columns). When trucks count towards the city-wide cut,
    the line is the pollutant with trucks added: city-wide baseline, actual, cut and cut %
    including the trucks' cut, counted once (the mobile sector's cut of the same trucks taken
    out), against the target; otherwise the trucks' own tonnes."""
    lines = []
    for row in episodes.itertuples():
        if row.pollutant not in TRANSPORT_POLLUTANTS:
            continue
        base, cut = row.transport_baseline_t, row.transport_cut_t
        if run.counted and row.baseline_t > 0:
            total = row.cut_t + cut - row.mobile_cut_on_trucks_t
            met = _met(row.met_with_transport, lang)
            lines.append((text("run.episode.with_trucks", lang, pollutant=row.pollutant),
                          f"{row.baseline_t:,.2f}", f"{row.baseline_t - total:,.2f}",
                          f"{total:,.2f}", _pct(100.0 * total / row.baseline_t),
                          f"{row.target_pct:.0f}", met))
        else:
            lines.append((text("run.episode.trucks", lang, pollutant=row.pollutant),
                          f"{base:,.2f}", f"{base - cut:,.2f}",
                          f"{cut:,.2f}", "—", "", "—"))
    return lines


def table_caption(run: TransportRun, start: pd.Timestamp, lang: str = "en") -> str:
    """One line under an episode table: the segment's trips at the gate and what counts."""
    seg = run.segment(start)
    if seg is None:
        return text("run.trucks.none", lang)
    space = "" if lang == "zh" else " "
    trips = text("word.list_separator", lang).join(
        f"{_count(seg[c])}{space}{text(f'run.trucks.{c}', lang)}" for c in COUNT_COLUMNS)
    tonne = text("unit.tonne", lang)
    cuts = text("word.list_separator", lang).join(
        f"{p} {seg[f'{p}_cut_kg'] / 1000.0:,.2f}{space}{tonne}" for p in TRANSPORT_POLLUTANTS)
    counted = text("run.trucks.counted", lang, cuts=cuts) if run.counted else \
        text("run.trucks.not_counted", lang)
    return text("run.trucks.caption", lang, rules=truck_rules_name(run.inputs.rules.id, lang),
                trips=trips, counted=counted)


def truck_rules_name(rules_id: str, lang: str) -> str:
    """A bundled truck rule set by its name in ``lang``; a bureau's own by its id."""
    return catalogue(lang).get(f"run.trucks.rules.{rules_id}", rules_id)


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def county_tables(run, lang: str = "en") -> list[Table]:
    """One console table per alert segment with a target: counties' cut % per pollutant on the
    city's scale, red below the target, output lost, and the city-wide row from the episode
    tally. ``run``: a ``simulator.runner.Run`` (its ``result.episodes`` and
    ``result.breakdown``). No segment with a target: no table."""
    result = run.result
    if result.breakdown is None or result.episodes.empty:
        return []
    frame = county_frame(result.episodes, result.breakdown)
    tables = []
    for (city, _, _, start), rows in frame.groupby(["city", *SEGMENT_KEYS], sort=True):
        first = rows.iloc[0]
        tables.append(_table(rows, result.episodes, city, start, first, lang))
    if tables:  # the note once, under the last table
        tables[-1].caption = CAPTION if lang == "en" else text("run.county.caption", lang)
        tables[-1].caption_justify = "left"
    return tables


def _table(rows: pd.DataFrame, episodes: pd.DataFrame, city: str, start: pd.Timestamp,
           first: pd.Series, lang: str = "en") -> Table:
    target = first.target_pct
    table = Table(title=text("run.county.title", lang, level=level_name(first.level, lang),
                             start=f"{start:%m-%d %H:%M}", end=f"{first.end:%m-%d %H:%M}",
                             target=f"{target:.0f}"))
    table.add_column(text("run.county.county", lang))
    for pollutant in POLLUTANTS:
        table.add_column(text("run.county.pollutant_pct", lang, pollutant=pollutant),
                         justify="right")
    table.add_column(text("run.county.lost", lang), justify="right", overflow="fold")
    table.add_column(text("run.county.short_on", lang), overflow="fold")
    wide = rows.pivot(index="county", columns="pollutant", values="cut_pct")
    lost = rows.groupby("county")["output_lost_wan"].first()
    for county in wide.index:
        cells = [_cell(wide.loc[county, p], target) for p in POLLUTANTS]
        short = [p for p in POLLUTANTS if _below(wide.loc[county, p], target)]
        table.add_row(county, *cells, f"{lost[county]:,.0f}", ", ".join(short) or "–")
    city_rows = episodes[(episodes["city"] == city) & (episodes["start"] == start)
                         & (episodes["episode"] == first.episode)].set_index("pollutant")
    table.add_section()
    city_short = [p for p in POLLUTANTS if not city_rows.loc[p, "met"]]
    table.add_row(text("run.county.city_row", lang, city=city),
                  *(_cell(city_rows.loc[p, "cut_pct"], target) for p in POLLUTANTS),
                  f"{lost.sum():,.0f}", ", ".join(city_short) or "–")
    return table


def _cell(value: float, target: float) -> str:
    if pd.isna(value):
        return "–"
    return f"[red]{value:.1f}[/]" if _below(value, target) else f"{value:.1f}"
