"""The 39 key industries of the 2020 technical guide, plus "other" (一厂一策), as data.

Names and order follow the table of contents in sources.md §4.2 (May-2020 consultation draft; the
final names are [UNCERTAIN] there). The six families are named in §4.2; which industry belongs to
which family is read from the table-of-contents order (assumption).

>>> parse_industry("水泥").id
'cement'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    """One industry: English id used in files, Chinese name as a bureau writes it, family.

    ``grade_set`` keys ``enterprises.grades.GRADE_SETS``; ``process`` keys
    ``enterprises.processes.PROCESSES`` (its ramp-down and ramp-up times).
    """

    id: str
    zh: str
    family: str
    grade_set: str = "A-D"
    process: str = "instant"


# Families of sources.md §4.2; "other" holds non-key industries handled 一厂一策
# (sources.md §6, §13.4).
FAMILIES: tuple[str, ...] = (
    "ferrous",
    "non_ferrous",
    "building_materials",
    "chemicals",
    "light_industry",
    "coating",
    "other",
)

# Grade sets (sources.md §4.1, §11): which industries use A/B/C only or 引领性/非引领性 is
# [NOT FOUND] in sources.md §4.2. Assumptions: the 39 key industries use A-D (with A+ and B-);
# 防水建筑材料 and 制鞋, the simplest processes, use A-C (§11: "simple equipment and processes");
# "other" (non-key, 一厂一策) uses 引领性/非引领性 as in Henan's practice (§14: 467 引领性 firms).
# Processes: continuous units that cannot stop at short notice (sources.md §4.4, §6).
INDUSTRIES: tuple[Industry, ...] = (
    Industry("steel_integrated", "长流程联合钢铁", "ferrous", process="blast_furnace"),
    Industry("steel_eaf", "短流程钢铁", "ferrous"),
    Industry("ferroalloy", "铁合金", "ferrous"),
    Industry("coking", "焦化", "ferrous", process="coke_oven"),
    Industry("lime_kiln", "石灰窑", "ferrous", process="lime_kiln"),
    Industry("foundry", "铸造", "ferrous"),
    Industry("alumina", "氧化铝", "non_ferrous"),
    Industry("electrolytic_aluminium", "电解铝", "non_ferrous"),
    Industry("carbon", "炭素", "non_ferrous"),
    Industry("copper_smelting", "铜冶炼", "non_ferrous"),
    Industry("lead_zinc_smelting", "铅锌冶炼", "non_ferrous"),
    Industry("molybdenum_smelting", "钼冶炼", "non_ferrous"),
    Industry("secondary_nonferrous", "再生铜铝铅锌", "non_ferrous"),
    Industry("nonferrous_rolling", "有色金属压延", "non_ferrous"),
    Industry("cement", "水泥", "building_materials"),
    Industry("brick_tile", "砖瓦窑", "building_materials"),
    Industry("ceramics", "陶瓷", "building_materials"),
    Industry("refractories", "耐火材料", "building_materials"),
    Industry("glass", "玻璃", "building_materials", process="glass_furnace"),
    Industry("mineral_wool", "岩矿棉", "building_materials"),
    Industry("glass_fibre", "玻璃纤维", "building_materials", process="glass_furnace"),
    Industry("waterproof_materials", "防水建筑材料", "building_materials", "A-C"),
    Industry("refining_petrochemical", "炼油与石油化工", "chemicals"),
    Industry("carbon_black", "炭黑制造", "chemicals"),
    Industry("coal_nitrogen_fertiliser", "煤制氮肥", "chemicals"),
    Industry("pharmaceuticals", "制药", "chemicals"),
    Industry("pesticides", "农药制造", "chemicals"),
    Industry("paint", "涂料制造", "chemicals"),
    Industry("ink", "油墨制造", "chemicals"),
    Industry("cellulose_ether", "纤维素醚", "chemicals"),
    Industry("packaging_printing", "包装印刷", "light_industry"),
    Industry("wood_panels", "人造板", "light_industry"),
    Industry("synthetic_leather", "塑料人造革与合成革", "light_industry"),
    Industry("rubber_products", "橡胶制品", "light_industry"),
    Industry("footwear", "制鞋", "light_industry", "A-C"),
    Industry("furniture", "家具制造", "coating"),
    Industry("vehicle_manufacturing", "汽车整车制造", "coating"),
    Industry("construction_machinery", "工程机械整机制造", "coating"),
    Industry("industrial_coating", "工业涂装", "coating"),
    Industry("other", "其他", "other", "leading"),
)

INDUSTRY_IDS: tuple[str, ...] = tuple(ind.id for ind in INDUSTRIES)
KEY_INDUSTRY_IDS: tuple[str, ...] = INDUSTRY_IDS[:-1]

# Other spellings met in sources.md §4.2 (garbled mirror, Henan list, bracketed variants).
_ALIASES: dict[str, str] = {
    "碳素": "carbon",
    "玻璃钢": "glass_fibre",
    "工业涂料": "industrial_coating",
    "煤基氮肥": "coal_nitrogen_fertiliser",
    "煤制(煤基)氮肥": "coal_nitrogen_fertiliser",
    "医药": "pharmaceuticals",
    "制药/医药": "pharmaceuticals",
    "汽车制造": "vehicle_manufacturing",
    "汽车(整车)制造": "vehicle_manufacturing",
    "工程机械制造": "construction_machinery",
    "工程机械(整机)制造": "construction_machinery",
    "砖瓦": "brick_tile",
    "家具": "furniture",
    "农药": "pesticides",
    "涂料": "paint",
    "油墨": "ink",
    "炭黑": "carbon_black",
    "其它": "other",
    "一厂一策": "other",
    "其他(一厂一策)": "other",
}

_BY_ID: dict[str, Industry] = {ind.id: ind for ind in INDUSTRIES}
_BY_NAME: dict[str, Industry] = {
    **{ind.zh: ind for ind in INDUSTRIES},
    **{alias: _BY_ID[ind_id] for alias, ind_id in _ALIASES.items()},
    **_BY_ID,
}


def industry_by_id(industry_id: str) -> Industry:
    """The industry with this exact English id; ``KeyError`` if there is none."""
    try:
        return _BY_ID[industry_id]
    except KeyError:
        raise KeyError(f"unknown industry id {industry_id!r}") from None


def parse_industry(text: str) -> Industry:
    """Read an industry from its id (any case) or its Chinese name; ``ValueError`` if unknown.

    Full-width brackets and surrounding spaces are tolerated (``"煤制（煤基）氮肥"``).
    """
    key = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    found = _BY_NAME.get(key) or _BY_NAME.get(key.lower())
    if found is None:
        raise ValueError(
            f"unknown industry {text!r}; expected an id or Chinese name of "
            "enterprises.industries (e.g. cement or 水泥)"
        )
    return found
