"""The conformance checks, one module per documented status of DELETE .../repos/{repository}.

Run with `swr-conformance run`, or `pytest --pyargs conformance.suite [--swr-endpoint URL]`.
"""

from __future__ import annotations

import importlib
import pkgutil

from conformance.checks import REGISTRY, Check


def catalog() -> dict[str, Check]:
    """Every check of the suite by id (importing the check modules registers them)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(REGISTRY)
