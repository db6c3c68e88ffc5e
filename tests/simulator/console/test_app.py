"""Every endpoint of the console, its refusals and its limits (stand-in exercise)."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from simulator.cli.app import app as cli_app
from simulator.console import uploads
from simulator.console.app import create_app
from simulator.console.sessions import COOKIE, SessionStore
from tests.simulator.console.standin import ENGINE

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "runs" / "demo.toml"
DATA = ROOT / "runs" / "data"


def state(client, lang="zh"):
    response = client.get(f"/api/state?lang={lang}")
    assert response.status_code == 200, response.text
    return response.json()


def refused(response, field: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    return response.json()["error"]


# -- the page -------------------------------------------------------------------------------

def test_page_is_chinese_by_default_with_an_english_switch(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "应急演练台" in page.text
    assert 'href="/?lang=en"' in page.text
    assert COOKIE in page.cookies
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Rehearsal console" in english.text
    assert client.get("/").text.count("Rehearsal console") >= 1  # the choice is remembered


def test_every_asset_is_served_locally(client):
    page = client.get("/").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and not [s for s in sources if re.match(r"(https?:)?//", s)]
    for source in sources:
        if source.startswith(("/static/", "/vendor/")):
            assert client.get(source).status_code == 200, source
    script = client.get("/static/console.js").text
    assert "http://" not in script and "https://" not in script.replace(
        "https://vega.github.io/schema/vega-lite/v6.json", "")  # a schema id, never fetched


def test_labels_of_both_languages_cover_the_page(client):
    from simulator.console.app import labels

    zh, en = labels("zh"), labels("en")
    assert set(zh) == set(en)
    used = set(re.findall(r'labels\["([\w.]+)"\]', (ROOT / "simulator/console/templates/"
                                                    "index.html").read_text(encoding="utf-8")))
    used |= set(re.findall(r'L\["([\w.]+)"\]', (ROOT / "simulator/console/static/console.js")
                           .read_text(encoding="utf-8")))
    templated = {u for u in used if u.endswith(".")}
    assert used - templated <= set(zh), sorted(used - templated - set(zh))


# -- state and actions ---------------------------------------------------------------------

def test_state_opens_the_scenario_on_first_use(client):
    first = state(client)
    assert first["clock"] == "2023-12-14T00:00" and first["scenario"] == "demo.toml"
    assert first["comparison"] is None and first["who"] == ""


def test_name_is_required_and_used_for_decisions(client):
    blank = client.post("/api/name", json={"who": "  "})
    assert refused(blank, "who") == "姓名：应为 1 至 40 个字符"
    assert refused(client.post("/api/name?lang=en", json={"who": "x" * 41}), "who").startswith(
        "name:")
    assert client.post("/api/name", json={"who": "张三"}).json() == {"who": "张三"}
    after = client.post("/api/accept", json={}).json()
    assert after["who"] == "张三"
    assert after["log"][-1] | {} == {**after["log"][-1], "who": "张三", "kind": "accepted"}


def test_steps_by_hour_consultation_event_and_to_the_end(client):
    assert client.post("/api/step", json={"kind": "hour"}).json()["clock"] == "2023-12-14T01:00"
    at = client.post("/api/step", json={"kind": "consultation"}).json()
    assert at["clock"] == "2023-12-14T10:00" and at["at_consultation"] is True
    assert client.post("/api/step", json={"kind": "event"}).json()["clock"] == "2023-12-15T10:00"
    end = client.post("/api/step", json={"kind": "end"}).json()
    assert end["finished"] is True and end["comparison"][0]["automatic"] == 1.0
    assert refused(client.post("/api/step", json={"kind": "end"}), "step") == "演练已结束"


def test_a_step_of_an_unknown_kind_is_refused_in_both_languages(client):
    assert refused(client.post("/api/step?lang=en", json={"kind": "week"}), "step") == (
        "kind: 'week' — expected one of hour, consultation, event, end")
    assert "应为 hour" in refused(client.post("/api/step", json={"kind": "week"}), "step")
    assert refused(client.post("/api/step", content=b"[1]"), "request") == "请求：应为 JSON 对象"
    assert refused(client.post("/api/step", content=b"{"), "request")


def test_decisions_and_their_refusals(client):
    client.post("/api/accept", json={})
    message = refused(client.post("/api/decide?lang=en", json={"action": "upgrade",
                                                               "level": "yellow"}), "action")
    assert message == "upgrade to yellow: not above the alert in force"
    assert refused(client.post("/api/decide", json={"action": "upgrade", "level": "yellow"}),
                   "action") == "升级到yellow：不高于当前预警"
    red = client.post("/api/decide", json={"action": "upgrade", "level": "red", "note": "n"})
    assert red.status_code == 200 and red.json()["alert"]["level"] == "red"
    assert refused(client.post("/api/decide", json={"action": "panic"}), "action")
    assert refused(client.post("/api/decide?lang=en", json={"action": "shift",
                                                            "start": "2023-12-14T08:30"}),
                   "start") == "start: '2023-12-14T08:30' — expected a whole hour, YYYY-MM-DDTHH:00"
    assert refused(client.post("/api/decide", json={"action": "shift", "end": "soon"}), "end")
    client.post("/api/step", json={"kind": "hour"})
    past = client.post("/api/decide", json={"action": "shift", "start": "2023-12-14T00:00"})
    assert refused(past, "action") == "开始：早于当前时间"
    lifted = client.post("/api/decide", json={"action": "lift"}).json()
    assert lifted["alert"] is None and [r["action"] for r in lifted["log"]] == [
        "issue", "upgrade", "lift"]


def test_dispatch_checks_county_and_teams(client):
    assert refused(client.post("/api/dispatch", json={"county": "", "teams": 1}), "county")
    for teams in (-1, 101, 1.5, "2", True, None):
        assert refused(client.post("/api/dispatch", json={"county": "源汇区", "teams": teams}),
                       "teams")
    assert refused(client.post("/api/dispatch?lang=en", json={"county": "火星", "teams": 1}),
                   "county") == "county 火星: not in the list"
    sent = client.post("/api/dispatch", json={"county": "源汇区", "teams": 3}).json()
    assert sent["log"][-1]["note"] == "源汇区 3"


def test_linkage_needs_a_boolean_and_a_region(client):
    assert refused(client.post("/api/linkage", json={"on": "yes"}), "linkage")
    assert refused(client.post("/api/linkage?lang=en", json={"on": True}), "linkage") == (
        "linkage: the scenario has no region file")


def test_restart_starts_over(client):
    client.post("/api/step", json={"kind": "end"})
    assert client.post("/api/restart", json={}).json()["clock"] == "2023-12-14T00:00"


# -- sessions ------------------------------------------------------------------------------

def test_two_browsers_do_not_see_each_others_exercise(client, other):
    client.post("/api/name", json={"who": "甲"})
    client.post("/api/step", json={"kind": "consultation"})
    client.post("/api/accept", json={})
    other.post("/api/name", json={"who": "乙"})
    mine, theirs = state(client), state(other)
    assert mine["clock"] == "2023-12-14T10:00" and theirs["clock"] == "2023-12-14T00:00"
    assert mine["who"] == "甲" and theirs["who"] == "乙"
    assert len(mine["log"]) == 1 and theirs["log"] == []
    assert client.cookies[COOKIE] != other.cookies[COOKIE]


def test_an_unknown_cookie_gets_a_new_session(app):
    with TestClient(app, cookies={COOKIE: "forged"}) as browser:
        answer = browser.get("/api/state")
        assert answer.cookies[COOKIE] not in ("", "forged")


def test_the_store_drops_the_least_recently_used_and_idle_sessions(tmp_path):
    now = [0.0]
    store = SessionStore(tmp_path / "s", max_sessions=2, idle_seconds=100, clock=lambda: now[0])
    a, _ = store.get(None)
    now[0] = 1
    b, _ = store.get(None)
    now[0] = 2
    assert store.get(a.sid) == (a, False)  # a used last
    now[0] = 3
    _, new = store.get(None)
    assert new and b.sid not in store and a.sid in store and not b.folder.exists()
    now[0] = 200
    d, _ = store.get(None)
    assert len(store) == 1 and d.sid in store and not a.folder.exists()
    store.close()
    assert not (tmp_path / "s").exists()


# -- files ---------------------------------------------------------------------------------

def test_save_and_load_an_exercise(client, other):
    client.post("/api/name", json={"who": "张三"})
    client.post("/api/step", json={"kind": "consultation"})
    client.post("/api/accept", json={})
    saved = client.get("/download/exercise")
    assert saved.status_code == 200
    assert "attachment; filename*=UTF-8''exercise-" in saved.headers["content-disposition"]
    loaded = other.post("/upload/exercise", files={"exercise": ("mine.json", saved.content)})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["clock"] == "2023-12-14T10:00"
    assert loaded.json()["log"] == state(client)["log"]


def test_a_broken_exercise_file_is_one_line_next_to_its_field(client):
    bad = client.post("/upload/exercise?lang=en",
                      files={"exercise": ("old.json", b"not an exercise")})
    message = refused(bad, "exercise")
    assert message.startswith("old.json: not an exercise file")
    assert "\n" not in message and "/tmp" not in message
    assert refused(client.post("/upload/exercise", files={"exercise": ("x.txt", b"1")}),
                   "exercise").startswith("x.txt: exercise — expected a file ending in")
    assert refused(client.post("/upload/exercise", files={}), "exercise") == (
        "未选择文件——至少需要一个文件")


def test_export_a_run_directory_and_its_report(client):
    client.post("/api/step", json={"kind": "consultation"})
    client.post("/api/accept", json={})
    zipped = client.get("/download/run.zip?lang=en")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert sorted(Path(n).name for n in names) == ["alerts.csv", "report.html"]
    assert len({Path(n).parts[0] for n in names}) == 1
    report = client.get("/download/report.html?lang=en")
    assert report.status_code == 200 and report.text == "<html lang=en>report</html>"


# -- uploads: the command line's validation and lines ----------------------------------------

def cli_error(scenario: Path) -> str:
    """The one line ``smogsim run`` prints for ``scenario``, its folder cut off."""
    result = CliRunner().invoke(cli_app, ["run", str(scenario), "--lang", "en", "--no-report",
                                          "--out", str(scenario.parent / "out")])
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1].removeprefix("error: ")
    return line.replace(f"{scenario.parent}/", "")


def scenario_folder(tmp_path: Path, rows: int = 40) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir()
    shutil.copy(DEMO, folder / "demo.toml")
    (folder / "data").mkdir()
    shutil.copy(DATA / "luohe_2023-12_forecast.csv", folder / "data")
    lines = (DATA / "luohe_inventory.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "data" / "luohe_inventory.csv").write_text("\n".join(lines[:rows]) + "\n",
                                                        encoding="utf-8")
    return folder


def send(client, lang="en", **files: Path):
    return client.post(f"/upload/scenario?lang={lang}", files={
        field: (path.name, path.read_bytes()) for field, path in files.items()})


def test_a_good_list_and_forecast_replace_the_open_scenarios(client, tmp_path):
    folder = scenario_folder(tmp_path)
    opened = send(client, list=folder / "data" / "luohe_inventory.csv",
                  forecast=folder / "data" / "luohe_2023-12_forecast.csv")
    assert opened.status_code == 200, opened.text
    assert opened.json()["scenario"] == "demo.toml"  # the demo with the files replaced


def test_a_bad_list_shows_the_command_lines_error_next_to_the_list(client, tmp_path):
    folder = scenario_folder(tmp_path)
    path = folder / "data" / "luohe_inventory.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",brick_tile,B,", ",brick_tile,Q,", 1),
                    encoding="utf-8")
    expected = cli_error(folder / "demo.toml").replace("data/", "")
    message = refused(send(client, list=path), "list")
    assert message == expected and "luohe_inventory.csv" in message and "grade" in message


def test_a_bad_forecast_shows_the_command_lines_error_next_to_the_forecast(client, tmp_path):
    folder = scenario_folder(tmp_path)
    path = folder / "data" / "luohe_2023-12_forecast.csv"
    text = path.read_text(encoding="utf-8-sig").splitlines()
    text[5] = text[5].rsplit(",", 1)[0] + ",-7"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    expected = cli_error(folder / "demo.toml").replace("data/", "")
    assert refused(send(client, forecast=path), "forecast") == expected


def test_an_uploaded_scenario_reads_the_files_sent_with_it(client, tmp_path):
    folder = scenario_folder(tmp_path)
    scenario = folder / "demo.toml"
    alone = refused(send(client, scenario=scenario), "scenario")
    assert "inventory.file" in alone and "\n" not in alone and str(tmp_path) not in alone
    together = send(client, scenario=scenario, list=folder / "data" / "luohe_inventory.csv",
                    forecast=folder / "data" / "luohe_2023-12_forecast.csv")
    assert together.status_code == 200, together.text
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nname = 1\n", encoding="utf-8")
    message = refused(send(client, scenario=broken), "scenario")
    assert message == cli_error(broken)


def test_upload_limits_are_stated_and_enforced(client, tmp_path, monkeypatch):
    page = client.get("/?lang=en").text
    for field, limit in uploads.LIMITS.items():
        assert f"at most {limit // uploads.MIB} MiB (size limit, assumption)" in page, field
    monkeypatch.setitem(uploads.LIMITS, "list", 1000)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2000)
    assert refused(send(client, list=big), "list", 413) == (
        "big.csv: 0.0 MiB — expected at most 0 MiB for list (size limit, assumption)")
    huge = client.post("/upload/scenario", content=b"x" * (uploads.request_limit(
        ("scenario", "list", "forecast")) + 1), headers={"content-type": "multipart/form-data"})
    assert refused(huge, "request", 413).startswith("request body over")
    assert refused(client.post("/api/step", content=b" " * 70_000), "request", 413)


def test_a_request_body_without_a_length_is_counted(app):
    """A chunked body (no Content-Length) over the limit is cut off while it arrives."""

    def chunks():
        for _ in range(100):
            yield b" " * 1000

    with TestClient(app) as browser:
        response = browser.post("/api/step", content=chunks())
    assert response.status_code == 413


def test_upload_names_are_cleaned(tmp_path):
    assert uploads.clean_name("../../etc/list.csv", "list") == "list.csv"
    assert uploads.clean_name("C:\\a\\清单 2023.xlsx", "list") == "清单_2023.xlsx"
    assert uploads.clean_name(".hidden.toml", "scenario") == "hidden.toml"
    with pytest.raises(uploads.UploadError, match="expected a file ending in .toml"):
        uploads.clean_name("evil.sh", "scenario")


# -- who may use it ------------------------------------------------------------------------

def test_a_token_is_asked_for_when_the_app_has_one(tmp_path):
    app = create_app(engine=ENGINE, token="s3cret", allowed_hosts=None,
                     store=SessionStore(tmp_path / "s"))
    with TestClient(app, follow_redirects=False) as browser:
        assert browser.get("/").status_code == 401
        assert browser.get("/api/state").status_code == 401
        assert browser.get("/?token=wrong").status_code == 401
        entered = browser.get("/?lang=en&token=s3cret")
        assert entered.status_code == 303 and entered.headers["location"] == "/?lang=en"
        assert browser.get("/api/state").status_code == 200
    with TestClient(app) as stranger:
        assert stranger.post("/api/step", json={"kind": "hour"}).status_code == 401


def test_a_local_server_answers_only_local_host_names(tmp_path):
    app = create_app(engine=ENGINE, store=SessionStore(tmp_path / "s"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as local:
        assert local.get("/").status_code == 200
    with TestClient(app, base_url="http://localhost:8765") as local:
        assert local.get("/").status_code == 200
    with TestClient(app, base_url="http://attacker.example") as rebound:
        assert rebound.get("/api/state").status_code == 400


def test_a_post_from_another_origin_is_refused(client):
    foreign = client.post("/api/step", json={"kind": "hour"},
                          headers={"origin": "http://attacker.example"})
    assert foreign.status_code == 403
    same = client.post("/api/step", json={"kind": "hour"}, headers={"origin": "http://testserver"})
    assert same.status_code == 200
