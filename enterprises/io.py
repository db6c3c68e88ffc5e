"""File access for the enterprises package: inventories (CSV, XLSX, Parquet) and measure tables.

Row numbers in every error are those a spreadsheet user sees: the header is row 1 and the
first data row is row 2 (for Parquet, the first record is row 2 as if it were exported to a
spreadsheet). Fully blank rows are skipped but still counted. XLSX errors also name the sheet.
"""

from __future__ import annotations

import csv
import functools
import gc
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.textfiles import TextFileError, follow_umask, read_text, spreadsheet_safe
from enterprises.coordinates import LAT_RANGE, LON_RANGE, looks_swapped, parse_degrees
from enterprises.errors import (
    InventoryError,
    InventoryProblems,
    MeasureTableError,
    Note,
    TableError,
)
from enterprises.exemptions import EXEMPTIONS, LIVELIHOOD, NONE, parse_exemption
from enterprises.grades import GRADE_SETS, GRADES, normalise_grade, worst_grade
from enterprises.industries import industry_by_id, parse_industry
from enterprises.inventory import SHARE_SEPARATOR, Inventory
from enterprises.lines import merge_lines, own_measure_notes
from enterprises.measures import MeasureTable
from enterprises.processes import PROCESS_IDS, process
from enterprises.schema import (
    CAPACITY_COLUMNS,
    COLUMNS,
    COORDINATE_COLUMNS,
    DEFAULT_OPERATING_HOURS,
    EMISSION_COLUMNS,
    MAX_ENTERPRISE_EMISSION_T,
    MAX_OPERATING_HOURS,
    MEASURE_TEXT_COLUMNS,
    OVERRIDE_COLUMNS,
    Column,
    column_for_header,
    flag_value,
)
from enterprises.sheets import HeaderMatch, Layout, find_layout, has_header, match_header

__all__ = [
    "DEFAULT_MEASURES_PATH",
    "INVENTORY_SUFFIXES",
    "InventoryError",
    "InventoryProblems",
    "ListReading",
    "default_measures",
    "load_inventory",
    "load_measure_table",
    "read_csv_table",
    "read_inventory",
    "read_parquet_table",
    "read_xlsx_table",
    "validate_inventory",
    "write_inventory",
]

DEFAULT_MEASURES_PATH = Path(__file__).parent / "data" / "measures.csv"
INVENTORY_SUFFIXES: dict[str, str] = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx",
                                      ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}

# Columns written only when some enterprise has a value (lines named, own measures, flags).
WRITTEN_WHEN_SET = ("line_name", "key_vehicle_user", "measure_yellow", "measure_orange",
                    "measure_red")
# Problems listed in one run before the rest are only counted (a whole list can be wrong
# in one column; fifty lines are enough to see the pattern).
MAX_PROBLEMS = 50

_EXPECTED = {
    "text": "a non-empty value",
    "plain_text": "text without control characters (NUL, tab, line break …)",
    "industry": "an industry id or Chinese name of enterprises.industries (e.g. cement or 水泥); "
                "put non-key industries (农副食品加工, 电力, 热力 …) under 其他 (other), graded "
                "引领性 or 非引领性",
    "grade": f"one of {', '.join(GRADES)}",
    "emission": f"a number of t/a in [0, {MAX_ENTERPRISE_EMISSION_T:,.0f}] (more is beyond any "
                "plant: assumption, enterprises.schema)",
    "operating_hours": f"a number in (0, {MAX_OPERATING_HOURS:g}] (h/a)",
    "livelihood": "a yes/no mark: 是/否, Y/N, √/×, 1/0, true/false, yes/no, 有/无 (or empty)",
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
    "lon": f"empty or a longitude within China, {LON_RANGE[0]:g}–{LON_RANGE[1]:g} °E, in decimal "
           "degrees (113.97) or 度分秒 (113°58'12\")",
    "lat": f"empty or a latitude within China, {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g} °N, in decimal "
           "degrees (33.58) or 度分秒 (33°34'48\")",
}

# A checker turns a column's text cells into (parsed values, bad-cell mask, explain(i)).
Check = tuple[np.ndarray, np.ndarray, Callable[[int], str]]


