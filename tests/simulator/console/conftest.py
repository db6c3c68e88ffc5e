"""The console over the stand-in exercise: a TestClient per browser session."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from simulator.console.app import create_app
from simulator.console.sessions import SessionStore
from tests.simulator.console.standin import ENGINE


@pytest.fixture
def app(tmp_path):
    return create_app(engine=ENGINE, allowed_hosts=("testserver",),
                      store=SessionStore(tmp_path / "sessions"))


@pytest.fixture
def client(app):
    with TestClient(app) as browser:
        yield browser


@pytest.fixture
def other(app):
    """A second browser on the same server."""
    with TestClient(app) as browser:
        yield browser
