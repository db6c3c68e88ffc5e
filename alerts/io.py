"""File access for ``alerts``: built-in and user rule sets, forecast tables."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pandas as pd

from alerts.rules import RuleSet

BUILTIN_DIR = resources.files("alerts") / "rulesets"


class AlertInputError(ValueError):
    """A user file that cannot be read; the message is one line naming file, row and column."""


def builtin_rulesets() -> list[str]:
    """Ids of the rule sets shipped with smogsim, e.g. ``["mee-2017", "mee-2019", "mee-2024"]``."""
    return sorted(p.name.removesuffix(".toml") for p in BUILTIN_DIR.iterdir()
                  if p.name.endswith(".toml"))


def load_ruleset(name_or_path: str | Path) -> RuleSet:
    """Load a built-in rule set by id (``"mee-2024"``) or a user TOML file by path."""
    builtin = BUILTIN_DIR / f"{name_or_path}.toml"
    if isinstance(name_or_path, str) and builtin.is_file():
        text, origin = builtin.read_text(encoding="utf-8"), f"{name_or_path}.toml"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise AlertInputError(
                f"{path}: rule set not found — expected a file or one of "
                f"{', '.join(builtin_rulesets())}"
            )
        text, origin = path.read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        raise AlertInputError(f"{origin}: not valid TOML ({bad})") from None
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
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as bad:
        raise AlertInputError(f"{path}: cannot read ({bad})") from None
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
