"""What drives a day: its primary pollutant (首要污染物), and which days a rule set leaves out.

HJ 633-2012 (sources.md §7): when the AQI is above 50, the pollutant(s) with the largest IAQI
are the primary pollutant. Here it is named for every rolling 24-hour period (sources.md §1):
the value at hour ``t`` belongs to the period of hours ``t-23 … t``, as the daily AQI of
``alerts.aqi.daily_aqi`` does.

The plans leave some episodes out of the heavy-pollution response: dust-caused episodes
(sources.md §1: Henan 2019, Hegang 2024), and the October 2023 draft of the 2024 guidance
limited the response to PM2.5-driven episodes (sources.md §1.3, **[UNCERTAIN]** in the final
text). A rule set says which kinds of day it leaves out (``DayExclusion``); such a day counts
toward no criterion ("N days above X"), as if its air were clean. Kinds:

* ``dust`` — PM10 is the primary pollutant (PM2.5 is not) and the period's PM2.5/PM10 ratio
  is below ``dust_ratio`` (assumption: sources.md gives no ratio; dust is coarse, haze fine), or
  a forecast names dust (沙尘) as the cause;
* ``ozone`` — O3 is the only primary pollutant (an ozone-only day).

The driver table of a city has one row per hour: ``primary`` (pollutant names joined by ",",
"" when unknown or AQI ≤ 50) and ``pm_ratio`` (24-h PM2.5 mean / 24-h PM10 mean; NaN when not
known; 0 when a forecast names dust). Observations with PM2.5 only give PM2.5 on every day:
as far as they tell, every day is PM2.5-driven. A forecast of the daily AQI alone gives no
driver, so nothing can be left out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.aqi import POLLUTANTS, iaqi, joined_names, o3_daily_iaqi, rolling_24h_mean

DRIVER_COLUMNS = ["primary", "pm_ratio"]
EXCLUSION_KINDS = ("dust", "ozone")
# Assumption: sources.md names no PM2.5/PM10 ratio for dust. Haze is mostly fine particles;
# a period whose PM2.5 is under 40 % of its PM10 while PM10 drives the AQI is taken as dust.
DEFAULT_DUST_RATIO = 0.4
# Two IAQIs closer than this are a tie (as alerts.aqi names tied primary pollutants).
_TIE = 1e-9

#: Spellings of the primary pollutant in published forecasts (首要污染物), lower case → name.
#: "沙尘"/"dust" name dust itself: PM10 with a PM2.5/PM10 ratio of 0.
SPELLINGS: dict[str, str] = {
    "pm2.5": "PM2.5", "pm25": "PM2.5", "pm2_5": "PM2.5", "细颗粒物": "PM2.5",
    "pm10": "PM10", "可吸入颗粒物": "PM10", "颗粒物(pm10)": "PM10",
    "o3": "O3", "臭氧": "O3", "o3_8h": "O3", "o3-8h": "O3", "o3_1h": "O3", "o3-1h": "O3",
    "no2": "NO2", "二氧化氮": "NO2", "so2": "SO2", "二氧化硫": "SO2",
    "co": "CO", "一氧化碳": "CO",
    "dust": "dust", "沙尘": "dust", "浮尘": "dust", "扬沙": "dust", "沙尘暴": "dust",
}
_SEPARATORS = re.compile(r"[,，、/;；+ ]+")


def parse_primary(text: str) -> tuple[str, float]:
    """``(primary, pm_ratio)`` of a published primary pollutant such as ``"PM2.5"``,
    ``"细颗粒物、臭氧"`` or ``"沙尘"``; ``("", nan)`` for an empty cell or "—".

    Raises ``ValueError`` naming the accepted spellings for an unknown name.

    >>> parse_primary("细颗粒物、PM10"), parse_primary("沙尘")
    (('PM2.5,PM10', nan), ('PM10', 0.0))
    """
    names = [part for part in _SEPARATORS.split(str(text).strip()) if part and part != "—"]
    found = []
    for part in names:
        name = SPELLINGS.get(part.lower().replace("₂", "2").replace("₃", "3"))
        if name is None:
            raise ValueError(f"unknown primary pollutant {part!r} — expected PM2.5/细颗粒物, "
                             "PM10/可吸入颗粒物, O3/臭氧, NO2, SO2, CO or 沙尘 (dust)")
        found.append(name)
    dust = "dust" in found
    pollutants = {"PM10"} if dust else set(found)
    primary = ",".join(p for p in POLLUTANTS if p in pollutants)
    return primary, (0.0 if dust else float("nan"))


def city_drivers(concentrations: pd.DataFrame) -> pd.DataFrame | None:
    """The driver table of one city's hourly concentrations (µg/m³, CO mg/m³).

    Columns of ``concentrations`` other than ``POLLUTANTS`` are ignored; with no pollutant
    column (a ready daily AQI only) there is no driver: None. Sub-indices are those of
    ``alerts.aqi.daily_aqi`` (24-h means, O3 by its daily 8-h and 1-h values).
    """
    columns = [p for p in POLLUTANTS if p in concentrations.columns]
    if not columns:
        return None
    sub = {}
    for p in columns:
        series = concentrations[p].astype(float)
        sub[p] = (o3_daily_iaqi(series) if p == "O3"
                  else np.asarray(iaqi(p, rolling_24h_mean(series).to_numpy()), float))
    table = np.vstack([sub[p] for p in columns])
    known = ~np.isnan(table)
    top = np.max(np.where(known, table, -np.inf), axis=0)
    primary = joined_names(columns, known & (np.abs(table - top) <= _TIE) & (top > 50))
    ratio = np.full(len(concentrations), np.nan)
    if "PM2.5" in columns and "PM10" in columns:
        pm25 = rolling_24h_mean(concentrations["PM2.5"].astype(float)).to_numpy()
        pm10 = rolling_24h_mean(concentrations["PM10"].astype(float)).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(pm10 > 0, pm25 / pm10, np.nan)
    return pd.DataFrame({"primary": primary, "pm_ratio": ratio},  # str, from Python texts
                        index=concentrations.index)


@functools.lru_cache(maxsize=256)
def _pm10_only(primary: str) -> bool:
    """Whether PM10 is a primary pollutant of the text and PM2.5 is not."""
    names = primary.split(",")
    return "PM10" in names and "PM2.5" not in names


@dataclass(frozen=True)
class DayExclusion:
    """The kinds of day a rule set leaves out of its criteria (``EXCLUSION_KINDS``).

    ``dust_ratio``: PM2.5/PM10 below which a PM10-driven period is dust (assumption).
    ``source``: where the rule set's choice comes from, or the word assumption.
    """

    exclude: tuple[str, ...] = ()
    dust_ratio: float = DEFAULT_DUST_RATIO
    source: str = ""

    def kinds(self, drivers: pd.DataFrame | None) -> np.ndarray:
        """Per row of ``drivers``, the excluded kind ("dust", "ozone") or ""."""
        if drivers is None or not self.exclude:
            return np.full(0 if drivers is None else len(drivers), "", dtype=object)
        return self.kinds_of(drivers["primary"].to_numpy(object),
                             drivers["pm_ratio"].to_numpy(float))

    def kinds_of(self, primary: np.ndarray, ratio: np.ndarray) -> np.ndarray:
        """``kinds`` of a driver table given as its columns (``primary`` texts, ``ratio``)."""
        out = np.full(len(primary), "", dtype=object)
        if not self.exclude:
            return out
        if "ozone" in self.exclude:
            out[primary == "O3"] = "ozone"
        if "dust" in self.exclude:
            codes, texts = pd.factorize(primary)  # each distinct text read once
            pm10 = np.array([*map(_pm10_only, texts), False], bool)[codes]
            with np.errstate(invalid="ignore"):
                out[pm10 & (ratio < self.dust_ratio)] = "dust"
        return out

    def excluded(self, drivers: pd.DataFrame | None, n: int) -> np.ndarray:
        """Boolean mask of the ``n`` hours whose period is left out (all False without
        drivers)."""
        if drivers is None or not self.exclude:
            return np.zeros(n, bool)
        return self.kinds(drivers) != ""

    def describe(self) -> str:
        if not self.exclude:
            return "every day counts"
        return (f"{' and '.join(self.exclude)}-driven days do not count"
                + (f" (dust: PM10 primary, PM2.5/PM10 < {self.dust_ratio:g})"
                   if "dust" in self.exclude else ""))

    @classmethod
    def from_dict(cls, data: dict | None) -> DayExclusion:
        """From a rule set's ``[days]`` table (``exclude``, ``dust_ratio``, ``source``)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(f"days {data!r}: expected a table with exclude = [...]")
        exclude = data.get("exclude", [])
        if isinstance(exclude, str) or not all(k in EXCLUSION_KINDS for k in exclude):
            raise ValueError(f"days.exclude {exclude!r}: expected a list of "
                             f"{', '.join(EXCLUSION_KINDS)}")
        ratio = float(data.get("dust_ratio", DEFAULT_DUST_RATIO))
        if not 0 < ratio <= 1:
            raise ValueError(f"days.dust_ratio {ratio:g}: expected a ratio in (0, 1]")
        return cls(tuple(exclude), ratio, str(data.get("source", "")))


def spread_daily(days: pd.DataFrame, drivers: list[str]) -> pd.DataFrame:
    """The ``drivers`` columns of daily rows (index at midnight, with their ``daily_aqi``) as
    hourly rows. The 24-h period ending at hour 23 of a day is that day; a period across
    midnight blends two days and takes the drivers of the more polluted one (the later on a
    tie): it is that day's air that lifts the blend."""
    hours = pd.date_range(days.index[0], days.index[-1] + pd.Timedelta(hours=23), freq="h")
    today = hours.normalize()
    before = (today - pd.Timedelta(days=1)).where(today > days.index[0], today)
    aqi = days["daily_aqi"]
    earlier = (aqi.reindex(before).to_numpy(float) > aqi.reindex(today).to_numpy(float)) & (
        hours.hour < 23)
    day = np.where(earlier, before, today)
    return days[drivers].reindex(day).set_axis(hours)
