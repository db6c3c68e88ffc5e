"""The Chinese guides (docs/zh) say what smogsim does: every ``.venv/bin/smogsim …`` command they
show parses (``--help`` stops before any work, after the options are read), every command whose
inputs are bundled runs, and every output block printed under a command is what it prints."""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from simulator.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
ZH_DOCS = ROOT / "docs" / "zh"
COLUMNS = "100"  # the guides' console width: a Chinese character takes two columns
GAP = "…"  # a line of its own in an output block: lines left out
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# what changes from one run to the next: timings, the progress bar, the temporary folder
TIMINGS = [(re.compile(r"用时 [\d.]+ 秒"), "用时 … 秒"),
           (re.compile(r'"wall_s": [\d.]+'), '"wall_s": …')]
PROGRESS = re.compile(r"^回放 ━")


class Shown(NamedTuple):
    guide: str
    argv: list[str]
    alone: bool  # the only command of its block (no printf, python or shell around it)
    outputs: list[list[str]]  # the output blocks shown under it, up to the next sh block

    def __str__(self) -> str:
        return f"{self.guide}: smogsim {' '.join(self.argv)}"


def _commands(block: str) -> tuple[list[tuple[list[str], bool]], bool]:
    """(argv, piped) of every smogsim line of a sh block, and whether it holds nothing else."""
    found, others = [], False
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(".venv/bin/smogsim "):
            command, *pipe = line.split(" | ", 1)
            found.append((shlex.split(command)[1:], bool(pipe)))
        elif line:
            others = True
    return found, not others


def shown_commands() -> list[Shown]:
    """Every smogsim command of the Chinese guides, with the ``text`` blocks that follow it
    before the next ``sh`` block when it is the only command of its block: what it prints.
    Not for a pipe (the guide shows what the pipe prints) or a resumed replay (it prints how
    many runs the reader's interrupted one had kept)."""
    out: list[Shown] = []
    for guide in sorted(ZH_DOCS.glob("*.md")):
        owner: list[list[str]] | None = None
        for fence in FENCE.finditer(guide.read_text(encoding="utf-8")):
            kind, body = fence[1], fence[2]
            if kind == "sh":
                commands, alone = _commands(body)
                owner = None
                for argv, piped in commands:
                    out.append(Shown(guide.name, argv, alone, []))
                    if len(commands) == 1 and alone and not piped and "--resume" not in argv:
                        owner = out[-1].outputs
            elif kind == "text" and owner is not None:
                owner.append(body.splitlines())
    return out


def _inputs_bundled(argv: list[str], root: Path) -> bool:
    """No placeholder (…) and every input file named exists: the command can run as shown."""
    if GAP in argv:
        return False
    inputs = [a for prev, a in zip(["", *argv[:-1]], argv, strict=True)
              if prev != "--out" and re.search(r"/|\.(csv|xlsx|toml|gz|parquet)$", a)]
    return all((root / a).exists() for a in inputs)


def _normal(lines: list[str], folder: str) -> list[str]:
    out = []
    for line in lines:
        line = line.replace(folder, "…").rstrip()  # rich's centred titles: trailing blanks
        for pattern, fixed in TIMINGS:
            line = pattern.sub(fixed, line)
        if not PROGRESS.match(line):
            out.append(line)
    return out


def _shows(printed: list[str], shown: list[str]) -> bool:
    """The shown lines, in runs between GAP lines, appear in order in what was printed; the
    first run at the start unless the block opens with GAP, the last at the end likewise."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == GAP:
            runs.append([])
        else:
            runs[-1].append(line)
    at = 0
    for i, run in enumerate(runs):
        if not run:
            continue
        if i == 0:
            if printed[:len(run)] != run:
                return False
            at = len(run)
            continue
        starts = [k for k in range(at, len(printed) - len(run) + 1)
                  if printed[k:k + len(run)] == run]
        if i == len(runs) - 1:
            starts = [k for k in starts if k + len(run) == len(printed)]
        if not starts:
            return False
        at = starts[0] + len(run)
    return bool(runs[-1]) is False or at == len(printed)


@pytest.fixture
def guide_folder(monkeypatch):
    """A folder laid out like the repository for the guides' relative paths: runs/ holds the
    bundled scenarios and data (linked) and an empty runs/out; a short path, so that a path in
    a printed line wraps as in the guide."""
    with tempfile.TemporaryDirectory(prefix="zh") as folder:
        root = Path(folder)
        (root / "runs" / "out").mkdir(parents=True)
        for item in (ROOT / "runs").iterdir():
            if item.name != "out":
                os.symlink(item, root / "runs" / item.name)
        monkeypatch.chdir(root)
        monkeypatch.setenv("COLUMNS", COLUMNS)
        yield root


def test_the_guides_show_commands_and_what_they_print():
    shown = shown_commands()
    everyone = {"guide-reviewer.md", "guide-planner.md", "guide-analyst.md"}
    assert {s.guide for s in shown} >= everyone
    assert {s.guide for s in shown if s.outputs} >= everyone


@pytest.mark.parametrize("shown", shown_commands(), ids=str)
def test_a_shown_command_parses(shown):
    result = CliRunner().invoke(app, [*shown.argv, "--help"])
    assert result.exit_code == 0, f"{shown}: {result.output}"
    assert "--lang" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("shown", [s for s in shown_commands() if s.alone], ids=str)
def test_a_shown_command_runs_and_prints_what_the_guide_shows(shown, guide_folder):
    if not _inputs_bundled(shown.argv, guide_folder):
        pytest.skip("names a file of the reader's own or leaves options out (…): parsed only")
    assert shown.argv[shown.argv.index("--lang") + 1] == "zh"
    result = CliRunner().invoke(app, shown.argv)
    # 1: a review that finds errors; 2: bad input, shown as the one-line error it prints
    shows_error = any(line.startswith("错误：") for block in shown.outputs for line in block)
    assert result.exit_code in ((0, 1, 2) if shows_error else (0, 1)), \
        f"{shown}: {result.output}"
    folder = str(guide_folder.resolve())
    printed = _normal(result.output.splitlines(), folder)
    for block in shown.outputs:
        assert _shows(printed, _normal(block, folder)), \
            f"{shown} printed:\n" + "\n".join(printed)


def test_gaps_match_runs_of_lines_in_order():
    printed = ["a", "b", "c", "d", "e"]
    assert _shows(printed, ["a", "b", GAP, "d", "e"])
    assert _shows(printed, [GAP, "c", GAP])
    assert _shows(printed, printed)
    assert not _shows(printed, ["b", GAP])  # the block starts where the output starts
    assert not _shows(printed, [GAP, "d"])  # and ends where it ends
    assert not _shows(printed, ["a", GAP, "d", GAP, "c", GAP])  # in order
    assert not _shows(printed, ["a", "c", GAP])  # a run is contiguous
