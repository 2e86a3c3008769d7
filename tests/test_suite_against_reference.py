"""The suite, run as a pipeline runs it, against the reference registry: conformant, complete, tidy."""

from __future__ import annotations

import importlib
import json
import pkgutil
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import jsonschema
import pytest

from conformance.checks import REGISTRY
from conformance.contract.profiles import load_profile
from conformance.contract.resources import RESULTS_SCHEMA_FILE
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.server import ReferenceServer
from conformance.suite import catalog
from tests.conftest import reference_target, run_suite, suite_environment

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


def _all_check_ids() -> set[str]:
    import conformance.suite

    for module in pkgutil.iter_modules(conformance.suite.__path__, "conformance.suite."):
        importlib.import_module(module.name)
    return set(REGISTRY)


def test_embedded_run_is_conformant_with_every_output(tmp_path: Path) -> None:
    run = run_suite(tmp_path / "reports")
    assert run.returncode == 0, run.stdout + run.stderr
    results = run.results
    jsonschema.validate(results, json.loads(RESULTS_SCHEMA_FILE.read_text()))
    assert results["summary"] == {
        "passed": len(_all_check_ids()),
        "skipped": 0,
        "broken": 0,
        "failed": 0,
        "total": len(_all_check_ids()),
        "ran": len(_all_check_ids()),
        "available": len(_all_check_ids()),
        "not_run": 0,
        "skipped_because": {},
        "verdict": "conformant",
    }
    assert f"CONFORMANT — {len(_all_check_ids())} of {len(_all_check_ids())} checks ran" in run.stdout
    assert set(run.outcomes()) == _all_check_ids()
    contradictions = [(c["id"], c["expected"], c["observed"]) for c in results["checks"] if c["observed"] is not None
                      and c["observed"] not in c["expected"]]  # fmt: skip
    assert contradictions == []  # a passed check never reads "expected 204, observed 406"
    assert results["target"]["embedded"] is True and results["leftovers"] == []
    for line in ("condition", "delete.repository-with-images", "delete/406/images-survive", "CONFORMANT"):
        assert line in run.stdout
    testcases = list(ET.parse(run.output / "junit.xml").getroot().iter("testcase"))
    names = [case.get("name") for case in testcases]  # dashboards show the check ids, grouped by condition
    assert len(names) == len(set(names)) and set(names) == _all_check_ids()
    conditions = {c["id"]: c["condition"] for c in results["checks"]}
    assert all(case.get("classname") == conditions[case.get("name")] for case in testcases)
    allure = [json.loads(p.read_text()) for p in (run.output / "allure-results").glob("*-result.json")]
    assert sorted(a["name"] for a in allure) == sorted(_all_check_ids())
    labels = {label["name"]: label["value"] for label in allure[0]["labels"]}
    assert labels["epic"].startswith("DELETE /v2/manage") and labels["story"] in {
        c["condition"] for c in results["checks"]
    }


