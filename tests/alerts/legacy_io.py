"""The observation readers as they were before issue 18 (pandas, row-wise checks): the oracle
that tests/alerts/test_reading.py holds the vectorised readers of ``alerts.io`` to. Frozen
copy; not used by smogsim itself."""
# ruff: noqa
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alerts.aqi import POLLUTANTS
from alerts.observations import DAY, HOUR, LONG_COLUMNS, QUANTITIES, Observations, is_daily

from alerts.io import AlertInputError, _read_csv  # main's file decoding (UTF-8 or GBK)


# -- observations ------------------------------------------------------------------------------

#: Cell texts read as "no value" (never as zero).
MISSING_TEXT = frozenset({"", "NA", "N/A", "NaN", "nan", "-", "—", "null", "NULL"})
UCI_TIME_COLUMNS = ("year", "month", "day", "hour")
#: Types of the national hourly city layout (date, hour, type, <city columns>).
NATIONAL_TYPES: tuple[str, ...] = (
    "AQI", "PM2.5", "PM2.5_24h", "PM10", "PM10_24h", "SO2", "SO2_24h", "NO2", "NO2_24h",
    "O3", "O3_24h", "O3_8h", "O3_8h_24h", "CO", "CO_24h")
# The UCI Beijing multi-site data set gives CO in µg/m³; HJ 633 tables use mg/m³.
UCI_CO_PER_MG = 1000.0


#: Largest plausible value per quantity (µg/m³; CO mg/m³; AQI). Above it the file is taken to
#: have the wrong unit or a broken value, and reading stops with the column named.
#: PM2.5 2,000 µg/m³: the issue's bound (the worst hourly PM2.5 in the 2010–2014 Beijing record,
#: tests/data, is 994). CO 150 mg/m³: the top of the HJ 633 CO 1 h table (sources.md §7), so a
#: larger value is almost surely µg/m³ labelled mg/m³. AQI 500: HJ 633 caps the index there.
#: The others are assumptions, several times the worst hourly values reported in China.
PLAUSIBLE_MAX: dict[str, float] = {
    "PM2.5": 2000.0, "PM10": 10000.0, "SO2": 10000.0, "NO2": 5000.0, "O3": 3000.0,
    "CO": 150.0, "AQI": 500.0, "daily_aqi": 500.0,
}
_UNIT_HINT = {"CO": " — CO must be in mg/m³; this looks like µg/m³ (divide by 1000)"}


def _plausible(values: pd.Series, quantity: str, path: Path, column: str,
               rows: pd.Series | None = None) -> None:
    """Stop with one line naming the column when a value exceeds ``PLAUSIBLE_MAX``."""
    limit = PLAUSIBLE_MAX.get(quantity)
    if limit is None:
        return
    over = (values > limit).to_numpy()
    if over.any():
        i = int(np.flatnonzero(over)[0])
        row = int(rows.iloc[i]) if rows is not None else i + 2
        unit = "mg/m³" if quantity == "CO" else ("" if "AQI" in quantity or quantity ==
                                                 "daily_aqi" else "µg/m³")
        raise AlertInputError(
            f"{path}: row {row}, column {column}: value {values.iloc[i]:g} — implausible "
            f"{quantity} (above {limit:g} {unit}".rstrip() + ")"
            + _UNIT_HINT.get(quantity, "; check the unit and the value"))


def _bad(path: Path, row: int, column: str, value, expected: str) -> AlertInputError:
    return AlertInputError(f"{path}: row {row}, column {column}: value {value!r} — "
                           f"expected {expected}")


_HEADER_ALIASES = {q.lower(): q for q in QUANTITIES}


def _read_table(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, dtype=str, keep_default_na=False)
    # pollutant headers in any case: the UCI Beijing PM2.5 file (tests/data) writes "pm2.5"
    frame.columns = [_HEADER_ALIASES.get(str(c).strip().lower(), str(c).strip())
                     for c in frame.columns]
    if frame.empty:
        raise AlertInputError(f"{path}: no data rows")
    return frame.apply(lambda column: column.str.strip())


def _numbers(frame: pd.DataFrame, column: str, path: Path, minimum: float | None = 0.0
             ) -> pd.Series:
    """Numeric values of ``column``; missing texts become NaN, anything else is an error."""
    text = frame[column]
    missing = text.isin(MISSING_TEXT)
    values = pd.to_numeric(text.where(~missing), errors="coerce")
    wrong = values.isna() & ~missing
    if minimum is not None:
        wrong |= values < minimum
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        expected = "a number" if minimum is None else f"a number ≥ {minimum:g} or empty"
        raise _bad(path, i + 2, column, text.iloc[i], expected)
    return values.astype(float)


