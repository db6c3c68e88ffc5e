"""Lists laid out the way bureaus fill them in, read end to end.

Each test builds a list with its own layout and spellings (title rows, merged cells, 序号,
two-row headers, GBK CSV, kg/h, a 合计 row, a footnote) and checks counts, names, flags and
parsed measures against values worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from alerts.levels import Level
from enterprises.errors import InventoryError, InventoryProblems
from enterprises.io import load_inventory, read_inventory
from enterprises.places import in_place, same_place
from enterprises.response import respond
from enterprises.transport import Fleet, TransportRules

openpyxl = pytest.importorskip("openpyxl")

COUNTY_HEADER = ["序号", "企业名称", "所属县（区）", "行业", "绩效级别", "生产工序/生产线",
                 "SO2排放量（吨/年）", "NOx排放量（吨/年）", "颗粒物排放量（吨/年）",
                 "VOCs排放量（吨/年）", "黄色预警减排措施", "橙色预警减排措施", "红色预警减排措施",
                 "是否民生保障", "重点用车企业", "备注"]
COUNTY_ROWS = [
    [1, "临颍华能热电有限公司", "临颍县", "其他", "非引领性", "1#机组", 120, 200, 15, 0,
     "按照供热需求组织生产", "按照供热需求组织生产", "以热定产，负荷不超过80%", "是", "否", ""],
    [2, "漯河豫中水泥有限公司", "临颍县", "水泥", "B级", "熟料生产线", 30, 90, 20, 0,
     "停止使用国四及以下重型柴油货车运输", "限产20%，停止使用国四及以下重型柴油货车运输", "停产",
     "否", "是", ""],
    [3, "漯河豫中水泥有限公司", "临颍县", "水泥", "B级", "水泥粉磨", 0, 0, 10, 0,
     "", "停止水泥粉磨工序", "停产", "否", "是", ""],
    [4, "临颍双汇食品有限公司", "临颍县", "其他", "非引领性", "肉制品加工", 0.5, 3, 0.8, 4,
     "自主减排", "限产30%", "限产50%", "是", "否", "出口"],
    [5, "临颍县鑫源铸造厂", "临颍", "铸造", "C", "熔炼", 2, 3, 5, 1,
     "加强洒水抑尘", "停产", "停产", "否", "否", ""],
    [6, "临颍县彩印包装有限公司", "临颍县", "包装印刷", "A", "印刷", 0, 0, 0, 6,
     "自主采取减排措施", "自主采取减排措施", "自主采取减排措施", "否", "否", ""],
]


def county_xlsx(path, rows=COUNTY_ROWS):
    """A county officer's workbook: merged title, 填报单位 line, header in row 3, a 合计 row
    and a footnote merged across the table."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "应急减排清单"
    ws.append(["漯河市临颍县重污染天气应急减排清单（2024年修订）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COUNTY_HEADER))
    ws.append(["填报单位：临颍县生态环境分局"])
    ws.append(COUNTY_HEADER)
    for r in rows:
        ws.append(r)
    ws.append(["合计", "", "", "", "", "", 152.5, 296, 50.8, 11])
    ws.append(["注：1.排放量为2023年环境统计数据；2.民生保障企业按供热需求组织生产。"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row,
                   end_column=len(COUNTY_HEADER))
    book.save(path)
    return path


def test_county_workbook_reads_enterprises_lines_names_and_flags(tmp_path):
    reading = read_inventory(county_xlsx(tmp_path / "临颍.xlsx"), city="漯河市")
    inv = reading.inventory
    # six data rows, the cement plant on two rows (熟料 + 粉磨): five enterprises, six lines
    assert len(inv) == 5 and inv.n_lines == 6
    assert list(inv.names) == ["临颍华能热电有限公司", "漯河豫中水泥有限公司",
                               "临颍双汇食品有限公司", "临颍县鑫源铸造厂",
                               "临颍县彩印包装有限公司"]
    # no id column: R + the first line's row (header in row 3, data from row 4)
    assert list(inv.ids) == ["R4", "R5", "R7", "R8", "R9"]
    assert set(inv.cities) == {"漯河市"}
    cement = 1
    assert inv.lines[cement] == 2
    # cement tonnes: SO2 30 + 0, NOx 90 + 0, PM 20 + 10, VOCs 0
    np.testing.assert_allclose(inv.emissions[cement], [30, 90, 30, 0])
    assert inv.grades[cement] == "B" and inv.industries[cement] == "cement"
    assert list(inv.livelihood) == [True, False, True, False, False]
    assert list(inv.key_vehicle_user) == [False, True, False, False, False]
    # the heat plant's red text caps its load at 80 % (以热定产), yellow/orange no cap stated
    assert inv.guaranteed_load[0] == pytest.approx(0.8)


def test_county_workbook_notes_name_what_was_skipped_and_not_used(tmp_path):
    notes = "\n".join(read_inventory(county_xlsx(tmp_path / "l.xlsx"), city="漯河").notes)
    assert "row 1: title line skipped: 漯河市临颍县重污染天气应急减排清单" in notes
    assert "row 10: total row skipped" in notes
    assert "row 11: table ends at the footnote: 注：1.排放量" in notes
    assert "columns not used" in notes and "备注" in notes
    assert "columns read but not used by the model: 序号" in notes
    # the foundry's yellow text has no production measure: listed with its row, catalogue used
    assert ("row 8, column 黄色预警减排措施: '加强洒水抑尘' of 临颍县鑫源铸造厂 (R8) not read"
            in notes)
    assert "the catalogue's measure for foundry C applies" in notes


def test_county_workbook_measures_drive_the_response(tmp_path):
    inv = load_inventory(county_xlsx(tmp_path / "l.xlsx"), city="漯河")
    orange = respond(inv, Level.ORANGE, cumulative=False)
    # cement orange: 熟料 line 限产20 %, 粉磨 line stopped. Equal capacity shares: (0.2 + 1)/2;
    # emission shares by tonnes 140/150 and 10/150: (0.2·140 + 1·10)/150 = 38/150.
    assert orange.cut[1] == pytest.approx(0.6)
    assert orange.emission_cut[1] == pytest.approx(38 / 150)
    assert orange.rule[1] == "一厂一策/R5/orange"
    # food plant: 民生保障, its own 限产30 % stands (guaranteed load 1: no cap)
    assert orange.cut[2] == pytest.approx(0.3)
    # foundry orange 停产, packaging A 自主采取减排措施: no imposed cut
    assert orange.cut[3] == 1.0
    assert orange.cut[4] == 0.0 and orange.basis[4] == "self_determined"
    red = respond(inv, Level.RED, cumulative=False)
    # heat plant red: 以热定产 with load ≤ 80 % → a 20 % cut, never a stop
    assert red.cut[0] == pytest.approx(0.2)
    assert red.basis[0] == "limit"
    yellow = respond(inv, Level.YELLOW, cumulative=False)
    # foundry yellow text unread → catalogue foundry C yellow: the cement pattern, 50 % by line
    assert yellow.cut[3] == pytest.approx(0.5) and yellow.rule[3] == "foundry/C/yellow"


def gbk_csv(path):
    """Exported from Excel on Chinese Windows: GBK, a title row, kg/h, other spellings, a
    credit-code id and a city column written with and without 市."""
    lines = [
        "许昌市重点行业应急减排清单,,,,,,,,,,,",
        "统一社会信用代码,单位名称,城市,县(市、区),所属行业,绩效分级,二氧化硫(kg/h),"
        "氮氧化物(kg/h),烟(粉)尘(kg/h),挥发性有机物(kg/h),年运行时间(小时/年),在线监测",
        "91411082MA1,许昌金鼎玻璃有限公司,许昌市,长葛市,玻璃,B,10,20,2,0,8000,是",
        "91411081MA2,许昌瑞祥陶瓷有限公司,许昌,禹州市,陶瓷,C,1,2,1,0.5,,否",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_gbk_csv_in_kg_per_hour_is_converted_with_the_hours(tmp_path):
    reading = read_inventory(gbk_csv(tmp_path / "许昌.csv"))
    inv = reading.inventory
    assert list(inv.ids) == ["91411082MA1", "91411081MA2"]
    # glass: kg/h × 8000 h ÷ 1000 → 80, 160, 16, 0 t/a
    np.testing.assert_allclose(inv.emissions[0], [80, 160, 16, 0])
    # ceramics: no hours given → 7200 h (assumption): 7.2, 14.4, 7.2, 3.6 t/a
    np.testing.assert_allclose(inv.emissions[1], [7.2, 14.4, 7.2, 3.6])
    assert list(inv.online_monitoring) == [True, False]
    assert any("kg/h converted to t/a" in n and "年运行时间" in n for n in reading.notes)
    assert in_place(inv.cities, "许昌").all() and not in_place(inv.cities, "漯河").any()


def two_row_header_xlsx(path):
    """排放量 and 应急减排措施 each merged over their sub-columns; a steel plant on three rows
    (no id column: same name and county); the county once with and once without 区."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["序号", "企业名称", "区县", "行业类别", "绩效等级", "生产线", "排放量（吨/年）",
               "", "", "", "应急减排措施", "", "", "是否重点用车企业"])
    ws.append(["", "", "", "", "", "", "SO2", "NOx", "颗粒物", "VOCs", "黄色预警", "橙色预警",
               "红色预警", ""])
    for first, last in ((1, 6), (14, 14)):
        for col in range(first, last + 1):
            ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    ws.merge_cells("G1:J1")
    ws.merge_cells("K1:M1")
    ws.append([1, "舞阳钢铁有限公司", "舞阳县", "长流程联合钢铁", "C", "烧结", 100, 80, 40, 0,
               "限产30%", "停止烧结工序", "停止烧结工序，高炉限产50%", "是"])
    ws.append([2, "舞阳钢铁有限公司", "舞阳", "长流程联合钢铁", "C", "高炉", 20, 30, 30, 0,
               "", "", "", "是"])
    ws.append([3, "舞阳钢铁有限公司", "舞阳县", "长流程联合钢铁", "C", "轧钢", 5, 10, 5, 0,
               "", "", "", "是"])
    ws.append([4, "漯河市恒达砖瓦厂", "召陵区", "砖瓦窑", "D", "隧道窑", 3, 4, 6, 0, "停产", "停产",
               "停产", "否"])
    book.save(path)
    return path


def test_two_row_header_merges_a_three_line_steel_plant(tmp_path):
    reading = read_inventory(two_row_header_xlsx(tmp_path / "舞阳.xlsx"), city="漯河")
    inv = reading.inventory
    assert len(inv) == 2 and list(inv.lines) == [3, 1]
    assert list(inv.line_names[:3]) == ["烧结", "高炉", "轧钢"]
    np.testing.assert_allclose(inv.emissions[0], [125, 120, 75, 0])
    assert list(inv.key_vehicle_user) == [True, False]
    red = respond(inv, Level.RED, cumulative=False)
    # red, first row only: 烧结 stops, 高炉 −50 %, 轧钢 runs → production (1 + 0.5 + 0)/3;
    # emissions by line tonnes 220, 80, 20 of 320: (220 + 40)/320
    assert red.cut[0] == pytest.approx(0.5)
    assert red.emission_cut[0] == pytest.approx(260 / 320)
    # yellow: 限产30 % on the first row only, the others empty — as a cell merged down the
    # plant's rows reads — so it is the plant's measure, on every line
    yellow = respond(inv, Level.YELLOW, cumulative=False)
    assert yellow.cut[0] == pytest.approx(0.3)
    assert any("3 rows of 1 enterprise(s)" in n for n in reading.notes)


def test_every_problem_at_once_with_rows_as_the_sheet_numbers_them(tmp_path):
    rows = [list(r) for r in COUNTY_ROWS]
    rows[0][3] = "电力"  # row 4: a non-key industry not under 其他
    rows[3][4] = "E"  # row 7: not a grade
    rows[4][6] = -2  # row 8: negative SO2
    path = county_xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(InventoryProblems) as err:
        load_inventory(path, city="漯河")
    problems = err.value.problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (4, "industry", "电力"), (7, "grade", "E"), (8, "so2_t", "-2")]
    assert all(p.sheet == "应急减排清单" for p in problems)
    assert "put non-key industries (农副食品加工, 电力, 热力 …) under 其他 (other)" in str(
        problems[0])
    assert str(err.value).count("\n") == 2  # one line each


def test_a_list_without_a_city_needs_one(tmp_path):
    with pytest.raises(InventoryError, match=r"row 3, column city: value '' — expected a column "
                       r"headed 所属城市 .*smogsim validate --city"):
        load_inventory(county_xlsx(tmp_path / "l.xlsx"))


def test_kg_per_hour_header_spellings_with_full_width_brackets(tmp_path):
    header = ("企业编号,企业名称,所属城市,区县,行业,绩效等级,"
              "SO₂（kg/h）,NOx(千克/小时),颗粒物【kg/h】,VOCs（吨/年）")
    path = tmp_path / "units.csv"
    path.write_text(header + "\nE1,甲厂,漯河,郾城区,水泥,C,1,2,3,4\n", encoding="utf-8")
    inv = load_inventory(path)
    # 7200 h assumed: 7.2, 14.4, 21.6 t/a; VOCs stays in t/a
    np.testing.assert_allclose(inv.emissions[0], [7.2, 14.4, 21.6, 4])


def test_place_names_match_with_or_without_suffix():
    assert same_place("漯河市", "漯河") and same_place("临颍", "临颍县")
    assert same_place("召陵区", "召陵") and not same_place("漯河", "许昌市")
    assert list(in_place(np.array(["漯河市", "漯河", "许昌"], dtype=object), "漯河")) == [
        True, True, False]


@pytest.mark.parametrize("header", ["重点用车企业", "是否重点用车企业", "是否为重点用车企业",
                                    "重点用车单位"])
def test_key_vehicle_flag_in_the_spellings_bureaus_use(tmp_path, header):
    # One list per header spelling; the marks as filled in: words, letters, ticks, digits,
    # full-width, and blanks. A mark decides (yes or no); a blank says nothing.
    marks = ["是", "否", "Y", "n", "√", "×", "１", "0", "", "是"]
    industries = ["其他", "水泥", "家具", "铸造", "其他", "玻璃", "其他", "焦化", "水泥", "其他"]
    lines = ["企业名称,所属县(区),行业,绩效等级,二氧化硫,氮氧化物,颗粒物,挥发性有机物," + header]
    for i, (mark, industry) in enumerate(zip(marks, industries, strict=True)):
        lines.append(f"企业{i},临颍县,{industry},{'非引领性' if industry == '其他' else 'B'},"
                     f"1,1,1,1,{mark}")
    path = tmp_path / "清单.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inv = load_inventory(path, city="漯河")
    assert inv.key_vehicle_user.tolist() == [True, False, True, False, True, False, True,
                                             False, False, True]
    assert inv.key_vehicle_stated.tolist() == [True] * 8 + [False, True]
    # the gate: the list decides where it speaks; the blank cement plant is key by industry
    fleet = Fleet.empty(inv.ids)
    key, source = TransportRules.default().key_users(
        fleet, inv.industries, inv.key_vehicle_user, inv.key_vehicle_stated)
    assert key.tolist() == [*inv.key_vehicle_user.tolist()[:8], True, True]
    assert source.tolist() == ["list"] * 8 + ["industry", "list"]


def test_unknown_key_vehicle_mark_is_a_one_line_problem(tmp_path):
    path = tmp_path / "清单.csv"
    path.write_text("企业名称,所属县(区),行业,绩效等级,二氧化硫,氮氧化物,颗粒物,挥发性有机物,重点用车企业\n"
                    "甲,临颍县,水泥,B,1,1,1,1,可能\n", encoding="utf-8")
    with pytest.raises(InventoryError) as err:
        load_inventory(path, city="漯河")
    assert str(err.value).startswith("清单.csv: row 2, column 重点用车企业: value '可能' — "
                                     "expected a yes/no mark")


def test_key_vehicle_flag_survives_writing_and_reading(tmp_path):
    from enterprises.io import write_inventory

    path = tmp_path / "清单.csv"
    path.write_text("企业名称,所属县(区),行业,绩效等级,二氧化硫,氮氧化物,颗粒物,挥发性有机物,重点用车企业\n"
                    "甲,临颍县,水泥,B,1,1,1,1,否\n乙,临颍县,水泥,B,1,1,1,1,\n"
                    "丙,临颍县,其他,非引领性,1,1,1,1,√\n", encoding="utf-8")
    inv = load_inventory(path, city="漯河")
    again = load_inventory(write_inventory(inv, tmp_path / "again.csv"))
    assert again.key_vehicle_user.tolist() == [False, False, True]
    assert again.key_vehicle_stated.tolist() == [True, False, True]
    assert again.equals(inv)
