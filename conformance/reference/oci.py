"""The OCI distribution subset an image push and pull needs (`/v2/<namespace>/<repository>/...`).

The first path segment is the SWR namespace, the rest the repository (which may hold `/`).
A push creates the repository when the namespace exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response

from conformance.contract import names
from conformance.reference import responses as r
from conformance.reference.limits import MANIFEST_MAX, read_limited
from conformance.reference.state import State

_UPLOADS = re.compile(r"^/v2/(?P<name>.+)/blobs/uploads/(?P<upload>[^/]*)$")
_BLOB = re.compile(r"^/v2/(?P<name>.+)/blobs/(?P<digest>sha256:[a-f0-9]{64})$")
_MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)$")
_TAGS = re.compile(r"^/v2/(?P<name>.+)/tags/list$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def _challenge(request: Request, state: State) -> dict[str, str]:
    if state.config.registry_challenge == "bearer":
        realm = f"{request.base_url}v2/token".replace("//v2", "/v2")
        return {"WWW-Authenticate": f'Bearer realm="{realm}",service="swr-reference"'}
    return {"WWW-Authenticate": 'Basic realm="swr-reference"'}


def _unauthorized(request: Request, state: State) -> Response:
    return r.oci_error(401, "UNAUTHORIZED", "authentication required", _challenge(request, state))


async def version_check(request: Request) -> Response:
    state: State = request.app.state.reference
    if not state.auth.registry_allows(request):
        return _unauthorized(request, state)
    return r.json_ok({})


async def token(request: Request) -> Response:
    """The Bearer token service named by the `bearer` challenge."""
    state: State = request.app.state.reference
    issued = state.auth.issue_token(request)
    if issued is None:
        return r.oci_error(401, "UNAUTHORIZED", "valid Basic credentials required", _challenge(request, state))
    return r.json_ok({"token": issued, "access_token": issued, "expires_in": 3600})


class Op(NamedTuple):
    """One OCI request, its path split into SWR namespace, repository and route parameters."""

    request: Request
    state: State
    namespace: str
    repository: str
    parts: dict[str, str]


Handler = Callable[[Op], Awaitable[Response]]


async def dispatch(request: Request) -> Response:
    state: State = request.app.state.reference
    if not state.auth.registry_allows(request):
        return _unauthorized(request, state)
    if state.fault_requested(request):
        return r.oci_error(500, "UNKNOWN", "internal error (injected fault)")
    for pattern, handlers in _ROUTES:
        match = pattern.match(request.url.path)
        if match is None:
            continue
        handler = handlers.get(request.method)
        if handler is None:
            return r.oci_error(405, "UNSUPPORTED", "method not allowed", {"Allow": ", ".join(sorted(handlers))})
        parts = match.groupdict()
        namespace, _, repository = parts.pop("name").partition("/")
        if not names.is_valid(namespace, names.NameKind.NAMESPACE) or not names.is_valid(
            repository, names.NameKind.REPOSITORY
        ):
            return r.oci_error(400, "NAME_INVALID", "invalid repository name")
        return await handler(Op(request, state, namespace, repository, parts))
    return r.oci_error(404, "NOT_FOUND", f"no such endpoint: {request.url.path}")


def _location(namespace: str, repository: str, rest: str) -> str:
    return f"/v2/{namespace}/{repository}/{rest}"


def _digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _no_namespace(namespace: str) -> Response:
    return r.oci_error(404, "NAME_UNKNOWN", f"namespace {namespace} does not exist")


async def start_upload(op: Op) -> Response:
    request, state, namespace, repository, parts = op
    if parts["upload"]:
        return r.oci_error(405, "UNSUPPORTED", "POST starts a new upload at .../blobs/uploads/")
    if not state.store.ensure_repository(namespace, repository):
        return _no_namespace(namespace)
    upload_id = state.store.start_upload(namespace, repository)
    if upload_id is None:  # deleted in between
        return r.oci_error(404, "NAME_UNKNOWN", "repository unknown")
    digest = request.query_params.get("digest")
    if digest is not None:  # monolithic upload in one POST
        return await _finish(op, upload_id, digest)
    return _upload_progress(namespace, repository, upload_id, 0)


def _upload_progress(namespace: str, repository: str, upload_id: str, size: int, status: int = 202) -> Response:
    headers = {
        "Location": _location(namespace, repository, f"blobs/uploads/{upload_id}"),
        "Range": f"0-{max(size - 1, 0)}",
        "Docker-Upload-UUID": upload_id,
    }
    return Response(status_code=status, headers=headers)


async def _append(op: Op, upload_id: str) -> int | None:
    """Stream the request body onto the upload's file and its running hash (never whole in memory)."""
    state = op.state
    size = state.store.upload_size(op.namespace, op.repository, upload_id)
    if size is None:
        return None
    hashed, hasher = state.hashing.pop(upload_id, (0, hashlib.sha256()))
    running = hashed == size  # else it started before a restart: hashed from the file at the end
    with state.store.upload_path(upload_id).open("ab") as file:
        before = size
        try:
            async for chunk in op.request.stream():
                await asyncio.to_thread(file.write, chunk)
                if running:
                    hasher.update(chunk)
                size += len(chunk)
        except ClientDisconnect:  # gone mid-body: the upload stays as it was, to be resumed from its Range
            file.truncate(before)
            raise
    if not state.store.uploaded(upload_id, size):
        return None
    if running:
        state.hashing[upload_id] = (size, hasher)
    return size


