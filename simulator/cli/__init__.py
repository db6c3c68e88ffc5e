"""The ``smogsim`` command line (typer + rich): each command in its own module, registered
by ``simulator.cli.app``. Prints; the layers below never do.
"""
