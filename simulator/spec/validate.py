"""One walker for every TOML table a scenario file may hold, and the kinds of value it checks.

A key's kind (text, whole number, number, bool, time, file path, choice, list of …, table of
…) and its bounds are data in ``simulator.spec.schema``. ``walk`` descends a parsed TOML
mapping along that schema, building each key's path as it goes (``city.许昌.area_sources.
dust.pm_t``, ``seasonal[2].end``), converts every value and fills in defaults. The first
problem raises ``ScenarioError`` with one line::

    <file>: key <path>: value <repr> — expected <expectation>

Every kind's ``convert(value, at)`` returns the converted value or raises through
``at.fail``; ``expected`` is the text after "expected", ``label`` the reference's type column.
"""

from __future__ import annotations

import contextlib
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


class InputNote(UserWarning):
    """Something in the inputs a user should know, though the run goes on meaningfully (a
    scenario period only partly inside its forecast). The CLI prints each as a ``note:``
    line on stderr after the command's output; library callers see a Python warning."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line naming file and key."""


@dataclass(frozen=True)
class At:
    """Where the walker is: the scenario file and the key path so far."""

    origin: Path
    path: tuple[str, ...] = ()

    def key(self, name: str) -> At:
        return At(self.origin, (*self.path, name))

    def item(self, number: int) -> At:
        """The ``number``-th item (from 1, as a user counts [[tables]]) of a list."""
        return At(self.origin, (*self.path[:-1], f"{self.path[-1]}[{number}]"))

    @property
    def base(self) -> Path:
        return self.origin.parent

    def __str__(self) -> str:
        # a key holding a line break or other control character is shown quoted, so the
        # error stays one line
        return ".".join(part if part.isprintable() else repr(part) for part in self.path)

    def fail(self, value: object, expected: str) -> ScenarioError:
        shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
        return ScenarioError(f"{self.origin}: key {self}: value {shown} — expected {expected}")

    def unknown(self, expected: Sequence[str], what: str = "") -> ScenarioError:
        """A key no schema describes (a typo would otherwise be ignored)."""
        return ScenarioError(f"{self.origin}: key {self}: unknown{' ' + what if what else ''} "
                             f"— expected {', '.join(expected)}")

    def missing(self, expected: str) -> ScenarioError:
        return ScenarioError(f"{self.origin}: key {self}: missing — expected {expected}")


def _spoken(values: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"in [{_number(low)}, {_number(high)}]"
    if low is not None:
        return f"≥ {_number(low)}"
    return f"≤ {_number(high)}" if high is not None else ""


def _number(value: float) -> str:
    """A bound as written: 2000000 rather than 2e+06."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


# -- scalar kinds ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A non-blank string, stripped unless ``strip`` is False."""

    strip: bool = True
    label: str = "text"

    @property
    def expected(self) -> str:
        return "text"

    @property
    def allowed(self) -> str:
        return ""

    def convert(self, value, at: At) -> str:
        if not isinstance(value, str) or not value.strip():
            raise at.fail(value, self.expected)
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
            raise at.fail(value, "text without control characters (NUL, escape …)")
        return value.strip() if self.strip else value


@dataclass(frozen=True)
class Bool:
    label: str = "true or false"
    expected: str = "true or false"
    allowed: str = ""

    def convert(self, value, at: At) -> bool:
        if not isinstance(value, bool):
            raise at.fail(value, self.expected)
        return value


@dataclass(frozen=True)
class Number:
    """A finite number within inclusive bounds, returned as float (``whole``: as int)."""

    low: float | None = None
    high: float | None = None
    noun: str = "number"  # "fraction", "number of t/a", …
    whole: bool = False

    @property
    def label(self) -> str:
        return self.noun if not self.whole else "whole number"

    @property
    def allowed(self) -> str:
        return _bounds(self.low, self.high)

    @property
    def expected(self) -> str:
        return f"a {self.label} {self.allowed}".rstrip()

    def convert(self, value, at: At) -> float | int:
        kinds = int if self.whole else int | float
        if (isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value)
                or (self.low is not None and value < self.low)
                or (self.high is not None and value > self.high)):
            raise at.fail(value, self.expected)
        return value if self.whole else float(value)


def Whole(low: int | None = None, high: int | None = None) -> Number:
    return Number(low, high, whole=True)


@dataclass(frozen=True)
class Time:
    """A local date-time (no time zone), as written or as a TOML date-time."""

    label: str = "local date-time"
    expected: str = "a local date-time like 2023-12-12T00:00"
    allowed: str = "no time zone"

    def convert(self, value, at: At) -> pd.Timestamp:
        try:
            stamp = pd.Timestamp(str(value))
        except (ValueError, TypeError, OverflowError):
            stamp = pd.NaT
        if isinstance(value, bool) or pd.isna(stamp) or stamp.tzinfo is not None:
            raise at.fail(value, self.expected)
        return stamp


