"""Air Quality Index per HJ 633-2012 (sources.md §7) and the rolling "daily AQI" of sources.md §1.

Units: concentrations in µg/m³, except CO in mg/m³. Every function is pure and works on Python
scalars and on numpy arrays of any shape (scalar in → Python ``float``/``str``/``int`` out).

IAQI of one pollutant is the linear interpolation of HJ 633-2012::

    IAQI = (IAQI_hi - IAQI_lo) / (BP_hi - BP_lo) * (C - BP_lo) + IAQI_lo

on the segment with ``BP_lo <= C <= BP_hi``; AQI is the largest IAQI, and the pollutant(s) with
that IAQI are the 首要污染物 when AQI > 50.

>>> iaqi("PM2.5", 100.0)
131.25
>>> r = aqi({"PM2.5": 160.0, "PM10": 200.0})
>>> r.value, r.primary, r.category
(210.0, ('PM2.5',), '重度污染')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

POLLUTANTS: tuple[str, ...] = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
PERIODS: tuple[str, ...] = ("1h", "8h", "24h")

# IAQI at the breakpoints; each table below gives the concentration at these IAQI values
# (a table may stop early, e.g. SO2 1 h at IAQI 200).
IAQI_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

#: Concentration breakpoints keyed by (pollutant, period), µg/m³ (CO: mg/m³), aligned with
#: ``IAQI_LEVELS``.
BREAKPOINTS: dict[tuple[str, str], tuple[float, ...]] = {
    # sources.md §7 (HJ 633-2012 table 1): SO2 24-hour mean
    ("SO2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    # sources.md §7 (HJ 633-2012 table 1): SO2 1-hour mean; stops at 800 ↔ IAQI 200 (see switch)
    ("SO2", "1h"): (0, 150, 500, 650, 800),
    # sources.md §7 (HJ 633-2012 table 1): NO2 24-hour mean
    ("NO2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    # sources.md §7 (HJ 633-2012 table 1): NO2 1-hour mean
    ("NO2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    # sources.md §7 (HJ 633-2012 table 1): PM10 24-hour mean
    ("PM10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    # sources.md §7 (HJ 633-2012 table 1): PM2.5 24-hour mean
    ("PM2.5", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
    # sources.md §7 (HJ 633-2012 table 1): CO 24-hour mean, mg/m³
    ("CO", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    # sources.md §7 (HJ 633-2012 table 1): CO 1-hour mean, mg/m³
    ("CO", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    # sources.md §7 (HJ 633-2012 table 1): O3 1-hour mean
    ("O3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    # sources.md §7 (HJ 633-2012 table 1): O3 8-hour mean; stops at 800 ↔ IAQI 300 (see switch)
    ("O3", "8h"): (0, 100, 160, 215, 265, 800),
}

# Period → table actually used, where HJ 633 has no table of that exact name.
_TABLE_FOR: dict[tuple[str, str], tuple[str, str]] = {
    # PM2.5 and PM10 have only 24 h tables in HJ 633. For hourly values we apply the 24 h table:
    # the common real-time convention (go-aqi "PM2_5_1H"), noted in sources.md §7 as a convention,
    # not a separate HJ 633 table.
    ("PM2.5", "1h"): ("PM2.5", "24h"),
    ("PM10", "1h"): ("PM10", "24h"),
    # O3 has no 24 h table: the daily O3 statistic of HJ 633 / GB 3095 is the daily maximum 8-hour
    # mean, so "24h" for O3 means that value and is read against the 8 h table.
    ("O3", "24h"): ("O3", "8h"),
}

# Switch rules (HJ 633-2012 notes to table 1, sources.md §7): above the top of a truncated table the
# standard uses another table.
#  * SO2 1 h > 800 µg/m³: no 1 h IAQI is computed; the SO2 IAQI is taken from the 24 h table.
#    HJ 633 reports the IAQI of the 24 h *mean*; this function only sees one concentration, so it
#    reads the given concentration against the SO2 24 h table (continuous: both give 200 at 800).
#  * O3 8 h > 800 µg/m³: no 8 h IAQI is computed; the O3 IAQI is taken from the 1 h table
#    (again applied to the given concentration; both tables give 300 at 800).
_SWITCH_ABOVE_TOP: dict[tuple[str, str], tuple[str, str]] = {
    ("SO2", "1h"): ("SO2", "24h"),
    ("O3", "8h"): ("O3", "1h"),
}

#: HJ 633 caps the index at 500: concentrations above the top breakpoint get IAQI 500.
IAQI_MAX = 500.0

CATEGORIES: tuple[str, ...] = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
#: Level names matching ``CATEGORIES`` (一级 … 六级), sources.md §7.
LEVEL_NAMES: tuple[str, ...] = ("一级", "二级", "三级", "四级", "五级", "六级")
# Upper AQI bound (inclusive) of each category but the last: AQI <= 50 优, <= 100 良, ...
_CATEGORY_UPPER = np.array([50.0, 100.0, 150.0, 200.0, 300.0])

# Two IAQIs closer than this are a tie when naming the primary pollutant (guards float noise).
_TIE_TOLERANCE = 1e-9

# GB 3095-2012 §8 data validity: >= 20 hourly values per 24 h (stated for calendar days; assumed
# here for the rolling 24 h window of sources.md §1).
MIN_VALID_HOURS_24H = 20
# GB 3095-2012 §8 data validity: an 8-hour mean needs >= 6 hourly values.
MIN_VALID_HOURS_8H = 6


def table_key(pollutant: str, period: str = "24h") -> tuple[str, str]:
    """Return the ``BREAKPOINTS`` key used for ``pollutant`` at ``period``.

    >>> table_key("PM2.5", "1h"), table_key("O3", "24h")
    (('PM2.5', '24h'), ('O3', '8h'))

    Raises ``ValueError`` for an unknown pollutant or period, or a combination without a table
    (e.g. NO2 "8h").
    """
    if pollutant not in POLLUTANTS:
        raise ValueError(
            f"unknown pollutant {pollutant!r}; expected one of {', '.join(POLLUTANTS)}"
        )
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    key = _TABLE_FOR.get((pollutant, period), (pollutant, period))
    if key not in BREAKPOINTS:
        raise ValueError(f"HJ 633-2012 has no {period} IAQI table for {pollutant}")
    return key


def _interpolate(key: tuple[str, str], c: np.ndarray) -> np.ndarray:
    """Piecewise-linear IAQI of finite, non-negative ``c`` on table ``key`` (no switch, no cap)."""
    bp = np.asarray(BREAKPOINTS[key], dtype=float)
    levels = np.asarray(IAQI_LEVELS[: len(bp)], dtype=float)
    # Segment i covers [bp[i], bp[i+1]]; at an exact breakpoint either neighbour gives its IAQI.
    i = np.clip(np.searchsorted(bp, c, side="right") - 1, 0, len(bp) - 2)
    lo, hi = bp[i], bp[i + 1]
    # Multiply before dividing so that C == BP_hi gives IAQI_hi exactly (no float residue).
    return levels[i] + (levels[i + 1] - levels[i]) * (c - lo) / (hi - lo)


def iaqi(
    pollutant: str,
    concentration: float | np.ndarray,
    period: str = "24h",
    *,
    rounded: bool = False,
) -> float | np.ndarray:
    """Individual AQI (IAQI) of one pollutant, HJ 633-2012.

    ``concentration`` is in µg/m³ (CO: mg/m³), a scalar or an array of any shape; the result has
    the same shape (a Python ``float`` for scalar input). ``period`` is "1h", "8h" or "24h":

    * PM2.5/PM10 "1h" use the 24 h table (real-time convention, sources.md §7);
    * O3 "24h" means the daily maximum 8-hour mean and uses the 8 h table;
    * SO2 "1h" above 800 µg/m³ uses the SO2 24 h table; O3 "8h"/"24h" above 800 µg/m³ uses the O3
      1 h table (HJ 633 switch rules).

    Concentrations above the top breakpoint give 500 (HJ 633 caps the index at 500). NaN gives NaN.
    The value is not rounded unless ``rounded=True``, which applies the ceiling (HJ 633:
    IAQI 计算结果向上取整).

    Raises ``ValueError`` for a negative concentration or an unknown pollutant/period.

    >>> iaqi("PM2.5", 75.0), iaqi("SO2", 900.0, "1h"), iaqi("PM2.5", 100.0, rounded=True)
    (100.0, 212.5, 132.0)
    """
    key = table_key(pollutant, period)
    scalar = np.ndim(concentration) == 0
    c = np.asarray(concentration, dtype=float)
    if np.any(c < 0):  # NaN compares False, so it passes through
        raise ValueError(f"negative {pollutant} concentration: {c[c < 0].ravel()[:5].tolist()}")

    top = BREAKPOINTS[key][-1]
    valid = ~np.isnan(c)
    out = np.full(c.shape, np.nan)
    below = valid & (c <= top)
    out[below] = _interpolate(key, c[below])

    above = valid & (c > top)
    switch = _SWITCH_ABOVE_TOP.get(key)
    if switch is not None:
        other = np.asarray(BREAKPOINTS[switch], dtype=float)
        inside = above & (c <= other[-1])
        out[inside] = _interpolate(switch, c[inside])
        above &= ~inside
    out[above] = IAQI_MAX  # HJ 633: above the top breakpoint the index is capped at 500

    if rounded:
        out = np.ceil(out)
    return float(out) if scalar else out


def _check_aqi(value: float | np.ndarray) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if np.any(a < 0):
        raise ValueError(f"negative AQI: {a[a < 0].ravel()[:5].tolist()}")
    return a


def level_number(aqi_value: float | np.ndarray) -> int | np.ndarray:
    """AQI level 1..6 (一级 … 六级, see ``LEVEL_NAMES``) of a scalar or an array of AQI values.

    Boundaries as ``category``: AQI <= 50 → 1, <= 100 → 2, <= 150 → 3, <= 200 → 4, <= 300 → 5,
    else 6. NaN (no valid AQI) gives 0, which is not a level. Raises ``ValueError`` if negative.

    >>> level_number(50), level_number(50.5), level_number(301)
    (1, 2, 6)
    """
    a = _check_aqi(aqi_value)
    n = np.searchsorted(_CATEGORY_UPPER, a, side="left") + 1
    n = np.where(np.isnan(a), 0, n).astype(int)
    return int(n) if np.ndim(aqi_value) == 0 else n


def category(aqi_value: float | np.ndarray) -> str | np.ndarray:
    """Chinese AQI category (``CATEGORIES``) of a scalar or an array of AQI values.

    AQI <= 50 优, <= 100 良, <= 150 轻度污染, <= 200 中度污染, <= 300 重度污染, else 严重污染.
    NaN gives "". Raises ``ValueError`` if negative.

    >>> category(100), category(101), category(301)
    ('良', '轻度污染', '严重污染')
    """
    n = level_number(aqi_value)
    names = np.array(("", *CATEGORIES))
    out = names[n]
    return str(out) if np.ndim(aqi_value) == 0 else out


@dataclass(frozen=True)
class AQIResult:
    """AQI with its primary pollutant(s) and category.

    Scalar input: ``value`` is a ``float``, ``primary`` a tuple of pollutant names (empty when
    AQI <= 50 or NaN), ``category`` a ``str``. Array input: ``value`` is a float ndarray,
    ``primary`` a string ndarray with names joined by "," ("" where AQI <= 50 or NaN) and
    ``category`` a string ndarray.
    """

    value: float | np.ndarray
    primary: tuple[str, ...] | np.ndarray
    category: str | np.ndarray


def aqi(
    concentrations: Mapping[str, float | np.ndarray],
    period: str = "24h",
    *,
    rounded: bool = False,
) -> AQIResult:
    """AQI = max IAQI over the given pollutants, all measured over ``period`` (see ``iaqi``).

    ``concentrations`` maps pollutant names (``POLLUTANTS``) to µg/m³ (CO: mg/m³), scalars or
    arrays broadcastable to one shape. NaN pollutants are ignored; if all are NaN the AQI is NaN.
    HJ 633: the primary pollutant (首要污染物) is named only when AQI > 50; all pollutants tied
    at the maximum are named, in ``POLLUTANTS`` order. ``rounded=True`` rounds every IAQI up
    first (HJ 633 publication practice).

    >>> aqi({"PM2.5": 150.0, "PM10": 350.0, "NO2": 40.0}).primary
    ('PM2.5', 'PM10')
    """
    names, sub, value = _largest_iaqi(concentrations, period, rounded)
    is_primary = (np.abs(sub - value) <= _TIE_TOLERANCE) & (value > 50)
    if all(np.ndim(v) == 0 for v in concentrations.values()):
        primary: tuple[str, ...] | np.ndarray = tuple(
            p for p, flag in zip(names, is_primary, strict=True) if flag
        )
        return AQIResult(float(value), primary, category(float(value)))
    return AQIResult(value, joined_names(names, is_primary).astype(str), category(value))


def _largest_iaqi(concentrations: Mapping[str, float | np.ndarray], period: str, rounded: bool
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The pollutants given (``POLLUTANTS`` order), their IAQIs stacked, and the largest."""
    if not concentrations:
        raise ValueError("aqi() needs at least one pollutant concentration")
    names = [p for p in POLLUTANTS if p in concentrations]
    unknown = sorted(set(concentrations) - set(POLLUTANTS))
    if unknown:
        raise ValueError(f"unknown pollutant(s) {unknown}; expected one of {', '.join(POLLUTANTS)}")
    arrays = np.broadcast_arrays(*(np.asarray(concentrations[p], dtype=float) for p in names))
    sub = np.stack(
        [
            np.asarray(iaqi(p, a, period, rounded=rounded))
            for p, a in zip(names, arrays, strict=True)
        ]
    )
    all_nan = np.all(np.isnan(sub), axis=0)
    value = np.where(all_nan, np.nan, np.max(np.where(np.isnan(sub), -np.inf, sub), axis=0))
    return names, sub, value