def _csv_records(path: Path, error: type[TableError]) -> list[list[str]]:
    """A CSV file's records: UTF-8 (BOM optional) or GBK/GB18030, which Excel on Chinese
    Windows saves as "CSV" (``alerts.textfiles``); ``.csv.gz`` too."""
    try:
        text = read_text(path).text
        if not text.strip():
            raise error(path, None, "", path.name, "a header row and data rows (the file is "
                        "empty)")
        return list(csv.reader(StringIO(text, newline="")))
    except TextFileError as exc:
        raise error(path, None, "", path.name, f"a UTF-8 or GBK CSV file ({exc})") from None
    except csv.Error as exc:
        raise error(path, None, "", path.name, f"a well-formed CSV file ({exc})") from None


@functools.cache
def default_measures() -> MeasureTable:
    """The bundled catalogue (``enterprises/data/measures.csv``), loaded once per process."""
    return load_measure_table(DEFAULT_MEASURES_PATH)


def load_measure_table(path: str | Path) -> MeasureTable:
    """A bureau's own table: columns industry, grade, level, cut, basis[, source]."""
    raw = read_csv_table(path, MeasureTableError)
    return MeasureTable.from_frame(raw, path=path, rows=raw.index.to_numpy())


def read_csv_table(path: str | Path, error: type[TableError] = TableError) -> pd.DataFrame:
    """Read a CSV file as text cells, stripped of surrounding spaces.

    The index, named ``row``, holds spreadsheet row numbers (header = row 1). Columns with an
    empty header are dropped; a repeated header or a value beyond the last header raises
    ``error``.
    """
    path = Path(path)
    return _table_from_records(_csv_records(path, error), path, error)


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


def load_inventory(path: str | Path, city: str | None = None) -> Inventory:
    """Load an enterprise inventory from CSV, XLSX or Parquet (``read_inventory`` without its
    notes)."""
    return read_inventory(path, city).inventory


@dataclass
class ListReading:
    """A list as read: the inventory and the notes a user should see (warnings).

    ``notes``: where the header was found, skipped title/total/footnote rows, columns not
    used, unit conversions, rows merged into lines, own measures that could not be read.
    """

    inventory: Inventory
    notes: list[str]
    sheet: str | None = None


def read_inventory(path: str | Path, city: str | None = None,
                   max_problems: int = MAX_PROBLEMS) -> ListReading:
    """Read a bureau's list as it is laid out (``enterprises.sheets``), check every cell and
    merge the rows of one enterprise into its production lines (``enterprises.lines``).

    CSV may be UTF-8 with or without BOM, GBK as a fallback; XLSX is read from the first
    worksheet that has a header. The header may sit below title rows and span two rows; the
    table ends at a footnote. Headers may be spelled any way ``enterprises/data/headers.toml``
    knows, in any order. ``city`` fills a list without a city column. Every problem (up to
    ``max_problems``) raises together as ``InventoryProblems``, each naming file, sheet (XLSX),
    row (as the spreadsheet numbers it), column, value and the fix.
    """
    path = Path(path)
    kind = INVENTORY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InventoryError(path, None, "", path.suffix,
                             "a .csv, .xlsx or .parquet file")
    if not path.is_file():
        raise InventoryError(path, None, "", str(path), "an existing file")
    with collection_paused():
        return _read_list(path, kind, city, max_problems)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold Python's cycle collector off while a list is read: every row leaves a few lists
    that live to the end of the read, which would set off full collections over all of them
    again and again; they hold no cycles, and reference counting frees them as always."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_list(path: Path, kind: str, city: str | None, max_problems: int) -> ListReading:
    records, sheet, merged_below = _list_records(path, kind)
    layout = find_layout(records)
    notes = list(layout.notes)
    _count_merged_once(layout, merged_below, notes)
    problems: list[InventoryError] = []
    raw = _layout_frame(layout, path, sheet, problems)
    frame = validate_inventory(raw, path=path, rows=np.array(layout.rows, dtype=np.int64),
                               sheet=sheet, matches=layout.matches, city=city, notes=notes,
                               problems=problems, header_row=layout.header_rows[-1],
                               max_problems=max_problems)
    merged, owners = merge_lines(frame, np.array(layout.rows, dtype=np.int64),
                                 notes, problems, path, sheet)
    _raise_problems(problems, max_problems)
    if merged.empty:  # a header alone: every later step would run on nothing and say so late
        raise InventoryError(path, None, "", "header only",
                             f"at least one enterprise row below the header (row "
                             f"{layout.header_rows[-1]})", sheet=sheet)
    inventory = Inventory.from_frame(merged)
    notes += own_measure_notes(inventory, owners, _measure_headers(raw, layout.matches))
    return ListReading(inventory, notes, sheet)


