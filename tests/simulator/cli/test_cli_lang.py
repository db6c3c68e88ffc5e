"""``--lang`` on every command, the scenario's ``lang``, ``--version``."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from simulator.cli.app import app, main
from simulator.core.rng import smogsim_version

RUNNER = CliRunner()


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"smogsim {smogsim_version()}\n"


def test_every_command_takes_lang():
    for info in app.registered_commands:
        result = RUNNER.invoke(app, [info.name or info.callback.__name__, "--help"])
        assert "--lang" in result.output, info.name


def test_an_unknown_language_is_a_usage_mistake(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["demo", "--lang", "fr", "--out", str(tmp_path / "out")])
    assert done.value.code == 2
    assert "'fr' — expected one of zh, en" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh") / "run"
    result = RUNNER.invoke(app, ["demo", "--lang", "zh", "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_console_speaks_chinese(zh_run):
    _, output = zh_run
    for words in ("预警时间线", "发布橙色预警", "过程 1", "污染物", "达标", "是", "运行目录",
                  "区县", "漯河全市"):
        assert words in output, words
    assert "yes" not in output and "Episode" not in output


def test_csv_keeps_ids_and_machine_booleans_and_adds_chinese_names(zh_run):
    out, _ = zh_run
    audit = pd.read_csv(out / "audit.csv", encoding="utf-8-sig")
    brick = audit[audit["industry"] == "brick_tile"].iloc[0]
    assert brick["industry_name"] == "砖瓦窑" and brick["grade_name"].endswith("级")
    episodes = (out / "episodes.csv").read_text(encoding="utf-8-sig")
    assert ",True," in episodes and "是" not in episodes
    alerts = pd.read_csv(out / "alerts.csv", encoding="utf-8-sig")
    assert alerts["reason"].str.startswith("issued").any()  # the machine record stays
    assert alerts["reason_text"].str.startswith("发布").any()
    assert not any("-0.000000" in p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv"))


def test_the_scenario_chooses_the_language(demo_copy, tmp_path, monkeypatch):
    text = demo_copy.read_text(encoding="utf-8")
    text = text.replace("[scenario]\n", '[scenario]\nlang = "zh"\n', 1)
    demo_copy.write_text(text, encoding="utf-8")
    result = RUNNER.invoke(app, ["run", str(demo_copy), "--no-report", "-q",
                                 "--out", str(tmp_path / "a")])
    assert result.exit_code == 0 and "运行目录" in result.output
    result = RUNNER.invoke(app, ["run", str(demo_copy), "--no-report", "-q", "--lang", "en",
                                 "--out", str(tmp_path / "b")])
    assert result.exit_code == 0 and "run directory" in result.output
