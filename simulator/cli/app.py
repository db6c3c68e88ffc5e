"""The ``smogsim`` command line: one typer app, each command registered by its own module."""

from __future__ import annotations

import sys

import typer

from simulator.cli import alerts, inventory, regional, replay, report, review, run

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="smogsim — simulate heavy-pollution-weather (重污染天气) alert responses."
                       "\n\nExample: smogsim run runs/demo.toml --out runs/out/dec-rehearsal")

for command in (run, replay, alerts, inventory, regional, report, review):
    command.register(app)


def main() -> None:
    app(prog_name="smogsim")


if __name__ == "__main__":
    sys.exit(main())
