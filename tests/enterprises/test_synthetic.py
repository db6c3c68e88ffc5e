"""Synthetic inventories: determinism, real counties, plausible shape."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from enterprises.grades import GRADES
from enterprises.industries import INDUSTRY_IDS
from enterprises.synthetic import CITY_PROFILES, KINDS, synthesize, synthesize_cities

LUOHE = {"临颍县", "舞阳县", "郾城区", "源汇区", "召陵区"}
XUCHANG = {"魏都区", "建安区", "东城区", "禹州市", "长葛市", "鄢陵县", "襄城县"}


def test_same_seed_identical():
    a, b = synthesize("漯河", 300, seed=5), synthesize("漯河", 300, seed=5)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_different_seed_differs():
    a, b = synthesize("漯河", 300, seed=5), synthesize("漯河", 300, seed=6)
    assert not a.to_frame().equals(b.to_frame())
    assert not np.array_equal(a.emissions, b.emissions)


def test_no_global_state():
    np.random.seed(1)
    a = synthesize(seed=9)
    np.random.seed(2)
    b = synthesize(seed=9)
    assert a.equals(b)


def test_luohe_shape():
    inv = synthesize()
    df = inv.to_frame()
    assert len(inv) == 300
    assert set(df.county) == LUOHE
    assert set(df.city) == {"漯河"}
    assert df.id.tolist()[:2] == ["LH0001", "LH0002"] and df.id.is_unique
    assert df.name.is_unique and df.name.str.startswith("漯河市").all()
    assert set(df.industry) <= set(INDUSTRY_IDS) and set(df.grade) <= set(GRADES)
    assert 2 <= (df.industry == "cement").sum() <= 4
    assert (df.industry == "other").mean() > 0.25  # food-processing-heavy city
    assert 0.05 <= df.livelihood.mean() <= 0.11
    assert df.lines.between(1, 4).all()
    assert (inv.emissions >= 0).all()
    assert (inv.operating_hours > 0).all() and (inv.operating_hours <= 8784).all()


def test_luohe_emission_structure():
    base = synthesize("漯河", 300, seed=2023).base_by("industry")
    kilns = base.loc[["cement", "brick_tile", "glass"]].sum()
    assert (kilns[["SO2", "NOx", "PM"]] > 0.5 * base[["SO2", "NOx", "PM"]].sum()).all()
    voc = base.loc[["industrial_coating", "packaging_printing", "furniture"], "VOCs"].sum()
    assert voc > 0.5 * base["VOCs"].sum()


def test_xuchang_profile():
    inv = synthesize("许昌", 200, seed=1)
    assert set(inv.counties) == XUCHANG
    assert inv.ids[0] == "XC0001"
    assert synthesize("xuchang", 50, seed=1).equals(synthesize("许昌市", 50, seed=1))


def test_profiles_refer_to_known_kinds():
    for profile in CITY_PROFILES.values():
        assert set(profile.kinds) <= set(KINDS)
    assert all(k.industry in INDUSTRY_IDS for k in KINDS.values())


def test_bad_arguments():
    with pytest.raises(ValueError, match="郑州"):
        synthesize("郑州")
    with pytest.raises(ValueError):
        synthesize(enterprises=-1)
    assert len(synthesize(enterprises=0)) == 0


TAIYUAN = {"小店区", "迎泽区", "杏花岭区", "尖草坪区", "万柏林区", "晋源区", "清徐县", "阳曲县",
           "娄烦县", "古交市"}


def test_taiyuan_basin_cities():
    inv = synthesize("太原", 400, seed=3)
    assert set(inv.counties) == TAIYUAN and inv.ids[0] == "TY0001"
    assert {"coking", "lime_kiln", "steel_integrated"} <= set(inv.industries)
    for city in ("晋中", "吕梁", "jinzhong", "lvliang"):
        assert len(synthesize(city, 50, seed=1)) == 50
    assert "alumina" in set(synthesize("吕梁", 400, seed=1).industries)


def test_several_cities_share_one_list():
    inv = synthesize_cities(["漯河", "许昌", "太原"], 1000, seed=8)
    assert len(inv) == 1000 and len(set(inv.ids)) == 1000
    counts = pd.Series(inv.cities).value_counts()
    assert counts["太原"] > counts["漯河"]  # size 1.5 vs 1 (assumption)
    assert synthesize_cities(["漯河"], 300, 2023).equals(synthesize("漯河", 300, 2023))
    again = synthesize_cities(["漯河", "许昌", "太原"], 1000, seed=8)
    assert again.equals(inv)
    with pytest.raises(ValueError, match="twice"):
        synthesize_cities(["漯河", "luohe"], 10)


def test_lines_values_trucks_and_classes_are_plausible():
    inv = synthesize("漯河", 2000, seed=9)
    assert inv.n_lines == inv.lines.sum() > len(inv)
    sums = np.bincount(inv.line_owner, weights=inv.line_capacity)
    np.testing.assert_allclose(sums, 1.0)
    assert (inv.output_value > 0).all() and (inv.trucks_per_day >= 0).all()
    heavy = inv.industries == "cement"
    assert np.median(inv.trucks_per_day[heavy]) > np.median(inv.trucks_per_day[~heavy])
    assert set(inv.exemptions) == {"none", "livelihood", "strategic", "export", "whitelist"}
    capped = np.isin(inv.exemptions, ["livelihood", "strategic", "export"])
    assert (inv.guaranteed_load[capped] < 1).all() and (inv.guaranteed_load[~capped] == 1).all()
    assert not inv.online_monitoring[inv.grades == "D"].any()
    key = inv.industries != "other"
    assert (inv.base_ratio()[key] < 1).mean() > 0.05  # some plants produce above their permit
    assert np.isnan(inv.overrides[key]).all()  # 一厂一策 only for non-key firms here
    assert (~np.isnan(inv.overrides)).any()
    multi = inv.industry_grades != ""
    assert multi.any()
    from enterprises.grades import worst_grade
    for text, grade in zip(inv.industry_grades[multi], inv.grades[multi], strict=True):
        assert worst_grade(p.split(":")[1] for p in text.split(";")) == grade


def test_new_columns_leave_the_old_ones_alone():
    """Later draws come after the skeleton's: its columns are unchanged."""
    frame = synthesize("漯河", 300, seed=2023).to_frame()
    assert frame.loc[0, ["id", "industry", "grade", "so2_t", "lines"]].tolist() == [
        "LH0001", "brick_tile", "B", 61.225, 2]