@dataclass(frozen=True)
class File:
    """A path relative to the scenario file, to a file that exists; returned resolved."""

    suffix: str = ""
    label: str = "file path"
    allowed: str = ""

    @property
    def expected(self) -> str:
        return f"a {self.suffix} file" if self.suffix else "a file path"

    def convert(self, value, at: At) -> Path:
        if not isinstance(value, str) or not value.endswith(self.suffix) or not value.strip():
            raise at.fail(value, self.expected)
        path = (at.base / value).resolve()
        if not path.is_file():
            raise NotFound(at.fail(value, f"an existing file (not found: {path})"))
        return path


class NotFound(ScenarioError):
    """A file path of the right form that names no file (``Either`` reports it as is)."""

    def __init__(self, error: ScenarioError) -> None:
        super().__init__(str(error))


@dataclass(frozen=True)
class Choice:
    """One of ``values``; ``parse`` first reads aliases (e.g. 橙色 → orange)."""

    values: tuple[str, ...]
    parse: Callable[[str], str] | None = None
    label: str = "text"

    @property
    def expected(self) -> str:
        return _spoken(self.values)

    @property
    def allowed(self) -> str:
        return self.expected

    def convert(self, value, at: At) -> str:
        read = value
        with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
            read = self.parse(value) if self.parse else value
        if not isinstance(read, str) or read not in self.values:
            raise at.fail(value, self.expected)
        return read


@dataclass(frozen=True)
class Parsed:
    """A string read by a parser of the package (``parse`` raises ValueError if it is not)."""

    parse: Callable[[str], object]
    expected: str
    label: str = "text"
    allowed: str = ""

    def convert(self, value, at: At):
        try:
            if isinstance(value, str):
                return self.parse(value)
        except (ValueError, TypeError, KeyError, AttributeError):
            pass
        raise at.fail(value, self.expected)


@dataclass(frozen=True)
class Either:
    """The first of ``kinds`` that accepts the value (e.g. a bundled rule set or a file)."""

    kinds: tuple
    label: str = "text"

    @property
    def expected(self) -> str:
        return _spoken([part for kind in self.kinds for part in (
            kind.values if isinstance(kind, Choice) else [kind.expected])])

    @property
    def allowed(self) -> str:
        return self.expected

    def convert(self, value, at: At):
        for kind in self.kinds:
            try:
                return kind.convert(value, at)
            except NotFound:
                raise
            except ScenarioError:
                continue
        raise at.fail(value, self.expected)


# -- compound kinds ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListOf:
    """A list of ``item``, returned as a tuple; items are reported as ``key[n]``."""

    item: object
    distinct: str = ""  # what a repeated item breaks, e.g. "each city once"
    nonempty: bool = False

    @property
    def label(self) -> str:
        return f"list of {self.item.label}"

    @property
    def expected(self) -> str:
        return f"a {'non-empty ' if self.nonempty else ''}list of {self.item.label}"

    @property
    def allowed(self) -> str:
        each = [self.item.allowed] if self.item.allowed else []
        return "; ".join([*each, self.distinct] if self.distinct else each)

    def convert(self, value, at: At) -> tuple:
        if not isinstance(value, list | tuple) or (self.nonempty and not value):
            raise at.fail(value, self.expected)
        out = []
        for number, item in enumerate(value, start=1):
            converted = self.item.convert(item, at.item(number))
            if self.distinct and converted in out:
                raise at.item(number).fail(item, self.distinct)
            out.append(converted)
        return tuple(out)


@dataclass(frozen=True)
class Range:
    """``[low, high]``: two numbers within the bounds, low ≤ high; returned as a float pair."""

    low: float = 0.0
    high: float | None = None
    noun: str = "hours"

    @property
    def label(self) -> str:
        return f"[low, high] {self.noun}"

    @property
    def allowed(self) -> str:
        return f"{self.low:g} ≤ low ≤ high" + (f" ≤ {self.high:g}" if self.high is not None
                                               else "")

    @property
    def expected(self) -> str:
        return f"[low, high] with {self.allowed}"

    def convert(self, value, at: At) -> tuple[float, float]:
        number = Number(self.low, self.high)
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise at.fail(value, self.expected)
        try:
            low, high = (number.convert(v, at) for v in value)
        except ScenarioError:
            raise at.fail(value, self.expected) from None
        if low > high:
            raise at.fail(value, self.expected)
        return low, high


