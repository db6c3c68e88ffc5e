"""File access for ``alerts``: rule sets, observations, forecast tables and region files.

Every reader returns tables and model objects; every bad input raises ``AlertInputError`` with
one line naming the file, row, column and value and what was expected.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import tomllib
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from alerts.aqi import POLLUTANTS
from alerts.drivers import city_drivers, parse_primary, spread_daily
from alerts.observations import (
    FIRST_TIME,
    LAST_TIME,
    MINUTE_NS,
    QUANTITIES,
    SECOND_NS,
    CityHours,
    LongColumns,
    Observations,
    _hourly_from_daily,
    is_daily,
)
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
_MISSING_ARROW = pa.array(sorted(MISSING_TEXT))
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


_HEADER_ALIASES = {q.lower(): q for q in QUANTITIES} | {"首要污染物": "primary_pollutant"}


def _read_table(path: Path, on_bytes: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Every cell of a CSV (or .csv.gz) file as stripped text, headers as ``QUANTITIES`` spell them.

    pyarrow's CSV reader parses the file block by block (``on_bytes`` hears how many bytes of
    the file are read); a file it refuses (ragged rows, repeated headers) goes to pandas' parser,
    which reads it as smogsim always has or names the problem. UTF-8 (with or without BOM) or,
    failing that, GB18030/GBK: the encoding Excel on Chinese Windows saves "CSV" in.
    """
    if not path.is_file():
        raise AlertInputError(f"{path}: file not found")
    frame = None
    for encoding in _ENCODINGS:
        try:
            frame = _arrow_text_table(path, encoding, on_bytes)
            break
        except _NotUTF8:
            continue
        except (pa.ArrowInvalid, _NotArrow, UnicodeDecodeError, EOFError, OSError, zlib.error):
            # a damaged .gz, a file in no known encoding: pandas' path names it
            break
    if frame is None:
        frame = _pandas_text_table(path)
    # pollutant headers in any case: the UCI Beijing PM2.5 file (tests/data) writes "pm2.5"
    frame.columns = [_HEADER_ALIASES.get(str(c).strip().lower(), str(c).strip())
                     for c in frame.columns]
    if frame.empty:
        raise AlertInputError(f"{path}: no data rows")
    return frame


_ENCODINGS = ("utf8", "gb18030")
_BLOCK_BYTES = 1 << 22  # 4 MiB blocks: progress a few times a second, memory ≈ a block or two


class _NotArrow(Exception):
    """A header pyarrow cannot hold as pandas reads it (a repeated or empty column name)."""


class _NotUTF8(Exception):
    """The file is not UTF-8: try the next encoding."""


class _CountedReads:
    """A binary file that counts the bytes read from it (for progress)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.count = raw, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


def _arrow_text_table(path: Path, encoding: str, on_bytes: Callable[[int], None] | None
                      ) -> pd.DataFrame:
    """The file through pyarrow's streaming CSV reader, every column text (empty cell: "")."""
    with path.open("rb") as raw:
        counted = _CountedReads(raw)
        stream: Any = gzip.GzipFile(fileobj=counted) if path.name.endswith(".gz") else counted
        names = _arrow_header(stream.readline(), encoding)
        if len(set(names)) < len(names) or "" in names:
            raise _NotArrow
        stream.seek(0)  # the header line again, so the reader skips a BOM as it does
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(encoding=encoding, block_size=_BLOCK_BYTES),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
        batches = []
        try:
            for batch in reader:
                batches.append(batch)
                if on_bytes is not None:
                    on_bytes(counted.count)
        except pa.ArrowInvalid as bad:
            if "UTF8" in str(bad):
                raise _NotUTF8 from None
            raise
    table = pa.Table.from_batches(batches, schema=reader.schema)
    table = pa.table([pc.utf8_trim_whitespace(c) for c in table.columns], names=names)
    return table.to_pandas()


