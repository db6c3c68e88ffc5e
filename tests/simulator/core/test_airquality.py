"""The reduced-form source–receptor model: hand-computed responses and its calibration."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.airquality import (
    DEFAULTS,
    SourceReceptorModel,
    heavy_days,
    heavy_hours,
    with_and_without,
)

LOCAL = 0.8 * 0.471  # anthropogenic share × local share = 0.3768
SPLIT = np.array([0.2, 0.3, 0.4, 0.1])


def pair(**edge) -> nx.Graph:
    graph = nx.Graph()
    graph.add_edge("漯河", "许昌", **edge)
    return graph


def instant(model: SourceReceptorModel) -> SourceReceptorModel:
    """The same sensitivities with no response delay, so responses are easy to hand-compute."""
    return SourceReceptorModel(model.cities, model.sensitivity, model.lag_hours, 0.0)


def cuts(hours: int, n: int, values: dict[int, float]) -> np.ndarray:
    f = np.zeros((hours, n, 4))
    for city, share in values.items():
        f[:, city, :] = share
    return f


def test_two_cities_hand_computed():
    model = instant(SourceReceptorModel.from_graph(pair()))
    assert model.cities == ("漯河", "许昌")  # sorted by code point
    # 漯河 (index 0) cuts 20 % of every pollutant; 许昌 does nothing
    r = model.reduction(cuts(12, 2, {0: 0.2}))
    assert r[:, 0] == pytest.approx(np.full(12, LOCAL * 0.2))  # 0.07536 at once, locally
    assert r[:6, 1] == pytest.approx(np.zeros(6))  # downwind: nothing before the 6 h lag
    assert r[6:, 1] == pytest.approx(np.full(6, 0.8 * 0.529 * 0.2))  # 0.08464 after it


def test_three_city_chain_shares_the_non_local_part_by_weight():
    graph = nx.Graph()
    graph.add_edge("A", "B", weight=1.0, lag_hours=0)
    graph.add_edge("B", "C", weight=3.0, lag_hours=0)
    model = instant(SourceReceptorModel.from_graph(graph))
    s = model.sensitivity.sum(axis=2)
    # B keeps 0.3768 locally; its 0.4232 from neighbours is split 1:3 between A and C
    assert s[1, 1] == pytest.approx(LOCAL)
    assert s[1, 0] == pytest.approx(0.8 * 0.529 * 0.25)
    assert s[1, 2] == pytest.approx(0.8 * 0.529 * 0.75)
    assert s[0, 2] == 0  # A and C are not neighbours
    assert model.sensitivity[1, 1] == pytest.approx(LOCAL * SPLIT)
    # only C cuts NOx by 10 %: B gains 0.10 × 0.3174 × 0.3 (NOx share of the split)
    f = np.zeros((5, 3, 4))
    f[:, 2, 1] = 0.1
    assert model.reduction(f)[:, 1] == pytest.approx(np.full(5, 0.1 * 0.8 * 0.529 * 0.75 * 0.3))


def test_response_builds_up_with_the_response_time():
    model = SourceReceptorModel.from_graph(pair(lag_hours=0))
    a = np.exp(-1 / DEFAULTS.response_hours)
    r = model.reduction(cuts(48, 2, {1: 0.2}))
    expected = LOCAL * 0.2 * (1 - a ** np.arange(1, 49))  # first-order approach to steady state
    assert r[:, 1] == pytest.approx(expected)


def test_zero_cut_gives_zero_change():
    model = SourceReceptorModel.from_graph(pair())
    assert not model.reduction(np.zeros((30, 2, 4))).any()


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(0, 0.5), min_size=24, max_size=24),
       scale=st.floats(0, 2))
def test_response_is_linear_and_superposes(values, scale):
    model = SourceReceptorModel.from_graph(pair())
    f = np.zeros((24, 2, 4))
    f[:, 0, 2] = values
    f[:, 1, 0] = values[::-1]
    r = model.reduction(f)
    assert model.reduction(f * scale) == pytest.approx(r * scale, abs=1e-12)
    assert model.contributions(f).sum(axis=2) == pytest.approx(r, abs=1e-12)


def test_bureau_matrix_replaces_the_defaults():
    table = pd.DataFrame({"receptor": ["A", "A", "B"], "source": ["A", "B", "B"],
                          "pollutant": ["PM", "NOx", "PM"], "sensitivity": [0.3, 0.1, 0.25],
                          "lag_hours": [0, 3, 0]})
    model = instant(SourceReceptorModel.from_frame(table))
    r = model.reduction(cuts(6, 2, {0: 0.1, 1: 0.2}))
    assert r[:3, 0] == pytest.approx(np.full(3, 0.03))  # A's own PM only, before B's lag
    assert r[3:, 0] == pytest.approx(np.full(3, 0.03 + 0.02))
    assert r[:, 1] == pytest.approx(np.full(6, 0.05))


def test_bad_matrix_row_names_row_and_column():
    table = pd.DataFrame({"receptor": ["A"], "source": ["A"], "pollutant": ["CO2"],
                          "sensitivity": [0.1]})
    with pytest.raises(ValueError, match="row 2, column pollutant: value 'CO2'"):
        SourceReceptorModel.from_frame(table, origin="s.csv")


def test_replay_and_rehearsal_are_inverse():
    index = pd.date_range("2023-12-15", periods=4, freq="h")
    pm = pd.DataFrame({"漯河": [200.0, 220.0, 240.0, 180.0]}, index=index)
    r = np.array([[0.0], [0.1], [0.2], [0.05]])
    _, without = with_and_without(pm, r, observed_with=True)
    assert (without * (1 - r)).to_numpy() == pytest.approx(pm.to_numpy())
    rehearsal_with, _ = with_and_without(without, r, observed_with=False)
    assert rehearsal_with.to_numpy() == pytest.approx(pm.to_numpy())


def test_heavy_hours_and_days():
    index = pd.date_range("2023-12-15", periods=72, freq="h")
    pm = pd.DataFrame({"X": [160.0] * 48 + [100.0] * 24}, index=index)
    assert heavy_days(pm)["X"] == 2  # two calendar days at 160 µg/m³ → AQI 210
    # rolling 24 h mean > 150 µg/m³ (AQI 200) from hour 19 (first with 20 valid hours) to
    # hour 50: with k clean hours the mean is (160·(24 − k) + 100·k)/24 > 150 ⇔ k < 4
    assert heavy_hours(pm)["X"] == 51 - 19


def test_calibration_lands_in_the_literature_range():
    """sources.md §8: city-level cuts of ~10–30 % went with ~2–27 % PM2.5 reductions."""
    graph = nx.path_graph(["A", "B", "C"])
    model = SourceReceptorModel.from_graph(graph)
    hours = 96  # a four-day red alert, as in the BTH December 2016 reference episode
    results = {}
    for share in (0.1, 0.2, 0.3):
        alone = cuts(hours, 3, {1: share})
        regional = cuts(hours, 3, {0: share, 1: share, 2: share})
        results[share] = (model.reduction(alone)[:, 1].mean(),
                          model.reduction(regional)[:, 1].mean())
    for alone, regional in results.values():
        assert 0.02 <= alone <= 0.27
        assert 0.02 <= regional <= 0.27
        assert regional > alone  # regional coordination matters (sources.md §8)
