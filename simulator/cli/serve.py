"""``smogsim serve``: the rehearsal console in the browser (``simulator.console``)."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import webbrowser
from pathlib import Path

import typer

from simulator.cli.common import say
from simulator.cli.language import lang as command_lang
from simulator.cli.run import DEMO_SCENARIO
from simulator.lang import text

DEFAULT_PORT = 8765  # assumption: a free port above the registered range's busy ones


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1``, ``localhost``: only this computer can reach the server."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address(host: str, port: int, token: str | None) -> str:
    """The address a browser opens (with the token when the server asks for one)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def check_port(host: str, port: int) -> None:
    """An ``OSError`` naming the address when it cannot be bound (port in use), before the
    server starts, so the planner reads one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as bad:
            raise OSError(bad.errno, bad.strerror, f"{host}:{port}") from None


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``smogsim`` command line."""

    @app.command(name="serve")
    def serve_command(
        scenario: Path | None = typer.Argument(
            None, help="Scenario TOML to open as an exercise (default the bundled demo)."),
        port: int = typer.Option(DEFAULT_PORT, "--port", min=1, max=65535,
                                 help="Port to listen on."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything "
                                 "but a loopback address asks every browser for a token."),
        token: str | None = typer.Option(None, "--token", help="The token for a non-loopback "
                                         "address (default: a random one, printed)."),
        seed: int | None = typer.Option(None, "--seed", help="Seed of every exercise "
                                        "(default the scenario's)."),
        browser: bool = typer.Option(True, "--browser/--no-browser",
                                     help="Open the console in the default browser."),
    ) -> None:
        """Open a scenario as an exercise in the browser: step the clock, decide at each
        consultation, dispatch teams, save, load and export. Chinese, with an English switch.

        Example: smogsim serve runs/demo.toml --port 8765
        """
        import uvicorn  # the console extra: pip install 'smogsim[console]'

        from simulator.console.app import LOCAL_HOSTS, create_app
        from simulator.io.inputs import load_scenario

        lang = command_lang()
        path = scenario or DEMO_SCENARIO
        load_scenario(path)  # a wrong scenario is one line now, not a page later
        local = is_loopback(host)
        if local:
            token = None
        elif not token:
            token = secrets.token_urlsafe(16)
        check_port(host, port)
        app = create_app(path, token=token, seed=seed,
                         allowed_hosts=LOCAL_HOSTS if local else None)
        url = address(host, port, token)
        say(text("console.serving", lang, scenario=path, url=url))
        if not local:
            say(text("console.token_note", lang, host=host))
        if browser:
            webbrowser.open(url)
        uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
