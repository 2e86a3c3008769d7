"""Fixtures: a live reference registry on loopback, clients for its two APIs, unique names."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import httpx
import pytest

from conformance.profiles import load_profile
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.reference.config import DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME, DEV_TOKEN, ReferenceConfig
from conformance.reference.server import ReferenceServer

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
    auth = RegistryAuth(DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD)
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
