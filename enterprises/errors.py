"""One-line errors that point at a cell: file, row, column, value, what was expected."""

from __future__ import annotations

from pathlib import Path


class TableError(ValueError):
    """A bad cell (or missing column) in an input table.

    ``row`` is the row number a spreadsheet user sees: the header is row 1, the first data row
    is row 2. ``column`` is the schema's English column id; ``header`` is the column's header as
    written in the file (shown in the message, so a user can find it). A problem with the whole
    file has ``row`` None and a shorter message.

    ``sheet`` names the worksheet of a spreadsheet file (XLSX); it is shown before the row.

    >>> str(TableError("in/inventory.csv", 7, "grade", "E", "one of A, B"))
    "inventory.csv: row 7, column grade: value 'E' — expected one of A, B"
    >>> str(TableError("list.xlsx", 3, "grade", "E", "one of A, B", sheet="清单"))
    "list.xlsx: sheet 清单, row 3, column grade: value 'E' — expected one of A, B"
    """

    # the column's place in the file, which orders several problems of one row (set by the
    # reader that finds them; 0 = first)
    position: int = 0

    def __init__(
        self,
        path: str | Path | None,
        row: int | None,
        column: str,
        value: str,
        expected: str,
        header: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.header = header or column
        self.sheet = sheet
        name = Path(path).name if path is not None else "<frame>"
        if sheet is not None:
            name += f": sheet {sheet}"
        where = "" if row is None else f" row {row}, column {self.header}:"
        sep = "," if sheet is not None and row is not None else ":"
        super().__init__(f"{name}{sep}{where} value {value!r} — expected {expected}")

    def __reduce__(self):  # picklable across worker processes despite the custom signature
        args = (self.path, self.row, self.column, self.value, self.expected, self.header,
                self.sheet)
        return (type(self), args)


class InventoryError(TableError):
    """A problem in an enterprise inventory."""


class MeasureTableError(TableError):
    """A problem in a measure catalogue."""


class InventoryProblems(InventoryError):
    """Every problem found in a list (up to a limit), one ``InventoryError`` per cell.

    It reads as its first problem (``row``, ``column``, … and ``str`` of a single problem stay
    one line); ``problems`` holds them all and ``str`` lists them one per line.
    """

    def __init__(self, problems: list[InventoryError], more: int = 0) -> None:
        first = problems[0]
        super().__init__(first.path, first.row, first.column, first.value, first.expected,
                         first.header, first.sheet)
        self.problems = list(problems)
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"… and {more} more problem(s) not shown")
        self.args = ("\n".join(lines),)

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        return (type(self), (self.problems, self.more))


class Note(str):
    """A reading note a user should see (a title row skipped, a unit converted): the English
    line it is, plus a ``code`` and the ``fields`` it was filled from, so a command can say it
    in the user's language (``simulator.lang``: catalogue key ``note.<code>``). Everywhere a
    note is used as text it is the English line, unchanged.

    >>> note = Note("header", "header in row 3", row=3)
    >>> note, note.code, note.fields
    ('header in row 3', 'header', {'row': 3})
    """

    code: str
    fields: dict[str, object]

    def __new__(cls, code: str, english: str, **fields: object) -> Note:
        note = super().__new__(cls, english)
        note.code, note.fields = code, fields
        return note

    def __reduce__(self):  # pickled with its code and fields (batch workers send readings)
        return _note, (self.code, str(self), self.fields)


def _note(code: str, english: str, fields: dict[str, object]) -> Note:
    return Note(code, english, **fields)
