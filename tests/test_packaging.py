"""Every Python package of the source tree is shipped (pyproject lists packages explicitly)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "conformance").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


def test_the_wheel_carries_specs_profiles_and_templates(tmp_path: Path) -> None:
    """An installed suite (pip install ., the Containerfile) finds its contract and its HTML template."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {"conformance/templates/compare.html.j2", "conformance/specs/swr-delete-repository.openapi.yaml",
               "conformance/specs/results-v1.schema.json", "conformance/specs/profiles/swr-2020.yaml"}  # fmt: skip
    assert shipped <= names, sorted(shipped - names)