def joined_names(names: Sequence[str], flags: np.ndarray) -> np.ndarray:
    """Per element, the ``names`` whose row of ``flags`` (one row per name) is true there,
    joined by "," in ``names`` order ("" where none is): an object array.

    Each element's set of names is one number (a bit per name), looked up in the texts of all
    the sets: a few dozen texts are joined, not one per element.
    """
    flags = np.asarray(flags, dtype=bool)
    code = np.zeros(flags.shape[1:], dtype=np.int64)
    for k in range(len(names)):
        code |= flags[k].astype(np.int64) << k
    texts = np.array([",".join(p for k, p in enumerate(names) if c >> k & 1)
                      for c in range(1 << len(names))], dtype=object)
    return texts[code]


def _check_index(series: pd.Series | pd.DataFrame) -> None:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError("hourly concentrations must be indexed by a pandas DatetimeIndex")
    if not series.index.is_monotonic_increasing or series.index.has_duplicates:
        raise ValueError("the DatetimeIndex must be strictly increasing (sorted, no duplicates)")


def rolling_24h_mean(series: pd.Series, min_periods: int = MIN_VALID_HOURS_24H) -> pd.Series:
    """Trailing 24-hour mean of hourly concentrations (value at hour t = mean of hours t-23..t).

    ``series`` is indexed by a strictly increasing DatetimeIndex; the window is time-based, so
    missing rows and NaN hours both count as missing. A window with fewer than ``min_periods``
    valid hours gives NaN (default 20: GB 3095-2012 §8 data validity, ≥ 20 hourly values per
    24 h, assumed for a rolling window). Units are those of the input.
    """
    _check_index(series)
    return series.astype(float).rolling("24h", min_periods=min_periods).mean()


