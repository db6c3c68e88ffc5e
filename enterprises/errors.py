"""One-line errors that point at a cell: file, row, column, value, what was expected."""

from __future__ import annotations

from pathlib import Path


class TableError(ValueError):
    """A bad cell (or missing column) in an input table.

    ``row`` is the row number a spreadsheet user sees: the header is row 1, the first data row
    is row 2. ``column`` is the schema's English column id; ``header`` is the column's header as
    written in the file (shown in the message, so a user can find it). A problem with the whole
    file has ``row`` None and a shorter message.

    >>> str(TableError("in/inventory.csv", 7, "grade", "E", "one of A, B"))
    "inventory.csv: row 7, column grade: value 'E' — expected one of A, B"
    """

    def __init__(
        self,
        path: str | Path | None,
        row: int | None,
        column: str,
        value: str,
        expected: str,
        header: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.header = header or column
        name = Path(path).name if path is not None else "<frame>"
        where = "" if row is None else f" row {row}, column {self.header}:"
        super().__init__(f"{name}:{where} value {value!r} — expected {expected}")

    def __reduce__(self):  # picklable across worker processes despite the custom signature
        args = (self.path, self.row, self.column, self.value, self.expected, self.header)
        return (type(self), args)


class InventoryError(TableError):
    """A problem in an enterprise inventory."""


class MeasureTableError(TableError):
    """A problem in a measure catalogue."""
