"""A whole exercise in headless Chromium against the real exercise: open the demo, step,
accept, upgrade to red, dispatch a team, finish, save and export — and the numbers on the
page are the command line's on the same decisions (``smogsim exercise FILE --out DIR``).

Two browser contexts on one server are two planners: neither sees the other's exercise.
Screenshots go to SMOGSIM_ARTEFACTS (default runs/out/screenshots); the planner's guide's
come from ``SMOGSIM_ARTEFACTS=docs/img pytest tests/simulator/console/test_browser.py``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli.app import app as cli_app

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "runs" / "demo.toml"
ARTEFACTS = Path(os.environ.get("SMOGSIM_ARTEFACTS", ROOT / "runs/out/screenshots"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    """``smogsim serve``'s app on a free loopback port, in a thread; its address."""
    import uvicorn

    from simulator.console.app import create_app

    app = create_app(DEMO)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
    sock.close()


def settle(page) -> None:
    """Wait until the page drew the answer to the last action."""
    page.wait_for_function("document.body.dataset.busy === 'false' && "
                           "document.body.dataset.ready === 'true'", timeout=60_000)


def act(page, selector: str) -> None:
    page.click(selector)
    settle(page)


def number(cell: str) -> float:
    return float(cell.replace(",", "").replace("—", "nan"))


def table(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr", "rows => rows.map(r => "
                                     "[...r.cells].map(c => c.textContent))")


def download(page, selector: str, folder: Path) -> Path:
    with page.expect_download() as started:
        page.click(selector)
    target = folder / started.value.suggested_filename
    started.value.save_as(target)
    return target


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=True)


def test_a_whole_exercise_matches_the_command_line(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and
            "status of 400" not in m.text else None)  # 400: the refusal the test provokes
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)

    page.goto(f"{server}/?lang=zh")
    assert page.locator("#start").is_visible() and not page.locator("#exercise").is_visible()
    page.fill("#who", "张三")
    act(page, "#begin")
    assert page.text_content("#clock") == "2023-12-12 00:00"
    assert page.text_content("#city") == "漯河"

    act(page, "[data-step=consultation]")
    act(page, "[data-step=consultation]")
    assert page.text_content("#clock") == "2023-12-13 10:00"
    assert page.locator("#accept").is_visible() and "黄色" in page.text_content("#proposal")
    act(page, "#accept")
    act(page, "[data-step=consultation]")
    assert page.text_content("#clock") == "2023-12-14 10:00"
    assert "升级" in page.text_content("#proposal")  # the lifecycle proposes orange

    page.select_option("#action", "upgrade")  # a refusal, next to the field
    page.select_option("#level", "yellow")
    act(page, "#decide")
    refusal = page.text_content('.error[data-field="action"]')
    assert refusal and "\n" not in refusal

    page.select_option("#level", "red")  # overrule: red instead of orange
    page.fill("#note", "演练：直接升红")
    act(page, "#decide")
    assert page.text_content('.error[data-field="action"]') == ""
    assert "红色" in page.text_content("#alert") + page.text_content("#announced")
    county = page.eval_on_selector("#county", "s => s.options[0].value")
    page.fill("#teams", "2")
    act(page, "#dispatch")
    log = table(page, "#log")
    assert [row[1] for row in log if row[1] == "张三"] and any("红色" in " ".join(r) for r in log)
    assert any(county in " ".join(r) for r in log)
    act(page, "[data-step=hour]")
    shot(page, "console-decision.png")

    act(page, "[data-step=end]")
    assert page.locator("#comparison-panel").is_visible()
    assert "已结束" in page.text_content("#period")
    shot(page, "console-end.png")

    saved = download(page, "#save", tmp_path)
    zipped = download(page, "#export-zip", tmp_path)
    report = download(page, "#export-report", tmp_path)
    assert saved.suffix == ".json" and report.read_bytes().startswith(b"<!DOCTYPE html>")

    cli_dir = tmp_path / "cli"
    result = CliRunner().invoke(cli_app, ["exercise", str(saved), "--out", str(cli_dir),
                                          "--lang", "zh", "--no-report"])
    assert result.exit_code == 0, result.output

    # the exported run directory is the command line's, table for table
    with zipfile.ZipFile(zipped) as archive:
        files = {Path(n).name: archive.read(n) for n in archive.namelist()}
    assert "report.html" in files and "decisions.csv" in files
    for name in ("alerts.csv", "episodes.csv", "audit.csv", "decisions.csv"):
        assert files[name] == (cli_dir / name).read_bytes(), name

    # the comparison on the page is the command line's run: cut t per pollutant, hours
    rows = dict(zip(
        page.eval_on_selector_all("#comparison tbody td:first-child",
                                  "cells => cells.map(c => c.dataset.measure)"),
        table(page, "#comparison"), strict=True))
    episodes = pd.read_csv(cli_dir / "episodes.csv", encoding="utf-8-sig")
    for pollutant, cut in episodes.groupby("pollutant")["cut_t"].sum().items():
        assert number(rows[f"cut_t/{pollutant}"][1]) == pytest.approx(round(cut, 2)), pollutant
    alerts = pd.read_csv(cli_dir / "alerts.csv", encoding="utf-8-sig")
    for level, hours in alerts.groupby("level")["hours"].sum().items():
        assert number(rows[f"alert_hours/{level}"][1]) == hours, level
    assert number(rows["alert_hours/red"][1]) > 0  # the planner's red is in the run
    assert number(rows["alert_hours/red"][2]) == 0  # the automatic run never went red
    if (cli_dir / "transport.csv").is_file():
        blocked = pd.read_csv(cli_dir / "transport.csv", encoding="utf-8-sig")["trips_blocked"]
        assert number(rows["trucks_blocked/"][1]) == blocked.sum()
    decisions = pd.read_csv(cli_dir / "decisions.csv", encoding="utf-8-sig")
    assert "张三" in set(decisions.astype(str).to_numpy().ravel())

    assert problems == [] and outside == []
    context.close()


def test_two_browsers_do_not_see_each_others_exercise(browser, server):
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    for page, name in ((first, "甲"), (second, "乙")):
        page.goto(f"{server}/?lang=en")
        page.fill("#who", name)
        act(page, "#begin")
    act(first, "[data-step=consultation]")
    act(first, "[data-step=consultation]")
    act(first, "#accept")
    second.reload()
    settle(second)
    assert second.text_content("#clock") == "2023-12-12 00:00" and table(second, "#log") == []
    assert "乙" in second.text_content("#deciding")
    act(second, "[data-step=hour]")
    first.reload()
    settle(first)
    assert first.text_content("#clock") == "2023-12-13 10:00"
    assert [row[1] for row in table(first, "#log")] == ["甲"]
    assert "甲" in first.text_content("#deciding")
    for page in (first, second):
        page.context.close()


def test_the_english_switch(browser, server):
    page = browser.new_context().new_page()
    page.goto(f"{server}/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert re.search("Who is deciding", page.text_content("#start"))
    page.context.close()
