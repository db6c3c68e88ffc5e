"""Rows of one enterprise are its production lines: ``merge_lines``.

A bureau's list often has one row per line or process (生产工序/生产线): the plant's name and
county repeat, each row carries the line's emissions and measures. Rows with the same id, or
without an id column the same name and county (county with or without 县/区), are one
enterprise with one line per row:

- emissions add up; each line's emission share is its share of the plant's total tonnes of the
  four pollutants (assumption: one share serves every pollutant, as ``Inventory`` holds one);
- each line's capacity share is its 产能 where every row gives one, else lines are equal
  (assumption, as for ``line_capacity``);
- the grade is the worst of the rows (shortest plank, sources.md §11); the industry must be
  the same on every row; flags (民生保障, 限排不限产, 重点用车企业) hold if any row says so;
- the measures of the rows become per-line measures ("烧结: 停产；轧钢: 限产50%").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from enterprises.errors import InventoryError, Note
from enterprises.grades import worst_grade
from enterprises.inventory import SHARE_SEPARATOR, Inventory
from enterprises.own_measures import parse_own_measure
from enterprises.places import strip_place_suffix
from enterprises.schema import EMISSION_COLUMNS, MEASURE_TEXT_COLUMNS

_ANY = ("livelihood", "online_monitoring", "key_vehicle_user")


def merge_lines(frame: pd.DataFrame, rows: np.ndarray, notes: list[str],
                problems: list[InventoryError], path: str | Path | None = None,
                sheet: str | None = None) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """One row per enterprise; returns the frame and each enterprise's spreadsheet rows."""
    if frame.empty:
        return frame, []
    codes = _codes(frame, rows)
    if codes.max() + 1 == len(codes):  # every row its own enterprise (codes in row order)
        return frame, list(rows.reshape(-1, 1))
    order = np.argsort(codes, kind="stable")  # rows by enterprise, each in row order
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    if all(len(g) == 1 for g in groups):
        return frame, [rows[g] for g in groups]
    records = [_merge(frame, g, rows, problems, path, sheet) if len(g) > 1 else
               frame.iloc[g[0]].to_dict() for g in groups]
    merged = [g for g in groups if len(g) > 1]
    count, plants = sum(len(g) for g in merged), len(merged)
    listed = [{"name": str(frame["name"].iloc[g[0]]), "rows": [int(rows[i]) for i in g]}
              for g in merged[:10]]
    more = " …" if plants > 10 else ""
    notes.append(Note("line_rows", f"{count} rows of {plants} enterprise(s) read as their "
                      "production lines: " + "; ".join(
                          f"{p['name']} (rows {', '.join(map(str, p['rows']))})" for p in listed)
                      + more, rows=count, enterprises=plants, plants=listed, more=more))
    return pd.DataFrame(records, columns=frame.columns), [rows[g] for g in groups]


