"""The catalogues, the language chosen, reasons by language, name columns, no negative zero."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.levels import Level
from enterprises.industries import INDUSTRIES, INDUSTRY_IDS
from enterprises.measures import BASES
from simulator.city.run import run_scenario
from simulator.io.files import csv_bytes, no_negative_zero
from simulator.io.inputs import load_scenario
from simulator.lang import (
    LangError,
    add_names,
    industry_name,
    reason_parts,
    render_reason,
    resolve_lang,
    text,
)
from simulator.lang.catalogue import catalogue

ROOT = Path(__file__).resolve().parents[3]


def test_both_catalogues_have_the_same_keys():
    assert set(catalogue("en")) == set(catalogue("zh"))


def test_every_industry_grade_level_and_measure_has_a_name_in_both():
    for lang in ("en", "zh"):
        names = catalogue(lang)
        assert {k.split(".", 1)[1] for k in names if k.startswith("industry.")} == set(INDUSTRY_IDS)
        assert {k.split(".", 1)[1] for k in names if k.startswith("measure.")} == set(BASES)
        assert {k.split(".", 1)[1] for k in names if k.startswith("level.")} == {
            lv.id for lv in Level if lv != Level.NONE}
    # Chinese names are the ones enterprises and alerts already carry
    assert all(industry_name(ind.id, "zh") == ind.zh for ind in INDUSTRIES)
    assert all(text(f"level.{lv.id}", "zh") == lv.zh for lv in Level if lv != Level.NONE)


def _keys_used_in_code() -> list[tuple[str, str]]:
    """(file:line, key or key prefix) of every text(...) call with a literal or f-string key."""
    found = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "text" and node.args):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for arg in (node.args[0].body, node.args[0].orelse) \
                    if isinstance(node.args[0], ast.IfExp) else (node.args[0],):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((where, arg.value))
                elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                    found.append((where, str(arg.values[0].value) + "*"))
    return found


def test_every_key_used_in_code_is_in_the_catalogues():
    used = _keys_used_in_code()
    assert len(used) > 30  # the scan finds the calls
    keys = set(catalogue("en"))
    missing = [(where, key) for where, key in used
               if not (key[:-1] and any(k.startswith(key[:-1]) for k in keys)
                       if key.endswith("*") else key in keys)]
    assert missing == []


def test_placeholders_are_the_same_in_both_languages():
    fields = re.compile(r"{(\w*)}")
    en, zh = catalogue("en"), catalogue("zh")
    # Chinese may leave out a field English needs (the space before "(temporary control)") and
    # say an id field's name (``level`` → ``level_name``: simulator.lang.messages)
    def allowed(key: str) -> set[str]:
        said = set(fields.findall(en[key]))
        return said | {f"{f}_name" for f in said}

    assert [k for k in en if not set(fields.findall(zh[k])) <= allowed(k)] == []


@pytest.mark.parametrize(("option", "scenario", "env", "expected"), [
    ("en", "zh", {"SMOGSIM_LANG": "zh", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, "zh", {"SMOGSIM_LANG": "en"}, "zh"),
    (None, None, {"SMOGSIM_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
    (None, None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, None, {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
    (None, None, {"LANG": "C.UTF-8"}, "en"),
    (None, None, {}, "en"),
])
def test_the_language_comes_from_option_then_scenario_then_env_then_locale(
        option, scenario, env, expected):
    assert resolve_lang(option, scenario, env) == expected


def test_an_unknown_language_is_a_one_line_mistake():
    with pytest.raises(LangError, match="'fr'.*expected one of zh, en"):
        resolve_lang("fr", None, {})


# reasons exactly as alerts/ writes them (triggers, lifecycle, timeline, region)
REASONS = [
    "issued orange: forecast daily AQI > 200 on 2 days from 2023-12-15 07:00 (orange: daily AQI "
    "> 200 lasting 48 h, or daily AQI > 150 lasting ≥ 72 h); lift 2023-12-20 20:00: forecast "
    "daily AQI ≤ 200 and no criterion met for ≥ 36 h",
    "upgraded red: held at red (the higher level applies across a short dip, and a level lasts at "
    "least 24 h; red: daily AQI > 200 lasting 72 h and daily AQI > 300 lasting ≥ 24 h); "
    "downgraded 2023-12-18 00:00; not counted: dust-driven 2023-12-14 00:00 → 2023-12-14 23:00 "
    "(daily AQI up to 412), ozone-driven 2023-12-16 00:00 → 2023-12-16 05:00 (daily AQI up to 205)",
    "yellow resumes after the higher level ended (decision issued 2023-12-12 10:00)",
    "regional orange: 3 cities at orange or above at 2023-12-14 12:00 (郑州, 许昌, 漯河) — "
    "hn-link: ≥ 2 adjacent cities at orange or above [sources.md §3.4]",
    "regional yellow (hn-zone, unified; zone forecast = mean of 郑州, 许昌 under mee-2024): issued "
    "yellow: forecast daily AQI > 200 on 1 day from 2023-12-14 00:00 (yellow: daily AQI > 200, "
    "or daily AQI > 150 lasting ≥ 48 h)",
    "dispatch order-7: not below orange 2023-12-14 00:00 → 2023-12-16 00:00 [sources.md §3.1]",
    "issued temporary: forecast daily AQI > 100 on 2 days from 2023-12-13 10:00 (temporary: daily "
    "AQI > 150, or daily AQI > 100 lasting ≥ 48 h (temporary control)); lift 2023-12-21 03:00: "
    "forecast below temporary control for ≥ 36 h",
]


@pytest.mark.parametrize("reason", REASONS)
def test_a_reason_rendered_in_english_is_the_reason_itself(reason):
    assert render_reason(reason, "en") == reason


@pytest.mark.parametrize("reason", REASONS)
def test_a_reason_in_chinese_keeps_no_english_words(reason):
    zh = render_reason(reason, "zh")
    # left in Latin letters: rule and order ids, rule-set ids, sources, "mean"
    kept = {"AQI", "sources", "mean", "link", "zone", "order", "mee"}
    words = set(re.findall(r"[A-Za-z]{3,}", zh)) - kept
    assert words == set(), zh


def test_golden_chinese_reasons():
    assert render_reason(REASONS[0], "zh") == (
        "发布橙色预警：预测日AQI>200持续2天（自2023-12-15 07:00起）（橙色：日AQI>200持续48小时，"
        "或日AQI>150持续≥72小时）；2023-12-20 20:00解除：预测日AQI≤200且不满足任何条件持续≥36小时")
    assert render_reason(REASONS[5], "zh") == (
        "调度order-7：2023-12-14 00:00 → 2023-12-16 00:00不低于橙色 [sources.md §3.1]")


@given(st.text(max_size=60))
def test_any_text_survives_english_rendering(words):
    """Unknown text passes through: nothing a new phrase in alerts/ writes is ever lost."""
    assert render_reason(words, "en") == words


def test_reason_parts_are_codes_and_fields():
    parts = reason_parts("lift 2023-12-21 03:00: forecast below temporary control for ≥ 36 h")
    assert parts[0].code == "lift" and parts[0].fields == {
        "time": "2023-12-21 03:00", "below": "below temporary control", "hours": "36"}


@pytest.fixture(scope="module")
def demo_run():
    return run_scenario(load_scenario(ROOT / "runs" / "demo.toml"))


def test_every_reason_of_the_demo_renders_both_ways(demo_run):
    reasons = demo_run.result.alerts["reason"].tolist()
    assert reasons
    for reason in reasons:
        assert render_reason(reason, "en") == reason
        assert not re.search(r"[a-z]{4,}", render_reason(reason, "zh").replace("mee", ""))


def test_name_columns_are_added_after_the_ids(demo_run):
    frame = demo_run.result.audit
    named = add_names(frame, "zh")
    assert list(named.columns[:len(frame.columns)]) == list(frame.columns)
    assert named.columns[len(frame.columns):].tolist() == ["industry_name", "grade_name",
                                                            "measure_name", "level_name"]
    brick = named[named["industry"] == "brick_tile"].iloc[0]
    assert brick["industry_name"] == "砖瓦窑" and brick["measure_name"] in ("限产", "停产")
    assert set(named["level_name"]) <= {"临时管控", "黄色", "橙色"}
    pd.testing.assert_frame_equal(named[frame.columns], frame)  # ids untouched


def test_enterprise_names_join_tables_without_a_name_column():
    named = add_names(pd.DataFrame({"enterprise": ["E1", "E2"]}), "en", {"E1": "甲厂"})
    assert named["enterprise_name"].tolist() == ["甲厂", ""]


@given(st.lists(st.floats(-1e-5, 1e-5, allow_nan=False), min_size=1, max_size=20))
def test_no_csv_cell_is_negative_zero(values):
    data = csv_bytes(pd.DataFrame({"cut_t": values})).decode("utf-8-sig")
    assert "-0.000000" not in data
    assert [float(v) for v in data.split("\n")[1:-1]] == pytest.approx(values, abs=5e-7)


def test_negative_zero_is_only_rounding_dust():
    out = no_negative_zero(pd.DataFrame({"a": [-0.0, -4e-7, -6e-7, 0.3], "b": ["x"] * 4}))
    assert not np.signbit(out["a"].to_numpy()[:2]).any()
    assert out["a"].tolist()[2:] == [-6e-7, 0.3]


def test_a_replay_without_alert_names_its_peak_level_in_both():
    from simulator.lang import level_name
    assert (level_name("none", "en"), level_name("none", "zh")) == ("none", "无预警")


def test_bundled_truck_rule_sets_have_chinese_names_and_a_bureaus_own_keeps_its_id():
    import tomllib

    from simulator.cli.run import truck_rules_name
    bundled = tomllib.loads((ROOT / "enterprises" / "data" / "transport_rules.toml")
                            .read_text(encoding="utf-8"))["rulesets"]
    for rules_id in bundled:
        assert truck_rules_name(rules_id, "en") == rules_id
        assert truck_rules_name(rules_id, "zh") not in ("", rules_id)
    assert truck_rules_name("bureau-2025", "zh") == "bureau-2025"


def test_compliance_and_truck_codes_are_named():
    frame = pd.DataFrame({"finding": ["not_stopping", "compliant", ""],
                          "evidence": ["video", "inspection", "none"],
                          "key_source": ["trips", "list", "industry"],
                          "alert_level": ["none", "orange", "red"]})
    zh = add_names(frame, "zh")
    assert zh["finding_name"].tolist() == ["应停未停", "按要求执行", ""]
    assert zh["evidence_name"].tolist() == ["视频监控", "现场检查", "无"]
    assert zh["key_source_name"].tolist() == ["日均车次达到门槛（兜底）", "清单标注",
                                              "大宗物料运输行业"]
    assert zh["alert_level_name"].tolist() == ["无预警", "橙色", "红色"]
    assert add_names(frame, "en")["finding_name"].tolist() == ["not stopping", "compliant", ""]
    assert add_names(frame.assign(finding=["new_code", "", ""]), "zh")["finding_name"][0] == \
        "new_code"  # a code the catalogue does not know stays readable as it is
