"""Loading and writing inventories: round trip, Chinese headers, one-line errors per bad cell."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from enterprises.inventory import Inventory
from enterprises.io import InventoryError, load_inventory, validate_inventory, write_inventory
from enterprises.schema import COLUMNS
from enterprises.synthetic import synthesize

from .csvdata import HEADER, ROWS, write_csv

GRADE_MSG = "expected one of A+, A, B, B-, C, D, 引领性, 非引领性"


def good_rows(n: int) -> list[str]:
    """n valid rows with distinct ids."""
    return [ROWS[i % len(ROWS)].replace(f"LH000{i % len(ROWS) + 1}", f"X{i:03d}", 1)
            for i in range(n)]


def with_cell(row: str, column: str, value: str) -> str:
    cells = row.split(",")
    cells[HEADER.split(",").index(column)] = value
    return ",".join(cells)


def test_good_csv_loads_with_defaults(good_csv):
    inv = load_inventory(good_csv)
    assert inv.ids.tolist() == ["LH0001", "LH0002", "LH0003", "LH0004", "LH0005"]
    assert inv.industries.tolist() == ["cement", "brick_tile", "other", "packaging_printing",
                                       "foundry"]
    assert inv.grades.tolist() == ["B", "C", "非引领性", "A", "D"]
    assert inv.emissions[0].tolist() == [40.5, 400.0, 60.0, 1.0]
    assert inv.operating_hours.tolist() == [7200, 7200, 2880, 2400, 4800]  # row 3 empty → default
    assert inv.livelihood.tolist() == [False, False, True, False, False]
    assert inv.lines.tolist() == [2, 1, 1, 1, 3]


def test_round_trip_write_then_load(tmp_path):
    inv = synthesize("漯河", 120, seed=3)
    path = write_inventory(inv, tmp_path / "out" / "inv.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # utf-8-sig for Excel
    assert load_inventory(path).equals(inv)


def test_chinese_headers(tmp_path):
    zh = ",".join(c.zh for c in COLUMNS).replace("(", "（").replace(")", "）")
    for encoding in ("utf-8-sig", "utf-8", "gb18030"):
        path = write_csv(tmp_path / f"zh-{encoding}.csv", header=zh, encoding=encoding)
        assert load_inventory(path).equals(load_inventory(write_csv(tmp_path / "en.csv")))


def test_column_order_free_and_unknown_columns_ignored(tmp_path):
    cols = HEADER.split(",")
    order = list(reversed(range(len(cols))))
    header = ",".join(["备注", *(cols[i] for i in order)])
    rows = [",".join(["x", *(r.split(",")[i] for i in order)]) for r in ROWS]
    got = load_inventory(write_csv(tmp_path / "shuffled.csv", header, rows))
    assert got.equals(load_inventory(write_csv(tmp_path / "plain.csv")))


def test_blank_rows_are_skipped_but_counted(tmp_path):
    rows = [ROWS[0], "", ",,,", with_cell(ROWS[1], "grade", "E")]
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))
    assert err.value.row == 5


def test_unknown_grade_message_exact(tmp_path):
    rows = good_rows(6)
    rows[5] = with_cell(rows[5], "grade", "E")
    path = write_csv(tmp_path / "inventory.csv", rows=rows)
    with pytest.raises(InventoryError) as err:
        load_inventory(path)
    e = err.value
    assert str(e) == f"inventory.csv: row 7, column grade: value 'E' — {GRADE_MSG}"
    assert (e.path, e.row, e.column, e.value) == (path, 7, "grade", "E")
    assert isinstance(e, ValueError)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("nox_t", "-1", "a number of t/a in [0, 200,000]"),
        ("pm_t", "abc", "a number of t/a in [0, 200,000]"),
        ("so2_t", "", "a number of t/a in [0, 200,000]"),
        ("vocs_t", "inf", "a number of t/a in [0, 200,000]"),
        ("so2_t", "nan", "a number of t/a in [0, 200,000]"),
        ("so2_t", "1e308", "a number of t/a in [0, 200,000] (more is beyond any plant: assumption"),
        ("nox_t", "200001", "a number of t/a in [0, 200,000]"),
        ("industry", "机械加工", "an industry id or Chinese name of enterprises.industries"),
        ("name", "", "a non-empty value"),
        ("county", "", "a non-empty value"),
        ("livelihood", "maybe", "a yes/no mark: 是/否, Y/N, √/×, 1/0"),
        ("lines", "0", "a whole number ≥ 1"),
        ("lines", "1.5", "a whole number ≥ 1"),
        ("lines", "two", "a whole number ≥ 1"),
        ("operating_hours", "9000", "a number in (0, 8784] (h/a)"),
        ("operating_hours", "0", "a number in (0, 8784] (h/a)"),
    ],
)
def test_bad_cell(tmp_path, column, value, expected):
    rows = good_rows(4)
    rows[1] = with_cell(rows[1], column, value)  # second data row = row 3
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))
    msg = str(err.value)
    assert msg.startswith(f"inventory.csv: row 3, column {column}: value {value!r} — expected ")
    assert expected in msg
    assert (err.value.row, err.value.column, err.value.value) == (3, column, value)


def test_missing_column_is_row_one(tmp_path):
    header = HEADER.replace(",grade", "")
    rows = [",".join(c for i, c in enumerate(r.split(",")) if i != 5) for r in ROWS]
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", header, rows))
    assert str(err.value) == (
        "inventory.csv: row 1, column grade: value '' — expected a column headed 绩效等级 (or "
        "grade; other spellings: enterprises/data/headers.toml)"
    )
    assert err.value.row == 1 and err.value.value == ""


def test_repeated_id_is_the_same_enterprise_on_another_line(tmp_path):
    rows = good_rows(4)
    rows[2] = rows[0]  # row 4 repeats row 2's id: a second line of X000
    inv = load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))
    single = load_inventory(write_csv(tmp_path / "single.csv", rows=rows[:1]))
    assert list(inv.ids) == ["X000", "X001", "X003"]
    assert inv.lines[0] == 2 * single.lines[0]
    np.testing.assert_allclose(inv.emissions[0], 2 * single.emissions[0])


def test_a_repeated_id_in_another_industry_is_an_error(tmp_path):
    rows = good_rows(4)
    rows[2] = with_cell(rows[2], "id", "X000")  # same id, industry other ≠ cement
    with pytest.raises(InventoryError, match="row 4, column industry: value 'other' — expected "
                       "cement as on row 2"):
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))


def test_first_problem_wins_by_row_then_column(tmp_path):
    rows = good_rows(5)
    rows[3] = with_cell(rows[3], "name", "")  # row 5
    rows[2] = with_cell(with_cell(rows[2], "lines", "0"), "grade", "Z")  # row 4, two problems
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))
    assert (err.value.row, err.value.column) == (4, "grade")


def test_chinese_header_named_in_message(tmp_path):
    zh = ",".join(c.zh for c in COLUMNS)
    rows = [with_cell(ROWS[0], "grade", "E")]
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "清单.csv", zh, rows))
    assert str(err.value) == f"清单.csv: row 2, column 绩效等级: value 'E' — {GRADE_MSG}"
    assert err.value.column == "grade"


def test_same_column_twice(tmp_path):
    header = HEADER + ",绩效等级"
    rows = [r + ",B" for r in ROWS]
    with pytest.raises(InventoryError, match="row 1, column 绩效等级"):
        load_inventory(write_csv(tmp_path / "inventory.csv", header, rows))


def test_value_beyond_last_header(tmp_path):
    rows = [ROWS[0], ROWS[1] + ",surprise"]
    with pytest.raises(InventoryError, match="row 3.*'surprise'"):
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))


def test_unsupported_format(tmp_path):
    path = tmp_path / "inventory.ods"
    path.write_bytes(b"PK")
    with pytest.raises(InventoryError, match="inventory.ods: value '.ods' — expected a .csv, "):
        load_inventory(path)
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InventoryError, match="inventory.xlsx: value 'inventory.xlsx' — "
                                             "expected an XLSX workbook"):
        load_inventory(path)


def test_error_pickles(tmp_path):
    e = InventoryError(Path("a/inventory.csv"), 7, "grade", "E", "one of A, B")
    again = pickle.loads(pickle.dumps(e))
    assert str(again) == str(e)
    assert str(e) == "inventory.csv: row 7, column grade: value 'E' — expected one of A, B"
    assert (again.row, again.column, again.value) == (7, "grade", "E")


def test_bundled_demo_inventory_matches_generator():
    """runs/data/luohe_inventory.csv is synthesize("漯河", 300, 2023); regenerate with
    ``python -m enterprises`` if the generator changes on purpose."""
    path = Path(__file__).parents[2] / "runs" / "data" / "luohe_inventory.csv"
    demo = load_inventory(path)
    assert len(demo) == 300
    assert demo.equals(synthesize("漯河", 300, 2023))
    assert np.isin(demo.counties, ["临颍县", "舞阳县", "郾城区", "源汇区", "召陵区"]).all()


def test_validate_typed_frame():
    """A frame already in Python types (e.g. from to_frame) validates to the same inventory."""
    inv = synthesize("许昌", 40, seed=2)
    assert Inventory.from_frame(validate_inventory(inv.to_frame())).equals(inv)
    frame = inv.to_frame()
    frame.loc[3, "grade"] = None
    with pytest.raises(InventoryError, match=r"<frame>: row 5, column grade: value ''"):
        validate_inventory(frame)


# -- XLSX, Parquet and the later columns ------------------------------------------------------

def write_xlsx(path: Path, header: list[str], rows: list[list], sheet: str = "应急减排清单"):
    """A spreadsheet as a bureau keeps it: typed cells, a title sheet first is not assumed."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


