"""The console's ASGI app: one page, a JSON endpoint per action, uploads and downloads.

``create_app(scenario)`` gives a Starlette app. Every request belongs to a browser session
(cookie ``smogsim_session``, ``sessions.SessionStore``); the session's exercise is opened from
the scenario on the first request that needs it, and every action on it holds the session's
lock. Actions answer with the new ``Exercise.state(lang)``; a refused decision or a bad
upload answers 400 with ``{"error": one line, "field": …}``, the line the command line would
print (``simulator.cli.common.error_line``).

Bound to a loopback address the app needs no login but accepts only requests that name a
local host (a web page elsewhere cannot drive it through DNS rebinding); bound elsewhere it
asks for ``token`` once (``?token=…`` in the address ``smogsim serve`` prints), then keeps it
in a cookie. A POST from a page of another origin is refused either way.
"""

from __future__ import annotations

import io
import json
import secrets
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.cli.common import error_line
from simulator.console import uploads
from simulator.console.sessions import COOKIE, Session, SessionStore
from simulator.lang import LANGS, text
from simulator.lang.catalogue import catalogue
from simulator.spec.validate import InputNote

HERE = Path(__file__).resolve().parent
VENDOR = HERE.parent / "report" / "static"  # the Vega bundles the reports inline
DEMO_SCENARIO = HERE.parents[1] / "runs" / "demo.toml"
LANG_COOKIE = "smogsim_lang"
TOKEN_COOKIE = "smogsim_token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
STEP_KINDS = ("hour", "consultation", "event", "end")
ACTIONS = ("issue", "upgrade", "downgrade", "extend", "lift", "shift")
EXERCISE_FILE = "exercise.json"


@dataclass(frozen=True)
class Engine:
    """How the console opens, saves, loads and exports exercises (``simulator.io.exercise``
    by default; tests pass a stand-in) and which errors are a planner's mistakes."""

    open: Callable[..., Any]                  # (scenario, who, seed=None) -> Exercise
    load: Callable[[Path], Any]               # exercise file -> Exercise
    save: Callable[[Any, Path], Any]          # (exercise, path)
    export: Callable[[Any, Path, str], Any]   # (exercise, run dir, lang)
    refusals: tuple[type[BaseException], ...]  # ExerciseError: a decision the rules refuse


def default_engine() -> Engine:
    from simulator.exercise import ExerciseError
    from simulator.exercise.io import export_run, load_exercise, open_exercise, save_exercise
    from simulator.report.html import add_report

    def export(exercise: Any, out: Path, lang: str) -> Any:
        return export_run(exercise, out, lang, report=add_report)

    return Engine(open_exercise, load_exercise, save_exercise, export, (ExerciseError,))


