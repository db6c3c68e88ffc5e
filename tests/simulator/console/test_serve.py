"""``smogsim serve``: where it binds, when it asks for a token, one-line errors."""

from __future__ import annotations

import socket

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from simulator.cli import serve
from simulator.cli.app import app as cli_app
from simulator.console.app import DEMO_SCENARIO, create_app


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("192.168.1.5", False), ("::", False),
    ("planner.example", False)])
def test_only_loopback_addresses_go_without_a_token(host, local):
    assert serve.is_loopback(host) is local


def test_the_address_carries_the_token():
    assert serve.address("127.0.0.1", 8765, None) == "http://127.0.0.1:8765/"
    assert serve.address("0.0.0.0", 80, "abc") == "http://0.0.0.0:80/?token=abc"
    assert serve.address("::", 8000, "t") == "http://[::]:8000/?token=t"


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def run_serve(monkeypatch, *args: str) -> tuple[object, dict]:
    """``smogsim serve`` with uvicorn and the browser replaced: what it would serve."""
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setattr(serve.webbrowser, "open", lambda url: seen.update(opened=url))
    result = CliRunner().invoke(cli_app, ["serve", *args, "--lang", "en"])
    return result, seen


def test_serve_binds_loopback_by_default_without_a_token(monkeypatch):
    port = free_port()
    result, seen = run_serve(monkeypatch, "--port", port)
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["opened"] == f"http://127.0.0.1:{port}/"
    assert f"smogsim console for {DEMO_SCENARIO}: http://127.0.0.1:{port}/" in result.output
    with TestClient(seen["app"], base_url=f"http://127.0.0.1:{port}") as browser:
        assert browser.get("/").status_code == 200


def test_serve_elsewhere_prints_a_token_and_asks_for_it(monkeypatch):
    result, seen = run_serve(monkeypatch, "--host", "0.0.0.0", "--port", free_port(),
                              "--no-browser")
    assert result.exit_code == 0, result.output
    token = result.output.split("?token=")[1].split()[0]
    assert len(token) >= 20 and "opened" not in seen
    assert "the address carries a token" in result.output
    with TestClient(seen["app"], base_url="http://192.168.1.5:8765",
                    follow_redirects=False) as browser:
        assert browser.get("/").status_code == 401
        assert browser.get(f"/?token={token}").status_code == 303
        assert browser.get("/").status_code == 200
    result, _ = run_serve(monkeypatch, "--host", "0.0.0.0", "--port", free_port(),
                          "--token", "mine", "--no-browser")
    assert "?token=mine" in result.output


def test_a_wrong_scenario_or_a_busy_port_is_one_line(monkeypatch, tmp_path):
    missing = tmp_path / "none.toml"
    result, seen = run_serve(monkeypatch, str(missing), "--no-browser")
    assert result.exit_code == 2 and "none.toml" in result.output and not seen
    assert len(result.output.strip().splitlines()) == 1
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result, seen = run_serve(monkeypatch, "--port", str(port), "--no-browser")
    assert result.exit_code == 1 and f"127.0.0.1:{port}" in result.output and not seen
    assert "Traceback" not in result.output


def test_the_real_exercise_behind_the_app(tmp_path):
    """The default engine (simulator.exercise): open the demo, accept, save in one browser,
    load in another; the file names the scenario by absolute path."""
    import json

    app = create_app(DEMO_SCENARIO, allowed_hosts=("testserver",))
    with TestClient(app) as one, TestClient(app) as two:
        one.post("/api/name", json={"who": "张三"})
        for _ in range(2):
            state = one.post("/api/step", json={"kind": "consultation"}).json()
        assert state["clock"] == "2023-12-13T10:00" and state["proposal"]["level"] == "yellow"
        accepted = one.post("/api/accept", json={}).json()
        assert accepted["log"][-1]["who"] == "张三"
        saved = one.get("/download/exercise")
        record = json.loads(saved.content)
        assert record["scenario"] == str(DEMO_SCENARIO)
        loaded = two.post("/upload/exercise", files={"exercise": ("x.json", saved.content)})
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["log"] == accepted["log"]
        refused = one.post("/api/decide?lang=en", json={"action": "upgrade", "level": "yellow"})
        assert refused.status_code == 400 and refused.json()["field"] == "action"
        assert refused.json()["error"] == refused.json()["error"].strip().splitlines()[0]
