"""File access for ``alerts``: rule sets, observations, forecast tables and region files.

Every reader returns tables and model objects; every bad input raises ``AlertInputError`` with
one line naming the file, row, column and value and what was expected.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.aqi import POLLUTANTS
from alerts.observations import LONG_COLUMNS, QUANTITIES, Observations, city_frames, is_daily
from alerts.region import Region
from alerts.rules import RuleSet
from alerts.textfiles import TextFileError, read_text
from alerts.timeline import AlertInputs

BUILTIN_DIR = resources.files("alerts") / "rulesets"


class AlertInputError(ValueError):
    """A user file that cannot be read; the message is one line naming file, row and column."""


def _text(path: Path, what: str = "file") -> str:
    """A user text file (UTF-8 or GBK, ``.gz`` too, ``alerts.textfiles``) as a string."""
    if not path.is_file():
        raise AlertInputError(f"{path}: {what} not found")
    try:
        return read_text(path).text
    except TextFileError as bad:
        raise AlertInputError(str(bad)) from None


def _read_csv(path: Path, what: str = "file", **options) -> pd.DataFrame:
    """``pd.read_csv`` of a user text file; an empty or malformed file is one line."""
    text = _text(path, what)
    if not text.strip():
        raise AlertInputError(f"{path}: file is empty — expected a header row and data rows")
    try:
        return pd.read_csv(StringIO(text), **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as bad:
        reason = str(bad).strip().splitlines()[0] if str(bad).strip() else type(bad).__name__
        raise AlertInputError(f"{path}: not a readable CSV table ({reason})") from None


def _toml(path: Path, what: str) -> dict:
    """A user TOML file, parsed; a missing, undecodable or malformed file is one line."""
    try:
        return tomllib.loads(_text(path, what))
    except tomllib.TOMLDecodeError as bad:
        raise AlertInputError(f"{path}: not valid TOML ({bad})") from None


def builtin_rulesets() -> list[str]:
    """Ids of the rule sets shipped with smogsim, e.g. ``["mee-2017", "mee-2019", "mee-2024"]``."""
    return sorted(p.name.removesuffix(".toml") for p in BUILTIN_DIR.iterdir()
                  if p.name.endswith(".toml"))


def load_ruleset(name_or_path: str | Path) -> RuleSet:
    """Load a built-in rule set by id (``"mee-2024"``) or a user TOML file by path."""
    builtin = BUILTIN_DIR / f"{name_or_path}.toml"
    if isinstance(name_or_path, str) and builtin.is_file():
        data, origin = tomllib.loads(builtin.read_text(encoding="utf-8")), f"{name_or_path}.toml"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise AlertInputError(
                f"{path}: rule set not found — expected a file or one of "
                f"{', '.join(builtin_rulesets())}"
            )
        data, origin = _toml(path, "rule set"), str(path)
    try:
        return RuleSet.from_dict(data, origin)
    except ValueError as bad:
        raise AlertInputError(str(bad)) from None


def load_forecast(path: str | Path, city: str | None = None) -> pd.DataFrame:
    """Read an hourly forecast table: a ``time`` column plus pollutant columns.

    Columns may be concentrations (``PM2.5``, ``PM10``, ``SO2``, ``NO2``, ``CO``, ``O3``;
    µg/m³, CO mg/m³) or a ready ``daily_aqi`` column. An optional ``city`` column is filtered
    to ``city``. Returns a frame indexed by hourly local time (Asia/Shanghai, naive).
    """
    path = Path(path)
    frame = _read_csv(path, "forecast file")
    if "time" not in frame.columns:
        raise AlertInputError(f"{path}: row 1, column time: missing — expected a 'time' column")
    if city is not None and "city" in frame.columns:
        frame = frame[frame["city"] == city]
        if frame.empty:
            raise AlertInputError(f"{path}: column city: no rows for city {city!r}")
    times = pd.to_datetime(frame["time"], errors="coerce")
    bad_rows = times.isna().to_numpy().nonzero()[0]
    if len(bad_rows):
        first = frame.index[bad_rows[0]]
        raise AlertInputError(f"{path}: row {first + 2}, column time: value "
                              f"{frame.loc[first, 'time']!r} — expected a timestamp")
    values = frame.drop(columns=[c for c in ("time", "city") if c in frame.columns])
    for column in values.columns:
        numeric = pd.to_numeric(values[column], errors="coerce")
        wrong = numeric.isna() & values[column].notna()
        if wrong.any():
            first = values.index[wrong.to_numpy().nonzero()[0][0]]
            raise AlertInputError(f"{path}: row {first + 2}, column {column}: value "
                                  f"{values.loc[first, column]!r} — expected a number")
        values[column] = numeric
    values.index = pd.DatetimeIndex(times, name="time")
    if values.index.has_duplicates:
        raise AlertInputError(f"{path}: column time: duplicate timestamps")
    return values.sort_index()


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
        if "daily_aqi" not in frame.columns and "PM2.5" not in frame.columns:
            # without PM2.5 the daily AQI is the largest IAQI of the rest: it reads low on
            # exactly the winter days that alert, and alerts would shrink without a word
            raise AlertInputError(
                f"{paths[0]}: city {name}: column PM2.5: missing — expected PM2.5 (µg/m³) "
                f"beside {', '.join(c for c in POLLUTANTS if c in frame.columns)}, or a "
                "daily_aqi column: the daily AQI of a heavy-pollution day is usually led by "
                "PM2.5, so without it alerts would be missed")
    return observations


RANGE_COLUMNS = ("daily_aqi_low", "daily_aqi_high")


def load_forecast_table(path: str | Path) -> pd.DataFrame:
    """A table of issued forecasts: ``issued_at, city, time (valid hour), daily_aqi``.

    ``valid_at`` may replace ``time`` and ``value`` may replace ``daily_aqi``. A range may
    replace ``daily_aqi``, as bureaus publish forecasts: ``daily_aqi_low, daily_aqi_high`` (the
    rule set's ``forecast_bound`` picks the end, ``forecast_value``). A table whose valid times
    are all midnight gives one value per calendar day; it is spread over the day's hours and
    averaged over 24 h like daily observations (``alerts.observations``). Returns the columns
    ``issued_at, city, valid_at, daily_aqi`` (and the range columns) with parsed times.
    """
    path = Path(path)
    frame = _read_table(path)
    frame = frame.rename(columns={"time": "valid_at", "value": "daily_aqi"})
    ranged = set(RANGE_COLUMNS) <= set(frame.columns) and "daily_aqi" not in frame.columns
    values = list(RANGE_COLUMNS) if ranged else ["daily_aqi"]
    for column in ("issued_at", "city", "valid_at", *values):
        if column not in frame.columns:
            raise AlertInputError(f"{path}: row 1, column {column}: missing — expected "
                                  "issued_at, city, time, daily_aqi (or daily_aqi_low and "
                                  "daily_aqi_high)")
    out = pd.DataFrame({
        "issued_at": _times(frame["issued_at"], path, "issued_at"),
        "city": frame["city"],
        "valid_at": _times(frame["valid_at"], path, "time"),
        **{c: _numbers(frame, c, path) for c in values},
    })
    if ranged:
        wrong = (out["daily_aqi_low"] > out["daily_aqi_high"]).to_numpy()
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise _bad(path, i + 2, "daily_aqi_low", frame["daily_aqi_low"].iloc[i],
                       f"at most daily_aqi_high ({frame['daily_aqi_high'].iloc[i]})")
        out["daily_aqi"] = out["daily_aqi_high"]  # until the rule set picks its bound
    if is_daily(out["valid_at"]):
        out = _spread_days(out)
    return out


def _spread_days(table: pd.DataFrame) -> pd.DataFrame:
    """Daily forecasts as hourly values: each day's value over its hours, averaged over 24 h."""
    columns = [c for c in ("daily_aqi", *RANGE_COLUMNS) if c in table.columns]
    parts = []
    for (issued, city), rows in table.groupby(["issued_at", "city"], sort=True):
        days = rows.set_index("valid_at")[columns].sort_index()
        hours = pd.date_range(days.index[0], days.index[-1] + pd.Timedelta(hours=23), freq="h")
        spread = days.reindex(hours.normalize()).set_axis(hours)
        spread = spread.rolling("24h", min_periods=1).mean()
        parts.append(spread.rename_axis("valid_at").reset_index()
                     .assign(issued_at=issued, city=city))
    return pd.concat(parts, ignore_index=True)[["issued_at", "city", "valid_at", *columns]]


def forecast_value(table: pd.DataFrame, bound: str) -> pd.Series:
    """The daily AQI a rule set reads from a forecast table: the given value, or the
    ``bound`` of a range (``upper``, ``middle``, ``lower``)."""
    if not set(RANGE_COLUMNS) <= set(table.columns):
        return table["daily_aqi"]
    low, high = table["daily_aqi_low"], table["daily_aqi_high"]
    return {"upper": high, "lower": low, "middle": (low + high) / 2}[bound]


def is_forecast_table(path: str | Path) -> bool:
    """True when ``path`` is a CSV whose header has an ``issued_at`` column."""
    path = Path(path)
    if not path.is_file():
        return False
    header = _text(path).partition("\n")[0]
    return "issued_at" in [c.strip().strip('"') for c in header.split(",")]


def load_region(path: str | Path) -> Region:
    """Read a region file (TOML, see ``alerts.region``)."""
    path = Path(path)
    data = _toml(path, "region file")
    try:
        return Region.from_dict(data, str(path))
    except ValueError as bad:
        raise AlertInputError(str(bad)) from None


def load_alert_inputs(observations: list[str | Path], rules: str | Path = "mee-2024", *,
                      city: str | None = None, only_city: str | None = None,
                      forecast_table: str | Path | None = None,
                      region: str | Path | None = None,
                      loaded: Observations | None = None) -> AlertInputs:
    """Read observations, an optional forecast table and region file, and the rule sets.

    ``observations`` may be empty when a ``forecast_table`` is given. Every city alerts under
    ``rules`` unless the region file names another rule set for it. ``only_city`` keeps one
    city's own forecast (the scenario's city) when there is no region. ``loaded``: those files
    already read by ``load_observations`` with the same ``city`` and, without a region, the
    same ``only_city`` — a caller that needs the concentrations too reads them once.
    """
    if not observations and forecast_table is None:
        raise AlertInputError("no observation file given — expected one or more files "
                              "(or a forecast table)")
    area = load_region(region) if region is not None else None
    keep = None if area is not None else only_city
    truth: dict[str, pd.Series] = {}
    gaps = None
    if loaded is not None or observations:
        obs = (loaded if loaded is not None
               else load_observations(observations, city=city, only_city=keep))
        truth, gaps = obs.daily_aqi(), obs.gaps()
    table = load_forecast_table(forecast_table) if forecast_table is not None else None
    if table is not None and keep is not None:
        table = table[table["city"] == keep]
    if not truth and (table is None or table.empty):
        raise AlertInputError(f"{forecast_table or observations}: no data for any city")
    names = set(truth) | (set(table["city"]) if table is not None else set())
    if area is not None:
        names |= set(area.cities())
    default = load_ruleset(rules)
    by_city = {name: _city_rules(area, name, Path(region) if region else None, default)
               for name in sorted(names)}
    if table is not None and set(RANGE_COLUMNS) <= set(table.columns):
        table = table.copy()
        for name, rows in table.groupby("city"):
            table.loc[rows.index, "daily_aqi"] = forecast_value(rows, by_city[name].forecast_bound)
    times = [s.index[0] for s in truth.values() if len(s)] + [s.index[-1] for s in truth.values()
                                                                if len(s)]
    if table is not None and not table.empty:
        times += [table["issued_at"].min(), table["valid_at"].max()]
    start, last = min(times).floor("h"), max(times).floor("h")
    return AlertInputs(truth, by_city, start, last + pd.Timedelta(hours=1), table, area, gaps)


def _city_rules(area: Region | None, name: str, region: Path | None, default: RuleSet
                ) -> RuleSet:
    """The rule set a region file names for a city (a file relative to it), else ``default``."""
    own = area.rules_for(name) if area is not None else None
    if not own:
        return default
    if str(own).endswith(".toml") and region is not None:
        own = str(region.parent / own)
    return load_ruleset(own)
