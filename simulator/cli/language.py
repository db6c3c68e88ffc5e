"""``--lang`` on every command and ``--version`` on the app."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import typer

from simulator.core.rng import smogsim_version
from simulator.lang import LANGS, resolve_lang, text

_chosen: list[str | None] = [None]  # the --lang of the command being run


def with_lang(command: Callable) -> Callable:
    """``command`` with a ``--lang zh|en`` option; the command reads it with ``lang()``."""
    signature = inspect.signature(command, eval_str=True)

    @functools.wraps(command)
    def run(*args, lang: str | None = None, **kwargs):
        if lang is not None and lang not in LANGS:
            raise typer.BadParameter(f"{lang!r} — expected one of {', '.join(LANGS)}",
                                     param_hint="'--lang'")
        _chosen[0] = lang
        try:
            return command(*args, **kwargs)
        finally:
            _chosen[0] = None

    option = inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                               default=typer.Option(None, "--lang", metavar="zh|en",
                                                    help=text("cli.lang_help", "en")))
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), option])
    run.__annotations__ = {**getattr(command, "__annotations__", {}), "lang": str | None}
    return run


def lang(scenario: str | None = None) -> str:
    """The running command's language: ``--lang``, else ``scenario`` (its ``[scenario] lang``),
    else SMOGSIM_LANG, else the locale, else en (``simulator.lang.resolve_lang``)."""
    return resolve_lang(_chosen[0], scenario)


def chosen_lang() -> str | None:
    """The running command's ``--lang`` as given, ``None`` without it (``smogsim report`` then
    keeps the language the folder records)."""
    return _chosen[0]


def print_version(asked: bool) -> None:
    """``smogsim --version``: the installed version, then exit."""
    if asked:
        typer.echo(f"smogsim {smogsim_version()}")
        raise typer.Exit()
