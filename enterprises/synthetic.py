"""Synthetic enterprise inventories for cities whose real lists cannot be shipped.

Everything here is an assumption chosen to look plausible — county weights, industry mix,
grade shares, emission magnitudes, production lines, output value, truck traffic, exemption
classes, curtailment bases, 一厂一策 overrides and each plant's place around its county seat —
and is labelled so. Real counties and
districts are used: Luohe (漯河), Xuchang (许昌, incl. 长葛市) and the Taiyuan-basin cities
Taiyuan (太原), Jinzhong (晋中) and Lüliang (吕梁). One ``numpy.random.Generator`` drives all
draws, so the same seed gives the same inventory; draws added later come after the earlier ones,
so adding a column never changes the columns that were there before.

Regenerate the bundled demo list with ``python -m enterprises``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from enterprises.exemptions import EXPORT, LIVELIHOOD, NONE, STRATEGIC, WHITELIST
from enterprises.grades import GRADE_RANK, GRADE_SETS, GRADES
from enterprises.industries import industry_by_id
from enterprises.inventory import SHARE_SEPARATOR, Inventory


@dataclass(frozen=True)
class Kind:
    """A kind of enterprise: its industry, name words, typical emissions and habits."""

    industry: str
    words: tuple[str, ...]  # trade words used in names, e.g. 建材
    medians: tuple[float, float, float, float]  # median SO2, NOx, PM, VOCs, t/a
    hours: tuple[float, ...]  # operating hours drawn uniformly from these, h/a
    livelihood: float = 0.0  # probability of being a 民生保障 enterprise
    grades: str = "key"  # key into GRADE_MIXES
    value: float = 5.0  # median output value, 万元/d at full production
    trucks: float = 4.0  # median heavy-truck trips per day
    online: float = 0.0  # probability of online monitoring with 限排不限产


@dataclass(frozen=True)
class CityProfile:
    """A city's real counties/districts with assumed weights, and an assumed kind mix."""

    city: str  # short Chinese name, also the inventory's city value: 漯河
    full_name: str  # as in enterprise names: 漯河市
    pinyin: str
    id_prefix: str
    counties: Mapping[str, float]
    kinds: Mapping[str, float]
    size: float = 1.0  # relative list size when several cities share one synthetic list