def _arrow_header(line: bytes, encoding: str) -> list[str]:
    """Column names of a header line as pyarrow parses them (quotes, BOM).

    A UTF-8 line without quotes is split at its commas, as pyarrow would, without setting up a
    reader for one line."""
    if encoding == "utf8":
        try:
            text = line.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise _NotUTF8 from None
        text = text.removesuffix("\n").removesuffix("\r")
        if text and not any(c in text for c in '"\r\n'):
            return text.split(",")
    try:
        return pcsv.read_csv(pa.py_buffer(line), read_options=pcsv.ReadOptions(
            encoding=encoding)).column_names
    except pa.ArrowInvalid as bad:
        if "UTF8" in str(bad):
            raise _NotUTF8 from None
        raise
    except UnicodeDecodeError:  # a name that is not UTF-8
        raise _NotUTF8 from None


def _pandas_text_table(path: Path) -> pd.DataFrame:
    """pandas' parser, for the files pyarrow refuses: the same text, or the problem named."""
    frame = _read_csv(path, dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.str.strip())


def _numbers(frame: pd.DataFrame, column: str, path: Path, minimum: float | None = 0.0
             ) -> pd.Series:
    """Numeric values of ``column``; missing texts become NaN, anything else is an error.

    One vectorised cast (pyarrow); a column it cannot cast cleanly is checked by pandas, which
    names the first wrong cell.
    """
    text = frame[column]
    cells = pa.array(text, type=pa.string())  # zero-copy for pandas' Arrow-backed text
    missing = pc.is_in(cells, value_set=_MISSING_ARROW)
    try:
        cast = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), cells), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _checked_numbers(text, column, path, minimum)
    values = cast.to_numpy(zero_copy_only=False) + 0.0  # pandas reads "-0" as 0
    # "nan" and the like, which pyarrow reads and MISSING_TEXT does not list, are wrong
    wrong = np.isnan(values) & ~missing.to_numpy(zero_copy_only=False)
    if minimum is not None:
        wrong |= values < minimum
    if wrong.any():
        return _checked_numbers(text, column, path, minimum)
    return pd.Series(values, index=text.index, name=text.name)


def _checked_numbers(text: pd.Series, column: str, path: Path, minimum: float | None
                     ) -> pd.Series:
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


#: Layouts of a time cell tried first, in order: when every cell of a column has the layout of
#: its first cell, one format parses the column many times faster than inferring each cell's.
#: Year first only, so no layout reads a cell differently from the inference.
COMMON_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                       "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")


def _times(text: pd.Series, path: Path, column: str, fmt: str | None = None) -> pd.Series:
    # (large_string: pandas' own text, not copied)
    cells = pa.array(text, type=pa.large_string()) if len(text) <= RECENT_TIMES_MAX else None
    recent = _RECENT_TIMES.get(fmt)
    if cells is not None and recent is not None and recent[0].equals(cells):
        return pd.Series(recent[1].copy(), index=text.index, name=text.name)  # as read before
    times = None if fmt else _common_layout_times(text)
    if times is None:
        times = pd.to_datetime(text, errors="coerce", format=fmt if fmt else "mixed")
    bad = times.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _bad(path, i + 2, column, text.iloc[i], "a timestamp like 2023-12-18 13:00")
    if getattr(times.dt, "tz", None) is not None:
        raise _bad(path, 2, column, text.iloc[0], "local time without a time zone")
    times = times.astype("datetime64[ns]")
    ns = times.to_numpy().view(np.int64)
    held = (ns % SECOND_NS == 0) & (ns >= FIRST_TIME.value) & (ns <= LAST_TIME.value)
    if not held.all():
        i = int(np.flatnonzero(~held)[0])
        raise _bad(path, i + 2, column, text.iloc[i], f"a time on a whole second, "
                   f"{FIRST_TIME:%Y}–{LAST_TIME:%Y}")
    if cells is not None:
        _RECENT_TIMES[fmt] = (cells, times.to_numpy())
    return times


