"""Text files as bureaus save them, and cells a spreadsheet would run.

Every text input smogsim reads (TOML, CSV, gzipped CSV) goes through ``read_text``: the bytes
are decoded as UTF-8 (with or without a BOM), else as GB18030, the national superset of GBK
that Excel on Chinese Windows writes for "CSV". Both decodings are strict: a file that is
neither — a spreadsheet saved as binary, a damaged download — is a one-line
``TextFileError``, never a string full of replacement characters. UTF-8 is tried first
because a GB18030 reading of UTF-8 bytes almost always fails (and a pure-ASCII file reads the
same either way).

Every table smogsim writes for a spreadsheet passes its text cells through
``spreadsheet_safe``: a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is what Excel, WPS and LibreOffice run as a formula (the OWASP "CSV injection" rule),
so it gets a leading apostrophe. Numbers are left as they are (a negative number is not a
formula).

The package sits at the bottom of smogsim's imports, so ``enterprises`` and ``simulator``
read and write through the same two functions.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

UTF8, GB18030 = "utf-8", "gb18030"
BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TextFileError(ValueError):
    """An input file that is not readable text: one line naming the file and the fix."""


@dataclass(frozen=True)
class Text:
    """A decoded file: its text and the encoding it was read in (``utf-8``, ``utf-8-sig``
    — with a BOM — or ``gb18030``)."""

    text: str
    encoding: str


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, decompressed when its name ends in ``.gz``.

    A damaged or cut-off gzip file is a ``TextFileError``; a missing file is
    ``FileNotFoundError`` (the caller says what the file was for).
    """
    path = Path(path)
    data = path.read_bytes()
    if path.suffix.lower() != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except EOFError:
        raise TextFileError(f"{path}: gzip file is cut off (truncated) — copy or download it "
                            "again") from None
    except (OSError, zlib.error) as bad:  # gzip.BadGzipFile is an OSError
        raise TextFileError(f"{path}: not a readable gzip file ({bad}) — copy or download it "
                            "again") from None


def decode(data: bytes, path: str | Path) -> Text:
    """``data`` as text: UTF-8 (BOM optional), else GB18030/GBK, both strict."""
    if data.startswith(BOM):
        encodings = [("utf-8-sig", data[len(BOM):])]
    else:
        encodings = [(UTF8, data), (GB18030, data)]
    if b"\x00" not in data:
        for name, body in encodings:
            try:
                return Text(body.decode(name.removesuffix("-sig")), name)
            except UnicodeDecodeError:
                continue
    raise TextFileError(f"{path}: not a text file in UTF-8 or GBK/GB18030 — save it as "
                        "\"CSV UTF-8\" (or plain text) and try again")


def read_text(path: str | Path) -> Text:
    """Read a text input (``.gz`` decompressed) in its detected encoding."""
    return decode(read_bytes(path), path)


def encoding_of(path: str | Path) -> str:
    """The encoding ``read_text`` reads ``path`` in (``"binary"`` for a file that is not
    text, e.g. a workbook or Parquet file)."""
    try:
        return read_text(path).encoding
    except TextFileError:
        return "binary"


def spreadsheet_safe_cell(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a
    formula; anything else unchanged.

    >>> [spreadsheet_safe_cell(v) for v in ("=HYPERLINK(1)", "-12", -12, "漯河")]
    ["'=HYPERLINK(1)", "'-12", -12, '漯河']
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through ``spreadsheet_safe_cell`` (and the
    header too); numeric, boolean and time columns are not touched. The input is not changed.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS),
                              na_action="ignore").fillna(False).astype(bool)
            if text.any():
                out[column] = series.where(~text, "'" + series.astype(str))
    out.columns = [spreadsheet_safe_cell(c) for c in out.columns]
    return out


def follow_umask(path: str | Path) -> None:
    """Give a file made by ``tempfile.mkstemp`` (always 0600) the mode an ordinary new file
    gets under the process's umask (0644 under the usual 022), as ``open`` would."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
