"""Plant coordinates as bureaus write them: decimal degrees or 度分秒, checked against China.

Lists exported from Chinese platforms (排污许可, 在线监测, map pickers) give longitude and
latitude in decimal degrees (113.9700) or degrees, minutes and seconds (113°58'12",
113度58分12秒, 东经113°58′12″). smogsim reads them as given, in whatever datum the list uses:
Chinese web maps (Amap, Tencent) give GCJ-02, which lies a few hundred metres off WGS-84; the
report draws the points as written (assumption: that offset does not matter on a city map).

>>> parse_degrees("113°58'12\\""), parse_degrees("113度58分12秒"), parse_degrees("东经 113.97")
(113.97, 113.97, 113.97)
"""

from __future__ import annotations

import math
import re
import unicodedata

# China's extent, degrees: 73–136 °E (Pamirs to the Heilongjiang–Ussuri confluence), 3–54 °N
# (James Shoal to Mohe). A value outside is a typo, a projected metre value or another datum.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)

_HEMISPHERE = re.compile(r"^(东经|北纬|经度|纬度|e|n)|(东经|北纬|e|n)$")
_DMS = re.compile(
    r"^(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|′|’|分))?\s*"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒))?$")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?\s*°?$")


def parse_degrees(text: str) -> float:
    """Degrees from a cell: decimal (113.97, 113.97°) or 度分秒; ValueError if neither.

    A 东经/北纬 or E/N mark before or after is allowed; minutes and seconds must be < 60.
    """
    key = unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")
    key = _HEMISPHERE.sub("", key).strip(":：")
    if _DECIMAL.match(key):
        return float(key.rstrip("°"))
    match = _DMS.match(key)
    if not match:
        raise ValueError(text)
    minutes, seconds = float(match["min"] or 0), float(match["sec"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(text)
    return round(float(match["deg"]) + minutes / 60 + seconds / 3600, 6)


def in_range(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1] if math.isfinite(value) else False


def looks_swapped(lon: float, lat: float) -> bool:
    """True when the pair is out of China as given but inside it the other way round."""
    given = in_range(lon, LON_RANGE) and in_range(lat, LAT_RANGE)
    return not given and in_range(lat, LON_RANGE) and in_range(lon, LAT_RANGE)