# Hours: 7200 continuous-process year (assumption, as schema default); 8000–8400 kilns and
# furnaces that rarely stop (assumption); 2400/4800 one or two shifts (assumption); 2880 the
# 120-day heating season 15 Nov – 15 Mar (assumption).
# Medians are assumptions scaled so cement/brick/glass/heating dominate SO2, NOx and PM and the
# coating, printing, furniture, paint and pharmaceutical plants dominate VOCs.
KINDS: dict[str, Kind] = {
    "meat_processing": Kind("other", ("肉制品", "食品"), (1.0, 3.0, 0.8, 2.0), (7200, 8000),
                            livelihood=0.2, grades="general", value=30, trucks=15),
    "flour_milling": Kind("other", ("面粉", "面业"), (0.3, 1.0, 2.5, 0.2), (4800, 7200),
                          livelihood=0.2, grades="general", value=15, trucks=12),
    "snack_food": Kind("other", ("食品", "休闲食品"), (0.5, 2.0, 0.8, 2.0), (4800, 7200),
                       livelihood=0.05, grades="general", value=10, trucks=8),
    "feed": Kind("other", ("饲料",), (0.5, 1.0, 3.0, 0.5), (4800, 7200), grades="general",
                 value=8, trucks=10),
    "hair_products": Kind("other", ("发制品",), (0.2, 0.5, 0.3, 1.5), (4800,), grades="general",
                          value=5, trucks=2),
    "heating": Kind("other", ("热力", "热电"), (20.0, 40.0, 6.0, 0.5), (2880,),
                    livelihood=1.0, grades="general", value=10, trucks=30,
                    online=0.6),  # residential heating, sources.md §6
    "waste_incineration": Kind("other", ("环保能源", "垃圾发电"), (10.0, 80.0, 3.0, 1.0),
                               (8000,), livelihood=1.0, grades="general", value=5, trucks=40,
                               online=0.8),  # sources.md §6
    "paper": Kind("other", ("纸业",), (8.0, 15.0, 4.0, 2.0), (7200,), grades="general",
                  value=20, trucks=15, online=0.2),
    "chemicals": Kind("other", ("化工", "精细化工"), (3.0, 6.0, 2.0, 12.0), (7200, 8000),
                      grades="general", value=25, trucks=10, online=0.1),
    "brick_tile": Kind("brick_tile", ("新型墙材", "建材"), (25.0, 20.0, 12.0, 0.3), (7200,),
                       grades="brick", value=3, trucks=20),
    "cement": Kind("cement", ("水泥",), (40.0, 400.0, 60.0, 1.0), (7200,), value=60,
                   trucks=80, online=0.5),
    "ceramics": Kind("ceramics", ("陶瓷", "瓷业"), (20.0, 40.0, 15.0, 1.0), (7200, 8000),
                     value=15, trucks=15, online=0.1),
    "refractories": Kind("refractories", ("耐材", "耐火材料"), (10.0, 20.0, 10.0, 0.5), (7200,),
                         value=10, trucks=15),
    "glass": Kind("glass", ("玻璃",), (50.0, 160.0, 20.0, 1.0), (8400,), value=60, trucks=30,
                  online=0.5),
    "coking": Kind("coking", ("焦化", "煤化"), (120.0, 400.0, 80.0, 60.0), (8400,), value=150,
                   trucks=100, online=0.6),
    "foundry": Kind("foundry", ("铸造", "铸业"), (1.5, 2.5, 8.0, 3.0), (4800, 7200), value=8,
                    trucks=6),
    "secondary_nonferrous": Kind("secondary_nonferrous", ("再生金属", "再生资源"),
                                 (3.0, 3.0, 5.0, 1.0), (4800, 7200), value=20, trucks=10),
    "nonferrous_rolling": Kind("nonferrous_rolling", ("铝业", "铜业"), (1.0, 3.0, 2.0, 2.0),
                               (4800, 7200), value=30, trucks=10),
    "packaging_printing": Kind("packaging_printing", ("包装", "印务", "彩印"),
                               (0.02, 0.1, 0.2, 6.0), (2400, 4800), value=3, trucks=3),
    "furniture": Kind("furniture", ("家具",), (0.05, 0.1, 0.8, 5.0), (2400, 4800), value=4,
                      trucks=3),
    "industrial_coating": Kind("industrial_coating", ("机械", "钢结构", "五金制品"),
                               (0.1, 0.3, 0.6, 8.0), (2400, 4800), value=6, trucks=4),
    "rubber_products": Kind("rubber_products", ("橡胶制品", "橡塑"), (0.4, 0.8, 1.0, 4.0),
                            (4800, 7200), value=8, trucks=4),
    "pharmaceuticals": Kind("pharmaceuticals", ("制药", "药业"), (2.0, 4.0, 1.0, 10.0),
                            (7200,), value=25, trucks=5, online=0.1),
    "wood_panels": Kind("wood_panels", ("木业", "人造板"), (3.0, 12.0, 8.0, 12.0), (7200,),
                        value=10, trucks=12),
    "paint": Kind("paint", ("涂料",), (0.1, 0.2, 0.3, 9.0), (2400, 4800), value=6, trucks=3),
    # Taiyuan basin (assumption: coke, steel, lime, alumina, carbon and coal chemicals).
    "steel_integrated": Kind("steel_integrated", ("钢铁", "特钢"), (800.0, 1500.0, 1200.0, 200.0),
                             (8400,), value=500, trucks=400, online=0.8),
    "lime_kiln": Kind("lime_kiln", ("石灰", "钙业"), (15.0, 40.0, 20.0, 0.5), (7200,), value=5,
                      trucks=20),
    "alumina": Kind("alumina", ("铝业", "氧化铝"), (200.0, 300.0, 120.0, 5.0), (8400,),
                    value=100, trucks=120, online=0.8),
    "electrolytic_aluminium": Kind("electrolytic_aluminium", ("电解铝",), (150.0, 20.0, 80.0, 5.0),
                                   (8400,), value=150, trucks=60, online=0.8),
    "carbon": Kind("carbon", ("炭素", "碳素"), (60.0, 40.0, 30.0, 20.0), (8000,), value=30,
                   trucks=30, online=0.3),
    "coal_nitrogen_fertiliser": Kind("coal_nitrogen_fertiliser", ("化肥", "煤化工"),
                                     (50.0, 80.0, 30.0, 40.0), (8000,), value=50, trucks=50,
                                     online=0.5),
}

