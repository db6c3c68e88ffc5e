"""Regenerate the Henan replay example's inputs: a season of hourly observations, and a list.

SYNTHETIC DATA — not measurements. Writes, next to this script:

* ``henan_2023-24_hourly.csv.gz``: hourly air quality for eight Henan cities from 2023-11-01 to
  2024-02-29 in the national hourly city-file layout (``date, hour, type, <city columns…>``,
  the 15 types AQI, PM2.5, PM2.5_24h, …, CO_24h), gzip-compressed (pandas reads it as it is);
* ``henan_inventory.csv``: a synthetic emergency-reduction list for the same eight cities;
* ``henan_area_sources.csv``: synthetic area sources outside that list, one row per city and
  sector (``smogsim replay --area``), scaled per city from the list as described at
  ``AREA_LIST_SHARE``;
* ``henan_region.toml``: the eight cities as a region (``smogsim replay --region``) with Henan's
  provincial linkage rule of 2016 (sources.md §1.4, §3.4); see ``region_toml``.

How the air is made (every number an assumption): one regional field that all cities share —
a seasonal PM2.5 level, slow synoptic swings (AR(1) in log space) and six stagnation episodes
that build up over days and are cleared by a cold front from the north within hours, so the
northern cities clear first — times a per-city factor and a small per-city AR(1) noise, with a
night-time peak. The Spring Festival eve (2024-02-09) adds a fireworks spike of PM and SO2.
NO2, CO, PM10 and O3 follow PM2.5 with winter ratios and their own diurnal shapes. About 0.3 %
of values are missing at random, and one outage removes six hours from every city.

Run from the repository root: ``.venv/bin/python runs/data/make_henan_observations.py``.
The output is deterministic: same script, same bytes of CSV text.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from alerts.aqi import aqi
from enterprises.inventory import Inventory
from enterprises.io import write_inventory
from enterprises.synthetic import CITY_PROFILES, CityProfile, synthesize

HERE = Path(__file__).resolve().parent

SEED = 20231101
OBSERVATIONS = HERE / "henan_2023-24_hourly.csv.gz"
INVENTORY = HERE / "henan_inventory.csv"
AREA = HERE / "henan_area_sources.csv"
REGION = HERE / "henan_region.toml"
HOURS = pd.date_range("2023-11-01 00:00", "2024-02-29 23:00", freq="h")
TYPES = ("AQI", "PM2.5", "PM2.5_24h", "PM10", "PM10_24h", "SO2", "SO2_24h", "NO2", "NO2_24h",
         "O3", "O3_24h", "O3_8h", "O3_8h_24h", "CO", "CO_24h")  # national file order

# City: (PM factor, hours the cold front reaches it after 安阳, enterprises in the list).
# Assumptions: the northern, more industrial cities run higher; fronts move north to south.
CITIES = {
    "郑州": (1.05, 6, 400), "开封": (1.00, 7, 200), "洛阳": (0.95, 8, 300),
    "新乡": (1.10, 3, 300), "焦作": (1.12, 4, 250), "安阳": (1.18, 0, 300),
    "许昌": (0.98, 9, 300), "漯河": (0.94, 12, 300),
}

# Stagnation episodes: (build-up starts, build-up h, plateau h, peak factor over the seasonal
# level, clearing h). Assumptions shaped like central-Henan winter episodes.
EPISODES = (
    ("2023-11-21 00:00", 60, 30, 2.8, 10),
    ("2023-12-08 12:00", 84, 40, 2.9, 8),
    ("2023-12-29 00:00", 96, 60, 3.2, 10),
    ("2024-01-17 00:00", 60, 24, 2.4, 12),
    ("2024-02-07 00:00", 72, 36, 2.6, 10),
    ("2024-02-20 00:00", 48, 12, 2.0, 8),
)
FIREWORKS = pd.Timestamp("2024-02-09 21:00")  # Spring Festival eve, assumption: ~8 h spike
OUTAGE = pd.date_range("2023-12-25 09:00", periods=6, freq="h")  # a data outage, all cities


def seasonal_pm25(hours: pd.DatetimeIndex) -> np.ndarray:
    """Regional PM2.5 level, µg/m³: rising into January, easing in February (assumption)."""
    day = (hours - hours[0]) / pd.Timedelta(days=1)
    return np.interp(day, [0, 30, 60, 90, 120], [45, 55, 62, 58, 45])


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series with lag-1 correlation ``phi`` and marginal sd ``sd``."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def episode_log_factor(hours: pd.DatetimeIndex, front_delay: int) -> np.ndarray:
    """Sum of the episodes' log factors: a ramp up, a plateau, a sharp clearing (per city)."""
    t = ((hours - hours[0]) / pd.Timedelta(hours=1)).to_numpy()
    total = np.zeros(len(hours))
    for start, rise, hold, peak, clear in EPISODES:
        t0 = (pd.Timestamp(start) - hours[0]) / pd.Timedelta(hours=1)
        top_end = t0 + rise + hold + front_delay
        total += np.interp(t, [t0, t0 + rise, top_end, top_end + clear],
                           [0.0, np.log(peak), np.log(peak), 0.0], left=0.0, right=0.0)
    return total