#: The time column parsed last, per format, and its times: the files of one reading (one city
#: or one day each) usually share their hours, which are then parsed once. Only columns up to
#: ``RECENT_TIMES_MAX`` cells are kept (assumption: ten years of hours, ≈ 2 MB kept; a longer
#: column is a long table read once, not worth holding after its read).
_RECENT_TIMES: dict[str | None, tuple[pa.Array, np.ndarray]] = {}
RECENT_TIMES_MAX = 100_000


def _common_layout_times(text: pd.Series) -> pd.Series | None:
    """``text`` parsed with the first of ``COMMON_TIME_FORMATS`` its first cell has, when every
    cell has it; else None (the caller infers each cell's layout)."""
    if not len(text):
        return None
    first = text.iloc[0]
    for fmt in COMMON_TIME_FORMATS:
        try:
            datetime.strptime(first, fmt)
        except (TypeError, ValueError):
            continue
        times = pd.to_datetime(text, errors="coerce", format=fmt)
        return None if times.isna().any() else times
    return None


def _city_of(frame: pd.DataFrame, path: Path, city: str | None) -> pd.Series:
    if "city" in frame.columns:
        empty = pc.equal(pa.array(frame["city"]), "")
        if pc.any(empty).as_py():
            i = int(np.flatnonzero(empty.to_numpy(zero_copy_only=False))[0])
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
    n = len(frame)
    return pd.DataFrame({
        "time": _times(frame["time"], path, "time"),
        "city": _labels(_city_of(frame, path, city), n),
        "station": _labels(frame["station"] if "station" in frame.columns else "", n),
        "pollutant": pd.Categorical(frame["pollutant"], dtype=QUANTITY_LABELS),
        "value": values,
    }, index=frame.index)


def _melt(path: Path, times: pd.Series, cities: pd.Series, stations, frame: pd.DataFrame,
          columns: list[str], scale: dict[str, float] | None = None) -> pd.DataFrame:
    parts = []
    n = len(frame)
    city_labels, station_labels = _labels(cities, n), _labels(stations, n)
    for column in columns:
        values = _numbers(frame, column, path) / (scale or {}).get(column, 1.0)
        _plausible(values, column, path, column)
        parts.append(values.to_numpy(float))
    if not parts:
        raise AlertInputError(f"{path}: row 1: no pollutant column — expected some of "
                              f"{', '.join(QUANTITIES)}")
    k = len(parts)  # one block of rows per column, in column order, as one frame
    return pd.DataFrame({
        "time": np.tile(pd.Series(times).to_numpy(), k),
        "city": pd.Categorical.from_codes(np.tile(city_labels.codes, k), dtype=city_labels.dtype),
        "station": pd.Categorical.from_codes(np.tile(station_labels.codes, k),
                                             dtype=station_labels.dtype),
        "pollutant": pd.Categorical.from_codes(
            np.repeat([QUANTITY_LABELS.categories.get_loc(c) for c in columns], n),
            dtype=QUANTITY_LABELS),
        "value": np.concatenate(parts),
    })


#: The labels of a long table (city, station, pollutant) are categorical while files are read
#: and joined: a city's name is stored once, not once per value (``read_observation_file``
#: hands out text, as it always has).
QUANTITY_LABELS = pd.CategoricalDtype(QUANTITIES)
LABEL_COLUMNS = ("city", "station", "pollutant")


def _labels(values: str | pd.Series, n: int, dtype: pd.CategoricalDtype | None = None
            ) -> pd.Categorical:
    """``values`` (one text for every row, or a column) as a categorical of ``n`` rows."""
    if isinstance(values, str):
        dtype = dtype or _one_label(values)
        return pd.Categorical.from_codes(
            np.full(n, dtype.categories.get_loc(values), dtype=np.int32), dtype=dtype)
    if dtype is None and len(values):  # a file of one city or station: no factorising
        cells = pa.array(values)
        first = cells[0].as_py()
        if cells.null_count == 0 and pc.all(pc.equal(cells, first)).as_py():
            return _labels(first, n)
    return pd.Categorical(values, dtype=dtype)