@dataclass(frozen=True)
class TableOf:
    """``{ name = value, … }``: names free or read by ``names`` (a Choice or Parsed kind)."""

    value: object
    names: object | None = None
    noun: str = "name"

    @property
    def label(self) -> str:
        return f"table {self.noun} = {self.value.label}"

    @property
    def expected(self) -> str:
        return f"a table {self.noun} = {self.value.label}"

    @property
    def allowed(self) -> str:
        names = f"{self.noun}s {self.names.expected}" if isinstance(self.names, Choice) else ""
        return "; ".join(p for p in (names, self.value.allowed) if p)

    def convert(self, value, at: At) -> dict:
        if not isinstance(value, dict):
            raise at.fail(value, self.expected)
        out = {}
        for name, item in value.items():
            here = at.key(name)
            if self.names is not None:
                try:
                    name = self.names.convert(name, here)
                except ScenarioError:
                    raise here.unknown([self.names.expected]) from None
            out[name] = self.value.convert(item, here)
        return out


# -- tables with fixed keys --------------------------------------------------------------------
class Prose(str):
    """A default said in words (it depends on other values), not a TOML value."""


REQUIRED = Prose("required")  # the default column of a key that must be given
ABSENT = Prose("—")  # an optional key with no value when left out (the feature is off)


@dataclass(frozen=True)
class Key:
    """One key: its kind, meaning, default (a TOML value or Prose) and the default's source.

    ``note`` adds what the kind does not say (a cross-key rule, a unit) to the reference.
    """

    name: str
    kind: object
    meaning: str
    default: object = REQUIRED
    source: str = ""  # sources.md §N, "assumption", or "" when there is no default to justify
    note: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def allowed(self) -> str:
        return "; ".join(p for p in (self.kind.allowed, self.note) if p)


# A cross-key check of one table: converted values → None, or (key, value, expected).
Check = Callable[[dict], "tuple[str, object, str] | None"]


@dataclass(frozen=True)
class Table:
    """A TOML table with fixed keys; ``header`` as written in the file.

    ``checks`` run after the keys, on converted values. ``regional``: read by regional runs
    only. As a kind, a Table walks its keys: unknown keys are refused, defaults filled in
    (keys with a Prose default are left out of the result).
    """

    name: str
    header: str
    meaning: str
    keys: tuple[Key, ...]
    required: bool = False
    regional: bool = False
    checks: tuple[Check, ...] = ()
    unknown: str = ""  # what an unknown key is called ("table" for a file's top level)
    label: str = "table"
    allowed: str = ""

    @property
    def expected(self) -> str:
        return f"a table with keys {', '.join(self.key_names)}"

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)

    def key(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(f"{self.name}.{name}")

    def convert(self, value, at: At) -> dict:
        if not isinstance(value, dict):
            raise at.fail(value, self.expected)
        for name in value:
            if name not in self.key_names:
                raise at.key(name).unknown(self.key_names, self.unknown)
        out = {}
        for key in self.keys:
            here = at.key(key.name)
            if key.name in value:
                out[key.name] = key.kind.convert(value[key.name], here)
            elif key.required:
                raise here.missing(key.kind.expected)
            elif not isinstance(key.default, Prose):
                out[key.name] = key.kind.convert(key.default, here)
        for check in self.checks:
            problem = check(out)
            if problem:
                name, bad, expected = problem
                raise at.key(name).fail(bad, expected.replace("{at}", str(at)))
        return out


@dataclass(frozen=True)
class TablesOf:
    """Named tables of one layout: ``[area_sources.<sector>]``, ``[city."<name>"]``."""

    table: Table
    label: str = "tables"
    allowed: str = ""

    @property
    def expected(self) -> str:
        return f"tables {self.table.header}"

    def convert(self, value, at: At) -> dict[str, dict]:
        if not isinstance(value, dict):
            raise at.fail(value, self.expected)
        return {name: self.table.convert(item, at.key(name)) for name, item in value.items()}


@dataclass(frozen=True)
class Items:
    """``[[name]]``: a list of tables of one layout (one table alone is one item)."""

    table: Table
    label: str = "tables"
    allowed: str = ""

    @property
    def expected(self) -> str:
        return f"{self.table.header} tables"

    def convert(self, value, at: At) -> tuple[dict, ...]:
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise at.fail(value, self.expected)
        return tuple(self.table.convert(item, at.item(n)) for n, item in enumerate(items, 1))


def walk(data: dict, layout: Table, origin: Path) -> dict:
    """Every value of the parsed TOML ``data`` of ``origin``, checked against ``layout`` and
    converted, defaults filled in; the first problem raises ``ScenarioError`` (one line)."""
    return layout.convert(data, At(origin))
