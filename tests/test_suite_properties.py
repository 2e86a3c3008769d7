"""The property layer on a target: conformant on the reference registry, finds a boundary deviation
with a minimal name, sends the same requests for the same seed, and never gets past the guard."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from starlette.responses import Response

from conformance.contract.profiles import load_profile
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import reference_target, run_suite
from tests.hostile import HostileProxy, Rule

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


def test_the_properties_pass_record_their_budget_and_keep_hypothesis_files_in_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run = run_suite(
        tmp_path / "reports", "-k", "property/", "--seed", "3", "--examples", "5",
        env={"SWR_CONFORMANCE_CACHE": str(cache)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    # hypothesis' Unicode tables and constants: in the suite's cache, not in the working directory
    assert not (tmp_path / ".hypothesis").exists() and (cache / "hypothesis" / "unicode_data").is_dir()
    assert set(run.outcomes()) == {
        "property/invalid-name",
        "property/absent-name",
        "property/created-then-deleted",
        "property/with-images-refused",
        "property/schema/positive",
        "property/schema/negative",
        "property/sequence/lifecycle",
    }
    assert set(run.outcomes().values()) == {"passed"}
    assert run.results["properties"] == {"enabled": True, "examples": 5, "seed": 3}
    assert "seed 3" in run.stdout
    off = run_suite(tmp_path / "off", "-k", "property/", "--no-properties")
    assert off.returncode == 0 and set(off.outcomes().values()) == {"skipped"}


def test_a_boundary_deviation_is_found_with_a_minimal_name(tmp_path: Path) -> None:
    config = ReferenceConfig(
        profile=load_profile(), faults=True, deviations=frozenset({Deviation.REJECTS_LONGEST_NAMES})
    )
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", "property/absent-name", "--seed", "1")
    assert run.returncode == 1, run.stdout + run.stderr
    (check,) = run.results["checks"]
    assert check["outcome"] == "failed" and "expected 404, observed 400" in check["message"]
    name = unquote(check["curl"].rsplit("/", 1)[1].strip("'")).replace("$", "/")
    assert len(name) == 128, name


def test_a_sequence_finds_a_repository_refused_after_its_tags_were_deleted(tmp_path: Path) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.REFUSES_AFTER_UNTAG}))
    with ReferenceServer(config) as server:
        args = ["-k", "property/sequence", "--seed", "2", "--examples", "10"]
        run = run_suite(tmp_path / "reports", *reference_target(server), *args)
    assert run.returncode == 1, run.stdout + run.stderr
    (check,) = run.results["checks"]
    assert check["outcome"] == "failed" and "expected 204, observed 406" in check["message"], check["message"]
    sequence = next(line for line in check["message"].splitlines() if line.startswith("sequence: "))
    steps = [step.split()[:2] for step in sequence.removeprefix("sequence: ").split("; ")]
    refused = steps[-1][1]  # the sequence emptied that repository by deleting its tags, then deleted it
    assert steps[-1][0] == "delete_repository" and ["delete_tags", refused] in steps, sequence
    assert "reproduce: curl" in check["message"]


def _requests(capfd: pytest.CaptureFixture[str], run_id: str) -> list[str]:
    """The GETs and DELETEs the server logged, sorted: reads a check sends together arrive in any order."""
    lines = [line.split()[:2] for line in capfd.readouterr().err.splitlines() if line.startswith(("GET", "DELETE"))]
    return sorted(" ".join(parts).replace(run_id, "RUN") for parts in lines if len(parts) == 2)


def test_one_seed_sends_the_same_requests_and_nothing_escapes_the_guard(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, access_log=True)
    with ReferenceServer(config) as server:
        manage = httpx.Client(base_url=server.url, headers={"X-Auth-Token": DEV_TOKEN})
        manage.post("/v2/manage/namespaces", json={"namespace": "team"})
        manage.post("/v2/manage/namespaces/team/repos", json={"repository": "victim", "is_public": False})
        capfd.readouterr()
        sent = []
        for attempt in range(2):
            args = ["-k", "property/", "--seed", "11", "--examples", "6", "--namespace", "team"]
            run = run_suite(tmp_path / f"run{attempt}", *reference_target(server), *args)
            assert run.returncode == 0, run.stdout + run.stderr
            sent.append(_requests(capfd, run.results["run_id"]))
        assert server.store.repository_names("team") == ["victim"]
    assert sent[0] == sent[1] and len(sent[0]) > 40
    deletes = [line for line in sent[0] if line.startswith("DELETE")]
    assert deletes and all(re.search(r"RUN", line) for line in deletes), [d for d in deletes if "RUN" not in d]


def test_the_schema_checks_catch_an_answer_the_description_does_not_allow(tmp_path: Path) -> None:
    def as_html(request: object, upstream: httpx.Response) -> Response:
        return Response("<html>not found</html>", upstream.status_code, {"Content-Type": "text/html"})

    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server,
        HostileProxy(server.url, [Rule("DELETE", r"/repos/[^/]+$", after=as_html)]) as proxy,
    ):
        target = [a if a != server.url else proxy.url for a in reference_target(server)]
        run = run_suite(tmp_path / "reports", *target, "-k", "property/schema/positive", "--seed", "4")
    assert run.returncode == 1, run.stdout + run.stderr
    (check,) = run.results["checks"]
    assert check["outcome"] == "failed" and "does not match the OpenAPI description" in check["message"]