class Refused(Exception):
    """An action the console answers with 400 and one line for ``field``."""

    def __init__(self, message: str, field: str = "action", status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


class BodyLimit:
    """ASGI middleware: a request body over ``limit(path)`` bytes ends with 413 before the
    app reads it whole (declared length or counted chunks)."""

    def __init__(self, app: ASGIApp, limit: Callable[[str], int]):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return JSONResponse({"error": f"request body over {limit // uploads.MIB} MiB (size limit, "
                                  "assumption)", "field": "request"}, status_code=413)


class Guard:
    """ASGI middleware: the token (when the app has one) and same-origin POSTs."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.token is not None:
            given = request.query_params.get("token")
            if given is not None and secrets.compare_digest(given, self.token):
                target = request.url.remove_query_params("token")
                response: Response = RedirectResponse(str(target.path) + (
                    f"?{target.query}" if target.query else ""), status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
            held = request.cookies.get(TOKEN_COOKIE, "")
            if not secrets.compare_digest(held, self.token):
                await PlainTextResponse(
                    "smogsim console: open the address with ?token=… that `smogsim serve` "
                    "printed", status_code=401)(scope, receive, send)
                return
        if scope["method"] == "POST" and not _same_origin(request):
            await PlainTextResponse("cross-origin request refused",
                                    status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _same_origin(request: Request) -> bool:
    """No Origin (a script, not a browser page) or the page's own host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def create_app(scenario: Path | None = None, *, token: str | None = None,
               allowed_hosts: tuple[str, ...] | None = LOCAL_HOSTS,
               engine: Engine | None = None, store: SessionStore | None = None,
               seed: int | None = None) -> Starlette:
    """The console for ``scenario`` (default the bundled demo).

    ``token``: required from every browser (bind to a non-loopback address only with one);
    ``allowed_hosts``: the Host headers accepted (None: any, for a token-guarded server);
    ``engine``: the exercise functions (default ``simulator.io.exercise``); ``store``: the
    sessions (default a fresh one in a temporary folder); ``seed``: the exercise's seed
    (default the scenario's)."""
    console = Console(Path(scenario or DEMO_SCENARIO), engine or default_engine(),
                      store or SessionStore(), seed)
    routes = [
        Route("/", console.page),
        Route("/api/state", console.state),
        Route("/api/name", console.name, methods=["POST"]),
        Route("/api/step", console.step, methods=["POST"]),
        Route("/api/accept", console.accept, methods=["POST"]),
        Route("/api/decide", console.decide, methods=["POST"]),
        Route("/api/dispatch", console.dispatch, methods=["POST"]),
        Route("/api/linkage", console.linkage, methods=["POST"]),
        Route("/api/restart", console.restart, methods=["POST"]),
        Route("/upload/scenario", console.upload_scenario, methods=["POST"]),
        Route("/upload/exercise", console.upload_exercise, methods=["POST"]),
        Route("/download/exercise", console.download_exercise),
        Route("/download/run.zip", console.download_run),
        Route("/download/report.html", console.download_report),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/vendor", StaticFiles(directory=VENDOR), name="vendor"),
    ]
    middleware = [Middleware(BodyLimit, limit=_limit_of), Middleware(Guard, token=token)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={Refused: _refused})
    app.state.console = console
    return app


def _limit_of(path: str) -> int:
    if path == "/upload/scenario":
        return uploads.request_limit(("scenario", "list", "forecast"))
    if path == "/upload/exercise":
        return uploads.request_limit(("exercise",))
    return 64 * 1024  # a decision is a few hundred bytes of JSON


async def _refused(request: Request, bad: Exception) -> Response:
    assert isinstance(bad, Refused)
    return JSONResponse({"error": str(bad), "field": bad.field}, status_code=bad.status)


