"""Vega-Lite specifications of the reports' charts, built from tables (pure functions: a
frame in, a JSON-ready dict out).

Every quantity axis starts at zero. Categorical colours are the Okabe–Ito palette, told apart
by colour-blind readers; alert levels keep their own colours (yellow, orange, red) and are
drawn as light shading or bars with a dark outline, never behind a line of the same hue.
Time axes zoom and pan (drag, wheel) and every mark shows its values on hover.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulator.report.page import FONT_STACK

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an id; never fetched
# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000",
             "#F0E442")
# Alert levels in their own colours (the level is the colour's meaning); temporary in grey.
LEVEL_COLOURS = {"temporary": "#9e9e9e", "blue": "#1f77b4", "yellow": "#e6c200",
                 "orange": "#ff8c00", "red": "#d62728"}
WIDTH = 760  # px, the page's content width less the legend (assumption)

Spec = dict[str, Any]


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: times as ISO text, NaN as null, numpy scalars as Python."""
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): _json_value(v) for k, v in row.items()})
    return out


def _json_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    return value if isinstance(value, (int, str)) else str(value)


# Time-axis labels in numbers, not the browser's English day and month names ("Tue 12",
# "03 AM"): a Chinese reader gets 12-13 and 03:00, as bureaus write them.
TIME_AXIS_FORMAT = {"year": "%Y", "quarter": "%Y-%m", "month": "%Y-%m", "week": "%m-%d",
                    "date": "%m-%d", "hours": "%H:%M", "minutes": "%H:%M", "seconds": "%H:%M:%S",
                    "milliseconds": "%H:%M:%S"}


def spec(body: Spec, title: str = "") -> Spec:
    """A top-level spec: schema, fonts of the page, no remote anything."""
    config = {"font": FONT_STACK, "view": {"stroke": None},
              "axis": {"labelFontSize": 11, "titleFontSize": 11},
              "axisTemporal": {"format": TIME_AXIS_FORMAT},
              "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 320},
              "title": {"anchor": "start", "fontSize": 13, "fontWeight": "normal"}}
    return {"$schema": VEGA_LITE_SCHEMA, **({"title": title} if title else {}),
            "config": config, **body}


def level_scale(levels: list[str], names: dict[str, str]) -> Spec:
    """Colour scale over alert levels as named in ``names`` (id → name)."""
    return {"domain": [names[lv] for lv in levels],
            "range": [LEVEL_COLOURS.get(lv, "#555555") for lv in levels]}


def _zoom_x() -> Spec:
    return {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}


def timeline(rows: list[dict], levels: list[str], names: dict[str, str], labels: dict[str, str],
             period: tuple[str, str] | None) -> Spec:
    """Alert windows per city (Gantt bars from start to end, by level) and issue times."""
    x: Spec = {"field": "start", "type": "temporal", "title": labels["time"]}
    if period:
        x["scale"] = {"domain": list(period)}
    y = {"field": "city", "type": "nominal", "title": labels["city"]}
    tooltip = [{"field": f, "type": t, "title": labels.get(f, f),
                **({"format": "%Y-%m-%d %H:%M"} if t == "temporal" else {})}
               for f, t in (("city", "nominal"), ("level_name", "nominal"),
                            ("issued_at", "temporal"), ("start", "temporal"),
                            ("end", "temporal"), ("hours", "quantitative"))]
    bars = {"mark": {"type": "bar", "stroke": "#222", "strokeWidth": 0.6, "height": 16},
            "params": [_zoom_x()],
            "encoding": {"x": x, "x2": {"field": "end"}, "y": y,
                         "color": {"field": "level_name", "type": "nominal",
                                   "title": labels["level"],
                                   "scale": level_scale(levels, names)},
                         "tooltip": tooltip}}
    issued = {"mark": {"type": "point", "shape": "triangle-down", "filled": True,
                       "color": "#000", "yOffset": -12, "size": 40},
              "encoding": {"x": {**x, "field": "issued_at"}, "y": y,
                           "tooltip": tooltip}}
    return {"width": WIDTH, "data": {"values": rows}, "layer": [bars, issued]}


def _kind(kind: str) -> list[Spec]:
    return [{"filter": {"field": "kind", "equal": kind}}]