def _times(text: pd.Series, path: Path, column: str, fmt: str | None = None) -> pd.Series:
    times = pd.to_datetime(text, errors="coerce", format=fmt if fmt else "mixed")
    bad = times.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _bad(path, i + 2, column, text.iloc[i], "a timestamp like 2023-12-18 13:00")
    if getattr(times.dt, "tz", None) is not None:
        raise _bad(path, 2, column, text.iloc[0], "local time without a time zone")
    return times.astype("datetime64[ns]")


def _city_of(frame: pd.DataFrame, path: Path, city: str | None) -> pd.Series:
    if "city" in frame.columns:
        empty = frame["city"] == ""
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise _bad(path, i + 2, "city", "", "a city name")
        return frame["city"]
    if city is None:
        raise AlertInputError(f"{path}: row 1, column city: missing — give the city these "
                              "stations belong to (--city NAME) or add a city column")
    return pd.Series(city, index=frame.index)


def _long(path: Path, frame: pd.DataFrame, city: str | None) -> pd.DataFrame:
    """Layout (a): time, city or station, pollutant, value."""
    for column in ("time", "pollutant", "value"):
        if column not in frame.columns:
            raise AlertInputError(f"{path}: row 1, column {column}: missing — expected the "
                                  "columns time, city or station, pollutant, value")
    unknown = ~frame["pollutant"].isin(QUANTITIES)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _bad(path, i + 2, "pollutant", frame["pollutant"].iloc[i],
                   f"one of {', '.join(QUANTITIES)}")
    values = _numbers(frame, "value", path)
    rows = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    for quantity, part in values.groupby(frame["pollutant"]):
        _plausible(part, quantity, path, "value", rows.loc[part.index])
    return pd.DataFrame({
        "time": _times(frame["time"], path, "time"),
        "city": _city_of(frame, path, city),
        "station": frame["station"] if "station" in frame.columns else "",
        "pollutant": frame["pollutant"],
        "value": values,
    })


def _melt(path: Path, times: pd.Series, cities: pd.Series, stations, frame: pd.DataFrame,
          columns: list[str], scale: dict[str, float] | None = None) -> pd.DataFrame:
    parts = []
    for column in columns:
        values = _numbers(frame, column, path) / (scale or {}).get(column, 1.0)
        _plausible(values, column, path, column)
        parts.append(pd.DataFrame({"time": times, "city": cities, "station": stations,
                                   "pollutant": column, "value": values}))
    if not parts:
        raise AlertInputError(f"{path}: row 1: no pollutant column — expected some of "
                              f"{', '.join(QUANTITIES)}")
    return pd.concat(parts, ignore_index=True)


