"""Verdicts on registries nobody here wrote: a registry that reads references exactly as docker and
skopeo send them is conformant; a target that cannot show what the run just created makes the checks that
depend on it broken, naming the request, never failed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import ReferenceServer
from tests.conftest import SuiteRun, reference_target, run_suite
from tests.hostile import Before, HostileProxy, Rule, status

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
