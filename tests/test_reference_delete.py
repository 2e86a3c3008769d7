"""The reference registry answers DELETE .../repos/{repository} per the seed profile, on a real socket."""

from __future__ import annotations

import httpx
import pytest

from conformance.contract.error_body import ErrorInfo, parse_error_body
from conformance.contract.faults import FAULT_HEADER
from conformance.provisioning.image import build_image, push_image
from tests.conftest import create_repository, repo_path, unique


def _error(response: httpx.Response) -> ErrorInfo:
    info = parse_error_body(response.headers.get("content-type"), response.content)
    assert isinstance(info, ErrorInfo), info
    return info


def test_empty_repository_is_deleted_and_only_it(manage: httpx.Client, namespace: str) -> None:
    for repo in ("app", "app-2", "app/sub"):
        create_repository(manage, namespace, repo)
    response = manage.delete(repo_path(namespace, "app"))
    assert response.status_code == 204 and response.content == b""
    assert manage.get(repo_path(namespace, "app")).status_code == 404
    assert manage.delete(repo_path(namespace, "app")).status_code == 404
    assert manage.get(f"/v2/manage/namespaces/{namespace}").status_code == 200
    for sibling in ("app-2", "app/sub"):
        assert manage.get(repo_path(namespace, sibling)).status_code == 200


@pytest.mark.parametrize("encoded", ["group$app", "group%24app", "group%2Fapp"])
def test_nested_name_in_every_encoding(manage: httpx.Client, namespace: str, encoded: str) -> None:
    create_repository(manage, namespace, "group/app")
    url = httpx.URL(manage.base_url.join(f"/v2/manage/namespaces/{namespace}/repos/x"))
    raw = url.copy_with(raw_path=f"/v2/manage/namespaces/{namespace}/repos/{encoded}".encode())
    assert manage.delete(raw).status_code == 204
    assert manage.get(repo_path(namespace, "group/app")).status_code == 404


def test_raw_slash_is_another_url(manage: httpx.Client, namespace: str) -> None:
    create_repository(manage, namespace, "group/app")
    response = manage.delete(f"/v2/manage/namespaces/{namespace}/repos/group/app")
    assert response.status_code == 404 and _error(response).code == "APIGW.0101"
    assert manage.get(repo_path(namespace, "group/app")).status_code == 200


def test_absent_repository_and_namespace_are_404(manage: httpx.Client, namespace: str) -> None:
    absent_repo = manage.delete(repo_path(namespace, "nothing-here"))
    assert absent_repo.status_code == 404 and _error(absent_repo).code == "SVCSTG.SWR.4040009"
    absent_ns = manage.delete(repo_path(unique("absent"), "app"))
    assert absent_ns.status_code == 404 and _error(absent_ns).code == "SVCSTG.SWR.4040058"


@pytest.mark.parametrize(
    ("ns", "repo"),
    [("a" * 64, "x"), ("n", "r" * 128), ("a__b", "c__d"), ("n", "a/b/c")],
)
def test_valid_names_at_the_limits_are_404_not_400(manage: httpx.Client, ns: str, repo: str) -> None:
    assert manage.delete(repo_path(ns, repo)).status_code == 404


@pytest.mark.parametrize(
    ("ns", "repo"),
    [
        ("App", "app"),
        ("a" * 65, "app"),
        ("ns", "r" * 129),
        ("ns", "App"),
        ("ns", "a___b"),
        ("ns", "a..b"),
        ("ns", "-app"),
        ("ns", "app."),
        ("ns", "a@b"),
        ("1ns", "app"),
    ],
)
def test_invalid_names_are_400_with_error_information(manage: httpx.Client, ns: str, repo: str) -> None:
    response = manage.delete(repo_path(ns, repo))
    assert response.status_code == 400
    assert _error(response).code in {"SVCSTG.SWR.4001028", "SVCSTG.SWR.4001029"}


def test_invalid_twin_does_not_touch_the_valid_one(manage: httpx.Client, namespace: str) -> None:
    create_repository(manage, namespace, "app")
    assert manage.delete(repo_path(namespace, "App")).status_code == 400
    assert manage.get(repo_path(namespace, "app")).status_code == 200


def test_repository_with_images_is_406_and_keeps_them(
    manage: httpx.Client, registry: httpx.Client, namespace: str
) -> None:
    digest = push_image(registry, f"{namespace}/app", "v1", build_image(unique()))
    response = manage.delete(repo_path(namespace, "app"))
    assert response.status_code == 406 and _error(response).code == "SVCSTG.SWR.4060012"
    assert [t["Tag"] for t in manage.get(repo_path(namespace, "app") + "/tags").json()] == ["v1"]
    assert registry.get(f"/v2/{namespace}/app/manifests/{digest}").status_code == 200
    assert manage.delete(repo_path(namespace, "app") + "/tags/v1").status_code == 204
    assert manage.delete(repo_path(namespace, "app")).status_code == 204


def test_injected_fault_is_500_with_error_information_and_touches_nothing(manage: httpx.Client, namespace: str) -> None:
    create_repository(manage, namespace, "app")
    response = manage.delete(repo_path(namespace, "app"), headers={FAULT_HEADER: "1"})
    assert response.status_code == 500 and _error(response).code == "SVCSTG.SWR.5000005"
    assert manage.get(repo_path(namespace, "app")).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "wrong"}])
def test_unauthenticated_delete_is_401_and_deletes_nothing(
    manage: httpx.Client, namespace: str, headers: dict[str, str]
) -> None:
    create_repository(manage, namespace, "app")
    with httpx.Client(base_url=manage.base_url, headers=headers) as anonymous:
        response = anonymous.delete(repo_path(namespace, "app"))
    assert response.status_code == 401 and _error(response).code == "SVCSTG.SWR.4010000"
    assert "SDK-HMAC-SHA256" in response.headers["www-authenticate"]
    assert manage.get(repo_path(namespace, "app")).status_code == 200


def test_every_response_carries_a_request_id(manage: httpx.Client, namespace: str) -> None:
    create_repository(manage, namespace, "app")
    responses = [
        manage.delete(repo_path(namespace, "app")),
        manage.delete(repo_path(namespace, "app")),
        manage.delete(repo_path(namespace, "App")),
        manage.get("/v2/manage/no/such/route/at/all"),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)
