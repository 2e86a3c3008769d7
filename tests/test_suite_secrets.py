"""No secret reaches any output of a run: results.json, junit.xml, Allure results, the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.credentials import Credentials
from conformance.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import SuiteRun, run_suite

TOKEN = "tok-5ecret-0123456789"
SK = "sk-5ecret-0123456789"
PASSWORD = "pw-5ecret-0123456789"


def _everything_written(run: SuiteRun) -> str:
    files = [p.read_text(encoding="utf-8", errors="replace") for p in run.output.rglob("*") if p.is_file()]
    return "\n".join([run.stdout, run.stderr, *files])


@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_secrets_are_never_written(tmp_path: Path, auth: str) -> None:
    credentials = Credentials(TOKEN, "AKTEST", SK, None, "ci-user", PASSWORD)
    # A deviating target, so that failures attach their exchanges too.
    config = ReferenceConfig(
        profile=load_profile(), credentials=credentials, faults=True, deviations=frozenset({Deviation.SUCCESS_200})
    )
    with ReferenceServer(config) as server:
        common = ["--endpoint", server.url, "--registry-username", "ci-user", "--fault-injection"]
        if auth == "token":
            run = run_suite(tmp_path / "reports", *common, "--token", TOKEN, env={"SWR_REGISTRY_PASSWORD": PASSWORD})
        else:
            env = {"SWR_AK": "AKTEST", "SWR_SK": SK, "SWR_REGISTRY_PASSWORD": PASSWORD}
            run = run_suite(tmp_path / "reports", *common, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    written = _everything_written(run)
    assert "delete/204/empty-repository" in written and "reproduce: curl" in written
    attachments = list((run.output / "allure-results").glob("*-attachment*"))
    assert attachments, "failures attach their exchanges"
    for secret in (TOKEN, SK, PASSWORD):
        assert secret not in written
    if auth == "aksk":
        assert "Signature=" not in written and "AK/SK-signed" in written
