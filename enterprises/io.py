"""File access for the enterprises package: inventories and measure tables as CSV.

Row numbers in every error are those a spreadsheet user sees: the header is row 1 and the
first data row is row 2. Fully blank rows are skipped but still counted.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from enterprises.errors import InventoryError, TableError
from enterprises.grades import GRADES, normalise_grade
from enterprises.industries import parse_industry
from enterprises.inventory import Inventory
from enterprises.schema import (
    COLUMNS,
    EMISSION_COLUMNS,
    MAX_OPERATING_HOURS,
    Column,
    column,
    column_for_header,
)

__all__ = [
    "DEFAULT_MEASURES_PATH",
    "InventoryError",
    "load_inventory",
    "read_csv_table",
    "validate_inventory",
    "write_inventory",
]

DEFAULT_MEASURES_PATH = Path(__file__).parent / "data" / "measures.csv"

_TRUE = frozenset({"true", "1", "是", "yes"})
_FALSE = frozenset({"false", "0", "否", "no"})
_EXPECTED = {
    "text": "a non-empty value",
    "industry": "an industry id or Chinese name of enterprises.industries (e.g. cement or 水泥)",
    "grade": f"one of {', '.join(GRADES)}",
    "emission": "a number ≥ 0 (t/a)",
    "operating_hours": f"a number in (0, {MAX_OPERATING_HOURS:g}] (h/a)",
    "livelihood": "one of true, false, 1, 0, 是, 否, yes, no",
    "lines": "a whole number ≥ 1",
}

# A checker turns a column's text cells into (parsed values, bad-cell mask, explain(i)).
Check = tuple[np.ndarray, np.ndarray, Callable[[int], str]]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # also plain utf-8: the BOM is optional
    except UnicodeDecodeError:
        return data.decode("gb18030")  # Excel on Chinese Windows saves "CSV" as GBK


def read_csv_table(path: str | Path, error: type[TableError] = TableError) -> pd.DataFrame:
    """Read a CSV file as text cells, stripped of surrounding spaces.

    The index, named ``row``, holds spreadsheet row numbers (header = row 1). Columns with an
    empty header are dropped; a repeated header or a value beyond the last header raises
    ``error``.
    """
    path = Path(path)
    try:
        records = list(csv.reader(StringIO(_decode(path.read_bytes()), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise error(path, None, "", path.name, f"a UTF-8 or GBK CSV file ({exc})") from None
    header = [h.strip() for h in records[0]] if records else []
    for i, h in enumerate(header):
        if h and h in header[:i]:
            raise error(path, 1, h, h, "each header once")
    width, rows, cells = len(header), [], []
    for number, record in enumerate(records[1:], start=2):
        record = [c.strip() for c in record]
        if not any(record):
            continue
        if any(record[width:]):
            extra = next(c for c in record[width:] if c)
            raise error(path, number, f"#{width + 1}", extra, "no value right of the last header")
        rows.append(number)
        cells.append(record[:width] + [""] * (width - len(record)))
    frame = pd.DataFrame(cells, columns=header, index=pd.Index(rows, name="row"), dtype=object)
    return frame.loc[:, [bool(h) for h in header]]


def load_inventory(path: str | Path) -> Inventory:
    """Load an enterprise inventory from CSV (UTF-8 with or without BOM; GBK as a fallback).

    Headers may be the schema's English ids or its Chinese names, in any order; unknown
    columns are ignored. Every row is validated; the first problem (by row, then by column from
    left to right) raises ``InventoryError`` naming file, row (header = row 1, first data row =
    row 2), column, value and what was expected.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".txt"):
        raise InventoryError(path, None, "", path.suffix, "a .csv file (XLSX/Parquet: not yet)")
    raw = read_csv_table(path, InventoryError)
    return Inventory.from_frame(validate_inventory(raw, path=path, rows=raw.index.to_numpy()))


