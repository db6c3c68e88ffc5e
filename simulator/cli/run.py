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
from simulator.core.accounting import CITY_WIDE, LIST_ONLY
from simulator.io.inputs import load_scenario
from simulator.io.rundir import default_run_dir, run_tables, write_tables

DEMO_SCENARIO = Path(__file__).resolve().parents[2] / "runs" / "demo.toml"


def _fmt_time(stamp: pd.Timestamp) -> str:
    return f"{stamp:%m-%d %H:%M}"


def alerts_table(run: Run) -> Table:
    spec = run.spec
    table = Table(title=escape(f"Alert timeline — {spec.city}, {spec.start:%Y}, "
                               f"rules {spec.rules}"), caption_justify="left")
    for name in ("#", "level", "response", "issued", "start", "end", "hours"):
        table.add_column(name, justify="right" if name in ("#", "hours") else "left")
    reasons = []
    for n, row in enumerate(run.result.alerts.itertuples(), start=1):
        table.add_row(str(n), f"{row.level_zh} {row.level}", row.response,
                      _fmt_time(row.issued_at), _fmt_time(row.start), _fmt_time(row.end),
                      f"{row.hours:.0f}")
        reasons.append(escape(f"{n}. {row.reason}"))
    table.caption = "\n".join(reasons) or "no alert in this period"
    return table


LIST_ONLY_WARNING = ("no [area_sources] in {scenario}: the base is the emergency-reduction list "
                     "alone, not the city-wide base (全社会排放总量, sources.md §2), so cut % is "
                     "of the list and overstates the city's cut")


def cut_column(run: Run) -> str:
    """The episode tables' cut % header: "cut %" of the city-wide base, or "cut % of list"."""
    return "cut %" if run.cut_base == CITY_WIDE else "cut % of list"


def episode_tables(run: Run) -> list[Table]:
    tables = []
    episodes = run.result.episodes
    for (episode, start), rows in episodes.groupby(["episode", "start"], sort=True):
        first = rows.iloc[0]
        table = Table(title=f"Episode {episode} — {first.level} {_fmt_time(start)} → "
                            f"{_fmt_time(first.end)} ({first.hours:.0f} h)")
        for name in ("pollutant", "baseline t", "actual t", "cut t", cut_column(run), "target %",
                     "met"):
            table.add_column(name, justify="left" if name in ("pollutant", "met") else "right")
        for row in rows.itertuples():
            table.add_row(row.pollutant, f"{row.baseline_t:,.2f}", f"{row.actual_t:,.2f}",
                          f"{row.cut_t:,.2f}", f"{row.cut_pct:.1f}", f"{row.target_pct:.0f}",
                          "[green]yes[/]" if row.met else "[red]no[/]")
        if run.transport is not None:  # truck-gate lines of docs/transport.md
            table.add_section()
            for cells in table_rows(run.transport, rows):
                table.add_row(*cells)
            table.caption, table.caption_justify = table_caption(run.transport, start), "left"
        tables.append(table)
    if not tables:
        tables.append(Table(title="No alert in this period: nothing to tally"))
    return tables


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
        run = run_scenario(spec)
        run_dir = default_run_dir(out, Path(scenario).stem)
        write_tables(run_dir, run_tables(run.result) | run.tables(), run.manifest(run_dir.name),
                     report=report_writer() if report else None)
    except USER_ERRORS as bad:
        fail(str(bad))
    if run.cut_base == LIST_ONLY:  # on stderr, so --json stays one document on stdout
        Console(stderr=True).print(
            f"[yellow]warning:[/] {escape(LIST_ONLY_WARNING.format(scenario=scenario))}",
            highlight=False, soft_wrap=True)
    if mode == "json":
        print_json(run_document(run, run_dir))
        return
    if mode == "full":
        console = Console()
        console.print(alerts_table(run))
        console.print("City-wide base = emergency-reduction list + area sources"
                      if run.cut_base == CITY_WIDE else
                      "Base = the emergency-reduction list only (no area sources): cut % is of "
                      "the list, not city-wide", style="dim")
        for table in episode_tables(run):
            console.print(table)
        for table in county_tables(run):  # a planner's view: counties against the city target
            console.print(table)
    say(f"run directory: {run_dir}")


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


def table_rows(run: TransportRun, episodes: pd.DataFrame) -> list[tuple[str, ...]]:
    """Lines for the CLI's episode table, one per truck pollutant of one segment's rows of
    ``episodes`` (with the transport columns). When trucks count towards the city-wide cut,
    the line is the pollutant with trucks added: city-wide baseline, actual, cut and cut %
    including the trucks' cut, against the target; otherwise the trucks' own tonnes."""
    lines = []
    for row in episodes.itertuples():
        if row.pollutant not in TRANSPORT_POLLUTANTS:
            continue
        base, cut = row.transport_baseline_t, row.transport_cut_t
        if run.counted and row.baseline_t > 0:
            total = row.cut_t + cut
            met = "[green]yes[/]" if row.met_with_transport else "[red]no[/]"
            lines.append((f"{row.pollutant} + trucks", f"{row.baseline_t:,.2f}",
                          f"{row.baseline_t - total:,.2f}", f"{total:,.2f}",
                          f"{100.0 * total / row.baseline_t:.1f}", f"{row.target_pct:.0f}", met))
        else:
            lines.append((f"trucks {row.pollutant}", f"{base:,.2f}", f"{base - cut:,.2f}",
                          f"{cut:,.2f}", "—", "", "—"))
    return lines


def table_caption(run: TransportRun, start: pd.Timestamp) -> str:
    """One line under an episode table: the segment's trips at the gate and what counts."""
    seg = run.segment(start)
    if seg is None:
        return "trucks: no enterprise with trucks"
    trips = ", ".join(f"{_count(seg[c])} {c.replace('_', ' ')}" for c in COUNT_COLUMNS)
    cuts = ", ".join(f"{p} {seg[f'{p}_cut_kg'] / 1000.0:,.2f} t" for p in TRANSPORT_POLLUTANTS)
    counted = (f"trucks cut {cuts}; '+ trucks' lines add them to the city-wide cut (mobile "
               "sources are in the base)" if run.counted else
               "trucks not in cut % (no mobile area source in the city-wide base)")
    return f"trucks ({run.inputs.rules.id}): {trips}; {counted}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def county_tables(run) -> list[Table]:
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
        tables.append(_table(rows, result.episodes, city, start, first))
    if tables:  # the note once, under the last table
        tables[-1].caption, tables[-1].caption_justify = CAPTION, "left"
    return tables


def _table(rows: pd.DataFrame, episodes: pd.DataFrame, city: str, start: pd.Timestamp,
           first: pd.Series) -> Table:
    target = first.target_pct
    table = Table(title=f"Counties, {first.level} {start:%m-%d %H:%M} → {first.end:%m-%d %H:%M}: "
                        f"cut % against the city's {target:.0f} % target (planner's view)")
    table.add_column("county")
    for pollutant in POLLUTANTS:
        table.add_column(f"{pollutant} %", justify="right")
    table.add_column("lost 万元", justify="right")
    table.add_column("short on")
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
    table.add_row(f"{city} city",
                  *(_cell(city_rows.loc[p, "cut_pct"], target) for p in POLLUTANTS),
                  f"{lost.sum():,.0f}", ", ".join(city_short) or "–")
    return table


def _cell(value: float, target: float) -> str:
    if pd.isna(value):
        return "–"
    return f"[red]{value:.1f}[/]" if _below(value, target) else f"{value:.1f}"
