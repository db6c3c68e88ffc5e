"""Merged cells as county officers leave them in a workbook: 企业名称 (and 所属县, 行业, 绩效级别,
flags) merged down a plant's line rows, group headers merged over their sub-headers, header
cells merged down two rows, section lines merged across the table.

Excel keeps a merged range's value in its top-left cell only; the reader fills the range, so
a list with merged cells reads as the same list written out row by row.
"""

from __future__ import annotations

import numpy as np
import pytest

from alerts.levels import Level
from enterprises.errors import InventoryProblems
from enterprises.io import fill_merged, read_inventory
from enterprises.response import respond
from tests.enterprises.test_real_lists import COUNTY_HEADER, COUNTY_ROWS, county_xlsx

openpyxl = pytest.importorskip("openpyxl")

# 1-based columns of COUNTY_HEADER: 序号, 企业名称, 所属县（区）, 行业, 绩效级别, 是否民生保障,
# 重点用车企业
SERIAL, NAME, COUNTY, INDUSTRY, GRADE, LIVELIHOOD, KEY_VEHICLES = 1, 2, 3, 4, 5, 14, 15
CEMENT_ROWS = (5, 6)  # the cement plant's line rows (header in row 3, data from row 4)


def merged_county_xlsx(path, columns, rows=COUNTY_ROWS, first=CEMENT_ROWS[0],
                       last=CEMENT_ROWS[1]):
    """The county workbook with ``columns`` merged down rows first..last (lower cells blank,
    as Excel leaves them)."""
    county_xlsx(path, rows)
    book = openpyxl.load_workbook(path)
    ws = book.active
    for col in columns:
        for row in range(first + 1, last + 1):
            ws.cell(row, col).value = None
        ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
    book.save(path)
    return path


def same_inventory(a, b):
    for attr in ("ids", "names", "counties", "industries", "grades", "lines", "line_names",
                 "livelihood", "key_vehicle_user", "exemptions"):
        assert list(getattr(a, attr)) == list(getattr(b, attr)), attr
    np.testing.assert_allclose(a.emissions, b.emissions)
    for level in (Level.YELLOW, Level.ORANGE, Level.RED):
        ra, rb = respond(a, level, cumulative=False), respond(b, level, cumulative=False)
        np.testing.assert_allclose(ra.cut, rb.cut)
        np.testing.assert_allclose(ra.emission_cut, rb.emission_cut)


@pytest.mark.parametrize("columns", [
    (NAME,),
    (SERIAL, NAME),
    (SERIAL, NAME, COUNTY, INDUSTRY, GRADE),
    (SERIAL, NAME, COUNTY, INDUSTRY, GRADE, LIVELIHOOD, KEY_VEHICLES),
])
def test_identity_cells_merged_down_a_plants_rows_read_as_the_flat_list(tmp_path, columns):
    flat = read_inventory(county_xlsx(tmp_path / "flat.xlsx"), city="漯河")
    merged = read_inventory(merged_county_xlsx(tmp_path / "merged.xlsx", columns), city="漯河")
    # five enterprises, the cement plant on its two line rows (R5: its first row)
    assert len(merged.inventory) == 5 and list(merged.inventory.lines) == [1, 2, 1, 1, 1]
    same_inventory(merged.inventory, flat.inventory)
    assert any("2 rows of 1 enterprise(s) read as their production lines: 漯河豫中水泥有限公司 "
               "(rows 5, 6)" in n for n in merged.notes)


def test_without_the_fill_the_lower_row_would_be_nameless():
    # what Excel stores for 企业名称 merged over rows 5–6: the value in B5 only
    records = [["企业名称", "行业"], ["甲厂", "水泥"], ["", "水泥"]]
    assert fill_merged(records, [(1, 2, 1, 3)]) == {(3, 0)}
    assert records == [["企业名称", "行业"], ["甲厂", "水泥"], ["甲厂", "水泥"]]