def step_lines(rows: list[dict], shading: list[dict], levels: list[str], names: dict[str, str],
               labels: dict[str, str]) -> Spec:
    """Emission rates, one panel per pollutant: baseline dashed, actual solid, one colour per
    city, alert segments shaded lightly by level. ``rows``: pollutant, series, measure, segment,
    time, rate; ``shading``: pollutant, start, end, level_name."""
    shade = {"transform": _kind("shade"), "mark": {"type": "rect", "opacity": 0.18},
             "encoding": {"x": {"field": "start", "type": "temporal", "title": labels["time"]},
                          "x2": {"field": "end"},
                          "color": {"field": "level_name", "type": "nominal",
                                    "title": labels["level"],
                                    "scale": level_scale(levels, names)}}}
    line = {"transform": _kind("line"),
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 1.6},
            "params": [_zoom_x()],
            "encoding": {"x": {"field": "time", "type": "temporal", "title": labels["time"]},
                         "y": {"field": "rate", "type": "quantitative", "title": labels["rate"],
                               "scale": {"zero": True}},
                         "detail": {"field": "segment"},
                         "strokeDash": {"field": "measure", "type": "nominal",
                                        "title": labels["measure"],
                                        "scale": {"range": [[6, 3], [1, 0]]}},
                         "stroke": {"field": "series", "type": "nominal",
                                    "title": labels["series"],
                                    "scale": {"range": [OKABE_ITO[0], OKABE_ITO[6],
                                                        *OKABE_ITO[2:6]]}},
                         "tooltip": [{"field": "series", "type": "nominal",
                                      "title": labels["series"]},
                                     {"field": "measure", "type": "nominal",
                                      "title": labels["measure"]},
                                     {"field": "time", "type": "temporal",
                                      "title": labels["time"], "format": "%Y-%m-%d %H:%M"},
                                     {"field": "rate", "type": "quantitative",
                                      "title": labels["rate"], "format": ".3f"}]}}
    data = [{**r, "kind": "line"} for r in rows] + [{**r, "kind": "shade"} for r in shading]
    return {"data": {"values": data},
            "facet": {"field": "pollutant", "type": "nominal", "title": None,
                      "sort": ["SO2", "NOx", "PM", "VOCs"]},
            "columns": 2, "resolve": {"scale": {"y": "independent"}},
            "spec": {"width": WIDTH // 2 - 60, "height": 150, "layer": [shade, line]}}


def grouped_bars(rows: list[dict], x: str, group: str, value: str, labels: dict[str, str],
                 colours: Spec | None = None, target: str | None = None,
                 marker: str | None = None, x_sort: list[str] | None = None) -> Spec:
    """Bars of ``value`` by ``x``, side by side by ``group``; ``target`` a black tick per bar,
    ``marker`` a white diamond per bar (a second figure of the same quantity)."""
    colour = {"field": group, "type": "nominal", "title": labels.get(group, group),
              "scale": colours or {"range": list(OKABE_ITO)}}
    encoding = {"x": {"field": x, "type": "nominal", "title": labels.get(x, x),
                      "sort": x_sort, "axis": {"labelAngle": 0}},
                "xOffset": {"field": group, "type": "nominal", "sort": None},
                "tooltip": [{"field": c, "type": "nominal" if c in (x, group) else
                             "quantitative", "title": labels.get(c, c),
                             **({} if c in (x, group) else {"format": ",.2f"})}
                            for c in (x, group, value, target, marker) if c]}
    layers = [{"mark": {"type": "bar", "stroke": "#222", "strokeWidth": 0.5},
               "encoding": {**encoding, "color": colour,
                            "y": {"field": value, "type": "quantitative",
                                  "title": labels[value], "scale": {"zero": True}}}}]
    if target:
        layers.append({"mark": {"type": "tick", "color": "#000", "thickness": 3},
                       "encoding": {**encoding, "y": {"field": target,
                                                      "type": "quantitative"}}})
    if marker:
        layers.append({"mark": {"type": "point", "shape": "diamond", "filled": True,
                                "fill": "#fff", "stroke": "#000", "size": 50, "opacity": 1},
                       "encoding": {**encoding, "y": {"field": marker,
                                                      "type": "quantitative"}}})
    return {"width": {"step": 26}, "height": 260, "data": {"values": rows}, "layer": layers}


def stacked_hbars(rows: list[dict], category: str, part: str, value: str,
                  labels: dict[str, str], order: list[str]) -> Spec:
    """Horizontal bars of ``value`` by ``category``, stacked by ``part`` (Okabe–Ito)."""
    return {"width": WIDTH - 200, "height": {"step": 18}, "data": {"values": rows},
            "mark": {"type": "bar", "stroke": "#fff", "strokeWidth": 0.5},
            "encoding": {"y": {"field": category, "type": "nominal", "sort": order,
                               "title": labels.get(category, category)},
                         "x": {"field": value, "type": "quantitative", "title": labels[value],
                               "scale": {"zero": True}},
                         "color": {"field": part, "type": "nominal",
                                   "title": labels.get(part, part),
                                   "scale": {"range": list(OKABE_ITO)}},
                         "tooltip": [{"field": category, "type": "nominal",
                                      "title": labels.get(category, category)},
                                     {"field": part, "type": "nominal",
                                      "title": labels.get(part, part)},
                                     {"field": value, "type": "quantitative",
                                      "title": labels[value], "format": ",.3f"}]}}


def scatter_met(rows: list[dict], labels: dict[str, str], top: float) -> Spec:
    """Required against achieved cut per row, met in blue, short in vermilion, y = x line."""
    point = {"mark": {"type": "point", "filled": True, "size": 40},
             "encoding": {"x": {"field": "required", "type": "quantitative",
                                "title": labels["required"], "scale": {"zero": True}},
                          "y": {"field": "achieved", "type": "quantitative",
                                "title": labels["achieved"], "scale": {"zero": True}},
                          "color": {"field": "status", "type": "nominal",
                                    "title": labels["status"],
                                    "scale": {"range": [OKABE_ITO[0], OKABE_ITO[1]]}},
                          "shape": {"field": "status", "type": "nominal"},
                          "tooltip": [{"field": c, "title": labels[key]} for c, key in
                                      (("row", "status"), ("required", "required"),
                                       ("achieved", "achieved"))]}}
    diagonal = {"data": {"values": [{"v": 0.0}, {"v": top}]},
                "mark": {"type": "line", "color": "#000", "strokeWidth": 1},
                "encoding": {"x": {"field": "v", "type": "quantitative"},
                             "y": {"field": "v", "type": "quantitative"}}}
    return {"width": 420, "height": 320, "data": {"values": rows}, "layer": [point, diagonal]}


def pm25_lines(rows: list[dict], shading: list[dict], levels: list[str], names: dict[str, str],
               labels: dict[str, str], heavy: float) -> Spec:
    """PM2.5 with and without measures, one panel per city (rows: city, time, series, pm25),
    alert hours shaded lightly by level (shading: city, start, end, level_name), the
    heavy-pollution line dotted."""
    shade = {"transform": _kind("shade"), "mark": {"type": "rect", "opacity": 0.15},
             "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"},
                          "color": {"field": "level_name", "type": "nominal",
                                    "title": labels["level"],
                                    "scale": level_scale(levels, names)}}}
    line = {"transform": _kind("line"), "mark": {"type": "line", "strokeWidth": 1.4},
            "params": [_zoom_x()],
            "encoding": {"x": {"field": "time", "type": "temporal", "title": labels["time"]},
                         "y": {"field": "pm25", "type": "quantitative", "title": labels["pm25"],
                               "scale": {"zero": True}},
                         "stroke": {"field": "series", "type": "nominal",
                                    "title": labels["series"],
                                    "scale": {"range": ["#000000", OKABE_ITO[0]]}},
                         "strokeDash": {"field": "series", "type": "nominal",
                                        "scale": {"range": [[5, 3], [1, 0]]}},
                         "tooltip": [{"field": "series", "type": "nominal",
                                      "title": labels["series"]},
                                     {"field": "time", "type": "temporal",
                                      "title": labels["time"], "format": "%Y-%m-%d %H:%M"},
                                     {"field": "pm25", "type": "quantitative",
                                      "title": labels["pm25"], "format": ".1f"}]}}
    rule = {"mark": {"type": "rule", "strokeDash": [2, 2], "color": "#000"},
            "encoding": {"y": {"datum": heavy}}}
    data = [{**r, "kind": "line"} for r in rows] + [{**r, "kind": "shade"} for r in shading]
    return {"data": {"values": data},
            "facet": {"row": {"field": "city", "type": "nominal", "title": None}},
            "spec": {"width": WIDTH, "height": 160, "layer": [shade, line, rule]}}