# Grade shares per mix (assumption: most B/C, few A, some D — sources.md §14 Henan counts show
# 引领性 common, so non-key "other" enterprises are graded 引领性/非引领性). No A+ (assumption:
# selected nationally by MEE, sources.md §11, unlikely in a prefecture sample).
GRADE_MIXES: dict[str, dict[str, float]] = {
    "key": {"A": 0.05, "B": 0.30, "B-": 0.05, "C": 0.45, "D": 0.15},
    "brick": {"A": 0.02, "B": 0.20, "B-": 0.03, "C": 0.50, "D": 0.25},
    "general": {"引领性": 0.10, "非引领性": 0.90},
}

# Lines 1–4 with shares (assumption: most small plants run one line).
LINE_SHARES = {1: 0.55, 2: 0.25, 3: 0.12, 4: 0.08}
# Log-normal spread (assumption): a plant-size factor shared by all four pollutants, and a
# smaller independent factor per pollutant.
SIZE_SIGMA, POLLUTANT_SIGMA = 0.8, 0.4

TRADE_NAMES = (
    "恒达", "宏远", "鑫源", "金盛", "华龙", "瑞丰", "永兴", "隆泰", "昌盛", "汇通", "新星",
    "中原", "豫发", "盛华", "嘉禾", "佳美", "百川", "富民", "兴旺", "德润", "正大", "万里",
    "利民", "丰源", "宇通", "金龙", "银河", "长城", "光明", "润达", "宏图", "立信", "同创",
    "东方", "顺达", "海天", "远航", "腾飞", "鼎盛", "福瑞", "荣华", "沙澧", "许都", "天瑞",
)
COMPANY_FORMS = {"有限公司": 0.8, "有限责任公司": 0.15, "股份有限公司": 0.05}  # assumption

CITY_PROFILES: dict[str, CityProfile] = {
    "漯河": CityProfile(
        city="漯河", full_name="漯河市", pinyin="luohe", id_prefix="LH",
        # Real counties/districts; weights an assumption (临颍 has a large food-industry park).
        counties={"临颍县": 0.28, "舞阳县": 0.16, "郾城区": 0.20, "源汇区": 0.16, "召陵区": 0.20},
        # Assumption: food-processing-heavy city (meat, flour, snack food); a couple of cement
        # plants, few glass plants; no real list can be shipped.
        kinds={
            "meat_processing": 0.10, "flour_milling": 0.05, "snack_food": 0.09, "feed": 0.01,
            "heating": 0.04, "waste_incineration": 0.01, "paper": 0.03, "chemicals": 0.03,
            "brick_tile": 0.10, "cement": 0.01, "glass": 0.01, "foundry": 0.08,
            "packaging_printing": 0.11, "furniture": 0.07, "industrial_coating": 0.14,
            "rubber_products": 0.04, "pharmaceuticals": 0.03, "wood_panels": 0.03, "paint": 0.02,
        },
    ),
    "许昌": CityProfile(
        city="许昌", full_name="许昌市", pinyin="xuchang", id_prefix="XC",
        counties={"魏都区": 0.08, "建安区": 0.18, "东城区": 0.06, "禹州市": 0.22, "长葛市": 0.22,
                  "鄢陵县": 0.12, "襄城县": 0.12},  # real; weights an assumption
        # Assumption: secondary metals (长葛), ceramics and cement (禹州), coking (襄城),
        # hair products (建安) as "other".
        kinds={
            "secondary_nonferrous": 0.12, "nonferrous_rolling": 0.06, "cement": 0.03,
            "ceramics": 0.06, "coking": 0.01, "refractories": 0.03, "brick_tile": 0.08,
            "foundry": 0.08, "industrial_coating": 0.12, "furniture": 0.06,
            "packaging_printing": 0.08, "hair_products": 0.09, "snack_food": 0.06,
            "heating": 0.03, "waste_incineration": 0.01, "chemicals": 0.04, "paint": 0.01,
            "pharmaceuticals": 0.02,
        },
    ),
}

