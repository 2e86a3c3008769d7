"""Every bad request to the reference registry gets a 4xx with the error body of its API, never a 500:
deep JSON, malformed manifests, non-ASCII and truncated credentials, body hashes that lie, odd paths."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from conformance.contract.error_body import ErrorInfo, parse_error_body
from conformance.contract.signing import SdkHmacAuth
from conformance.provisioning.image import build_image, digest_of, push_blob
from conformance.reference.config import DEV_AK, DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME, DEV_SK, DEV_TOKEN
from conformance.reference.server import ReferenceServer
from tests.conftest import unique

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


def _swr_4xx(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    found = parse_error_body(response.headers.get("content-type"), response.content)
    assert isinstance(found, ErrorInfo), found


def _oci_4xx(response: httpx.Response, code: str | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    errors = response.json()["errors"]
    assert errors and all({"code", "message"} <= set(e) for e in errors)
    assert code is None or errors[0]["code"] == code, errors


@pytest.fixture
def pushed(registry: httpx.Client, namespace: str) -> Iterator[str]:
    """A repository whose blobs exist, so that a manifest PUT reaches manifest validation."""
    image = build_image(unique())
    name = f"{namespace}/app"
    push_blob(registry, name, image.config)
    push_blob(registry, name, image.layer)
    yield name


@pytest.mark.parametrize(
    "manifest",
    [b'{"layers":5}', b'{"config":{}}', b'{"manifests":7}', b'{"config":{"digest":5}}', b'{"layers":[{"digest":1}]}',
     b"[]", b'"text"', DEEP],
    ids=["layers-number", "config-without-digest", "manifests-number", "digest-number", "layer-digest-number",
         "array", "string", "deeply-nested"],
)  # fmt: skip
def test_malformed_manifests_are_manifest_invalid(registry: httpx.Client, pushed: str, manifest: bytes) -> None:
    response = registry.put(
        f"/v2/{pushed}/manifests/v1", content=manifest, headers={"Content-Type": "application/json"}
    )
    _oci_4xx(response, "MANIFEST_INVALID")


def test_deeply_nested_json_on_the_manage_api(manage: httpx.Client, namespace: str) -> None:
    _swr_4xx(manage.post("/v2/manage/namespaces", content=DEEP, headers={"Content-Type": "application/json"}))
    path = f"/v2/manage/namespaces/{namespace}/repos"
    _swr_4xx(manage.post(path, content=DEEP, headers={"Content-Type": "application/json"}))


@pytest.mark.parametrize(
    "authorization",
    [f"SDK-HMAC-SHA256 Access={DEV_AK}, SignedHeaders=host;x-sdk-date, Signature=\u00e9\u00e9",
     "SDK-HMAC-SHA256 Access=", "SDK-HMAC-SHA256", "SDK-HMAC-SHA256 Access=A, SignedHeaders=, Signature=",
     "Basic \u00e9", "Basic", "Bearer", "Bearer \u00e9\u00e9"],
    ids=["non-ascii-signature", "truncated-access", "scheme-only", "empty-fields", "basic-non-ascii", "basic-only",
         "bearer-only", "bearer-non-ascii"],
)  # fmt: skip
def test_bad_credentials_are_401_on_both_apis(reference: ReferenceServer, authorization: str) -> None:
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")  # in the skew window: the signature itself is read
    headers = {"Authorization": authorization.encode("latin-1"), "X-Sdk-Date": now}
    with httpx.Client(base_url=reference.url) as client:
        manage = client.delete("/v2/manage/namespaces/ns/repos/app", headers=headers)
        assert manage.status_code == 401
        _swr_4xx(manage)
        oci = client.get("/v2/ns/app/tags/list", headers=headers)
        assert oci.status_code == 401
        _oci_4xx(oci, "UNAUTHORIZED")


def test_a_declared_body_hash_must_match_the_body(reference: ReferenceServer) -> None:
    class LyingHash(SdkHmacAuth):
        def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
            request.headers["X-Sdk-Content-Sha256"] = digest_of(b"another body").removeprefix("sha256:")
            yield from super().auth_flow(request)

    with httpx.Client(base_url=reference.url, auth=LyingHash(DEV_AK, DEV_SK)) as client:
        response = client.post("/v2/manage/namespaces", json={"namespace": unique("lie")})
    assert response.status_code == 401 and "does not match the body" in response.text


def _raw(reference: ReferenceServer, request_line: str, credential: bytes) -> tuple[int, bytes]:
    """One request sent as raw bytes (paths httpx would refuse or normalise)."""
    host, port = reference.url.removeprefix("http://").split(":")
    head = f"{request_line}\r\nHost: x\r\nConnection: close\r\n".encode() + credential + b"\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, body = data.partition(b"\r\n\r\n")
    return int(status_line.split(b" ")[1]), body


@pytest.mark.parametrize(
    "path",
    ["/v2/manage/namespaces/ns/repos/a%00b", "/v2/manage/namespaces/n%00s/repos/app",
     "/v2/manage/namespaces/ns/repos/a%2F..%2F..%2Fx", "/v2/manage/namespaces/../repos/app",
     "/v2/manage/namespaces/ns/repos/" + "a" * 10_000, "/v2/manage/namespaces/" + "n" * 10_000 + "/repos/app",
     "/v2/manage/namespaces/ns/repos/a%0D%0AX-Injected:%201", "/v2/manage/namespaces/ns/repos/%E4%BB%93%E5%BA%93",
     "/v2/manage/namespaces/ns/repos/%ff%fe", "/v2/manage/namespaces/ns/repos/%"],
    ids=["nul-repository", "nul-namespace", "encoded-traversal", "dot-dot", "10k-repository", "10k-namespace",
         "crlf", "unicode", "invalid-utf8", "lone-percent"],
)  # fmt: skip
def test_malformed_manage_paths_are_4xx_with_an_swr_body(reference: ReferenceServer, path: str) -> None:
    status, body = _raw(reference, f"DELETE {path} HTTP/1.1", b"X-Auth-Token: " + DEV_TOKEN.encode())
    assert 400 <= status < 500, (status, body[:200])
    assert isinstance(parse_error_body("application/json", body), ErrorInfo), body[:200]


@pytest.mark.parametrize(
    "path",
    ["/v2/ns/a%00b/tags/list", "/v2/ns/" + "a" * 10_000 + "/tags/list", "/v2/ns/%E4%BB%93/tags/list",
     "/v2/ns/app/manifests/%00", "/v2/ns/app/blobs/sha256:zz", "/v2/ns/../app/tags/list", "/v2/ns/%ff/tags/list"],
    ids=["nul", "10k", "unicode", "nul-reference", "bad-digest", "dot-dot", "invalid-utf8"],
)  # fmt: skip
def test_malformed_registry_paths_are_4xx_with_an_oci_body(reference: ReferenceServer, path: str) -> None:
    basic = base64.b64encode(f"{DEV_REGISTRY_USERNAME}:{DEV_REGISTRY_PASSWORD}".encode())
    status, body = _raw(reference, f"GET {path} HTTP/1.1", b"Authorization: Basic " + basic)
    assert 400 <= status < 500, (status, body[:200])
    assert json.loads(body)["errors"], body[:200]
