"""Every smogsim command shown in the Chinese guides (docs/zh) parses: its command and options
exist (``--help`` stops before any work, after the options are read)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli.app import app

ZH_DOCS = Path(__file__).resolve().parents[1] / "docs" / "zh"


def shown_commands() -> list[tuple[str, list[str]]]:
    """(guide, argv) of every ``.venv/bin/smogsim …`` line in a sh block, continuations joined."""
    out = []
    for guide in sorted(ZH_DOCS.glob("*.md")):
        for block in re.findall(r"```sh\n(.*?)```", guide.read_text(encoding="utf-8"), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("#", 1)[0].strip()
                if line.startswith(".venv/bin/smogsim "):
                    out.append((guide.name, shlex.split(line)[1:]))
    return out


def test_the_guides_show_commands():
    assert {guide for guide, _ in shown_commands()} >= {"guide-reviewer.md"}


@pytest.mark.parametrize(("guide", "argv"), shown_commands(),
                         ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_a_shown_command_parses(guide, argv):
    result = CliRunner().invoke(app, [*argv, "--help"])
    assert result.exit_code == 0, f"{guide}: {argv}: {result.output}"
    assert "--lang" in result.output
