"""File access for transport: the fleet ledger, the rule file, the emission-factor table.

The fleet ledger is kept apart from the emergency-reduction list, as bureaus keep gate-system
(门禁) vehicle ledgers (sources.md §5): one row per enterprise, keyed by its inventory id. Row
numbers in errors are those a spreadsheet user sees (header = row 1, first data row = row 2).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.textfiles import TextFileError, follow_umask, read_text, spreadsheet_safe
from enterprises.io import read_csv_table
from enterprises.transport import (
    DEFAULT_TRIP_KM,
    EXEMPTIONS,
    FACTOR_COLUMNS,
    STANDARD_ZH,
    STANDARDS,
    TRANSPORT_POLLUTANTS,
    EmissionFactors,
    Fleet,
    FleetError,
    TransportRules,
    TransportRulesError,
)

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_RULES_PATH = DATA_DIR / "transport_rules.toml"
DEFAULT_FACTORS_PATH = DATA_DIR / "truck_emission_factors.csv"


@dataclass(frozen=True)
class FleetColumn:
    """One fleet-ledger column: English id, Chinese header, kind, unit, required, default."""

    id: str
    zh: str
    kind: str  # "id", "number", "positive", "bool", "count"
    unit: str
    required: bool
    default: float | bool | None  # None: no default (a required column)
    description: str


FLEET_COLUMNS: tuple[FleetColumn, ...] = (
    FleetColumn("enterprise_id", "企业编号", "id", "", True, None,
                "the enterprise's id in the inventory"),
    FleetColumn("daily_trips", "日均货车进出车次", "number", "trips/d", True, None,
                "heavy-truck visits per day (each enters and leaves once), ≥ 0"),
    FleetColumn("trip_km", "单程运距(公里)", "positive", "km", False, DEFAULT_TRIP_KM,
                "one-way road haul, > 0; default 50 km (assumption, sources.md §12.5)"),
    *(FleetColumn(s, STANDARD_ZH[s], "number", "trucks or share", False, 0.0,
                  f"{STANDARD_ZH[s]} heavy trucks: a count or a share of trips, ≥ 0")
      for s in STANDARDS),
    FleetColumn("livelihood_logistics", "民生保障运输", "bool", "", False, False,
                "haulage is 民生保障 logistics (exempt, sources.md §5)"),
    FleetColumn("hazardous_chemicals", "危化品运输", "bool", "", False, False,
                "haulage of hazardous chemicals (exempt, sources.md §5)"),
    FleetColumn("safe_operation", "安全生产需要", "bool", "", False, False,
                "trucks needed for safe operation (exempt, sources.md §5)"),
    FleetColumn("nonroad_china2", "国二及以下非道路机械(台)", "count", "machines", False, 0,
                "国二-and-older non-road machinery in the plant, ≥ 0"),
)

_TRUE = frozenset({"true", "1", "是", "yes"})
_FALSE = frozenset({"false", "0", "否", "no"})
_EXPECTED = {
    "id": "a non-empty, unique enterprise id",
    "number": "a number ≥ 0",
    "positive": "a number > 0 (km)",
    "bool": "one of true, false, 1, 0, 是, 否, yes, no",
    "count": "a whole number ≥ 0",
}


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).replace(" ", "").strip().lower()


_BY_HEADER = {**{_key(c.zh): c for c in FLEET_COLUMNS}, **{_key(c.id): c for c in FLEET_COLUMNS}}


def load_fleet(path: str | Path) -> Fleet:
    """Read a fleet ledger CSV (UTF-8 with or without BOM; GBK fallback).

    Headers may be English ids or Chinese names (``FLEET_COLUMNS``), in any order; unknown
    columns are ignored; at least one fleet-mix column is required. The first bad cell (by row,
    then column) raises ``FleetError`` naming file, row, column, value and what was expected.
    """
    path = Path(path)
    raw = read_csv_table(path, FleetError)
    return validate_fleet(raw, path=path, rows=raw.index.to_numpy())


def validate_fleet(raw: pd.DataFrame, path: str | Path | None = None,
                   rows: np.ndarray | None = None) -> Fleet:
    """Check a frame of text cells (a ledger as read) and build the ``Fleet``."""
    rows = np.arange(2, len(raw) + 2) if rows is None else np.asarray(rows)
    headers = _map_headers(list(raw.columns), path)
    values, first = {}, None
    for position, (col_id, header) in enumerate(headers.items()):
        column = next(c for c in FLEET_COLUMNS if c.id == col_id)
        text = np.array(["" if pd.isna(v) else str(v).strip() for v in raw[header]], dtype=object)
        parsed, bad, expected = _check(column, text, rows)
        values[col_id] = parsed
        if bad.any():
            i = int(np.argmax(bad))
            if first is None or (rows[i], position) < first[:2]:
                first = (rows[i], position, col_id, header, text[i], expected(i))
    if first is None:
        first = _mix_problem(values, headers, rows)
    if first is not None:
        row, _, col_id, header, value, expected = first
        raise FleetError(path, int(row), col_id, value, expected, header)
    n = len(raw)

    def col(c: FleetColumn) -> np.ndarray:
        return values[c.id] if c.id in values else np.full(n, c.default)

    by_id = {c.id: c for c in FLEET_COLUMNS}
    return Fleet(
        ids=values["enterprise_id"],
        daily_trips=col(by_id["daily_trips"]),
        trip_km=col(by_id["trip_km"]),
        mix=np.column_stack([col(by_id[s]) for s in STANDARDS]).astype(float).reshape(n, -1),
        exempt=np.column_stack([col(by_id[e]) for e in EXEMPTIONS]).astype(bool).reshape(n, -1),
        nonroad_china2=col(by_id["nonroad_china2"]),
    )


def _map_headers(headers: list[str], path) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        col = _BY_HEADER.get(_key(header))
        if col is None:
            continue
        if col.id in found:
            raise FleetError(path, 1, col.id, header,
                             f"one column for {col.id} (already {found[col.id]!r})", header)
        found[col.id] = header
    for c in FLEET_COLUMNS:
        if c.required and c.id not in found:
            raise FleetError(path, 1, c.id, "", f"a column headed {c.id} or {c.zh}")
    if not any(s in found for s in STANDARDS):
        raise FleetError(path, 1, "china5", "", "at least one fleet-mix column: "
                         + ", ".join(f"{s} ({STANDARD_ZH[s]})" for s in STANDARDS))
    return found


def _check(col: FleetColumn, text: np.ndarray, rows: np.ndarray):
    """(parsed values, bad-cell mask, explain(i)) for one column."""
    empty = text == ""
    if col.kind == "id":
        repeated = pd.Series(text).duplicated(keep="first").to_numpy() & ~empty

        def explain(i: int) -> str:
            if empty[i]:
                return _EXPECTED["id"]
            return f"a unique id (row {rows[np.argmax(text == text[i])]} has it already)"

        return text, empty | repeated, explain
    if col.kind == "bool":
        lower = np.array([t.lower() for t in text], dtype=object)
        true, false = np.isin(lower, list(_TRUE)), np.isin(lower, list(_FALSE))
        value = np.where(empty, bool(col.default), true).astype(bool)
        return value, ~(true | false | empty), lambda i: _EXPECTED["bool"]
    num = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(np.float64)
    if col.default is not None:
        num = np.where(empty, float(col.default), num)
    bad = ~np.isfinite(num) | (num <= 0 if col.kind == "positive" else num < 0)
    if col.kind == "count":
        bad |= np.nan_to_num(num) % 1 != 0
    return np.nan_to_num(num, nan=0.0, posinf=0.0), bad, lambda i: _EXPECTED[col.kind]


def _mix_problem(values: dict, headers: dict[str, str], rows: np.ndarray):
    """A row with trips but no truck in its mix, as an error tuple (or None)."""
    present = [s for s in STANDARDS if s in values]
    mix = np.column_stack([values[s] for s in present])
    bad = (values["daily_trips"] > 0) & (mix.sum(axis=1) == 0)
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    return (rows[i], 0, present[0], headers[present[0]], str(mix[i, 0]).removesuffix(".0"),
            "a fleet mix with some trucks (a share or count > 0) when daily_trips > 0")


def write_fleet(fleet: Fleet, path: str | Path) -> Path:
    """Write the ledger as CSV (UTF-8 with BOM, English ids; mix as shares), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            spreadsheet_safe(fleet.to_frame()).to_csv(handle, index=False, lineterminator="\n")
        follow_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_transport_rules(path: str | Path | None = None,
                         ruleset: str | None = None) -> TransportRules:
    """One rule set of a transport rule TOML file (default: the bundled file and its default
    rule set). Raises ``TransportRulesError`` with a one-line message."""
    path = DEFAULT_RULES_PATH if path is None else Path(path)
    try:
        data = tomllib.loads(read_text(path).text)
    except OSError as exc:
        raise TransportRulesError(f"{path}: cannot read ({exc.strerror})") from None
    except TextFileError as exc:
        raise TransportRulesError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise TransportRulesError(f"{path.name}: not valid TOML ({exc})") from None
    return TransportRules.from_dict(data, ruleset=ruleset, origin=path.name)


