"""A run's alert table (``alerts.csv``) names each window's primary pollutant (首要污染物)."""

from pathlib import Path

from simulator.city.run import run_scenario
from simulator.core.results import ALERT_COLUMNS
from simulator.io.inputs import load_scenario

ROOT = Path(__file__).resolve().parents[3]


def test_the_primary_pollutant_is_the_last_id_column_of_the_alert_table():
    # appended, so scripts that read the older columns by position keep working
    assert ALERT_COLUMNS[:9] == ["city", "level", "level_zh", "response", "issued_at", "start",
                                 "end", "hours", "reason"]
    assert ALERT_COLUMNS[9:] == ["primary_pollutant"]
    alerts = run_scenario(load_scenario(ROOT / "runs" / "demo.toml")).result.alerts
    assert list(alerts.columns) == ALERT_COLUMNS
    # the demo's forecast gives every pollutant; PM2.5 drives each of its alert days
    assert len(alerts) == 3 and set(alerts["primary_pollutant"]) == {"PM2.5"}
