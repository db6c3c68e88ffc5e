"""The ``smogsim`` command line: one typer app, each command registered by its own module."""

from __future__ import annotations

import functools
import sys

import typer

# typer carries its own copy of click (pyproject pins a typer that does): usage errors are
# that copy's classes
from typer._click import exceptions as click_errors

from simulator.batch.replay import ReplayInterrupted
from simulator.cli import (
    alerts,
    exercise,
    inventory,
    regional,
    replay,
    report,
    review,
    run,
    serve,
)
from simulator.cli.common import current_lang, guarded, set_debug
from simulator.cli.language import print_version, with_lang
from simulator.lang import text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."
                       "\n\nExample: smogsim run runs/demo.toml --out runs/out/dec-rehearsal")

for command in (run, replay, alerts, inventory, regional, report, review, exercise, serve):
    command.register(app)


def interruptible(command):
    """``command`` ending a Ctrl-C it does not handle itself in one line in the command's
    language (for a replay, how many runs were kept), exit code 130."""

    @functools.wraps(command)
    def interruptible_command(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as stop:
            sys.stderr.write(interrupted_line(stop, current_lang()) + "\n")
            raise typer.Exit(130) from None

    return interruptible_command


def interrupted_line(stop: BaseException | None, lang: str) -> str:
    """What Ctrl-C leaves on stderr: "interrupted" (已中断), or for a replay stopped between
    runs "interrupted: K of N runs kept in PARTS — … --resume …"."""
    if isinstance(stop, ReplayInterrupted):
        kept = text("replay.kept_of", lang, kept=stop.kept, total=stop.total)
        return text("replay.interrupted", lang, kept=kept, parts=stop.parts)
    return text("err.interrupted", lang)


for info in app.registered_commands:  # every command ends an error in one line, no traceback
    info.callback = with_lang(guarded(interruptible(info.callback)))


@app.callback()
def options(debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of an unexpected error (for a bug report); "
                               "also SMOGSIM_DEBUG=1."),
            version: bool = typer.Option(False, "--version", is_eager=True, callback=print_version,
                                         help="Print smogsim's version and exit.")) -> None:
    """smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."""
    set_debug(debug)


def main(argv: list[str] | None = None) -> None:
    """Run ``smogsim`` with ``argv`` (default: the process's arguments); exits the process.

    A usage mistake (unknown option, a value of the wrong type, a missing argument) is one line
    naming the command and where to find its help, exit 2, as every other user mistake."""
    try:
        code = app(args=argv, prog_name="smogsim", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as asked:  # bare `smogsim`: the help, as before
        sys.stdout.write((asked.ctx.get_help() if asked.ctx else asked.format_message()) + "\n")
        sys.exit(asked.exit_code)
    except click_errors.UsageError as mistake:
        where = mistake.ctx.command_path if mistake.ctx is not None else "smogsim"
        sys.stderr.write(f"error: {where}: {mistake.format_message()} (see '{where} --help')\n")
        sys.exit(mistake.exit_code)
    except typer.Abort:  # an input ended by Ctrl-D, or an abort outside a command
        sys.stderr.write(interrupted_line(None, current_lang()) + "\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    sys.exit(main())