@functools.lru_cache(maxsize=1024)
def _one_label(value: str) -> pd.CategoricalDtype:
    """The categories of a column holding one text (a file's city or station): made once."""
    return pd.CategoricalDtype([value])


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
    bad = (stamp.isna() | (stamp < FIRST_TIME) | (stamp > LAST_TIME)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        when = "-".join(frame[c].iloc[i] for c in UCI_TIME_COLUMNS)
        raise _bad(path, i + 2, "year/month/day/hour", when,
                   f"a valid date {FIRST_TIME:%Y}–{LAST_TIME:%Y} and hour 0–23")
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
    n, city_labels = int(keep.sum()), pd.CategoricalDtype(cities)
    types = pd.Categorical(frame["type"][keep], dtype=QUANTITY_LABELS)
    for city in cities:
        values = _numbers(frame, city, path)
        for quantity, part in values[keep].groupby(frame["type"][keep]):
            _plausible(part, quantity, path, city,
                       pd.Series(part.index.to_numpy() + 2, index=part.index))
        parts.append(pd.DataFrame({"time": times[keep], "city": _labels(city, n, city_labels),
                                   "station": _labels("", n), "pollutant": types,
                                   "value": values[keep]}))
    return pd.concat(parts, ignore_index=True)


def _wide(path: Path, frame: pd.DataFrame, city: str | None) -> pd.DataFrame:
    """The hourly forecast layout: time, [city], pollutant or daily_aqi columns."""
    columns = [q for q in QUANTITIES if q in frame.columns]
    return _melt(path, _times(frame["time"], path, "time"), _city_of(frame, path, city), "",
                 frame, columns)


#: Reading progress: called with the bytes read so far and the bytes of all the files.
ReadProgress = Callable[[int, int], None]


def read_observation_file(path: str | Path, city: str | None = None,
                          on_bytes: Callable[[int], None] | None = None) -> pd.DataFrame:
    """One observation file, any supported layout, as the long table of ``alerts.observations``.

    Layouts are recognised by their header: ``pollutant``/``value`` (long table),
    ``year, month, day, hour`` (UCI station file), ``date, hour, type`` (national hourly city
    file) or ``time`` plus pollutant columns (the forecast layout). ``city`` names the city of
    station files without a city column. ``on_bytes(n)`` hears the bytes of the file read so
    far, block by block. The table also names the ``file`` and ``row`` of each value.
    """
    long = _read_long(Path(path), city, on_bytes)
    for column in LABEL_COLUMNS:
        long[column] = long[column].astype(str)
    long["file"], long["row"] = str(path), long.index  # for duplicate messages
    return long


def _read_long(path: Path, city: str | None, on_bytes: Callable[[int], None] | None = None
               ) -> pd.DataFrame:
    frame = _read_table(path, on_bytes)
    columns = set(frame.columns)
    if {"pollutant", "value"} <= columns:
        return _long(path, frame, city)
    if set(UCI_TIME_COLUMNS) <= columns:
        return _uci(path, frame, city)
    if {"date", "hour", "type"} <= columns:
        return _national(path, frame)
    if "time" in columns:
        return _wide(path, frame, city)
    raise AlertInputError(
        f"{path}: row 1: unknown layout — expected columns (time, city or station, "
        "pollutant, value), (year, month, day, hour, PM2.5, …, station), "
        "(date, hour, type, <cities>) or (time, PM2.5, …)")


#: ``map``'s signature: a caller may pass ``ProcessPoolExecutor.map`` to parse files side by side.
Mapper = Callable[..., Iterator]


def parse_files(paths: Sequence[str | Path], city: str | None = None,
                only_city: str | None = None, progress: ReadProgress | None = None,
                mapper: Mapper | None = None) -> Iterator[pd.DataFrame]:
    """Each file's long table (rows of ``only_city``), in order, for ``load_observations``.

    Without ``mapper`` a file is read when the previous one has been taken, and ``progress``
    hears its blocks. ``mapper`` (e.g. a process pool's ``map``) reads them side by side, all
    asked for now: a caller can do other work meanwhile; ``progress`` then hears each file as
    it is taken. A bad file raises its error when its turn comes."""
    files = [Path(p) for p in paths]
    sizes = [f.stat().st_size if f.is_file() else 0 for f in files]
    total = sum(sizes)
    if mapper is not None:
        parts = mapper(file_rows, files, itertools.repeat(city), itertools.repeat(only_city))
        return _heard(parts, sizes, progress)
    return _read_in_turn(files, sizes, city, only_city, progress, total)


def _heard(parts: Iterator[pd.DataFrame], sizes: list[int], progress: ReadProgress | None
           ) -> Iterator[pd.DataFrame]:
    done, total = 0, sum(sizes)
    for size, part in zip(sizes, parts, strict=True):
        yield part
        done += size
        if progress is not None:
            progress(done, total)


def _read_in_turn(files: list[Path], sizes: list[int], city: str | None,
                  only_city: str | None, progress: ReadProgress | None, total: int
                  ) -> Iterator[pd.DataFrame]:
    done = 0
    for path, size in zip(files, sizes, strict=True):
        on_bytes = None if progress is None else (
            lambda n, before=done: progress(before + n, total))
        yield file_rows(path, city, only_city, on_bytes)
        done += size
        if progress is not None:
            progress(done, total)


def file_rows(path: Path, city: str | None, only_city: str | None,
              on_bytes: Callable[[int], None] | None = None) -> pd.DataFrame:
    """The long table of one observation file, only ``only_city``'s rows when given."""
    part = _read_long(path, city, on_bytes)
    if only_city is not None:
        part = part[(part["city"] == only_city).to_numpy()].reset_index(drop=True)
    return part


def load_observations(paths: list[str | Path], city: str | None = None,
                      only_city: str | None = None,
                      progress: ReadProgress | None = None,
                      parsed: Iterable[pd.DataFrame] | None = None) -> Observations:
    """Read one or more observation files into per-city tables (see ``alerts.observations``).

    ``only_city`` keeps one city (e.g. a scenario's). ``progress(read, total)`` hears the bytes
    read of all the files (a caller shows it; nothing here prints). ``parsed``: the files'
    tables from ``parse_files`` (the same ``paths``, ``city`` and ``only_city``), when the
    caller started reading them. Raises ``AlertInputError`` naming file, row, column and value
    for a bad timestamp, an unknown pollutant or a non-numeric value.
    """
    if not paths:
        raise AlertInputError("no observation file given — expected one or more files")
    files = [Path(p) for p in paths]
    if parsed is None:
        parsed = parse_files(files, city, only_city, progress)
    hours, seen, kept = CityHours(), _SeenRows(city, only_city), 0
    for path, part in zip(files, parsed, strict=True):
        rows = seen.check(path, part)
        del part
        hours.add(rows)  # each file is reduced to city sums before the next is read
        kept += len(rows.ns)
    if only_city is not None and not kept:
        raise AlertInputError(f"{paths[0]}: column city: no rows for city {only_city!r}")
    observations = hours.observations()
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


class _SeenRows:
    """Takes the files of one reading in order and refuses a row whose time, city, station and
    pollutant an earlier row has (in the same file or an earlier one).

    Each file is remembered by its cities and stations, quantities and first and last time, not
    by its rows: only a file that shares all three with an earlier one is compared row by row,
    and the earlier file is then read again (a file given twice, or overlapping months)."""

    def __init__(self, city: str | None, only_city: str | None) -> None:
        self.city, self.only_city = city, only_city
        self._files: list[tuple[Path, set[tuple[str, str]], set[int], int, int]] = []

    def check(self, path: Path, part: pd.DataFrame) -> LongColumns:
        """The columns of ``path``'s long table ``part`` (``file_rows``); raises on a repeated
        row."""
        rows = LongColumns.of(part)
        if not len(part):
            return rows
        repeated = _repeated(part, rows)
        labels = _label_pairs(rows)
        quantities = set(np.unique(rows.quantity).tolist())
        first, last = rows.ns.min(), rows.ns.max()
        for earlier, their_labels, their_quantities, their_first, their_last in self._files:
            if (labels & their_labels and quantities & their_quantities
                    and first <= their_last and their_first <= last):
                repeated |= _rows_in(part, file_rows(earlier, self.city, self.only_city))
        if repeated.any():
            row = part.iloc[int(np.flatnonzero(repeated)[0])]
            raise AlertInputError(
                f"{path}: column time: value '{row['time']:%Y-%m-%d %H:%M}' — expected one "
                f"{row['pollutant']} value per hour and station, found two")
        self._files.append((path, labels, quantities, first, last))
        return rows


def _label_pairs(rows: LongColumns) -> set[tuple[str, str]]:
    """The (city, station) pairs of a long table's rows."""
    city, station = rows.city, rows.station
    width = len(station.categories)
    pairs = np.unique(city.codes.astype(np.int64) * width + station.codes)
    return {(str(city.categories[p // width]), str(station.categories[p % width]))
            for p in pairs.tolist()}


def _rows_in(part: pd.DataFrame, earlier: pd.DataFrame) -> np.ndarray:
    """True for each row of ``part`` whose time, city, station and pollutant ``earlier`` has."""
    def rows(frame: pd.DataFrame) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([frame["time"], *(frame[c].astype(str)
                                                           for c in LABEL_COLUMNS)])
    return rows(part).isin(rows(earlier))


def _repeated(long: pd.DataFrame, rows: LongColumns) -> np.ndarray:
    """True for each row whose time, city, station and pollutant an earlier row has.

    Usually there is none, which one sorted integer key per row (minute, labels) shows without
    a hash table of millions of rows; only then are the rows themselves compared.
    """
    key = _row_key(rows)
    if key is not None:
        key.sort()
        if not (key[1:] == key[:-1]).any():
            return np.zeros(len(long), dtype=bool)
    return long.duplicated(["time", "city", "station", "pollutant"], keep="first").to_numpy()


def _row_key(rows: LongColumns) -> np.ndarray | None:
    """One int64 per row, equal for equal (time, city, station, pollutant); None when the times
    are not on whole minutes or the key would not fit."""
    if not len(rows.ns):
        return None
    key = rows.ns - rows.ns.min()
    if (key % MINUTE_NS).any():
        return None
    key //= MINUTE_NS
    labels = (rows.city.codes, rows.station.codes, rows.quantity)  # -1: a missing label
    sizes = (len(rows.city.categories) + 1, len(rows.station.categories) + 1,
             len(QUANTITIES) + 1)
    if int(key.max()) + 1 >= np.iinfo(np.int64).max // int(np.prod(sizes)):
        return None
    for codes, size in zip(labels, sizes, strict=True):
        key *= size
        key += codes
        key += 1
    return key


RANGE_COLUMNS = ("daily_aqi_low", "daily_aqi_high")


def load_forecast_table(path: str | Path) -> pd.DataFrame:
    """A table of issued forecasts: ``issued_at, city, time (valid hour), daily_aqi``.

    ``valid_at`` may replace ``time`` and ``value`` may replace ``daily_aqi``. A range may
    replace ``daily_aqi``, as bureaus publish forecasts: ``daily_aqi_low, daily_aqi_high`` (the
    rule set's ``forecast_bound`` picks the end, ``forecast_value``). A table whose valid times
    are all midnight gives one value per calendar day; it is spread over the day's hours and
    averaged over 24 h like daily observations (``alerts.observations``). An optional
    ``primary_pollutant`` (or ``首要污染物``) column names each forecast day's primary pollutant
    as bureaus publish it (PM2.5/细颗粒物, PM10/可吸入颗粒物, O3/臭氧, …, 沙尘 for dust;
    ``alerts.drivers.parse_primary``); it becomes the ``primary`` and ``pm_ratio`` columns.
    Returns the columns ``issued_at, city, valid_at, daily_aqi`` (and the range and driver
    columns) with parsed times.
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
    if "primary_pollutant" in frame.columns:
        out["primary"], out["pm_ratio"] = _primaries(frame["primary_pollutant"], path)
    if is_daily(out["valid_at"]):
        out = _spread_days(out)
    return out


def _primaries(text: pd.Series, path: Path) -> tuple[list[str], list[float]]:
    """The ``primary`` and ``pm_ratio`` columns of a forecast's primary-pollutant cells."""
    parsed = []
    for i, cell in enumerate(text):
        try:
            parsed.append(parse_primary("" if cell in MISSING_TEXT else cell))
        except ValueError as bad:
            raise _bad(path, i + 2, "primary_pollutant", cell,
                       str(bad).split(" — expected ")[-1]) from None
    return [p for p, _ in parsed], [r for _, r in parsed]


def _spread_days(table: pd.DataFrame) -> pd.DataFrame:
    """Daily forecasts as hourly values: each day's value over its hours, averaged over 24 h;
    a period's primary pollutant is that of its more polluted day (``spread_daily``)."""
    columns = [c for c in ("daily_aqi", *RANGE_COLUMNS) if c in table.columns]
    drivers = [c for c in ("primary", "pm_ratio") if c in table.columns]
    parts = []
    for (issued, city), rows in table.groupby(["issued_at", "city"], sort=True):
        days = rows.set_index("valid_at")[columns + drivers].sort_index()
        hours = pd.date_range(days.index[0], days.index[-1] + pd.Timedelta(hours=23), freq="h")
        spread = days[columns].reindex(hours.normalize()).set_axis(hours)
        spread = spread.rolling("24h", min_periods=1).mean()
        if drivers:
            spread = spread.join(spread_daily(days, drivers))
        parts.append(spread.rename_axis("valid_at").reset_index()
                     .assign(issued_at=issued, city=city))
    return pd.concat(parts, ignore_index=True)[["issued_at", "city", "valid_at", *columns,
                                                *drivers]]


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
                      loaded: Observations | None = None,
                      progress: ReadProgress | None = None) -> AlertInputs:
    """Read observations, an optional forecast table and region file, and the rule sets.

    ``observations`` may be empty when a ``forecast_table`` is given. Every city alerts under
    ``rules`` unless the region file names another rule set for it. ``only_city`` keeps one
    city's own forecast (the scenario's city) when there is no region. ``loaded``: those files
    already read by ``load_observations`` with the same ``city`` and, without a region, the
    same ``only_city`` — a caller that needs the concentrations too reads them once.
    ``progress``: see ``load_observations``.
    """
    if not observations and forecast_table is None:
        raise AlertInputError("no observation file given — expected one or more files "
                              "(or a forecast table)")
    area = load_region(region) if region is not None else None
    keep = None if area is not None else only_city
    truth: dict[str, pd.Series] = {}
    gaps = None
    drivers: dict[str, pd.DataFrame] = {}
    if loaded is not None or observations:
        obs = (loaded if loaded is not None
               else load_observations(observations, city=city, only_city=keep,
                                      progress=progress))
        truth, gaps, drivers = obs.daily_aqi(), obs.gaps(), observed_drivers(obs)
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
    return AlertInputs(truth, by_city, start, last + pd.Timedelta(hours=1), table, area, gaps,
                       drivers)


def observed_drivers(obs: Observations) -> dict[str, pd.DataFrame]:
    """Each city's primary pollutant and PM2.5/PM10 ratio by hour (``alerts.drivers``), for the
    cities whose observations carry pollutant concentrations (a daily AQI alone names none)."""
    out = {}
    for name, frame in obs.cities.items():
        table = city_drivers(_hourly_from_daily(frame) if obs.daily else frame)
        if table is not None:
            out[name] = table
    return out


def _city_rules(area: Region | None, name: str, region: Path | None, default: RuleSet
                ) -> RuleSet:
    """The rule set a region file names for a city (a file relative to it), else ``default``."""
    own = area.rules_for(name) if area is not None else None
    if not own:
        return default
    if str(own).endswith(".toml") and region is not None:
        own = str(region.parent / own)
    return load_ruleset(own)
