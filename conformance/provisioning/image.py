"""A minimal OCI image (config + one layer) and its push through the OCI distribution API."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

import httpx

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


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


def push_blob(client: httpx.Client, name: str, data: bytes, chunk_size: int | None = None) -> None:
    """Upload a blob: POST then one PUT, or POST, PATCH per chunk, then PUT when `chunk_size` is set."""
    digest = digest_of(data)
    if client.head(f"/v2/{name}/blobs/{digest}").status_code == 200:
        return
    started = client.post(f"/v2/{name}/blobs/uploads/")
    started.raise_for_status()
    location = started.headers["location"]
    body = data
    if chunk_size:
        for offset in range(0, len(data), chunk_size):
            chunk = data[offset : offset + chunk_size]
            headers = {
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
            }
            patched = client.patch(location, content=chunk, headers=headers)
            patched.raise_for_status()
            location = patched.headers["location"]
        body = b""
    finished = client.put(
        location, params={"digest": digest}, content=body, headers={"Content-Type": "application/octet-stream"}
    )
    finished.raise_for_status()


def push_image(client: httpx.Client, name: str, tag: str, image: Image, chunk_size: int | None = None) -> str:
    """Push `image` as `name:tag` (`name` = `namespace/repository`); returns the manifest digest."""
    push_blob(client, name, image.config, chunk_size)
    push_blob(client, name, image.layer, chunk_size)
    response = client.put(
        f"/v2/{name}/manifests/{tag}", content=image.manifest, headers={"Content-Type": MANIFEST_MEDIA_TYPE}
    )
    response.raise_for_status()
    return image.digest
