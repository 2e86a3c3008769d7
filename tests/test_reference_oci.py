"""The OCI distribution subset: pushes (monolithic, chunked, single POST), pulls, auth challenges."""

from __future__ import annotations

import httpx
import pytest

from conformance.contract.profiles import load_profile
from conformance.provisioning.image import MANIFEST_MEDIA_TYPE, build_image, digest_of, push_image
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.reference.config import DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME, DEV_TOKEN, ReferenceConfig
from conformance.reference.server import ReferenceServer
from tests.conftest import repo_path, unique


@pytest.mark.parametrize("chunk_size", [None, 7])
def test_push_and_pull(registry: httpx.Client, manage: httpx.Client, namespace: str, chunk_size: int | None) -> None:
    image = build_image(unique())
    name = f"{namespace}/group/app"
    assert push_image(registry, name, "v1", image, chunk_size=chunk_size) == image.digest
    by_tag = registry.get(f"/v2/{name}/manifests/v1")
    assert by_tag.status_code == 200 and by_tag.content == image.manifest
    assert by_tag.headers["docker-content-digest"] == image.digest
    assert by_tag.headers["content-type"] == MANIFEST_MEDIA_TYPE
    assert registry.head(f"/v2/{name}/manifests/{image.digest}").status_code == 200
    blob = registry.get(f"/v2/{name}/blobs/{digest_of(image.layer)}")
    assert blob.content == image.layer
    assert registry.get(f"/v2/{name}/tags/list").json() == {"name": name, "tags": ["v1"]}
    assert manage.get(repo_path(namespace, "group/app")).json()["num_images"] == 1


def test_single_post_upload(registry: httpx.Client, namespace: str) -> None:
    data = b"monolithic"
    response = registry.post(f"/v2/{namespace}/app/blobs/uploads/", params={"digest": digest_of(data)}, content=data)
    assert response.status_code == 201
    assert registry.head(f"/v2/{namespace}/app/blobs/{digest_of(data)}").status_code == 200


def test_wrong_digest_and_dangling_manifest_are_rejected(registry: httpx.Client, namespace: str) -> None:
    response = registry.post(f"/v2/{namespace}/app/blobs/uploads/", params={"digest": digest_of(b"a")}, content=b"b")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "DIGEST_INVALID"
    dangling = registry.put(
        f"/v2/{namespace}/app/manifests/v1",
        content=build_image("never pushed").manifest,
        headers={"Content-Type": MANIFEST_MEDIA_TYPE},
    )
    assert dangling.status_code == 400 and dangling.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"


def test_push_to_an_absent_namespace_is_refused(registry: httpx.Client) -> None:
    response = registry.post(f"/v2/{unique('absent')}/app/blobs/uploads/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def test_delete_manifest_by_digest_removes_its_tags(registry: httpx.Client, namespace: str) -> None:
    image = build_image(unique())
    push_image(registry, f"{namespace}/app", "v1", image)
    assert registry.delete(f"/v2/{namespace}/app/manifests/{image.digest}").status_code == 202
    assert registry.get(f"/v2/{namespace}/app/tags/list").json()["tags"] == []


def test_unauthenticated_registry_calls_are_challenged(reference: ReferenceServer) -> None:
    for path in ("/v2/", "/v2/ns/app/tags/list"):
        response = httpx.get(reference.url + path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Basic realm="swr-reference"'
    wrong = httpx.get(reference.url + "/v2/", auth=("swr-dev", "wrong"))
    assert wrong.status_code == 401
    token = httpx.get(reference.url + "/v2/", headers={"Authorization": f"Bearer {DEV_TOKEN}"})
    assert token.status_code == 200


def test_bearer_challenge_flow() -> None:
    config = ReferenceConfig(profile=load_profile(), registry_challenge="bearer")
    with ReferenceServer(config) as server:
        challenge = httpx.get(server.url + "/v2/").headers["www-authenticate"]
        assert challenge.startswith(f'Bearer realm="{server.url}/v2/token"')
        assert httpx.get(server.url + "/v2/token").status_code == 401
        auth = RegistryAuth(DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD, server.url)
        with httpx.Client(base_url=server.url, auth=auth) as registry:
            httpx.post(
                server.url + "/v2/manage/namespaces", json={"namespace": "ns"}, headers={"X-Auth-Token": DEV_TOKEN}
            )
            image = build_image("bearer")
            assert push_image(registry, "ns/app", "v1", image) == image.digest
            assert registry.get("/v2/ns/app/manifests/v1").status_code == 200
