"""The frame every smogsim report shares: one self-contained HTML page whose charts are
Vega-Lite specifications drawn by the browser.

Vega, Vega-Lite and vega-embed (``static/``, BSD-3-Clause, licences beside them) are inlined
into the page, so it opens offline and makes no request. Charts are drawn as SVG with the
page's own font stack: chart text is rendered the way the page's text is, with the fonts of the
machine showing the report (not of the machine that wrote it).
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")  # in load order
FONT_STACK = ('system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", '
              '"PingFang SC", "WenQuanYi Zen Hei", sans-serif')
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_STYLE = """
body { font-family: FONTS; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
nav a { margin-right: 0.8rem; }
section { border-top: 1px solid #ccc; margin-top: 1.5rem; }
.chart { margin: 0.8rem 0; max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { padding: 0.15rem 0.5rem; border-bottom: 1px solid #eee; text-align: left; }
.num { text-align: right; }
.note { color: #555; font-style: italic; }
""".replace("FONTS", FONT_STACK)

# Draws every chart from its spec (a JSON script beside it) and marks it drawn or failed, and
# the page ready once all are settled, so a headless browser can tell that each chart rendered.
# A map (``usermeta.zoom``) gets its zoom and pan: Vega-Lite parameters cannot listen to events,
# so the compiled Vega spec's map_view signal ([zoom, pan x, pan y], pan in px at zoom 1) is
# given wheel (zoom about the pointer), drag and double-click (back to the start) handlers.
_DRAW = """
(function () {
  function zoomable(limits) {
    var zoom = "clamp(map_view[0] * pow(1.002, -event.deltaY * pow(16, event.deltaMode)), " +
               limits[0] + ", " + limits[1] + ")";
    var keep = "(1 / " + zoom + " - 1 / map_view[0])";
    var wheel = "[" + zoom + ", map_view[1] + (x() - width / 2) * " + keep +
                ", map_view[2] + (y() - height / 2) * " + keep + "]";
    var drag = "[map_view[0], map_grip[2] + (x() - map_grip[0]) / map_view[0], " +
               "map_grip[3] + (y() - map_grip[1]) / map_view[0]]";
    return function (vg) {
      vg.signals = (vg.signals || []).map(function (s) {
        if (s.name === "map_view") {
          s.on = [{events: {type: "wheel", consume: true}, update: wheel},
                  {events: "[pointerdown, window:pointerup] > window:pointermove", update: drag},
                  {events: "dblclick", update: "[1, 0, 0]"}];
        }
        return s;
      });
      vg.signals.push({name: "map_grip", value: [0, 0, 0, 0], on: [
        {events: "pointerdown", update: "[x(), y(), map_view[1], map_view[2]]"}]});
      return vg;
    };
  }
  var charts = Array.prototype.slice.call(document.querySelectorAll("div.chart"));
  var done = charts.map(function (div) {
    var spec = JSON.parse(document.getElementById(div.id + "-spec").textContent);
    var options = {renderer: "svg", actions: false};
    var zoom = spec.usermeta && spec.usermeta.zoom;
    if (zoom) { options.patch = zoomable(zoom.limits); }
    return vegaEmbed(div, spec, options)
      .then(function () { div.dataset.rendered = "true"; })
      .catch(function (error) { div.dataset.rendered = "false"; console.error(error); });
  });
  Promise.all(done).then(function () { document.body.dataset.reportReady = "true"; });
})();
"""


@cache
def scripts() -> str:
    """The three libraries as one inline script (source-map comments dropped: nothing to
    fetch)."""
    parts = []
    for name in SCRIPTS:
        text = (STATIC / name).read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith("//# sourceMappingURL")]
        parts.append("\n".join(lines))
    return "\n".join(parts).replace("</script", "<\\/script")


def chart(chart_id: str, spec: dict, alt: str) -> str:
    """A chart's place in the page: a ``div.chart`` and its spec as a JSON data block."""
    data = json.dumps(spec, ensure_ascii=False, sort_keys=True, allow_nan=False,
                      separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="chart" id="{html.escape(chart_id)}" role="img" '
            f'aria-label="{html.escape(alt)}"></div>'
            f'<script type="application/json" id="{html.escape(chart_id)}-spec">{data}</script>')


def page(title: str, lang: str, nav: list[tuple[str, str]], body: str) -> str:
    """The whole page: ``nav`` is (element id, name) of its sections, ``body`` their HTML."""
    links = "".join(f'<a href="#{key}">{html.escape(name)}</a>' for key, name in nav)
    title = html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="{HTML_LANG.get(lang, lang)}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{title}</title>\n<style>{_STYLE}</style>\n'
            f"<script>{scripts()}</script>\n</head>\n<body>\n<h1>{title}</h1>\n"
            f"<nav>{links}</nav>\n{body}\n<script>{_DRAW}</script>\n</body>\n</html>\n")
