"""The array lifecycle gives the windows the pandas lifecycle gave, field for field.

``tests/alerts/legacy_lifecycle.py`` is ``alerts.triggers``, ``alerts.lifecycle`` and
``alerts.timeline`` as they were before issue 18 (a pandas outlook per consultation, one
reading per tier). Both run on the same inputs and forecast models (a noisy model of each side
draws from its own generator of the same seed) and must give the same windows (level, issue,
start, end, reason, trigger, primary pollutant), the same timeline table (dtypes included) and
the same decisions, announced and cancelled: on the real Beijing record (tests/data), on the
Henan example season (with its dust and ozone days, and with its region), under every bundled
rule set, and on random series.
"""

from dataclasses import astuple, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import timeline
from alerts.forecast import DEFAULT_HORIZON_HOURS, forecast_models
from alerts.io import load_alert_inputs, load_ruleset
from alerts.lifecycle import CityLifecycle, SharedReading, run_lifecycles, tiers_for
from alerts.timeline import AlertInputs, timeline_frame
from simulator.core.rng import make_rng
from tests.alerts import legacy_lifecycle as legacy

ROOT = Path(__file__).parents[2]
BEIJING = ROOT / "tests" / "data" / "beijing_pm25_us_embassy_2010_2014.csv.gz"
HENAN = ROOT / "runs" / "data" / "henan_2023-24_hourly.csv.gz"
HENAN_REGION = ROOT / "runs" / "data" / "henan_region.toml"
RULE_SETS = ("mee-2017", "mee-2019", "mee-2024", "beijing-2023")
MODELS = ("perfect", "late:24", "noisy")
WINTER = (pd.Timestamp("2013-12-01"), pd.Timestamp("2014-03-01"))


def both(inputs: AlertInputs, model: str, start=None, end=None, seed=7):
    """Windows of the new and the old lifecycle, each with its own models (same seed)."""
    out = []
    for module in (timeline, legacy):
        models = forecast_models(inputs.truth, model, make_rng(seed, "oracle"), inputs.table,
                                 inputs.drivers)
        models = {city: m for city, m in models.items() if city in inputs.rules}
        out.append(module.alert_timeline(models, inputs.rules, start or inputs.start,
                                         end or inputs.end, inputs.region))
    return out


def assert_same(new, old, rules):
    assert new == old
    pd.testing.assert_frame_equal(timeline_frame(new, rules), timeline_frame(old, rules))


def under_each_rule_set(inputs: AlertInputs) -> dict[str, AlertInputs]:
    return {name: replace(inputs, rules=dict.fromkeys(inputs.rules, load_ruleset(name)))
            for name in RULE_SETS}


@pytest.fixture(scope="module")
def beijing():
    return under_each_rule_set(load_alert_inputs([BEIJING], city="北京"))


@pytest.fixture(scope="module")
def henan():
    return under_each_rule_set(load_alert_inputs([HENAN]))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rules", RULE_SETS)
def test_beijing_winter_2013_14(beijing, rules, model):
    new, old = both(beijing[rules], model, *WINTER)
    assert sum(len(w) for w in new.values()) > 0
    assert_same(new, old, beijing[rules].rules)


@pytest.mark.parametrize(("rules", "model"), [
    ("mee-2017", "noisy"), ("mee-2019", "perfect"), ("mee-2024", "late:24"),
    ("mee-2024", "noisy"), ("beijing-2023", "late:24")])
def test_henan_winter_two_cities(henan, rules, model):
    # the Henan example has PM10 and O3: dust- and ozone-driven periods are left out
    inputs = henan[rules]
    two = AlertInputs({c: inputs.truth[c] for c in ("漯河", "许昌")}, inputs.rules,
                      inputs.start, inputs.end, drivers=inputs.drivers)
    new, old = both(two, model, pd.Timestamp("2023-12-01"), pd.Timestamp("2024-03-01"))
    assert sum(len(w) for w in new.values()) > 0
    assert_same(new, old, inputs.rules)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rules", RULE_SETS)
def test_henan_season_two_cities(henan, rules, model):
    inputs = henan[rules]
    two = AlertInputs({c: inputs.truth[c] for c in ("漯河", "许昌")}, inputs.rules,
                      inputs.start, inputs.end, drivers=inputs.drivers)
    new, old = both(two, model)
    assert_same(new, old, inputs.rules)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rules", RULE_SETS)
def test_beijing_five_years(beijing, rules, model):
    new, old = both(beijing[rules], model)
    assert_same(new, old, beijing[rules].rules)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rules", RULE_SETS)
def test_henan_season_eight_cities_with_the_region(rules, model):
    inputs = load_alert_inputs([HENAN], rules, region=HENAN_REGION)
    new, old = both(inputs, model)
    assert_same(new, old, inputs.rules)


def decisions(module, truth, drivers, rules, model, start, end):
    """Every tier's announced and cancelled decisions, as plain tuples."""
    models = forecast_models({"A": truth}, model, make_rng(3, "oracle"),
                             drivers={"A": drivers} if drivers is not None else None)
    if module is legacy:
        tiers = [legacy.CityLifecycle("A", rules, models["A"], tier, DEFAULT_HORIZON_HOURS)
                 for tier in legacy.tiers_for(rules)]
        legacy.run_lifecycles(tiers, start, end)
    else:
        shared = SharedReading()
        tiers = [CityLifecycle("A", rules, models["A"], tier, DEFAULT_HORIZON_HOURS, shared)
                 for tier in tiers_for(rules)]
        run_lifecycles(tiers, start, end)
    return [([astuple(d) for d in lc.decisions], [astuple(d) for d in lc.cancelled])
            for lc in tiers]


PRIMARY = ("PM2.5", "PM10", "O3", "PM2.5,PM10", "PM10,O3", "")


@settings(max_examples=40, deadline=None)
@given(days=st.integers(3, 24), seed=st.integers(0, 2**32 - 1),
       rules=st.sampled_from(RULE_SETS), model=st.sampled_from((*MODELS, "late:5")),
       with_drivers=st.booleans(), gaps=st.booleans(), offset=st.integers(0, 23))
def test_random_series_give_the_same_decisions(days, seed, rules, model, with_drivers, gaps,
                                               offset):
    # episodes of random height and length over a clean background, some hours unknown
    rng = np.random.default_rng(seed)
    hours = 24 * days
    level = np.repeat(rng.choice([60.0, 160.0, 230.0, 320.0, 520.0], size=hours // 12 + 1),
                      12)[:hours]
    values = level * rng.uniform(0.8, 1.2, hours)
    if gaps:
        values[rng.random(hours) < 0.03] = np.nan
    t0 = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=offset)
    index = pd.date_range(t0, periods=hours, freq="h")
    truth = pd.Series(values, index=index)
    drivers = None
    if with_drivers:
        drivers = pd.DataFrame({"primary": rng.choice(PRIMARY, hours),
                                "pm_ratio": rng.uniform(0.1, 0.9, hours)}, index=index)
    ruleset = load_ruleset(rules)
    start, end = index[0], index[-1] + pd.Timedelta(hours=1)
    assert (decisions(timeline, truth, drivers, ruleset, model, start, end)
            == decisions(legacy, truth, drivers, ruleset, model, start, end))
