"""``smogsim replay``: replay observed episodes over a grid of rule sets, forecasts and seeds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from enterprises.schema import POLLUTANTS
from simulator.batch import runner as batch
from simulator.batch.replay import (
    USER_ERRORS,
    ReplayInterrupted,
    ReplayResult,
    base_note,
    replay,
    summary_frame,
    summary_json,
)
from simulator.cli.common import fail, prefixed, print_json
from simulator.cli.language import lang as command_lang
from simulator.cli.reading import ReadingBar
from simulator.lang import text


class RateColumn(ProgressColumn):
    """Runs finished per second, over the runs done in this invocation."""

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.lang = lang

    def render(self, task) -> Text:
        ran = task.completed - task.fields.get("resumed", 0)
        rate = f"{ran / task.elapsed:.1f}" if task.elapsed and ran > 0 else "–"
        return Text(text("replay.rate", self.lang, rate=rate), style="progress.data.speed")


def _split(values: list[str]) -> list[str]:
    """``--rules a,b --rules c`` → ``[a, b, c]``."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _split_forecasts(values: list[str]) -> list[str]:
    """Like ``_split``, keeping a noisy model's parameters together:
    ``noisy:bias=-0.1,sd=0.3,perfect`` → ``[noisy:bias=-0.1,sd=0.3, perfect]``."""
    models: list[str] = []
    for item in _split(values):
        if "=" in item and ":" not in item and models and models[-1].startswith("noisy:"):
            models[-1] += f",{item}"
        else:
            models.append(item)
    return models


def summary_table(result: ReplayResult, lang: str = "en") -> Table:
    """Per rule set × forecast model: runs, mean alert and missed hours, mean cut %, runs met."""
    table = Table(title=text("replay.title", lang, runs=len(result.runs),
                             episodes=len(result.episodes)),
                  caption=text("replay.caption", lang),
                  caption_justify="left", box=None, padding=(0, 1), pad_edge=False)
    table.add_column(text("replay.rules", lang), no_wrap=True)
    table.add_column(text("replay.forecast", lang), no_wrap=True)
    names = [text(f"replay.{key}", lang) for key in ("runs", "alert_h", "missed_h")]
    names += [text("replay.pct", lang, pollutant=p) for p in POLLUTANTS]
    for name in (*names, text("replay.met", lang)):
        table.add_column(name, justify="right", no_wrap=True)
    for row in summary_frame(result.runs).itertuples(index=False):
        values = row._asdict()
        table.add_row(
            Path(row.rules).name, row.forecast, str(row.runs), f"{row.alert_hours:.1f}",
            f"{row.missed_hours:.1f}", *(_pct(values[f"cut_pct_{p}"]) for p in POLLUTANTS),
            f"{row.met}/{row.with_alerts}" if row.with_alerts else "–")
    return table


def _note_gaps(result: ReplayResult, lang: str = "en") -> None:
    gaps = result.gaps
    if gaps.empty:
        return
    line = text("replay.gaps", lang, missing=int(gaps["missing"].sum()), gaps=len(gaps),
                cities=gaps["city"].nunique())
    Console(stderr=True).print(f"{prefixed('note', lang)}{line}", highlight=False,
                               soft_wrap=True)


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1f}"


