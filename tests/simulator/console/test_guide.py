"""The figures of the planner's guide §6 (docs/guide-planner.md): the browser test's
decisions on the demo, through the app with the real exercise."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from simulator.console.app import DEMO_SCENARIO, create_app

pytestmark = pytest.mark.slow


def test_the_guides_exercise_against_the_automatic_run():
    app = create_app(DEMO_SCENARIO, allowed_hosts=("testserver",))
    with TestClient(app) as page:
        page.post("/api/name", json={"who": "张三"})
        for _ in range(2):
            page.post("/api/step", json={"kind": "consultation"})
        page.post("/api/accept", json={})
        page.post("/api/step", json={"kind": "consultation"})
        red = page.post("/api/decide", json={"action": "upgrade", "level": "red"})
        assert red.status_code == 200, red.text
        page.post("/api/dispatch", json={"county": "临颍县", "teams": 2})
        end = page.post("/api/step", json={"kind": "end"}).json()
    rows = {f"{r['measure']}/{r['key']}": (r["exercise"], r["automatic"])
            for r in end["comparison"]}
    assert rows["cut_t/SO2"] == (18.51, 20.85) and rows["cut_t/NOx"] == (47.65, 52.03)
    assert rows["cut_t/PM"] == (37.79, 42.53) and rows["cut_t/VOCs"] == (22.33, 24.52)
    assert rows["alert_hours/orange"] == (109, 152) and rows["alert_hours/red"] == (24, 0)
    assert rows["output_lost_wan/"] == (17570.3, 19819.2)
    assert rows["trucks_blocked/"] == (6273, 7178)
