"""The house rules of ARCHITECTURE.md, checked: no import circles, layers import only downwards,
no module past 400 lines. Imports are read from the source (every `import`, including those inside
functions and `if TYPE_CHECKING:` blocks), so a lazy import cannot hide a circle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "acr_desktop"
MAX_LINES = 400
# Outside ui/, only these reach Qt: the entry point starts the window, the self-test builds it.
WINDOW_STARTERS = {"acr_desktop.cli", "acr_desktop.selftest"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every acr_desktop module `name` imports, resolved to a module (not a package attribute)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            if target in MODULES and target != name:
                yield target
                break


GRAPH = {name: sorted(set(_imported(name, path))) for name, path in MODULES.items()}
# azure-identity (the optional Azure extra) is imported only here, and only inside functions:
# the sign-in itself, and the self-test's check that a frozen app carries it.
AZURE_USERS = {"acr_desktop.registry.entra", "acr_desktop.selftest"}


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _third_party(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_package_has_no_import_circles() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("acr_desktop.registry")))
def test_the_registry_core_imports_only_itself_and_never_qt(name: str) -> None:
    outside = [m for m in GRAPH[name] if not m.startswith("acr_desktop.registry")]
    assert outside == []
    assert not _third_party(MODULES[name]) & {"PySide6", "shiboken6", "keyring"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith("acr_desktop.ui")))
def test_only_ui_modules_use_qt(name: str) -> None:
    if name in WINDOW_STARTERS:
        return
    assert [m for m in GRAPH[name] if m.startswith("acr_desktop.ui")] == []
    assert not _third_party(MODULES[name]) & {"PySide6", "shiboken6"}


def _imports_at_import_time(tree: ast.Module, name: str) -> set[str]:
    """Modules imported at module level (not inside a function, not under TYPE_CHECKING)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_azure_is_imported_only_lazily_and_only_where_named(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    if name not in AZURE_USERS:
        assert "azure" not in _third_party(MODULES[name])
        return
    assert not any(
        m.split(".")[0] in ("azure", "msal") for m in _imports_at_import_time(tree, name)
    )


def test_keyring_is_touched_by_one_module() -> None:
    users = sorted(n for n, p in MODULES.items() if "keyring" in _third_party(p))
    assert users == ["acr_desktop.credentials"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_past_the_size_limit(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it along a seam"
