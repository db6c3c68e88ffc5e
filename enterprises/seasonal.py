"""Seasonal production control (秋冬季错峰生产): a schedule layer beneath the alerts.

Between ``start`` and ``end`` (half-open) enterprises of the listed industries cut production by
grade whether or not an alert is on; during an alert the stricter of the seasonal and the alert
requirement applies (``enterprises.response.stricter``). Defaults (sources.md §6, Jinzhong 2020–21,
and §13.3, Shanxi 2021–22): D stops; C and 非引领性 stagger production; A, B, B-, 引领性 are
not included. Staggering is done by stopping lines or main processes (§13.3); its share is an
assumption (50 %, by production line). Exempt classes are left out (assumption: they produce to
their task, sources.md §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alerts.levels import Level
from enterprises.exemptions import NONE
from enterprises.inventory import Inventory
from enterprises.measures import BASES, BASIS_CODE
from enterprises.response import Response, _by_line

# sources.md §13.3: Shanxi 2021–22 seasonal list (steel, coke, alumina, electrolytic Al, foundry,
# coal-based N fertiliser, carbon black, brick, refractories, ceramics, lime, cement).
SEASONAL_INDUSTRIES: tuple[str, ...] = (
    "steel_integrated", "steel_eaf", "coking", "alumina", "electrolytic_aluminium", "foundry",
    "coal_nitrogen_fertiliser", "carbon_black", "brick_tile", "refractories", "ceramics",
    "lime_kiln", "cement",
)
# sources.md §6 (Jinzhong 2020–21): D stops; C and 非引领性 stagger (assumption: 50 % by line).
SEASONAL_CUTS: dict[str, float] = {"D": 1.0, "C": 0.5, "非引领性": 0.5}


@dataclass(frozen=True)
class SeasonalControl:
    """One season of staggered production: ``[start, end)``, industries, cut per grade."""

    start: pd.Timestamp
    end: pd.Timestamp
    industries: tuple[str, ...] = SEASONAL_INDUSTRIES
    cuts: Mapping[str, float] = field(default_factory=lambda: dict(SEASONAL_CUTS))

    def response(self, inventory: Inventory) -> Response:
        """The seasonal requirement for every enterprise and line (level NONE)."""
        inv = inventory
        in_scope = np.isin(inv.industries, list(self.industries)) & (inv.exemptions == NONE)
        per_grade = np.array([float(self.cuts.get(g, 0.0)) for g in inv.grades], dtype=float)
        cut = np.where(in_scope, per_grade, 0.0)
        basis = np.select([cut >= 1.0, cut > 0.0],
                          [BASIS_CODE["stop"], BASIS_CODE["stop_by_line"]], BASIS_CODE["none"])
        names = np.array(BASES, dtype=object)[basis]
        rule = ("seasonal/" + inv.industries + "/" + inv.grades).astype(object)
        line_cut, line_ecut = _by_line(inv, cut, cut.copy(), names)
        return Response(Level.NONE, cut, cut.copy(), names, rule, np.zeros(len(inv), bool),
                        line_cut, line_ecut)