def write_inventory(inventory: Inventory, path: str | Path) -> Path:
    """Write CSV in UTF-8 with BOM (opens in Excel with Chinese intact), English column ids.

    The file is written under a temporary name and renamed, so a reader never sees half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            inventory.to_frame().to_csv(handle, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def validate_inventory(
    raw: pd.DataFrame,
    path: str | Path | None = None,
    rows: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Check a frame of text cells and return typed columns with English ids, schema order.

    ``rows`` gives each data row's spreadsheet row number (default: 2, 3, …); ``path`` only
    names the file in errors. Raises ``InventoryError`` on the first problem.
    """
    rows = np.arange(2, len(raw) + 2) if rows is None else np.asarray(rows)
    headers = _map_headers(list(raw.columns), path)
    parsed, first = {}, None
    for position, (col_id, header) in enumerate(headers.items()):
        text = _text(raw[header])
        values, bad, explain = _check(column(col_id), text, rows)
        parsed[col_id] = values
        if bad.any():
            i = int(np.argmax(bad))
            if first is None or rows[i] < first[0]:
                first = (rows[i], position, col_id, header, text[i], explain(i))
    if first is not None:
        row, _, col_id, header, value, expected = first
        raise InventoryError(path, int(row), col_id, value, expected, header)
    n = len(raw)
    return pd.DataFrame(
        {c.id: parsed[c.id] if c.id in parsed else np.full(n, c.default) for c in COLUMNS}
    )


def _map_headers(headers: list[str], path: str | Path | None) -> dict[str, str]:
    """English column id → header as written, in file order; checks presence and repeats."""
    found: dict[str, str] = {}
    for header in headers:
        col_id = column_for_header(header)
        if col_id is None:
            continue  # unknown columns are carried by the file but not by the model
        if col_id in found:
            expected = f"one column for {col_id} (already {found[col_id]!r})"
            raise InventoryError(path, 1, col_id, header, expected, header)
        found[col_id] = header
    for c in COLUMNS:
        if c.required and c.id not in found:
            raise InventoryError(path, 1, c.id, "", f"a column headed {c.id} or {c.zh}")
    return found


def _text(series: pd.Series) -> np.ndarray:
    """Cells as stripped str; missing values (None/NaN) become ""."""
    values = series.astype(object).where(series.notna(), "")
    return np.array([str(v).strip() for v in values], dtype=object)


def _check(col: Column, text: np.ndarray, rows: np.ndarray) -> Check:
    if col.id == "id":
        return _check_ids(text, rows)
    if col.id == "industry":
        return _check_lookup(text, lambda s: parse_industry(s).id, _EXPECTED["industry"])
    if col.id == "grade":
        return _check_lookup(text, normalise_grade, _EXPECTED["grade"])
    if col.id in EMISSION_COLUMNS:
        num = _numbers(text)
        return num, ~(num >= 0) | np.isinf(num), lambda i: _EXPECTED["emission"]
    if col.id == "operating_hours":
        num = np.where(text == "", col.default, _numbers(text))
        bad = ~((num > 0) & (num <= MAX_OPERATING_HOURS))
        return num, bad, lambda i: _EXPECTED["operating_hours"]
    if col.id == "livelihood":
        return _check_bool(text, col.default)
    if col.id == "lines":
        num = np.where(text == "", col.default, _numbers(text))
        bad = ~(num >= 1) | np.isinf(num) | (np.nan_to_num(num) % 1 != 0)
        return np.nan_to_num(num, posinf=0).astype(np.int64), bad, lambda i: _EXPECTED["lines"]
    return text, text == "", lambda i: _EXPECTED["text"]


def _numbers(text: np.ndarray) -> np.ndarray:
    """Text → float64; non-numeric and empty cells become NaN."""
    return pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(np.float64)


def _check_ids(text: np.ndarray, rows: np.ndarray) -> Check:
    empty = text == ""
    repeated = pd.Series(text).duplicated(keep="first").to_numpy() & ~empty

    def explain(i: int) -> str:
        if empty[i]:
            return _EXPECTED["text"]
        return f"a unique id (row {rows[np.argmax(text == text[i])]} has it already)"

    return text, empty | repeated, explain


def _check_lookup(text: np.ndarray, parse: Callable[[str], str], expected: str) -> Check:
    """Parse each distinct value once, then broadcast back to the rows."""
    codes, uniques = pd.factorize(text)
    parsed = [_try(parse, u) for u in uniques]
    ok = np.array([p is not None for p in parsed] + [False], dtype=bool)  # code -1 = missing
    values = np.array(parsed + [None], dtype=object)
    return values[codes], ~ok[codes], lambda i: expected


def _try(parse: Callable[[str], str], text: str) -> str | None:
    try:
        return parse(text)
    except ValueError:
        return None


def _check_bool(text: np.ndarray, default: bool) -> Check:
    lower = np.array([t.lower() for t in text], dtype=object)
    true = np.isin(lower, list(_TRUE))
    false = np.isin(lower, list(_FALSE))
    empty = text == ""
    values = np.where(empty, default, true)
    return values.astype(bool), ~(true | false | empty), lambda i: _EXPECTED["livelihood"]
