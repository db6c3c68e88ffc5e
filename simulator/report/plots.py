"""Figures written beside a run's tables (PNG files), drawn with matplotlib when installed."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

ALERT_IDS = ("yellow", "orange", "red")  # shaded in the plot


# Names are text: a county called "县$x_1^2$区" is drawn as written, never parsed as math
# (an unbalanced "$_$" would otherwise stop the whole report).
PLAIN_TEXT = {"text.parse_math": False}

PLOT_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei",
              "Microsoft YaHei", "PingFang SC")


def plot_airquality(frame: pd.DataFrame, path: Path, title: str = "") -> bool:
    """PM2.5 with and without measures, one panel per city, alert hours shaded; a PNG at
    ``path``. Returns False (and writes nothing) when matplotlib is not installed."""
    try:
        import matplotlib as mpl
    except ImportError:
        return False
    with mpl.rc_context(PLAIN_TEXT):
        _draw_airquality(frame, path, title)
    return True


def _draw_airquality(frame: pd.DataFrame, path: Path, title: str) -> None:
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    installed = {font.name for font in font_manager.fontManager.ttflist}
    fonts = ["DejaVu Sans", *[f for f in PLOT_FONTS if f in installed][:1]]
    cities = list(dict.fromkeys(frame["city"]))
    fig = Figure(figsize=(8, 1.9 * len(cities) + 0.6), dpi=80, layout="constrained")
    axes = fig.subplots(len(cities), 1, sharex=True, squeeze=False)[:, 0]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")  # no CJK font
        for ax, city in zip(axes, cities, strict=True):
            rows = frame[frame["city"] == city]
            on = rows["alert_level"].isin(ALERT_IDS).to_numpy()
            ax.fill_between(rows["time"], 0, 1, where=on, transform=ax.get_xaxis_transform(),
                            color="#bbbbbb", alpha=0.3, linewidth=0, label="alert in force")
            ax.plot(rows["time"], rows["pm25_without"], color="#000000", lw=1.2,
                    label="without measures")
            ax.plot(rows["time"], rows["pm25_with"], color="#0072B2", lw=1.2,
                    label="with measures")
            ax.axhline(150, color="#c0392b", lw=0.8, ls=":",
                       label="150 µg/m³ (24-h mean at AQI 200)")
            ax.set_ylim(bottom=0)  # a quantity's axis starts at zero
            ax.set_ylabel("PM2.5 µg/m³", fontfamily=fonts)
            ax.set_title(city, loc="left", fontsize=10, fontfamily=fonts)
            ax.spines[["top", "right"]].set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", fontsize=8, frameon=False,
                   ncol=4)
        if title:
            fig.suptitle(title, fontsize=10, fontfamily=fonts)
        fig.autofmt_xdate()
        fig.savefig(path, format="png", metadata={"Software": None})