ZH_HEADER = ["企业编号", "企业名称", "所属城市", "所属区县", "行业类别", "绩效等级",
             "二氧化硫（吨/年）", "氮氧化物（吨/年）", "颗粒物（吨/年）", "挥发性有机物（吨/年）",
             "年运行时间（小时/年）", "民生保障", "生产线数量", "备注"]
XLSX_ROWS = [
    ["LH0001", "漯河市恒达水泥有限公司", "漯河", "郾城区", "水泥", "B", 40.5, 400, 60, 1, 7200,
     "否", 2, "2 条熟料线"],
    ["LH0002", "漯河市宏远建材有限公司", "漯河", "临颍县", "砖瓦窑", "C", 25, 20, 12, 0.3, None,
     "否", None, None],
    [None] * 14,  # a blank row, skipped but counted
    ["LH0003", "漯河市鑫源热力有限公司", "漯河", "源汇区", "其他", "非引领性", 20, 40, 6, 0.5, 2880,
     "是", 1, "供热"],
]


def test_xlsx_with_chinese_headers_loads(tmp_path):
    path = write_xlsx(tmp_path / "漯河清单.xlsx", ZH_HEADER, XLSX_ROWS)
    inv = load_inventory(path)
    assert inv.ids.tolist() == ["LH0001", "LH0002", "LH0003"]
    assert inv.industries.tolist() == ["cement", "brick_tile", "other"]
    assert inv.emissions[0].tolist() == [40.5, 400.0, 60.0, 1.0]
    assert inv.operating_hours.tolist() == [7200, 7200, 2880]
    assert inv.livelihood.tolist() == [False, False, True]
    assert inv.exemptions.tolist() == ["none", "none", "livelihood"]
    assert inv.lines.tolist() == [2, 1, 1]