CITY_PROFILES.update({
    "太原": CityProfile(
        city="太原", full_name="太原市", pinyin="taiyuan", id_prefix="TY", size=1.5,
        counties={"小店区": 0.14, "迎泽区": 0.05, "杏花岭区": 0.05, "尖草坪区": 0.12,
                  "万柏林区": 0.12, "晋源区": 0.10, "清徐县": 0.20, "阳曲县": 0.08, "娄烦县": 0.04,
                  "古交市": 0.10},  # real; weights an assumption (清徐 coking, 古交 coal)
        kinds={
            "coking": 0.04, "steel_integrated": 0.005, "cement": 0.02, "lime_kiln": 0.03,
            "refractories": 0.03, "ceramics": 0.02, "foundry": 0.06, "brick_tile": 0.06,
            "glass": 0.01, "carbon": 0.01, "heating": 0.06, "waste_incineration": 0.01,
            "chemicals": 0.05, "coal_nitrogen_fertiliser": 0.005, "packaging_printing": 0.06,
            "furniture": 0.05, "industrial_coating": 0.15, "rubber_products": 0.02,
            "pharmaceuticals": 0.03, "wood_panels": 0.01, "paint": 0.02, "snack_food": 0.06,
            "flour_milling": 0.02, "meat_processing": 0.02, "feed": 0.02, "paper": 0.01,
            "secondary_nonferrous": 0.03, "nonferrous_rolling": 0.03,
        },  # assumption: heavy industry in the basin, light industry in the city
    ),
    "晋中": CityProfile(
        city="晋中", full_name="晋中市", pinyin="jinzhong", id_prefix="JZ",
        counties={"榆次区": 0.18, "太谷区": 0.08, "祁县": 0.08, "平遥县": 0.08, "介休市": 0.16,
                  "灵石县": 0.12, "寿阳县": 0.08, "昔阳县": 0.06, "和顺县": 0.05, "左权县": 0.05,
                  "榆社县": 0.06},  # real; weights an assumption (介休, 灵石 coking)
        kinds={
            "coking": 0.08, "steel_integrated": 0.01, "cement": 0.02, "lime_kiln": 0.04,
            "refractories": 0.06, "ceramics": 0.03, "foundry": 0.08, "brick_tile": 0.08,
            "glass": 0.02, "heating": 0.05, "chemicals": 0.05, "industrial_coating": 0.10,
            "furniture": 0.05, "packaging_printing": 0.05, "snack_food": 0.05,
            "flour_milling": 0.03, "meat_processing": 0.03, "pharmaceuticals": 0.02,
            "secondary_nonferrous": 0.02, "waste_incineration": 0.01, "carbon": 0.01,
            "coal_nitrogen_fertiliser": 0.01, "feed": 0.02,
        },  # assumption: sources.md §6/§13.3 (Jinzhong refractories on the seasonal stop list)
    ),
    "吕梁": CityProfile(
        city="吕梁", full_name="吕梁市", pinyin="lvliang", id_prefix="LL",
        counties={"离石区": 0.08, "孝义市": 0.18, "汾阳市": 0.12, "文水县": 0.10, "交城县": 0.12,
                  "兴县": 0.04, "临县": 0.04, "柳林县": 0.08, "石楼县": 0.02, "岚县": 0.04,
                  "方山县": 0.03, "中阳县": 0.08, "交口县": 0.07},  # real; weights an assumption
        kinds={
            "coking": 0.12, "alumina": 0.02, "electrolytic_aluminium": 0.005, "carbon": 0.02,
            "steel_integrated": 0.01, "cement": 0.03, "lime_kiln": 0.05, "refractories": 0.03,
            "foundry": 0.05, "brick_tile": 0.08, "heating": 0.06, "chemicals": 0.06,
            "coal_nitrogen_fertiliser": 0.02, "industrial_coating": 0.08,
            "packaging_printing": 0.04, "furniture": 0.04, "snack_food": 0.05,
            "flour_milling": 0.03, "feed": 0.02, "meat_processing": 0.02,
            "waste_incineration": 0.01, "secondary_nonferrous": 0.02, "ceramics": 0.02,
        },  # assumption: sources.md §13.2 (Lüliang alumina, electrolytic Al, carbon)
    ),
})

