"""A bureau's list as it is laid out: title rows, one- or two-row headers, footnotes, units.

A county officer's 应急减排清单 rarely starts with its header in row 1: a merged title row
("漯河市重污染天气应急减排清单"), a "填报单位" line, then the header (sometimes two rows: 排放量
（吨/年） over SO2 | NOx | …), the enterprises, perhaps a 合计 row, and a footnote ("注：…").
``find_layout`` finds the header and the data rows; ``match_header`` reads one header through
the spellings of ``enterprises/data/headers.toml`` (data a bureau can extend).

Row numbers are the spreadsheet's own (1-based, title rows included), so an error points at
the row a user sees.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from enterprises.errors import Note

HEADERS_PATH = Path(__file__).parent / "data" / "headers.toml"
# The header is looked for among the first rows only (title rows above it are few).
MAX_TITLE_ROWS = 30
# A row is the header when it names at least this many fields (assumption: a list has at
# least a name, an industry and a grade column, so three).
MIN_HEADER_FIELDS = 3
# First cells that end the table: a footnote or the signature block under it.
FOOTNOTE_START = ("注", "备注", "说明", "填表说明", "填报说明", "填表人", "填报人", "审核人",
                  "制表", "联系人", "联系电话", "数据来源", "单位负责人")
TOTAL_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True)
class Spellings:
    """Normalised spelling → field id; recognised (unused) spellings; unit spellings."""

    fields: dict[str, str]
    recognised: dict[str, str]
    units: dict[str, str]


@functools.cache
def spellings(path: str | Path = HEADERS_PATH) -> Spellings:
    """The header spellings table (``enterprises/data/headers.toml``), read once."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    fields = {header_key(s): f for f, names in data["fields"].items() for s in names}
    recognised = {header_key(s): f for f, names in data["recognised"].items() for s in names}
    units = {header_key(s): u for s, u in data["units"].items()}
    return Spellings(fields, recognised, units)


