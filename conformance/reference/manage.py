"""The SWR manage API (`/v2/manage/...`): the operation under test and the setup operations.

Routing works on the raw path, one percent-decoded segment at a time, so that a repository sent
as `group$app`, `group%24app` or `group%2Fapp` is the same repository, while a raw `/` is a
different URL (as on the real gateway).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from conformance.contract import names, signing
from conformance.reference import deviations
from conformance.reference import responses as r
from conformance.reference.limits import MANAGE_BODY_MAX, read_limited
from conformance.reference.state import State
from conformance.reference.store import Outcome

PREFIX = "/v2/manage/"
NOT_EMPTY_MESSAGE = "Failed to delete the image repository because there are images in it"


@dataclass(frozen=True, slots=True)
class Call:
    state: State
    request: Request
    params: list[str]  # decoded path parameters, in path order
    body: bytes


Handler = Callable[[Call], Awaitable[Response]]
_ROUTES: list[tuple[str, tuple[str | None, ...], Handler]] = []


def route(method: str, *shape: str | None) -> Callable[[Handler], Handler]:
    """Register a handler for a path shape; `None` marks a path parameter."""

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, shape, handler))
        return handler

    return register


async def dispatch(request: Request) -> Response:
    state: State = request.app.state.reference
    raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    segments = [unquote(s) for s in raw_path[len(PREFIX) :].split("/")]
    matches = [(m, shape, h) for m, shape, h in _ROUTES if _fits(shape, segments)]
    if not matches:
        return r.swr_error_response(404, r.ROUTE_NOT_FOUND, f"no such operation: {request.url.path}")
    chosen = next(((shape, h) for m, shape, h in matches if m == request.method), None)
    if chosen is None:
        allowed = ", ".join(sorted({m for m, _, _ in matches}))
        return r.swr_error_response(405, r.METHOD_NOT_ALLOWED, "method not allowed", {"Allow": allowed})
    shape, handler = chosen
    params = [segment for segment, part in zip(segments, shape, strict=True) if part is None]
    bypass = handler is delete_repository and deviations.lets_through(state, request)
    denial = state.auth.manage_denial(request, None)  # before the body is read: a refused body never is
    if denial is not None and not bypass:
        return _refused(state, denial, handler, params)
    body = await read_limited(request, MANAGE_BODY_MAX)
    if body is None:
        message = f"a manage-API request body is at most {MANAGE_BODY_MAX} bytes"
        return r.swr_error_response(413, r.INVALID_PARAMETER, message)
    if denial is None and (denial := state.auth.manage_denial(request, body)) is not None and not bypass:
        return _refused(state, denial, handler, params)
    if state.fault_requested(request):
        status = state.profile.expect("delete.server-error").status
        internal = r.swr_error_response(status, r.INTERNAL_ERROR, "internal error (injected fault)")
        return deviations.server_error(state, status) or internal
    return await handler(Call(state, request, params, body))


def _refused(state: State, denial: str, handler: Handler, params: list[str]) -> Response:
    if handler is delete_repository and (
        deviating := deviations.refused(state, params[0], names.repository_from_path(params[1]))
    ):
        return deviating
    status = state.profile.expect("delete.unauthenticated").status
    challenge = {"WWW-Authenticate": f'{signing.ALGORITHM} realm="swr-manage"'}
    return r.swr_error_response(status, r.UNAUTHENTICATED, f"authentication failed: {denial}", challenge)


def _fits(shape: tuple[str | None, ...], segments: list[str]) -> bool:
    return len(shape) == len(segments) and all(
        (part is None and seg != "") or part == seg for part, seg in zip(shape, segments, strict=True)
    )


def _invalid_names(namespace: str, repository: str | None = None, status: int = 400) -> Response | None:
    """An error response with SWR error information when a name breaks the naming rules."""
    found = names.violation(namespace, names.NameKind.NAMESPACE)
    if found is not None:
        return r.swr_error_response(status, r.INVALID_NAMESPACE, f"invalid namespace name: {found.message}")
    if repository is not None:
        found = names.violation(repository, names.NameKind.REPOSITORY)
        if found is not None:
            return r.swr_error_response(status, r.INVALID_REPOSITORY, f"invalid repository name: {found.message}")
    return None


def _json_body(call: Call) -> dict[str, Any] | None:
    try:
        data = json.loads(call.body or b"null")
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _namespace_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "creator_name": "reference", "auth": 7}


async def _materialize_namespace(state: State, namespace: str) -> None:
    if state.store.namespace(namespace) is not None:
        for repository in await state.images.pushed(namespace):
            state.store.ensure_repository(namespace, repository)


def _repository_view(call: Call, repo: dict[str, Any], tags: list[dict[str, Any]]) -> dict[str, Any]:
    host = call.request.headers.get("host", "localhost")
    path = f"{host}/{repo['namespace']}/{repo['name']}"
    return {
        "id": repo["id"],
        "ns_id": 0,
        "name": repo["name"],
        "namespace": repo["namespace"],
        "category": repo["category"],
        "description": repo["description"],
        "creator_id": "reference",
        "creator_name": "reference",
        "size": repo["size"] or sum(t["size"] for t in tags),
        "is_public": bool(repo["is_public"]),
        "num_images": len(tags),
        "num_download": 0,
        "url": "",
        "path": path,
        "internal_path": path,
        "created": repo["created"],
        "updated": repo["updated"],
        "domain_id": "reference",
        "priority": 0,
    }


# -- namespaces ------------------------------------------------------------------------------


@route("POST", "namespaces")
async def create_namespace(call: Call) -> Response:
    data = _json_body(call)
    name = data.get("namespace") if data else None
    if not isinstance(name, str):
        return r.swr_error_response(400, r.INVALID_PARAMETER, 'body must be {"namespace": "<name>"}')
    if (invalid := _invalid_names(name)) is not None:
        return invalid
    if call.state.store.create_namespace(name) is Outcome.EXISTS:
        return r.swr_error_response(409, r.EXISTS, f"namespace {name} already exists")
    return Response(status_code=201)


@route("GET", "namespaces")
async def list_namespaces(call: Call) -> Response:
    return r.json_ok({"namespaces": [_namespace_view(n) for n in call.state.store.namespaces()]})


@route("GET", "namespaces", None)
async def show_namespace(call: Call) -> Response:
    (namespace,) = call.params
    if (invalid := _invalid_names(namespace)) is not None:
        return invalid
    row = call.state.store.namespace(namespace)
    if row is None:
        return r.swr_error_response(404, r.NAMESPACE_NOT_FOUND, f"namespace {namespace} does not exist")
    return r.json_ok(_namespace_view(row))


@route("DELETE", "namespaces", None)
async def delete_namespace(call: Call) -> Response:
    (namespace,) = call.params
    if (invalid := _invalid_names(namespace)) is not None:
        return invalid
    await _materialize_namespace(call.state, namespace)
    outcome = call.state.store.delete_namespace(namespace)
    if outcome is Outcome.ABSENT:
        return r.swr_error_response(404, r.NAMESPACE_NOT_FOUND, f"namespace {namespace} does not exist")
    if outcome is Outcome.NOT_EMPTY:
        return r.swr_error_response(406, r.NAMESPACE_NOT_EMPTY, f"namespace {namespace} still has repositories")
    return Response(status_code=204)


# -- repositories ----------------------------------------------------------------------------


@route("POST", "namespaces", None, "repos")
async def create_repository(call: Call) -> Response:
    (namespace,) = call.params
    data = _json_body(call) or {}
    repository, is_public = data.get("repository"), data.get("is_public")
    category, description = data.get("category", "other"), data.get("description", "")
    if not (
        isinstance(repository, str)
        and isinstance(is_public, bool)
        and isinstance(category, str)
        and isinstance(description, str)
    ):
        message = 'body must be {"repository": str, "is_public": bool, "category"?: str, "description"?: str}'
        return r.swr_error_response(400, r.INVALID_PARAMETER, message)
    if (invalid := _invalid_names(namespace, repository)) is not None:
        return invalid
    outcome = call.state.store.create_repository(namespace, repository, is_public, category, description)
    if outcome is Outcome.NO_NAMESPACE:
        return r.swr_error_response(404, r.NAMESPACE_NOT_FOUND, f"namespace {namespace} does not exist")
    if outcome is Outcome.EXISTS:
        return r.swr_error_response(409, r.EXISTS, f"repository {namespace}/{repository} already exists")
    return Response(status_code=201)


@route("GET", "repos")
async def list_repositories(call: Call) -> Response:
    namespace = call.request.query_params.get("namespace")
    if namespace is not None and (invalid := _invalid_names(namespace)) is not None:
        return invalid
    store = call.state.store
    namespaces = [namespace] if namespace is not None else [n["name"] for n in store.namespaces()]
    views = []
    for ns in namespaces:
        await _materialize_namespace(call.state, ns)
        shown = []
        for name in store.repository_names(ns):
            if (repo := store.repository(ns, name)) is not None:
                shown.append(_repository_view(call, repo, await call.state.images.tags(ns, name)))
        views += deviations.listed(call.state, ns, shown)
    return r.json_ok(views)


@route("GET", "namespaces", None, "repos", None)
async def show_repository(call: Call) -> Response:
    namespace, repository = call.params[0], names.repository_from_path(call.params[1])
    if (invalid := _invalid_names(namespace, repository)) is not None:
        return invalid
    repo = await call.state.repository(namespace, repository)
    if repo is None:
        return r.swr_error_response(404, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")
    return r.json_ok(_repository_view(call, repo, await call.state.images.tags(namespace, repository)))


@route("DELETE", "namespaces", None, "repos", None)
@deviations.around_delete
async def delete_repository(call: Call) -> Response:
    """The operation under test (swr_02_0031); every status comes from the selected profile. (Test-only
    deviations wrap it: `deviations.around_delete`.)"""
    state, profile = call.state, call.state.profile
    namespace, repository = call.params[0], names.repository_from_path(call.params[1])
    if (invalid := _invalid_names(namespace, repository, profile.expect("delete.invalid-name").status)) is not None:
        return invalid
    with_images = profile.expect("delete.repository-with-images")
    exists = await state.repository(namespace, repository) is not None
    if exists and not with_images.is_success and await state.images.tags(namespace, repository):
        outcome = Outcome.NOT_EMPTY
    else:
        if exists and with_images.is_success:
            await state.images.delete_all(namespace, repository)
        outcome = state.store.delete_repository(namespace, repository, with_images=with_images.is_success)
    if outcome is Outcome.NO_NAMESPACE:
        status = profile.expect("delete.absent-namespace").status
        return r.swr_error_response(status, r.NAMESPACE_NOT_FOUND, f"namespace {namespace} does not exist")
    if outcome is Outcome.ABSENT:
        status = profile.expect("delete.absent-repository").status
        return r.swr_error_response(status, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")
    if outcome is Outcome.NOT_EMPTY:
        return r.swr_error_response(with_images.status, r.NOT_EMPTY, NOT_EMPTY_MESSAGE)
    return Response(status_code=profile.expect("delete.empty-repository").status)


# -- tags --------------------------------------------------------------------------------------


def _tag_view(call: Call, namespace: str, repository: str, tag: dict[str, Any]) -> dict[str, Any]:
    host = call.request.headers.get("host", "localhost")
    path = f"{host}/{namespace}/{repository}:{tag['tag']}"
    return {
        "id": 0,
        "repo_id": 0,
        "Tag": tag["tag"],
        "image_id": tag["digest"],
        "manifest": "",
        "digest": tag["digest"],
        "schema": 2,
        "path": path,
        "internal_path": path,
        "size": tag["size"],
        "is_trusted": False,
        "created": tag["created"],
        "updated": tag["updated"],
        "deleted": "",
        "domain_id": "reference",
        "scanned": False,
        "tag_type": 0,
    }


@route("GET", "namespaces", None, "repos", None, "tags")
async def list_tags(call: Call) -> Response:
    namespace, repository = call.params[0], names.repository_from_path(call.params[1])
    if (invalid := _invalid_names(namespace, repository)) is not None:
        return invalid
    if await call.state.repository(namespace, repository) is None:
        return r.swr_error_response(404, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")
    tags = await call.state.images.tags(namespace, repository)
    return r.json_ok([_tag_view(call, namespace, repository, t) for t in tags])


@route("DELETE", "namespaces", None, "repos", None, "tags", None)
async def delete_tag(call: Call) -> Response:
    namespace, repository, tag = call.params[0], names.repository_from_path(call.params[1]), call.params[2]
    if (invalid := _invalid_names(namespace, repository)) is not None:
        return invalid
    if deviations.untags_only(call.state):
        found = call.state.store.delete_tag(namespace, repository, tag, keep_manifest=True)
    else:
        found = await call.state.images.delete_tag(namespace, repository, tag)
    if not found:
        return r.swr_error_response(404, r.TAG_NOT_FOUND, f"tag {tag} not found in {namespace}/{repository}")
    deviations.untagged(call.state, namespace, repository)
    return Response(status_code=204)
