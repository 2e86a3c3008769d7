"""Layer boundaries: the suite and its client never import the reference registry; the reference registry
never imports the suite's machinery. What both sides need lives in the shared modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"
#: Modules that may start the embedded reference registry as the default target, or serve it.
TARGET_STARTERS = {"plugin.py", "cli.py"}
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
