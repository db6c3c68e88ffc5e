"""Imports run one way: alerts ← enterprises ← simulator, and inside simulator, layer by layer.

Every ``import`` and ``from … import`` in the source tree is read with ``ast`` (late imports
inside functions included), so a new import that runs the wrong way fails here, not in a
user's import cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# simulator's subpackages, lowest first; a module may import only from lower layers or its
# own subpackage. Peers (same rank) do not import each other.
LAYERS = {"core": 0, "lang": 0,  # lang: the catalogues, a peer of core
          "spec": 1, "io": 2, "city": 3, "regional": 4, "batch": 4, "grading": 4,
          "exercise": 5, "report": 6, "cli": 7, "console": 7}
# Peers that share one module each, one way each (no cycle): the console reuses the command
# line's one-line errors; ``smogsim serve`` starts the console.
PEER_IMPORTS = {("console", "cli"): {"simulator.cli.common"},
                ("cli", "console"): {"simulator.console.app"}}
# what each top-level package may import of the others
ALLOWED_TOP = {"alerts": set(), "enterprises": {"alerts.levels", "alerts.textfiles"},
               "simulator": {"alerts", "enterprises"}}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def layer_of(module: str) -> str | None:
    """The simulator subpackage of a dotted module name (None for ``simulator`` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "simulator" else None


def wrong_way(path: Path) -> list[str]:
    """Imports of ``path`` that break the direction, as 'file:line imports module'."""
    rel = path.relative_to(ROOT)
    top = rel.parts[0]
    here = layer_of(".".join(rel.with_suffix("").parts))
    bad = []
    for line, module in imports(path):
        head = module.split(".")[0]
        if head not in ALLOWED_TOP or (head == top and top != "simulator"):
            continue
        if head != top:
            allowed = ALLOWED_TOP[top]
            if not any(module == a or module.startswith(a + ".") for a in allowed):
                bad.append(f"{rel}:{line} imports {module}")
            continue
        there = layer_of(module)  # inside simulator
        if here is None or here == "__init__":
            continue  # the package's public API may re-export from any layer
        if there is None:
            bad.append(f"{rel}:{line} imports {module} (import the defining subpackage)")
        elif module in PEER_IMPORTS.get((here, there), ()):
            continue
        elif there != here and LAYERS[there] >= LAYERS[here]:
            bad.append(f"{rel}:{line} imports {module}: layer {there} is not below {here}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED_TOP))
def test_imports_run_one_way(package):
    assert [b for path in sources(package) for b in wrong_way(path)] == []


def test_every_simulator_subpackage_has_a_layer_and_a_docstring():
    packages = {p.parent.name for p in (ROOT / "simulator").glob("*/__init__.py")}
    assert packages == set(LAYERS)
    for name in packages:
        tree = ast.parse((ROOT / "simulator" / name / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"simulator/{name}/__init__.py has no docstring"


def test_a_wrong_way_import_is_caught(tmp_path, monkeypatch):
    """The checker itself: a core module importing the CLI, enterprises importing simulator."""
    fake = tmp_path / "simulator" / "core" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from simulator.cli.common import fail\nimport simulator.core.engine\n")
    other = tmp_path / "enterprises" / "bad.py"
    other.parent.mkdir(parents=True)
    other.write_text("def f():\n    from alerts.timeline import x\n    from simulator import y\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert wrong_way(fake) == [
        "simulator/core/bad.py:1 imports simulator.cli.common: layer cli is not below core"]
    assert wrong_way(other) == ["enterprises/bad.py:2 imports alerts.timeline",
                                "enterprises/bad.py:3 imports simulator"]


# Model layers take arrays and tables: file access lives in io, printing in cli.
MODEL_LAYERS = ("core", "city", "regional", "grading")
FILE_OR_CONSOLE = {"print", "open", "read_csv", "read_parquet", "read_excel", "to_csv",
                   "to_parquet", "read_text", "write_text", "read_bytes", "write_bytes"}


def file_or_console_calls(path: Path) -> list[str]:
    """Calls in ``path`` that read or write files or print, and imports of rich."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FILE_OR_CONSOLE:
                found.append(f"{path.name}:{node.lineno} {name}()")
    found += [f"{path.name}:{line} imports {module}" for line, module in imports(path)
              if module.split(".")[0] == "rich"]
    return found


@pytest.mark.parametrize("layer", MODEL_LAYERS)
def test_model_layers_neither_touch_files_nor_print(layer):
    paths = sorted((ROOT / "simulator" / layer).glob("*.py"))
    assert paths and [c for path in paths for c in file_or_console_calls(path)] == []


def test_file_and_console_checker_sees_them(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from rich.table import Table\nprint(1)\nframe.to_csv('x')\n")
    assert file_or_console_calls(bad) == ["bad.py:2 print()", "bad.py:3 to_csv()",
                                          "bad.py:1 imports rich.table"]
