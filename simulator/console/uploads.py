"""Files a planner sends from the browser: a scenario, a list, a forecast, an exercise file.

Uploads are written to a fresh folder under their own (cleaned) names and read by the same
readers as ``smogsim run``: the errors are the command line's one-line texts
(``simulator.cli.common.error_line``), with the server's folder cut from the file names so
the planner reads "list.csv: row 4, column grade: …". Size limits stop a request before it is
read to the end.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

# Size limits per field (assumptions, no source: a city's emergency-reduction list as a
# workbook is a few MiB even with thousands of lines; a year of hourly forecasts for a
# region is ~10 MiB as CSV; a scenario or an exercise file is a few KiB).
MIB = 1024 * 1024
LIMITS = {"scenario": 1 * MIB, "list": 50 * MIB, "forecast": 20 * MIB, "exercise": 5 * MIB}
REQUEST_SLACK = 64 * 1024  # multipart headers and boundaries around the files
# What each field accepts, as the command line's readers do (by suffix).
SUFFIXES = {"scenario": (".toml",), "list": (".csv", ".xlsx", ".parquet"),
            "forecast": (".csv", ".gz", ".txt"), "exercise": (".json",)}


class UploadError(ValueError):
    """A field's upload cannot be used: ``field`` says which, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class TooLarge(UploadError):
    """A request or a field over its size limit."""


def request_limit(fields: tuple[str, ...]) -> int:
    """The largest request body that can carry ``fields`` within their limits."""
    return sum(LIMITS[f] for f in fields) + REQUEST_SLACK


def clean_name(name: str, field: str) -> str:
    """A file name safe to write in the upload folder: its last part, letters, digits,
    CJK, ``._-`` kept; a name with no allowed suffix is refused."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r"[^\w.\-\u3400-\u9fff]", "_", base).lstrip(".") or f"{field}"
    if not base.lower().endswith(SUFFIXES[field]):
        raise UploadError(field, f"{base}: {field} — expected a file ending in "
                                 f"{' or '.join(SUFFIXES[field])}")
    return base


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its field, the name the planner gave it and its bytes."""

    field: str
    name: str
    data: bytes

    def check_size(self) -> None:
        if len(self.data) > LIMITS[self.field]:
            raise TooLarge(self.field, f"{self.name}: {len(self.data) / MIB:.1f} MiB — expected "
                                       f"at most {LIMITS[self.field] // MIB} MiB for "
                                       f"{self.field} (size limit, assumption)")


def new_folder(root: Path) -> Path:
    folder = root / secrets.token_hex(8)
    folder.mkdir(parents=True)
    return folder


def place(uploads: list[Upload], folder: Path) -> dict[str, Path]:
    """Write every upload into ``folder`` under its cleaned name; the paths by field."""
    written = {}
    for upload in uploads:
        upload.check_size()
        path = folder / clean_name(upload.name, upload.field)
        if path.exists():  # two fields with one name: keep both
            path = folder / f"{upload.field}-{path.name}"
        path.write_bytes(upload.data)
        written[upload.field] = path
    return written


def scenario_file(base: Path, placed: dict[str, Path], folder: Path) -> Path:
    """The scenario to open: the uploaded one, or ``base``, with the uploaded list and
    forecast in place of the files it names.

    An uploaded scenario's other relative paths are read against the upload folder, as the
    command line reads them against the scenario's folder: a file it names and the planner
    did not send is the command line's "no such file" error. ``base`` (the scenario open now)
    keeps its own files, named by absolute path in the copy written to ``folder``.
    """
    if "list" not in placed and "forecast" not in placed:
        return placed.get("scenario", base)
    source = placed.get("scenario", base)
    data = _read_toml(source, "scenario")
    if "scenario" not in placed:
        data = _absolute(data, source.parent)
    if "list" in placed:
        data.setdefault("inventory", {})["file"] = str(placed["list"])
    if "forecast" in placed:
        data.setdefault("forecast", {})["file"] = str(placed["forecast"])
    target = folder / ("scenario-with-uploads.toml" if "scenario" in placed else source.name)
    target.write_text(tomli_w.dumps(data), encoding="utf-8")
    return target


def _read_toml(path: Path, field: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as bad:
        raise UploadError(field, f"{path.name}: {bad} — expected a TOML scenario file") from None


def _absolute(table: dict, folder: Path) -> dict:
    """``table`` with every string that names a file relative to ``folder`` made absolute
    (inventory.file, forecast.file, rules, region.file, measures.file, transport files)."""
    out: dict = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out[key] = _absolute(value, folder)
        elif isinstance(value, list):
            out[key] = [_absolute(v, folder) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, str) and Path(value).suffix and (folder / value).is_file():
            out[key] = str((folder / value).resolve())
        else:
            out[key] = value
    return out


def without_folders(message: str, roots: list[Path]) -> str:
    """``message`` with the server's folders (a root and the random folder under it) cut
    from the file names in it."""
    for root in roots:
        for form in {str(root), str(root.resolve())}:
            message = re.sub(re.escape(form) + r"/(?:[\w-]{16,}/)?", "", message)
    return message


def field_of(message: str, placed: dict[str, Path], default: str = "scenario") -> str:
    """The field whose file an error message names first (the scenario's when none)."""
    hits = [(message.find(path.name), field) for field, path in placed.items()
            if path.name in message]
    return min(hits)[1] if hits else default
