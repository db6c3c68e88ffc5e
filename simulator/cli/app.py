"""The ``smogsim`` command line: one typer app, each command registered by its own module."""

from __future__ import annotations

import sys

import typer

from simulator.cli import alerts, inventory, regional, replay, report, review, run
from simulator.cli.common import guarded, set_debug

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."
                       "\n\nExample: smogsim run runs/demo.toml --out runs/out/dec-rehearsal")

for command in (run, replay, alerts, inventory, regional, report, review):
    command.register(app)
for info in app.registered_commands:  # every command ends an error in one line, no traceback
    info.callback = guarded(info.callback)


@app.callback()
def options(debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of an unexpected error (for a bug report); "
                               "also SMOGSIM_DEBUG=1.")) -> None:
    """smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."""
    set_debug(debug)


def main(argv: list[str] | None = None) -> None:
    """Run ``smogsim`` with ``argv`` (default: the process's arguments); exits the process."""
    app(args=argv, prog_name="smogsim")


if __name__ == "__main__":
    sys.exit(main())