def rolling_max_8h_mean(series: pd.Series) -> pd.Series:
    """Largest 8-hour mean lying inside the trailing 24 h window (rolling daily max 8-h mean).

    Value at hour t = max over the 17 trailing 8-hour means ending at hours t-16..t (each covers
    8 hours inside t-23..t, as the 17 8-hour means of a calendar day do). Each 8-hour mean needs
    ≥ 6 valid hours (GB 3095-2012 §8); at least one valid 8-hour mean is required, else NaN.
    Units are those of the input (O3: µg/m³).
    """
    _check_index(series)
    mean_8h = series.astype(float).rolling("8h", min_periods=MIN_VALID_HOURS_8H).mean()
    return mean_8h.rolling("17h", min_periods=1).max()


def daily_aqi(concentrations: pd.DataFrame) -> pd.Series:
    """Rolling "daily AQI" used by the alert rules (sources.md §1: mean of any consecutive 24 h).

    ``concentrations``: hourly frame on a strictly increasing DatetimeIndex whose columns are any
    subset of ``POLLUTANTS`` (µg/m³; CO mg/m³) plus an optional "AQI" column, which is ignored.
    At hour t, each pollutant's value is its trailing 24 h mean (hours t-23..t, ≥ 20 valid hours),
    read against the 24 h tables; O3 counts twice, as in HJ 633's daily table: the largest 8-hour
    mean inside that window (8 h table) and the largest hourly value (1 h table), see
    ``o3_daily_iaqi``. The daily AQI is the largest IAQI. Pollutants
    without a valid value are ignored; if none has one the result is NaN — missing data is never
    read as zero.

    Returns a float Series on the same index named "daily_aqi".
    """
    _check_index(concentrations)
    columns = [c for c in concentrations.columns if c != "AQI"]
    unknown = [c for c in columns if c not in POLLUTANTS]
    if unknown:
        raise ValueError(f"unknown pollutant column(s) {unknown}; expected {', '.join(POLLUTANTS)}")
    if not columns:
        raise ValueError("daily_aqi() needs at least one pollutant column")

    daily: dict[str, Any] = {}
    for p in columns:
        if p != "O3":
            daily[p] = rolling_24h_mean(concentrations[p]).to_numpy()
    # the largest sub-index alone: the primary pollutants and categories are not needed here
    value = (np.asarray(_largest_iaqi(daily, "24h", False)[2], dtype=float) if daily
             else np.full(len(concentrations), np.nan))
    if "O3" in columns:
        o3 = o3_daily_iaqi(concentrations["O3"])
        value = np.fmax(value, o3)  # NaN only where both are
    return pd.Series(value, index=concentrations.index, name="daily_aqi")


def o3_daily_iaqi(series: pd.Series) -> np.ndarray:
    """Daily O3 sub-index over the trailing 24 h window (HJ 633-2012, sources.md §7): the larger
    of the daily maximum 8-h mean's IAQI and the daily maximum 1-h value's IAQI. Where the
    maximum 8-h mean exceeds 800 µg/m³ the 8-h table stops and the O3-1h sub-index is used
    instead, as the standard says. The daily maximum 1-h value needs ≥ 20 valid hours in its
    window (GB 3095-2012 §8 data validity, assumed as for the 24 h means).
    """
    _check_index(series)
    max_8h = rolling_max_8h_mean(series).to_numpy()
    max_1h = (series.astype(float).rolling("24h", min_periods=MIN_VALID_HOURS_24H).max()
              .to_numpy())
    sub_1h = np.asarray(iaqi("O3", max_1h, "1h"), dtype=float)
    sub_8h = np.asarray(iaqi("O3", np.where(max_8h > 800, np.nan, max_8h), "8h"), dtype=float)
    sub_8h = np.where(max_8h > 800, sub_1h, sub_8h)
    return np.fmax(sub_8h, sub_1h)