def _codes(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Each row's enterprise, numbered in order of first appearance (``_keys``)."""
    ids = frame["id"].to_numpy(dtype=object)
    if not (ids == np.array([f"R{r}" for r in rows], dtype=object)).any():
        return pd.factorize(ids)[0]  # the ids alone: the same numbers as their keys give
    return pd.factorize(pd.Series(_keys(frame, rows), dtype=object))[0]


def _keys(frame: pd.DataFrame, rows: np.ndarray) -> list:
    """Same id → same enterprise; generated ids (R + row) group by name and county."""
    ids = frame["id"].to_numpy(dtype=object)
    generated = ids == np.array([f"R{r}" for r in rows], dtype=object)
    names, counties = frame["name"].to_numpy(dtype=object), frame["county"].to_numpy(dtype=object)
    return [("name", names[i], strip_place_suffix(counties[i])) if generated[i]
            else ("id", ids[i]) for i in range(len(frame))]


def _merge(frame: pd.DataFrame, g: np.ndarray, rows: np.ndarray,
           problems: list[InventoryError], path, sheet) -> dict:
    part = frame.iloc[g]
    first = part.iloc[0].to_dict()
    _same_industry(part, rows[g], problems, path, sheet)
    for col in EMISSION_COLUMNS:
        first[col] = float(part[col].sum())
    grades = part["grade"].tolist()
    if all(isinstance(g, str) and g for g in grades):  # a blank or bad grade is a problem already
        first["grade"] = worst_grade(grades)
    for col in _ANY:
        first[col] = bool(part[col].any())
    said = [v for v in part["key_vehicle_user"] if v is not None]  # True, False or None
    first["key_vehicle_user"] = any(said) if said else None
    if first["livelihood"]:
        first["exemption"] = "livelihood"
    first["operating_hours"] = float(part["operating_hours"].max())
    first["trucks_per_day"] = float(part["trucks_per_day"].sum())
    first["output_value"] = float(part["output_value"].sum())
    counts = part["lines"].astype(int).to_numpy()
    first["lines"] = int(counts.sum())
    names = [_line_name(name, row, k) for name, row, k in
             zip(part["line_name"], rows[g], counts, strict=True)]
    first["line_name"] = SHARE_SEPARATOR.join(n for ns in names for n in ns)
    first["line_capacity"] = _capacity(part["line_capacity"].tolist(), counts)
    first["line_emissions"] = _emission_shares(part, counts)
    for col in MEASURE_TEXT_COLUMNS:
        first[col] = _measure_text(part[col].tolist(), names)
    located = np.isfinite(part["lon"].to_numpy(float)) & np.isfinite(part["lat"].to_numpy(float))
    if located.any():  # the plant's place: the first of its rows that gives one
        first["lon"], first["lat"] = part.loc[located, ["lon", "lat"]].iloc[0].tolist()
    return first


def _same_industry(part: pd.DataFrame, rows: np.ndarray, problems: list[InventoryError],
                   path, sheet) -> None:
    industries = part["industry"].to_numpy()
    for i in np.flatnonzero(industries != industries[0]):
        problems.append(InventoryError(
            path, int(rows[i]), "industry", str(industries[i]),
            f"{industries[0]} as on row {rows[0]}: rows of one enterprise share one industry "
            "(a plant in several industries: 分行业绩效等级, e.g. cement:B;glass:C)",
            sheet=sheet))


def _line_name(name: str, row: int, k: int) -> list[str]:
    """The row's line name(s); an unnamed row is named after its row ("row 7")."""
    given = [s.strip() for s in str(name or "").replace("；", ";").split(";") if s.strip()]
    if len(given) == k:
        return given
    base = given[0] if given else f"row {row}"
    return [base] if k == 1 else [f"{base} #{j + 1}" for j in range(k)]


def _capacity(cells: list, counts: np.ndarray) -> str:
    """Lines' capacities when every row gives one number, else "" (equal lines)."""
    values = []
    for cell, k in zip(cells, counts, strict=True):
        parts = [p for p in str(cell or "").split(SHARE_SEPARATOR) if p]
        if len(parts) != k:
            return ""
        values += parts
    return SHARE_SEPARATOR.join(values)


def _emission_shares(part: pd.DataFrame, counts: np.ndarray) -> str:
    """Each line's share of the plant's tonnes (a row of k lines splits its share equally)."""
    tonnes = part[list(EMISSION_COLUMNS)].to_numpy(np.float64).sum(axis=1)
    if tonnes.sum() <= 0:
        return ""
    per_line = np.repeat(tonnes / counts, counts)
    return SHARE_SEPARATOR.join(repr(float(v)) for v in per_line / per_line.sum())


def _measure_text(cells: list, names: list[list[str]]) -> str:
    """One text for the plant: the rows' text if they agree (or only the first has one), else
    "line: text" per line, which ``parse_own_measure`` reads back per line."""
    texts = [str(c or "").strip() for c in cells]
    filled = [t for t in texts if t]
    if not filled:
        return ""
    if len(set(filled)) == 1 and (len(filled) == len(texts) or texts[0]):
        return filled[0]
    return "；".join(f"{n}: {t}" for t, ns in zip(texts, names, strict=True) if t for n in ns)


def own_measure_notes(inventory: Inventory, owners: list[np.ndarray],
                      headers: dict[str, str]) -> list[str]:
    """One warning per own-measure text that could not be read (the catalogue applies) and per
    text with clauses that were not read."""
    notes: list[str] = []
    starts = np.concatenate([[0], np.cumsum(inventory.lines)[:-1]]).astype(int)
    for i in np.flatnonzero((inventory.own_text != "").any(axis=1)):
        names = tuple(inventory.line_names[starts[i]:starts[i] + inventory.lines[i]])
        for j, col in enumerate(MEASURE_TEXT_COLUMNS):
            text = inventory.own_text[i, j]
            if not text:
                continue
            m = parse_own_measure(text, names)
            where = (f"row {', '.join(str(r) for r in owners[i])}, column "
                     f"{headers.get(col, col)}")
            who = f"{inventory.names[i]} ({inventory.ids[i]})"
            place = {"rows": [int(r) for r in owners[i]], "column": headers.get(col, col),
                     "name": str(inventory.names[i]), "id": str(inventory.ids[i])}
            if not m.readable:
                notes.append(Note(
                    "own_unread", f"{where}: {text!r} of {who} not read "
                    f"({'; '.join(m.problems)}) — the catalogue's measure for "
                    f"{inventory.industries[i]} {inventory.grades[i]} applies", **place,
                    text=repr(text), problems="; ".join(m.problems),
                    industry=str(inventory.industries[i]), grade=str(inventory.grades[i])))
            elif m.ignored:
                notes.append(Note("own_ignored", f"{where}: {who}: clause(s) not read, left "
                                  "out: " + ", ".join(m.ignored), **place,
                                  clauses=list(m.ignored)))
    return notes