def two_row_merged_xlsx(path, pm_merged=False):
    """Header on two rows: the identity headers merged down both rows, 排放量（吨/年） merged
    over SO2 … VOCs, 应急减排措施 over the three levels; the steel plant's name, county,
    industry and grade merged down its three line rows; a section line merged across; a D
    plant's 停产 merged across the three levels."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["漯河市重点行业应急减排清单"])
    ws.merge_cells("A1:N1")
    ws.append(["序号", "企业名称", "区县", "行业类别", "绩效等级", "生产线", "排放量（吨/年）",
               None, None, None, "应急减排措施", None, None, "是否重点用车企业"])
    ws.append([None] * 6 + ["SO2", "NOx", "颗粒物", "VOCs", "黄色预警", "橙色预警", "红色预警"])
    for col in (*range(1, 7), 14):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells("G2:J2")
    ws.merge_cells("K2:M2")
    ws.append(["一、钢铁行业"])
    ws.merge_cells("A4:N4")
    pm = (40, None, None) if pm_merged else (40, 30, 5)
    ws.append([1, "舞阳钢铁有限公司", "舞阳县", "长流程联合钢铁", "C", "烧结", 100, 80, pm[0], 0,
               "限产30%", "停止烧结工序", "停止烧结工序，高炉限产50%", "是"])
    ws.append([None, None, None, None, None, "高炉", 20, 30, pm[1], 0, None, None, None, None])
    ws.append([None, None, None, None, None, "轧钢", 5, 10, pm[2], 0, None, None, None, None])
    for col in (*range(1, 6), 14):
        ws.merge_cells(start_row=5, start_column=col, end_row=7, end_column=col)
    if pm_merged:
        ws.merge_cells("I5:I7")
    ws.append(["二、建材行业"])
    ws.merge_cells("A8:N8")
    ws.append([2, "漯河市恒达砖瓦厂", "召陵区", "砖瓦窑", "D", "隧道窑", 3, 4, 6, 0, "停产", None,
               None, "否"])
    ws.merge_cells("K9:M9")
    book.save(path)
    return path


def test_two_row_header_merged_cells_and_section_lines(tmp_path):
    reading = read_inventory(two_row_merged_xlsx(tmp_path / "舞阳.xlsx"), city="漯河")
    inv = reading.inventory
    assert list(inv.names) == ["舞阳钢铁有限公司", "漯河市恒达砖瓦厂"]
    assert list(inv.ids) == ["R5", "R9"] and list(inv.lines) == [3, 1]
    assert list(inv.line_names[:3]) == ["烧结", "高炉", "轧钢"]
    # SO2 100 + 20 + 5, NOx 80 + 30 + 10, PM 40 + 30 + 5 (t/a from the group header)
    np.testing.assert_allclose(inv.emissions[0], [125, 120, 75, 0])
    assert list(inv.grades) == ["C", "D"] and list(inv.counties) == ["舞阳县", "召陵区"]
    assert list(inv.key_vehicle_user) == [True, False]
    notes = "\n".join(reading.notes)
    assert "header in row 2 and 3 (two rows)" in notes
    assert "row 4: single-cell line skipped (title, section or footnote): 一、钢铁行业" in notes
    assert "row 8: single-cell line skipped" in notes
    # the brick plant's 停产 merged over the three levels: stopped at each
    for level in (Level.YELLOW, Level.ORANGE, Level.RED):
        assert respond(inv, level, cumulative=False).cut[1] == 1.0
    # the steel plant's measures sit in its first row (merged or not): red 烧结 stops, 高炉
    # −50 %, 轧钢 runs → (1 + 0.5 + 0)/3
    assert respond(inv, Level.RED, cumulative=False).cut[0] == pytest.approx(0.5)


def test_a_tonnage_merged_down_a_plants_rows_counts_once(tmp_path):
    reading = read_inventory(two_row_merged_xlsx(tmp_path / "pm.xlsx", pm_merged=True),
                             city="漯河")
    # PM 40 written once over the three rows: the plant's 40 t, not 3 × 40
    np.testing.assert_allclose(reading.inventory.emissions[0], [125, 120, 40, 0])
    assert any("column 排放量（吨/年）/颗粒物: a value merged down rows 6, 7 counted once" in n
               for n in reading.notes)


def test_header_cells_merged_down_two_rows_without_sub_headers(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(COUNTY_HEADER)
    ws.append([None] * len(COUNTY_HEADER))
    for col in range(1, len(COUNTY_HEADER) + 1):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    for row in COUNTY_ROWS:
        ws.append(row)
    book.save(tmp_path / "tall.xlsx")
    reading = read_inventory(tmp_path / "tall.xlsx", city="漯河")
    flat = read_inventory(county_xlsx(tmp_path / "flat.xlsx"), city="漯河").inventory
    # data from row 3: ids one row up from the county workbook's (its header sits in row 3)
    assert list(reading.inventory.ids) == ["R3", "R4", "R6", "R7", "R8"]
    assert list(reading.inventory.names) == list(flat.names)
    np.testing.assert_allclose(reading.inventory.emissions, flat.emissions)


def test_merged_cells_exported_to_csv_are_one_line_problems(tmp_path):
    # a merged-cell sheet saved as CSV leaves the lower rows blank: each blank cell a problem,
    # one line each (no traceback while the rows are merged into lines)
    header = ("企业名称,区县,行业,绩效等级,SO2排放量（吨/年）,NOx排放量（吨/年）,"
              "颗粒物排放量（吨/年）,VOCs排放量（吨/年）")
    path = tmp_path / "export.csv"
    path.write_text(header + "\n甲水泥厂,舞阳县,水泥,B,1,2,3,0\n,,水泥,,0,0,1,0\n,,水泥,,0,0,1,0\n",
                    encoding="utf-8")
    with pytest.raises(InventoryProblems) as err:
        read_inventory(path, city="漯河")
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "name"), (3, "county"), (3, "grade"), (4, "name"), (4, "county"), (4, "grade")]
