"""`swr-conformance report`: a run's results rendered as HTML by Allure 3 (npm package `allure`, pinned).

Allure is installed on first use into the user's cache (not the project), which needs Node.js and
npm. The report's title names the target and profile; checks are grouped endpoint → documented status
→ condition; categories separate contract violations, broken target and not testable here; the
history file next to the results keeps Allure's trend across consecutive runs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.cache import cache_dir

ALLURE_VERSION = "3.18.0"
HISTORY_FILE = "allure-history.jsonl"
_LAST_RENDERED = "allure-history.run-id"  # the run last added to the history
CATEGORIES = [
    {"id": "contract-violation", "name": "Contract violations (the target answered against the document)",
     "matchers": {"statuses": ["failed"]}, "groupByMessage": False},
    {"id": "broken", "name": "Broken target, network or setup (no verdict on the contract)",
     "matchers": {"statuses": ["broken"]}, "groupByMessage": False},
    {"id": "not-testable", "name": "Not testable here (skipped: missing credentials or capabilities)",
     "matchers": {"statuses": ["skipped"]}, "groupByMessage": False},
]  # fmt: skip
# The Allure 3 report template loads Google Analytics from the internet; a conformance report of a
# vendor's registry does not call home.
_ANALYTICS = re.compile(
    r"\s*<script async src=\"https://www\.googletagmanager\.com/[^\"]*\"></script>\s*<script>.*?</script>", re.S
)
_EMBEDDED = re.compile(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')


class ReportError(Exception):
    """The HTML report could not be made; the message says why and what to do."""


def allure_executable(say: Callable[[str], None], cache: Path | None = None) -> Path:
    """The pinned Allure, installed into the cache on first use."""
    home = (cache or cache_dir()) / f"allure-{ALLURE_VERSION}"
    executable = home / "node_modules" / ".bin" / "allure"
    if executable.is_file():
        return executable
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise ReportError(
            "the HTML report is made by Allure 3, which runs on Node.js, and `node`/`npm` are not on PATH: "
            "install Node.js 20 or later (Debian: apt-get install nodejs npm), or render allure-results elsewhere"
        )
    say(f"installing Allure {ALLURE_VERSION} (npm package allure) into {home}: first use only")
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{home.name}.", dir=home.parent))
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error",
             f"allure@{ALLURE_VERSION}"],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ReportError(f"installing Allure failed (npm exit {done.returncode}): {_tail(done.stderr)}")
        if not home.exists():  # another process may have finished first
            staging.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return executable


def render(results_dir: Path, output: Path, *, single_file: bool, say: Callable[[str], None]) -> Path:
    """Render `results_dir` (a run's output: results.json, allure-results/) into `output`; returns index.html."""
    run = _run_of(results_dir)
    allure_dir = results_dir / "allure-results"
    if not allure_dir.is_dir():
        raise ReportError(f"{allure_dir} does not exist: the run wrote no Allure results")
    executable = allure_executable(say)
    marker = results_dir / _LAST_RENDERED
    rendered_before = marker.is_file() and marker.read_text().strip() == run.get("run_id")
    config = {
        "name": title(run),
        "output": str(output.resolve()),
        "historyPath": str((results_dir / HISTORY_FILE).resolve()),
        "appendHistory": not rendered_before,  # rendering one run twice adds it to the trend once
        "categories": {"rules": CATEGORIES},
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": title(run),
                    "singleFile": single_file,
                    "groupBy": ["epic", "feature", "story"],
                }
            }
        },
    }
    with tempfile.TemporaryDirectory(prefix="swr-allure-") as work:
        config_file = Path(work) / "allurerc.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        done = subprocess.run(
            [str(executable), "generate", "--config", str(config_file), str(allure_dir.resolve())],
            cwd=work, capture_output=True, text=True, timeout=600, check=False,
            env={**os.environ, "ALLURE_NO_ANALYTICS": "true", "NO_COLOR": "1"},
        )  # fmt: skip
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        raise ReportError(
            f"Allure could not render the report (exit {done.returncode}): {_tail(done.stderr or done.stdout)}"
        )
    index.write_text(_ANALYTICS.sub("", index.read_text(encoding="utf-8")), encoding="utf-8")
    marker.write_text(str(run.get("run_id", "")), encoding="utf-8")
    return index


def title(run: dict[str, Any]) -> str:
    target = run.get("target", {})
    version = f" ({target['version']})" if target.get("version") else ""
    profile = run.get("profile", {}).get("id", "?")
    return f"SWR delete-repository conformance: {target.get('endpoint', '?')}{version} · profile {profile}"


def embedded_files(index: Path) -> dict[str, bytes]:
    """The data files a single-file report carries (path → content): what tests and reviewers read."""
    return {path: base64.b64decode(data) for path, data in _EMBEDDED.findall(index.read_text(encoding="utf-8"))}


def _run_of(results_dir: Path) -> dict[str, Any]:
    path = results_dir / "results.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path} does not exist: give the output directory of a run (--results)") from None
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path} is not readable results: {exc}") from None
    return data


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:]) or "(no output)"


def serve(directory: Path, say: Callable[[str], None]) -> None:
    """`allure open`: serve the report over HTTP and open a browser, until Ctrl-C."""
    say(f"serving {directory} (Ctrl-C stops)")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run([str(allure_executable(say)), "open", str(directory.resolve())], check=False)
