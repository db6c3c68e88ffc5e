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


# -- the other commands in Chinese (docs/changes.md, "A Chinese desk") ----------------------

LUOHE_LIST = "runs/data/luohe_inventory.csv"
XUCHANG_LIST = "runs/data/xuchang_inventory.csv"


def test_validate_speaks_chinese_and_names_industries_and_grades():
    result = RUNNER.invoke(app, ["validate", LUOHE_LIST, "--lang", "zh"])
    assert result.exit_code == 0, result.output
    for words in ("有效：", "企业 300 家", "各行业基准排放", "砖瓦窑", "B级", "合计", "吨/年",
                  "民生保障"):
        assert words in result.output, words
    assert "enterprises" not in result.output and "brick_tile" not in result.output
    quiet = RUNNER.invoke(app, ["validate", LUOHE_LIST, "-q", "--lang", "zh"])
    assert quiet.output == f"有效：{LUOHE_LIST}（企业 300 家）\n"


def test_alerts_speak_chinese_and_keep_the_english_csv(tmp_path):
    obs = tmp_path / "obs.csv"
    hours = pd.date_range("2023-12-10", periods=24 * 8, freq="h")
    pm25 = [300.0 if 48 <= i < 150 else 30.0 for i in range(len(hours))]
    pd.DataFrame({"city": "漯河", "time": hours.strftime("%Y-%m-%d %H:%M"), "PM2.5": pm25}
                 ).to_csv(obs, index=False)
    zh = RUNNER.invoke(app, ["alerts", "--observations", str(obs), "--lang", "zh"],
                       env={"COLUMNS": "200"})
    assert zh.exit_code == 0, zh.output
    for words in ("预警时间线", "序号", "首要污染物", "发布", "预报"):
        assert words in zh.output, words
    assert "Alert timeline" not in zh.output
    quiet = RUNNER.invoke(app, ["alerts", "--observations", str(obs), "-q", "--lang", "zh"])
    assert quiet.output.startswith("漯河共 ") and "最高" in quiet.output
    csv_zh = RUNNER.invoke(app, ["alerts", "--observations", str(obs), "--format", "csv",
                                 "--lang", "zh"])
    csv_en = RUNNER.invoke(app, ["alerts", "--observations", str(obs), "--format", "csv"])
    assert csv_zh.output == csv_en.output  # the CSV is the machine record


@pytest.fixture(scope="module")
def reviews():
    out = {}
    for lang in ("en", "zh"):
        for fmt in ("table", "csv"):
            result = RUNNER.invoke(app, ["review", XUCHANG_LIST, "--scenario", "runs/xuchang.toml",
                                         "--format", fmt, "--lang", lang])
            assert result.exit_code in (0, 1), result.output
            out[lang, fmt] = result.output
    return out


def test_review_table_speaks_chinese(reviews):
    output = reviews["zh", "table"]
    for words in ("绩效分级审查", "检查项", "一致性", "目标覆盖", "橙色", "豁免企业", "审查"):
        assert words in output, words
    assert "review passed" not in output and "review failed" not in output
    assert "review passed" in reviews["en", "table"] or "review failed" in reviews["en", "table"]


def test_review_csv_appends_name_columns_in_the_runs_language(reviews):
    import io

    en = pd.read_csv(io.StringIO(reviews["en", "csv"].lstrip("\ufeff")), keep_default_na=False)
    zh = pd.read_csv(io.StringIO(reviews["zh", "csv"].lstrip("\ufeff")), keep_default_na=False)
    names = ["industry_name", "grade_name", "level_name", "message_text"]
    assert list(zh.columns[-4:]) == names and list(en.columns) == list(zh.columns)
    ids = [c for c in zh.columns if c not in names]
    pd.testing.assert_frame_equal(en[ids], zh[ids])  # ids and values unchanged
    row = zh[zh["level"] == "orange"].iloc[0]
    assert row["level_name"] == "橙色"
    other = zh[zh["industry"] == "other"]
    assert (other["industry_name"] == "其他").all()
    # the message in the run's language beside the English one, which stays as it was
    assert (en["message_text"] == en["message"]).all()
    looser = zh[zh["message"].str.startswith("一厂一策 at orange is looser")].iloc[0]
    assert looser["message_text"].startswith("橙色预警下的一厂一策比同类企业宽松：排放削减 ")
    assert not zh["message_text"].str.contains("plant|target|base", regex=True).any()


def test_error_prefix_follows_the_language(capsys):
    from simulator.cli.app import main

    with pytest.raises(SystemExit) as done:
        main(["review", XUCHANG_LIST, "--format", "pdf", "--lang", "zh"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "--format" in err and err.count("\n") == 1


@pytest.mark.slow
def test_regional_names_its_quantities_with_their_base(tmp_path):
    en = RUNNER.invoke(app, ["regional", "runs/regional-luohe-xuchang.toml", "--no-report",
                             "--out", str(tmp_path / "en")], env={"COLUMNS": "250"})
    zh = RUNNER.invoke(app, ["regional", "runs/regional-luohe-xuchang.toml", "--no-report",
                             "--out", str(tmp_path / "zh"), "--lang", "zh"], env={"COLUMNS": "250"})
    assert en.exit_code == 0 and zh.exit_code == 0, en.output + zh.output
    assert "PM2.5 reduction in alert h, % of without" in en.output
    assert "cut in alert h %" not in en.output
    for words in ("预警时间线", "预警时段 PM2.5 降幅 %（相对不采取措施）",
                  "谁的措施改善了谁的空气", "运行目录"):
        assert words in zh.output, words
    for name in ("episodes.csv", "heavy_pollution.csv"):
        if (tmp_path / "en" / name).exists():
            assert pd.read_csv(tmp_path / "en" / name, encoding="utf-8-sig").columns.equals(
                pd.read_csv(tmp_path / "zh" / name, encoding="utf-8-sig").columns)


def test_ctrl_c_leaves_one_line_in_the_command_language(capsys, tmp_path, monkeypatch):
    import simulator.cli.report as report_command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_command, "write_report", interrupted)
    (tmp_path / "alerts.csv").write_text("city\n", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["report", str(tmp_path), "--lang", "zh"])
    assert done.value.code == 130
    assert capsys.readouterr().err == "已中断\n"


def test_an_interrupted_replay_says_how_many_runs_it_kept_in_the_language():
    from pathlib import Path

    from simulator.batch.replay import ReplayInterrupted
    from simulator.cli.app import interrupted_line

    stop = ReplayInterrupted(Path("out/parts"), 3, 10)
    assert interrupted_line(stop, "zh").startswith("已中断：已保留 10 次运行中的 3 次，保存在 out")
    assert interrupted_line(stop, "en").startswith("interrupted: 3 of 10 runs kept in out")
    assert interrupted_line(KeyboardInterrupt(), "en") == "interrupted"
