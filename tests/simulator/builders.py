"""Small hand-made inputs for engine tests: a tiny list, an alert window, a city's inputs."""

import numpy as np
import pandas as pd

from alerts.io import load_ruleset
from alerts.levels import Level
from alerts.triggers import AlertWindow
from enterprises.inventory import Inventory
from enterprises.io import default_measures, validate_inventory
from simulator.core.engine import CityInputs

T0 = pd.Timestamp("2023-12-12 00:00")
HOUR = pd.Timedelta(hours=1)


def inventory(rows: list[dict]) -> Inventory:
    """A tiny inventory: each row needs industry, grade, so2_t; other fields get defaults."""
    frame = pd.DataFrame([{
        "id": f"E{i + 1}", "name": f"企业{i + 1}", "city": "漯河", "county": "临颍县",
        "industry": "cement", "grade": "B", "so2_t": 0.0, "nox_t": 0.0, "pm_t": 0.0,
        "vocs_t": 0.0, "operating_hours": 7200.0, "livelihood": False, "lines": 1, **row,
    } for i, row in enumerate(rows)])
    return Inventory.from_frame(validate_inventory(frame))  # blank cells take defaults


def window(level: Level, start_h: float, end_h: float) -> AlertWindow:
    return AlertWindow("漯河", level, T0 + (start_h - 24) * HOUR, T0 + start_h * HOUR,
                       T0 + end_h * HOUR, "test")


def city_inputs(inv: Inventory, windows, hours: float = 48, area_so2_t: float = 0.0,
                rules: str = "mee-2024", area_cuts=None, seasonal=()) -> CityInputs:
    return CityInputs(
        city="漯河", start=T0, end=T0 + hours * HOUR, inventory=inv,
        area_rates=np.array([area_so2_t, 0, 0, 0]) / 8760.0, windows=tuple(windows),
        rules=load_ruleset(rules), measures=default_measures(), area_cuts=area_cuts,
        seasonal=tuple(seasonal),
    )
