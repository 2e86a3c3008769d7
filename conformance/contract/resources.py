"""Where the contract files live: `specs/` is shipped inside the package as `conformance/specs`."""

from __future__ import annotations

import hashlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_IN_PACKAGE = _PACKAGE / "specs"
_IN_SOURCE_TREE = _PACKAGE.parent / "specs"

SPECS_DIR = _IN_PACKAGE if _IN_PACKAGE.is_dir() else _IN_SOURCE_TREE
SPEC_FILE = SPECS_DIR / "swr-delete-repository.openapi.yaml"
PROFILES_DIR = SPECS_DIR / "profiles"
RESULTS_SCHEMA_FILE = SPECS_DIR / "results-v1.schema.json"


def spec_sha256() -> str:
    return hashlib.sha256(SPEC_FILE.read_bytes()).hexdigest()
