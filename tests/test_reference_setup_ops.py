"""The setup operations the suite builds state with: namespaces, repositories, tags."""

from __future__ import annotations

import httpx

from conformance.provisioning.image import build_image, push_image
from tests.conftest import create_repository, repo_path, unique


def test_namespace_lifecycle(manage: httpx.Client) -> None:
    name = unique("ns")
    assert manage.post("/v2/manage/namespaces", json={"namespace": name}).status_code == 201
    assert manage.post("/v2/manage/namespaces", json={"namespace": name}).status_code == 409
    shown = manage.get(f"/v2/manage/namespaces/{name}")
    assert shown.status_code == 200 and shown.json()["name"] == name
    assert name in [n["name"] for n in manage.get("/v2/manage/namespaces").json()["namespaces"]]
    create_repository(manage, name, "app")
    assert manage.delete(f"/v2/manage/namespaces/{name}").status_code == 406
    assert manage.delete(repo_path(name, "app")).status_code == 204
    assert manage.delete(f"/v2/manage/namespaces/{name}").status_code == 204
    assert manage.get(f"/v2/manage/namespaces/{name}").status_code == 404


def test_create_namespace_rejects_bad_bodies_and_names(manage: httpx.Client) -> None:
    assert manage.post("/v2/manage/namespaces", json={"name": "x"}).status_code == 400
    assert manage.post("/v2/manage/namespaces", content=b"not json").status_code == 400
    assert manage.post("/v2/manage/namespaces", json={"namespace": "Bad"}).status_code == 400


def test_repository_lifecycle(manage: httpx.Client, namespace: str) -> None:
    body = {"repository": "group/app", "is_public": True, "category": "linux", "description": "d"}
    assert manage.post(f"/v2/manage/namespaces/{namespace}/repos", json=body).status_code == 201
    assert manage.post(f"/v2/manage/namespaces/{namespace}/repos", json=body).status_code == 409
    shown = manage.get(repo_path(namespace, "group/app")).json()
    assert shown["name"] == "group/app" and shown["is_public"] is True and shown["num_images"] == 0
    absent_ns = manage.post(f"/v2/manage/namespaces/{unique('none')}/repos", json=body)
    assert absent_ns.status_code == 404
    no_flag = manage.post(f"/v2/manage/namespaces/{namespace}/repos", json={"repository": "x"})
    assert no_flag.status_code == 400


def test_tags_and_deleting_the_last_one_empties_the_repository(
    manage: httpx.Client, registry: httpx.Client, namespace: str
) -> None:
    image = build_image(unique())
    push_image(registry, f"{namespace}/app", "v1", image)
    push_image(registry, f"{namespace}/app", "v2", image)
    tags = manage.get(repo_path(namespace, "app") + "/tags")
    assert tags.status_code == 200
    assert [(t["Tag"], t["digest"]) for t in tags.json()] == [("v1", image.digest), ("v2", image.digest)]
    assert manage.get(repo_path(namespace, "app")).json()["num_images"] == 2
    assert manage.delete(repo_path(namespace, "app") + "/tags/v1").status_code == 204
    assert manage.delete(repo_path(namespace, "app")).status_code == 406  # v2 still holds the image
    assert manage.delete(repo_path(namespace, "app") + "/tags/v2").status_code == 204
    assert manage.delete(repo_path(namespace, "app") + "/tags/v2").status_code == 404
    assert manage.get(repo_path(namespace, "app")).json()["num_images"] == 0
    assert manage.delete(repo_path(namespace, "app")).status_code == 204


def test_unknown_route_and_method(manage: httpx.Client, namespace: str) -> None:
    assert manage.get("/v2/manage/whatever").status_code == 404
    unroutable = manage.get(f"/v2/manage/namespaces/{namespace}%0Ax")  # no route matches a decoded newline
    assert unroutable.status_code == 404 and unroutable.json()["error_code"] == "APIGW.0101"
    response = manage.put(f"/v2/manage/namespaces/{namespace}")
    assert response.status_code == 405 and set(response.headers["allow"].split(", ")) == {"GET", "DELETE"}
