"""Writing files safely: atomic replacement and the CSV dialect every smogsim table uses."""

from __future__ import annotations

import hashlib
import os
import re
import time
import tomllib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.textfiles import TextFileError, follow_umask, read_text, spreadsheet_safe

CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM


def read_input_text(path: Path, error: type[Exception], what: str = "file") -> str:
    """A user text file (UTF-8 or GBK, ``.gz`` too: ``alerts.textfiles``); missing or not
    text is one line as ``error``."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        return read_text(path).text
    except TextFileError as bad:
        raise error(str(bad)) from None


def read_input_toml(path: Path, error: type[Exception], what: str = "file") -> dict:
    """A user TOML file, parsed; missing, undecodable or malformed is one line as ``error``."""
    try:
        return tomllib.loads(read_input_text(path, error, what))
    except tomllib.TOMLDecodeError as bad:
        raise error(f"{path}: not valid TOML ({bad})") from None


def read_input_csv(path: Path, error: type[Exception], what: str = "file", **options
                   ) -> pd.DataFrame:
    """``pd.read_csv`` of a user text file; empty or malformed is one line as ``error``."""
    text = read_input_text(path, error, what)
    if not text.strip():
        raise error(f"{path}: file is empty — expected a header row and data rows")
    try:
        return pd.read_csv(StringIO(text), **options)
    except (ValueError, pd.errors.ParserError) as bad:  # EmptyDataError is a ValueError
        reason = (str(bad).strip().splitlines() or [type(bad).__name__])[0]
        raise error(f"{path}: not a readable CSV table ({reason})") from None


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A run table as smogsim writes it: UTF-8 with BOM, minutes, 6 decimals, LF, text
    cells a spreadsheet would run as formulas neutralised (``alerts.textfiles``)."""
    Path(path).write_bytes(csv_bytes(frame))


def csv_bytes(frame: pd.DataFrame, float_format: str = "%.6f") -> bytes:
    """The bytes ``write_csv`` writes: every CSV table smogsim writes is made here."""
    digits = re.fullmatch(r"%\.(\d+)f", float_format)
    out = spreadsheet_safe(no_negative_zero(frame, int(digits[1]) if digits else 6))
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    text = out.to_csv(index=False, float_format=float_format, lineterminator="\n")
    return text.encode(CSV_ENCODING)


def no_negative_zero(frame: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    """``frame`` with every float that would print as a negative zero at ``digits`` decimals
    (-0.0, -1e-12: the rounding dust of cut = baseline − actual) set to 0.0; a copy when
    anything changes. "-0.000000" reads as a negative cut to a person and a script alike.

    >>> no_negative_zero(pd.DataFrame({"cut_t": [-0.0, -1e-9, -0.5]})).cut_t.tolist()
    [0.0, 0.0, -0.5]
    """
    out = frame
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        array = values.to_numpy()
        dust = np.signbit(array) & (np.round(array, digits) == 0)
        if dust.any():
            if out is frame:
                out = frame.copy()
            out[column] = np.where(dust, 0.0, array)
    return out


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory, fsync, replace.
    The file gets the mode of an ordinary new file (the umask's). ``sync_dir=False`` leaves
    the rename to be made durable by a later write in the same directory that syncs it."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        follow_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        _fsync_dir(path.parent)


def atomic_write_all(files: Mapping[Path, bytes], threads: int = 8) -> None:
    """``atomic_write`` of many files, side by side (the disk waits of their fsyncs overlap),
    each directory synced once when all are in place."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda item: atomic_write(*item, sync_dir=False), files.items()))
    for directory in dict.fromkeys(path.parent for path in files):
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
