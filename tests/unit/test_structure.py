"""The shape of the package: trenova_db.seeding is layered, without import cycles.

Read with ``ast`` (every import counts: top-level, inside functions and under
``TYPE_CHECKING``), then proved at run time by importing each module alone in
a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SEEDING = Path(__file__).resolve().parents[2] / "trenova_db" / "seeding"
PACKAGE = "trenova_db.seeding"
MODULES = sorted(p.stem for p in SEEDING.glob("*.py") if p.stem != "__init__")


def _imports(module: str) -> set[str]:
    """The seeding modules ``module`` imports (``__init__`` for the package itself)."""
    path = SEEDING / f"{module}.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = node.module or ""
            elif node.level == 0 and (node.module or "").startswith(PACKAGE):
                base = (node.module or "")[len(PACKAGE) :].lstrip(".")
            else:
                continue
            if base:
                targets.append(base.split(".")[0])
            else:  # from . import helpers
                targets.extend(a.name if a.name in MODULES else "__init__" for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    targets.append(alias.name[len(PACKAGE) + 1 :].split(".")[0])
        found.update(t for t in targets if t != module)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_of_trenova_db_seeding_imports_one_that_imports_it_back() -> None:
    graph = {m: _imports(m) for m in MODULES}
    assert _cycle(graph) is None, "import cycle: " + " -> ".join(_cycle(graph) or [])


def test_data_types_scan_registry_file_and_graph_each_have_one_module_in_layers() -> None:
    graph = {m: _imports(m) for m in MODULES}
    assert graph["model"] == set(), "the data types import no other seeding module"
    assert graph["scan"] == {"model"}, "the ast scan builds on the data types alone"
    assert graph["graph"] == {"model"}, "the dependency graph builds on the data types alone"
    assert "registry" not in graph["scan"] | graph["graph"] | graph["model"]


@pytest.mark.parametrize("module", MODULES)
def test_each_seeding_module_imports_alone_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {PACKAGE}.{module}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_public_names_stay_importable_from_where_they_were() -> None:
    from trenova_db.seeding import graph, model, registry, scaffold, scan

    assert registry.RegistryEntry is model.RegistryEntry
    assert registry.scan_seeds is scan.scan_seeds
    assert registry.create_seed_file is scaffold.create_seed_file
    assert graph.seed_rank is model.seed_rank
    assert graph.FOLDERS is model.FOLDERS
