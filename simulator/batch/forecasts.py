"""Replay inputs: one adapter per neighbouring package, so each can be rewired alone.

``read_observations`` (alerts.io), ``forecast_windows_by_city`` (the forecast models and the
alert lifecycle, alerts.forecast and alerts.timeline), ``city_inventories`` (enterprises) and
``read_area_sources`` (enterprises.area through ``simulator.io.area_inputs``). Every problem is
a one-line ``ReplayInputError`` naming the file or option and the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from alerts.forecast import make_model, parse_model
from alerts.lifecycle import CONSULTATION_INTERVAL_HOURS
from alerts.region import Region
from alerts.rules import RuleSet
from alerts.timeline import alert_timeline
from alerts.triggers import AlertWindow
from simulator.io.replay import ReplayInputError

HOUR = pd.Timedelta(hours=1)
FORECAST_MODELS = "perfect, persistence, noisy[:bias=B,sd=S] or late:<hours>"
FORECAST_STREAM = "forecast"  # the named child of a run's generator that a noisy model draws


def parse_forecast(name: str) -> str:
    """Canonical name of a forecast model ``alerts.forecast.parse_model`` accepts.

    ``late:06`` → ``late:6``; ``noisy:sd=0.30,bias=-0.1`` → ``noisy:bias=-0.1,sd=0.3`` (only the
    parameters given, in that order), so one model is one grid point whichever way it is spelt.
    """
    try:
        model, params = parse_model(name)
    except ValueError as bad:
        why = str(bad).split(": ", 1)[-1]
        if why.startswith("expected"):
            why = f"expected {FORECAST_MODELS}"
        raise ReplayInputError(f"--forecast: value {name!r} — {why}") from None
    if model == "late":
        return f"late:{params['hours']}"
    if model == "noisy" and params:
        given = [f"{short}={params[key]!r}" for short, key in
                 (("bias", "bias_per_day"), ("sd", "sd_per_day")) if key in params]
        return "noisy:" + ",".join(given)
    return model


def consultation_lead(rules: RuleSet) -> pd.Timedelta:
    """How long before a run's start its daily consultations begin.

    The lifecycle issues an alert at the last consultation that still gives the lead time
    before the response starts, so an alert whose response starts at the run's start may be
    issued up to lead time + one consultation interval earlier; starting that early keeps it.
    """
    return (math.ceil(rules.lead_time_hours) + CONSULTATION_INTERVAL_HOURS) * HOUR


class CityForecast(NamedTuple):
    """One city's forecast: its observed daily AQI, the model's name (``parse_forecast``), the
    generator a noisy model draws from and its observed drivers (``alerts.drivers``: primary
    pollutant and PM2.5/PM10 ratio by hour; None: not known, nothing is left out)."""

    daily: pd.Series
    model: str
    rng: np.random.Generator | None = None
    drivers: pd.DataFrame | None = None


def forecast_windows_by_city(forecasts: Mapping[str, CityForecast], rules: RuleSet,
                             start: pd.Timestamp, end: pd.Timestamp,
                             region: Region | None = None) -> dict[str, list[AlertWindow]]:
    """Alert windows each city of ``forecasts`` issues for ``[start, end)``, all under ``rules``.

    The same path as ``smogsim run`` (``alerts.timeline.AlertInputs.windows``): each city's
    forecast model (``alerts.forecast.make_model``: perfect, persistence, noisy, late:<h>) over
    its observed daily AQI, consulted daily by the alert lifecycle (``alert_timeline``) from
    ``consultation_lead`` before ``start`` to ``end``; a ``region``'s rules and dispatch orders
    raise its cities; the rule set's day exclusions (dust, ozone) apply to the cities whose
    drivers are given. Windows that end before ``start`` are dropped; the rest are returned whole.
    """
    models = {city: make_model(parse_forecast(f.model), f.daily, f.rng, f.drivers)
              for city, f in forecasts.items()}
    windows = alert_timeline(models, dict.fromkeys(forecasts, rules),
                             start - consultation_lead(rules), end, region=region)
    return {city: [w for w in windows.get(city, ()) if w.end > start] for city in forecasts}


def forecast_windows(daily: pd.Series, rules: RuleSet, city: str, model: str,
                     start: pd.Timestamp, end: pd.Timestamp,
                     rng: np.random.Generator | None = None,
                     drivers: pd.DataFrame | None = None) -> list[AlertWindow]:
    """Alert windows one city issues alone for ``[start, end)`` under forecast ``model``
    (``forecast_windows_by_city``); ``rng`` feeds a noisy model, ``drivers`` are the city's."""
    forecasts = {city: CityForecast(daily, model, rng, drivers)}
    return forecast_windows_by_city(forecasts, rules, start, end)[city]