# Line capacities: each line gets 1, 2 or 3 capacity units (assumption: mixed old and new
# lines); a line's emission share is its capacity times a log-normal factor (older lines emit
# more per unit), rounded to 2 decimals.
LINE_UNITS = {1: 0.6, 2: 0.3, 3: 0.1}
LINE_EMISSION_SIGMA = 0.3
# Exemption classes beyond livelihood, per enterprise (assumption; sources.md §6 Henan c. 2019
# counts 516 livelihood, 99 strategic, 350 export firms; Luoyang/Chifeng whitelists).
EXEMPTION_SHARES = {STRATEGIC: 0.01, EXPORT: 0.03, WHITELIST: 0.02}
GUARANTEED_LOADS = (0.6, 0.7, 0.8, 0.9)  # load the service or orders need (assumption)
# Curtailment base: EIA capacity and permit capacity around last year's output (assumption:
# about a quarter of plants produce above their permit).
EIA_RANGE, PERMIT_RANGE = (1.0, 1.4), (0.9, 1.3)
# 一厂一策 overrides for non-key, non-leading firms (assumption: a quarter of them have their
# own plan), one of these (yellow, orange, red) cuts.
OVERRIDE_SHARE = 0.25
OVERRIDE_PLANS = ((0.0, 0.2, 0.5), (0.1, 0.3, 0.5), (0.2, 0.4, 1.0))
MULTI_INDUSTRY_SHARE = 0.03  # key-industry firms graded in a second industry (assumption)

DEMO_CITY, DEMO_ENTERPRISES, DEMO_SEED = "漯河", 300, 2023

# County seats (longitude °E, latitude °N) of the counties and districts the profiles use: the
# seat of each county or district government, rounded to 0.01° (about 1 km), as the county
# articles of Wikipedia (zh) and GeoNames place them. Approximate (assumption: good to a
# couple of km, which is all a synthetic scatter needs); WGS-84 as those sources give them.
COUNTY_SEATS: dict[str, tuple[float, float]] = {
    # 漯河
    "源汇区": (114.01, 33.57), "郾城区": (114.00, 33.59), "召陵区": (114.09, 33.59),
    "临颍县": (113.93, 33.81), "舞阳县": (113.61, 33.44),
    # 许昌
    "魏都区": (113.82, 34.03), "建安区": (113.84, 34.00), "东城区": (113.88, 34.03),
    "禹州市": (113.49, 34.14), "长葛市": (113.77, 34.22), "鄢陵县": (114.18, 34.10),
    "襄城县": (113.48, 33.85),
    # 太原
    "小店区": (112.57, 37.74), "迎泽区": (112.56, 37.86), "杏花岭区": (112.57, 37.89),
    "尖草坪区": (112.49, 37.94), "万柏林区": (112.52, 37.86), "晋源区": (112.48, 37.72),
    "清徐县": (112.36, 37.61), "阳曲县": (112.67, 38.06), "娄烦县": (111.79, 38.07),
    "古交市": (112.17, 37.91),
    # 晋中
    "榆次区": (112.71, 37.70), "太谷区": (112.55, 37.42), "祁县": (112.33, 37.36),
    "平遥县": (112.18, 37.19), "介休市": (111.92, 37.03), "灵石县": (111.78, 36.85),
    "寿阳县": (113.18, 37.89), "昔阳县": (113.71, 37.61), "和顺县": (113.57, 37.33),
    "左权县": (113.38, 37.08), "榆社县": (112.97, 37.07),
    # 吕梁
    "离石区": (111.15, 37.52), "孝义市": (111.78, 37.15), "汾阳市": (111.79, 37.26),
    "文水县": (112.03, 37.44), "交城县": (112.16, 37.55), "兴县": (111.13, 38.46),
    "临县": (110.99, 37.96), "柳林县": (110.89, 37.43), "石楼县": (110.83, 37.00),
    "岚县": (111.67, 38.28), "方山县": (111.24, 37.89), "中阳县": (111.18, 37.36),
    "交口县": (111.18, 36.98),
}
# Plants lie within this distance of their county seat, uniform over the disc (assumption:
# industrial parks and plants cluster within a few km of the seat); coordinates to 1e-4°
# (about 10 m).
SEAT_RADIUS_KM = 6.0
KM_PER_DEGREE = 111.32  # one degree of latitude; a degree of longitude is this × cos(lat)


