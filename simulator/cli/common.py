"""What every ``smogsim`` command shares: one-line errors, plain output, JSON, option help."""

from __future__ import annotations

import json
import sys

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from alerts.io import AlertInputError
from enterprises.io import InventoryError
from simulator.spec.scenario import ScenarioError

JSON_HELP = "Print one JSON document on stdout and nothing else."
QUIET_HELP = "Print only the essential line."
NO_REPORT_HELP = "Write the tables only, without report.html (and without figures)."


USER_ERRORS = (ScenarioError, AlertInputError, InventoryError, FileExistsError)


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


def report_writer():
    """``add_report`` of ``simulator.report``, imported only when a report is asked for
    (it brings matplotlib)."""
    from simulator.report.html import add_report

    return add_report