def city_hourly(rng: np.random.Generator, regional: np.ndarray, factor: float,
                front_delay: int) -> pd.DataFrame:
    """Hourly concentrations of one city (µg/m³; CO mg/m³), before rounding and gaps."""
    hour = HOURS.hour.to_numpy()
    night = 0.15 * np.cos(2 * np.pi * (hour - 22) / 24)  # night-time inversion peak
    log_pm = (regional + episode_log_factor(HOURS, front_delay) + np.log(factor) + night
              + ar1(rng, len(HOURS), 0.9, 0.12))
    pm25 = np.exp(log_pm)
    since_eve = np.asarray((HOURS - FIREWORKS) / pd.Timedelta(hours=1), float)
    fireworks = np.where((since_eve >= 0) & (since_eve < 8),
                         np.exp(-np.clip(since_eve, 0, None) / 3.0), 0.0)
    pm25 = pm25 * (1 + 1.6 * fireworks)
    rush = np.exp(-((hour - 8) ** 2) / 4) + np.exp(-((hour - 19) ** 2) / 6)
    sun = np.clip(np.sin(np.pi * (hour - 8) / 10), 0, None)  # 08:00–18:00
    wiggle = np.exp(ar1(rng, len(HOURS), 0.8, 0.1))
    return pd.DataFrame({
        "PM2.5": pm25,
        "PM10": pm25 * 1.45 * wiggle,  # winter PM2.5/PM10 ≈ 0.7 (assumption)
        "SO2": (8 + 0.035 * pm25) * (1 + 4.0 * fireworks) * wiggle,
        "NO2": (22 + 0.22 * pm25) * (1 + 0.35 * rush) * wiggle,
        "O3": np.clip((12 + 55 * sun * np.exp(-pm25 / 120)) * wiggle, 2, None),
        "CO": (0.45 + 0.009 * pm25) * wiggle,
    }, index=HOURS)


def national_types(conc: pd.DataFrame) -> dict[str, pd.Series]:
    """The 15 national types of one city: hourly values and their rolling summaries."""
    out: dict[str, pd.Series] = {}
    hourly_aqi = aqi({p: conc[p].to_numpy() for p in conc.columns}, "1h", rounded=True).value
    out["AQI"] = pd.Series(hourly_aqi, index=conc.index)
    o3_8h = conc["O3"].rolling(8, min_periods=6).mean()
    for name in ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO"):
        out[name] = conc[name]
        out[f"{name}_24h"] = (conc[name].rolling(24, min_periods=20).max() if name == "O3"
                              else conc[name].rolling(24, min_periods=20).mean())
    out["O3_8h"] = o3_8h
    out["O3_8h_24h"] = o3_8h.rolling(24, min_periods=20).max()
    return out