def _write_report(out: Path) -> None:
    """``replay.html`` beside the tables (imported only here: the page's scripts are large)."""
    from simulator.report.replay import write_replay_report

    write_replay_report(out, command_lang())


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the ``smogsim`` command line."""

    @app.command(name="replay")
    def replay_command(
        observations: list[Path] = typer.Option(
            ..., "--observations", help="Observation file (.csv, .csv.gz) or directory of "
                                        "them, any layout smogsim reads; repeatable."),
        city: list[str] = typer.Option(
            [], "--city", help="Replay only these cities, comma-separated (default: all)."),
        inventory: str = typer.Option(
            ..., "--inventory", help="Inventory CSV, or synthetic:<N>[:seed] per city."),
        rules: list[str] = typer.Option(
            ["mee-2024"], "--rules", help="Rule sets, comma-separated: ids or TOML files."),
        forecast: list[str] = typer.Option(
            ["perfect"], "--forecast", help="Forecast models, comma-separated: perfect, "
                                            "persistence, noisy[:bias=B,sd=S], late:<hours>."),
        area: Path | None = typer.Option(
            None, "--area", help="Area sources outside the list, CSV: city, sector, so2_t, "
                                 "nox_t, pm_t, vocs_t (t/a), optionally cut_<level>. Without "
                                 "it (or for cities without rows) cut % is of the list only."),
        region: Path | None = typer.Option(
            None, "--region", help="Region file (TOML, docs/alerts.md): its cities are replayed "
                                   "together over regional episodes, so its rules and "
                                   "dispatch orders raise them; other cities run alone."),
        options: Path | None = typer.Option(
            None, "--with", help="Replay options (TOML): [measures], [[seasonal]], [compliance] "
                                 "and [transport] tables as in a scenario, applied to every "
                                 "city (docs/replay.md). Without it: bundled measures, full "
                                 "compliance, no seasonal control, no truck gate."),
        replicates: int = typer.Option(1, "--replicates", help="Runs per grid point."),
        seed: int = typer.Option(0, "--seed", help="Root seed of every run's generator."),
        margin_hours: int = typer.Option(
            48, "--margin-hours", help="Hours of ordinary air kept before and after each "
                                       "episode (assumption: 2 days)."),
        out: Path | None = typer.Option(
            None, "--out", help="Output directory (default runs/out/replay-<time>)."),
        workers: int = typer.Option(1, "--workers", help="Worker processes (1: serial)."),
        engine: str = typer.Option("local", "--engine", help="local or dask."),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="Join a Dask cluster, e.g. tcp://HOST:8786 "
                                      "(parts and inputs must be on a shared filesystem)."),
        resume: bool = typer.Option(
            False, "--resume", help="Continue a replay in --out, skipping finished parts."),
        quiet: bool = typer.Option(
            False, "--quiet", "-q", help="No progress bar, notes or summary table; only the "
                                         "closing line (or the JSON)."),
        as_json: bool = typer.Option(
            False, "--json", help="Print a machine-readable summary on stdout instead of the "
                                  "table: out, runs, ran, resumed, cities, city_episodes, "
                                  "missing_values, wall_s, files, base (cities per cut-% "
                                  "base, and a note), and per rule set × forecast the runs, "
                                  "mean alert_hours, missed_hours, cut_pct_<P>, met, "
                                  "with_alerts and list_only. Progress and notes go to "
                                  "stderr."),
    ) -> None:
        """Replay observed episodes: city × episode × rule set × forecast × replicate.

        Observations: files or folders of .csv/.csv.gz in any layout smogsim reads,
        e.g. the national hourly city file (date, hour, type, <city columns>).

        Example: smogsim replay --observations runs/data/henan_2023-24_hourly.csv.gz
        --inventory runs/data/henan_inventory.csv --area runs/data/henan_area_sources.csv
        --rules mee-2019,mee-2024 --forecast perfect,late:24 --workers 2
        --out runs/out/henan-replay
        """
        console = Console()  # per call: the terminal's width now

        lang = command_lang()
        if engine not in ("local", "dask"):
            fail(text("replay.engine", lang, value=repr(engine)))
        if workers < 1:
            fail(text("replay.workers", lang, value=workers))
        mode = "dask" if engine == "dask" or scheduler else (
            "processes" if workers > 1 else "serial")
        if mode == "dask":
            try:
                import distributed  # noqa: F401
            except ImportError:
                fail(text("replay.dask", lang))
        out_dir = out or Path("runs") / "out" / f"replay-{datetime.now():%Y%m%d-%H%M%S}"
        # With --json, stdout carries the JSON alone; the progress bar moves to stderr.
        progress = Progress(TextColumn(text("replay.bar", lang)), BarColumn(),
                            MofNCompleteColumn(), TextColumn(text("replay.bar_runs", lang)),
                            RateColumn(lang), TimeRemainingColumn(),
                            console=Console(stderr=True) if as_json else console,
                            disable=quiet, transient=False)
        bar: list = []

        def on_start(total: int, finished: int) -> None:
            reading.close()  # the reading bar, if shown, gives way to the runs' bar
            progress.start()
            bar.append(progress.add_task("replay", total=total, completed=finished,
                                         resumed=finished))

        def on_done(marker: dict) -> None:
            progress.advance(bar[0], marker["files"]["runs"]["rows"])  # a regional task: many

        reading = ReadingBar(quiet)
        try:
            result = replay(observations, inventory, _split(rules), _split_forecasts(forecast),
                            replicates, out_dir, seed=seed, margin_hours=margin_hours,
                            engine=mode, workers=workers, scheduler=scheduler, resume=resume,
                            cities=_split(city), area=area, region=region,
                            options=options, on_start=on_start, on_done=on_done,
                            on_read=reading, lang=lang)
        except USER_ERRORS as bad:
            reading.close()
            progress.stop()
            fail(str(bad))
        except batch.BatchError as bad:
            reading.close()
            progress.stop()
            fail(str(bad), code=1)
        except OSError as bad:  # e.g. an unreachable --scheduler
            reading.close()
            progress.stop()
            fail(f"{scheduler or out_dir}: {bad}", code=1 if not scheduler else 2)
        except KeyboardInterrupt as stop:
            reading.close()
            progress.stop()
            if isinstance(stop, ReplayInterrupted):
                kept = text("replay.kept_of", lang, kept=stop.kept, total=stop.total)
            else:  # before the runs started, or a second Ctrl-C while counting the parts
                kept = text("replay.kept", lang)
            Console(stderr=True).print(
                text("replay.interrupted", lang, kept=kept, parts=out_dir / "parts"),
                highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        progress.stop()
        _write_report(result.out)
        if not quiet:
            _note_gaps(result, lang)
        if as_json:
            summary = summary_json(result)
            summary["files"]["replay.html"] = str(result.out / "replay.html")
            print_json(summary)
            return
        if not quiet:
            console.print(summary_table(result, lang))
            console.print(base_note(result.runs, lang), highlight=False, soft_wrap=True)
        console.print(text("replay.done", lang, runs=len(result.runs), ran=result.ran,
                           resumed=result.resumed, seconds=f"{result.wall_s:.1f}",
                           out=result.out), highlight=False, soft_wrap=True)