def page_lang(request: Request) -> str:
    """``?lang=``, else the cookie, else Chinese (the console's first language)."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LANGS:
            return str(chosen)
    return "zh"


def labels(lang: str) -> dict[str, str]:
    """What the page's script reads: the catalogue's ``console`` group (without the prefix),
    level names (``level.red``) and yes/no (``word.yes``)."""
    found = {}
    for key, value in catalogue(lang).items():
        if key.startswith("console."):
            found[key.removeprefix("console.")] = value
        elif key.startswith(("level.", "word.")):
            found[key] = value
    return found


class Console:
    """The app's handlers over one scenario, one engine and the sessions."""

    def __init__(self, scenario: Path, engine: Engine, store: SessionStore, seed: int | None):
        self.scenario = scenario
        self.engine = engine
        self.store = store
        self.seed = seed
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(["html"]))
        self.uploads_root = Path(tempfile.mkdtemp(prefix="smogsim-uploads-"))

    # -- sessions -------------------------------------------------------------------------

    def _session(self, request: Request) -> tuple[Session, bool]:
        return self.store.get(request.cookies.get(COOKIE))

    def _answer(self, response: Response, session: Session, new: bool,
                lang: str | None = None) -> Response:
        if new:
            response.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict")
        if lang is not None:
            response.set_cookie(LANG_COOKIE, lang, samesite="strict")
        return response

    def _exercise(self, session: Session, lang: str) -> Any:
        """The session's exercise, opened from the scenario on first use."""
        if session.exercise is None:
            self._open(session, self.scenario, lang)
        return session.exercise

    def _open(self, session: Session, scenario: Path, lang: str,
              placed: dict[str, Path] | None = None) -> list[str]:
        """Open ``scenario`` for the session; the input notes it raised (as lines)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InputNote)
            try:
                exercise = self.engine.open(scenario, session.who or None, seed=self.seed)
            except Exception as bad:
                field = uploads.field_of(str(bad), placed or {})
                raise Refused(self._line(bad, lang), field) from None
        session.exercise = exercise
        session.scenario = scenario
        return [self._clean(str(c.message)) for c in caught if isinstance(c.message, InputNote)]

    def _line(self, bad: BaseException, lang: str) -> str:
        """The one line a planner reads for ``bad``: a refusal in the page's language
        (``ExerciseError`` with a catalogue key), else the command line's error line."""
        if isinstance(bad, self.engine.refusals):
            in_lang = getattr(bad, "message", None)  # ExerciseError.message(lang)
            return self._clean(in_lang(lang) if callable(in_lang) else str(bad))
        return self._clean(error_line(bad, lang)[0])

    def _clean(self, message: str) -> str:
        return uploads.without_folders(message, [self.uploads_root, self.store.root])

    def _state(self, session: Session, lang: str, notes: list[str] | None = None) -> dict:
        exercise = self._exercise(session, lang)
        state = exercise.state(lang)
        state["who"] = session.who or state.get("who", "")
        state["comparison"] = exercise.comparison(lang) if exercise.finished else None
        state["notes"] = notes or []
        return state

    async def _act(self, request: Request, action: Callable[[Any, Session], None],
                   field: str = "action") -> Response:
        """Run ``action(exercise, session)`` under the session's lock on a worker thread (a
        step can take seconds); the new state, or 400 with the refusal for ``field``."""
        lang = page_lang(request)
        session, new = self._session(request)
        state = await _threaded(self._locked, session, lang, action, field)
        return self._answer(JSONResponse(state), session, new)

    def _locked(self, session: Session, lang: str, action: Callable[[Any, Session], None],
                field: str) -> dict:
        with session.lock:
            exercise = self._exercise(session, lang)
            try:
                action(exercise, session)
            except self.engine.refusals as bad:
                raise Refused(self._line(bad, lang), field) from None
            return self._state(session, lang)

    # -- pages and state ------------------------------------------------------------------

    def page(self, request: Request) -> Response:
        lang = page_lang(request)
        session, new = self._session(request)
        html = self.templates.get_template("index.html").render(
            lang=lang, html_lang={"zh": "zh-CN", "en": "en"}[lang], labels=labels(lang),
            labels_json=json.dumps(labels(lang), ensure_ascii=False).replace("</", "<\\/"),
            limits={f: v // uploads.MIB for f, v in uploads.LIMITS.items()},
            suffixes={f: ", ".join(s) for f, s in uploads.SUFFIXES.items()},
            who=session.who, other="en" if lang == "zh" else "zh",
            actions=ACTIONS)
        return self._answer(HTMLResponse(html), session, new, lang)

    def state(self, request: Request) -> Response:
        lang = page_lang(request)
        session, new = self._session(request)
        with session.lock:
            try:
                state = self._state(session, lang)
            except Refused as bad:  # the scenario itself cannot be opened
                return self._answer(JSONResponse({"error": str(bad), "field": bad.field},
                                                 status_code=400), session, new)
        return self._answer(JSONResponse(state), session, new)

    # -- actions --------------------------------------------------------------------------

    async def name(self, request: Request) -> Response:
        body = await _json(request)
        who = str(body.get("who", "")).strip()
        if not who or len(who) > 40:
            raise Refused(text("console.err.name", page_lang(request)), "who")
        session, new = self._session(request)
        with session.lock:
            session.who = who
        return self._answer(JSONResponse({"who": who}), session, new)

    async def step(self, request: Request) -> Response:
        body = await _json(request)
        kind = body.get("kind", "hour")
        if kind not in STEP_KINDS:
            raise Refused(text("console.err.choice", page_lang(request), what="kind",
                               value=kind, choices=", ".join(STEP_KINDS)), "step")
        return await self._act(request, lambda ex, s: ex.step(kind), "step")

    async def accept(self, request: Request) -> Response:
        return await self._act(request, lambda ex, s: ex.accept(who=s.who or None))

    async def decide(self, request: Request) -> Response:
        body = await _json(request)
        lang = page_lang(request)
        action = body.get("action")
        if action not in ACTIONS:
            raise Refused(text("console.err.choice", lang, what="action", value=action,
                               choices=", ".join(ACTIONS)), "action")
        level = body.get("level") or None
        start, end = _time(body.get("start"), "start", lang), _time(body.get("end"), "end", lang)
        note = str(body.get("note", ""))[:500]

        def run(exercise: Any, session: Session) -> None:
            exercise.decide(action, who=session.who or None, level=level, start=start,
                            end=end, note=note)

        return await self._act(request, run)

    async def dispatch(self, request: Request) -> Response:
        body = await _json(request)
        lang = page_lang(request)
        county = str(body.get("county", "")).strip()
        teams = body.get("teams")
        if not county:
            raise Refused(text("console.err.county", lang), "county")
        if isinstance(teams, bool) or not isinstance(teams, int) or not 0 <= teams <= 100:
            raise Refused(text("console.err.teams", lang, value=teams), "teams")
        return await self._act(request, lambda ex, s: ex.dispatch(
            county, teams, who=s.who or None), "county")

    async def linkage(self, request: Request) -> Response:
        body = await _json(request)
        on = body.get("on")
        if not isinstance(on, bool):
            raise Refused(text("console.err.linkage", page_lang(request)), "linkage")
        return await self._act(request, lambda ex, s: ex.set_linkage(
            on, who=s.who or None), "linkage")

    async def restart(self, request: Request) -> Response:
        """Start the session's exercise over on the scenario it was opened from."""
        lang = page_lang(request)
        session, new = self._session(request)

        def run() -> dict:
            with session.lock:
                self._open(session, session.scenario or self.scenario, lang)
                return self._state(session, lang)

        return self._answer(JSONResponse(await _threaded(run)), session, new)

    # -- uploads --------------------------------------------------------------------------

    async def upload_scenario(self, request: Request) -> Response:
        """A scenario, a list and/or a forecast: opened as a new exercise, or 400 naming
        the field whose file is wrong with the command line's line."""
        lang = page_lang(request)
        files = await _files(request, ("scenario", "list", "forecast"), lang)
        if not files:
            raise Refused(text("console.err.no_file", lang), "scenario")
        session, new = self._session(request)
        folder = uploads.new_folder(self.uploads_root)

        def run() -> dict:
            with session.lock:
                try:
                    placed = uploads.place(files, folder)
                    base = session.scenario or self.scenario
                    scenario = uploads.scenario_file(base, placed, folder)
                except uploads.UploadError as bad:
                    raise self._refused(bad) from None
                notes = self._open(session, scenario, lang, placed)
                return self._state(session, lang, notes)

        return self._answer(JSONResponse(await _threaded(run)), session, new)

    def _refused(self, bad: uploads.UploadError) -> Refused:
        """An upload's one-line error for its field: 413 when too large, else 400."""
        return Refused(self._clean(str(bad)), bad.field,
                       413 if isinstance(bad, uploads.TooLarge) else 400)

    async def upload_exercise(self, request: Request) -> Response:
        """A saved exercise file: re-opened and replayed (``load_exercise``)."""
        lang = page_lang(request)
        files = await _files(request, ("exercise",), lang)
        if not files:
            raise Refused(text("console.err.no_file", lang), "exercise")
        session, new = self._session(request)
        folder = uploads.new_folder(self.uploads_root)

        def run() -> dict:
            with session.lock:
                try:
                    path = uploads.place(files, folder)["exercise"]
                except uploads.UploadError as bad:
                    raise self._refused(bad) from None
                try:
                    path.write_bytes(absolute_scenario(
                        path.read_bytes(), path.parent,
                        (Path.cwd(), self.scenario.parent, (session.scenario or
                                                            self.scenario).parent)))
                    exercise = self.engine.load(path)
                except Exception as bad:
                    raise Refused(self._line(bad, lang), "exercise") from None
                session.exercise = exercise
                session.who = session.who or getattr(exercise, "who", "") or ""
                return self._state(session, lang)

        return self._answer(JSONResponse(await _threaded(run)), session, new)

    # -- downloads ------------------------------------------------------------------------

    def download_exercise(self, request: Request) -> Response:
        lang = page_lang(request)
        session, new = self._session(request)
        with session.lock:
            exercise = self._exercise(session, lang)
            path = session.folder / EXERCISE_FILE
            self.engine.save(exercise, path)
            data = absolute_scenario(path.read_bytes(), path.parent)
        return self._answer(_attachment(data, _file_name(exercise, "json"),
                                        "application/json"), session, new)

    def _export(self, session: Session, lang: str) -> Path:
        exercise = self._exercise(session, lang)
        out = session.folder / "export"
        shutil.rmtree(out, ignore_errors=True)
        self.engine.export(exercise, out, lang)
        return out

    def download_run(self, request: Request) -> Response:
        lang = page_lang(request)
        session, new = self._session(request)
        with session.lock:
            out = self._export(session, lang)
            name = _file_name(session.exercise, "run")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"{name}/{path.relative_to(out)}")
        return self._answer(_attachment(buffer.getvalue(), f"{name}.zip", "application/zip"),
                            session, new)

    def download_report(self, request: Request) -> Response:
        lang = page_lang(request)
        session, new = self._session(request)
        with session.lock:
            out = self._export(session, lang)
            data = (out / "report.html").read_bytes()
        return self._answer(_attachment(data, "report.html", "text/html; charset=utf-8"),
                            session, new)