async def _finish(op: Op, upload_id: str, digest: str) -> Response:
    state, namespace, repository = op.state, op.namespace, op.repository
    if await _append(op, upload_id) is None:
        return _upload_unknown()
    size, hasher = state.hashing.pop(upload_id, (-1, None))
    try:
        if hasher is not None and size == state.store.upload_size(namespace, repository, upload_id):
            received = "sha256:" + hasher.hexdigest()
        else:
            received = await asyncio.to_thread(_file_digest, state.store.upload_path(upload_id))
    except FileNotFoundError:  # its repository was deleted meanwhile
        return _upload_unknown()
    if not _DIGEST.match(digest) or received != digest:
        state.store.cancel_upload(namespace, repository, upload_id)
        return r.oci_error(400, "DIGEST_INVALID", "content does not match the given sha256 digest")
    if not state.store.commit_upload(namespace, repository, upload_id, digest):
        return _upload_unknown()
    headers = {"Location": _location(namespace, repository, f"blobs/{digest}"), "Docker-Content-Digest": digest}
    return Response(status_code=201, headers=headers)


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return "sha256:" + hashlib.file_digest(file, "sha256").hexdigest()


def _upload_unknown() -> Response:
    return r.oci_error(404, "BLOB_UPLOAD_UNKNOWN", "no such upload")


async def patch_upload(op: Op) -> Response:
    size = await _append(op, op.parts["upload"])
    if size is None:
        return _upload_unknown()
    return _upload_progress(op.namespace, op.repository, op.parts["upload"], size)


async def finish_upload(op: Op) -> Response:
    digest = op.request.query_params.get("digest")
    if digest is None:
        return r.oci_error(400, "DIGEST_INVALID", "the closing PUT needs ?digest=")
    return await _finish(op, op.parts["upload"], digest)


async def upload_status(op: Op) -> Response:
    state, namespace, repository, parts = op.state, op.namespace, op.repository, op.parts
    size = state.store.upload_size(namespace, repository, parts["upload"])
    if size is None:
        return _upload_unknown()
    return _upload_progress(namespace, repository, parts["upload"], size, status=204)


async def cancel_upload(op: Op) -> Response:
    op.state.hashing.pop(op.parts["upload"], None)
    if not op.state.store.cancel_upload(op.namespace, op.repository, op.parts["upload"]):
        return _upload_unknown()
    return Response(status_code=204)


async def get_blob(op: Op) -> Response:
    request, state, namespace, repository, parts = op
    size = state.store.blob_size(namespace, repository, parts["digest"])
    if size is None:
        return r.oci_error(404, "BLOB_UNKNOWN", "blob unknown to registry")
    headers = {"Docker-Content-Digest": parts["digest"], "Content-Length": str(size)}
    if request.method == "HEAD":
        return Response(headers=headers, media_type="application/octet-stream")
    return FileResponse(state.store.blob_path(parts["digest"]), headers=headers, media_type="application/octet-stream")


