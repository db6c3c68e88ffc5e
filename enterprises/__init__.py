"""Who emits: inventory schema and loaders, industries, grades, measures, exemption classes,
production lines and ramps, area sources, seasonal control, synthetic lists.

May import ``alerts.levels`` and nothing else of ``alerts``; never imports ``simulator``.
"""

from enterprises.area import SECTORS, AreaSource, area_cut_fractions, default_cuts
from enterprises.errors import InventoryError, MeasureTableError, TableError
from enterprises.exemptions import EXEMPTIONS, parse_exemption
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
from enterprises.processes import PROCESSES, process
from enterprises.response import Response, respond
from enterprises.schema import COLUMNS, POLLUTANTS, Column, schema_markdown
from enterprises.seasonal import SeasonalControl
from enterprises.synthetic import CITY_PROFILES, synthesize, synthesize_cities

__all__ = [
    "CITY_PROFILES",
    "COLUMNS",
    "EXEMPTIONS",
    "GRADES",
    "INDUSTRIES",
    "INDUSTRY_IDS",
    "POLLUTANTS",
    "PROCESSES",
    "SECTORS",
    "AreaSource",
    "Column",
    "Industry",
    "Inventory",
    "InventoryError",
    "Measure",
    "MeasureTable",
    "MeasureTableError",
    "Response",
    "SeasonalControl",
    "TableError",
    "area_cut_fractions",
    "default_cuts",
    "grade_rank",
    "industry_by_id",
    "load_inventory",
    "normalise_grade",
    "parse_exemption",
    "parse_industry",
    "process",
    "required_cut",
    "respond",
    "schema_markdown",
    "synthesize",
    "synthesize_cities",
    "worst_grade",
    "write_inventory",
]
