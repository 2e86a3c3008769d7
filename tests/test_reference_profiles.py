"""The reference registry's statuses are the selected profile's; fault injection is off unless enabled."""

from __future__ import annotations

import httpx

from conformance.contract.faults import FAULT_HEADER
from conformance.contract.profiles import load_profile
from conformance.provisioning.image import build_image, push_image
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.reference.config import (
    DEV_REGISTRY_PASSWORD,
    DEV_REGISTRY_USERNAME,
    DEV_TOKEN,
    ReferenceConfig,
)
from conformance.reference.server import ReferenceServer
from tests.conftest import create_repository, repo_path


def test_current_profile_deletes_a_repository_with_its_images() -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2025"))) as server:
        manage = httpx.Client(base_url=server.url, headers={"X-Auth-Token": DEV_TOKEN})
        registry = httpx.Client(
            base_url=server.url, auth=RegistryAuth(DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD, server.url)
        )
        assert manage.post("/v2/manage/namespaces", json={"namespace": "ns"}).status_code == 201
        digest = push_image(registry, "ns/app", "v1", build_image("x"))
        create_repository(manage, "ns", "keep")
        assert manage.delete(repo_path("ns", "app")).status_code == 204
        assert manage.get(repo_path("ns", "app")).status_code == 404
        assert registry.get(f"/v2/ns/app/manifests/{digest}").status_code == 404
        assert manage.get(repo_path("ns", "keep")).status_code == 200


def test_fault_header_is_ignored_without_faults() -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2020"), faults=False)) as server:
        manage = httpx.Client(base_url=server.url, headers={"X-Auth-Token": DEV_TOKEN})
        manage.post("/v2/manage/namespaces", json={"namespace": "ns"})
        create_repository(manage, "ns", "app")
        assert manage.delete(repo_path("ns", "app"), headers={FAULT_HEADER: "1"}).status_code == 204


def test_latency_delays_every_request() -> None:
    with ReferenceServer(ReferenceConfig(profile=load_profile(), latency_ms=300)) as server:
        response = httpx.get(server.url + "/v2/manage/namespaces", headers={"X-Auth-Token": DEV_TOKEN})
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3
