"""Verdicts on registries nobody here wrote: a registry that reads references exactly as docker and
skopeo send them is conformant; a target that cannot show what the run just created, or shows what it
never created, makes the checks that depend on it broken, naming the request, never failed; each kind of
fault the whole-state postconditions exist for is a finding that names the view."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import SuiteRun, reference_target, run_suite
from tests.hostile import Before, HostileProxy, Rule, status

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

IMAGE_CHECKS = "delete/406 or property/with-images-refused or property/sequence/lifecycle"
MANIFEST_UNKNOWN = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})
UNKNOWN: Before = status(404, MANIFEST_UNKNOWN, "application/json")


@pytest.fixture
def target() -> Iterator[ReferenceServer]:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server:
        yield server


def _through(tmp_path: Path, server: ReferenceServer, rules: list[Rule], *args: str) -> SuiteRun:
    with HostileProxy(server.url, rules) as proxy:
        options = [a if a != server.url else proxy.url for a in reference_target(server)]
        return run_suite(tmp_path / "reports", *options, *args)


def test_a_registry_that_reads_references_as_clients_send_them_is_conformant(
    tmp_path: Path, target: ReferenceServer
) -> None:
    """A plain registry does not decode `%3A` in a reference: `manifests/sha256%3A...` names no manifest
    there. The suite sends a digest as docker and skopeo do, with its `:`."""
    undecoded = [Rule(method, r"/manifests/[^/]*%", before=UNKNOWN) for method in ("GET", "HEAD", "DELETE")]
    run = _through(tmp_path, target, undecoded, "-k", IMAGE_CHECKS)
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(run.outcomes().values()) == {"passed"}, run.outcomes()


def test_a_registry_that_cannot_show_manifests_by_digest_breaks_the_checks_that_need_it(
    tmp_path: Path, target: ReferenceServer
) -> None:
    """Manifests that were just pushed are never served by digest: no check can tell whether a DELETE kept
    them, so the checks that depend on it are broken with the request that could not observe them."""
    blind = [Rule(method, r"/manifests/sha256", before=UNKNOWN) for method in ("GET", "HEAD")]
    run = _through(tmp_path, target, blind, "-k", "delete/406/images-survive or delete/406/repository-with-images")
    assert run.returncode == 3, run.stdout + run.stderr
    for check in run.results["checks"]:
        assert check["outcome"] == "broken", check
        assert "cannot observe manifest sha256:" in check["message"], check["message"]
        assert "HEAD " in check["message"] and "-> 404" in check["message"], check["message"]


def test_a_view_that_shows_everything_is_no_evidence_that_something_stayed(
    tmp_path: Path, target: ReferenceServer
) -> None:
    """show-repository answers 200 for any name: after a 204 the repository "still shown" is no finding,
    since the view was never seen answering the other way; the check is broken, saying why."""
    shown = status(200, json.dumps({"name": "x", "num_images": 0}), "application/json")
    run = _through(
        tmp_path, target, [Rule("GET", r"/namespaces/[^/]+/repos/[^/]+$", before=shown)], "-k", "empty-repository"
    )
    assert run.returncode == 3, run.stdout + run.stderr
    (check,) = [c for c in run.results["checks"] if c["id"] == "delete/204/empty-repository"]
    assert check["outcome"] == "broken" and "cannot tell whether" in check["message"], check["message"]
    assert "never created" in check["message"]


@pytest.mark.parametrize(
    ("deviation", "check", "finding"),
    [
        (Deviation.STILL_LISTED, "delete/204/empty-repository", "still listed by list-repositories"),
        (Deviation.UNDERSCORE_WILDCARD, "delete/204/siblings-survive", "no longer shown by show-repository"),
        (Deviation.KEEPS_UNTAGGED_MANIFESTS, "delete/406/deletable-once-emptied", "still pullable by digest"),
        (Deviation.DISCLOSES_EXISTENCE, "delete/401/none-credentials", "tells an unauthenticated caller what exists"),
    ],
    ids=lambda value: str(value) if isinstance(value, Deviation) else "",
)
def test_each_kind_of_missed_fault_is_a_finding_naming_the_view(
    tmp_path: Path, deviation: Deviation, check: str, finding: str
) -> None:
    """Gone from one view only, collateral on a near-neighbour, content reachable after the delete,
    existence disclosed to the unauthenticated: each fails its check, which says what it saw."""
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({deviation}))
    with ReferenceServer(config) as server:
        run = run_suite(tmp_path / "reports", *reference_target(server), "-k", check)
    assert run.returncode == 1, run.stdout + run.stderr
    (result,) = [c for c in run.results["checks"] if c["id"] == check]
    assert result["outcome"] == "failed" and finding in result["message"], result["message"]
    assert "reproduce: curl" in result["message"]
    # one finding, told once: not again after the check as "vanished", nor as a JUnit error
    assert not any("vanished" in note for note in result["notes"]), result["notes"]
    suite = ET.parse(run.output / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "0", ET.tostring(suite)[:2000]
