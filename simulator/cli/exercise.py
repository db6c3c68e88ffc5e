"""``smogsim exercise``: replay a saved exercise (or play the automatic one) and write its run
directory with ``decisions.csv`` and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import USER_ERRORS, fail, report_writer, say
from simulator.cli.language import lang as command_lang
from simulator.exercise import ExerciseError
from simulator.exercise.io import export_run, load_exercise, open_exercise, save_exercise
from simulator.io.rundir import default_run_dir
from simulator.lang import text


def _check_out(path: Path | None, what: str) -> None:
    if path is not None and path.exists():
        fail(text("exercise.error.exists", command_lang(), what=what, path=path))


def register(app: typer.Typer) -> None:
    @app.command()
    def exercise(
        file: Path = typer.Argument(..., help="Exercise file (.json), or with --automatic a "
                                              "scenario TOML file."),
        out: Annotated[Path | None, typer.Option(
            "--out", help="Run directory (default runs/out/<file>-<time>).")] = None,
        automatic: Annotated[bool, typer.Option(
            "--automatic", help="FILE is a scenario: play it with every proposal accepted "
                                "(the automatic lifecycle).")] = False,
        save: Annotated[Path | None, typer.Option(
            "--save", help="Also write the exercise file here.")] = None,
        who: Annotated[str, typer.Option("--who", help="Name recorded with --automatic.")
                       ] = "",
        no_report: Annotated[bool, typer.Option(
            "--no-report", help="Write the tables only, without report.html.")] = False,
    ) -> None:
        """Replay a saved exercise and write its run directory (tables as smogsim run,
        decisions.csv, report.html).

        Example: smogsim exercise runs/out/rehearsal.json --out runs/out/rehearsal
        """
        lang = command_lang()
        _check_out(out, "--out")
        _check_out(save, "--save")
        try:
            if automatic:
                ex = open_exercise(file, who)
                ex.step("end")
            else:
                ex = load_exercise(file)
            run_dir = default_run_dir(out, Path(file).stem)
            export_run(ex, run_dir, lang, None if no_report else report_writer())
            if save is not None:
                save_exercise(ex, save)
        except ExerciseError as bad:
            fail(bad.message(lang))
        except USER_ERRORS as bad:
            fail(str(bad))
        key = "exercise.cli.automatic" if automatic else "exercise.cli.done"
        say(text(key, lang, decisions=len(ex.log),
                 human=sum(row["kind"] != "automatic" for row in ex.log), path=run_dir))