def absolute_scenario(data: bytes, folder: Path, search: tuple[Path, ...] = ()) -> bytes:
    """An exercise file whose scenario path is absolute.

    A saved exercise names its scenario relative to the file; a browser download lands in a
    folder the server does not know, and an upload lands in the server's own. So the file
    sent names the scenario by absolute path (read against ``folder``, where it was saved),
    and a file received whose relative path finds nothing beside it is read against
    ``search`` (the server's folder, the console's scenario folders) before ``load_exercise``
    says "no scenario". Anything that is not such a record is passed on untouched for
    ``load_exercise`` to name the problem."""
    try:
        record = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return data
    if not isinstance(record, dict) or not isinstance(record.get("scenario"), str):
        return data
    named = Path(record["scenario"])
    if named.is_absolute():
        return data
    for base in (folder, *search):
        if (base / named).is_file():
            record["scenario"] = str((base / named).resolve())
            return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode()
    return data


def _file_name(exercise: Any, kind: str) -> str:
    """``exercise-漯河-20231214T0800.json`` / ``exercise-漯河-20231214T0800`` (a run)."""
    state_city = getattr(exercise, "city", None) or "city"
    clock = pd.Timestamp(exercise.clock).strftime("%Y%m%dT%H%M")
    stem = f"exercise-{state_city}-{clock}"
    return f"{stem}.json" if kind == "json" else stem


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


async def _json(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(text("console.err.json", page_lang(request)), "request") from None
    if not isinstance(body, dict):
        raise Refused(text("console.err.json", page_lang(request)), "request")
    return body


def _time(value: object, field: str, lang: str) -> pd.Timestamp | None:
    """A time from the page (``2023-12-14T08:00``), whole hours; None when empty."""
    if value in (None, ""):
        return None
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError:
        stamp = pd.NaT
    if pd.isna(stamp) or stamp.tzinfo is not None or stamp != stamp.floor("h"):
        raise Refused(text("console.err.time", lang, field=field, value=value), field)
    return stamp


async def _files(request: Request, fields: tuple[str, ...], lang: str) -> list[uploads.Upload]:
    """The non-empty files of the form's ``fields``."""
    from starlette.datastructures import UploadFile

    form = await request.form(max_files=len(fields), max_fields=len(fields) + 2)
    found = []
    for field in fields:
        item = form.get(field)
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read()
            if data:
                found.append(uploads.Upload(field, item.filename, data))
    await form.close()
    return found


async def _threaded(function: Callable, *args: Any) -> Any:
    """``function(*args)`` on a worker thread: an exercise step can take seconds."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)
