"""``Inventory``: the enterprise list as a struct of numpy arrays, one row per enterprise.

Production lines are a second, ragged level: ``line_owner`` maps each of the L lines to its
enterprise, ``line_capacity`` and ``line_emissions`` are the line's shares of the enterprise's
capacity and emissions (each sums to 1 per enterprise). An enterprise with ``lines == 1`` has
one line holding everything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, DTypeLike

from enterprises.exemptions import LIVELIHOOD, NONE
from enterprises.industries import INDUSTRY_IDS, industry_by_id
from enterprises.own_measures import own_measure_arrays
from enterprises.schema import (
    CAPACITY_COLUMNS,
    COLUMNS,
    EMISSION_COLUMNS,
    MEASURE_TEXT_COLUMNS,
    POLLUTANTS,
    flag_value,
)

# assumption: a non-leap year; annual emissions are spread over every hour of it.
HOURS_PER_YEAR = 8760.0
SHARE_SEPARATOR = ";"

GROUP_COLUMNS: tuple[str, ...] = ("city", "county", "industry", "grade")
_TEXT_FIELDS = ("ids", "names", "cities", "counties", "industries", "grades", "exemptions",
                "industry_grades", "processes")
MEASURE_LEVELS = ("yellow", "orange", "red")  # columns of own_text, own_basis, line_overrides
_FIELD_OF_COLUMN = {
    "id": "ids",
    "name": "names",
    "city": "cities",
    "county": "counties",
    "industry": "industries",
    "grade": "grades",
}
_PLAIN_COLUMNS = ("operating_hours", "livelihood", "lines", "guaranteed_load",
                  "online_monitoring", "industry_grades", *CAPACITY_COLUMNS, "output_value",
                  "trucks_per_day", "lon", "lat")
_LINE_FIELDS = ("line_capacity", "line_emissions", "line_names", "line_overrides")


@dataclass(frozen=True, eq=False, init=False)
class Inventory:
    """Enterprises as parallel arrays of length n; arrays are made read-only.

    ``emissions`` is float64 of shape (n, 4), t/a, columns in ``POLLUTANTS`` order
    (SO2, NOx, PM, VOCs). ``operating_hours`` is h/a, ``livelihood`` marks 民生保障
    enterprises (sources.md §6), ``lines`` counts production lines. Fields after ``lines`` are
    optional (None takes the schema default): ``exemptions`` (class ids of
    ``enterprises.exemptions``), ``guaranteed_load`` (fraction), ``online_monitoring``,
    ``industry_grades`` (text such as "cement:B;glass:C"), ``processes`` (process ids, empty →
    the industry's), the three capacities of the curtailment base (product/a, NaN = not given),
    ``output_value`` (万元/d at full production), ``trucks_per_day``, ``overrides`` (n, 3) cuts
    at yellow/orange/red (NaN = catalogue), and per line ``line_capacity``/``line_emissions``
    shares of length ``lines.sum()`` (None = equal lines, emissions as capacity).
    The plant's own measures as written in the list (``enterprises.own_measures``):
    ``own_text`` (n, 3) the text per level ("" = none), ``own_basis`` (n, 3) what it reads as
    ("" = unread or none: the catalogue applies), ``line_overrides`` (L, 3) each line's own
    production cut per level (NaN = the catalogue); ``line_names`` (L,) the lines' names;
    ``key_vehicle_user`` (n,) the list's 重点用车企业 flag (sources.md §5), and
    ``key_vehicle_stated`` (n,) whether the list says it either way (a yes/no mark, or own
    measures naming the truck ban); where it does not, the truck gate decides by industry, then
    trips (``enterprises.transport.key_users``). Default: stated where flagged.
    ``lon``/``lat`` (n,) the plant's coordinates in degrees as the list gives them (its own
    datum; NaN = not given, the plant is drawn in its county).
    After construction every field is an array (the defaults filled in), and ``line_owner``
    (L,), derived from ``lines``, gives each line's enterprise.
    Use ``equals`` for comparison (``==`` is identity).
    """

    ids: np.ndarray
    names: np.ndarray
    cities: np.ndarray
    counties: np.ndarray
    industries: np.ndarray
    grades: np.ndarray
    emissions: np.ndarray
    operating_hours: np.ndarray
    livelihood: np.ndarray
    lines: np.ndarray
    exemptions: np.ndarray
    guaranteed_load: np.ndarray
    online_monitoring: np.ndarray
    industry_grades: np.ndarray
    processes: np.ndarray
    capacity_eia: np.ndarray
    capacity_permit: np.ndarray
    output_last_year: np.ndarray
    output_value: np.ndarray
    trucks_per_day: np.ndarray
    overrides: np.ndarray
    line_capacity: np.ndarray
    line_emissions: np.ndarray
    key_vehicle_user: np.ndarray
    key_vehicle_stated: np.ndarray
    own_text: np.ndarray
    own_basis: np.ndarray
    line_names: np.ndarray
    line_overrides: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    # derived, not a constructor argument: the enterprise of each line, shape (L,)
    line_owner: np.ndarray = field(init=False, repr=False)

    def __init__(
        self,
        ids: ArrayLike,
        names: ArrayLike,
        cities: ArrayLike,
        counties: ArrayLike,
        industries: ArrayLike,
        grades: ArrayLike,
        emissions: ArrayLike,
        operating_hours: ArrayLike,
        livelihood: ArrayLike,
        lines: ArrayLike,
        exemptions: ArrayLike | None = None,
        guaranteed_load: ArrayLike | None = None,
        online_monitoring: ArrayLike | None = None,
        industry_grades: ArrayLike | None = None,
        processes: ArrayLike | None = None,
        capacity_eia: ArrayLike | None = None,
        capacity_permit: ArrayLike | None = None,
        output_last_year: ArrayLike | None = None,
        output_value: ArrayLike | None = None,
        trucks_per_day: ArrayLike | None = None,
        overrides: ArrayLike | None = None,
        line_capacity: ArrayLike | None = None,
        line_emissions: ArrayLike | None = None,
        key_vehicle_user: ArrayLike | None = None,
        key_vehicle_stated: ArrayLike | None = None,
        own_text: ArrayLike | None = None,
        own_basis: ArrayLike | None = None,
        line_names: ArrayLike | None = None,
        line_overrides: ArrayLike | None = None,
        lon: ArrayLike | None = None,
        lat: ArrayLike | None = None,
    ) -> None:
        raw: dict[str, ArrayLike | None] = {
            "ids": ids, "names": names, "cities": cities, "counties": counties,
            "industries": industries, "grades": grades, "emissions": emissions,
            "operating_hours": operating_hours, "livelihood": livelihood, "lines": lines,
            "exemptions": exemptions, "guaranteed_load": guaranteed_load,
            "online_monitoring": online_monitoring, "industry_grades": industry_grades,
            "processes": processes, "capacity_eia": capacity_eia,
            "capacity_permit": capacity_permit, "output_last_year": output_last_year,
            "output_value": output_value, "trucks_per_day": trucks_per_day,
            "overrides": overrides, "key_vehicle_user": key_vehicle_user,
            "key_vehicle_stated": key_vehicle_stated, "own_text": own_text, "own_basis": own_basis,
            "lon": lon, "lat": lat,
        }
        n = len(np.asarray(ids))
        a = _enterprise_arrays(raw, n)
        for name, arr in a.items():
            if arr.shape[0] != n or (name not in _WIDE and arr.ndim != 1):
                raise ValueError(f"Inventory.{name} has shape {arr.shape}; expected {n} rows")
        if (a["lines"] < 1).any():
            raise ValueError("Inventory.lines must be ≥ 1 for every enterprise")
        if not np.array_equal(a["exemptions"] == LIVELIHOOD, a["livelihood"]):
            raise ValueError("Inventory.livelihood must be true exactly where exemption is "
                             "livelihood")
        owner = np.repeat(np.arange(n), a["lines"])
        a["line_capacity"] = _shares(line_capacity, owner, a["lines"], "line_capacity")
        a["line_emissions"] = (a["line_capacity"].copy() if line_emissions is None else
                               _shares(line_emissions, owner, a["lines"], "line_emissions"))
        a["line_names"] = _line_array(line_names, len(owner), "", object, "line_names")
        a["line_overrides"] = _line_array(line_overrides, len(owner), math.nan,
                                          np.float64, "line_overrides", width=3)
        a["line_owner"] = owner
        for name, arr in a.items():
            arr.flags.writeable = False  # shared by runs; a change must make a new Inventory
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def located(self) -> np.ndarray:
        """(n,) True where the list gives the plant's coordinates."""
        return np.isfinite(self.lon) & np.isfinite(self.lat)

    @property
    def n_lines(self) -> int:
        return len(self.line_owner)

    # -- conversion --------------------------------------------------------------------------

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Inventory:
        """Build from a validated frame with the English column ids of the schema.

        Optional columns that are absent take their schema default. ``line_capacity`` and
        ``line_emissions`` cells may be text ("0.6;0.4") or sequences of numbers.
        """
        n = len(df)
        cols = {
            c.id: (df[c.id].to_numpy() if c.id in df else np.full(n, c.default, dtype=object))
            for c in COLUMNS
        }
        lines = np.asarray(cols["lines"], dtype=np.int64)
        if "livelihood" not in df and "exemption" in df:  # one implies the other
            cols["livelihood"] = np.asarray(cols["exemption"] == LIVELIHOOD, dtype=bool)
        if "exemption" not in df:
            cols["exemption"] = None
        capacity = _ragged(cols["line_capacity"], lines)
        flag = np.array([flag_value(v) for v in cols["key_vehicle_user"]] if "key_vehicle_user"
                        in df else [None] * n, dtype=object)  # True, False, None: nothing said
        cols["key_vehicle_user"] = flag == True  # noqa: E712 (elementwise)
        own = own_measure_arrays(cols, lines)  # also key_vehicle_user and guaranteed_load
        stated = np.array([v is not None for v in flag], dtype=bool) | own["key_vehicle_user"]
        return cls(
            **{field: cols[col] for col, field in _FIELD_OF_COLUMN.items()},
            emissions=np.column_stack([cols[c] for c in EMISSION_COLUMNS]).astype(np.float64),
            operating_hours=cols["operating_hours"],
            livelihood=cols["livelihood"],
            lines=lines,
            exemptions=cols["exemption"],
            online_monitoring=cols["online_monitoring"],
            industry_grades=cols["industry_grades"],
            processes=cols["process"],
            **{c: np.asarray(cols[c], dtype=np.float64) for c in CAPACITY_COLUMNS},
            output_value=cols["output_value"],
            trucks_per_day=cols["trucks_per_day"],
            overrides=np.column_stack([np.asarray(cols[c], dtype=np.float64) for c in
                                       ("override_yellow", "override_orange", "override_red")]),
            line_capacity=capacity,
            line_emissions=_ragged(cols["line_emissions"], lines, fallback=capacity),
            key_vehicle_stated=stated,
            lon=np.asarray(cols["lon"], dtype=np.float64),
            lat=np.asarray(cols["lat"], dtype=np.float64),
            **own,
        )

    def to_frame(self) -> pd.DataFrame:
        """A frame with the schema's English column ids, in schema order.

        Line shares are written as text ("0.6;0.4"), empty where lines are equal (capacity) or
        follow capacity (emissions).
        """
        data = {col: getattr(self, field) for col, field in _FIELD_OF_COLUMN.items()}
        data |= {c: self.emissions[:, j] for j, c in enumerate(EMISSION_COLUMNS)}
        data |= {c: getattr(self, c) for c in _PLAIN_COLUMNS}
        data["exemption"] = self.exemptions
        data["process"] = self.processes
        equal = np.repeat(1.0 / self.lines, self.lines)
        data["line_capacity"] = self._line_text(self.line_capacity, equal)
        data["line_emissions"] = self._line_text(self.line_emissions, self.line_capacity)
        for j, c in enumerate(("override_yellow", "override_orange", "override_red")):
            data[c] = self.overrides[:, j]
        # "" where the list says nothing, so that reading the file back leaves it unsaid
        data["key_vehicle_user"] = np.where(
            self.key_vehicle_stated, np.where(self.key_vehicle_user, "true", "false"), "")
        data["line_name"] = self._joined_line_names()
        for j, c in enumerate(MEASURE_TEXT_COLUMNS):
            data[c] = self.own_text[:, j]
        return pd.DataFrame({c.id: np.array(data[c.id]) for c in COLUMNS})

    def _joined_line_names(self) -> np.ndarray:
        """Per enterprise: its lines' names joined by ; ("" when no line is named)."""
        starts = _line_starts(self.lines)
        out = np.full(len(self), "", dtype=object)
        # only the enterprises with a named line are joined: most lists name none
        for i in np.unique(self.line_owner[self.line_names != ""]):
            start, k = starts[i], self.lines[i]
            out[i] = SHARE_SEPARATOR.join(str(x) for x in self.line_names[start:start + k])
        return out

    def _line_text(self, shares: np.ndarray, plain: np.ndarray) -> np.ndarray:
        """Per enterprise: "" where ``shares`` equal ``plain``, else the shares joined by ;."""
        same = np.ones(len(self), dtype=bool)
        np.logical_and.at(same, self.line_owner, shares == plain)
        text = np.full(len(self), "", dtype=object)
        starts = _line_starts(self.lines)
        for i in np.flatnonzero(~same):
            part = shares[starts[i]:starts[i] + self.lines[i]]
            text[i] = SHARE_SEPARATOR.join(repr(float(v)) for v in part)
        return text

    @classmethod
    def concat(cls, parts: Sequence[Inventory]) -> Inventory:
        """One inventory holding ``parts`` in order (ids must stay unique across them)."""
        if not parts:
            raise ValueError("Inventory.concat needs at least one inventory")
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls) if f.init})

    def subset(self, mask: np.ndarray | Sequence[int] | Sequence[bool]) -> Inventory:
        """The enterprises selected by a boolean mask or an integer index array."""
        sel = np.asarray(mask)
        index = np.flatnonzero(sel) if sel.dtype == bool else sel.astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(self.lines)[:-1]]).astype(np.int64)
        counts = self.lines[index]
        first = np.repeat(starts[index] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        line_index = (first + np.arange(counts.sum())).astype(np.int64)
        kept = {f.name: getattr(self, f.name)[index] for f in fields(self)
                if f.init and f.name not in _LINE_FIELDS}
        return Inventory(**kept, **{f: getattr(self, f)[line_index] for f in _LINE_FIELDS})

    def equals(self, other: Inventory) -> bool:
        """True if every array is equal (same order, same values; NaN equals NaN)."""
        def same(a, b):
            if a.dtype.kind == "f" and b.dtype.kind == "f":
                return np.array_equal(a, b, equal_nan=True)
            return np.array_equal(a, b)

        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    # -- derived quantities ------------------------------------------------------------------

    def hourly_rates(self) -> np.ndarray:
        """Mean emission rate, t/h, shape (n, 4): annual t/a ÷ 8760 h.

        Assumption: emissions are spread evenly over the year's hours. Operating hours change
        the rate while a plant is running (annual ÷ operating hours) but not this annual mean,
        which is what a cut is applied to when the plant's running schedule is unknown.
        """
        return self.emissions / HOURS_PER_YEAR

    def line_hourly_rates(self) -> np.ndarray:
        """Mean emission rate per production line, t/h, shape (L, 4)."""
        return self.hourly_rates()[self.line_owner] * self.line_emissions[:, None]

    def line_output_value(self) -> np.ndarray:
        """Output value per production line at full production, 万元/d, shape (L,)."""
        return self.output_value[self.line_owner] * self.line_capacity

    def base_ratio(self) -> np.ndarray:
        """Curtailment base ÷ normal output, shape (n,), in (0, 1].

        The curtailment base is min(EIA capacity, permit capacity, previous-year output) of
        those given (sources.md §4.3, §4.4). The list's emissions are taken to correspond to the
        previous-year output (assumption); without it the ratio is 1.
        """
        base = np.fmin(np.fmin(self.capacity_eia, self.capacity_permit), self.output_last_year)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = base / self.output_last_year
        return np.where(np.isfinite(ratio) & (self.output_last_year > 0),
                        np.clip(ratio, 0.0, 1.0), 1.0)

    def base_by(self, column: str | Sequence[str]) -> pd.DataFrame:
        """Annual emissions, t/a, summed by city, county, industry and/or grade.

        Returns one row per group (sorted) and one column per pollutant (``POLLUTANTS``).
        """
        keys = [column] if isinstance(column, str) else list(column)
        unknown = [k for k in keys if k not in GROUP_COLUMNS]
        if unknown:
            raise ValueError(f"cannot group by {unknown}; expected some of {GROUP_COLUMNS}")
        frame = pd.DataFrame(self.emissions, columns=list(POLLUTANTS))
        for k in keys:
            frame[k] = getattr(self, _FIELD_OF_COLUMN[k])
        return frame.groupby(keys, sort=True)[list(POLLUTANTS)].sum()


def _enterprise_arrays(raw: Mapping[str, ArrayLike | None], n: int) -> dict[str, np.ndarray]:
    """Copies of the enterprise-level arrays with defaults filled in (never the caller's)."""
    def given(name: str, dtype: DTypeLike, default: object) -> np.ndarray:
        value = raw[name]
        return np.full(n, default, dtype=dtype) if value is None else np.array(value, dtype)

    a = {name: given(name, object, "") for name in _TEXT_FIELDS}
    a["emissions"] = np.array(raw["emissions"], dtype=np.float64).reshape(-1, 4)
    a["operating_hours"] = np.array(raw["operating_hours"], dtype=np.float64)
    a["livelihood"] = np.array(raw["livelihood"], dtype=bool)
    a["lines"] = np.array(raw["lines"], dtype=np.int64)
    if raw["exemptions"] is None and len(a["livelihood"]) == n:
        a["exemptions"] = np.where(a["livelihood"], LIVELIHOOD, NONE).astype(object)
    if raw["processes"] is None or (a["processes"] == "").any():
        default = np.array([industry_by_id(i).process if i in _KNOWN else "instant"
                            for i in a["industries"]], dtype=object).reshape(-1)
        a["processes"] = np.where(a["processes"] == "", default, a["processes"])
    a["guaranteed_load"] = given("guaranteed_load", np.float64, 1.0)
    a["online_monitoring"] = given("online_monitoring", bool, False)
    for name in CAPACITY_COLUMNS:
        a[name] = given(name, np.float64, math.nan)
    a["output_value"] = given("output_value", np.float64, 0.0)
    a["trucks_per_day"] = given("trucks_per_day", np.float64, 0.0)
    a["lon"] = given("lon", np.float64, math.nan)
    a["lat"] = given("lat", np.float64, math.nan)
    a["overrides"] = (np.full((n, 3), math.nan) if raw["overrides"] is None
                      else np.array(raw["overrides"], dtype=np.float64).reshape(-1, 3))
    a["key_vehicle_user"] = given("key_vehicle_user", bool, False)
    a["key_vehicle_stated"] = (a["key_vehicle_user"].copy() if raw["key_vehicle_stated"] is None
                               else np.array(raw["key_vehicle_stated"], dtype=bool))
    for name in ("own_text", "own_basis"):
        value = raw[name]
        a[name] = (np.full((n, 3), "", dtype=object) if value is None
                   else np.array(value, dtype=object).reshape(-1, 3))
    return a


_KNOWN = frozenset(INDUSTRY_IDS)
_WIDE = frozenset({"emissions", "overrides", "own_text", "own_basis"})


def _line_array(values, n_lines: int, fill, dtype, name: str, width: int = 0) -> np.ndarray:
    """A per-line array (width 0: one value per line, else ``width`` columns), filled when
    None."""
    shape = (n_lines, width) if width else (n_lines,)
    if values is None:
        return np.full(shape, fill, dtype=dtype)
    arr = np.array(values, dtype=dtype).reshape((-1, width) if width else (-1,))
    unset = (np.isnan(arr) if dtype is np.float64 else arr == fill).all()
    if arr.shape[0] != n_lines and unset:  # lines redrawn (dataclasses.replace): nothing lost
        return np.full(shape, fill, dtype=dtype)
    if arr.shape[0] != n_lines:
        raise ValueError(f"Inventory.{name} has {arr.shape[0]} lines; expected {n_lines} (the "
                         "sum of lines)")
    return arr


def _line_starts(lines: np.ndarray) -> np.ndarray:
    """Index of each enterprise's first line in the per-line arrays, (n,)."""
    if len(lines) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(lines)[:-1]]).astype(np.int64)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _ragged(cells: Sequence[object] | np.ndarray, lines: np.ndarray,
            fallback: np.ndarray | None = None) -> np.ndarray | None:
    """Concatenate per-enterprise share cells (text "a;b" or sequences).

    A blank cell takes the enterprise's slice of ``fallback`` (None: equal lines); all blank
    gives ``fallback`` itself.
    """
    empty = isinstance(cells, np.ndarray) and cells.dtype == object and (cells == "").all()
    if empty or all(_blank(v) for v in cells):  # (the first test: a whole column of "")
        return fallback
    if fallback is None:
        fallback = np.repeat(1.0 / lines, lines)
    starts = np.concatenate([[0], np.cumsum(lines)[:-1]]).astype(np.int64)
    parts = []
    for cell, k, start in zip(cells, lines, starts, strict=True):
        if _blank(cell):
            parts.append(fallback[start:start + k])
        elif isinstance(cell, str):
            parts.append(np.array([float(x) for x in cell.split(SHARE_SEPARATOR)]))
        else:
            parts.append(np.asarray(cell, dtype=np.float64))
    return np.concatenate(parts) if parts else np.zeros(0)


def _shares(values, owner: np.ndarray, lines: np.ndarray, name: str) -> np.ndarray:
    """Per-line shares normalised to sum 1 per enterprise (left alone if already within 1e-9)."""
    if values is None:
        return np.repeat(1.0 / lines, lines).astype(np.float64)
    shares = np.array(values, dtype=np.float64).reshape(-1)
    if shares.shape[0] != len(owner):
        raise ValueError(f"Inventory.{name} has {shares.shape[0]} lines; expected "
                         f"{len(owner)} (the sum of lines)")
    if (shares < 0).any() or not np.isfinite(shares).all():
        raise ValueError(f"Inventory.{name} must hold finite shares ≥ 0")
    total = np.bincount(owner, weights=shares, minlength=len(lines))
    if (total <= 0).any():
        raise ValueError(f"Inventory.{name} must sum to more than 0 for every enterprise")
    scale = np.where(np.abs(total - 1.0) <= 1e-9, 1.0, total)
    return shares / scale[owner]
