"""A minimal OCI image (config + one layer) and its push through the OCI distribution API."""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from conformance.at_once import MOST, at_once

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
#: Registries answer 404 for an OCI manifest to a client that does not accept it (distribution does).
MANIFEST_ACCEPT = ", ".join(
    [
        MANIFEST_MEDIA_TYPE,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Image:
    config: bytes
    layer: bytes
    manifest: bytes

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)

    @property
    def blobs(self) -> tuple[bytes, bytes]:
        return self.config, self.layer


def build_image(marker: str) -> Image:
    """A tiny, reproducible image whose single file holds `marker` (distinct markers, distinct digests)."""
    payload = marker.encode()
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        info = tarfile.TarInfo("swr-conformance.txt")
        info.size, info.mtime = len(payload), 0
        tar.addfile(info, io.BytesIO(payload))
    layer = gzip.compress(tar_bytes.getvalue(), mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [digest_of(tar_bytes.getvalue())]},
            "config": {},
        },
        sort_keys=True,
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": digest_of(config), "size": len(config)},
            "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": digest_of(layer), "size": len(layer)}],
        },
        sort_keys=True,
    ).encode()
    return Image(config=config, layer=layer, manifest=manifest)


class Requester(Protocol):
    """What a push sends through: `httpx.Client.request`, or the suite client's bounded, guarded send."""

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response: ...


class PushFailed(Exception):
    def __init__(self, step: str, response: httpx.Response) -> None:
        try:
            said = response.text[:200].strip()  # the registry's reason, where it gives one
        except httpx.ResponseNotRead:
            said = ""
        answer = f"{response.status_code} {said}".strip()
        super().__init__(f"{step}: {response.request.method} {response.request.url} answered {answer}")
        self.response = response


def _expect(response: httpx.Response, step: str, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        raise PushFailed(step, response)
    return response


def _expect_digest(response: httpx.Response, step: str, digest: str) -> None:
    given = response.headers.get("docker-content-digest")
    if given is not None and given != digest:
        raise PushFailed(f"{step}: Docker-Content-Digest {given} is not {digest}", response)


def _location(response: httpx.Response) -> httpx.URL:
    """The upload's Location, relative or absolute, its query (`_state=...`) kept."""
    location = response.headers.get("location")
    if not location:
        raise PushFailed("the upload answer carries no Location", response)
    return response.request.url.join(location)


def push_blob(
    client: Requester,
    name: str,
    data: bytes,
    chunk_size: int | None = None,
    mount_from: str | None = None,
) -> None:
    """Upload a blob as the OCI distribution spec says: a cross-repository mount from `mount_from` when
    offered; in chunks: POST, PATCHes with Content-Range following each new Location, the closing PUT
    with the digest added to the Location's query; else in one POST carrying the blob and its digest,
    and where the registry does not take that (202, or a refusal), POST then one PUT. No existence check
    first: the suite's blobs are new, and uploading one again is allowed (it saves a round trip)."""
    digest = digest_of(data)
    uploads, octets = f"/v2/{name}/blobs/uploads/", {"Content-Type": "application/octet-stream"}
    if mount_from:
        started = client.request("POST", uploads, params={"mount": digest, "from": mount_from})
    elif chunk_size:
        started = client.request("POST", uploads)
    else:
        started = client.request("POST", uploads, params={"digest": digest}, content=data, headers=octets)
        if started.status_code not in (201, 202):
            started = client.request("POST", uploads)
    if _expect(started, "start upload", 201, 202).status_code == 201:  # mounted, or uploaded in one request
        _expect_digest(started, "start upload", digest)
        return
    location = _location(started)
    body = data
    if chunk_size:
        for offset in range(0, len(data), chunk_size):
            chunk = data[offset : offset + chunk_size]
            headers = octets | {"Content-Range": f"{offset}-{offset + len(chunk) - 1}"}
            patched = _expect(client.request("PATCH", location, content=chunk, headers=headers), "upload chunk", 202)
            location = _location(patched)
        body = b""
    finished = client.request("PUT", location.copy_merge_params({"digest": digest}), content=body, headers=octets)
    _expect_digest(_expect(finished, "finish upload", 201), "finish upload", digest)


def push_image(
    client: Requester,
    name: str,
    tag: str,
    image: Image,
    chunk_size: int | None = None,
    mount_from: str | None = None,
    most: int = MOST,
) -> str:
    """Push `image` as `name:tag` (`name` = `namespace/repository`); returns the manifest digest. The
    config and the layer upload at the same time (`most` > 1), the manifest after both."""
    uploads = (functools.partial(push_blob, client, name, blob, chunk_size, mount_from) for blob in image.blobs)
    at_once(*uploads, most=most)
    response = client.request(
        "PUT", f"/v2/{name}/manifests/{tag}", content=image.manifest, headers={"Content-Type": MANIFEST_MEDIA_TYPE}
    )
    _expect_digest(_expect(response, "put manifest", 201), "put manifest", image.digest)
    return image.digest
