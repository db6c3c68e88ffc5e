"""`smogsim run` takes its alert windows from the lifecycle, with a model and a region file."""


import pytest

from alerts.levels import Level
from simulator.io.inputs import build_inputs, load_scenario
from simulator.spec.scenario import ScenarioError


@pytest.fixture
def scenario(demo_copy):
    return demo_copy


def with_forecast_keys(path, text):
    content = path.read_text(encoding="utf-8").replace(
        'file = "data/luohe_2023-12_forecast.csv"\n',
        'file = "data/luohe_2023-12_forecast.csv"\n' + text)
    path.write_text(content, encoding="utf-8")
    return path


def test_demo_reaches_orange_through_the_lifecycle(scenario):
    inputs = build_inputs(load_scenario(scenario))
    levels = [w.level for w in inputs.windows]
    assert Level.ORANGE in levels
    orange = next(w for w in inputs.windows if w.level == Level.ORANGE)
    assert orange.issued_at < orange.start  # issued ahead, response announced separately
    for a, b in zip(inputs.windows, inputs.windows[1:], strict=False):
        assert a.end <= b.start


def test_late_forecast_starts_the_orange_response_later(scenario):
    perfect = build_inputs(load_scenario(scenario)).windows
    late = build_inputs(load_scenario(with_forecast_keys(scenario, 'model = "late:24"\n')))
    start = {w.level: w.start for w in perfect}[Level.ORANGE]
    assert {w.level: w.start for w in late.windows}[Level.ORANGE] > start


def test_noisy_model_is_reproducible(scenario):
    spec = load_scenario(with_forecast_keys(scenario, 'model = "noisy:sd=0.4"\n'))
    assert build_inputs(spec).windows == build_inputs(spec).windows


def test_region_file_dispatch_order_reaches_the_scenario_city(scenario):
    region = scenario.parent / "data" / "region.toml"
    region.write_text(
        '[[city]]\nname = "漯河"\nzones = ["henan"]\n'
        '[[dispatch]]\nid = "豫 test"\nzone = "henan"\nlevel = "red"\n'
        'start = "2023-12-16T00:00"\nend = "2023-12-17T00:00"\n', encoding="utf-8")
    content = scenario.read_text(encoding="utf-8") + '\n[region]\nfile = "data/region.toml"\n'
    scenario.write_text(content, encoding="utf-8")
    windows = build_inputs(load_scenario(scenario)).windows
    red = [w for w in windows if w.level == Level.RED]
    assert [(str(w.start), str(w.end), w.trigger) for w in red] == [
        ("2023-12-16 00:00:00", "2023-12-17 00:00:00", "dispatch")]


def test_bad_model_in_scenario_is_one_line(scenario):
    with pytest.raises(ScenarioError, match="key forecast.model: value 'psychic'"):
        load_scenario(with_forecast_keys(scenario, 'model = "psychic"\n'))


def test_a_level_split_by_a_higher_one_says_it_resumes():
    import pandas as pd

    from alerts.lifecycle import Decision
    from alerts.timeline import Track, hourly_grid

    t = pd.Timestamp("2023-12-14 00:00")
    grid = hourly_grid(t, t + pd.Timedelta(hours=48))
    low = Track.of(grid, [Decision("漯河", Level.YELLOW, t - pd.Timedelta(hours=24), t,
                                   t + pd.Timedelta(hours=40), "yellow forecast")])
    high = Track.of(grid, [Decision("漯河", Level.ORANGE, t, t + pd.Timedelta(hours=10),
                                    t + pd.Timedelta(hours=20), "orange forecast")])
    windows = low.raised_by(high).windows("漯河")
    assert [(w.level, w.hours) for w in windows] == [
        (Level.YELLOW, 10), (Level.ORANGE, 10), (Level.YELLOW, 20)]
    assert windows[0].reason == "yellow forecast"
    assert windows[2].reason == ("yellow resumes after the higher level ended "
                                 "(decision issued 2023-12-13 00:00)")
