"""Forecasts of the daily AQI as a consultation sees them, including deliberately wrong ones.

A forecast model answers one question: *at consultation time ``at``, what daily-AQI series does
the bureau have?* ``outlook(at, lookback, horizon)`` returns an hourly series over
``[at - lookback, at + horizon)``: hours before ``at`` are what has been observed (or, for a
forecast table without observations, the latest forecast for that hour), hours from ``at`` on
are the forecast. NaN means "not known" and is never read as clean air.

Models built from a "truth" series (the observed or scenario daily AQI, hourly):

* ``perfect`` — the forecast equals the truth.
* ``persistence`` — tomorrow looks like now: the last daily AQI known before ``at`` repeated.
* ``noisy`` — truth × exp(bias·L + sd·L·e), L = lead in days, e an AR(1) standard-normal error
  along the lead (seeded generator passed in): bias and spread grow with lead time.
* ``late:<h>`` — the forecast sees every change ``h`` hours late (truth shifted later by ``h``),
  so an episode is announced late and its response starts after the pollution has.

``TableForecast`` replays issued forecasts: rows of (issued_at, valid time, daily AQI).

A model may also know what drives each day (``alerts.drivers``: the primary pollutant and the
PM2.5/PM10 ratio). ``driver_outlook`` returns them over the same hours, moved as the model
moves the daily AQI (held by ``persistence``, shifted by ``late``; ``noisy`` errs on the value,
not on the pollutant, an assumption); a table carries the forecast's own ``primary_pollutant``.
None: the drivers are not known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple, Protocol

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
# Assumption: sources.md §3.1 — bureaus forecast air quality 3 days ahead and the trend 7 days
# ahead; the trigger rules need up to 96 h of run after a 24 h lead, so the 7-day trend is used.
DEFAULT_HORIZON_HOURS = 168
# Assumption: noisy defaults, a multiplicative error spreading by 15 % per day of lead, no bias.
DEFAULT_NOISE_SD_PER_DAY = 0.15
DEFAULT_NOISE_BIAS_PER_DAY = 0.0
# Assumption: forecast errors persist from hour to hour (AR(1) coefficient per hour).
NOISE_AUTOCORRELATION = 0.95

MODEL_NAMES = ("perfect", "persistence", "noisy", "late:<hours>")


class ForecastModel(Protocol):
    name: str

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        """Hourly daily AQI over ``[at - lookback, at + horizon)`` as known at ``at``."""
        ...


def _hours(at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.DatetimeIndex:
    return pd.date_range(at - lookback_hours * HOUR, periods=lookback_hours + horizon_hours,
                         freq="h")


def _drivers_at(drivers: pd.DataFrame | None, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    """``drivers`` on ``index`` (unknown hours: primary "", ratio NaN)."""
    if drivers is None:
        return None
    out = drivers.reindex(index)
    out["primary"] = out["primary"].fillna("")
    return out


def driver_outlook(model: ForecastModel, at: pd.Timestamp, lookback_hours: int,
                   horizon_hours: int) -> pd.DataFrame | None:
    """The drivers ``model`` knows over ``[at - lookback, at + horizon)``, or None."""
    method = getattr(model, "driver_outlook", None)
    return method(at, lookback_hours, horizon_hours) if method is not None else None


class Outlook(NamedTuple):
    """An outlook and its drivers as arrays over the hours ``times`` = ``[at - lookback,
    at + horizon)``: the daily AQI ``values`` (NaN: not known) and, when the model knows what
    drives each hour, ``primary`` ("" unknown) and ``pm_ratio`` (None when it does not).

    ``times`` is a DatetimeIndex, or its ``datetime64`` values when it has no time zone (an
    element of either reads as the same ``pd.Timestamp``). The arrays may be read-only views of
    a model's own: read them, never write them.
    """

    times: pd.DatetimeIndex | np.ndarray
    values: np.ndarray
    primary: np.ndarray | None = None
    pm_ratio: np.ndarray | None = None

    def head(self, n: int) -> Outlook:
        """The first ``n`` hours."""
        return Outlook(self.times[:n], self.values[:n],
                       None if self.primary is None else self.primary[:n],
                       None if self.pm_ratio is None else self.pm_ratio[:n])


def outlook_arrays(model: ForecastModel, at: pd.Timestamp, lookback_hours: int,
                   horizon_hours: int) -> Outlook:
    """``model.outlook`` and ``driver_outlook`` as one ``Outlook``.

    Models that serve slices of arrays built once (``outlook_arrays``: the perfect, noisy and
    late models) skip the pandas reindexing of every consultation; any other model is asked
    through ``outlook`` and ``driver_outlook``. Both give the same values.
    """
    method = getattr(model, "outlook_arrays", None)
    if method is not None:
        return method(at, lookback_hours, horizon_hours)
    series = model.outlook(at, lookback_hours, horizon_hours)
    drivers = driver_outlook(model, at, lookback_hours, horizon_hours)
    if drivers is None:
        return Outlook(series.index, series.to_numpy(float))
    return Outlook(series.index, series.to_numpy(float), drivers["primary"].to_numpy(object),
                   drivers["pm_ratio"].to_numpy(float))


# Hours of truth a model reindexes at least at a time (an assumption of convenience: a few
# months); from the requested hour it reindexes to the truth's last hour if that is further.
LATTICE_HOURS = 24 * 64


class _Lattice:
    """A truth series and its drivers reindexed once onto a run of whole hours, so that each
    consultation's outlook is a slice. Rebuilt from the requested hour when a request does
    not fall on the current run (another run of hours, or minutes off the hour)."""

    def __init__(self, truth: pd.Series, drivers: pd.DataFrame | None):
        self.truth, self.drivers = truth, drivers
        self.last = truth.index.max() if len(truth) else None
        self.origin: pd.Timestamp | None = None
        self.times: pd.DatetimeIndex | np.ndarray = pd.DatetimeIndex([])
        self.values = np.zeros(0)
        self.primary: np.ndarray | None = None
        self.pm_ratio: np.ndarray | None = None

    def position(self, start: pd.Timestamp, hours: int) -> int:
        """Index of hour ``start`` in the arrays, which hold at least ``hours`` from there."""
        if self.origin is not None:
            pos, rest = divmod(start.value - self.origin.value, HOUR.value)  # nanoseconds
            if not rest and pos >= 0 and pos + hours <= len(self.values):
                return pos
        self.origin = start
        # to the truth's last hour: the runs of a replay ask for one episode after another
        rest = int((self.last - start) // HOUR) + 1 if self.last is not None else 0
        index = pd.date_range(start, periods=max(hours, LATTICE_HOURS, rest), freq="h")
        self.times = _read_only(index.to_numpy()) if index.tz is None else index
        self.values = _read_only(self.truth.reindex(index).to_numpy(float))
        drivers = _drivers_at(self.drivers, index)
        if drivers is not None:
            self.primary = _read_only(drivers["primary"].to_numpy(object))
            self.pm_ratio = _read_only(drivers["pm_ratio"].to_numpy(float))
        return 0

    def outlook(self, pos: int, hours: int) -> Outlook:
        """``hours`` hours from index ``pos``."""
        end = pos + hours
        return Outlook(self.times[pos:end], self.values[pos:end],
                       None if self.primary is None else self.primary[pos:end],
                       None if self.pm_ratio is None else self.pm_ratio[pos:end])


# The lattices of the latest truth series: the models of a replay's runs of one city (each run
# makes its own) read the same series, so it is reindexed once for them, not once a run.
SHARED_LATTICES = 8
_LATTICES: dict[tuple[int, int], tuple[pd.Series, pd.DataFrame | None, _Lattice]] = {}


def shared_lattice(truth: pd.Series, drivers: pd.DataFrame | None) -> _Lattice:
    """The ``_Lattice`` of ``truth`` and ``drivers`` (these objects: the entry holds them, so
    their ids stay theirs), shared by every model that reads them."""
    key = (id(truth), id(drivers))
    entry = _LATTICES.pop(key, None)
    if entry is None:
        entry = (truth, drivers, _Lattice(truth, drivers))
        while len(_LATTICES) >= SHARED_LATTICES:
            del _LATTICES[next(iter(_LATTICES))]  # the least recently used
    _LATTICES[key] = entry  # most recently used last
    return entry[2]


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass
class PerfectForecast:
    """The forecast is the truth (a rehearsal of a flawless forecast)."""

    draws_nothing: ClassVar[bool] = True  # the same outlook at a time, however often asked

    truth: pd.Series
    name: str = "perfect"
    drivers: pd.DataFrame | None = None
    _lattice: _Lattice | None = field(default=None, repr=False, compare=False)

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        return self.truth.reindex(_hours(at, lookback_hours, horizon_hours)).astype(float)

    def outlook_arrays(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> Outlook:
        if self._lattice is None:
            self._lattice = shared_lattice(self.truth, self.drivers)
        hours = lookback_hours + horizon_hours
        return self._lattice.outlook(self._lattice.position(at - lookback_hours * HOUR, hours),
                                     hours)

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        return _drivers_at(self.drivers, _hours(at, lookback_hours, horizon_hours))


@dataclass
class PersistenceForecast:
    """Observed up to ``at``; from ``at`` on, the last daily AQI observed before ``at``."""

    draws_nothing: ClassVar[bool] = True  # the same outlook at a time, however often asked

    truth: pd.Series
    name: str = "persistence"
    drivers: pd.DataFrame | None = None

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        out = self.truth.reindex(_hours(at, lookback_hours, horizon_hours)).astype(float)
        known = self.truth[self.truth.index < at]
        last = known.iloc[-1] if len(known) else np.nan
        out[out.index >= at] = last
        return out

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        out = _drivers_at(self.drivers, _hours(at, lookback_hours, horizon_hours))
        if out is None or self.drivers is None:
            return out
        known = self.drivers[self.drivers.index < at]
        if len(known):
            out.loc[out.index >= at, :] = known.iloc[-1].to_numpy()
        return out


@dataclass
class NoisyForecast:
    """Truth × exp(bias·L + sd·L·e): error grows linearly with the lead L (days).

    ``e`` is an AR(1) standard-normal sequence along the lead (coefficient
    ``NOISE_AUTOCORRELATION`` per hour), drawn once per consultation from ``rng``; the same seed
    gives the same forecasts. ``bias_per_day`` < 0 rehearses a forecast that under-predicts.
    """

    truth: pd.Series
    rng: np.random.Generator
    bias_per_day: float = DEFAULT_NOISE_BIAS_PER_DAY
    sd_per_day: float = DEFAULT_NOISE_SD_PER_DAY
    name: str = "noisy"
    drivers: pd.DataFrame | None = None
    _issued: dict = field(default_factory=dict, repr=False)
    _lattice: _Lattice | None = field(default=None, repr=False, compare=False)

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        out = self.truth.reindex(_hours(at, lookback_hours, horizon_hours)).astype(float)
        out.iloc[lookback_hours:] = out.iloc[lookback_hours:].to_numpy() * self._factor(
            at, lookback_hours, horizon_hours)
        return out

    def outlook_arrays(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> Outlook:
        if self._lattice is None:
            self._lattice = shared_lattice(self.truth, self.drivers)
        hours = lookback_hours + horizon_hours
        exact = self._lattice.outlook(
            self._lattice.position(at - lookback_hours * HOUR, hours), hours)
        values = exact.values.copy()
        values[lookback_hours:] = values[lookback_hours:] * self._factor(at, lookback_hours,
                                                                         horizon_hours)
        return exact._replace(values=values)

    def _factor(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> np.ndarray:
        """The forecast error of the consultation at ``at`` (drawn at its first request)."""
        key = (at, lookback_hours, horizon_hours)
        if key not in self._issued:
            self._issued[key] = self._error(horizon_hours)
        lead_days = np.arange(horizon_hours) / 24.0
        return np.exp(self.bias_per_day * lead_days
                      + self.sd_per_day * lead_days * self._issued[key])

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        return _drivers_at(self.drivers, _hours(at, lookback_hours, horizon_hours))

    def _error(self, n: int) -> np.ndarray:
        """AR(1) with unit variance: e[0] = z[0], e[i] = ρ e[i-1] + √(1-ρ²) z[i]."""
        rho = NOISE_AUTOCORRELATION
        shocks = self.rng.standard_normal(n)
        e = np.empty(n)
        previous = 0.0
        for i, z in enumerate(shocks):
            previous = z if i == 0 else rho * previous + np.sqrt(1 - rho**2) * z
            e[i] = previous
        return e


@dataclass
class LateForecast:
    """Observed up to ``at``; from ``at`` on, the truth ``hours`` earlier (every change late)."""

    draws_nothing: ClassVar[bool] = True  # the same outlook at a time, however often asked

    truth: pd.Series
    hours: int
    name: str = "late"
    drivers: pd.DataFrame | None = None
    _lattice: _Lattice | None = field(default=None, repr=False, compare=False)

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        index = _hours(at, lookback_hours, horizon_hours)
        out = self.truth.reindex(index).astype(float)
        shifted = self.truth.reindex(index - self.hours * HOUR).to_numpy(float)
        future = index >= at
        out[future] = shifted[future]
        return out

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        index = _hours(at, lookback_hours, horizon_hours)
        out = _drivers_at(self.drivers, index)
        shifted = _drivers_at(self.drivers, index - self.hours * HOUR)
        if out is None or shifted is None:
            return out
        future = index >= at
        out.loc[future, :] = shifted.loc[future].to_numpy()
        return out

    def outlook_arrays(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> Outlook:
        # one slice from the earliest hour read (the shifted past) to the last one
        if self._lattice is None:
            self._lattice = shared_lattice(self.truth, self.drivers)
        late, hours = max(self.hours, 0), lookback_hours + horizon_hours
        if lookback_hours < 0 or late != self.hours:
            return outlook_arrays(_Plain(self), at, lookback_hours, horizon_hours)
        pos = self._lattice.position(at - (lookback_hours + late) * HOUR, hours + late)
        seen = self._lattice.outlook(pos + late, lookback_hours)  # observed up to ``at``
        ahead = self._lattice.outlook(pos + lookback_hours, horizon_hours)  # ``late`` h early
        whole = self._lattice.outlook(pos + late, hours)
        if seen.primary is None or ahead.primary is None or seen.pm_ratio is None \
                or ahead.pm_ratio is None:
            return Outlook(whole.times, np.concatenate((seen.values, ahead.values)))
        return Outlook(whole.times, np.concatenate((seen.values, ahead.values)),
                       np.concatenate((seen.primary, ahead.primary)),
                       np.concatenate((seen.pm_ratio, ahead.pm_ratio)))


class _Plain:
    """A model seen only through ``outlook`` and ``driver_outlook``."""

    def __init__(self, model: ForecastModel):
        self.model, self.name = model, model.name

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        return self.model.outlook(at, lookback_hours, horizon_hours)

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        return driver_outlook(self.model, at, lookback_hours, horizon_hours)


@dataclass
class TableForecast:
    """Replays issued forecasts: at ``at``, each valid hour takes its latest issue ≤ ``at``.

    ``table`` has columns ``issued_at``, ``valid_at``, ``daily_aqi`` (one city), and may have
    ``primary`` and ``pm_ratio`` (the forecast's 首要污染物, ``alerts.drivers``). Hours before
    ``at`` take ``observed`` (and ``drivers``, the observed drivers) where given and known.
    """

    table: pd.DataFrame
    observed: pd.Series | None = None
    name: str = "table"
    drivers: pd.DataFrame | None = None

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        index = _hours(at, lookback_hours, horizon_hours)
        issued = self.table[self.table["issued_at"] <= at].sort_values(["issued_at", "valid_at"])
        latest = issued.drop_duplicates("valid_at", keep="last").set_index("valid_at")
        out = latest["daily_aqi"].reindex(index).astype(float)
        if self.observed is not None:
            seen = self.observed.reindex(index)
            past = (index < at) & seen.notna().to_numpy()
            out[past] = seen[past]
        return out.rename("daily_aqi")

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        if "primary" not in self.table.columns:
            return None
        index = _hours(at, lookback_hours, horizon_hours)
        issued = self.table[self.table["issued_at"] <= at].sort_values(["issued_at", "valid_at"])
        latest = issued.drop_duplicates("valid_at", keep="last").set_index("valid_at")
        out = _drivers_at(latest[["primary", "pm_ratio"]], index)
        seen = _drivers_at(self.drivers, index)
        if out is not None and seen is not None:
            past = (index < at) & (seen["primary"] != "").to_numpy()
            out.loc[past, :] = seen.loc[past].to_numpy()
        return out


@dataclass
class ZoneForecast:
    """A zone's forecast made of its cities' (``alerts.region``, unified alerts): hour by hour
    the ``mean`` of the cities' known daily AQI, or the ``worst`` of them; NaN where no city
    knows. Its drivers are those of the most polluted city at each hour."""

    members: dict[str, ForecastModel]
    how: str = "mean"
    name: str = "zone"

    def _outlooks(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                  ) -> np.ndarray:
        return np.vstack([m.outlook(at, lookback_hours, horizon_hours).to_numpy(float)
                          for m in self.members.values()])

    def outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int) -> pd.Series:
        values = self._outlooks(at, lookback_hours, horizon_hours)
        known = ~np.isnan(values)
        count = known.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.how == "worst":
                out = np.where(count > 0, np.max(np.where(known, values, -np.inf), axis=0),
                               np.nan)
            else:
                out = np.where(count > 0, np.where(known, values, 0.0).sum(axis=0) / count,
                               np.nan)
        return pd.Series(out, index=_hours(at, lookback_hours, horizon_hours), name="daily_aqi")

    def driver_outlook(self, at: pd.Timestamp, lookback_hours: int, horizon_hours: int
                       ) -> pd.DataFrame | None:
        tables = [driver_outlook(m, at, lookback_hours, horizon_hours)
                  for m in self.members.values()]
        if any(t is None for t in tables):
            return None  # a city without drivers: the zone's cannot be told
        values = self._outlooks(at, lookback_hours, horizon_hours)
        top = np.argmax(np.where(np.isnan(values), -np.inf, values), axis=0)
        hours = np.arange(values.shape[1])
        primary = np.vstack([t["primary"].to_numpy(object) for t in tables if t is not None])
        ratio = np.vstack([t["pm_ratio"].to_numpy(float) for t in tables if t is not None])
        return pd.DataFrame({"primary": primary[top, hours], "pm_ratio": ratio[top, hours]},
                            index=_hours(at, lookback_hours, horizon_hours))


def parse_model(text: str) -> tuple[str, dict]:
    """Split a model name such as ``"late:24"`` or ``"noisy:bias=-0.1,sd=0.3"`` into parts.

    Raises ``ValueError`` with the accepted forms when ``text`` is not a model.

    >>> parse_model("late:24"), parse_model("noisy:sd=0.3")
    (('late', {'hours': 24}), ('noisy', {'sd_per_day': 0.3}))
    """
    name, _, args = str(text).strip().partition(":")
    expected = ("expected perfect, persistence, noisy[:bias=B,sd=S], late:<hours> "
                "or a forecast table file")
    if name in ("perfect", "persistence") and not args:
        return name, {}
    if name == "late":
        try:
            hours = int(args)
        except ValueError:
            raise ValueError(f"forecast model {text!r}: {expected}") from None
        if hours < 0:
            raise ValueError(f"forecast model {text!r}: late hours must be ≥ 0")
        return name, {"hours": hours}
    if name == "noisy":
        params = {}
        for part in filter(None, args.split(",")):
            key, _, value = part.partition("=")
            keys = {"bias": "bias_per_day", "sd": "sd_per_day"}
            try:
                params[keys[key.strip()]] = float(value)
            except (KeyError, ValueError):
                raise ValueError(f"forecast model {text!r}: {expected}") from None
        if params.get("sd_per_day", 0.0) < 0:
            raise ValueError(f"forecast model {text!r}: sd must be ≥ 0")
        return name, params
    raise ValueError(f"forecast model {text!r}: {expected}")


def make_model(text: str, truth: pd.Series, rng: np.random.Generator | None = None,
               drivers: pd.DataFrame | None = None) -> ForecastModel:
    """A forecast model by name over the hourly ``truth`` series (see ``parse_model``).

    ``noisy`` needs ``rng`` (the run's generator); the others ignore it. ``drivers``: what
    drives each hour's period (``alerts.drivers``), if known.
    """
    name, params = parse_model(text)
    if name == "perfect":
        return PerfectForecast(truth, drivers=drivers)
    if name == "persistence":
        return PersistenceForecast(truth, drivers=drivers)
    if name == "late":
        return LateForecast(truth, **params, drivers=drivers)
    if rng is None:
        raise ValueError("the noisy forecast model needs the run's random generator")
    return NoisyForecast(truth, rng, **params, drivers=drivers)


def forecast_models(truth: dict[str, pd.Series], model: str = "perfect",
                    rng: np.random.Generator | None = None,
                    table: pd.DataFrame | None = None,
                    drivers: dict[str, pd.DataFrame] | None = None) -> dict[str, ForecastModel]:
    """One forecast model per city, in city order (so seeded draws are reproducible).

    With a forecast ``table`` (columns issued_at, city, valid_at, daily_aqi; optionally
    primary, pm_ratio) every city in it replays its issued forecasts, with ``truth`` as the
    observed past where given; otherwise ``model`` is built over each city's ``truth``.
    ``drivers``: each city's observed drivers (``alerts.drivers.city_drivers``), if known.
    """
    drivers = drivers or {}
    if table is not None:
        columns = ["issued_at", "valid_at", "daily_aqi",
                   *(c for c in ("primary", "pm_ratio") if c in table.columns)]
        return {city: TableForecast(rows[columns], truth.get(city), drivers=drivers.get(city))
                for city, rows in sorted(table.groupby("city"), key=lambda kv: kv[0])}
    return {city: make_model(model, truth[city], rng, drivers.get(city))
            for city in sorted(truth)}
