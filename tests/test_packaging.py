"""What the code imports is what pyproject.toml declares."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"alerts", "enterprises", "simulator", "benchmarks", "tests"}


def imported_modules(package: str) -> set[str]:
    """Top-level names of every module imported anywhere in ``package``."""
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - FIRST_PARTY - set(sys.stdlib_module_names)


def declared() -> set[str]:
    """Distribution names in dependencies and every extra, normalised; ``dask[distributed]``
    declares both dask and distributed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*project["dependencies"],
             *(s for extra in project["optional-dependencies"].values() for s in extra)]
    names = set()
    for spec in specs:
        match = re.match(r"\s*([\w.-]+)(?:\[([\w,\s-]+)\])?", spec)
        names |= {match.group(1), *(match.group(2) or "").replace(" ", "").split(",")}
    return {normalise(n) for n in names if n}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared():
    distributions = packages_distributions()
    missing = {}
    for package in ("alerts", "enterprises", "simulator"):
        for module in imported_modules(package):
            names = {normalise(d) for d in distributions.get(module, [module])}
            if not names & declared():
                missing[module] = sorted(names)
    assert missing == {}