def transport_rulesets(path: str | Path | None = None) -> list[str]:
    """Ids of the rule sets in a transport rule file (default: the bundled one)."""
    path = DEFAULT_RULES_PATH if path is None else Path(path)
    return list(tomllib.loads(path.read_text(encoding="utf-8")).get("rulesets", {}))


def load_emission_factors(path: str | Path | None = None) -> EmissionFactors:
    """Read a factor table: one row per standard (``STANDARDS``), g/km columns
    ``nox_g_km``, ``pm10_g_km``, ``hc_g_km`` (others, like ``pm25_g_km``, are kept in the file
    for reference), and ``source``. Raises ``FleetError`` on a bad cell."""
    path = DEFAULT_FACTORS_PATH if path is None else Path(path)
    raw = read_csv_table(path, FleetError)
    needed = ["standard", *FACTOR_COLUMNS.values(), "source"]
    for col in needed:
        if col not in raw.columns:
            raise FleetError(path, 1, col, "", f"a column headed {col}")
    by_standard = {}
    for row, record in raw.iterrows():
        std = record["standard"]
        if std not in STANDARDS or std in by_standard:
            raise FleetError(path, int(row), "standard", std,
                             f"each of {', '.join(STANDARDS)} once")
        by_standard[std] = (row, record)
    missing = [s for s in STANDARDS if s not in by_standard]
    if missing:
        raise FleetError(path, None, "standard", missing[0], "a row for every standard")
    table = np.zeros((len(STANDARDS), len(TRANSPORT_POLLUTANTS)))
    for i, std in enumerate(STANDARDS):
        row, record = by_standard[std]
        for j, p in enumerate(TRANSPORT_POLLUTANTS):
            col = FACTOR_COLUMNS[p]
            value = pd.to_numeric(record[col], errors="coerce")
            if not (np.isfinite(value) and value >= 0):
                raise FleetError(path, int(row), col, record[col], "a number ≥ 0 (g/km)")
            table[i, j] = value
    sources = tuple(str(by_standard[s][1]["source"]) for s in STANDARDS)
    return EmissionFactors(table, sources)
