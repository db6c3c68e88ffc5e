"""File access for the enterprises package: inventories (CSV, XLSX, Parquet) and measure tables.

Row numbers in every error are those a spreadsheet user sees: the header is row 1 and the
first data row is row 2 (for Parquet, the first record is row 2 as if it were exported to a
spreadsheet). Fully blank rows are skipped but still counted. XLSX errors also name the sheet.
"""

from __future__ import annotations

import csv
import functools
import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from enterprises.errors import InventoryError, TableError
from enterprises.exemptions import EXEMPTIONS, LIVELIHOOD, NONE, parse_exemption
from enterprises.grades import GRADE_SETS, GRADES, normalise_grade, worst_grade
from enterprises.industries import industry_by_id, parse_industry
from enterprises.inventory import SHARE_SEPARATOR, Inventory
from enterprises.processes import PROCESS_IDS, process
from enterprises.schema import (
    CAPACITY_COLUMNS,
    COLUMNS,
    EMISSION_COLUMNS,
    MAX_OPERATING_HOURS,
    OVERRIDE_COLUMNS,
    Column,
    column_for_header,
)

__all__ = [
    "DEFAULT_MEASURES_PATH",
    "INVENTORY_SUFFIXES",
    "InventoryError",
    "load_inventory",
    "read_csv_table",
    "read_parquet_table",
    "read_xlsx_table",
    "validate_inventory",
    "write_inventory",
]

DEFAULT_MEASURES_PATH = Path(__file__).parent / "data" / "measures.csv"
INVENTORY_SUFFIXES: dict[str, str] = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx",
                                      ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}

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
    "exemption": f"one of {', '.join(EXEMPTIONS)} or their Chinese names",
    "fraction": "a fraction in [0, 1] (e.g. 0.3 or 30%)",
    "industry_grades": "industry:grade pairs separated by ; (e.g. cement:B;glass:C), each grade "
                       "in its industry's grade set",
    "process": f"empty or one of {', '.join(PROCESS_IDS)}",
    "line_capacity": "numbers > 0 separated by ; (one per production line)",
    "line_emissions": "numbers ≥ 0 separated by ; (one per production line), not all 0",
    "capacity": "empty or a number > 0",
    "amount": "empty or a number ≥ 0",
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
    return _table_from_records(records, path, error)


def _table_from_records(records: list[list[str]], path: Path, error: type[TableError],
                        sheet: str | None = None) -> pd.DataFrame:
    """Text records (first = header) → frame indexed by spreadsheet row number."""
    where = {} if sheet is None else {"sheet": sheet}
    header = [str(h).strip() for h in records[0]] if records else []
    while header and not header[-1]:
        header.pop()  # spreadsheets often carry empty trailing header cells
    for i, h in enumerate(header):
        if h and h in header[:i]:
            raise error(path, 1, h, h, "each header once", **where)
    width, rows, cells = len(header), [], []
    for number, record in enumerate(records[1:], start=2):
        record = [str(c).strip() for c in record]
        if not any(record):
            continue
        if any(record[width:]):
            extra = next(c for c in record[width:] if c)
            raise error(path, number, f"#{width + 1}", extra, "no value right of the last header",
                        **where)
        rows.append(number)
        cells.append(record[:width] + [""] * (width - len(record)))
    frame = pd.DataFrame(cells, columns=header, index=pd.Index(rows, name="row"), dtype=object)
    return frame.loc[:, [bool(h) for h in header]]


def load_inventory(path: str | Path) -> Inventory:
    """Load an enterprise inventory from CSV, XLSX or Parquet.

    CSV may be UTF-8 with or without BOM, GBK as a fallback; XLSX is read from its first
    worksheet. Headers may be the schema's English ids, its Chinese names or their aliases, in
    any order; unknown columns are ignored. Every row is validated; the first problem (by row,
    then by column from left to right) raises ``InventoryError`` naming file, sheet (XLSX), row
    (header = row 1, first data row = row 2), column, value and what was expected.
    """
    path = Path(path)
    kind = INVENTORY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InventoryError(path, None, "", path.suffix,
                             "a .csv, .xlsx or .parquet file")
    if not path.is_file():
        raise InventoryError(path, None, "", str(path), "an existing file")
    sheet = None
    if kind == "csv":
        raw = read_csv_table(path, InventoryError)
    elif kind == "xlsx":
        raw, sheet = read_xlsx_table(path, InventoryError)
    else:
        raw = read_parquet_table(path, InventoryError)
    frame = validate_inventory(raw, path=path, rows=raw.index.to_numpy(), sheet=sheet)
    return Inventory.from_frame(frame)


