"""Where the suite keeps what it can reuse between runs: the Allure command line it installs, and
hypothesis' Unicode tables and the constants it reads from local modules (hypothesis would otherwise
write them to `.hypothesis/` in the caller's working directory, and rebuild them in every fresh one)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """`$SWR_CONFORMANCE_CACHE`, else `$XDG_CACHE_HOME/swr-conformance`, else `~/.cache/swr-conformance`."""
    if explicit := env.get("SWR_CONFORMANCE_CACHE"):
        return Path(explicit)
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "swr-conformance"


def keep_hypothesis_files_in_the_cache() -> None:
    """hypothesis' own files go to `<cache>/hypothesis`, unless HYPOTHESIS_STORAGE_DIRECTORY says where
    or the cache cannot be written (then hypothesis does as it always does). The example database is
    not among them: each run keeps its own under its output directory."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    directory = cache_dir() / "hypothesis"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(directory)
