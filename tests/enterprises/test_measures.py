"""The measure catalogue: cement golden values, monotonicity, vectorised lookup, validation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.levels import LEVEL_IDS, Level
from enterprises.catalogue import default_rows
from enterprises.errors import MeasureTableError
from enterprises.grades import GRADES, grade_rank
from enterprises.industries import INDUSTRIES, INDUSTRY_IDS
from enterprises.inventory import Inventory
from enterprises.io import DEFAULT_MEASURES_PATH, default_measures, load_measure_table
from enterprises.measures import BASES, MeasureTable, required_cut
from enterprises.response import small_emitters
from enterprises.synthetic import synthesize

TABLE = default_measures()
ALERTS = ("yellow", "orange", "red")

# sources.md §4.3, cement clinker, verbatim (A–D); A+/引领性 self-determined (§4.1, §6, §11);
# B- is this project's labelled assumption; 非引领性 takes C's rules (sources.md §6, §13.3, §14).
CEMENT = {
    "A+": (0.0, 0.0, 0.0),
    "A": (0.0, 0.0, 0.0),
    "引领性": (0.0, 0.0, 0.0),
    "B": (0.0, 0.2, 1.0),
    "非引领性": (0.5, 1.0, 1.0),
    "B-": (0.0, 0.3, 1.0),
    "C": (0.5, 1.0, 1.0),
    "D": (1.0, 1.0, 1.0),
}
CEMENT_BASIS = {
    "A": ("self_determined",) * 3,
    "B": ("none", "limit", "stop"),
    "C": ("stop_by_line", "stop", "stop"),
    "D": ("stop",) * 3,
}


def test_brief_example():
    assert default_measures().cut_fraction("cement", "B", "orange") == 0.20


@pytest.mark.parametrize("grade", list(CEMENT))
@pytest.mark.parametrize("level", ALERTS)
def test_cement_golden(grade, level):
    expected = CEMENT[grade][ALERTS.index(level)]
    assert TABLE.cut_fraction("cement", grade, level) == expected
    assert TABLE.cut_fraction("水泥", grade, Level.parse(level)) == expected


@pytest.mark.parametrize("grade", list(CEMENT_BASIS))
def test_cement_basis_and_source(grade):
    for level, basis in zip(ALERTS, CEMENT_BASIS[grade], strict=True):
        m = TABLE.measure("cement", grade, level)
        assert m.basis == basis
        assert m.source.startswith("sources.md §4.3")
        assert m.rule_id == f"cement/{grade}/{level}"


@pytest.mark.parametrize("level", ["none", "temporary", "blue", Level.NONE, Level.BLUE])
def test_no_cut_below_yellow(level):
    for ind in INDUSTRY_IDS:
        for grade in GRADES:
            assert TABLE.cut_fraction(ind, grade, level) == 0.0


def test_local_practice_at_orange():
    assert TABLE.cut_fraction("glass", "B", "orange") == 0.2  # Tangshan 2019, §4.3
    assert TABLE.cut_fraction("electrolytic_aluminium", "B", "orange") == 0.3  # Lüliang, §13.2
    assert TABLE.cut_fraction("alumina", "B", "orange") == 0.5
    assert TABLE.measure("alumina", "B", "orange").basis == "stop_by_line"
    assert TABLE.cut_fraction("carbon", "B", "orange") == 0.5
    assert TABLE.cut_fraction("foundry", "B", "orange") == 1.0  # Tangshan 2019, §4.3
    assert TABLE.cut_fraction("foundry", "C", "orange") == 1.0


def test_other_industries_use_the_labelled_cement_pattern():
    m = TABLE.measure("furniture", "B", "orange")
    assert (m.cut, m.basis) == (0.2, "limit")
    assert m.source.startswith("assumption: cement pattern of sources.md §4.3")


def test_every_row_has_a_source_and_a_known_basis():
    frame = TABLE.to_frame()
    assert len(frame) == len(INDUSTRY_IDS) * len(GRADES) * 5  # none is implicit
    assert frame["basis"].isin(BASES).all()
    assert (frame["source"].str.len() > 0).all()
    assert frame["source"].str.contains("sources.md §|assumption").all()
    assert TABLE.industries() == list(INDUSTRY_IDS)


BY_STRICTNESS = sorted(GRADES, key=grade_rank)


def grade_chain(table, industry, level):
    return [table.cut_fraction(industry, g, level) for g in BY_STRICTNESS]


def level_chain(table, industry, grade):
    return [table.cut_fraction(industry, grade, lv) for lv in ALERTS]


def is_monotone(values):
    return all(0.0 <= a <= b <= 1.0 for a, b in itertools.pairwise(values))


@given(industry=st.sampled_from(INDUSTRY_IDS), level=st.sampled_from(ALERTS))
def test_cut_is_monotone_in_grade(industry, level):
    """A+ ≤ A = 引领性 ≤ B ≤ B- ≤ C = 非引领性 ≤ D; equal ranks give equal cuts."""
    chain = grade_chain(TABLE, industry, level)
    assert is_monotone(chain)
    for g1 in GRADES:
        for g2 in GRADES:
            if grade_rank(g1) == grade_rank(g2):
                assert TABLE.cut_fraction(industry, g1, level) == TABLE.cut_fraction(
                    industry, g2, level)


@given(industry=st.sampled_from(INDUSTRY_IDS), grade=st.sampled_from(GRADES))
def test_cut_is_monotone_in_level(industry, grade):
    assert is_monotone(level_chain(TABLE, industry, grade))


def test_monotone_everywhere():
    """The finite domain, exhaustively: hypothesis may not visit every industry."""
    bad = [(i, lv) for i in INDUSTRY_IDS for lv in ALERTS
           if not is_monotone(grade_chain(TABLE, i, lv))]
    bad += [(i, g) for i in INDUSTRY_IDS for g in GRADES
            if not is_monotone(level_chain(TABLE, i, g))]
    assert bad == []


def test_monotone_check_catches_a_bad_table():
    rows = TABLE.to_frame()
    at = (rows.industry == "furniture") & (rows.grade == "B-") & (rows.level == "orange")
    rows.loc[at, "cut"] = 0.1  # below B's 0.2
    broken = MeasureTable.from_frame(rows)
    assert not is_monotone(grade_chain(broken, "furniture", "orange"))


def test_self_determined_grades_never_cut():
    for ind in INDUSTRY_IDS:
        for level in LEVEL_IDS:
            for grade in ("A+", "A", "引领性"):
                assert TABLE.cut_fraction(ind, grade, level) == 0.0


names = st.sampled_from([*INDUSTRY_IDS, *(ind.zh for ind in INDUSTRIES)])


@given(
    pairs=st.lists(st.tuples(names, st.sampled_from(GRADES)), max_size=60),
    level=st.sampled_from([*LEVEL_IDS, *Level]),
)
def test_vectorised_equals_scalar(pairs, level):
    industries = [p[0] for p in pairs]
    grades = np.array([p[1] for p in pairs], dtype=object)
    got = TABLE.cut_fractions(industries, grades, level)
    assert got.dtype == np.float64 and got.shape == (len(pairs),)
    expected = [TABLE.cut_fraction(i, g, level) for i, g in pairs]
    np.testing.assert_array_equal(got, np.array(expected, dtype=float))


def test_vectorised_on_a_large_array():
    rng = np.random.default_rng(0)
    ind = rng.choice(np.array(INDUSTRY_IDS, dtype=object), 200_000)
    grd = rng.choice(np.array(GRADES, dtype=object), 200_000)
    got = TABLE.cut_fractions(ind, grd, "orange")
    for k in rng.integers(0, 200_000, 50):
        assert got[k] == TABLE.cut_fraction(ind[k], grd[k], "orange")


def test_lookup_errors():
    with pytest.raises(ValueError, match="industry"):
        TABLE.cut_fraction("machining", "B", "orange")
    with pytest.raises(ValueError, match="grade"):
        TABLE.cut_fractions(["cement"], ["E"], "orange")
    with pytest.raises(ValueError, match="level"):
        TABLE.cut_fraction("cement", "B", "purple")
    with pytest.raises(ValueError):
        TABLE.cut_fractions(["cement", "glass"], ["B"], "orange")


def test_required_cut_on_a_synthetic_list():
    """Plain enterprises get the catalogue; livelihood its cap; A grades nothing unless capped.

    A synthetic list now has exemption classes, curtailment bases, 限排不限产 and
    一厂一策, so the catalogue holds exactly for the plain enterprises only.
    """
    inv = synthesize("漯河", 400, seed=11)
    assert inv.livelihood.any()
    plain = ((inv.exemptions == "none") & np.isnan(inv.overrides).all(axis=1)
             & ~inv.online_monitoring & (inv.base_ratio() == 1) & ~small_emitters(inv))
    assert plain.sum() > 100
    for level in ("yellow", Level.ORANGE, "red"):
        cut = required_cut(inv, level)
        assert cut.shape == (len(inv),)
        np.testing.assert_allclose(cut[inv.livelihood], 1 - inv.guaranteed_load[inv.livelihood])
        a_grade = np.isin(inv.grades, ["A+", "A", "引领性"]) & (inv.exemptions == "none")
        assert (cut[a_grade & np.isnan(inv.overrides).all(axis=1)] == 0).all()
        np.testing.assert_array_equal(
            cut[plain], TABLE.cut_fractions(inv.industries[plain], inv.grades[plain], level)
        )
    d_plain = plain & (inv.grades == "D")
    assert (required_cut(inv, "red")[d_plain] == 1.0).all()


def test_required_cut_livelihood_d_grade_cement():
    inv = Inventory(["x", "y"], ["n", "n"], ["漯河"] * 2, ["郾城区"] * 2, ["cement"] * 2,
                    ["D", "D"], np.ones((2, 4)), [7200, 7200], [True, False], [1, 1])
    assert required_cut(inv, "red").tolist() == [0.0, 1.0]


# -- a bureau's own table ------------------------------------------------------------------

HEAD = "industry,grade,level,cut,basis,source"


def bureau_csv(tmp_path, *rows: str):
    path = tmp_path / "measures.csv"
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    return path


def test_bureau_table_overrides(tmp_path):
    path = bureau_csv(tmp_path, "水泥,B,橙色,0.4,limit,Luohe 2025 plan",
                      "cement,B,temporary,0.5,stop_by_line,")
    table = load_measure_table(path)
    assert table.cut_fraction("cement", "B", "orange") == 0.4
    assert table.measure("cement", "B", "temporary").source == "measures.csv row 3"
    assert table.cut_fraction("cement", "B", "none") == 0.0  # implicit
    assert table.industries() == ["cement"]
    with pytest.raises(KeyError, match=r"\(cement, C, orange\) in measures.csv"):
        table.cut_fraction("cement", "C", "orange")
    with pytest.raises(KeyError, match=r"\(glass, B, orange\)"):
        table.cut_fractions(["cement", "glass"], ["B", "B"], "orange")


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("machining,B,orange,0.2,limit,x", "industry", "machining"),
        ("cement,E,orange,0.2,limit,x", "grade", "E"),
        ("cement,B,purple,0.2,limit,x", "level", "purple"),
        ("cement,B,orange,1.5,limit,x", "cut", "1.5"),
        ("cement,B,orange,-0.1,limit,x", "cut", "-0.1"),
        ("cement,B,orange,abc,limit,x", "cut", "abc"),
        ("cement,B,orange,0.2,limt,x", "basis", "limt"),
        ("cement,B,orange,0.2,stop,x", "cut", "0.2"),
        ("cement,A,orange,0.2,self_determined,x", "cut", "0.2"),
        ("cement,B,none,0.2,limit,x", "cut", "0.2"),
        ("cement,B,orange,0,limit,x", "cut", "0"),
    ],
)
def test_bureau_table_bad_row(tmp_path, row, column, value):
    path = bureau_csv(tmp_path, "cement,B,red,1,stop,x", row)
    with pytest.raises(MeasureTableError) as err:
        load_measure_table(path)
    e = err.value
    assert (e.row, e.column, e.value) == (3, column, value)
    assert str(e).startswith(f"measures.csv: row 3, column {column}: value {value!r} — expected ")
    assert "\n" not in str(e)


def test_bureau_table_duplicate_and_missing_column(tmp_path):
    path = bureau_csv(tmp_path, "cement,B,red,1,stop,x", "水泥,b,红色,1,stop,y")
    with pytest.raises(MeasureTableError, match="row 3, column level.*row 2 has it already"):
        load_measure_table(path)
    path.write_text("industry,grade,level,cut\ncement,B,red,1\n", encoding="utf-8")
    with pytest.raises(MeasureTableError, match="row 1, column basis: value ''"):
        load_measure_table(path)


def test_default_is_cached():
    assert default_measures() is default_measures()


def test_bundled_catalogue_is_the_generator_output():
    """enterprises/data/measures.csv is enterprises.catalogue.default_rows(); regenerate with
    ``python -m enterprises measures``."""
    on_disk = pd.read_csv(DEFAULT_MEASURES_PATH, keep_default_na=False)
    built = default_rows()
    assert list(on_disk.columns) == list(built.columns)
    pd.testing.assert_frame_equal(on_disk.drop(columns=["cut", "emission_cut"]),
                                  built.drop(columns=["cut", "emission_cut"]).fillna(""),
                                  check_dtype=False)
    np.testing.assert_allclose(on_disk[["cut", "emission_cut"]].astype(float),
                               built[["cut", "emission_cut"]].astype(float), rtol=0, atol=0)


def test_local_practice_for_processes_that_cannot_stop():
    # coke: coking time 24 h → 36 h keeps 24/36 of output (sources.md §4.3 Tangshan; assumption
    # 24 h normal) → cut 1/3; 48 h → 1/2
    assert TABLE.cut_fraction("coking", "B", "orange") == pytest.approx(1 / 3)
    assert TABLE.cut_fraction("coking", "B", "red") == pytest.approx(0.5)
    m = TABLE.measure("coking", "B", "orange")
    assert (m.basis, m.detail) == ("load_reduction", "coking time extended to 36 h")
    # lime kiln B orange: 停产保窑 — output stops, the warm kiln keeps 10 % of emissions
    m = TABLE.measure("lime_kiln", "B", "orange")
    assert (m.cut, m.emission_cut, m.basis) == (1.0, 0.9, "load_reduction")
    # glass is never stopped: D keeps the furnace hot; B orange cuts the batch feed 20 %
    m = TABLE.measure("glass", "D", "red")
    assert (m.cut, m.emission_cut) == (1.0, 0.5)
    assert TABLE.measure("glass", "B", "orange").detail == "batch feed cut 20 %"
    # steel C red: blast furnaces banked (焖炉), Anyang 2019
    assert "banked" in TABLE.measure("steel_integrated", "C", "red").detail
    for industry in ("steel_integrated", "coking", "glass", "lime_kiln", "foundry"):
        for grade in ("B", "C", "D"):
            for level in ALERTS:
                assert "sources.md §" in TABLE.measure(industry, grade, level).source


def test_emission_cut_is_monotone_too():
    def chain(industry, level):
        return [float(TABLE._emission_cut[INDUSTRY_IDS.index(industry), GRADES.index(g),
                                          LEVEL_IDS.index(level)]) for g in BY_STRICTNESS]

    bad = [(i, lv) for i in INDUSTRY_IDS for lv in ALERTS if not is_monotone(chain(i, lv))]
    assert bad == []


def test_overlay_replaces_only_the_given_rows(tmp_path):
    path = bureau_csv(tmp_path, "水泥,B,橙色,0.4,limit,Luohe 2025 plan")
    table = TABLE.overlay(load_measure_table(path))
    assert table.cut_fraction("cement", "B", "orange") == 0.4
    assert table.measure("cement", "B", "orange").source == "Luohe 2025 plan"
    assert table.cut_fraction("cement", "C", "orange") == 1.0  # from the bundled table
    assert len(table.to_frame()) == len(TABLE.to_frame())


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("cement,B,orange,0.2,emission_cap,x,0.2,", "cut", "0.2"),
        ("cement,B,orange,0,emission_cap,x,0,", "emission_cut", "0"),
        ("cement,B,orange,0.2,limit,x,1.5,", "emission_cut", "1.5"),
        ("cement,B,orange,0,load_reduction,x,,", "cut", "0"),
    ],
)
def test_new_bases_are_checked(tmp_path, row, column, value):
    path = tmp_path / "measures.csv"
    path.write_text(HEAD + ",emission_cut,detail\n" + row + "\n", encoding="utf-8")
    with pytest.raises(MeasureTableError) as err:
        load_measure_table(path)
    assert (err.value.row, err.value.column, err.value.value) == (2, column, value)


def test_emission_cap_row_loads(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(HEAD + ",emission_cut,detail\ncement,B,orange,0,emission_cap,x,0.25,"
                    "SO2 ≤ 35 mg/m³\n", encoding="utf-8")
    m = load_measure_table(path).measure("cement", "B", "orange")
    assert (m.cut, m.emission_cut, m.basis, m.detail) == (0.0, 0.25, "emission_cap",
                                                          "SO2 ≤ 35 mg/m³")
