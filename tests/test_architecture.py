"""The package's layers hold: no import cycle, no private name imported across modules.

The layer contracts themselves (the domain core imports no edge; adapters over services
over the store and files) are import-linter contracts in ``pyproject.toml``, run by
``make lint`` (``lint-imports``); the test below runs them too. The import graph is
grimp's (the library import-linter is built on), which counts imports inside functions
and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chokepoint"


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = grimp.build_graph("chokepoint")
    out = nx.DiGraph()
    for module in g.modules:
        out.add_node(module)
        for imported in g.find_modules_directly_imported_by(module):
            out.add_edge(module, imported)
    return out


def test_no_import_cycle(graph: nx.DiGraph) -> None:
    cycles = sorted(nx.simple_cycles(graph), key=len)
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_the_graph_sees_imports_inside_functions(graph: nx.DiGraph) -> None:
    # cli.core imports the API app inside the `serve` command only
    assert graph.has_edge("chokepoint.cli.core", "chokepoint.api.app")


def test_no_private_name_is_imported_across_modules() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chokepoint"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{path.relative_to(SRC)}: {node.module}.{alias.name}")
    assert not offenders, offenders


def test_layer_contracts_hold() -> None:
    tool = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(tool), "--no-cache"], cwd=SRC.parents[1], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