def header_key(text: str) -> str:
    """Comparable form: NFKC (full-width → ASCII), no white space, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


@dataclass(frozen=True)
class HeaderMatch:
    """What one header names: a field id (None if unknown), its unit, or a recognised tag."""

    field: str | None
    unit: str | None = None
    recognised: str | None = None


_BRACKET = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")


def split_unit(key: str, table: Spellings | None = None) -> tuple[str, str | None]:
    """(header without its unit, unit) for a normalised header such as ``so2排放量(吨/年)``."""
    table = table or spellings()
    unit = None
    for found in _BRACKET.finditer(key):
        if found[1] in table.units:
            unit = table.units[found[1]]
    base = _BRACKET.sub(lambda m: "" if m[1] in table.units else m[0], key)
    if unit is None:  # an unbracketed unit at the end: "so2排放量t/a", "二氧化硫/吨/年"
        for spelled, meaning in sorted(table.units.items(), key=lambda kv: -len(kv[0])):
            if "/" in spelled and base.endswith(spelled) and len(base) > len(spelled):
                base, unit = base[: -len(spelled)].rstrip("/"), meaning
                break
    return base, unit


def match_header(text: str, parent: str = "") -> HeaderMatch:
    """Read a header (the lower cell of a two-row header takes ``parent``'s unit).

    >>> match_header("SO2排放量（吨/年）")
    HeaderMatch(field='so2_t', unit='t/a', recognised=None)
    >>> match_header("SO2", parent="排放量（kg/h）").unit
    'kg/h'
    """
    from enterprises.schema import schema_field  # the schema's own ids and Chinese names

    if (own := schema_field(text)) is not None:
        return HeaderMatch(own, split_unit(header_key(text))[1])
    table = spellings()
    base, unit = split_unit(header_key(text), table)
    if not base:
        return HeaderMatch(None)
    if unit is None and parent:
        unit = split_unit(header_key(parent), table)[1]
    for candidate in (base, base.replace("(", "").replace(")", "")):
        if candidate in table.fields:
            return HeaderMatch(table.fields[candidate], unit)
        if candidate in table.recognised:
            return HeaderMatch(None, unit, table.recognised[candidate])
    return HeaderMatch(None, unit)


@dataclass
class Layout:
    """Where the table is: header row(s), data rows, and what was skipped.

    ``headers`` are the headers as a user reads them (a two-row header joins its cells with
    "/"); ``matches`` what each names; ``rows`` the spreadsheet row number of each data
    record; ``notes`` one line per skipped title, total or footnote row.
    """

    header_rows: tuple[int, ...]
    headers: list[str]
    matches: list[HeaderMatch]
    records: list[list[str]]
    rows: list[int]
    notes: list[str] = field(default_factory=list)


def find_layout(records: list[list[str]]) -> Layout:
    """Find the header among the first rows, then the data rows down to a footnote."""
    cells = [stripped(r) for r in records]
    top = _best_header_row(cells)
    header = cells[top] if cells else []
    below = cells[top + 1] if top + 1 < len(cells) else []
    # a second header row: sub-headers, or the header's own cells merged down two rows
    two_rows = _is_sub_header(header, below) or (any(below) and below == header)
    headers, matches = _headers(header, below if two_rows else [])
    first = top + (2 if two_rows else 1)
    notes: list[str] = []
    for i in range(top):
        text = " ".join(_distinct(cells[i]))
        if text:
            notes.append(Note("title_row", f"row {i + 1}: title line skipped: {_short(text)}",
                              row=i + 1, text=_short(text)))
    if top > 0 or two_rows:
        notes.append(Note("header_rows", f"header in row {top + 1} and {top + 2} (two rows)",
                          row=top + 1, second=top + 2) if two_rows else
                     Note("header_row", f"header in row {top + 1}", row=top + 1))
    data, rows = _data_rows(cells[first:], first, len(headers), notes)
    return Layout(tuple(range(top + 1, first + 1)), headers, matches, data, rows, notes)


def stripped(record: list) -> list[str]:
    """A record's cells as stripped text (``str(cell).strip()``)."""
    try:
        return list(map(str.strip, record))  # text cells (CSV): no str() per cell
    except TypeError:
        return [str(c).strip() for c in record]


def _best_header_row(cells: list[list[str]]) -> int:
    """The first row naming the most fields (at least ``MIN_HEADER_FIELDS``); else row 1."""
    best, best_score = 0, 0
    for i, row in enumerate(cells[:MAX_TITLE_ROWS]):
        score = len({m.field for m in (match_header(c) for c in row if c) if m.field})
        if score > best_score:
            best, best_score = i, score
    if best_score < MIN_HEADER_FIELDS:
        return 0
    if best > 0 and _is_sub_header(cells[best - 1], cells[best]):
        return best - 1  # the lower row of a two-row header names more fields than the upper
    return best


def _is_sub_header(header: list[str], below: list[str]) -> bool:
    """A second header row: it names fields under blank or group cells of a header row (one
    that itself has several cells, a field or a unit: not a title or 填报单位 line)."""
    if len(_distinct(header)) < 2 or not any(
            match_header(c).field or match_header(c).unit for c in header if c):
        return False
    named = 0
    for j, cell in enumerate(below):
        if not cell:
            continue
        own = match_header(cell)
        above = header[j] if j < len(header) else ""
        if own.field and (not above or match_header(above).field is None):
            named += 1
        elif _number(cell):
            return False
    return named >= 2


def _headers(header: list[str], below: list[str]) -> tuple[list[str], list[HeaderMatch]]:
    """Headers as written and what they name; the lower row of two inherits group cells."""
    width = max(len(header), len(below))
    header = header + [""] * (width - len(header))
    below = below + [""] * (width - len(below))
    while width and not header[width - 1] and not below[width - 1]:
        width -= 1  # spreadsheets often carry empty trailing header cells
    texts, matches, group = [], [], ""
    for j in range(width):
        top, low = header[j], below[j]
        if top:
            group = top
        if low and low != top:  # (a header merged down both rows reads once)
            parent = top or group
            own = match_header(low, parent)
            if own.field is None and own.recognised is None:
                own = match_header(parent + low)
            texts.append(f"{parent}/{low}" if parent else low)
            matches.append(own)
        else:
            texts.append(top)
            matches.append(match_header(top) if top else HeaderMatch(None))
            group = top if top else ""
    return texts, matches


def _data_rows(cells: list[list[str]], offset: int, width: int,
               notes: list[str]) -> tuple[list[list[str]], list[int]]:
    """Data records and their row numbers, down to the first footnote row."""
    data, rows = [], []
    for k, row in enumerate(cells):
        number = offset + k + 1
        filled = _distinct(row)  # a line merged across the table fills every cell alike
        if not filled:
            continue
        first = filled[0]
        if _is_footnote(first, filled):
            shown = _short(" ".join(filled))
            notes.append(Note("footnote_row", f"row {number}: table ends at the footnote: "
                              f"{shown}", row=number, text=shown))
            break
        if len(filled) < width and any(w in c for c in filled[:3] for w in TOTAL_WORDS):
            shown = _short(" ".join(filled))
            notes.append(Note("total_row", f"row {number}: total row skipped: {shown}",
                              row=number, text=shown))
            continue
        if len(filled) == 1 and width >= 4:
            notes.append(Note("single_cell_row", f"row {number}: single-cell line skipped "
                              f"(title, section or footnote): {_short(first)}", row=number,
                              text=_short(first)))
            continue
        data.append(row)
        rows.append(number)
    return data, rows


def _is_footnote(first: str, filled: list[str]) -> bool:
    """"注：…", "说明: …", "填表人：" — not an enterprise that happens to start with 注 (注塑厂)."""
    key = unicodedata.normalize("NFKC", first)
    if not key.startswith(FOOTNOTE_START):  # most rows: one test for every word
        return False
    for word in FOOTNOTE_START:
        if key.startswith(word):
            rest = key[len(word):].lstrip()
            return len(filled) <= 2 or not rest or rest[0] in ":：0123456789.、"
    return False


def _distinct(row: list[str]) -> list[str]:
    """The row's non-empty cells, each text once (in order)."""
    return list(dict.fromkeys(filter(None, row)))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def has_header(records: list[list[str]]) -> bool:
    """True when one of the first rows names at least ``MIN_HEADER_FIELDS`` fields."""
    cells = [[str(c).strip() for c in r] for r in records[:MAX_TITLE_ROWS]]
    return any(len({m.field for m in (match_header(c) for c in row if c) if m.field})
               >= MIN_HEADER_FIELDS for row in cells)