def test_emission_bound_applies_after_unit_conversion(tmp_path):
    """1.5e8 kg/a is 150 000 t/a: within the bound; 3e8 kg/a is 300 000 t/a: beyond it."""
    rows = good_rows(2)
    rows[0] = with_cell(rows[0], "so2_t", "150000000")
    rows[1] = with_cell(rows[1], "so2_t", "300000000")
    header = ",".join(h if h != "so2_t" else "二氧化硫(千克/年)" for h in HEADER.split(","))
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows, header=header))
    assert (err.value.row, err.value.value) == (3, "300000000")


@pytest.mark.parametrize(("column", "value", "expected"), [
    (5, "E", "column 绩效等级: value 'E' — expected one of A+, A, B, B-, C, D"),
    (8, -3, "column 颗粒物（吨/年）: value '-3' — expected a number of t/a in [0, 200,000]"),
    (4, "机械加工", "column 行业类别: value '机械加工' — expected an industry id"),
])
def test_xlsx_errors_name_sheet_row_and_column(tmp_path, column, value, expected):
    rows = [list(r) for r in XLSX_ROWS]
    rows[3][column] = value  # the row after the blank one: spreadsheet row 5
    path = write_xlsx(tmp_path / "漯河清单.xlsx", ZH_HEADER, rows)
    with pytest.raises(InventoryError) as err:
        load_inventory(path)
    msg = str(err.value)
    assert msg.startswith(f"漯河清单.xlsx: sheet 应急减排清单, row 5, {expected}")
    assert "\n" not in msg and err.value.sheet == "应急减排清单" and err.value.row == 5


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".csv"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_every_format_round_trips(tmp_path, suffix, headers):
    from enterprises.synthetic import synthesize_cities

    inv = synthesize_cities(["漯河", "太原"], 150, seed=5)
    path = write_inventory(inv, tmp_path / f"list{suffix}", headers=headers)
    assert load_inventory(path).equals(inv)


