"""What every ``smogsim`` command shares: one-line errors, plain output, JSON, option help."""

from __future__ import annotations

import errno
import functools
import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from alerts.io import AlertInputError
from alerts.textfiles import TextFileError
from enterprises.errors import TableError
from enterprises.io import InventoryError
from enterprises.transport import TransportRulesError
from simulator.batch.runner import BatchError
from simulator.grading.checks import WhatIfError
from simulator.io.files import no_negative_zero
from simulator.io.replay import ReplayInputError
from simulator.lang import LangError, text
from simulator.report.html import ReportError, ReportUnavailable
from simulator.spec.scenario import ScenarioError
from simulator.spec.validate import InputNote

JSON_HELP = "Print one JSON document on stdout and nothing else."
QUIET_HELP = "Print only the essential line."
NO_REPORT_HELP = "Write the tables only, without report.html (and without figures)."


# A user mistake in an input or an option: one line, exit code 2.
USER_ERRORS = (ScenarioError, AlertInputError, InventoryError, TableError, TextFileError,
               TransportRulesError, ReplayInputError, WhatIfError, ReportError,
               FileExistsError)
# Paths that name nothing (or the wrong kind of thing): a user mistake too.
MISSING_PATH = (FileNotFoundError, IsADirectoryError, NotADirectoryError)
DEBUG_ENV = "SMOGSIM_DEBUG"
_debug = [False]  # set per invocation by the --debug option of the app


def set_debug(on: bool) -> None:
    """Let unexpected errors through with their traceback (``--debug`` or SMOGSIM_DEBUG=1)."""
    _debug[0] = on or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def error_line(bad: BaseException, lang: str | None = None) -> tuple[str, int]:
    """What the user sees for an exception that ended a command, and the exit code.

    User mistakes (``USER_ERRORS``, a path that does not exist, a cut-off input) give 2;
    failures of the machine (disk full, read-only folder, no permission: any other
    ``OSError``), a failed batch task and anything unexpected give 1. ``lang``: the words
    around the message (default the running command's; the console passes the page's)."""
    lang = lang or current_lang()
    if isinstance(bad, USER_ERRORS):
        return str(bad), 2
    if isinstance(bad, OSError):
        where = bad.filename if bad.filename is not None else text("err.file_system", lang)
        reason = bad.strerror or str(bad)
        if isinstance(bad, MISSING_PATH):
            return f"{where}: {reason}", 2
        hint = {errno.ENOSPC: "err.no_space", errno.EROFS: "err.read_only",
                errno.EACCES: "err.permission", errno.EPERM: "err.permission",
                }.get(bad.errno or 0)
        hint = text(hint, lang) if hint else ""
        return f"{where}: {reason}{hint}", 1
    if isinstance(bad, EOFError):
        return text("err.ended_early", lang, what=bad or text("err.cut_off", lang)), 2
    if isinstance(bad, (BatchError, ReportUnavailable)):
        return str(bad), 1
    if isinstance(bad, MemoryError):
        return text("err.memory", lang), 1
    first = (str(bad).strip().splitlines() or [""])[0]
    return text("err.internal", lang, kind=type(bad).__name__, text=first), 1


def current_lang() -> str:
    """The running command's language (``--lang``, SMOGSIM_LANG, the locale); English when
    that setting itself is wrong, so the error about it can still be said."""
    from simulator.cli.language import lang

    try:
        return lang()
    except LangError:
        return "en"


def guarded(command: Callable) -> Callable:
    """A command that ends every error in one line on stderr with its exit code
    (``error_line``) instead of a traceback, unless ``--debug`` is on. Ctrl-C and typer's
    own exits pass through."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InputNote)
            try:
                return command(*args, **kwargs)
            except (typer.Exit, typer.Abort, typer.TyperException):
                raise
            except Exception as bad:  # the one place every error is turned into a line
                if _debug[0]:
                    raise
                message, code = error_line(bad)
                fail(message, code)
            finally:
                _show_notes(caught)

    return run


def _show_notes(caught: list[warnings.WarningMessage]) -> None:
    """Input notes as ``note:`` lines on stderr; any other warning as Python shows it."""
    for item in caught:
        if isinstance(item.message, InputNote):
            head = prefixed("note", current_lang(), "yellow")
            Console(stderr=True).print(f"{head}{escape(str(item.message))}",
                                       highlight=False, soft_wrap=True)
        else:
            warnings.showwarning(item.message, item.category, item.filename, item.lineno)


def refuse_overwrite(path: Path, force: bool, inputs: tuple[Path | None, ...] = (),
                     option: str = "--out") -> None:
    """Stop before any work when ``path`` exists (without ``--force``) or is one of the
    command's ``inputs`` (even with ``--force``)."""
    path = Path(path)
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            fail(text("err.is_input", current_lang(), option=option, value=repr(str(path))))
    if path.exists() and not force:
        fail(text("err.exists", current_lang(), path=path, option=option))
    if path.is_dir():
        fail(text("err.is_folder", current_lang(), option=option, value=repr(str(path))))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def fail(message: str, code: int = 2) -> None:
    """A user mistake (exit code 2) or a failed run (``code``): one line on stderr, no
    traceback. The text is literal."""
    head = prefixed("error", current_lang(), "bold red")
    Console(stderr=True).print(f"{head}{escape(message)}", highlight=False,
                               soft_wrap=True)
    raise typer.Exit(code)


def prefixed(key: str, lang: str, style: str = "") -> str:
    """A line's prefix (``prefix.<key>``: "warning:", 警告：) in ``style`` (rich markup) with
    the space before the message; none after a full-width colon, which holds its own space.

    >>> prefixed("note", "en"), prefixed("note", "zh")
    ('note: ', '提示：')
    """
    word = text(f"prefix.{key}", lang)
    head = f"[{style}]{word}[/]" if style else word
    return head if word.endswith("：") else f"{head} "


def say(line: str) -> None:
    """One line of plain text on stdout, printed literally (no markup, no wrapping)."""
    Console().print(line, markup=False, highlight=False, soft_wrap=True)


def output_mode(as_json: bool, quiet: bool) -> str:
    """``json``, ``quiet`` or ``full``; asking for both is a user mistake."""
    if as_json and quiet:
        fail(text("err.json_and_quiet", current_lang()))
    return "json" if as_json else "quiet" if quiet else "full"


def records(frame: pd.DataFrame | None) -> list[dict]:
    """Rows of a table as JSON objects: times as "YYYY-MM-DD HH:MM", missing as null."""
    if frame is None or frame.empty:
        return []
    out = no_negative_zero(frame).copy()
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
