"""Crafted daily-AQI series and a one-call lifecycle runner for the alert tests."""

from __future__ import annotations

import pandas as pd

from alerts.forecast import PerfectForecast
from alerts.io import load_ruleset
from alerts.timeline import alert_timeline

T0 = pd.Timestamp("2023-12-10 00:00")
H = pd.Timedelta(hours=1)


def at(hour: int) -> pd.Timestamp:
    """T0 + ``hour`` hours."""
    return T0 + hour * H


def series(*pieces: tuple[float, int], background: float = 100.0, lead: int = 96,
           total: int = 24 * 28) -> pd.Series:
    """``lead`` background hours, then each (value, hours) piece, then background to ``total``."""
    values = [background] * lead
    for value, hours in pieces:
        values += [value] * hours
    values += [background] * (total - len(values))
    return pd.Series(values, index=pd.date_range(T0, periods=len(values), freq="h"), dtype=float)


def timeline(truth: pd.Series | dict, rules="mee-2019", start=T0, days=21, region=None,
             models=None):
    """Windows of one city ("A") or of several cities with perfect forecasts."""
    truths = truth if isinstance(truth, dict) else {"A": truth}
    ruleset = load_ruleset(rules) if isinstance(rules, str) else rules
    models = models or {c: PerfectForecast(s) for c, s in truths.items()}
    out = alert_timeline(models, dict.fromkeys(truths, ruleset), start,
                         start + pd.Timedelta(days=days), region)
    return out if isinstance(truth, dict) or region is not None else out["A"]