def rounded(name: str, values: pd.Series) -> pd.Series:
    """Text as published: whole µg/m³ and AQI, CO in mg/m³ to 2 decimals, empty if missing."""
    digits = 2 if name.startswith("CO") else 0
    return values.round(digits).map(lambda v: "" if np.isnan(v) else f"{v:.{digits}f}")


def observations_csv() -> str:
    """The whole observation file as CSV text (deterministic)."""
    rng = np.random.default_rng(SEED)
    regional = np.log(seasonal_pm25(HOURS)) + ar1(rng, len(HOURS), 0.985, 0.35)
    columns = {}
    for city, (factor, delay, _) in CITIES.items():
        conc = city_hourly(rng, regional, factor, delay)
        conc[rng.random(conc.shape) < 0.003] = np.nan  # values missing at random
        conc.loc[OUTAGE] = np.nan
        types = national_types(conc)
        columns[city] = pd.concat([rounded(t, types[t]) for t in TYPES], axis=1, keys=TYPES)
    stacked = {city: frame.stack(future_stack=True) for city, frame in columns.items()}
    table = pd.DataFrame(stacked)
    times = table.index.get_level_values(0)
    table.insert(0, "type", table.index.get_level_values(1))
    table.insert(0, "hour", times.hour)
    table.insert(0, "date", times.strftime("%Y%m%d"))
    return table.to_csv(index=False, lineterminator="\n")


