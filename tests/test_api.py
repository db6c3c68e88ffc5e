"""The public API: every name it lists resolves to the object its layer defines."""

import importlib

import pytest

import simulator


@pytest.mark.parametrize("name", simulator.__all__)
def test_public_name_resolves_to_its_defining_module(name):
    obj = getattr(simulator, name)
    assert obj is getattr(importlib.import_module(simulator._API[name]), name)
    assert obj.__module__ == simulator._API[name]


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        simulator.nothing  # noqa: B018


def test_api_runs_the_demo_scenario(demo_spec_path):
    run = simulator.run_scenario(simulator.load_scenario(demo_spec_path))
    assert isinstance(run.result, simulator.RunResult)
    assert set(run.result.episodes["pollutant"]) == {"SO2", "NOx", "PM", "VOCs"}