@pytest.mark.parametrize("city", list(CITY_PROFILES))
def test_protected_plants_are_graded_b_or_better(city):
    # sources.md §14: a 保障类 firm must itself reach B or better; the review errs otherwise
    from enterprises.grades import GRADE_RANK

    inv = synthesize(city, 1500, seed=3)
    protected = inv.exemptions != "none"
    assert protected.sum() > 50
    assert max(GRADE_RANK[g] for g in inv.grades[protected]) <= GRADE_RANK["B"]
    # unprotected plants keep the drawn mix, C and 非引领性 included
    assert {"C", "非引领性"} <= set(inv.grades[~protected])


def test_coordinates_lie_within_a_few_km_of_their_county_seat():
    from enterprises.synthetic import COUNTY_SEATS, KM_PER_DEGREE, SEAT_RADIUS_KM

    inv = synthesize_cities(["漯河", "许昌", "太原", "晋中", "吕梁"], 3000, seed=5)
    assert inv.located.all()
    seats = np.array([COUNTY_SEATS[c] for c in inv.counties])
    north_km = (inv.lat - seats[:, 1]) * KM_PER_DEGREE
    east_km = (inv.lon - seats[:, 0]) * KM_PER_DEGREE * np.cos(np.radians(seats[:, 1]))
    distance = np.hypot(north_km, east_km)
    assert distance.max() <= SEAT_RADIUS_KM + 0.02  # + rounding to 1e-4° (≈ 11 m)
    assert np.median(distance) > SEAT_RADIUS_KM / 2  # spread over the disc, not piled on seats


def test_every_profile_county_has_a_seat_in_china():
    from enterprises.coordinates import LAT_RANGE, LON_RANGE
    from enterprises.synthetic import CITY_PROFILES, COUNTY_SEATS

    for profile in CITY_PROFILES.values():
        for county in profile.counties:
            lon, lat = COUNTY_SEATS[county]
            assert LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]


def test_coordinates_are_deterministic_and_leave_every_other_column_as_before():
    a, b = synthesize("许昌", 400, 11), synthesize("许昌", 400, 11)
    assert np.array_equal(a.lon, b.lon) and np.array_equal(a.lat, b.lat)
    assert not np.array_equal(a.lon, synthesize("许昌", 400, 12).lon)
    # the coordinates are the last draw: every other column is the frame drawn before them
    # (sha256 of the CSV of synthesize("许昌", 400, 11).to_frame() before coordinates existed)
    without = a.to_frame().drop(columns=["lon", "lat"]).to_csv(index=False).encode()
    assert hashlib.sha256(without).hexdigest() == (
        "a87d08ab4cf3440f7208ec66e78c294baa99706098bd1af7f59cf180f2676a31")


def test_a_county_without_a_seat_is_left_unlocated():
    from unittest import mock

    from enterprises.synthetic import COUNTY_SEATS

    with mock.patch.dict(COUNTY_SEATS, clear=False) as seats:
        del seats["临颍县"]
        inv = synthesize("漯河", 200, 3)
    unlocated = inv.counties == "临颍县"
    assert unlocated.any() and not inv.located[unlocated].any() and inv.located[~unlocated].all()