def _references(manifest: object) -> tuple[list[str], list[str]] | None:
    """(blob digests, child manifest digests) a manifest or index refers to; None when malformed."""
    if not isinstance(manifest, dict):
        return None
    config, layers, children = manifest.get("config"), manifest.get("layers", []), manifest.get("manifests", [])
    if not isinstance(layers, list) or not isinstance(children, list):
        return None
    blobs = _digests(([config] if config is not None else []) + layers)
    child_digests = _digests(children)
    return None if blobs is None or child_digests is None else (blobs, child_digests)


def _digests(descriptors: list[object]) -> list[str] | None:
    """The digest of each descriptor; None when one is not a descriptor with a sha256 digest."""
    digests = [d.get("digest") if isinstance(d, dict) else None for d in descriptors]
    valid = [d for d in digests if isinstance(d, str) and _DIGEST.match(d)]
    return valid if len(valid) == len(digests) else None


async def put_manifest(op: Op) -> Response:
    request, state, namespace, repository, parts = op
    reference, data = parts["reference"], await read_limited(request, MANIFEST_MAX)
    if data is None:
        return r.oci_error(413, "SIZE_INVALID", f"a manifest is at most {MANIFEST_MAX} bytes")
    digest = _digest_of(data)
    is_digest = reference.startswith("sha256:")
    if (is_digest and reference != digest) or (not is_digest and not _TAG.match(reference)):
        return r.oci_error(400, "MANIFEST_INVALID", "reference is neither a valid tag nor the manifest's digest")
    try:
        references = _references(json.loads(data))
    except (ValueError, RecursionError):
        return r.oci_error(400, "MANIFEST_INVALID", "manifest is not JSON")
    if references is None:
        return r.oci_error(400, "MANIFEST_INVALID", "manifest descriptors need a sha256 digest each")
    blobs, children = references
    missing = state.store.missing_blobs(namespace, repository, blobs)
    missing += [c for c in children if state.store.manifest(namespace, repository, c) is None]
    if missing:
        return r.oci_error(400, "MANIFEST_BLOB_UNKNOWN", f"manifest references unknown content: {missing}")
    if not state.store.ensure_repository(namespace, repository):
        return _no_namespace(namespace)
    media_type = request.headers.get("content-type", "application/vnd.oci.image.manifest.v1+json")
    state.store.put_manifest(namespace, repository, None if is_digest else reference, digest, media_type, data)
    headers = {"Location": _location(namespace, repository, f"manifests/{digest}"), "Docker-Content-Digest": digest}
    return Response(status_code=201, headers=headers)


async def get_manifest(op: Op) -> Response:
    request, state, namespace, repository, parts = op
    found = state.store.manifest(namespace, repository, parts["reference"])
    if found is None:
        return r.oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown")
    data = bytes(found["data"])
    headers = {"Docker-Content-Digest": found["digest"], "Content-Length": str(len(data))}
    body = b"" if request.method == "HEAD" else data
    return Response(body, headers=headers, media_type=found["media_type"])


async def delete_manifest(op: Op) -> Response:
    state, namespace, repository, parts = op.state, op.namespace, op.repository, op.parts
    reference = parts["reference"]
    if reference.startswith("sha256:"):
        deleted = state.store.delete_manifest(namespace, repository, reference)
    else:
        deleted = state.store.delete_tag(namespace, repository, reference)
    if not deleted:
        return r.oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown")
    return Response(status_code=202)


async def list_tags(op: Op) -> Response:
    state, namespace, repository = op.state, op.namespace, op.repository
    if state.store.repository(namespace, repository) is None:
        return r.oci_error(404, "NAME_UNKNOWN", "repository unknown")
    return r.json_ok({"name": f"{namespace}/{repository}", "tags": state.store.tag_names(namespace, repository)})


_ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (
        _UPLOADS,
        {
            "POST": start_upload,
            "PATCH": patch_upload,
            "PUT": finish_upload,
            "GET": upload_status,
            "DELETE": cancel_upload,
        },
    ),
    (_BLOB, {"GET": get_blob, "HEAD": get_blob}),
    (_MANIFEST, {"PUT": put_manifest, "GET": get_manifest, "HEAD": get_manifest, "DELETE": delete_manifest}),
    (_TAGS, {"GET": list_tags}),
]
