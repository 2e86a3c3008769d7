"""`run --workers N`: the checks in N processes, still one run: one run id, one results.json, JUnit and
Allure results for every check, findings reported as in one process, cleanup once, nothing left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from conformance.suite import catalog
from tests.conftest import reference_target, run_suite
from tests.fault_matrix import EXAMPLES, MATRIX_JSON, SEED

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


def test_a_parallel_run_is_one_run_and_leaves_nothing_behind(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server, aksk=True), "--workers", "3")
        assert server.store.namespaces() == [], "cleanup once, after the workers, removes everything"
    assert run.returncode == 0, run.stdout + run.stderr
    results = run.results
    assert results["summary"]["ran"] == results["summary"]["available"] == len(catalog())
    assert results["selection"]["workers"] == 3 and results["leftovers"] == []
    assert f"CONFORMANT — {len(catalog())} of {len(catalog())} checks ran" in run.stdout
    assert " · 3 workers" in run.stdout.splitlines()[0]
    run_id = results["run_id"]
    journals = {p.name for p in (run.output / "journals").glob("*.jsonl")}
    assert journals == {f"{run_id}.jsonl", *(f"{run_id}-gw{i}.jsonl" for i in range(3))}
    suite = ET.parse(run.output / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == str(len(catalog())) and suite.get("name") == "swr-conformance"
    assert "swr_result" not in (run.output / "junit.xml").read_text(encoding="utf-8")
    allure = [json.loads(p.read_text()) for p in (run.output / "allure-results").glob("*-result.json")]
    assert sorted(r["name"] for r in allure) == sorted(catalog())


def test_findings_of_parallel_workers_are_the_findings_of_one_process(tmp_path: Path) -> None:
    """The fault matrix's row for a deviation holds with workers too."""
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_SIBLINGS}))
    with ReferenceServer(config) as server:
        args = ["--workers", "2", "--seed", SEED]
        run = run_suite(
            tmp_path / "reports", *reference_target(server, aksk=True), *args, env={"SWR_EXAMPLES": EXAMPLES}
        )
        assert server.store.namespaces() == []
    assert run.returncode == 1, run.stdout + run.stderr
    failed = sorted(c["id"] for c in run.results["checks"] if c["outcome"] == "failed")
    assert failed == json.loads(MATRIX_JSON.read_text())[Deviation.DELETES_SIBLINGS.value]["failed"]
    assert "FAILED   delete/204/siblings-survive" in run.stdout and "NON-CONFORMANT" in run.stdout


def test_a_parallel_run_that_cannot_start_says_why(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile())) as server:
        run = run_suite(tmp_path / "reports", "--endpoint", server.url, "--token", "wrong", "--workers", "2")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "credentials rejected" in run.stdout + run.stderr and "passed" not in run.stdout
    suite = ET.parse(run.output / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("errors")) == ("1", "1")


def test_a_parallel_run_honours_the_baseline(tmp_path: Path) -> None:
    """The release gate reads the baseline in a parallel run too: the listed deviation is accepted."""
    baseline = tmp_path / "baseline.toml"
    baseline.write_text(
        '[[deviations]]\ncheck = "delete/204/siblings-survive"\nreason = "r"\n'
        'link = "https://tracker.example/1"\nexpires = 2099-01-01\n'
    )
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_SIBLINGS}))
    with ReferenceServer(config) as server:
        run = run_suite(
            tmp_path / "reports", *reference_target(server), "--workers", "2", "--baseline", str(baseline),
            "-k", "delete/204",
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    gate = run.results["summary"]["gate"]
    assert gate["passed"] and [k["check"] for k in gate["known"]] == ["delete/204/siblings-survive"]


def test_plain_pytest_with_n_workers_is_one_run_too(tmp_path: Path) -> None:
    """`pytest --swr-endpoint URL -n 2`, the habit of every pytest user: one run (the process that hands
    out the checks opens it, as `run --workers` does), not a crash and not one run per worker."""
    with ReferenceServer(ReferenceConfig(profile=load_profile())) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")}
        env |= {"SWR_TOKEN": DEV_TOKEN, "SWR_REGISTRY_USERNAME": "swr-dev", "SWR_REGISTRY_PASSWORD": "swr-dev-password"}
        process = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2", "--swr-endpoint", server.url,
             "--swr-output", str(tmp_path / "out"), "-k", "delete/404"],
            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
        )  # fmt: skip
        assert server.store.namespaces() == []
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["verdict"] == "conformant" and results["selection"]["workers"] == 2
    run_id = results["run_id"]
    journals = {p.name for p in (tmp_path / "out" / "journals").glob("*.jsonl")}
    assert journals == {f"{run_id}.jsonl", f"{run_id}-gw0.jsonl", f"{run_id}-gw1.jsonl"}
    assert " · 2 workers" in process.stdout
