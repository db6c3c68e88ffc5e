"""``smogsim report``: rebuild the self-contained HTML report of a run directory
(``report.html``) or of a replay folder (``replay.html``)."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import fail, output_mode, print_json, refuse_overwrite, say
from simulator.cli.language import chosen_lang
from simulator.report.html import REPORT_FILE, ReportError, ReportUnavailable, write_report
from simulator.report.replay import REPLAY_REPORT_FILE, is_replay_dir, write_replay_report
from simulator.report.review import REVIEW_REPORT_FILE, is_review_dir, write_review_report


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``smogsim`` command line."""

    @app.command(name="report")
    def report_command(
        run_dir: Path = typer.Argument(..., help="Run directory written by smogsim run, demo "
                                       "or regional, or a folder written by smogsim replay."),
        out: Path | None = typer.Option(
            None, "--out", help=f"HTML file to write (default RUN_DIR/{REPORT_FILE})."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout "
                                     "(run directory, report file, size)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report file."),
        force: bool = typer.Option(False, "--force", help="Replace --out if it exists (the "
                                   "run directory's own report.html is always rebuilt)."),
    ) -> None:
        """Rebuild the self-contained HTML report of a run directory (report.html), a replay
        folder (replay.html) or a review folder (review.html), in --lang, else in the language
        the folder records. Opens offline.

        Example: smogsim report runs/out/dec-rehearsal --out dec-rehearsal.html
        """

        mode = output_mode(as_json, quiet)
        kind = _kind(run_dir)
        if out is not None and not _own_report(run_dir, out, kind):
            inputs = tuple(run_dir.iterdir()) if run_dir.is_dir() else ()
            refuse_overwrite(out, force, inputs)
        lang = chosen_lang()  # else the language the folder records, else English
        try:
            if kind == REPLAY_REPORT_FILE:
                path = write_replay_report(run_dir, lang, out)
            elif kind == REVIEW_REPORT_FILE:
                path = write_review_report(run_dir, lang, out)
            else:
                path = write_report(run_dir, out, lang)
        except (ReportError, ReportUnavailable) as bad:
            fail(str(bad))
        if mode == "json":
            print_json({"run_dir": str(run_dir), "report": str(path),
                        "bytes": Path(path).stat().st_size})
        else:
            say(str(path) if mode == "quiet" else f"report: {path}")


def _kind(directory: Path) -> str:
    """The report a folder holds the data of: a run's (alerts.csv), a replay's (runs.csv) or a
    review's (review.json); a run's when none, whose reader names what is missing."""
    if (directory / "alerts.csv").is_file():
        return REPORT_FILE
    if is_replay_dir(directory):
        return REPLAY_REPORT_FILE
    return REVIEW_REPORT_FILE if is_review_dir(directory) else REPORT_FILE


def _own_report(run_dir: Path, out: Path, kind: str = REPORT_FILE) -> bool:
    """``out`` is the directory's own report, which the command exists to rebuild."""
    own = Path(run_dir) / kind
    return out.resolve() == own.resolve()
