"""Observed air quality: stations to cities, gaps, and the rolling daily AQI per city.

Loaders in ``alerts.io`` turn every supported file layout into one long table with columns
``time, city, station, pollutant, value`` (``station`` is "" for city-level data). This module
works on that table only:

* **Stations → city**: a city's value for an hour is the arithmetic mean of its stations that
  reported a valid value that hour (assumption, following the national practice of averaging a
  city's monitoring stations; sources.md does not state it). A city hour with no valid station is
  missing, never zero.
* **Gaps**: every missing city hour is listed by ``gap_report``; missing hours stay NaN and the
  daily AQI needs ≥ 20 valid hours in its 24 h window (``alerts.aqi.daily_aqi``).
* **Hourly or daily**: a table whose times are all midnight is daily. A daily value is a 24 h
  mean (O3: the daily maximum 8-h mean) and says nothing about the hours inside the day, so each
  hour of the day is given that value and the daily AQI is computed as for hourly data: the same
  observations as hourly values constant over each day, or as daily values, give the same
  hourly daily AQI and the same alerts (issue 14). The 24-h period of each calendar day has
  exactly the day's AQI; a period across midnight mixes the two days' concentrations. A ready
  ``daily_aqi`` column of daily data is spread the same way and averaged over 24 h (exact at
  the end of each day; across midnight a linear blend of the two days' AQI, an approximation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.aqi import MIN_VALID_HOURS_24H, POLLUTANTS, daily_aqi
from alerts.triggers import runs

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
#: Quantities an observation table may carry: concentrations, the hourly AQI, a ready daily AQI.
QUANTITIES: tuple[str, ...] = (*POLLUTANTS, "AQI", "daily_aqi")
LONG_COLUMNS = ["time", "city", "station", "pollutant", "value"]


@dataclass(frozen=True)
class Observations:
    """Per city, a frame of observed quantities on a complete time index (missing rows: NaN)."""

    cities: dict[str, pd.DataFrame]
    daily: bool = False

    def daily_aqi(self) -> dict[str, pd.Series]:
        """Hourly rolling daily AQI per city (see the module notes for daily inputs)."""
        return {city: city_daily_aqi(frame, self.daily) for city, frame in self.cities.items()}

    def gaps(self) -> pd.DataFrame:
        return gap_report(self.cities, self.daily)


def is_daily(times: pd.Series | pd.DatetimeIndex) -> bool:
    """True when every time is midnight: one value per calendar day."""
    index = pd.DatetimeIndex(times)
    return bool(len(index)) and bool((index == index.normalize()).all())


def city_frames(long: pd.DataFrame) -> Observations:
    """Aggregate stations to cities and lay each city on a complete hourly (or daily) index.

    Rows are grouped by one integer per city, minute and quantity, so four years of a dozen
    stations (2.5 million values) group in a fraction of a second; times off whole minutes
    (never seen in real files) take the slower path through the labels themselves.
    """
    daily = is_daily(long["time"])
    step = DAY if daily else HOUR
    ns = long["time"].to_numpy("datetime64[ns]").view(np.int64)
    if not len(ns) or (ns % MINUTE_NS).any():
        return Observations(_city_frames_by_label(long, step), daily)
    city = pd.Categorical(long["city"])  # categories in text order, as sorted() gives them
    quantity = pd.Categorical(long["pollutant"], categories=QUANTITIES).codes
    first = int(ns.min())
    minute = ns - first
    minute //= MINUTE_NS
    slots, kinds = int(minute.max()) + 1, len(QUANTITIES)
    span = pd.Series(minute).groupby(city.codes).agg(["min", "max"])
    key = city.codes.astype(np.int64)  # (city × minute) × quantity, built in place
    key *= slots
    key += minute
    del minute
    key *= kinds
    key += quantity
    known = quantity >= 0
    present = np.zeros((len(city.categories), kinds), dtype=bool)
    present[city.codes[known], quantity[known]] = True
    values = long["value"].to_numpy(float)
    valid = known & ~np.isnan(values)
    means = pd.Series(values[valid]).groupby(key[valid], sort=True).mean()
    del key, valid
    mean_keys, mean_values = means.index.to_numpy(), means.to_numpy()
    mean_city = mean_keys // (slots * kinds)
    step_minutes = int(step / pd.Timedelta(minutes=1))
    cities = {}
    for code in span.index:  # observed cities, in text order
        name = str(city.categories[code])
        start, end = (int(m) for m in span.loc[code])
        index = pd.date_range(pd.Timestamp(first + start * MINUTE_NS),
                              pd.Timestamp(first + end * MINUTE_NS), freq=step, name="time")
        columns = [q for q, on in zip(QUANTITIES, present[code], strict=True) if on]
        column_of = np.full(kinds, -1)
        column_of[present[code]] = np.arange(len(columns))
        lo, hi = np.searchsorted(mean_city, [code, code + 1])
        rest = mean_keys[lo:hi] % (slots * kinds)
        offset = rest // kinds - start
        on_grid = offset % step_minutes == 0  # other times fall outside the index, as before
        grid = np.full((len(index), len(columns)), np.nan)
        grid[offset[on_grid] // step_minutes, column_of[rest[on_grid] % kinds]] = \
            mean_values[lo:hi][on_grid]
        cities[name] = pd.DataFrame(grid, index=index,
                                    columns=pd.Index(columns, dtype="str", name="pollutant"))
    return Observations(cities, daily)


MINUTE_NS = 60_000_000_000


def _city_frames_by_label(long: pd.DataFrame, step: pd.Timedelta) -> dict[str, pd.DataFrame]:
    """``city_frames`` grouping by the labels and times themselves (any time resolution)."""
    means = (long.dropna(subset=["value"])
             .groupby(["city", "time", "pollutant"], sort=True, observed=True)["value"].mean())
    means.index = means.index.set_levels([_text(level) for level in means.index.levels])
    span = long.groupby("city", sort=True, observed=True)["time"].agg(["min", "max"])
    present = (long[["city", "pollutant"]].drop_duplicates()
               .groupby("city", observed=True)["pollutant"].agg(set))
    with_values = set(means.index.get_level_values(0))
    cities = {}
    for city in sorted(long["city"].unique()):
        wide = (means.loc[city].unstack("pollutant") if city in with_values
                else pd.DataFrame(index=pd.DatetimeIndex([], name="time")))
        columns = [q for q in QUANTITIES if q in present[city]]
        index = pd.date_range(span.at[city, "min"], span.at[city, "max"], freq=step, name="time")
        cities[city] = wide.reindex(index=index, columns=columns).astype(float)
    return cities


def _text(index: pd.Index) -> pd.Index:
    return index.astype(str) if isinstance(index, pd.CategoricalIndex) else index


def city_daily_aqi(frame: pd.DataFrame, daily: bool = False) -> pd.Series:
    """Hourly rolling daily AQI of one city's observations.

    A ready ``daily_aqi`` column is used as it is; otherwise the pollutant columns give it
    (``alerts.aqi.daily_aqi`` for hourly data, the 24 h IAQIs of the day for daily data). An
    hourly ``AQI`` column alone is not enough: the daily AQI is not an average of hourly AQIs.
    """
    pollutants = [p for p in POLLUTANTS if p in frame.columns]
    if daily:
        frame = _hourly_from_daily(frame)
    if "daily_aqi" in frame.columns:
        value = frame["daily_aqi"].astype(float)
        if daily:  # the AQI of each 24 h period: exact at the end of each day
            value = value.rolling("24h", min_periods=MIN_VALID_HOURS_24H).mean()
        return value.rename("daily_aqi")
    if not pollutants:
        raise ValueError("observations carry no pollutant concentration or daily_aqi — "
                         "the daily AQI needs PM2.5, PM10, SO2, NO2, CO or O3")
    return daily_aqi(frame[pollutants])


def _hourly_from_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Each day's values for each of its 24 hours (a missing day stays missing)."""
    hours = pd.date_range(frame.index[0], frame.index[-1] + DAY - HOUR, freq="h", name="time")
    days = hours.normalize()
    return pd.DataFrame({c: frame[c].reindex(days).to_numpy(float) for c in frame.columns},
                        index=hours)


def gap_report(cities: dict[str, pd.DataFrame], daily: bool = False) -> pd.DataFrame:
    """Every stretch of missing values: city, quantity, first missing time, end, count."""
    step = DAY if daily else HOUR
    rows = []
    for city, frame in cities.items():
        for column in frame.columns:
            missing = frame[column].isna().to_numpy()
            for a, b in runs(missing):
                rows.append({"city": city, "quantity": column, "start": frame.index[a],
                             "end": frame.index[b - 1] + step, "missing": b - a,
                             "unit": "days" if daily else "hours"})
    return pd.DataFrame(rows, columns=["city", "quantity", "start", "end", "missing", "unit"])