def synthesize_cities(
    cities: list[str] | tuple[str, ...],
    enterprises: int,
    seed: int = 0,
) -> Inventory:
    """One synthetic list for several cities, split by their ``size`` (largest remainder).

    A single city gives exactly ``synthesize(city, enterprises, seed)``; several cities each get
    a child seed of ``SeedSequence(seed)``, so every city's part is reproducible.
    """
    profiles = [city_profile(c) for c in cities]
    if not profiles:
        raise ValueError("synthesize_cities needs at least one city")
    if len({p.city for p in profiles}) < len(profiles):
        raise ValueError(f"a city is named twice in {list(cities)}")
    if len(profiles) == 1:
        return synthesize(profiles[0].city, enterprises, seed)
    weights = {p.city: p.size for p in profiles}
    counts = {c: int((_allocate(weights, enterprises) == c).sum()) for c in weights}
    children = np.random.SeedSequence(seed).spawn(len(profiles))
    return Inventory.concat([synthesize(p.city, counts[p.city], child)
                             for p, child in zip(profiles, children, strict=True)])


def city_profile(city: str) -> CityProfile:
    """Profile by short name, full name or pinyin: 漯河, 漯河市 or luohe."""
    for p in CITY_PROFILES.values():
        if city.strip().lower() in (p.city, p.full_name, p.pinyin):
            return p
    raise ValueError(f"no synthetic profile for city {city!r}; have {', '.join(CITY_PROFILES)}")


def synthesize(
    city: str = "漯河",
    enterprises: int = 300,
    seed: int | np.random.SeedSequence | np.random.Generator = 0,
) -> Inventory:
    """A synthetic inventory of ``enterprises`` rows for ``city``.

    All draws come from ``numpy.random.default_rng(seed)`` in a fixed order, so the same seed
    gives an identical inventory. Kinds are allocated by largest remainder (so a 1 % share of
    300 gives exactly 3 plants) and then shuffled. Emissions are log-normal around each kind's
    medians, t/a, rounded to kg.
    """
    if enterprises < 0:
        raise ValueError(f"enterprises must be ≥ 0, got {enterprises}")
    profile = city_profile(city)
    rng = np.random.default_rng(seed)
    kind_ids = rng.permutation(_allocate(profile.kinds, enterprises))
    kinds = [KINDS[k] for k in kind_ids]
    counties = _draw(rng, profile.counties, enterprises)
    grades = _draw_grades(rng, kinds)
    emissions = _draw_emissions(rng, kinds)
    hours = np.array([k.hours[int(u * len(k.hours))] for k, u in
                      zip(kinds, rng.random(enterprises), strict=True)], dtype=float)
    livelihood = rng.random(enterprises) < np.array([k.livelihood for k in kinds])
    lines = _draw(rng, LINE_SHARES, enterprises).astype(np.int64)
    names = _names(rng, profile, kinds)
    width = max(4, len(str(enterprises)))
    industries = np.array([k.industry for k in kinds], dtype=object)
    # Later additions: drawn after everything above, so the columns above never change.
    line_capacity, line_emissions = _draw_lines(rng, lines)
    size = _size(emissions, kinds)
    exemptions, load = _draw_exemptions(rng, livelihood, grades)
    grades = protected_grades(industries, grades, exemptions)  # after the draws: streams kept
    # in the order the keyword arguments below once drew them, so every stream stays the same
    output_value = _lognormal(rng, np.array([k.value for k in kinds]) * size, 0.3, 1)
    trucks = _lognormal(rng, np.array([k.trucks for k in kinds]) * np.sqrt(size), 0.4, 0)
    # assumption: 限排不限产 is granted to well-graded plants only, never to D
    online = (rng.random(enterprises) < np.array([k.online for k in kinds])) & (grades != "D")
    capacities = _draw_capacities(rng, industries, size)
    overrides = _draw_overrides(rng, industries, grades, exemptions)
    industry_grades = _draw_industry_grades(rng, profile, industries, grades)
    lon, lat = _draw_places(rng, counties)  # the last draw: added after all the others
    return Inventory(
        ids=[f"{profile.id_prefix}{i:0{width}d}" for i in range(1, enterprises + 1)],
        names=names,
        cities=np.full(enterprises, profile.city, dtype=object),
        counties=counties,
        industries=industries,
        grades=grades,
        emissions=emissions,
        operating_hours=hours,
        livelihood=livelihood,
        lines=lines,
        line_capacity=line_capacity,
        line_emissions=line_emissions,
        output_value=output_value,
        trucks_per_day=trucks,
        exemptions=exemptions,
        guaranteed_load=load,
        online_monitoring=online,
        **capacities,
        overrides=overrides,
        industry_grades=industry_grades,
        lon=lon,
        lat=lat,
    )


def demo_inventory() -> Inventory:
    """The bundled ``runs/data/luohe_inventory.csv``: Luohe, 300 enterprises, seed 2023."""
    return synthesize(DEMO_CITY, DEMO_ENTERPRISES, DEMO_SEED)