def read_xlsx_table(path: str | Path, error: type[TableError] = TableError,
                    sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read one worksheet (default: the first) as text cells; return (frame, sheet name).

    Same conventions as ``read_csv_table``: the index holds spreadsheet row numbers.
    """
    import openpyxl  # imported here: only XLSX users pay for it

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise error(path, None, "", path.name, f"an XLSX workbook ({type(exc).__name__})") from None
    try:
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        records = [["" if v is None else _cell_text(v) for v in row]
                   for row in ws.iter_rows(min_row=1, values_only=True)]
        title = ws.title
    finally:
        book.close()
    return _table_from_records(records, path, error, sheet=title), title


def read_parquet_table(path: str | Path, error: type[TableError] = TableError) -> pd.DataFrame:
    """Read a Parquet file as text cells; records are numbered 2, 3, … like spreadsheet rows."""
    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
        raise error(path, None, "", path.name, f"a Parquet file ({type(exc).__name__})") from None
    records = [[str(h) for h in frame.columns]]
    records += [[_cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    return _table_from_records(records, path, error)


def _cell_text(value) -> str:
    """A typed cell (XLSX, Parquet) as the text a user would type; missing values → ""."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value).strip()


def write_inventory(inventory: Inventory, path: str | Path, headers: str = "en") -> Path:
    """Write an inventory as CSV (UTF-8 with BOM, opens in Excel), XLSX or Parquet by suffix.

    ``headers`` is "en" (the schema's English ids, the default) or "zh" (its Chinese headers).
    The file is written under a temporary name and renamed, so a reader never sees half a file.
    """
    path = Path(path)
    kind = INVENTORY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path.name}: cannot write {path.suffix!r}; expected .csv, .xlsx or "
                         ".parquet")
    if headers not in ("en", "zh"):
        raise ValueError(f"headers must be 'en' or 'zh', got {headers!r}")
    frame = inventory.to_frame()
    if headers == "zh":
        frame = frame.rename(columns={c.id: c.zh for c in COLUMNS})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                               suffix=f".tmp{path.suffix}")  # writers check the suffix
    try:
        if kind == "csv":
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
                frame.to_csv(handle, index=False, lineterminator="\n")
        else:
            os.close(fd)
            if kind == "xlsx":
                frame.to_excel(tmp, index=False, sheet_name="清单", engine="openpyxl")
            else:
                frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def validate_inventory(
    raw: pd.DataFrame,
    path: str | Path | None = None,
    rows: Sequence[int] | np.ndarray | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Check a frame of text cells and return typed columns with English ids, schema order.

    ``rows`` gives each data row's spreadsheet row number (default: 2, 3, …); ``path`` and
    ``sheet`` only name the place in errors. Raises ``InventoryError`` on the first problem.
    Cross-column rules: a grade lies in its industry's grade set; per-industry grades roll up
    into the enterprise grade (shortest plank); 民生保障 and the exemption class agree; there is
    one line share per production line (an empty ``lines`` cell takes their count).
    """
    rows = np.arange(2, len(raw) + 2) if rows is None else np.asarray(rows)
    headers = _map_headers(list(raw.columns), path, sheet)
    n = len(raw)
    checks: dict[str, list] = {}
    texts: dict[str, np.ndarray] = {}
    for c in COLUMNS:
        texts[c.id] = _text(raw[headers[c.id]]) if c.id in headers else np.full(n, "", object)
        checks[c.id] = list(_check(c, texts[c.id], rows))
    _reconcile(checks, texts, headers)
    first = None
    for position, (col_id, header) in enumerate(headers.items()):
        _, bad, explain = checks[col_id]
        if bad.any():
            i = int(np.argmax(bad))
            if first is None or rows[i] < first[0]:
                first = (rows[i], position, col_id, header, texts[col_id][i], explain(i))
    if first is not None:
        row, _, col_id, header, value, expected = first
        raise InventoryError(path, int(row), col_id, value, expected, header, sheet=sheet)
    return pd.DataFrame({c.id: checks[c.id][0] for c in COLUMNS})


def _reconcile(checks: dict[str, list], texts: dict[str, np.ndarray],
               headers: dict[str, str]) -> None:
    """Cross-column rules; they mark the cell to fix as bad, with its own explanation."""
    _reconcile_grades(checks, texts)
    _reconcile_exemption(checks)
    _reconcile_lines(checks, texts, "line_capacity")
    _reconcile_lines(checks, texts, "line_emissions")


def _flag(checks: dict[str, list], col: str, bad: np.ndarray, why: np.ndarray) -> None:
    """Add cross-column problems to a column; the column's own problems keep their message."""
    values, old_bad, old_explain = checks[col]
    fresh = bad & ~old_bad
    messages = np.where(fresh, why, None)
    checks[col] = [values, old_bad | fresh,
                   lambda i: messages[i] if messages[i] is not None else old_explain(i)]


def _reconcile_grades(checks: dict[str, list], texts: dict[str, np.ndarray]) -> None:
    grade, grade_bad, _ = checks["grade"]
    industry, industry_bad, _ = checks["industry"]
    per_industry, per_bad, _ = checks["industry_grades"]
    n = len(grade)
    rolled = np.array([_rollup(g, p) if p else g for g, p in zip(grade, per_industry,
                                                                  strict=True)], dtype=object)
    has_per = (per_industry != "") & ~per_bad
    empty_ok = has_per & (texts["grade"] == "")
    grade_bad = grade_bad & ~empty_ok
    checks["grade"][0] = np.where(empty_ok | has_per, rolled, grade)
    checks["grade"][1] = grade_bad
    why = np.full(n, None, dtype=object)
    bad = np.zeros(n, dtype=bool)
    plank = has_per & ~empty_ok & ~grade_bad & (rolled != grade)
    why[plank] = [f"{r} (the worst of its per-industry grades: shortest plank, rules.md §11)"
                  for r in rolled[plank]]
    bad |= plank
    plain = ~has_per & ~grade_bad & ~industry_bad
    outside = plain & np.array([g not in _grade_set(i) for g, i in zip(grade, industry,
                                                                        strict=True)], bool)
    why[outside] = [f"a grade of {i}'s set: {', '.join(_grade_set(i))}"
                    for i in industry[outside]]
    bad |= outside
    _flag(checks, "grade", bad, why)


def _grade_set(industry: str) -> tuple[str, ...]:
    return GRADE_SETS[industry_by_id(industry).grade_set] if industry else GRADES


def _rollup(grade: str | None, per_industry: str) -> str:
    grades = [pair.split(":")[1] for pair in per_industry.split(SHARE_SEPARATOR)]
    return worst_grade([*grades, *([grade] if grade else [])])


def _reconcile_exemption(checks: dict[str, list]) -> None:
    livelihood = checks["livelihood"][0]
    exemption = checks["exemption"][0]
    clash = livelihood & ~np.isin(exemption, [NONE, LIVELIHOOD]) & ~checks["exemption"][1]
    why = np.where(clash, "livelihood or none (民生保障 says yes)", None)
    _flag(checks, "exemption", clash, why)
    exemption = np.where(livelihood, LIVELIHOOD, exemption).astype(object)
    checks["exemption"][0] = exemption
    checks["livelihood"][0] = exemption == LIVELIHOOD


def _reconcile_lines(checks: dict[str, list], texts: dict[str, np.ndarray], col: str) -> None:
    """One share per line; an empty ``lines`` cell takes the count of ``line_capacity``."""
    shares, bad_shares, _ = checks[col]
    counts = np.array([len(s.split(SHARE_SEPARATOR)) if s else 0 for s in shares])
    lines = checks["lines"][0]
    if col == "line_capacity":
        infer = (texts["lines"] == "") & (counts > 0) & ~bad_shares
        lines = np.where(infer, counts, lines).astype(np.int64)
        checks["lines"][0] = lines
    wrong = (counts > 0) & (counts != lines) & ~bad_shares & ~checks["lines"][1]
    why = np.array([f"{k} values separated by ; (one per production line; lines is {k})"
                    for k in lines], dtype=object) if wrong.any() else np.full(len(lines), None)
    _flag(checks, col, wrong, why)


def _map_headers(headers: list[str], path: str | Path | None,
                 sheet: str | None = None) -> dict[str, str]:
    """English column id → header as written, in file order; checks presence and repeats."""
    found: dict[str, str] = {}
    for header in headers:
        col_id = column_for_header(header)
        if col_id is None:
            continue  # unknown columns are carried by the file but not by the model
        if col_id in found:
            expected = f"one column for {col_id} (already {found[col_id]!r})"
            raise InventoryError(path, 1, col_id, header, expected, header, sheet=sheet)
        found[col_id] = header
    for c in COLUMNS:
        if c.required and c.id not in found:
            raise InventoryError(path, 1, c.id, "", f"a column headed {c.id} or {c.zh}",
                                 sheet=sheet)
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
    if col.id in ("livelihood", "online_monitoring"):
        return _check_bool(text, col.default)
    if col.id == "lines":
        num = np.where(text == "", col.default, _numbers(text))
        bad = ~(num >= 1) | np.isinf(num) | (np.nan_to_num(num) % 1 != 0)
        return np.nan_to_num(num, posinf=0).astype(np.int64), bad, lambda i: _EXPECTED["lines"]
    if col.id == "exemption":
        return _check_lookup(text, parse_exemption, _EXPECTED["exemption"])
    if col.id in ("guaranteed_load", *OVERRIDE_COLUMNS):
        num = np.where(text == "", col.default, _fractions(text))
        bad = (text != "") & ~((num >= 0) & (num <= 1))
        return num, bad, lambda i: _EXPECTED["fraction"]
    if col.id == "industry_grades":
        return _check_lookup(text, _parse_industry_grades, _EXPECTED["industry_grades"],
                             empty="")
    if col.id == "process":
        return _check_lookup(text, lambda s: process(s).id, _EXPECTED["process"], empty="")
    if col.id in ("line_capacity", "line_emissions"):
        parse = functools.partial(_parse_shares, positive=col.id == "line_capacity")
        return _check_lookup(text, parse, _EXPECTED[col.id], empty="")
    if col.id in CAPACITY_COLUMNS:
        num = _numbers(text)
        bad = (text != "") & ~((num > 0) & np.isfinite(num))
        return num, bad, lambda i: _EXPECTED["capacity"]
    if col.id in ("output_value", "trucks_per_day"):
        num = np.where(text == "", col.default, _numbers(text))
        bad = ~((num >= 0) & np.isfinite(num))
        return num, bad, lambda i: _EXPECTED["amount"]
    return text, text == "", lambda i: _EXPECTED["text"]


def _fractions(text: np.ndarray) -> np.ndarray:
    """Text → float64 fractions; "30%" is 0.3; non-numeric and empty cells become NaN."""
    pct = np.char.endswith(text.astype(str), "%")
    stripped = np.where(pct, np.char.rstrip(text.astype(str), "%"), text)
    num = _numbers(stripped.astype(object))
    return np.where(pct, num / 100.0, num)


def _parse_industry_grades(text: str) -> str:
    """"水泥:B；glass:c" → "cement:B;glass:C", each grade within its industry's set."""
    pairs = []
    for part in unicodedata.normalize("NFKC", text).split(SHARE_SEPARATOR):
        industry, sep, grade = part.partition(":")
        if not sep:
            raise ValueError(part)
        ind = parse_industry(industry)
        g = normalise_grade(grade)
        if g not in GRADE_SETS[ind.grade_set]:
            raise ValueError(part)
        pairs.append(f"{ind.id}:{g}")
    return SHARE_SEPARATOR.join(pairs)


def _parse_shares(text: str, positive: bool) -> str:
    """"2500；5000" → "2500;5000" after checking every value (> 0, or ≥ 0 and not all 0)."""
    values = [float(v) for v in unicodedata.normalize("NFKC", text).split(SHARE_SEPARATOR)]
    if not all(np.isfinite(v) and (v > 0 if positive else v >= 0) for v in values):
        raise ValueError(text)
    if sum(values) <= 0:
        raise ValueError(text)
    return SHARE_SEPARATOR.join(repr(v) for v in values)


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


def _check_lookup(text: np.ndarray, parse: Callable[[str], str], expected: str,
                  empty: str | None = None) -> Check:
    """Parse each distinct value once, then broadcast back to the rows.

    ``empty``: the value of an empty cell (None: an empty cell is bad).
    """
    codes, uniques = pd.factorize(text)
    parsed = [empty if (u == "" and empty is not None) else _try(parse, u) for u in uniques]
    ok = np.array([p is not None for p in parsed] + [False], dtype=bool)  # code -1 = missing
    values = np.array(parsed + [None], dtype=object)
    return values[codes], ~ok[codes], lambda i: expected


def _try(parse: Callable[[str], str], text: str) -> str | None:
    try:
        return parse(text)
    except (ValueError, KeyError):
        return None


def _check_bool(text: np.ndarray, default: bool) -> Check:
    lower = np.array([t.lower() for t in text], dtype=object)
    true = np.isin(lower, list(_TRUE))
    false = np.isin(lower, list(_FALSE))
    empty = text == ""
    values = np.where(empty, default, true)
    return values.astype(bool), ~(true | false | empty), lambda i: _EXPECTED["livelihood"]
