"""``Inventory``: the enterprise list as a struct of numpy arrays, one row per enterprise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from enterprises.schema import COLUMNS, EMISSION_COLUMNS, POLLUTANTS

# assumption: a non-leap year; annual emissions are spread over every hour of it.
HOURS_PER_YEAR = 8760.0

GROUP_COLUMNS: tuple[str, ...] = ("city", "county", "industry", "grade")
_TEXT_FIELDS = ("ids", "names", "cities", "counties", "industries", "grades")
_FIELD_OF_COLUMN = {
    "id": "ids",
    "name": "names",
    "city": "cities",
    "county": "counties",
    "industry": "industries",
    "grade": "grades",
}


@dataclass(frozen=True, eq=False)
class Inventory:
    """Enterprises as parallel arrays of length n; arrays are made read-only.

    ``emissions`` is float64 of shape (n, 4), t/a, columns in ``POLLUTANTS`` order
    (SO2, NOx, PM, VOCs). ``operating_hours`` is h/a, ``livelihood`` marks 民生保障
    enterprises (rules.md §6), ``lines`` counts production lines.
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

    def __post_init__(self) -> None:
        # Copies, so that freezing never touches a caller's array or a DataFrame's block.
        arrays = {name: np.array(getattr(self, name), dtype=object) for name in _TEXT_FIELDS}
        arrays["emissions"] = np.array(self.emissions, dtype=np.float64).reshape(-1, 4)
        arrays["operating_hours"] = np.array(self.operating_hours, dtype=np.float64)
        arrays["livelihood"] = np.array(self.livelihood, dtype=bool)
        arrays["lines"] = np.array(self.lines, dtype=np.int64)
        n = len(arrays["ids"])
        for name, arr in arrays.items():
            if arr.shape[0] != n or (name != "emissions" and arr.ndim != 1):
                raise ValueError(f"Inventory.{name} has shape {arr.shape}; expected {n} rows")
            arr.flags.writeable = False  # shared by runs; a change must make a new Inventory
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Inventory:
        """Build from a validated frame with the English column ids of the schema.

        Optional columns that are absent take their schema default.
        """
        n = len(df)
        cols = {
            c.id: (df[c.id].to_numpy() if c.id in df else np.full(n, c.default))
            for c in COLUMNS
        }
        return cls(
            **{field: cols[col] for col, field in _FIELD_OF_COLUMN.items()},
            emissions=np.column_stack([cols[c] for c in EMISSION_COLUMNS]),
            operating_hours=cols["operating_hours"],
            livelihood=cols["livelihood"],
            lines=cols["lines"],
        )

    def to_frame(self) -> pd.DataFrame:
        """A frame with the schema's English column ids, in schema order."""
        data = {col: getattr(self, field) for col, field in _FIELD_OF_COLUMN.items()}
        data |= {c: self.emissions[:, j] for j, c in enumerate(EMISSION_COLUMNS)}
        data |= {
            "operating_hours": self.operating_hours,
            "livelihood": self.livelihood,
            "lines": self.lines,
        }
        return pd.DataFrame({k: np.array(v) for k, v in data.items()})

    def subset(self, mask: np.ndarray | Sequence[int] | Sequence[bool]) -> Inventory:
        """The enterprises selected by a boolean mask or an integer index array."""
        sel = np.asarray(mask)
        return Inventory(**{f.name: getattr(self, f.name)[sel] for f in fields(self)})

    def equals(self, other: Inventory) -> bool:
        """True if every array is equal (same order, same values)."""
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
        )

    def hourly_rates(self) -> np.ndarray:
        """Mean emission rate, t/h, shape (n, 4): annual t/a ÷ 8760 h.

        Assumption: emissions are spread evenly over the year's hours. Operating hours change
        the rate while a plant is running (annual ÷ operating hours) but not this annual mean,
        which is what a cut is applied to when the plant's running schedule is unknown.
        """
        return self.emissions / HOURS_PER_YEAR

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
