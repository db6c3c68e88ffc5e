"""Plant coordinates in a list: spellings, 度分秒, China's extent, swapped pairs, partial rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from enterprises.coordinates import LAT_RANGE, LON_RANGE, looks_swapped, parse_degrees
from enterprises.io import InventoryError, load_inventory, read_inventory, write_inventory

from .csvdata import HEADER, ROWS, write_csv

# 漯河 郾城区 (hand-converted: 58/60 + 12/3600 = 0.97; 35/60 + 24/3600 = 0.59)
LON_TEXT, LAT_TEXT, LON, LAT = "114°58'12\"", "33°35'24\"", 114.97, 33.59


def with_coordinates(tmp_path, lon_header: str, lat_header: str, cells: list[tuple[str, str]],
                     name: str = "list.csv"):
    rows = [f"{row},{lon},{lat}" for row, (lon, lat) in zip(ROWS, cells, strict=False)]
    return write_csv(tmp_path / name, f"{HEADER},{lon_header},{lat_header}", rows)


@pytest.mark.parametrize(("lon_header", "lat_header"), [
    ("经度", "纬度"), ("东经", "北纬"), ("lon", "lat"), ("lng", "lat"),
    ("longitude", "latitude"), ("Longitude", "Latitude"), ("中心经度", "中心纬度"),
    ("厂址经度", "厂址纬度"), ("经度(°)", "纬度(°)"), ("经度（E）", "纬度（N）"),
])
def test_each_spelling_reads_the_same_golden_values(tmp_path, lon_header, lat_header):
    path = with_coordinates(tmp_path, lon_header, lat_header, [("113.9700", "33.5800")] * 5)
    inv = load_inventory(path)
    assert inv.lon.tolist() == [113.97] * 5 and inv.lat.tolist() == [33.58] * 5
    assert inv.located.all()


@pytest.mark.parametrize(("text", "degrees"), [
    ("114°58'12\"", 114.97), ("114度58分12秒", 114.97), ("114°58′12″", 114.97),
    ("东经114°58'12\"", 114.97), ("114°58'12\"E", 114.97), ("E114.97", 114.97),
    ("114°58.2'", 114.97), ("114°", 114.0), ("114.97°", 114.97), ("１１４．９７", 114.97),
    ("33°35'24\"", 33.59), ("北纬33度35分24秒", 33.59), ("33°35′24″N", 33.59),
])
def test_degrees_minutes_seconds_by_hand(text, degrees):
    assert parse_degrees(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize("text", ["abc", "114°61'", "114°58'60\"", "114,97", "1.1.1", "°58'"])
def test_malformed_degrees_raise(text):
    with pytest.raises(ValueError):
        parse_degrees(text)


def test_dms_cells_in_a_list(tmp_path):
    path = with_coordinates(tmp_path, "经度", "纬度", [(LON_TEXT, LAT_TEXT)] * 5)
    inv = load_inventory(path)
    np.testing.assert_allclose(inv.lon, LON)
    np.testing.assert_allclose(inv.lat, LAT)


def test_rows_without_coordinates_are_fine_and_not_located(tmp_path):
    cells = [("113.97", "33.58"), ("", ""), ("114.01", "33.57"), ("", ""), ("", "")]
    inv = load_inventory(with_coordinates(tmp_path, "经度", "纬度", cells))
    assert inv.located.tolist() == [True, False, True, False, False]
    assert math.isnan(inv.lon[1]) and inv.lat[2] == 33.57


def test_without_coordinate_columns_nothing_is_located_or_written(tmp_path):
    inv = load_inventory(write_csv(tmp_path / "list.csv"))
    assert not inv.located.any()
    out = write_inventory(inv, tmp_path / "out.csv")
    assert "lon" not in out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")


def test_coordinates_round_trip_at_the_end_of_the_written_list(tmp_path):
    cells = [("113.97", "33.58"), ("", ""), ("114.01", "33.57"), ("", ""), ("", "")]
    inv = load_inventory(with_coordinates(tmp_path, "经度", "纬度", cells))
    out = write_inventory(inv, tmp_path / "out.csv")
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].endswith(",lon,lat")
    back = load_inventory(out)
    assert back.equals(inv)


def one_error(path) -> InventoryError:
    with pytest.raises(InventoryError) as err:
        load_inventory(path)
    return err.value


def test_outside_china_names_the_cell_and_the_extent(tmp_path):
    cells = [("113.97", "33.58"), ("13.97", "33.58")] + [("", "")] * 3
    e = one_error(with_coordinates(tmp_path, "经度", "纬度", cells))
    assert (e.row, e.column, e.value) == (3, "lon", "13.97")
    assert str(e) == ("list.csv: row 3, column 经度: value '13.97' — expected empty or a "
                      "longitude within China, 73–136 °E, in decimal degrees (113.97) or 度分秒 "
                      "(113°58'12\")")
    assert "\n" not in str(e)


def test_latitude_outside_china(tmp_path):
    cells = [("113.97", "60.1")] + [("", "")] * 4
    e = one_error(with_coordinates(tmp_path, "经度", "纬度", cells))
    assert (e.row, e.column, e.value) == (2, "lat", "60.1")
    assert "latitude within China, 3–54 °N" in str(e)


def test_swapped_pair_is_one_error_saying_so(tmp_path):
    cells = [("33.58", "113.97")] + [("", "")] * 4
    with pytest.raises(InventoryError) as err:
        read_inventory(with_coordinates(tmp_path, "经度", "纬度", cells))
    e = err.value
    assert (e.row, e.column, e.value) == (2, "lon", "33.58")
    assert "look swapped" in str(e)
    problems = getattr(e, "problems", [e])
    assert len(problems) == 1  # the 纬度 cell of the same row is not listed again


def test_malformed_cell(tmp_path):
    cells = [("113°97'", "33.58")] + [("", "")] * 4
    e = one_error(with_coordinates(tmp_path, "经度", "纬度", cells))
    assert (e.row, e.column, e.value) == (2, "lon", "113°97'")
    assert "度分秒" in str(e)


def test_half_a_pair_on_a_row(tmp_path):
    cells = [("113.97", "")] + [("", "")] * 4
    e = one_error(with_coordinates(tmp_path, "经度", "纬度", cells))
    assert (e.row, e.column) == (2, "lat")
    assert "both or neither" in str(e)


def test_a_longitude_column_without_latitude(tmp_path):
    rows = [f"{row},113.97" for row in ROWS]
    e = one_error(write_csv(tmp_path / "list.csv", f"{HEADER},经度", rows))
    assert (e.row, e.column) == (1, "lat")
    assert "纬度 column" in str(e)


def test_swap_detection_and_extent():
    assert looks_swapped(33.58, 113.97) and not looks_swapped(113.97, 33.58)
    assert not looks_swapped(200.0, 33.0)
    assert LON_RANGE == (73.0, 136.0) and LAT_RANGE == (3.0, 54.0)


def test_lines_of_one_plant_take_the_first_row_with_coordinates(tmp_path):
    header = f"{HEADER},经度,纬度"
    base = ROWS[0].rsplit(",", 1)[0] + ",1"
    rows = [f"{base},,", f"{base},113.97,33.58", f"{base},114.00,33.60"]
    inv = load_inventory(write_csv(tmp_path / "list.csv", header, rows))
    assert len(inv) == 1 and (inv.lon[0], inv.lat[0]) == (113.97, 33.58)