# Synthetic profiles for the cities smogsim has none for: real counties and districts, assumed
# weights and industry mixes (assumption: the industries each city is known for, no real list).
HENAN_PROFILES = {
    "郑州": CityProfile(
        city="郑州", full_name="郑州市", pinyin="zhengzhou", id_prefix="ZZ",
        counties={"中原区": 0.06, "二七区": 0.05, "管城回族区": 0.06, "金水区": 0.04,
                  "上街区": 0.04, "惠济区": 0.04, "中牟县": 0.12, "巩义市": 0.15,
                  "荥阳市": 0.12, "新密市": 0.13, "新郑市": 0.12, "登封市": 0.07},
        kinds={"refractories": 0.12, "nonferrous_rolling": 0.08, "cement": 0.03,
               "brick_tile": 0.08, "industrial_coating": 0.16, "packaging_printing": 0.12,
               "furniture": 0.08, "pharmaceuticals": 0.05, "snack_food": 0.08, "heating": 0.06,
               "waste_incineration": 0.02, "foundry": 0.08, "paint": 0.04}),
    "开封": CityProfile(
        city="开封", full_name="开封市", pinyin="kaifeng", id_prefix="KF",
        counties={"龙亭区": 0.05, "顺河回族区": 0.06, "鼓楼区": 0.04, "禹王台区": 0.05,
                  "祥符区": 0.16, "杞县": 0.14, "通许县": 0.12, "尉氏县": 0.18, "兰考县": 0.20},
        kinds={"chemicals": 0.10, "wood_panels": 0.10, "furniture": 0.16, "flour_milling": 0.08,
               "feed": 0.04, "snack_food": 0.08, "brick_tile": 0.12, "industrial_coating": 0.14,
               "packaging_printing": 0.08, "heating": 0.06, "foundry": 0.04}),
    "洛阳": CityProfile(
        city="洛阳", full_name="洛阳市", pinyin="luoyang", id_prefix="LY",
        counties={"老城区": 0.03, "西工区": 0.04, "瀍河回族区": 0.03, "涧西区": 0.10,
                  "偃师区": 0.14, "孟津区": 0.10, "洛龙区": 0.08, "新安县": 0.12, "栾川县": 0.06,
                  "嵩县": 0.04, "汝阳县": 0.04, "宜阳县": 0.08, "洛宁县": 0.04, "伊川县": 0.10},
        kinds={"refractories": 0.10, "glass": 0.03, "cement": 0.03, "secondary_nonferrous": 0.08,
               "nonferrous_rolling": 0.06, "chemicals": 0.08, "industrial_coating": 0.18,
               "foundry": 0.12, "ceramics": 0.04, "brick_tile": 0.10, "heating": 0.06,
               "packaging_printing": 0.08, "waste_incineration": 0.04}),
    "新乡": CityProfile(
        city="新乡", full_name="新乡市", pinyin="xinxiang", id_prefix="XX",
        counties={"红旗区": 0.06, "卫滨区": 0.04, "凤泉区": 0.06, "牧野区": 0.06, "新乡县": 0.10,
                  "获嘉县": 0.08, "原阳县": 0.08, "延津县": 0.08, "封丘县": 0.06, "卫辉市": 0.12,
                  "辉县市": 0.14, "长垣市": 0.12},
        kinds={"chemicals": 0.10, "paper": 0.06, "cement": 0.03, "industrial_coating": 0.18,
               "pharmaceuticals": 0.06, "foundry": 0.10, "brick_tile": 0.10,
               "packaging_printing": 0.10, "furniture": 0.07, "heating": 0.06,
               "flour_milling": 0.06, "rubber_products": 0.04, "waste_incineration": 0.04}),
    "焦作": CityProfile(
        city="焦作", full_name="焦作市", pinyin="jiaozuo", id_prefix="JO",
        counties={"解放区": 0.05, "中站区": 0.08, "马村区": 0.07, "山阳区": 0.05, "修武县": 0.10,
                  "博爱县": 0.12, "武陟县": 0.14, "温县": 0.10, "沁阳市": 0.16, "孟州市": 0.13},
        kinds={"chemicals": 0.12, "paper": 0.08, "cement": 0.03, "refractories": 0.06,
               "foundry": 0.12, "rubber_products": 0.08, "secondary_nonferrous": 0.06,
               "industrial_coating": 0.16, "brick_tile": 0.10, "heating": 0.06,
               "packaging_printing": 0.09, "coking": 0.04}),
    "安阳": CityProfile(
        city="安阳", full_name="安阳市", pinyin="anyang", id_prefix="AY",
        counties={"文峰区": 0.06, "北关区": 0.05, "殷都区": 0.14, "龙安区": 0.12, "安阳县": 0.15,
                  "汤阴县": 0.10, "滑县": 0.10, "内黄县": 0.10, "林州市": 0.18},
        kinds={"steel_integrated": 0.01, "coking": 0.03, "cement": 0.03, "refractories": 0.06,
               "foundry": 0.14, "chemicals": 0.08, "brick_tile": 0.12, "carbon": 0.03,
               "industrial_coating": 0.18, "packaging_printing": 0.08, "heating": 0.06,
               "furniture": 0.08, "flour_milling": 0.06, "lime_kiln": 0.04,
               "waste_incineration": 0.02}),
}


# Area sources (assumption, made as runs/xuchang.toml's were): the demo's sectors (runs/demo.toml,
# t/a) scaled per city and pollutant so that each city's list holds the same share of its
# city-wide base as the demo's list does of Luohe's — about 60 % of SO2, 30 % of NOx, 35 % of PM
# and 40 % of VOCs. Not any city's official inventory.
AREA_LIST_SHARE = {"so2_t": 0.60, "nox_t": 0.30, "pm_t": 0.35, "vocs_t": 0.40}
DEMO_AREA_SECTORS = {  # runs/demo.toml [area_sources.*], t/a: so2_t, nox_t, pm_t, vocs_t
    "mobile": (30.0, 8000.0, 300.0, 1500.0),
    "dust": (0.0, 0.0, 2500.0, 0.0),
    "residential": (1200.0, 500.0, 500.0, 400.0),
    "other": (380.0, 1500.0, 0.0, 1000.0),
}
AREA_SOURCE_NOTE = "synthetic: runs/demo.toml sectors scaled to the city's list"


