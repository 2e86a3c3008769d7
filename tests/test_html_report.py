"""`run --report` / `report`: the real Allure 3 renders the run, and a headless browser shows a person
what they need: the failing check's condition, the document's words, expected vs observed, the body,
the redacted curl; the run's environment; categories; history across consecutive runs."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.allure_results import environment_of, executor_of
from conformance.cache import cache_dir
from conformance.contract.profiles import load_profile
from conformance.html_report import CATEGORIES, HISTORY_FILE, ReportError, allure_executable, embedded_files
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import reference_target, run_suite

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

NODE = shutil.which("node") and shutil.which("npm")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SELECTION = "delete/406/repository-with-images or delete/204/empty-repository or delete/401/aksk"


def _test_results(index: Path) -> dict[str, dict[str, object]]:
    """The report's test results by name, as the page loads them."""
    files = embedded_files(index)
    found = (json.loads(body) for path, body in files.items() if path.startswith("data/test-results/"))
    return {str(r["name"]): r for r in found}


def _rendered_text(url: str) -> str:
    """What a person sees: the page rendered by headless Chromium, scripts run, text only."""
    assert CHROMIUM
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", dom, flags=re.S)))


def _screenshot(url: str, path: Path) -> None:
    assert CHROMIUM
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1400",
         "--virtual-time-budget=10000", f"--screenshot={path}", url],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert path.stat().st_size > 10_000


@pytest.mark.skipif(not NODE, reason="Allure 3 needs Node.js and npm on PATH (CI installs them)")
def test_run_report_renders_the_run_with_allure(tmp_path: Path) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_IMAGES}))
    with ReferenceServer(config) as server:
        args = (*reference_target(server), "--target-version", "v9.9-rc1", "-k", SELECTION, "--report")
        first = run_suite(tmp_path / "reports", *args)
        second = run_suite(tmp_path / "reports", *args)
    assert first.returncode == second.returncode == 1, first.stderr
    index = tmp_path / "reports" / "html" / "index.html"
    assert f"HTML report: {index}" in second.stdout
    page = index.read_text(encoding="utf-8")
    assert "profile swr-2020" in page and "v9.9-rc1" in page  # the title names target and profile
    assert "googletagmanager" not in page  # the report does not call home

    tests = _test_results(index)
    assert set(tests) == {c["id"] for c in second.results["checks"]}  # every check, skipped ones by id too
    failing = tests["delete/406/repository-with-images"]
    assert failing["status"] == "failed"
    assert tests["delete/401/aksk-wrong-signature"]["status"] == "skipped"
    labels = {(label["name"], label["value"]) for label in failing["labels"]}  # type: ignore[attr-defined]
    assert {("feature", "406"), ("story", "delete.repository-with-images")} <= labels
    assert [c["name"] for c in failing["categories"]] == [CATEGORIES[0]["name"]]  # type: ignore[attr-defined]
    history = (tmp_path / "reports" / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    assert len(history) == 2  # two runs, two points in the trend

    if not CHROMIUM:
        pytest.skip("headless Chromium is not installed (Debian: chromium); the rendered pages were not checked")
    if shots := os.environ.get("SWR_SCREENSHOTS"):  # pictures for people (docs/screenshots/), on demand
        Path(shots).mkdir(parents=True, exist_ok=True)
        _screenshot(index.as_uri(), Path(shots) / "report-overview.png")
        _screenshot(f"{index.as_uri()}#{failing['id']}", Path(shots) / "report-failing-check.png")
    overview = _rendered_text(index.as_uri())
    assert "v9.9-rc1" in overview and "swr-2020" in overview and second.results["run_id"] in overview
    seen = _rendered_text(f"{index.as_uri()}#{failing['id']}")
    quote = load_profile().expect("delete.repository-with-images").quote
    for shown in ("delete.repository-with-images", quote, "expected 406, observed 204", "response: 204",
                  'curl -i -X DELETE -H "X-Auth-Token: $SWR_TOKEN"', "Contract violations"):  # fmt: skip
        assert shown in seen, shown


def test_report_without_results_says_what_to_give(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conformance.cli import main

    result = CliRunner().invoke(main, ["report", "--results", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "results.json does not exist: give the output directory of a run (--results)" in result.output


def test_without_node_the_report_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no npm
    with pytest.raises(ReportError, match=r"runs on Node.js, and `node`/`npm` are not on PATH: install Node.js 20"):
        allure_executable(lambda line: None, cache=tmp_path / "empty-cache")


def test_the_cache_is_the_users_not_the_projects() -> None:
    assert cache_dir({"HOME": "/home/u"}) == Path.home() / ".cache" / "swr-conformance"
    assert cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/swr-conformance")
    assert cache_dir({"SWR_CONFORMANCE_CACHE": "/x", "XDG_CACHE_HOME": "/c"}) == Path("/x")


def test_the_ci_job_is_the_executor() -> None:
    github = executor_of({"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com",
                          "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42", "GITHUB_RUN_NUMBER": "7",
                          "GITHUB_WORKFLOW": "gate"})  # fmt: skip
    assert github is not None and github["buildUrl"] == "https://github.com/o/r/actions/runs/42"
    assert (github["type"], github["buildName"], github["buildOrder"]) == ("github", "gate #7", 7)
    gitlab = executor_of({"GITLAB_CI": "true", "CI_JOB_URL": "https://gl/j/9", "CI_JOB_NAME": "conf", "CI_JOB_ID": "9"})
    assert gitlab is not None and (gitlab["type"], gitlab["buildUrl"]) == ("gitlab", "https://gl/j/9")
    assert executor_of({}) is None


def test_the_environment_table_says_what_was_tested_and_nothing_secret() -> None:
    run = {"run_id": "swrc00000001", "suite": {"version": "0.1.0"}, "spec": {"sha256": "ab"},
           "profile": {"id": "swr-2020", "document": {"id": "swr_02_0031", "version": "seed"}},
           "properties": {"enabled": True, "seed": 7},
           "target": {"endpoint": "https://swr.example", "registry": "https://r.example", "version": "v2",
                      "namespace": "swrc00000001-ns", "tls": {"verify": True}}}  # fmt: skip
    environment = environment_of(run)
    assert environment == {
        "endpoint": "https://swr.example", "registry": "https://r.example", "target.version": "v2",
        "profile": "swr-2020", "document": "swr_02_0031 (seed)", "suite.version": "0.1.0", "spec.sha256": "ab",
        "run.id": "swrc00000001", "seed": "7", "namespace": "swrc00000001-ns", "tls.verify": "True",
    }  # fmt: skip