def test_parquet_errors_count_records_from_row_2(tmp_path):
    frame = synthesize("漯河", 10, seed=1).to_frame()
    frame.loc[3, "grade"] = "E"
    path = tmp_path / "list.parquet"
    frame.to_parquet(path)
    with pytest.raises(InventoryError, match=r"list.parquet: row 5, column grade: value 'E'"):
        load_inventory(path)


NEW_HEADER = HEADER + ",exemption,guaranteed_load,industry_grades,line_capacity,override_orange"


@pytest.mark.parametrize(("extra", "column", "value", "expected"), [
    (",export,0.8,,,", None, None, None),
    (",militär,,,,", "exemption", "militär", "one of none, livelihood"),
    (",export,1.5,,,", "guaranteed_load", "1.5", "a fraction in [0, 1]"),
    (",,,,,35%", None, None, None),
    (",,,,,-0.1", "override_orange", "-0.1", "a fraction in [0, 1]"),
    (",,,,1;2;3,", "line_capacity", "1;2;3", "2 values separated by ;"),
    (",,,,1;0,", "line_capacity", "1;0", "numbers > 0 separated by ;"),
    (",,,cement:B;glass:C,,", "grade", "B", "C (the worst of its per-industry grades"),
    (",,,cement:B;glass:E,,", "industry_grades", "cement:B;glass:E", "industry:grade pairs"),
])
def test_new_columns_are_checked(tmp_path, extra, column, value, expected):
    rows = [ROWS[0] + extra] + [r + ",,,,," for r in ROWS[1:]]  # row 2: cement B, 2 lines
    path = write_csv(tmp_path / "inventory.csv", NEW_HEADER, rows)
    if column is None:
        inv = load_inventory(path)
        assert inv.exemptions[0] in ("export", "none")
        if "%" in extra:
            assert inv.overrides[0, 1] == pytest.approx(0.35)
        return
    with pytest.raises(InventoryError) as err:
        load_inventory(path)
    assert (err.value.row, err.value.column, err.value.value) == (2, column, value)
    assert expected in str(err.value)


def test_grade_must_lie_in_the_industrys_set(tmp_path):
    rows = [ROWS[0], ROWS[2].replace("非引领性", "C")]  # "other" grades 引领性/非引领性
    with pytest.raises(InventoryError) as err:
        load_inventory(write_csv(tmp_path / "inventory.csv", rows=rows))
    assert "value 'C' — expected a grade of other's set: 引领性, 非引领性" in str(err.value)


def test_per_industry_grades_roll_up_when_grade_is_empty(tmp_path):
    rows = [with_cell(ROWS[0], "grade", "") + ",,,水泥:B；玻璃:c,,"]
    inv = load_inventory(write_csv(tmp_path / "inventory.csv", NEW_HEADER, rows))
    assert inv.grades.tolist() == ["C"]  # shortest plank (sources.md §11)
    assert inv.industry_grades.tolist() == ["cement:B;glass:C"]


def test_livelihood_and_exemption_must_agree(tmp_path):
    rows = [ROWS[2] + ",export,,,,"]  # 民生保障 = 是 but exemption export
    with pytest.raises(InventoryError, match="column exemption: value 'export' — expected "
                                             "livelihood or none"):
        load_inventory(write_csv(tmp_path / "inventory.csv", NEW_HEADER, rows))


def test_empty_lines_take_the_count_of_line_capacity(tmp_path):
    rows = [with_cell(ROWS[1], "lines", "") + ",,,,2500;5000;2500,"]
    inv = load_inventory(write_csv(tmp_path / "inventory.csv", NEW_HEADER, rows))
    assert inv.lines.tolist() == [3]
    np.testing.assert_allclose(inv.line_capacity, [0.25, 0.5, 0.25])