def area_sources_csv(inventory: Inventory) -> str:
    """The area-source table as CSV text: per city, A = L × (1 − s) / s for each pollutant
    (L the list's t/a, s its share in ``AREA_LIST_SHARE``), split over the sectors as in the
    demo, whole tonnes; cut columns left out, so each sector takes its default cuts."""
    columns = list(AREA_LIST_SHARE)
    totals = inventory.to_frame().groupby("city")[columns].sum()
    demo = pd.DataFrame(DEMO_AREA_SECTORS, index=columns).T
    split = demo / demo.sum()
    rows = []
    for city in CITIES:
        area = totals.loc[city] * [(1 - s) / s for s in AREA_LIST_SHARE.values()]
        for sector, shares in split.iterrows():
            values = (area * shares).round(0)
            rows.append({"city": city, "sector": sector,
                         **{c: f"{values[c]:.0f}" for c in columns}, "source": AREA_SOURCE_NOTE})
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")


# Shared prefecture boundaries among the eight cities, read off the map of Henan (not from
# sources.md). Borders with the province's other cities are left out: they are not replayed.
NEIGHBOURS = {
    "郑州": ("开封", "新乡", "焦作", "洛阳", "许昌"), "开封": ("郑州", "新乡", "许昌"),
    "洛阳": ("郑州", "焦作"), "新乡": ("郑州", "开封", "焦作", "安阳"),
    "焦作": ("郑州", "洛阳", "新乡"), "安阳": ("新乡",), "许昌": ("郑州", "开封", "漯河"),
    "漯河": ("许昌",),
}


def region_toml() -> str:
    """The region file of the eight cities, with Henan's 2016 provincial linkage rule."""
    lines = [
        "# Region file of the Henan replay example, written by make_henan_observations.py",
        "# (edit the script, not this file). The eight example cities as the zone \"henan\";",
        "# neighbours are shared prefecture boundaries read off the map (assumption, not in",
        "# sources.md). The real province has 17 prefecture cities and 济源: borders with the nine",
        "# not replayed here are left out, so a group of six must form among these eight.",
        'name = "河南 (eight example cities)"',
    ]
    for city, neighbours in NEIGHBOURS.items():
        names = ", ".join(f'"{n}"' for n in neighbours)
        lines += ["", "[[city]]", f'name = "{city}"', 'province = "河南"', 'zones = ["henan"]',
                  f"neighbours = [{names}]"]
    lines += [
        "",
        "# Henan 2016 plan: a provincial-level alert when ≥ 6 adjacent prefecture cities meet",
        "# orange or red at the same time (sources.md §1.4, §3.4). Assumptions: the provincial",
        "# alert is orange (the plan's level is not in sources.md) and covers every city of the",
        "# zone; the 2019 plan (sources.md §14) may have changed the rule — not found.",
        "[[rule]]",
        'id = "henan-2016"',
        'kind = "adjacent"',
        'zone = "henan"',
        "min_cities = 6",
        'at_least = "orange"',
        'level = "orange"',
        'applies_to = "zone"',
        'source = "sources.md §1.4, §3.4 (Henan 2016 plan); level and zone-wide: assumptions"',
    ]
    return "\n".join(lines) + "\n"


def henan_inventory() -> Inventory:
    """One synthetic list for the eight cities; each city's part from its own child seed."""
    seeds = np.random.SeedSequence(SEED).spawn(len(CITIES))
    with mock.patch.dict(CITY_PROFILES, HENAN_PROFILES):
        return Inventory.concat([synthesize(city, n, seed) for (city, (_, _, n)), seed
                                 in zip(CITIES.items(), seeds, strict=True)])


def main() -> None:
    text = observations_csv().encode("utf-8")
    OBSERVATIONS.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    inventory = henan_inventory()
    write_inventory(inventory, INVENTORY)
    AREA.write_text(area_sources_csv(inventory), encoding="utf-8-sig")
    REGION.write_text(region_toml(), encoding="utf-8")
    rows = text.count(b"\n") - 1
    print(f"wrote {OBSERVATIONS.name} ({OBSERVATIONS.stat().st_size / 1e6:.2f} MB, {rows} rows), "
          f"{INVENTORY.name}, {AREA.name} and {REGION.name}")


if __name__ == "__main__":
    main()