def test_run_against_an_endpoint_leaves_nothing_behind(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2020"), faults=True)) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "--target-version", "ref-1")
        assert run.returncode == 0, run.stdout + run.stderr
        assert server.store.namespaces() == []
        assert run.results["target"] | {"endpoint": None} == {
            "endpoint": None,
            "registry": server.url,
            "version": "ref-1",
            "embedded": False,
            "namespace": f"{run.results['run_id']}-ns",
            "fault_injection": True,
            "tls": {"verify": True, "ca_bundle": None},
        }


def test_current_profile_run_skips_what_it_does_not_promise(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2025"), faults=True)) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server, aksk=True), "--profile", "swr-2025")
    assert run.returncode == 0, run.stdout + run.stderr
    skipped = {cid for cid, outcome in run.outcomes().items() if outcome == "skipped"}
    assert skipped == {"delete/406/images-survive", "delete/406/deletable-once-emptied", "property/with-images-refused"}
    with_images = next(c for c in run.results["checks"] if c["id"] == "delete/406/repository-with-images")
    assert (with_images["expected"], with_images["observed"], with_images["outcome"]) == ([204], 204, "passed")


def test_without_fault_injection_the_500_check_is_skipped_with_its_reason(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=False)) as server:
        args = [a for a in reference_target(server) if a != "--fault-injection"]
        run = run_suite(tmp_path / "reports", *args, "-k", "delete/500 or delete/204/empty")
    assert run.returncode == 0, run.stdout + run.stderr
    check = next(c for c in run.results["checks"] if c["id"] == "delete/500/server-error")
    assert check["outcome"] == "skipped" and "fault injection" in check["message"]
    assert run.outcomes() == {"delete/500/server-error": "skipped", "delete/204/empty-repository": "passed"}
    summary, available = run.results["summary"], len(_all_check_ids())
    assert (summary["ran"], summary["available"]) == (1, available)
    assert summary["skipped_because"] == {check["message"]: 1}
    assert run.results["selection"] == {
        "keyword": "delete/500 or delete/204/empty",
        "namespace": None,
        "properties": True,
        "workers": 1,
    }
    skipped = f"1 skipped: {check['message']} (1)"
    verdict = f"CONFORMANT — 1 of {available} checks ran; {skipped}; {available - 2} not selected"
    assert verdict in run.stdout, run.stdout
    assert "2 checks · 1 passed · 1 skipped" in run.stdout


def test_existing_namespace_mode(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server:
        manage = httpx.Client(base_url=server.url, headers={"X-Auth-Token": DEV_TOKEN})
        assert manage.post("/v2/manage/namespaces", json={"namespace": "team-ns"}).status_code == 201
        run = run_suite(tmp_path / "reports", *reference_target(server, aksk=True), "--namespace", "team-ns")
        assert run.returncode == 0, run.stdout + run.stderr
        assert [n["name"] for n in server.store.namespaces()] == ["team-ns"]
        assert server.store.repository_names("team-ns") == []
    skipped = {c["id"]: c["message"] for c in run.results["checks"] if c["outcome"] == "skipped"}
    assert set(skipped) == {"delete/204/other-namespace-survives", "delete/404/only-in-other-namespace"}
    assert all("second namespace" in reason for reason in skipped.values())


def test_plain_pytest_with_an_endpoint_runs_the_suite(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")}
        env |= {"SWR_TOKEN": DEV_TOKEN, "SWR_REGISTRY_USERNAME": "swr-dev", "SWR_REGISTRY_PASSWORD": "swr-dev-password"}
        process = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
             "--swr-endpoint", server.url, "--swr-output", str(tmp_path / "out"), "-k", "delete/404"],
            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
        )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    selected = [check_id for check_id in catalog() if check_id.startswith("delete/404")]
    assert results["summary"]["passed"] == len(selected) and results["summary"]["verdict"] == "conformant"
    # the same files as `swr-conformance run`: JUnit and Allure results next to results.json
    junit = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    assert junit is not None and junit.get("name") == "swr-conformance" and junit.get("tests") == str(len(selected))
    assert len(list((tmp_path / "out" / "allure-results").glob("*-result.json"))) == len(selected)


def test_plain_pytest_reads_the_config_file_named_by_swr_config(tmp_path: Path) -> None:
    import subprocess
    import sys

    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2025"), faults=True)) as server:
        config = tmp_path / "elsewhere.toml"
        config.write_text(f'endpoint = "{server.url}"\nprofile = "swr-2025"\ntoken = "{DEV_TOKEN}"\n')
        process = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs", "conformance.suite",
             "--swr-output", str(tmp_path / "out"), "-k", "delete/406/repository-with-images"],
            capture_output=True, text=True, timeout=300, env=suite_environment({"SWR_CONFIG": str(config)}),
            cwd=tmp_path,
        )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["profile"]["id"] == "swr-2025" and results["target"]["endpoint"] == server.url