def _draw_places(rng: np.random.Generator, counties: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude scattered uniformly within ``SEAT_RADIUS_KM`` of each county's
    seat; NaN for a county without a seat in ``COUNTY_SEATS`` (drawn in its county's block).
    Two uniforms per enterprise are drawn whatever the counties, so the stream is fixed."""
    u = rng.random((len(counties), 2))
    seats = np.array([COUNTY_SEATS.get(c, (np.nan, np.nan)) for c in counties],
                     dtype=float).reshape(-1, 2)
    radius = SEAT_RADIUS_KM * np.sqrt(u[:, 0]) / KM_PER_DEGREE  # uniform over the disc
    angle = 2.0 * np.pi * u[:, 1]
    lat = seats[:, 1] + radius * np.sin(angle)
    lon = seats[:, 0] + radius * np.cos(angle) / np.cos(np.radians(seats[:, 1]))
    return np.round(lon, 4), np.round(lat, 4)


def _allocate(weights: Mapping[str, float], n: int) -> np.ndarray:
    """Exactly n labels split by weight with the largest-remainder method."""
    keys = list(weights)
    share = np.array([weights[k] for k in keys], dtype=float)
    exact = share / share.sum() * n
    counts = np.floor(exact).astype(int)
    extra = np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]
    counts[extra] += 1
    return np.repeat(np.array(keys, dtype=object), counts)


def _draw(rng: np.random.Generator, weights: Mapping, n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _draw_grades(rng: np.random.Generator, kinds: list[Kind]) -> np.ndarray:
    """One uniform draw per enterprise, mapped through its mix's cumulative shares."""
    u = rng.random(len(kinds))
    grades = np.empty(len(kinds), dtype=object)
    mix_of = np.array([k.grades for k in kinds], dtype=object)
    for name, mix in GRADE_MIXES.items():
        rows = mix_of == name
        labels = [g for g in GRADES if g in mix]
        cum = np.cumsum([mix[g] for g in labels]) / sum(mix.values())
        idx = np.minimum(np.searchsorted(cum, u[rows], side="right"), len(labels) - 1)
        grades[rows] = np.array(labels, dtype=object)[idx]
    return grades


def _draw_emissions(rng: np.random.Generator, kinds: list[Kind]) -> np.ndarray:
    """Log-normal annual emissions, t/a, shape (n, 4)."""
    n = len(kinds)
    medians = np.array([k.medians for k in kinds], dtype=float).reshape(n, 4)
    size = rng.normal(0.0, SIZE_SIGMA, size=(n, 1))
    noise = rng.normal(0.0, POLLUTANT_SIGMA, size=(n, 4))
    return np.round(medians * np.exp(size + noise), 3)


def _names(rng: np.random.Generator, profile: CityProfile, kinds: list[Kind]) -> list[str]:
    """漯河市 + trade name + trade word + company form; repeats get a branch suffix."""
    n = len(kinds)
    trade = rng.integers(len(TRADE_NAMES), size=n)
    word = rng.random(n)
    forms = _draw(rng, COMPANY_FORMS, n)
    names, seen = [], set()
    for k, t, w, form in zip(kinds, trade, word, forms, strict=True):
        base = f"{profile.full_name}{TRADE_NAMES[t]}{k.words[int(w * len(k.words))]}{form}"
        name, branch = base, 1
        while name in seen:
            branch += 1
            name = f"{base}第{branch}分厂"
        seen.add(name)
        names.append(name)
    return names



def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float,
               decimals: int) -> np.ndarray:
    return np.round(median * np.exp(rng.normal(0.0, sigma, size=len(median))), decimals)


def _size(emissions: np.ndarray, kinds: list[Kind]) -> np.ndarray:
    """Plant size relative to its kind: geometric mean of emissions ÷ the kind's medians."""
    medians = np.array([k.medians for k in kinds], dtype=float).reshape(len(kinds), 4)
    ratio = np.maximum(emissions, 1e-6) / medians
    return np.exp(np.log(ratio).mean(axis=1))


def _draw_lines(rng: np.random.Generator, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capacity units per line and emission weights per line, both of length lines.sum()."""
    n_lines = int(lines.sum())
    units = _draw(rng, LINE_UNITS, n_lines).astype(float)
    factor = np.exp(rng.normal(0.0, LINE_EMISSION_SIGMA, size=n_lines))
    return units, np.maximum(np.round(units * factor, 2), 0.01)


def _draw_exemptions(rng: np.random.Generator, livelihood: np.ndarray,
                     grades: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exemption class and guaranteed load; livelihood firms keep their class. No other
    exemption goes to a grade D plant (``protected_grades`` then raises protected plants drawn
    below B to B: protected firms must reach B or better, sources.md §14)."""
    n = len(livelihood)
    labels = [*EXEMPTION_SHARES, NONE]
    p = [*EXEMPTION_SHARES.values(), 1.0 - sum(EXEMPTION_SHARES.values())]
    other = np.array(labels, dtype=object)[rng.choice(len(labels), size=n, p=p)]
    other = np.where(np.asarray(grades) == "D", NONE, other)  # after the draw: streams unchanged
    exemptions = np.where(livelihood, LIVELIHOOD, other).astype(object)
    load = np.array(GUARANTEED_LOADS)[rng.integers(len(GUARANTEED_LOADS), size=n)]
    capped = np.isin(exemptions, [LIVELIHOOD, STRATEGIC, EXPORT])
    return exemptions, np.where(capped, load, 1.0)


def protected_grades(industries: np.ndarray, grades: np.ndarray,
                     exemptions: np.ndarray) -> np.ndarray:
    """Grades with every protected (exempt) plant at B or better: a 保障类 firm must itself
    reach B (sources.md §14), so one drawn below B takes the worst grade of its industry's set
    that is still B or better (B, or 引领性 in the 引领性/非引领性 scheme)."""
    out = np.array(grades, dtype=object)
    for i in np.flatnonzero(np.asarray(exemptions) != NONE):
        if GRADE_RANK[out[i]] > GRADE_RANK["B"]:
            allowed = [g for g in GRADE_SETS[industry_by_id(industries[i]).grade_set]
                       if GRADE_RANK[g] <= GRADE_RANK["B"]]
            out[i] = max(allowed, key=GRADE_RANK.__getitem__)
    return out


def _draw_capacities(rng: np.random.Generator, industries: np.ndarray,
                     size: np.ndarray) -> dict[str, np.ndarray]:
    """EIA, permit and last year's output (10 000 t/a) for key-industry firms; NaN elsewhere."""
    n = len(industries)
    last = np.round(10.0 * size + 0.1, 1)
    eia = np.round(last * rng.uniform(*EIA_RANGE, size=n), 1)
    permit = np.round(last * rng.uniform(*PERMIT_RANGE, size=n), 1)
    key = industries != "other"
    return {"capacity_eia": np.where(key, eia, np.nan),
            "capacity_permit": np.where(key, permit, np.nan),
            "output_last_year": np.where(key, last, np.nan)}


def _draw_overrides(rng: np.random.Generator, industries: np.ndarray, grades: np.ndarray,
                    exemptions: np.ndarray) -> np.ndarray:
    """(n, 3) 一厂一策 cuts at yellow/orange/red for some non-key, non-leading firms."""
    n = len(industries)
    plans = np.array(OVERRIDE_PLANS)[rng.integers(len(OVERRIDE_PLANS), size=n)]
    chosen = ((rng.random(n) < OVERRIDE_SHARE) & (industries == "other")
              & (grades == "非引领性") & (exemptions == NONE))
    return np.where(chosen[:, None], plans, np.nan)


def _draw_industry_grades(rng: np.random.Generator, profile: CityProfile,
                          industries: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """A few key-industry firms also graded in a second industry, no worse than their grade."""
    n = len(industries)
    pick = rng.random(n) < MULTI_INDUSTRY_SHARE
    second = rng.integers(1 << 30, size=n)
    key_industries = sorted({KINDS[k].industry for k in profile.kinds} - {"other"})
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(pick & (industries != "other")):
        choices = [x for x in key_industries if x != industries[i]]
        if not choices:
            continue
        other = choices[second[i] % len(choices)]
        allowed = [g for g in GRADE_SETS[industry_by_id(other).grade_set]
                   if GRADE_RANK[g] <= GRADE_RANK[grades[i]]]
        g2 = allowed[(second[i] // len(choices)) % len(allowed)]
        out[i] = SHARE_SEPARATOR.join((f"{industries[i]}:{grades[i]}", f"{other}:{g2}"))
    return out
