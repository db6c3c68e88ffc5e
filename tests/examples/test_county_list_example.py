"""The county officer's workbook of docs/guide-planner.md ("Bringing your list as it is"):
``runs/data/xiangcheng_county_list.xlsx`` from ``runs/data/make_county_list.py`` and the
scenario ``runs/xiangcheng-county.toml``, read and run end to end."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from alerts.levels import Level
from enterprises.io import read_inventory
from enterprises.response import respond
from simulator.cli.app import app

pytest.importorskip("openpyxl")
ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "runs" / "data" / "xiangcheng_county_list.xlsx"
SCENARIO = ROOT / "runs" / "xiangcheng-county.toml"
RUNNER = CliRunner()


def generator():
    spec = importlib.util.spec_from_file_location(
        "make_county_list", ROOT / "runs" / "data" / "make_county_list.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_the_generator_writes_the_bundled_workbook_byte_for_byte():
    assert generator().workbook_bytes() == WORKBOOK.read_bytes()


@pytest.fixture(scope="module")
def reading():
    return read_inventory(WORKBOOK, city="许昌")


def test_counts_names_and_lines(reading):
    inv = reading.inventory
    # 25 data rows (rows 4–28): 22 plants, the cement plant and both coking plants on two rows
    assert (len(inv), inv.n_lines) == (22, 25)
    multi = np.flatnonzero(inv.lines == 2)
    assert [str(inv.names[i]) for i in multi] == [
        "襄城县永安水泥有限公司", "襄城县瑞祥焦化有限公司", "襄城县鑫源焦化有限公司"]
    # no 企业编号 column: R + the spreadsheet row of the plant's first line
    assert [str(inv.ids[i]) for i in multi] == ["R4", "R7", "R9"]
    assert set(inv.cities) == {"许昌"} and set(inv.counties) == {"襄城县"}
    cement = multi[0]
    assert list(inv.line_names[inv.line_owner == cement]) == ["熟料生产线", "水泥粉磨"]
    notes = "\n".join(reading.notes)
    assert "row 1: title line skipped: 许昌市襄城县重污染天气应急减排清单" in notes
    assert "row 29: total row skipped: 合计" in notes
    assert "row 30: table ends at the footnote: 注：1.排放量" in notes
    assert "备注" in notes and "序号" in notes


def test_flags(reading):
    inv = reading.inventory
    heat = list(inv.names).index("襄城县平安热力有限公司")
    # 是否民生保障 是 → livelihood, graded 引领性 (protected plants reach B or better)
    assert np.flatnonzero(inv.livelihood).tolist() == [heat]
    assert inv.grades[heat] == "引领性" and inv.exemptions[heat] == "livelihood"
    # 是否安装在线监测 是 on the cement plant's two rows and the heat plant
    assert sorted(str(x) for x in inv.names[inv.online_monitoring]) == [
        "襄城县平安热力有限公司", "襄城县永安水泥有限公司"]
    # 重点用车企业 是: cement, 2 coking, 4 refractories, 3 brick plants
    assert int(inv.key_vehicle_user.sum()) == 10


def test_parsed_measures_drive_the_response(reading):
    inv = reading.inventory
    cement, heat = 0, 1
    orange = respond(inv, Level.ORANGE, cumulative=False)
    # cement orange: the kiln row 限产30 %, the grinding row 停止水泥粉磨工序 (stops); online
    # monitoring turns the kiln's partial cut into an emission cap (限排不限产): output kept on
    # the kiln, the grinding line stopped
    kiln, grinding = np.flatnonzero(inv.line_owner == cement)
    assert (orange.line_cut[kiln], orange.line_emission_cut[kiln]) == pytest.approx((0.0, 0.3))
    assert orange.line_cut[grinding] == 1.0
    assert orange.rule[cement] == "一厂一策/R4/orange"
    # heat plant red: 以热定产，负荷不超过80% → a 20 % cut at most, never a stop
    red = respond(inv, Level.RED, cumulative=False)
    assert inv.guaranteed_load[heat] == pytest.approx(0.8)
    assert red.emission_cut[heat] == pytest.approx(0.2)
    # every grade's text was read: no plant falls back to the catalogue
    assert (inv.own_basis != "").all()
    for i, grade in enumerate(inv.grades):
        if grade in ("A", "引领性") and not inv.livelihood[i]:
            assert orange.cut[i] == 0.0 and orange.basis[i] == "self_determined"
        if grade == "D":
            assert orange.cut[i] == 1.0


def test_review_reads_the_scenarios_city_and_passes_the_exemption_check():
    result = RUNNER.invoke(app, ["review", str(WORKBOOK), "--scenario", str(SCENARIO),
                                 "--format", "json"])
    assert result.exit_code == 1  # the county's list misses orange NOx, SO2, VOCs
    data = json.loads(result.output)
    assert data["enterprises"] == 22
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert {f["check"] for f in errors} == {"coverage"}


@pytest.mark.slow
def test_the_scenario_runs_end_to_end(tmp_path):
    out = tmp_path / "xc"
    result = RUNNER.invoke(app, ["run", str(SCENARIO), "--out", str(out), "--json",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["cut_base"] == "city-wide"
    assert [a["level"] for a in doc["alerts"]] == ["temporary", "yellow", "orange",
                                                   "temporary"]
    plants = (out / "enterprises.csv").read_text(encoding="utf-8-sig")
    assert "R4,襄城县永安水泥有限公司,襄城县,cement,B" in plants
