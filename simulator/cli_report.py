"""``smogsim report``: rebuild a run directory's self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from simulator.report import REPORT_FILE, ReportError, ReportUnavailable, write_report


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``smogsim`` command line."""

    @app.command(name="report")
    def report_command(
        run_dir: Path = typer.Argument(..., help="Run directory written by smogsim run or demo."),
        out: Path | None = typer.Option(
            None, "--out", help=f"HTML file to write (default RUN_DIR/{REPORT_FILE})."),
    ) -> None:
        """Rebuild the self-contained HTML report of a run directory (opens offline).

        Example: smogsim report runs/out/dec-rehearsal --out dec-rehearsal.html
        """
        try:
            path = write_report(run_dir, out)
        except (ReportError, ReportUnavailable) as bad:
            Console(stderr=True).print(f"[bold red]error:[/] {escape(str(bad))}",
                                       highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        Console().print(f"report: {escape(str(path))}", highlight=False, soft_wrap=True)
