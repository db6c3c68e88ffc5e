"""Observed air quality: stations to cities, gaps, and the rolling daily AQI per city.

Loaders in ``alerts.io`` turn every supported file layout into one long table with columns
``time, city, station, pollutant, value`` (``station`` is "" for city-level data). This module
works on that table only:

* **Stations → city**: a city's value for an hour is the arithmetic mean of its stations that
  reported a valid value that hour (assumption, following the national practice of averaging a
  city's monitoring stations; sources.md does not state it). A city hour with no valid station is
  missing, never zero. Files are taken one at a time (``CityHours``): each is reduced to
  running sums per city, time and quantity before the next is read, so a reading holds one
  city's hours, not every station's values.
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


class CityHours:
    """Stations to cities, one table at a time: ``add`` each file's long table, then
    ``observations()``.

    A city's value for a time and quantity is the mean of its valid station values. Only a
    running sum and count per (city, time, quantity) are kept, so reading a dozen station
    files holds one city's hours, not every station's values. The sum is compensated (Kahan)
    and taken in row order, exactly as pandas' grouped mean of all the files joined.
    """

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._span: list[list[int]] = []  # per city code: first and last time (ns)
        self._present = np.zeros((0, len(QUANTITIES)), dtype=bool)
        self._midnight = True
        self._rows = 0
        self._sums = _Sums()

    def add(self, long: pd.DataFrame | LongColumns) -> None:
        """Take one long table (``time, city, station, pollutant, value``)."""
        rows = long if isinstance(long, LongColumns) else LongColumns.of(long)
        if not len(rows.ns):
            return
        ns, quantity, values = rows.ns, rows.quantity, rows.values
        city = self._city_codes(rows.city)
        self._rows += len(ns)
        self._midnight = self._midnight and not (ns % DAY_NS).any()
        self._widen_spans(city, ns)
        known = quantity >= 0
        self._present[city[known], quantity[known]] = True
        valid = known & ~np.isnan(values)
        self._sums.add(time_key(city[valid], ns[valid], quantity[valid]), values[valid])

    def _city_codes(self, labels: pd.Categorical) -> np.ndarray:
        own = np.full(len(labels.categories), -1, dtype=np.int64)
        for used in np.flatnonzero(np.bincount(labels.codes, minlength=len(own))):
            own[used] = self._code(str(labels.categories[used]))
        return own[labels.codes]

    def _code(self, name: str) -> int:
        if name not in self._codes:
            self._codes[name] = len(self._codes)
            self._span.append([np.iinfo(np.int64).max, np.iinfo(np.int64).min])
            self._present = np.vstack([self._present, np.zeros(len(QUANTITIES), dtype=bool)])
        return self._codes[name]

    def _widen_spans(self, city: np.ndarray, ns: np.ndarray) -> None:
        if city[0] == city.min() == city.max():  # a station file: one city
            spans = [(int(city[0]), int(ns.min()), int(ns.max()))]
        else:
            spans = list(pd.DataFrame({"city": city, "ns": ns}).groupby("city")["ns"]
                         .agg(["min", "max"]).itertuples())
        for code, low, high in spans:
            span = self._span[code]
            span[0], span[1] = min(span[0], low), max(span[1], high)

    def observations(self) -> Observations:
        """Per city, in name order, the mean of its stations on a complete time index."""
        daily = self._rows > 0 and self._midnight
        step = (DAY if daily else HOUR).value
        key, mean = self._sums.means()
        cities = {}
        for name in sorted(self._codes):
            code = self._codes[name]
            start, end = self._span[code]
            index = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=pd.Timedelta(step),
                                  name="time")
            columns = [q for q, on in zip(QUANTITIES, self._present[code], strict=True) if on]
            column_of = np.full(len(QUANTITIES), -1)
            column_of[self._present[code]] = np.arange(len(columns))
            lo, hi = np.searchsorted(key, [code << _CITY_SHIFT, (code + 1) << _CITY_SHIFT])
            ns, quantity = key_times(key[lo:hi]), key[lo:hi] & _QUANTITY_MASK
            offset = ns - start
            on_grid = offset % step == 0  # other times fall outside the index
            grid = np.full((len(index), len(columns)), np.nan)
            grid[offset[on_grid] // step, column_of[quantity[on_grid]]] = mean[lo:hi][on_grid]
            cities[name] = pd.DataFrame(grid, index=index,
                                        columns=pd.Index(columns, dtype="str", name="pollutant"))
        return Observations(cities, daily)


@dataclass(frozen=True)
class LongColumns:
    """The columns of a long table as arrays: times (int64 ns), city and station labels,
    quantity codes (positions in ``QUANTITIES``, -1 for another name) and values."""

    ns: np.ndarray
    city: pd.Categorical
    station: pd.Categorical
    quantity: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, long: pd.DataFrame) -> LongColumns:
        pollutant = long["pollutant"].array
        if not (isinstance(pollutant, pd.Categorical)
                and list(pollutant.categories) == list(QUANTITIES)):
            pollutant = pd.Categorical(long["pollutant"], categories=QUANTITIES)
        return cls(long["time"].to_numpy("datetime64[ns]").view(np.int64),
                   _categorical(long["city"]), _categorical(long["station"]),
                   pollutant.codes.astype(np.int64), long["value"].to_numpy(float))


def _categorical(column: pd.Series) -> pd.Categorical:
    labels = column.array
    return labels if isinstance(labels, pd.Categorical) else pd.Categorical(column)


MINUTE_NS = 60_000_000_000
DAY_NS = 24 * 60 * MINUTE_NS
SECOND_NS = 1_000_000_000
#: Times a reading holds: whole seconds from 1900 for 2^33 s (to 2172). One int64 per
#: (city, time, quantity): city, then second, then quantity (3 bits: eight ``QUANTITIES``).
FIRST_TIME = pd.Timestamp("1900-01-01")
_SECOND_BITS, _QUANTITY_BITS = 33, 3
_CITY_SHIFT = _SECOND_BITS + _QUANTITY_BITS
_QUANTITY_MASK = (1 << _QUANTITY_BITS) - 1
LAST_TIME = FIRST_TIME + pd.Timedelta(seconds=(1 << _SECOND_BITS) - 1)


def time_key(city: np.ndarray, ns: np.ndarray, quantity: np.ndarray) -> np.ndarray:
    """One sortable int64 per (city code, time, quantity code)."""
    seconds = ns - FIRST_TIME.value
    if len(ns) and ((seconds % SECOND_NS).any() or seconds.min() < 0
                    or ns.max() > LAST_TIME.value):
        raise ValueError(f"times must be whole seconds from {FIRST_TIME:%Y} to {LAST_TIME:%Y}")
    seconds //= SECOND_NS
    key = city << _CITY_SHIFT
    key |= seconds << _QUANTITY_BITS
    key |= quantity
    return key


def key_times(key: np.ndarray) -> np.ndarray:
    """The times (int64 ns) of ``time_key`` keys."""
    seconds = (key >> _QUANTITY_BITS) & ((1 << _SECOND_BITS) - 1)
    return seconds * SECOND_NS + FIRST_TIME.value


class _Sums:
    """Compensated sums and counts per key, taken value by value in the order given.

    Values of keys already held are added at once (with any repeat of a key in one call added
    in turn); values of new keys wait until they are as many as the keys held, then join in
    one merge, so the sorted key array is rebuilt O(log n) times, not once per file.
    """

    MIN_WAITING = 1 << 16

    def __init__(self) -> None:
        self.key = np.zeros(0, dtype=np.int64)
        self.total, self.compensation = np.zeros(0), np.zeros(0)
        self.count = np.zeros(0, dtype=np.int64)
        self._waiting: list[tuple[np.ndarray, np.ndarray]] = []
        self._waiting_n = 0

    def add(self, key: np.ndarray, values: np.ndarray) -> None:
        at = np.searchsorted(self.key, key)
        held = at < len(self.key)
        held[held] = self.key[at[held]] == key[held]
        if held.any():
            _kahan(self.total, self.compensation, self.count, at[held], values[held])
        if not held.all():  # a new key waits, and so does every later value of it
            self._waiting.append((key[~held], values[~held]))
            self._waiting_n += int((~held).sum())
            if self._waiting_n >= max(len(self.key), self.MIN_WAITING):
                self._merge_waiting()

    def _merge_waiting(self) -> None:
        if not self._waiting:
            return
        key = np.concatenate([k for k, _ in self._waiting])
        values = np.concatenate([v for _, v in self._waiting])
        self._waiting, self._waiting_n = [], 0
        new, group = np.unique(key, return_inverse=True)
        total, compensation = np.zeros(len(new)), np.zeros(len(new))
        count = np.zeros(len(new), dtype=np.int64)
        _kahan(total, compensation, count, group, values)
        at = np.searchsorted(self.key, new)  # no new key is held: a merge of sorted arrays
        self.key = np.insert(self.key, at, new)
        self.total = np.insert(self.total, at, total)
        self.compensation = np.insert(self.compensation, at, compensation)
        self.count = np.insert(self.count, at, count)

    def means(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys held, sorted, and their means."""
        self._merge_waiting()
        return self.key, self.total / self.count


def _kahan(total: np.ndarray, compensation: np.ndarray, count: np.ndarray, group: np.ndarray,
           values: np.ndarray) -> None:
    """Add ``values[i]`` to the sum of ``group[i]``, in order, as pandas' grouped mean does:
    values of distinct groups at once, a group's second value in the next round."""
    rank = _repeats_before(group)
    for r in range(int(rank.max(initial=-1)) + 1):
        at = np.flatnonzero(rank == r)
        g = group[at]
        y = values[at] - compensation[g]
        t = total[g] + y
        with np.errstate(invalid="ignore"):  # inf - inf
            c = (t - total[g]) - y
        compensation[g] = np.where(np.isnan(c), 0.0, c)  # ± infinity: no compensation
        total[g] = t
        count[g] += 1


def _repeats_before(group: np.ndarray) -> np.ndarray:
    """For each item, how many earlier items have its group."""
    if not len(group) or np.bincount(group).max() == 1:
        return np.zeros(len(group), dtype=np.int64)
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    return rank


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
