"""``smogsim report``: rebuild a run directory's self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import fail, output_mode, print_json, refuse_overwrite, say
from simulator.report.html import REPORT_FILE, ReportError, ReportUnavailable, write_report


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``smogsim`` command line."""

    @app.command(name="report")
    def report_command(
        run_dir: Path = typer.Argument(..., help="Run directory written by smogsim run or demo."),
        out: Path | None = typer.Option(
            None, "--out", help=f"HTML file to write (default RUN_DIR/{REPORT_FILE})."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout "
                                     "(run directory, report file, size)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report file."),
        force: bool = typer.Option(False, "--force", help="Replace --out if it exists (the "
                                   "run directory's own report.html is always rebuilt)."),
    ) -> None:
        """Rebuild the self-contained HTML report of a run directory (opens offline).

        Example: smogsim report runs/out/dec-rehearsal --out dec-rehearsal.html
        """

        mode = output_mode(as_json, quiet)
        if out is not None and not _own_report(run_dir, out):
            inputs = tuple(run_dir.iterdir()) if run_dir.is_dir() else ()
            refuse_overwrite(out, force, inputs)
        try:
            path = write_report(run_dir, out)
        except (ReportError, ReportUnavailable) as bad:
            fail(str(bad))
        if mode == "json":
            print_json({"run_dir": str(run_dir), "report": str(path),
                        "bytes": Path(path).stat().st_size})
        else:
            say(str(path) if mode == "quiet" else f"report: {path}")


def _own_report(run_dir: Path, out: Path) -> bool:
    """``out`` is the run directory's report.html, which the command exists to rebuild."""
    own = Path(run_dir) / REPORT_FILE
    return out.resolve() == own.resolve()
