"""Synthetic enterprise inventories for cities whose real lists cannot be shipped.

Everything here is an assumption chosen to look plausible — county weights, industry mix,
grade shares, emission magnitudes — and is labelled so. Real counties and districts are used.
One ``numpy.random.Generator`` drives all draws, so the same seed gives the same inventory.

Regenerate the bundled demo list with ``python -m enterprises``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from enterprises.grades import GRADES
from enterprises.inventory import Inventory


@dataclass(frozen=True)
class Kind:
    """A kind of enterprise: its industry, name words, typical emissions and habits."""

    industry: str
    words: tuple[str, ...]  # trade words used in names, e.g. 建材
    medians: tuple[float, float, float, float]  # median SO2, NOx, PM, VOCs, t/a
    hours: tuple[float, ...]  # operating hours drawn uniformly from these, h/a
    livelihood: float = 0.0  # probability of being a 民生保障 enterprise
    grades: str = "key"  # key into GRADE_MIXES


@dataclass(frozen=True)
class CityProfile:
    """A city's real counties/districts with assumed weights, and an assumed kind mix."""

    city: str  # short Chinese name, also the inventory's city value: 漯河
    full_name: str  # as in enterprise names: 漯河市
    pinyin: str
    id_prefix: str
    counties: Mapping[str, float]
    kinds: Mapping[str, float]


# Hours: 7200 continuous-process year (assumption, as schema default); 8000–8400 kilns and
# furnaces that rarely stop (assumption); 2400/4800 one or two shifts (assumption); 2880 the
# 120-day heating season 15 Nov – 15 Mar (assumption).
# Medians are assumptions scaled so cement/brick/glass/heating dominate SO2, NOx and PM and the
# coating, printing, furniture, paint and pharmaceutical plants dominate VOCs.
KINDS: dict[str, Kind] = {
    "meat_processing": Kind("other", ("肉制品", "食品"), (1.0, 3.0, 0.8, 2.0), (7200, 8000),
                            livelihood=0.2, grades="general"),  # assumption: 保供 food plants
    "flour_milling": Kind("other", ("面粉", "面业"), (0.3, 1.0, 2.5, 0.2), (4800, 7200),
                          livelihood=0.2, grades="general"),
    "snack_food": Kind("other", ("食品", "休闲食品"), (0.5, 2.0, 0.8, 2.0), (4800, 7200),
                       livelihood=0.05, grades="general"),
    "feed": Kind("other", ("饲料",), (0.5, 1.0, 3.0, 0.5), (4800, 7200), grades="general"),
    "hair_products": Kind("other", ("发制品",), (0.2, 0.5, 0.3, 1.5), (4800,), grades="general"),
    "heating": Kind("other", ("热力", "热电"), (20.0, 40.0, 6.0, 0.5), (2880,),
                    livelihood=1.0, grades="general"),  # residential heating, rules.md §6
    "waste_incineration": Kind("other", ("环保能源", "垃圾发电"), (10.0, 80.0, 3.0, 1.0),
                               (8000,), livelihood=1.0, grades="general"),  # rules.md §6
    "paper": Kind("other", ("纸业",), (8.0, 15.0, 4.0, 2.0), (7200,), grades="general"),
    "chemicals": Kind("other", ("化工", "精细化工"), (3.0, 6.0, 2.0, 12.0), (7200, 8000),
                      grades="general"),
    "brick_tile": Kind("brick_tile", ("新型墙材", "建材"), (25.0, 20.0, 12.0, 0.3), (7200,),
                       grades="brick"),
    "cement": Kind("cement", ("水泥",), (40.0, 400.0, 60.0, 1.0), (7200,)),
    "ceramics": Kind("ceramics", ("陶瓷", "瓷业"), (20.0, 40.0, 15.0, 1.0), (7200, 8000)),
    "refractories": Kind("refractories", ("耐材", "耐火材料"), (10.0, 20.0, 10.0, 0.5), (7200,)),
    "glass": Kind("glass", ("玻璃",), (50.0, 160.0, 20.0, 1.0), (8400,)),
    "coking": Kind("coking", ("焦化", "煤化"), (120.0, 400.0, 80.0, 60.0), (8400,)),
    "foundry": Kind("foundry", ("铸造", "铸业"), (1.5, 2.5, 8.0, 3.0), (4800, 7200)),
    "secondary_nonferrous": Kind("secondary_nonferrous", ("再生金属", "再生资源"),
                                 (3.0, 3.0, 5.0, 1.0), (4800, 7200)),
    "nonferrous_rolling": Kind("nonferrous_rolling", ("铝业", "铜业"), (1.0, 3.0, 2.0, 2.0),
                               (4800, 7200)),
    "packaging_printing": Kind("packaging_printing", ("包装", "印务", "彩印"),
                               (0.02, 0.1, 0.2, 6.0), (2400, 4800)),
    "furniture": Kind("furniture", ("家具",), (0.05, 0.1, 0.8, 5.0), (2400, 4800)),
    "industrial_coating": Kind("industrial_coating", ("机械", "钢结构", "五金制品"),
                               (0.1, 0.3, 0.6, 8.0), (2400, 4800)),
    "rubber_products": Kind("rubber_products", ("橡胶制品", "橡塑"), (0.4, 0.8, 1.0, 4.0),
                            (4800, 7200)),
    "pharmaceuticals": Kind("pharmaceuticals", ("制药", "药业"), (2.0, 4.0, 1.0, 10.0),
                            (7200,)),
    "wood_panels": Kind("wood_panels", ("木业", "人造板"), (3.0, 12.0, 8.0, 12.0), (7200,)),
    "paint": Kind("paint", ("涂料",), (0.1, 0.2, 0.3, 9.0), (2400, 4800)),
}

# Grade shares per mix (assumption: most B/C, few A, some D — rules.md §14 Henan counts show
# 引领性 common, so non-key "other" enterprises are graded 引领性/非引领性). No A+ (assumption:
# selected nationally by MEE, rules.md §11, unlikely in a prefecture sample).
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

DEMO_CITY, DEMO_ENTERPRISES, DEMO_SEED = "漯河", 300, 2023


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
    return Inventory(
        ids=[f"{profile.id_prefix}{i:0{width}d}" for i in range(1, enterprises + 1)],
        names=names,
        cities=np.full(enterprises, profile.city, dtype=object),
        counties=counties,
        industries=[k.industry for k in kinds],
        grades=grades,
        emissions=emissions,
        operating_hours=hours,
        livelihood=livelihood,
        lines=lines,
    )


def demo_inventory() -> Inventory:
    """The bundled ``runs/data/luohe_inventory.csv``: Luohe, 300 enterprises, seed 2023."""
    return synthesize(DEMO_CITY, DEMO_ENTERPRISES, DEMO_SEED)


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

