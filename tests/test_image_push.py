"""How the suite pushes an image: as few round trips as the registry allows, and whatever it allows."""

from __future__ import annotations

import threading

import httpx
import pytest

from conformance.provisioning.image import build_image, digest_of, push_image
from tests.conftest import unique


class Recording:
    """A `Requester` that records each request (method and path, query names) and sends it on."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def request(self, method: str, url: httpx.URL | str, **kwargs: object) -> httpx.Response:
        request = self.client.build_request(method, url, **kwargs)  # type: ignore[arg-type]
        with self._lock:
            self.sent.append(f"{method} {_shape(request.url)}")
        return self.client.send(request)


def _shape(url: httpx.URL) -> str:
    """`uploads/`, `uploads/ID` or `manifests`, with the query's names."""
    path = url.path
    kind = "manifests" if "/manifests/" in path else "uploads/" if path.endswith("/uploads/") else "uploads/ID"
    query = ",".join(sorted(url.params.keys()))
    return kind + (f"?{query}" if query else "")


def test_a_registry_that_takes_a_single_post_gets_two_round_trips(registry: httpx.Client, namespace: str) -> None:
    """The reference registry takes a blob in one POST: the push is two POSTs at once, then the manifest."""
    image = build_image(unique())
    recording = Recording(registry)
    assert push_image(recording, f"{namespace}/app", "v1", image) == image.digest
    assert sorted(recording.sent) == ["POST uploads/?digest", "POST uploads/?digest", "PUT manifests"]
    assert recording.sent[-1] == "PUT manifests"


@pytest.mark.parametrize("answer", [202, 400, 405])
def test_a_registry_without_single_post_gets_post_then_put(answer: int) -> None:
    """A registry that answers the single POST with 202 (as CNCF distribution does) or refuses it: the
    plain POST-PUT follows, and the blob lands exactly once. The two blobs upload at the same time."""
    blobs: dict[str, bytes] = {}
    together = threading.Barrier(2, timeout=5)  # broken (and the push failed) if the blobs went one by one

    def registry(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if "digest" in params and request.method == "POST":
            together.wait()
        if request.method == "POST" and ("digest" not in params or answer == 202):
            return httpx.Response(202, headers={"Location": path + "session?_state=s"})
        if request.method == "POST":
            return httpx.Response(answer)
        if request.method == "PUT" and path.endswith("/uploads/session"):
            blobs[params["digest"]] = request.content
            return httpx.Response(201, headers={"Docker-Content-Digest": params["digest"]})
        return httpx.Response(201 if request.method == "PUT" and "/manifests/" in path else 500)

    image = build_image("fallback")
    with httpx.Client(base_url="http://registry.test", transport=httpx.MockTransport(registry)) as client:
        recording = Recording(client)
        assert push_image(recording, "ns/app", "v1", image) == image.digest
    assert blobs == {digest_of(blob): blob for blob in image.blobs}
    refused = ["POST uploads/"] if answer != 202 else []  # the plain POST after a refused single one
    per_blob = ["POST uploads/?digest", *refused, "PUT uploads/ID?_state,digest"]
    assert sorted(recording.sent[:-1]) == sorted(per_blob * 2)
    assert recording.sent[-1] == "PUT manifests"
