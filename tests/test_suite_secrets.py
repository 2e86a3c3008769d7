"""No secret reaches any output of a run: results.json, junit.xml, Allure results, the terminal."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from conformance.contract.credentials import Credentials
from conformance.contract.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from conformance.suite import catalog
from conformance.transcript import Redactor
from tests.conftest import SuiteRun, run_suite, suite_environment
from tests.hostile import After, HostileProxy, Rule, echo_credentials

TOKEN = "tok-5ecret-0123456789"
SK = "sk-5ecret-0123456789"
PASSWORD = "pw-5ecret-0123456789"


def _everything_written(run: SuiteRun) -> str:
    files = [p.read_text(encoding="utf-8", errors="replace") for p in run.output.rglob("*") if p.is_file()]
    return "\n".join([run.stdout, run.stderr, *files])


@pytest.mark.full
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


ECHOED_TOKEN = 'tok\\5ecret"0123456789'  # JSON-escapes to another string
ECHO_RULES = [
    Rule("DELETE", r"/repos/[^/]+$", after=echo_credentials(400)),  # the 404 check fails, quoting the body
    Rule("PUT", r"/manifests/", after=echo_credentials(500)),  # the push breaks, quoting the body
]
ECHO_CHECKS = "delete/404/absent-repository or delete/406/repository-with-images"


def _derived(secret: str) -> list[str]:
    return [secret, json.dumps(secret)[1:-1], quote(secret, safe="")]


@pytest.mark.full
@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_secrets_echoed_by_the_target_are_redacted_in_every_derived_form(tmp_path: Path, auth: str) -> None:
    credentials = Credentials(ECHOED_TOKEN, "AKTEST", SK, None, "ci-user", PASSWORD)
    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), credentials=credentials)) as server,
        HostileProxy(server.url, ECHO_RULES) as proxy,
    ):
        given = ["--token", ECHOED_TOKEN] if auth == "token" else ["--ak", "AKTEST", "--sk", SK]
        args = ["--endpoint", proxy.url, *given, "--registry-username", "ci-user", "-k", ECHO_CHECKS]
        run = run_suite(tmp_path / "reports", *args, env={"SWR_REGISTRY_PASSWORD": PASSWORD})
    assert run.returncode == 1, run.stdout + run.stderr
    written = _everything_written(run)
    assert "headers were" in written and "REDACTED" in written  # the echoes did reach the outputs
    basic = base64.b64encode(f"ci-user:{PASSWORD}".encode()).decode()
    for secret in [*_derived(ECHOED_TOKEN), *_derived(SK), *_derived(PASSWORD), basic]:
        assert secret not in written, secret
    assert re.search(r"Signature=[0-9a-f]{16}", written) is None


@pytest.mark.full
def test_plain_pytest_tracebacks_show_no_secret(tmp_path: Path) -> None:
    credentials = Credentials(ECHOED_TOKEN, None, None, None, "ci-user", PASSWORD)
    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), credentials=credentials)) as server,
        HostileProxy(server.url, ECHO_RULES[:1]) as proxy,
    ):
        secrets = {"SWR_TOKEN": ECHOED_TOKEN, "SWR_REGISTRY_USERNAME": "ci-user", "SWR_REGISTRY_PASSWORD": PASSWORD}
        process = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--tb=long", "-l", "--swr-endpoint", proxy.url,
             "--swr-output", str(tmp_path / "out"), "-k", "delete/404/absent-repository"],
            capture_output=True, text=True, env=suite_environment(secrets), cwd=tmp_path, timeout=300,
        )  # fmt: skip
    output = process.stdout + process.stderr
    assert process.returncode == 1 and "headers were" in output, output
    for secret in [*_derived(ECHOED_TOKEN), *_derived(PASSWORD)]:
        assert secret not in output, secret


def echo_escaped(code: int) -> After:
    """Echoes the request's headers as Java and PHP encoders write JSON: `/` as `\\/`, `=` as `\\u003d`."""

    def rewrite(request: Request, upstream: httpx.Response) -> Response:
        text = json.dumps(
            {"error_code": "SVCSTG.SWR.4000014", "error_msg": "bad request", "echo": dict(request.headers)}
        )
        text = text.replace("/", "\\/").replace("=", "\\u003d")
        return Response(text, code, {"Content-Type": "application/json"})

    return rewrite


SLASHED_TOKEN = "tok/5ecret/0123456789"


@pytest.mark.full
@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_secrets_echoed_with_escaped_slashes_and_equals_signs_are_redacted(tmp_path: Path, auth: str) -> None:
    credentials = Credentials(SLASHED_TOKEN, "AKTEST", SK, None, "ci-user", PASSWORD)
    rules = [Rule("DELETE", r"/repos/[^/]+$", after=echo_escaped(400))]
    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), credentials=credentials)) as server,
        HostileProxy(server.url, rules) as proxy,
    ):
        given = ["--token", SLASHED_TOKEN] if auth == "token" else ["--ak", "AKTEST", "--sk", SK]
        args = ["--endpoint", proxy.url, *given, "-k", "delete/404/absent-repository"]
        run = run_suite(tmp_path / "reports", *args)
    assert run.returncode == 1, run.stdout + run.stderr
    written = _everything_written(run)
    assert "SVCSTG.SWR.4000014" in written  # the echo reached the outputs
    for secret in [SLASHED_TOKEN, SLASHED_TOKEN.replace("/", "\\/"), *_derived(SK)]:
        assert secret not in written, secret
    assert re.search(r"Signature(=|\\u003d)[0-9a-f]{16}", written) is None


SHORT_TOKEN, SHORT_PASSWORD = "204", "406"


@pytest.mark.full
def test_short_secrets_leave_every_report_valid_and_every_check_id_whole(tmp_path: Path) -> None:
    """A token `204` and a registry password `406`: redacted where they stand as credentials (echoed
    headers), never inside check ids, statuses or the JSON and XML around them."""
    credentials = Credentials(SHORT_TOKEN, None, None, None, "ci-user", SHORT_PASSWORD)
    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), credentials=credentials)) as server,
        HostileProxy(server.url, ECHO_RULES[:1]) as proxy,
    ):
        args = ["--endpoint", proxy.url, "--token", SHORT_TOKEN, "--registry-username", "ci-user", "-k", "delete/"]
        run = run_suite(tmp_path / "reports", *args, env={"SWR_REGISTRY_PASSWORD": SHORT_PASSWORD})
    assert run.returncode == 1, run.stdout + run.stderr
    data = json.loads((run.output / "results.json").read_text(encoding="utf-8"))  # still JSON
    assert {check["id"] for check in data["checks"]} == {i for i in catalog() if i.startswith("delete/")}
    assert all(isinstance(check["observed"], int | None) for check in data["checks"])
    ET.parse(run.output / "junit.xml")  # still XML
    written = _everything_written(run)
    assert "[REDACTED]" not in "".join(catalog()) and "delete/204/empty-repository" in written
    assert f"'x-auth-token': '{SHORT_TOKEN}'" not in written and "'x-auth-token': '[REDACTED]'" in written


def test_the_temporary_registry_login_header_is_a_secret() -> None:
    """CreateSecret answers with the whole `docker login` command in X-Swr-Dockerlogin."""
    login = "docker login -u cn-north-4@AKTEST -p 0123abcd swr.cn-north-4.myhuaweicloud.com"
    assert Redactor().headers([("X-Swr-Dockerlogin", login)]) == {"X-Swr-Dockerlogin": "[REDACTED]"}
