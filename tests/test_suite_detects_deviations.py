"""Against reference registries that break the contract on purpose, the suite exits 1 and names
the condition that was broken; against a broken target it exits 3; on a usage error 2."""

from __future__ import annotations

import os
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import reference_target, run_suite


@pytest.mark.full
def test_invalid_name_answered_404_is_reported_with_expected_and_observed(tmp_path: Path) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.INVALID_NAME_404}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "delete/400/namespace/too-long")
    (check,) = run.results["checks"]
    assert (check["expected"], check["observed"], check["outcome"]) == ([400], 404, "failed")
    assert "expected 400, observed 404" in check["message"] and "错误请求，返回错误信息。" in check["message"]
    assert check["message"].startswith("delete.invalid-name") and "reproduce: curl" in check["message"]
    assert "FAILED delete/400/namespace/too-long" in run.stdout and "NON-CONFORMANT" in run.stdout
    assert check["curl"].startswith('curl -i -X DELETE -H "X-Auth-Token: $SWR_TOKEN"')


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.full
def test_unreachable_target_is_broken_not_failed(tmp_path: Path) -> None:
    run = run_suite(tmp_path / "reports", "--endpoint", f"http://127.0.0.1:{_closed_port()}", "--token", "t")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "target is broken, no check ran" in run.stdout + run.stderr
    assert "ConnectError" in run.stdout + run.stderr
    assert run.results["summary"]["verdict"] == "broken" and run.results["setup_error"]
    assert "_pytest.outcomes.Exit" not in run.stdout + run.stderr  # the run's words, not pytest's wrapper
    # CI dashboards show a JUnit file with 0 tests as green: one errored case names the cause
    suite = ET.parse(run.output / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("errors")) == ("1", "1")
    error = suite.find("testcase/error")
    assert error is not None and "target is broken, no check ran" in error.get("message", "")


