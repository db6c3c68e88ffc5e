"""Who emits: inventory schema and loaders, industries, grades, measures, synthetic lists.

May import ``alerts.levels`` and nothing else of ``alerts``; never imports ``simulator``.
"""

from enterprises.errors import InventoryError, MeasureTableError, TableError
from enterprises.grades import GRADES, grade_rank, normalise_grade, worst_grade
from enterprises.industries import (
    INDUSTRIES,
    INDUSTRY_IDS,
    Industry,
    industry_by_id,
    parse_industry,
)
from enterprises.inventory import Inventory
from enterprises.io import load_inventory, write_inventory
from enterprises.measures import Measure, MeasureTable, required_cut
from enterprises.schema import COLUMNS, POLLUTANTS, Column
from enterprises.synthetic import CITY_PROFILES, synthesize

__all__ = [
    "CITY_PROFILES",
    "COLUMNS",
    "GRADES",
    "INDUSTRIES",
    "INDUSTRY_IDS",
    "POLLUTANTS",
    "Column",
    "Industry",
    "Inventory",
    "InventoryError",
    "Measure",
    "MeasureTable",
    "MeasureTableError",
    "TableError",
    "grade_rank",
    "industry_by_id",
    "load_inventory",
    "normalise_grade",
    "parse_industry",
    "required_cut",
    "synthesize",
    "worst_grade",
    "write_inventory",
]
