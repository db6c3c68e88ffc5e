"""The ``smogsim`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.io import AlertInputError
from enterprises.io import InventoryError
from simulator.cli_alerts import register as register_alerts
from simulator.cli_inventory import register as register_inventory
from simulator.cli_regional import register as register_regional
from simulator.cli_replay import register as register_replay
from simulator.cli_report import register as register_report
from simulator.cli_review import register as register_review
from simulator.county import county_tables
from simulator.io import default_run_dir, load_scenario, write_run
from simulator.runner import Run, run_scenario
from simulator.scenario import ScenarioError
from simulator.transport_run import table_caption, table_rows

USER_ERRORS = (ScenarioError, AlertInputError, InventoryError, FileExistsError)
DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "runs" / "demo.toml"

JSON_HELP = "Print one JSON document on stdout and nothing else."
QUIET_HELP = "Print only the essential line."

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."
                       "\n\nExample: smogsim run runs/demo.toml --out runs/out/dec-rehearsal")


def fail(message: str, code: int = 2) -> None:
    """A user mistake (exit code 2) or a failed run (``code``): one line on stderr, no
    traceback. The text is literal."""
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                               soft_wrap=True)
    raise typer.Exit(code)


def say(text: str) -> None:
    """One line of plain text on stdout, printed literally (no markup, no wrapping)."""
    Console().print(text, markup=False, highlight=False, soft_wrap=True)


def output_mode(as_json: bool, quiet: bool) -> str:
    """``json``, ``quiet`` or ``full``; asking for both is a user mistake."""
    if as_json and quiet:
        fail("options --json and --quiet: both given — expected one of them")
    return "json" if as_json else "quiet" if quiet else "full"


def records(frame: pd.DataFrame | None) -> list[dict]:
    """Rows of a table as JSON objects: times as "YYYY-MM-DD HH:MM", missing as null."""
    if frame is None or frame.empty:
        return []
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    return json.loads(out.to_json(orient="records", double_precision=6, force_ascii=False))


def print_json(document: dict) -> None:
    """The whole stdout of a --json command: one document, UTF-8, Chinese kept readable."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


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


def episode_tables(run: Run) -> list[Table]:
    tables = []
    episodes = run.result.episodes
    for (episode, start), rows in episodes.groupby(["episode", "start"], sort=True):
        first = rows.iloc[0]
        table = Table(title=f"Episode {episode} — {first.level} {_fmt_time(start)} → "
                            f"{_fmt_time(first.end)} ({first.hours:.0f} h)")
        for name in ("pollutant", "baseline t", "actual t", "cut t", "cut %", "target %", "met"):
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
        "files": sorted(p.name for p in run_dir.iterdir()),
        "alerts": records(run.result.alerts), "episodes": records(run.result.episodes),
    }


def _execute(scenario: Path, out: Path | None, mode: str) -> None:
    try:
        spec = load_scenario(scenario)
        run = run_scenario(spec)
        run_dir = default_run_dir(out, Path(scenario).stem)
        write_run(run.result, run_dir, run.manifest(run_dir.name), tables=run.tables())
    except USER_ERRORS as bad:
        fail(str(bad))
    if mode == "json":
        print_json(run_document(run, run_dir))
        return
    if mode == "full":
        console = Console()
        console.print(alerts_table(run))
        console.print("City-wide base = emergency-reduction list + area sources", style="dim")
        for table in episode_tables(run):
            console.print(table)
        for table in county_tables(run):  # a planner's view: counties against the city target
            console.print(table)
    say(f"run directory: {run_dir}")


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario TOML file (one city)."),
    out: Path | None = typer.Option(None, "--out", help="Run directory (default runs/out/<id>)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the run directory."),
) -> None:
    """Run a scenario and write its run directory.

    Example: smogsim run runs/demo.toml --out runs/out/dec-rehearsal
    """
    _execute(scenario, out, output_mode(as_json, quiet))


@app.command()
def demo(
    out: Path | None = typer.Option(None, "--out", help="Run directory (default runs/out/<id>)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the run directory."),
) -> None:
    """Run the built-in Luohe (漯河) winter-episode scenario end to end.

    Example: smogsim demo
    """
    mode = output_mode(as_json, quiet)
    if not DEMO_SCENARIO.is_file():
        fail(f"{DEMO_SCENARIO}: demo scenario not found — run smogsim from a source checkout")
    _execute(DEMO_SCENARIO, out, mode)


register_replay(app)
register_alerts(app)
register_inventory(app)
register_regional(app)
register_report(app)
register_review(app)


def main() -> None:
    app(prog_name="smogsim")


if __name__ == "__main__":
    sys.exit(main())
