"""A progress bar for reading observation files, shown once reading has taken a second.

The readers (``alerts.io.load_observations``) report the bytes read through a callback and
never print; this is the callback the commands pass. Short reads show nothing; a long one
shows a transient bar on stderr (stdout stays clean for ``--json`` and ``--format csv``).
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

SHOW_AFTER_S = 1.0  # reading faster than this shows no bar


class ReadingBar:
    """``with ReadingBar(quiet) as bar: load_observations(paths, progress=bar)``."""

    def __init__(self, quiet: bool = False, after_s: float = SHOW_AFTER_S) -> None:
        self.quiet, self.after_s = quiet, after_s
        self.started = time.perf_counter()
        self.progress: Progress | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.progress is None:
            if time.perf_counter() - self.started < self.after_s or done >= total:
                return
            self.progress = Progress(TextColumn("reading observations"), BarColumn(),
                                     DownloadColumn(), TransferSpeedColumn(),
                                     TimeRemainingColumn(), console=Console(stderr=True),
                                     transient=True)
            self.progress.start()
            self.progress.add_task("read", total=total)
        self.progress.update(self.progress.task_ids[0], completed=done, total=total)

    def __enter__(self) -> ReadingBar:
        self.started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Take the bar away (reading is over, or failed)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
