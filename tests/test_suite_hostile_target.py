"""The suite, run as a pipeline runs it, through a hostile proxy: infrastructure failures are broken
(exit 3), never findings; "try later" is retried; a target that destroys state is non-conformant (exit 1);
nothing foreign is touched."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from conformance.contract.profiles import load_profile
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import SuiteRun, reference_target, repo_path, run_suite
from tests.hostile import HTML_502, Before, HostileProxy, Rule, extra_tags, status

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

TRAVERSAL = "../../../../prod/repos/prod-app"


@pytest.fixture
def target() -> Iterator[ReferenceServer]:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server:
        yield server


def _through(proxy: HostileProxy, server: ReferenceServer) -> list[str]:
    return [a if a != server.url else proxy.url for a in reference_target(server)]


def _run(tmp_path: Path, server: ReferenceServer, rules: list[Rule], *args: str) -> SuiteRun:
    with HostileProxy(server.url, rules) as proxy:
        return run_suite(tmp_path / "reports", *_through(proxy, server), *args)


def _outcomes(run: SuiteRun) -> set[str]:
    return set(run.outcomes().values())


@pytest.mark.parametrize(
    ("rule", "check", "cause"),
    [
        (Rule("POST", r"/repos$", before=HTML_502), "delete/204/empty-repository", "-> 502 <html>"),
        (Rule("GET", r"/repos/[^/]+$", before=status(503, "down")), "delete/204/repository-gone", "-> 503 down"),
        (Rule("PUT", r"/manifests/", before=status(500, "oops")), "delete/406/repository-with-images", "answered 500"),
    ],
    ids=["html-502-on-create", "503-on-show", "oci-500-on-push"],
)
def test_setup_and_registry_failures_are_broken_not_findings(
    tmp_path: Path, target: ReferenceServer, rule: Rule, check: str, cause: str
) -> None:
    run = _run(tmp_path, target, [rule], "-k", check)
    assert run.returncode == 3, run.stdout + run.stderr
    (result,) = [c for c in run.results["checks"] if c["id"] == check]
    assert result["outcome"] == "broken" and cause in result["message"], result
    assert "failed" not in _outcomes(run) and "expected 500" not in run.stdout
    # a CI dashboard reads a broken check as an error, not as a failed (non-conformant) one
    suite = ET.parse(run.output / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("errors"), suite.get("failures")) == ("1", "0")
    (case,) = suite.iter("testcase")
    assert case.find("error") is not None and case.find("failure") is None
    # pytest's own summary line agrees with the suite's: "1 broken", never "1 failed"
    assert "1 broken" in run.stdout and " failed" not in run.stdout.splitlines()[-1], run.stdout


def test_try_later_on_the_delete_under_test_is_retried(tmp_path: Path, target: ReferenceServer) -> None:
    busy = status(429, "slow down", **{"Retry-After": "0"})
    run = _run(tmp_path, target, [Rule("DELETE", r"/repos/[^/]+$", before=busy, times=2)], "-k", "empty-repository")
    assert run.returncode == 0, run.stdout + run.stderr
    run = _run(tmp_path, target, [Rule("DELETE", r"/repos/[^/]+$", before=busy)], "-k", "delete/204/empty-repository")
    assert run.returncode == 3 and "kept asking to try later" in run.results["checks"][0]["message"]


def test_cleanup_goes_on_and_reports_what_is_left(tmp_path: Path, target: ReferenceServer) -> None:
    manage = httpx.Client(base_url=target.url, headers={"X-Auth-Token": DEV_TOKEN})
    manage.post("/v2/manage/namespaces", json={"namespace": "prod"})
    manage.post("/v2/manage/namespaces/prod/repos", json={"repository": "prod-app", "is_public": False})
    rules = [Rule("GET", r"/tags$", after=extra_tags({"Tag": TRAVERSAL}, {"name": "no Tag key"}))]
    run = _run(tmp_path, target, rules, "-k", "delete/406/repository-with-images or delete/204/empty-repository")
    assert manage.get(repo_path("prod", "prod-app")).status_code == 200, "a foreign repository was deleted"
    leftovers = run.results["leftovers"]
    assert any("invalid tag name" in left for left in leftovers), leftovers
    assert any(left.startswith("namespace ") for left in leftovers), leftovers
    assert "LEFTOVER" in run.stdout
    html = Rule("GET", r"/tags$", before=status(200, "<html>tags</html>", "text/html"))
    run = _run(tmp_path, target, [html], "-k", "delete/406/repository-with-images")
    assert run.results["leftovers"], "an HTML tag list must not pass for 'nothing left'"


def test_a_target_that_destroys_state_is_non_conformant(tmp_path: Path) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_NAMESPACE}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "delete/204 or delete/404")
    assert run.returncode == 1, run.stdout + run.stderr
    failed = {c["id"]: c["message"] for c in run.results["checks"] if c["outcome"] == "failed"}
    message = failed["delete/204/empty-repository"]
    assert "answered 204; afterwards namespace " in message and " no longer shown by show-namespace" in message
    assert "broken" not in _outcomes(run), run.stdout


def test_an_ignored_fault_header_is_a_configuration_error(tmp_path: Path) -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=False)) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "delete/500")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "ignores the X-Swr-Conformance-Fault header" in run.stdout + run.stderr
    assert "expected 500" not in run.stdout


def test_a_5xx_to_the_delete_under_test_must_carry_error_information(tmp_path: Path, target: ReferenceServer) -> None:
    """The rule every check gets afterwards: a 5xx answer to the DELETE under test without SWR error
    information is its own finding (the document: 服务器内部错误，返回错误信息), besides the wrong status."""
    bare_500 = status(500, "oops")
    run = _run(
        tmp_path, target, [Rule("DELETE", r"/repos/[^/]+$", before=bare_500, times=1)], "-k", "absent-repository"
    )
    (check,) = [c for c in run.results["checks"] if c["id"] == "delete/404/absent-repository"]
    assert check["outcome"] == "failed" and "expected 404, observed 500" in check["message"]
    assert any(note.startswith("delete.server-error: 500 without SWR error information") for note in check["notes"])


def test_a_recommended_error_body_that_is_missing_is_a_note_not_a_failure(
    tmp_path: Path, target: ReferenceServer
) -> None:
    """404 with an empty body: the profile recommends error information there, so the check passes
    with a recommendation note."""
    empty_404 = status(404, "")
    run = _run(
        tmp_path, target, [Rule("DELETE", r"/repos/[^/]+$", before=empty_404)], "-k", "delete/404/absent-repository"
    )
    (check,) = run.results["checks"]
    assert run.returncode == 0 and check["outcome"] == "passed", run.stdout
    assert any(note.startswith("recommendation: 404 without SWR error information") for note in check["notes"])
    assert "note delete/404/absent-repository: recommendation" in run.stdout


def _acted_then_silent(upstream: str) -> Before:
    """Forwards the request (the target acts on it), then keeps its answer past the client's deadline."""

    async def answer(request: Request, body: bytes) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx.AsyncClient() as client:
            await client.request(request.method, upstream + request.scope["raw_path"].decode(), headers=headers)
        await asyncio.sleep(3)
        return Response(status_code=204)

    return answer


async def _latency(request: Request, body: bytes) -> None:
    await asyncio.sleep(0.04)


def test_a_delete_whose_answer_was_lost_is_broken_not_a_finding(tmp_path: Path, target: ReferenceServer) -> None:
    """The DELETE under test reached the target and was carried out, but no answer came back before the
    deadline: its outcome is unknown, so the check is broken, saying so, never failed for the state
    that changed."""
    rules = [
        Rule("*", r".", before=_latency),
        Rule("DELETE", r"/repos/[^/]+$", before=_acted_then_silent(target.url), times=1),
    ]
    run = _run(tmp_path, target, rules, "-k", "delete/204/empty-repository", "--timeout", "1")
    assert run.returncode == 3, run.stdout + run.stderr
    (check,) = [c for c in run.results["checks"] if c["id"] == "delete/204/empty-repository"]
    assert check["outcome"] == "broken" and "its outcome is unknown" in check["message"], check
    assert run.results["leftovers"] == [] and target.store.namespaces() == []