def _list_records(path: Path, kind: str
                  ) -> tuple[list[list[str]], str | None, frozenset[tuple[int, int]]]:
    """The file's records, the sheet read (XLSX) and the cells filled from a merge above."""
    if kind == "csv":
        return _csv_records(path, InventoryError), None, frozenset()
    if kind == "xlsx":
        cells = _xlsx_records(path, InventoryError, sheet=None, pick_header=True)
        return cells.records, cells.title, cells.merged_below
    frame = read_parquet_table(path, InventoryError)
    return [list(frame.columns), *frame.to_numpy().tolist()], None, frozenset()


# Columns a plant's line rows add up (enterprises.lines): a tonnage or count merged down the
# rows is the plant's, counted on its first row only, not once per row.
SUMMED_COLUMNS = (*EMISSION_COLUMNS, "trucks_per_day", "output_value")


def _count_merged_once(layout: Layout, merged_below: frozenset[tuple[int, int]],
                       notes: list[str]) -> None:
    """Zero summed cells that a merge filled from a row above (in place), with a note."""
    summed = [j for j, m in enumerate(layout.matches) if m.field in SUMMED_COLUMNS]
    if not merged_below or not summed:
        return
    blanked: dict[int, list[int]] = {}
    for row, record in zip(layout.rows, layout.records, strict=True):
        for j in summed:
            if (row, j) in merged_below and j < len(record):
                record[j] = "0"
                blanked.setdefault(j, []).append(row)
    for j, rows in blanked.items():
        listed = ", ".join(str(r) for r in rows)
        notes.append(Note("merged_once", f"column {layout.headers[j]}: a value merged down rows "
                          f"{listed} counted once (on the first row of its merge), 0 on these "
                          "rows", column=layout.headers[j], rows=rows))


def _layout_frame(layout: Layout, path: Path, sheet: str | None,
                  problems: list[InventoryError]) -> pd.DataFrame:
    """Data records (stripped text: ``find_layout``) → frame of text cells; its columns are
    the headers as written."""
    width = len(layout.headers)
    labels = _unique([h or f"#{j + 1}" for j, h in enumerate(layout.headers)])
    cells = []
    for row, record in zip(layout.rows, layout.records, strict=True):
        if any(record[width:]):
            extra = next(c for c in record[width:] if c)
            problems.append(InventoryError(path, row, f"#{width + 1}", extra,
                                           "no value right of the last header", sheet=sheet))
        cells.append(record if len(record) == width else
                     record[:width] + [""] * (width - len(record)))
    return pd.DataFrame(cells, columns=labels, index=pd.Index(layout.rows, name="row"),
                        dtype=object)


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _measure_headers(raw: pd.DataFrame, matches: list[HeaderMatch]) -> dict[str, str]:
    return {m.field: h for h, m in zip(raw.columns, matches, strict=False)
            if m.field in MEASURE_TEXT_COLUMNS}


def _raise_problems(problems: list[InventoryError], limit: int) -> None:
    if not problems:
        return
    problems.sort(key=lambda p: (p.row or 0, p.position))
    shown = problems[:limit]
    raise InventoryProblems(shown, len(problems) - len(shown))


