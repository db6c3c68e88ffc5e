"""Area sources outside the list — mobile, dust, residential, other — with their own measures.

Together with the emergency-reduction list they form the city-wide base (全社会排放总量,
sources.md §2) against which the 10/20/30 % target is checked. Each sector has a cut per alert
level (fraction of its emissions, all four pollutants alike); the defaults below are local
practice of sources.md §13.5 turned into fractions by assumption, and a scenario may override them
(``[area_sources.<sector>] cuts = { orange = 0.5 }``).

>>> default_cuts("construction")["orange"]
0.8
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from alerts.levels import Level

HOURS_PER_YEAR = 8760.0  # area sources spread evenly over the year — assumption, as for the list
MOBILE = "mobile"  # the sector holding on-road engines, the truck gate's trucks among them


@dataclass(frozen=True)
class AreaSector:
    """A sector: Chinese name, default cut per level id, and where the numbers come from."""

    id: str
    zh: str
    cuts: Mapping[str, float]
    source: str


SECTORS: dict[str, AreaSector] = {s.id: s for s in (
    AreaSector("mobile", "移动源", {"yellow": 0.05, "orange": 0.10, "red": 0.20},
               "assumption from sources.md §13.5: yellow bars 国IV diesel trucks from the centre "
               "(Zhengzhou 2024); orange stops muck haulage and old non-road machinery; red adds "
               "car plate restrictions (Beijing, Shijiazhuang)"),
    AreaSector("construction", "施工扬尘", {"yellow": 0.5, "orange": 0.8, "red": 0.95},
               "assumption from sources.md §13.5: yellow stops demolition and earthwork "
               "(Zhengzhou 2021); orange stops earthwork and outdoor spraying on all sites "
               "(Zhengzhou 2024); red stops all sites but a named list (Zhengzhou 2021)"),
    AreaSector("road_dust", "道路扬尘", {"yellow": 0.1, "orange": 0.2, "red": 0.3},
               "assumption: more sweeping and watering, muck trucks off the road (sources.md "
               "§13.5); traffic keeps raising dust"),
    AreaSector("dust", "扬尘", {"yellow": 0.3, "orange": 0.5, "red": 0.7},
               "assumption: construction and road dust together (sources.md §13.5), earthworks "
               "stop at orange"),
    AreaSector("residential", "居民生活", {},
               "assumption: household heating and cooking are livelihood needs (sources.md §6); "
               "no cut"),
    AreaSector("other", "其他", {},
               "assumption: small emitters outside the list are in principle not curtailed "
               "(sources.md §2, Zhengzhou 2023)"),
)}


def default_cuts(sector: str) -> dict[str, float]:
    """The default cut per level id of a known sector; an unknown sector has none."""
    found = SECTORS.get(sector)
    return dict(found.cuts) if found else {}


@dataclass(frozen=True)
class AreaSource:
    """One sector of one city: annual emissions (t/a, ``POLLUTANTS`` order) and its cuts."""

    sector: str
    emissions: tuple[float, float, float, float]
    cuts: Mapping[str, float] = field(default_factory=dict)


def area_rates(sources: tuple[AreaSource, ...] | list[AreaSource]) -> np.ndarray:
    """Total area emission rate, t/h, shape (4,)."""
    total = np.array([s.emissions for s in sources], dtype=float).reshape(-1, 4).sum(axis=0)
    return total / HOURS_PER_YEAR


def area_cut_fractions(sources: tuple[AreaSource, ...] | list[AreaSource]) -> np.ndarray:
    """Cut of the total area rate at each level, shape (len(Level), 4), fractions in [0, 1].

    Row ``Level.X`` holds, per pollutant, Σ sector emissions × sector cut ÷ Σ sector emissions.
    """
    out = np.zeros((len(Level), 4))
    emissions = np.array([s.emissions for s in sources], dtype=float).reshape(-1, 4)
    total = emissions.sum(axis=0)
    for level in Level:
        cuts = np.array([float(s.cuts.get(level.id, 0.0)) for s in sources])
        cut_t = (emissions * cuts[:, None]).sum(axis=0)
        out[level] = np.divide(cut_t, total, out=np.zeros(4), where=total > 0)
    return out