@pytest.mark.full
def test_rejected_credentials_are_broken_not_failed(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile())) as server:
        run = run_suite(tmp_path / "reports", "--endpoint", server.url, "--token", "not-the-token")
    assert run.returncode == 3, run.stdout + run.stderr
    assert "credentials rejected" in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ak", "AK"], "--ak and --sk go together"),
        (["--profile", "swr-1999"], "unknown profile 'swr-1999'"),
        (["--endpoint", "ftp://host", "--token", "t"], "--endpoint must be an http(s) URL"),
        (["--endpoint", "http://127.0.0.1:9"], "--endpoint needs credentials"),
        (["--token", "t", "--ak", "a", "--sk", "s"], "either --token or --ak/--sk"),
        (["--namespace", "Bad"], "--namespace: namespace may only contain"),
        (["--no-such-option"], "No such option"),
        (["--config", "missing.toml"], "config file missing.toml does not exist"),
        (["--endpoint", "http://127.0.0.1:9/v2", "--token", "t"], "use 'http://127.0.0.1:9'"),
        (["--output", "results.json"], "--output results.json is a file, not a directory"),
        (["--output", "results.json/sub"], "--output results.json/sub: cannot write there"),
        (["--baseline", "nowhere.toml"], "--baseline nowhere.toml is not a file"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    """Found before any check runs: the command line in this process (a process each costs a second)."""
    (tmp_path / "results.json").write_text("{}")  # a file where a directory is expected
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("--output", str(tmp_path / "reports"), *args)
    assert code == 2 and message in output, output
    assert "Traceback" not in output and "INTERNALERROR" not in output


@pytest.mark.full
def test_a_selection_that_matches_no_check_is_a_usage_error(tmp_path: Path) -> None:
    run = run_suite(tmp_path / "reports", "-k", "delete/999")
    assert run.returncode == 2 and "no check ran" in run.stderr, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr and "INTERNALERROR" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SWR_FAULT_INJECTION": "maybe"}, "SWR_FAULT_INJECTION must be one of true/false/1/0/yes/no"),
        ({"SWR_TIMEOUT": "abc"}, "SWR_TIMEOUT must be a number"),
        ({"SWR_TOKEN_FILE": "/nonexistent/token"}, "--token-file /nonexistent/token"),
        ({"SWR_CONFIG": "missing.toml"}, "config file missing.toml does not exist"),
    ],
)
def test_usage_errors_from_the_environment_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("--output", str(tmp_path / "reports"), env=env)
    assert code == 2 and message in output, output


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`swr-conformance run ARGS` in this process, with none of the caller's SWR_* settings: its exit
    status and everything it wrote."""
    from click.testing import CliRunner

    from conformance.cli import main

    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SWR_")}
    result = CliRunner().invoke(main, ["run", *args], env=cleared | (env or {}))
    return result.exit_code, result.output


@pytest.mark.full
def test_config_file_and_environment_feed_the_run(tmp_path: Path) -> None:
    """A config file given (here by SWR_CONFIG) may say where the run goes; the header names it, what it
    decided, and the files secrets were read from. (Found in the working directory, not given, it may not
    steer credentials: tests/test_tool_edges.py.)"""
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2025"))) as server:
        (tmp_path / "swr-conformance.toml").write_text(f'endpoint = "{server.url}"\nprofile = "swr-2020"\n')
        (tmp_path / "token").write_text(DEV_TOKEN)
        env = {
            "SWR_TOKEN_FILE": str(tmp_path / "token"),
            "SWR_PROFILE": "swr-2025",
            "SWR_CONFIG": "swr-conformance.toml",
        }
        run = run_suite(tmp_path / "reports", "-k", "delete/406/repository-with-images", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.results["profile"]["id"] == "swr-2025"  # environment beats the file
    assert run.results["target"]["endpoint"] == server.url
    assert "config file swr-conformance.toml (SWR_CONFIG): endpoint" in run.stdout, run.stdout
    assert f"secrets read from files: token from {tmp_path / 'token'}" in run.stdout


@pytest.mark.full
def test_an_auth_bypass_is_caught_by_every_signature_probe(tmp_path: Path) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.AUTH_BYPASS}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server, aksk=True), "-k", "delete/401")
    assert run.returncode == 1, run.stdout + run.stderr
    assert set(run.outcomes().values()) == {"failed"} and len(run.outcomes()) == 6
    assert {"delete/401/aksk-other-body", "delete/401/aksk-foreign-project"} <= set(run.outcomes())


@pytest.mark.full
def test_the_wrong_credentials_finding_reproduces_with_the_wrong_token(tmp_path: Path) -> None:
    """Its curl command sends the made-up token literally: with `$SWR_TOKEN` it would be accepted."""
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.AUTH_BYPASS}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "delete/401/wrong-credentials")
    assert run.returncode == 1, run.stdout + run.stderr
    (check,) = run.results["checks"]
    assert check["outcome"] == "failed"
    assert check["curl"].startswith("curl -i -X DELETE -H 'X-Auth-Token: swrc-wrong-"), check["curl"]
    assert "$SWR_TOKEN" not in check["curl"] and "$SWR_TOKEN" not in check["message"]


@pytest.mark.full
def test_a_cleanup_delete_with_side_effects_is_a_finding_of_its_own_check(tmp_path: Path) -> None:
    """A DELETE that removes the namespace too, sent by one check's cleanup: that check fails, and the
    next check is not blamed for the vanished namespace."""
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_NAMESPACE}))
    selection = "delete/400/namespace/illegal-character or delete/404/absent-repository"
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", selection)
    outcomes = run.outcomes()
    assert outcomes == {"delete/400/namespace/illegal-character": "failed", "delete/404/absent-repository": "passed"}
    (finding,) = [c["message"] for c in run.results["checks"] if c["outcome"] == "failed"]
    assert finding.startswith("delete.empty-repository: deleting the check's repositories afterwards also removed")


@pytest.mark.full
def test_plain_pytest_with_an_output_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "out").write_text("")
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs", "conformance.suite",
         "--swr-output", str(tmp_path / "out"), "-k", "delete/204/empty-repository"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    output = process.stdout + process.stderr
    assert process.returncode == 2 and "is a file, not a directory" in output, output
    assert "INTERNALERROR" not in output and "Traceback" not in output


@pytest.mark.full
def test_a_multi_step_finding_reports_the_step_that_failed(tmp_path: Path) -> None:
    """deletable-once-emptied first expects the refusal: when that step fails, its condition, quote,
    expected and observed status are the ones reported everywhere, not the check's own."""
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_IMAGES}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "delete/406/deletable-once-emptied")
    (check,) = run.results["checks"]
    assert check["outcome"] == "failed", check
    assert (check["condition"], check["expected"], check["observed"]) == ("delete.repository-with-images", [406], 204)
    assert check["quote"] == load_profile().expect("delete.repository-with-images").quote
    row = next(line for line in run.stdout.splitlines() if line.startswith("delete.repository-with-images "))
    assert row.split()[1:5] == ["delete/406/deletable-once-emptied", "406", "204", "failed"], row