def read_xlsx_table(path: str | Path, error: type[TableError] = TableError,
                    sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read one worksheet (default: the first) as text cells; return (frame, sheet name).

    Same conventions as ``read_csv_table``: the index holds spreadsheet row numbers; a merged
    cell's value fills every cell of its range.
    """
    cells = _xlsx_records(Path(path), error, sheet)
    return _table_from_records(cells.records, Path(path), error, sheet=cells.title), cells.title


@dataclass(frozen=True)
class SheetCells:
    """A worksheet as text: ``records`` (row 1 first), its ``title``, and ``merged_below``:
    the cells (row number, 0-based column) that took their value from a merged cell above."""

    records: list[list[str]]
    title: str
    merged_below: frozenset[tuple[int, int]] = frozenset()


def _xlsx_records(path: Path, error: type[TableError], sheet: str | None,
                  pick_header: bool = False) -> SheetCells:
    """A worksheet's cells as text, every merged range filled with its top-left value.

    County officers merge 企业名称, 所属县, 行业, 绩效级别 down a plant's line rows and group
    headers (排放量（吨/年）) over their sub-headers; Excel keeps the value in the top-left cell
    only. ``pick_header``: the first worksheet whose layout has a header (a workbook often
    opens with a 说明 sheet), else the first.
    """
    import openpyxl  # imported here: only XLSX users pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise error(path, None, "", path.name, f"an XLSX workbook ({type(exc).__name__})") from None
    try:
        sheets = [book[sheet]] if sheet is not None else book.worksheets
        found: SheetCells | None = None
        for ws in sheets:
            records = [["" if v is None else _cell_text(v) for v in row]
                       for row in ws.iter_rows(min_row=1, values_only=True)]
            below = fill_merged(records, _merged_ranges(path, ws))
            cells = SheetCells(records, ws.title, frozenset(below))
            if found is None:
                found = cells
            if not pick_header or has_header(records):
                return cells
        if found is None:  # a workbook always has a worksheet; book[sheet] raises if absent
            raise error(path, None, "", path.name, "a workbook with a worksheet")
        return found
    finally:
        book.close()


def _merged_ranges(path: Path, ws) -> list[tuple[int, int, int, int]]:
    """The worksheet's merged ranges as (min_col, min_row, max_col, max_row), 1-based.

    openpyxl's read-only worksheets do not expose them: they are read from the sheet's XML
    (``<mergeCell ref="B4:B6"/>``, after the cell data) in the workbook's zip archive.
    """
    import xml.etree.ElementTree as ET
    import zipfile

    from openpyxl.utils.cell import range_boundaries

    member = getattr(ws, "_worksheet_path", None)
    if not member:
        return []
    ranges: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as source:
        for _, element in ET.iterparse(source):
            tag = element.tag.rsplit("}", 1)[-1]
            ref = element.get("ref") if tag == "mergeCell" else None
            if ref:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if min_col and min_row and max_col and max_row:  # not a whole row or column
                    ranges.append((min_col, min_row, max_col, max_row))
            if tag in ("row", "mergeCell"):
                element.clear()  # keep memory flat on long sheets
    return ranges


def fill_merged(records: list[list[str]],
                ranges: Sequence[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    """Fill each merged range (min_col, min_row, max_col, max_row; 1-based) of ``records`` with
    its top-left value, in place; return the cells filled from a row above (row, 0-based col).

    >>> rows = [["名称", ""], ["甲厂", "1"], ["", "2"]]
    >>> sorted(fill_merged(rows, [(1, 2, 1, 3)])), rows[2]
    ([(3, 0)], ['甲厂', '2'])
    """
    below: set[tuple[int, int]] = set()
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(records):
            continue
        top = records[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else ""
        if not value:
            continue
        for r in range(min_row, min(max_row, len(records)) + 1):
            row = records[r - 1]
            row.extend([""] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value
                if r > min_row:
                    below.add((r, c))
    return below


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
    unset = [c for c in WRITTEN_WHEN_SET if not frame[c].astype(str).ne("").any()]
    unset += [c for c in COORDINATE_COLUMNS if not inventory.located.any()]
    frame = frame.drop(columns=unset)  # files written before these columns stay byte-identical
    if kind != "parquet":  # a spreadsheet runs "=…" cells as formulas
        frame = spreadsheet_safe(frame)
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
        follow_umask(tmp)  # mkstemp makes 0600; the list is an ordinary file
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
    *,
    matches: Sequence[HeaderMatch] | None = None,
    city: str | None = None,
    notes: list[str] | None = None,
    problems: list[InventoryError] | None = None,
    header_row: int = 1,
    max_problems: int = MAX_PROBLEMS,
) -> pd.DataFrame:
    """Check a frame of text cells and return typed columns with English ids, schema order.

    ``rows`` gives each data row's spreadsheet row number (default: 2, 3, …); ``path`` and
    ``sheet`` only name the place in errors; ``header_row`` is where the header is.
    ``matches`` says what each column names (default: read from its header, with its unit);
    emissions in kg/h or kg/a are converted to t/a. ``city`` fills a list without a city
    column. ``notes`` (if given) receives warnings: unused columns, conversions.
    Every problem is collected; with ``problems`` given they are appended there for the caller
    to raise, else ``InventoryProblems`` is raised here (the first ``max_problems``).
    Cross-column rules: a grade lies in its industry's grade set; per-industry grades roll up
    into the enterprise grade (shortest plank); 民生保障 and the exemption class agree; there is
    one line share per production line (an empty ``lines`` cell takes their count).
    """
    rows = np.arange(2, len(raw) + 2) if rows is None else np.asarray(rows)
    notes = [] if notes is None else notes
    found: list[InventoryError] = []
    place = {"path": path, "sheet": sheet, "header_row": header_row}
    headers, units = _map_headers(list(raw.columns), matches, place, found, notes,
                                  filled={"city": city is not None})
    n = len(raw)
    checks: dict[str, list] = {}
    texts: dict[str, np.ndarray] = {}
    for c in COLUMNS:
        texts[c.id] = _text(raw[headers[c.id]]) if c.id in headers else np.full(n, "", object)
        if c.id == "city" and city is not None:
            texts[c.id] = np.where(texts[c.id] == "", city, texts[c.id]).astype(object)
        if c.id == "id" and "id" not in headers:
            texts[c.id] = np.array([f"R{r}" for r in rows], dtype=object)
        checks[c.id] = list(_check(c, texts[c.id], rows))
    _reconcile(checks, texts, headers)
    _convert_units(checks, units, headers, notes)
    for position, (col_id, header) in enumerate(headers.items()):
        _, bad, explain = checks[col_id]
        for i in np.flatnonzero(bad):
            problem = InventoryError(path, int(rows[i]), col_id, texts[col_id][i], explain(i),
                                     header, sheet=sheet)
            problem.position = position
            found.append(problem)
    if problems is not None:
        problems.extend(found)
    else:
        _raise_problems(found, max_problems)
    # text columns stay Python objects: ``Inventory.from_frame`` takes them as they are, which
    # a round trip through pandas' Arrow-backed text would only slow down
    return pd.DataFrame({c.id: pd.Series(checks[c.id][0], dtype=object, copy=False)
                         if checks[c.id][0].dtype == object else checks[c.id][0]
                         for c in COLUMNS})


def _convert_units(checks: dict[str, list], units: dict[str, str | None],
                   headers: dict[str, str], notes: list[str]) -> None:
    """Emissions written in kg/h (× operating hours ÷ 1000) or kg/a (÷ 1000) → t/a."""
    hours = checks["operating_hours"][0]
    stated = "operating_hours" in headers
    for col in EMISSION_COLUMNS:
        unit = units.get(col)
        if unit == "kg/h":
            checks[col][0] = checks[col][0] * hours / 1000.0
            basis = ("its row's 年运行时间" if stated else
                     f"{DEFAULT_OPERATING_HOURS:g} h/a (assumption: 300 days × 24 h; add a "
                     "年运行时间 column to use each plant's own)")
            line = f"column {headers[col]}: kg/h converted to t/a × {basis} ÷ 1000"
            notes.append(Note("kg_h_own_hours", line, column=headers[col]) if stated else
                         Note("kg_h_default_hours", line, column=headers[col],
                              hours=f"{DEFAULT_OPERATING_HOURS:g}"))
        elif unit == "kg/a":
            checks[col][0] = checks[col][0] / 1000.0
            notes.append(Note("kg_a", f"column {headers[col]}: kg/a converted to t/a (÷ 1000)",
                              column=headers[col]))
        value, bad, _ = checks[col]  # the plausibility bound applies in t/a, so after units
        checks[col][1] = bad | (value > MAX_ENTERPRISE_EMISSION_T)


_EMISSION_UNITS = (None, "t/a", "kg/h", "kg/a")


def _map_headers(headers: list[str], matches: Sequence[HeaderMatch] | None, place: dict,
                 problems: list[InventoryError], notes: list[str],
                 filled: dict[str, bool]) -> tuple[dict[str, str], dict[str, str | None]]:
    """English column id → header as written, in file order, and each column's unit.

    Repeated fields, unknown emission units and missing required columns are problems at the
    header row; columns not used are named in ``notes``.
    """
    path, sheet, row = place["path"], place["sheet"], place["header_row"]
    found: dict[str, str] = {}
    units: dict[str, str | None] = {}
    unused, recognised = [], []
    for j, header in enumerate(headers):
        match = matches[j] if matches is not None else match_header(header)
        col_id = column_for_header(header) if matches is None else match.field
        if col_id is None:
            if match.recognised:
                recognised.append(header)
            elif not header.startswith("#"):
                unused.append(header)
            continue
        if col_id in found:
            problems.append(InventoryError(
                path, row, col_id, header, f"one column for {col_id} (already {found[col_id]!r}; "
                "rename or delete one)", header, sheet=sheet))
            continue
        if col_id in EMISSION_COLUMNS and match.unit not in _EMISSION_UNITS:
            problems.append(InventoryError(path, row, col_id, header, "an emission unit "
                                           "吨/年 (t/a), kg/h or kg/a", header, sheet=sheet))
        found[col_id] = header
        units[col_id] = match.unit
    if recognised:
        notes.append(Note("columns_recognised", "columns read but not used by the model: "
                          + ", ".join(recognised), columns=recognised))
    if unused:
        notes.append(Note("columns_unused", "columns not used (no field of the schema; add a "
                          "spelling to enterprises/data/headers.toml if one is meant): "
                          + ", ".join(unused), columns=unused))
    if "id" not in found:
        notes.append(Note("no_id_column", "no 企业编号 column: each enterprise's id is R + the "
                          "row of its first line (e.g. R5)"))
    for c in COLUMNS:
        if c.required and c.id not in found and c.id != "id" and not filled.get(c.id):
            problems.append(InventoryError(path, row, c.id, "", _missing_fix(c), sheet=sheet))
    for have, lack, zh in (("lon", "lat", "纬度"), ("lat", "lon", "经度")):
        if have in found and lack not in found:
            problems.append(InventoryError(path, row, lack, "", f"a {zh} column next to "
                                           f"{found[have]} (coordinates come in pairs)",
                                           sheet=sheet))
    return found, units


def _missing_fix(c: Column) -> str:
    text = f"a column headed {c.zh} (or {c.id}; other spellings: enterprises/data/headers.toml)"
    if c.id == "city":
        text += "; or give the city (smogsim validate --city 漯河; a scenario gives its own)"
    if c.id in EMISSION_COLUMNS:
        text += "; 0 where a plant emits none"
    return text


def _reconcile(checks: dict[str, list], texts: dict[str, np.ndarray],
               headers: dict[str, str]) -> None:
    """Cross-column rules; they mark the cell to fix as bad, with its own explanation."""
    _reconcile_grades(checks, texts)
    _reconcile_exemption(checks)
    _reconcile_lines(checks, texts, "line_capacity")
    _reconcile_lines(checks, texts, "line_emissions")
    if "lon" in headers and "lat" in headers:  # one alone is a problem at the header row
        _reconcile_coordinates(checks, texts)


# None as a 0-d object array: ``np.where(mask, messages, _NO_MESSAGE)`` leaves None (no
# message) where the mask is false
_NO_MESSAGE = np.array(None, dtype=object)


def _flag(checks: dict[str, list], col: str, bad: np.ndarray, why: np.ndarray) -> None:
    """Add cross-column problems to a column; the column's own problems keep their message."""
    values, old_bad, old_explain = checks[col]
    fresh = bad & ~old_bad
    messages = np.where(fresh, why, _NO_MESSAGE)
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
    why[plank] = [f"{r} (the worst of its per-industry grades: shortest plank, sources.md §11)"
                  for r in rolled[plank]]
    bad |= plank
    plain = ~has_per & ~grade_bad & ~industry_bad
    outside = plain & _outside_grade_set(grade, industry, plain)
    why[outside] = [_grade_fix(i) for i in industry[outside]]
    bad |= outside
    _flag(checks, "grade", bad, why)


def _outside_grade_set(grade: np.ndarray, industry: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Where ``rows`` (valid grade and industry texts) hold a grade outside the industry's set:
    each distinct industry and grade pair is looked up once."""
    outside = np.zeros(len(grade), dtype=bool)
    at = np.flatnonzero(rows)
    if len(at):
        # (industry ids and grades never hold the unit separator \x1f)
        codes, pairs = pd.factorize(industry[at].astype(object) + "\x1f"
                                    + grade[at].astype(object))
        lookup = [g not in _grade_set(i) for i, g in (pair.split("\x1f") for pair in pairs)]
        outside[at] = np.array(lookup, dtype=bool)[codes]
    return outside


def _grade_fix(industry: str) -> str:
    text = f"a grade of {industry}'s set: {', '.join(_grade_set(industry))}"
    if industry == "other":
        return text + (" (a non-key industry, 其他, is graded 引领性 or 非引领性; A–D belong to "
                       "the 39 key industries)")
    return text


def _grade_set(industry: str) -> tuple[str, ...]:
    return GRADE_SETS[industry_by_id(industry).grade_set] if industry else GRADES


def _rollup(grade: str | None, per_industry: str) -> str:
    grades = [pair.split(":")[1] for pair in per_industry.split(SHARE_SEPARATOR)]
    return worst_grade([*grades, *([grade] if grade else [])])


def _reconcile_exemption(checks: dict[str, list]) -> None:
    livelihood = checks["livelihood"][0]
    exemption = checks["exemption"][0]
    clash = livelihood & ~np.isin(exemption, [NONE, LIVELIHOOD]) & ~checks["exemption"][1]
    why = np.where(clash, "livelihood or none (民生保障 says yes)", _NO_MESSAGE)
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


def _reconcile_coordinates(checks: dict[str, list], texts: dict[str, np.ndarray]) -> None:
    """A row gives both coordinates or neither; a pair inside China only when swapped is
    named so (on the 经度 cell, the 纬度 cell then left alone: one line per row)."""
    lon, lon_bad, _ = checks["lon"]
    lat, lat_bad, _ = checks["lat"]
    read = (texts["lon"] != "") & (texts["lat"] != "") & np.isfinite(lon) & np.isfinite(lat)
    swapped = read & np.array([looks_swapped(x, y) for x, y in zip(lon, lat, strict=True)],
                              dtype=bool)
    why = np.where(swapped, "a longitude (73–136 °E) here and the latitude under 纬度: this "
                   "row's two values look swapped", _NO_MESSAGE)
    checks["lat"][1] = lat_bad & ~swapped
    checks["lon"][1] = lon_bad & ~swapped
    _flag(checks, "lon", swapped, why)
    for col, other, zh in (("lon", "lat", "经度"), ("lat", "lon", "纬度")):
        half = (texts[col] == "") & (texts[other] != "")
        _flag(checks, col, half, np.where(half, f"a {zh} value next to the row's "
                                          f"{'纬度' if col == 'lon' else '经度'} (both or "
                                          "neither; leave both empty to draw the plant in its "
                                          "county)", _NO_MESSAGE))


def _check_coordinate(text: np.ndarray, bounds: tuple[float, float], expected: str) -> Check:
    """Degrees (decimal or 度分秒) within ``bounds``; an empty cell is NaN and fine."""
    values = np.full(len(text), np.nan)
    bad = np.zeros(len(text), dtype=bool)
    for i in np.flatnonzero(text != ""):
        try:
            values[i] = parse_degrees(text[i])
        except ValueError:
            bad[i] = True
            continue
        bad[i] = not bounds[0] <= values[i] <= bounds[1]
    return values, bad, lambda i: expected


def _text(series: pd.Series) -> np.ndarray:
    """Cells as stripped str; missing values (None/NaN) become ""."""
    try:  # text cells only (CSV, XLSX and Parquet lists as read): no missing value to blank
        return np.array(list(map(str.strip, series.tolist())), dtype=object)
    except TypeError:
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
    if col.id == "key_vehicle_user":  # a blank cell says nothing: industry, then trips decide
        return _check_flag(text)
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
    if col.id in COORDINATE_COLUMNS:
        bounds = LON_RANGE if col.id == "lon" else LAT_RANGE
        return _check_coordinate(text, bounds, _EXPECTED[col.id])
    if not col.required:  # free text: line names, measures as written
        return text, np.zeros(len(text), dtype=bool), lambda i: ""
    return _check_text(text)


def _fractions(text: np.ndarray) -> np.ndarray:
    """Text → float64 fractions; "30%" is 0.3; non-numeric and empty cells become NaN."""
    if (text == "").all():  # a column the list leaves out
        return np.full(len(text), np.nan)
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
    if (text == "").all():  # a column the list leaves out
        return np.full(len(text), np.nan)
    return pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(np.float64)


def _check_ids(text: np.ndarray, rows: np.ndarray) -> Check:
    """Ids must be given; a repeated id is the same enterprise's next line (``merge_lines``)."""
    return _check_text(text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, all of it


def _check_text(text: np.ndarray) -> Check:
    """A required name: not empty, and no control characters (a NUL or a line break inside
    an id or a county would split or hide it in every table and chart downstream)."""
    # the cells joined by a space (not a control character) show at once that most lists
    # have none; only then is each cell searched
    control = (np.array([_CONTROL.search(t) is not None for t in text], dtype=bool)
               if _CONTROL.search(" ".join(text)) else np.zeros(len(text), dtype=bool))
    return text, (text == "") | control, lambda i: _EXPECTED[
        "plain_text" if control[i] else "text"]


def _check_lookup(text: np.ndarray, parse: Callable[[str], str], expected: str,
                  empty: str | None = None) -> Check:
    """Parse each distinct value once, then broadcast back to the rows.

    ``empty``: the value of an empty cell (None: an empty cell is bad).
    """
    codes, uniques = pd.factorize(text)
    parsed = [empty if (u == "" and empty is not None) else _try(parse, u) for u in uniques]
    ok = np.array([p is not None for p in parsed] + [False], dtype=bool)  # code -1 = missing
    values = np.array([*parsed, None], dtype=object)
    return values[codes], ~ok[codes], lambda i: expected


def _try(parse: Callable[[str], str], text: str) -> str | None:
    try:
        return parse(text)
    except (ValueError, KeyError):
        return None


def flag_marks(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) masks of flag cells (``enterprises.schema.flag_value``)."""
    # each distinct mark read once (a list repeats a handful of them); None stays None
    codes, uniques = pd.factorize(np.asarray(text, dtype=object))
    value = np.array([*(flag_value(u) for u in uniques), None], dtype=object)[codes]
    return value == True, value == False  # noqa: E712 (elementwise; None is neither)


def _check_bool(text: np.ndarray, default: bool) -> Check:
    true, false = flag_marks(text)
    empty = text == ""
    values = np.where(empty, default, true)
    return values.astype(bool), ~(true | false | empty), lambda i: _EXPECTED["livelihood"]


def _check_flag(text: np.ndarray) -> Check:
    """A yes/no flag with a third state: True, False, or None for an empty cell."""
    true, false = flag_marks(text)
    empty = text == ""
    values = np.array([None if e else bool(t) for e, t in zip(empty, true, strict=True)],
                      dtype=object)
    return values, ~(true | false | empty), lambda i: _EXPECTED["livelihood"]
