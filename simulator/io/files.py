"""Writing files safely: atomic replacement and the CSV dialect every smogsim table uses."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pandas as pd

CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A run table as smogsim writes it: UTF-8 with BOM, minutes, 6 decimals, LF."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(path, index=False, encoding=CSV_ENCODING, float_format="%.6f",
               lineterminator="\n")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory, fsync, replace."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


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
