"""One exercise per browser session: a random cookie names a ``Session``; a lock per session
keeps two requests of one browser from stepping the same exercise at once.

Sessions live in memory (the console is one process on a planner's machine); the oldest idle
one makes room when ``MAX_SESSIONS`` are open, and each one's working folder (uploads, exports)
is removed with it.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COOKIE = "smogsim_session"
# Assumptions (no source: sized for one planner's machine and a training room of ~20 people):
MAX_SESSIONS = 32           # open exercises at once; the least recently used one is dropped
IDLE_SECONDS = 12 * 3600    # an exercise untouched for 12 h is dropped


@dataclass
class Session:
    """A browser's exercise, who is deciding, its scenario and its working folder."""

    sid: str
    folder: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    exercise: Any = None          # simulator.exercise.Exercise, opened on first use
    scenario: Path | None = None  # the scenario file the exercise was opened from
    who: str = ""
    used: float = field(default_factory=time.monotonic)


class SessionStore:
    """Sessions by cookie value; ``get`` makes a new one for an unknown or missing cookie."""

    def __init__(self, root: Path | None = None, max_sessions: int = MAX_SESSIONS,
                 idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._root = Path(root) if root else Path(tempfile.mkdtemp(prefix="smogsim-console-"))
        self._sessions: dict[str, Session] = {}
        self._guard = threading.Lock()
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._clock = clock

    def get(self, sid: str | None) -> tuple[Session, bool]:
        """The session of cookie ``sid`` and whether it is new (the cookie must be set)."""
        with self._guard:
            now = self._clock()
            self._drop_idle(now)
            session = self._sessions.get(sid or "")
            if session is not None:
                session.used = now
                return session, False
            while len(self._sessions) >= self.max_sessions:
                oldest = min(self._sessions.values(), key=lambda s: s.used)
                self._drop(oldest.sid)
            new_sid = secrets.token_urlsafe(24)
            folder = self._root / new_sid
            folder.mkdir(parents=True)
            session = Session(new_sid, folder, used=now)
            self._sessions[new_sid] = session
            return session, True

    @property
    def root(self) -> Path:
        return self._root

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, sid: object) -> bool:
        return sid in self._sessions

    def _drop_idle(self, now: float) -> None:
        for sid in [s.sid for s in self._sessions.values() if now - s.used > self.idle_seconds]:
            self._drop(sid)

    def _drop(self, sid: str) -> None:
        session = self._sessions.pop(sid)
        shutil.rmtree(session.folder, ignore_errors=True)

    def close(self) -> None:
        """Drop every session and the root folder (the server stops)."""
        with self._guard:
            for sid in list(self._sessions):
                self._drop(sid)
            shutil.rmtree(self._root, ignore_errors=True)
