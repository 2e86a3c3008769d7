"""Layer boundaries: the suite and its client never import the reference registry; the reference registry
never imports the suite's machinery. What both sides need lives in the shared modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"
SUITE_SIDE = {"client.py", "context.py", "checks.py", "preconditions.py", "paths.py", "transport.py", "provisioning"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return found | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def _modules(*parts: str) -> list[Path]:
    return [p for part in parts for p in ([PACKAGE / part] if part.endswith(".py") else (PACKAGE / part).rglob("*.py"))]


def test_the_suite_never_imports_the_reference_registry() -> None:
    for path in _modules("suite", *SUITE_SIDE):
        assert not {m for m in _imports(path) if m.startswith("conformance.reference")}, path


def test_the_reference_registry_never_imports_the_suite() -> None:
    forbidden = ("conformance.suite", "conformance.client", "conformance.plugin", "conformance.provisioning.run")
    for path in _modules("reference"):
        assert not {m for m in _imports(path) if m.startswith(forbidden)}, path


def test_the_contract_depends_on_nothing_else_of_the_package() -> None:
    for path in _modules("contract"):
        imported = _imports(path)
        assert {m for m in imported if m.startswith("conformance")} <= {m for m in imported if "contract" in m}, path


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_imports(path: Path) -> set[str]:
    """The package's modules `path` imports, at run time (what a TYPE_CHECKING block imports is not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in found if name.startswith("conformance")}


def test_no_module_of_the_package_imports_itself_back() -> None:
    """No import cycle, however indirect (a function-level import counts)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in _package_imports(path) if m in modules and m != name} for name, path in modules.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, route = stack.pop()
            for following in graph[node]:
                if following == start:
                    return [*route, start]
                if following not in seen:
                    seen.add(following)
                    stack.append((following, [*route, following]))
        return None

    cycles = [found for name in sorted(graph) if (found := cycle_from(name)) is not None]
    assert cycles == [], cycles[:3]
