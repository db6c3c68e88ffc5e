"""A small stand-in for ``simulator.exercise.Exercise`` (the contract in the exercise API):
hand-sized numbers, the same methods and refusals, so the console's endpoints are tested
without simulating a city. The browser test uses the real exercise."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simulator.console.app import Engine


class StandInError(ValueError):
    """Refusal with a message per language, as ``ExerciseError``."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self._texts = {"en": en, "zh": zh}

    def message(self, lang: str) -> str:
        return self._texts[lang]


LEVELS = ("yellow", "orange", "red")


class StandIn:
    """Two days from 2023-12-14 00:00, consultations at 10:00, one county; an alert is what
    the last decision says; the cut is 5 % per alert hour of the baseline 1 t/h."""

    def __init__(self, scenario: Path, who: str | None = None, seed: int | None = None):
        self.scenario = Path(scenario)
        self.start = pd.Timestamp("2023-12-14 00:00")
        self.end = pd.Timestamp("2023-12-16 00:00")
        self.clock = self.start
        self.who = who or "default"
        self.seed = seed
        self.city = "漯河"
        self.level: str | None = None
        self.alert_hours = 0
        self.log: list[dict] = []
        self.teams: dict[str, int] = {}
        self.linkage = False

    @property
    def finished(self) -> bool:
        return self.clock >= self.end

    @property
    def at_consultation(self) -> bool:
        return self.clock.hour == 10

    def step(self, kind: str = "hour") -> None:
        if self.finished:
            raise StandInError("the exercise is over", "演练已结束")
        if kind == "hour":
            target = self.clock + pd.Timedelta(hours=1)
        elif kind in ("consultation", "event"):
            target = self.clock.normalize() + pd.Timedelta(hours=10)
            if target <= self.clock:
                target += pd.Timedelta(days=1)
            target = min(target, self.end)
        else:
            target = self.end
        hours = int((target - self.clock) / pd.Timedelta(hours=1))
        self.alert_hours += hours if self.level else 0
        self.clock = target

    def proposal(self):
        return None if self.level else {"action": "issue", "level": "orange"}

    def accept(self, who: str | None = None) -> None:
        if self.level:
            raise StandInError("nothing to accept", "没有可采纳的建议")
        self.decide("issue", who, level="orange", kind="accepted")

    def decide(self, action, who=None, level=None, start=None, end=None, note="",
               kind="human") -> None:
        if action == "upgrade" and (self.level is None or level is None
                                    or LEVELS.index(level) <= LEVELS.index(self.level)):
            raise StandInError(f"upgrade to {level}: not above the alert in force",
                               f"升级到{level}：不高于当前预警")
        if action == "lift" and self.level is None:
            raise StandInError("lift: no alert in force", "解除：当前无预警")
        if start is not None and start < self.clock:
            raise StandInError("start: in the past", "开始：早于当前时间")
        self.level = None if action == "lift" else (level or self.level)
        self.log.append({"at": self.clock.isoformat(), "who": who or self.who, "kind": kind,
                         "action": action, "level": level, "start": None, "end": None,
                         "note": note})

    def dispatch(self, county: str, teams: int, who: str | None = None) -> None:
        if county != "源汇区":
            raise StandInError(f"county {county}: not in the list", f"县区{county}：不在清单中")
        self.teams[county] = teams
        self.log.append({"at": self.clock.isoformat(), "who": who or self.who, "kind": "human",
                         "action": "dispatch", "level": None, "start": None, "end": None,
                         "note": f"{county} {teams}"})

    def set_linkage(self, on: bool, who: str | None = None) -> None:
        raise StandInError("linkage: the scenario has no region file", "区域联动：情景没有区域文件")

    def state(self, lang: str = "zh") -> dict:
        hours = int((self.clock - self.start) / pd.Timedelta(hours=1))
        cut = 0.05 * self.alert_hours
        return {
            "city": self.city, "scenario": self.scenario.name,
            "clock": f"{self.clock:%Y-%m-%dT%H:%M}",
            "start": f"{self.start:%Y-%m-%dT%H:%M}", "end": f"{self.end:%Y-%m-%dT%H:%M}",
            "finished": self.finished, "at_consultation": self.at_consultation,
            "forecast": [{"date": "2023-12-15", "aqi": 231, "aqi_low": 210, "aqi_high": 250,
                          "level": "orange", "level_name": "橙色" if lang == "zh" else "orange"}],
            "alert": None if self.level is None else {
                "level": self.level, "level_name": self.level, "start": None, "end": None,
                "reason": "test", "trigger": "human", "who": self.who},
            "proposal": None if self.level else {
                "action": "issue", "action_name": "issue", "level": "orange",
                "level_name": "orange", "start": None, "end": None, "reason": "AQI>200"},
            "cuts": [{"pollutant": "PM", "pollutant_name": "颗粒物" if lang == "zh" else "PM",
                      "baseline_t": float(hours), "cut_t": cut,
                      "cut_pct": round(100 * cut / hours, 1) if hours else 0.0,
                      "target_pct": 20.0, "met": False, "base": "test"}],
            "tally": [{"county": "源汇区", "county_name": "源汇区", "enterprises": 2,
                       "cut_t": {"PM": cut}}],
            "trucks_blocked": None,
            "enterprises": [{"id": "e1", "name": "A", "county": "源汇区", "county_name": "源汇区",
                             "lat": None, "lon": None, "response": "stopped",
                             "response_name": "停产"}],
            "pm25": [{"time": f"{self.start:%Y-%m-%dT%H:%M}", "without": 100.0, "with": 95.0}],
            "log": list(self.log), "labels": {},
        }

    def comparison(self, lang: str = "zh") -> list[dict]:
        mine = round(0.05 * self.alert_hours, 2)
        return [{"measure": "cut_t", "key": "PM", "name": "PM cut t", "exercise": mine,
                 "automatic": 1.0, "difference": round(mine - 1.0, 2), "unit": "t"}]

    def record(self) -> dict:
        return {"format": 1, "scenario": str(self.scenario), "who": self.who,
                "clock": self.clock.isoformat(),
                "decisions": self.log, "level": self.level, "alert_hours": self.alert_hours}


def save(exercise: StandIn, path: Path) -> None:
    Path(path).write_text(json.dumps(exercise.record(), ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> StandIn:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        exercise = StandIn(Path(data["scenario"]), data["who"])
    except (ValueError, KeyError, TypeError) as bad:
        raise StandInError(f"{path}: not an exercise file ({bad})",
                           f"{path}：不是演练文件（{bad}）") from None
    exercise.clock = pd.Timestamp(data["clock"])
    exercise.log, exercise.level = data["decisions"], data["level"]
    exercise.alert_hours = data["alert_hours"]
    return exercise


def export(exercise: StandIn, out: Path, lang: str) -> None:
    out.mkdir(parents=True)
    (out / "alerts.csv").write_text("level\n" + (exercise.level or ""), encoding="utf-8")
    (out / "report.html").write_text(f"<html lang={lang}>report</html>", encoding="utf-8")


def opener(scenario: Path, who: str | None = None, seed: int | None = None) -> StandIn:
    """Reads the scenario and its files as the real one does, to fail the same way."""
    from simulator.io.inputs import build_inputs, load_scenario

    build_inputs(load_scenario(scenario))
    return StandIn(scenario, who, seed)


ENGINE = Engine(opener, load, save, export, (StandInError,))