MAP_HEIGHT = 460  # px of the geographic map (assumption: a city and its counties fit)
MAP_FILL = 0.9  # share of the view the plants' extent fills at zoom 1
MAP_ZOOM = (0.5, 64.0)  # zoom limits of the wheel, × the fitted scale


def mercator_fit(lon: list[float], lat: list[float], width: float,
                 height: float) -> tuple[list[float], float]:
    """Centre (lon, lat) and Mercator scale (px per radian) that fit the points in the view.

    >>> mercator_fit([113.0, 115.0], [33.0, 33.0], 720, 460)[1] == 0.9 * 720 / math.radians(2)
    True
    """
    def y(phi: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(phi) / 2))

    west, east, south, north = min(lon), max(lon), min(lat), max(lat)
    span_x = max(math.radians(east - west), math.radians(0.05))  # one plant: a 5 km view
    span_y = max(y(north) - y(south), math.radians(0.05))
    scale = MAP_FILL * min(width / span_x, height / span_y)
    middle = math.degrees(2 * math.atan(math.exp((y(north) + y(south)) / 2)) - math.pi / 2)
    return [round((west + east) / 2, 6), round(middle, 6)], round(scale, 3)


def geo_map(rows: list[dict], seats: list[dict], labels: dict[str, str],
            tooltip: list[str]) -> Spec:
    """Enterprises as squares on their ``lon``/``lat`` (Mercator), coloured by response, the
    county seats marked and named (``seats``: county, lon, lat). The wheel zooms about the
    pointer, a drag pans, a double click resets: the page wires the ``map_view`` parameter
    ([zoom, pan x, pan y], pan in px at zoom 1) to those events (``usermeta.zoom``), which
    Vega-Lite parameters cannot listen to themselves."""
    width = WIDTH - 160
    centre, scale = mercator_fit([r["lon"] for r in rows], [r["lat"] for r in rows], width,
                                 MAP_HEIGHT)
    colour = {"field": "response", "type": "nominal", "title": labels["response"],
              "scale": {"range": list(OKABE_ITO)}}
    place = {"longitude": {"field": "lon", "type": "quantitative"},
             "latitude": {"field": "lat", "type": "quantitative"}}
    plants = {"data": {"values": rows},
              "mark": {"type": "square", "size": 36, "opacity": 0.85, "clip": True},
              "encoding": {**place, "color": colour,
                           "tooltip": [{"field": c, "title": labels.get(c, c)}
                                       for c in tooltip]}}
    seat = {"data": {"values": seats},
            "mark": {"type": "point", "shape": "triangle-up", "size": 60, "filled": True,
                     "color": "#222", "clip": True},
            "encoding": {**place, "tooltip": [{"field": "county",
                                               "title": labels.get("county", "county")}]}}
    name = {"data": {"values": seats},
            "mark": {"type": "text", "dy": -11, "fontSize": 12, "fontWeight": "bold",
                     "color": "#222", "clip": True},
            "encoding": {**place, "text": {"field": "county", "type": "nominal"}}}
    return {"width": width, "height": MAP_HEIGHT,
            "params": [{"name": "map_view", "value": [1, 0, 0]}],
            "projection": {"type": "mercator", "center": centre,
                           "scale": {"expr": f"{scale} * map_view[0]"},
                           "translate": {"expr": "[width / 2 + map_view[1] * map_view[0], "
                                                 "height / 2 + map_view[2] * map_view[0]]"}},
            "layer": [plants, seat, name],
            "usermeta": {"zoom": {"limits": list(MAP_ZOOM)}}}


def unit_map(rows: list[dict], labels: dict[str, str], tooltip: list[str]) -> Spec:
    """Enterprises as squares coloured by response in a block per county (``x``, ``y``: place
    in the block), one panel per county: a layout for plants without coordinates."""
    colour = {"field": "response", "type": "nominal", "title": labels["response"],
              "scale": {"range": list(OKABE_ITO)}}
    tips = [{"field": c, "title": labels.get(c, c)} for c in tooltip]
    hidden = {"axis": None}  # places in a block, not quantities
    return {"data": {"values": rows},
            "facet": {"field": "county", "type": "nominal", "title": None},
            "columns": 4,
            "spec": {"width": 150, "height": 110,
                     "mark": {"type": "square", "size": 70, "stroke": "#fff",
                              "strokeWidth": 0.5},
                     "encoding": {"x": {"field": "x", "type": "ordinal", **hidden},
                                  "y": {"field": "y", "type": "ordinal", **hidden},
                                  "color": colour, "tooltip": tips}},
            "resolve": {"scale": {"x": "shared", "y": "shared"}}}
