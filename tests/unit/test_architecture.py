"""The layout the README describes, enforced: the domain imports no infrastructure, no two modules
import each other (directly or in a circle), and no module of the code layer outgrows one sitting."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from devstack.template import REPO_ROOT

# Where each top-level package lives: the code layer, and the local tools that are also code.
ROOTS = {"selfkind": REPO_ROOT / "shared", "devstack": REPO_ROOT, "bench": REPO_ROOT}
# What the pure domain never imports: AWS, Firebase, Powertools, and the layers that wrap them.
NOT_IN_THE_DOMAIN = (
    "boto3",
    "botocore",
    "firebase_admin",
    "aws_lambda_powertools",
    "selfkind.data",
    "selfkind.adapters",
    "selfkind.api",
)
MAX_LINES = 300


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    found = {}
    for package, root in ROOTS.items():
        for path in (root / package).rglob("*.py"):
            found[_module_name(path, root)] = path
    return found


def _imported(path: Path) -> set[str]:
    """Every module the file imports anywhere (under TYPE_CHECKING and inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from package import module`
    return names


@cache
def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {other for other in _imported(path) if other in modules and other != name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_domain_imports_no_infrastructure() -> None:
    domain = [name for name in _modules() if name.startswith("selfkind.domain")]
    assert "selfkind.domain.ports.delivery" in domain  # the ports package is part of the domain
    offenders = {
        name: sorted(imported for imported in _imported(_modules()[name]) if imported.startswith(NOT_IN_THE_DOMAIN))
        for name in domain
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_two_modules_import_each_other_directly_or_in_a_circle() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_what_it_should(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_no_module_of_the_code_layer_is_over_300_lines() -> None:
    lengths = {
        name: len(path.read_text().splitlines()) for name, path in _modules().items() if name.startswith("selfkind")
    }
    assert {name: length for name, length in lengths.items() if length > MAX_LINES} == {}