def _uci(path: Path, frame: pd.DataFrame, city: str | None) -> pd.DataFrame:
    """Layout (b): one UCI-style station file (year, month, day, hour, pollutants…, station)."""
    parts = {}
    for column in UCI_TIME_COLUMNS:
        parts[column] = _numbers(frame, column, path, minimum=None)
        bad = parts[column].isna() | (parts[column] % 1 != 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _bad(path, i + 2, column, frame[column].iloc[i], "a whole number")
    stamp = pd.to_datetime(pd.DataFrame(parts).astype(int), errors="coerce")
    if stamp.isna().any():
        i = int(np.flatnonzero(stamp.isna().to_numpy())[0])
        when = "-".join(frame[c].iloc[i] for c in UCI_TIME_COLUMNS)
        raise _bad(path, i + 2, "year/month/day/hour", when, "a valid date and hour 0–23")
    stations = frame["station"] if "station" in frame.columns else path.stem
    columns = [p for p in POLLUTANTS if p in frame.columns]
    return _melt(path, stamp.astype("datetime64[ns]"), _city_of(frame, path, city), stations,
                 frame, columns, scale={"CO": UCI_CO_PER_MG})


def _national(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Layout (c): date, hour, type, <city columns> (one row per hour and type)."""
    unknown = ~frame["type"].isin(NATIONAL_TYPES)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _bad(path, i + 2, "type", frame["type"].iloc[i],
                   f"one of {', '.join(NATIONAL_TYPES)}")
    hours = _numbers(frame, "hour", path, minimum=None)
    bad = ~hours.isin(range(24))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad(path, i + 2, "hour", frame["hour"].iloc[i], "an hour 0–23")
    times = _times(frame["date"], path, "date", fmt="%Y%m%d") + pd.to_timedelta(hours, unit="h")
    keep = frame["type"].isin((*POLLUTANTS, "AQI")).to_numpy()  # hourly values only
    cities = [c for c in frame.columns if c not in ("date", "hour", "type")]
    if not cities:
        raise AlertInputError(f"{path}: row 1: no city column after date, hour, type")
    parts = []
    for city in cities:
        values = _numbers(frame, city, path)
        for quantity, part in values[keep].groupby(frame["type"][keep]):
            _plausible(part, quantity, path, city,
                       pd.Series(part.index.to_numpy() + 2, index=part.index))
        parts.append(pd.DataFrame({"time": times[keep], "city": city, "station": "",
                                   "pollutant": frame["type"][keep], "value": values[keep]}))
    return pd.concat(parts, ignore_index=True)


def _wide(path: Path, frame: pd.DataFrame, city: str | None) -> pd.DataFrame:
    """The hourly forecast layout: time, [city], pollutant or daily_aqi columns."""
    columns = [q for q in QUANTITIES if q in frame.columns]
    return _melt(path, _times(frame["time"], path, "time"), _city_of(frame, path, city), "",
                 frame, columns)


def read_observation_file(path: str | Path, city: str | None = None) -> pd.DataFrame:
    """One observation file, any supported layout, as the long table of ``alerts.observations``.

    Layouts are recognised by their header: ``pollutant``/``value`` (long table),
    ``year, month, day, hour`` (UCI station file), ``date, hour, type`` (national hourly city
    file) or ``time`` plus pollutant columns (the forecast layout). ``city`` names the city of
    station files without a city column.
    """
    path = Path(path)
    frame = _read_table(path)
    columns = set(frame.columns)
    if {"pollutant", "value"} <= columns:
        long = _long(path, frame, city)
    elif set(UCI_TIME_COLUMNS) <= columns:
        long = _uci(path, frame, city)
    elif {"date", "hour", "type"} <= columns:
        long = _national(path, frame)
    elif "time" in columns:
        long = _wide(path, frame, city)
    else:
        raise AlertInputError(
            f"{path}: row 1: unknown layout — expected columns (time, city or station, "
            "pollutant, value), (year, month, day, hour, PM2.5, …, station), "
            "(date, hour, type, <cities>) or (time, PM2.5, …)")
    long["file"], long["row"] = str(path), long.index  # for duplicate messages
    return long


def load_observations(paths: list[str | Path], city: str | None = None,
                      only_city: str | None = None) -> Observations:
    """Read one or more observation files into per-city tables (see ``alerts.observations``).

    ``only_city`` keeps one city (e.g. a scenario's). Raises ``AlertInputError`` naming file,
    row, column and value for a bad timestamp, an unknown pollutant or a non-numeric value.
    """
    if not paths:
        raise AlertInputError("no observation file given — expected one or more files")
    long = pd.concat([read_observation_file(p, city) for p in paths], ignore_index=True)
    if only_city is not None:
        long = long[long["city"] == only_city]
        if long.empty:
            raise AlertInputError(f"{paths[0]}: column city: no rows for city {only_city!r}")
    dup = long.duplicated(["time", "city", "station", "pollutant"], keep="first")
    if dup.any():
        first = long[dup].iloc[0]
        raise AlertInputError(
            f"{first['file']}: column time: value '{first['time']:%Y-%m-%d %H:%M}' — "
            f"expected one {first['pollutant']} value per hour and station, found two")
    observations = city_frames(long[LONG_COLUMNS])
    for name, frame in observations.cities.items():
        if not set(frame.columns) & {*POLLUTANTS, "daily_aqi"}:
            raise AlertInputError(f"{paths[0]}: city {name}: only an hourly AQI — expected "
                                  "pollutant concentrations or a daily_aqi column")
    return observations


def city_frames(long: pd.DataFrame) -> Observations:
    """Aggregate stations to cities and lay each city on a complete hourly (or daily) index."""
    daily = is_daily(long["time"])
    step = DAY if daily else HOUR
    means = (long.dropna(subset=["value"])
             .groupby(["city", "time", "pollutant"], sort=True)["value"].mean())
    cities = {}
    for city in sorted(long["city"].unique()):
        rows = long[long["city"] == city]
        wide = (means.loc[city].unstack("pollutant") if city in means.index.get_level_values(0)
                else pd.DataFrame(index=pd.DatetimeIndex([], name="time")))
        columns = [q for q in QUANTITIES if q in set(rows["pollutant"])]
        index = pd.date_range(rows["time"].min(), rows["time"].max(), freq=step, name="time")
        cities[city] = wide.reindex(index=index, columns=columns).astype(float)
    return Observations(cities, daily)
