"""File access for regional runs: the multi-city scenario in, the run directory out.

The run directory is written like ``simulator.io.write_run``: under a temporary name, renamed
into place only when complete, so a failed run never leaves a partial directory.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from alerts.io import AlertInputError, is_forecast_table, load_alert_inputs, load_observations
from enterprises.io import load_inventory
from simulator.io import (
    build_inputs,
    file_digest,
    finish_run_dir,
    input_hashes,
    read_scenario_toml,
    staged_run_dir,
    write_csv,
)
from simulator.regional import ANNUAL_MIN_DAYS, RegionalInputs, RegionalRun, RegionalSpec
from simulator.scenario import ScenarioError
from simulator.transport_run import TransportInputs, load_transport_inputs

ALERT_IDS = ("yellow", "orange", "red")  # shaded in the plot
PLOT_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei",
              "Microsoft YaHei", "PingFang SC")


def load_regional_scenario(path: str | Path) -> RegionalSpec:
    """Read and validate a scenario file that names one or several cities."""
    return RegionalSpec.from_dict(*read_scenario_toml(path))


def load_regional_inputs(spec: RegionalSpec) -> RegionalInputs:
    """Read the forecast (all cities), region, inventory, measures and matrix files once."""
    first = spec.first
    if is_forecast_table(first.forecast):
        raise ScenarioError(f"{first.forecast}: key forecast.file: a table of issued daily AQI "
                            "forecasts — expected hourly concentrations with a PM2.5 column "
                            "(the air-quality model needs PM2.5)")
    observations = load_observations([first.forecast])
    if observations.daily:
        raise AlertInputError(f"{first.forecast}: column time: daily values — expected hourly "
                              "PM2.5 for the air-quality model")
    concentrations = {}
    for city in spec.cities:
        frame = observations.cities.get(city)
        if frame is None:
            raise AlertInputError(f"{first.forecast}: column city: no rows for city {city!r} — "
                                  "expected hourly data for every scenario city")
        if "PM2.5" not in frame.columns:
            raise AlertInputError(f"{first.forecast}: row 1, column PM2.5: missing — expected "
                                  "hourly PM2.5 (µg/m³) for the air-quality model")
        concentrations[city] = frame
    alerts = load_alert_inputs([first.forecast], first.rules, region=first.region,
                               loaded=observations)
    # one list for every city (a city cannot override [inventory]); windows come from the
    # joint timeline of each run (simulator.regional.timeline)
    inventory = load_inventory(first.inventory)
    cities = {city: build_inputs(spec.spec(city), windows=(), inventory=inventory)
              for city in spec.cities}
    matrix = _read_matrix(spec.matrix) if spec.matrix is not None else None
    transport = _transport_inputs(spec)
    return RegionalInputs(alerts, cities, concentrations, matrix,
                          _hashes(spec, transport), transport)


def _transport_inputs(spec: RegionalSpec) -> dict[str, TransportInputs]:
    """Each city's ``[transport]`` inputs; a table shared by several cities is read once."""
    loaded: list[TransportInputs] = []
    out = {}
    for city, city_spec in zip(spec.cities, spec.specs, strict=True):
        if city_spec.transport is None:
            continue
        same = [t for t in loaded if t.spec == city_spec.transport]
        if not same:
            same = [load_transport_inputs(city_spec.transport)]
            loaded += same
        out[city] = same[0]
    return out


def _read_matrix(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as bad:
        raise ScenarioError(f"{path}: cannot read ({str(bad).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _hashes(spec: RegionalSpec, transport: dict[str, TransportInputs]) -> dict[str, str]:
    out: dict[str, str] = {}
    for city, city_spec in zip(spec.cities, spec.specs, strict=True):
        hashes = input_hashes(city_spec)
        if city in transport:
            hashes |= transport[city].hashes()
        for name, digest in hashes.items():
            if out.setdefault(name, digest) != digest:
                out[f"{name}:{city}"] = digest
    if spec.matrix is not None:
        out["matrix"] = "sha256:" + file_digest(spec.matrix)
    return out


def regional_tables(run: RegionalRun, comparison: pd.DataFrame | None = None,
                    airquality: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a regional run directory, by file name, in writing order.

    ``airquality``: ``run.airquality_frame()`` when the caller has built it already.
    """
    combined = run.combined()
    tables = {"alerts.csv": combined.alerts, "episodes.csv": combined.episodes,
              "audit.csv": combined.audit, "enterprises.csv": combined.enterprise_tonnes,
              "breakdown.csv": combined.breakdown,
              # [compliance]: every city with the model on (city column)
              "verification.csv": combined.verification, "inspections.csv": combined.inspections,
              **run.transport_tables(),  # [transport]: transport.csv, transport_summary.csv
              "airquality.csv": (run.airquality_frame() if airquality is None
                                 else airquality),
              "heavy_pollution.csv": run.heavy_frame(),
              "contributions.csv": run.contributions_frame()}
    if run.days >= ANNUAL_MIN_DAYS:
        tables["annual.csv"] = run.annual_frame()
    if run.feedback is not None:
        tables["feedback.csv"] = run.feedback
    if comparison is not None:
        tables["comparison.csv"] = comparison
    return {name: frame for name, frame in tables.items() if frame is not None}


def write_regional_run(run: RegionalRun, out_dir: Path, manifest: dict,
                       comparison: pd.DataFrame | None = None) -> Path:
    """Write the run's tables (``regional_tables``), ``airquality.png`` when matplotlib is
    installed, ``report.html`` and ``manifest.json`` into ``out_dir`` atomically; return the
    directory."""
    with staged_run_dir(out_dir) as tmp:
        files = []
        airquality = run.airquality_frame()
        for name, frame in regional_tables(run, comparison, airquality).items():
            write_csv(frame, tmp / name)
            files.append(name)
        if plot_airquality(airquality, tmp / "airquality.png"):
            files.append("airquality.png")
        finish_run_dir(tmp, {**manifest, "files": files})
    return Path(out_dir)


def plot_airquality(frame: pd.DataFrame, path: Path, title: str = "") -> bool:
    """PM2.5 with and without measures, one panel per city, alert hours shaded; a PNG at
    ``path``. Returns False (and writes nothing) when matplotlib is not installed."""
    try:
        from matplotlib import font_manager
        from matplotlib.figure import Figure
    except ImportError:
        return False
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
                            color="#f2c14e", alpha=0.25, linewidth=0, label="alert in force")
            ax.plot(rows["time"], rows["pm25_without"], color="#7f7f7f", lw=1.2,
                    label="without measures")
            ax.plot(rows["time"], rows["pm25_with"], color="#1f77b4", lw=1.2,
                    label="with measures")
            ax.axhline(150, color="#c0392b", lw=0.8, ls=":",
                       label="150 µg/m³ (24-h mean at AQI 200)")
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
    return True
