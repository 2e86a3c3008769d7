"""Fixtures: a live reference registry on loopback, clients for its two APIs, unique names."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.contract.profiles import load_profile
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.reference.config import (
    DEV_AK,
    DEV_PROJECT_ID,
    DEV_REGISTRY_PASSWORD,
    DEV_REGISTRY_USERNAME,
    DEV_SK,
    DEV_TOKEN,
    ReferenceConfig,
)
from conformance.reference.server import ReferenceServer
from tests import warm_start

_counter = itertools.count()


def unique(prefix: str = "t") -> str:
    """A name no other test of this run uses (valid as namespace and as repository)."""
    return f"{prefix}{os.getpid()}x{next(_counter)}"


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceServer]:
    """The reference registry, seed profile, development credentials, fault injection on."""
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2020"), faults=True)) as server:
        yield server


@pytest.fixture
def manage(reference: ReferenceServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reference.url, headers={"X-Auth-Token": DEV_TOKEN}) as client:
        yield client


@pytest.fixture
def registry(reference: ReferenceServer) -> Iterator[httpx.Client]:
    auth = RegistryAuth(DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD, reference.url)
    with httpx.Client(base_url=reference.url, auth=auth) as client:
        yield client


@pytest.fixture
def namespace(manage: httpx.Client) -> str:
    name = unique("ns")
    assert manage.post("/v2/manage/namespaces", json={"namespace": name}).status_code == 201
    return name


def create_repository(manage: httpx.Client, namespace: str, repository: str) -> None:
    response = manage.post(
        f"/v2/manage/namespaces/{namespace}/repos", json={"repository": repository, "is_public": False}
    )
    assert response.status_code == 201, response.text


def repo_path(namespace: str, repository: str) -> str:
    return f"/v2/manage/namespaces/{namespace}/repos/{repository.replace('/', '$')}"


@dataclasses.dataclass(frozen=True)
class SuiteRun:
    returncode: int
    stdout: str
    stderr: str
    output: Path

    @property
    def results(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.output / "results.json").read_text(encoding="utf-8"))
        return data

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.results["checks"]}

    def failed_conditions(self) -> set[str]:
        return {c["condition"] for c in self.results["checks"] if c["outcome"] == "failed"}


def suite_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a suite process gets: none of the caller's SWR_* settings, plus `extra`.
    CONFORMANCE_UNDER_TEST=DIR runs another checkout's suite (e.g. the previous main, to show that a
    regression test fails there)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")}
    environment |= {"SWR_EXAMPLES": "1"} | (extra or {})  # property checks: a small budget unless a test sets one
    if under_test := os.environ.get("CONFORMANCE_UNDER_TEST"):
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [under_test, (extra or {}).get("PYTHONPATH")]))
    return environment


def run_suite(output: Path, *args: str, env: dict[str, str] | None = None) -> SuiteRun:
    """`swr-conformance run --output OUTPUT ARGS` in a fresh process, as a pipeline would call it (started
    warm: see warm_start.py)."""
    done = warm_start.run(["run", "--output", str(output), *args], suite_environment(env), output.parent, 300)
    return SuiteRun(done.returncode, done.stdout, done.stderr, output)


def run_sweep(endpoint: str, *args: str) -> str:
    """`swr-conformance sweep --endpoint ENDPOINT ARGS` with the development token, from a neutral
    directory; it must exit 0. What it printed."""
    command = ["sweep", "--endpoint", endpoint, "--token", DEV_TOKEN, *args]
    done = warm_start.run(command, suite_environment(), Path("/"), 120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session", autouse=True)
def _warm_start_helpers() -> Iterator[None]:
    yield
    warm_start.close_all()


def reference_target(server: ReferenceServer, aksk: bool = False) -> list[str]:
    """`run` options that point the suite at `server` with its development credentials (a token, or
    AK/SK signing, which also runs the tampered-signature checks)."""
    credentials = ["--ak", DEV_AK, "--sk", DEV_SK, "--project-id", DEV_PROJECT_ID] if aksk else ["--token", DEV_TOKEN]
    return [
        "--endpoint", server.url,
        *credentials,
        "--registry-username", DEV_REGISTRY_USERNAME,
        "--registry-password", DEV_REGISTRY_PASSWORD,
        "--fault-injection",
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _quick_tests_start_no_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In ./run-tests --quick, a test not marked `full` that starts a process fails, saying to mark it."""
    if os.environ.get("SWR_TESTS_QUICK") and request.node.get_closest_marker("full") is None:

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("a quick test started a process: mark it @pytest.mark.full")

        monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
