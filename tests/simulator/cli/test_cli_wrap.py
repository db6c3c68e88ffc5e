"""Chinese console text (simulator.cli.wrap): alert reasons and review findings wrap between
characters, never inside a timestamp or a number and its unit, never before closing
punctuation; English keeps rich's own wrapping. The line prefixes take no space after a
full-width colon. A one-city regional run is not called 区域联动."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from simulator.cli.app import app
from simulator.cli.common import prefixed
from simulator.cli.regional import alerts_table
from simulator.cli.wrap import Prose, break_offsets, prose, units

REASON = ("1. 发布临时管控预警：预测日AQI>100持续2天（自2023-12-13 10:00起）（临时管控：日AQI>150，"
          "或日AQI>100持续≥48小时（临时管控））；2023-12-21 03:00解除：预测低于临时管控条件持续"
          "≥36小时；排放削减 20 %（产量 20 %）")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
CLOSING = "，。、；：）%"


def _lines(renderable, width: int) -> list[str]:
    console = Console(width=width, no_color=True, record=True)
    table = Table(caption=renderable, caption_justify="left")
    table.add_column("a")
    table.add_column("b")
    table.add_row("x" * 10, renderable)
    console.print(table)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 100])
def test_chinese_breaks_neither_timestamps_nor_units_nor_before_closing_punctuation(width):
    lines = [line.strip("│ ") for line in _lines(Prose(REASON), width)]
    text = "\n".join(lines)
    assert len(STAMP.findall(text)) == 4  # both timestamps whole, in the cell and the caption
    assert not any(line[:1] in CLOSING for line in lines if line)
    assert "20\n" not in text  # "20 %" stays together


def test_offsets_fill_lines_and_chop_only_what_fits_no_line():
    assert break_offsets("漯河" * 10, 8) == [4, 8, 12, 16]
    assert break_offsets("2023-12-21 03:00", 10) == [10]  # wider than a line: chopped
    assert [u for _, u in units("（第4、5行）")] == ["（第", "4、", "5", "行）"]


def test_english_keeps_rich_wrapping_and_markup_escaped():
    assert prose("a [b] c", "en") == r"a \[b] c"
    assert isinstance(prose("甲", "zh"), Prose)


def test_prefixes_take_no_space_after_a_full_width_colon():
    assert [prefixed(k, "zh") for k in ("error", "warning", "note", "valid")] == [
        "错误：", "警告：", "提示：", "有效："]
    assert prefixed("warning", "en") == "warning: "
    assert prefixed("note", "en", "yellow") == "[yellow]note:[/] "


def test_validate_warnings_in_chinese_and_english_unchanged():
    args = ["validate", "runs/data/xiangcheng_county_list.xlsx", "--city", "许昌"]
    zh = CliRunner().invoke(app, [*args, "--lang", "zh"], env={"COLUMNS": "200"}).output
    en = CliRunner().invoke(app, [*args, "--lang", "en"], env={"COLUMNS": "200"}).output
    assert "警告：第1行：标题行已跳过：许昌市襄城县" in zh and "警告：表头在第3行\n" in zh
    assert "row 1" not in zh and "skipped" not in zh
    assert "warning: row 1: title line skipped: 许昌市襄城县" in en
    assert "warning: header in row 3\n" in en


def _regional(cities: list[str]):
    alerts = pd.DataFrame(columns=["city", "start", "level", "level_zh", "issued_at", "end",
                                   "hours"])
    return SimpleNamespace(spec=SimpleNamespace(cities=cities), response="regional",
                           combined=lambda: SimpleNamespace(alerts=alerts))


def test_one_city_is_no_regional_linkage():
    assert alerts_table(_regional(["漯河"]), "zh").title == "预警时间线 — 漯河（单城市）"
    linked = alerts_table(_regional(["漯河", "许昌"]), "zh").title
    assert linked == "预警时间线 — 漯河，许昌（区域联动）"
    assert alerts_table(_regional(["漯河"]), "en").title == "Alert timeline — 漯河 (regional)"
