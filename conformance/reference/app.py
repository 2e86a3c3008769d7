"""The reference registry as an ASGI application."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference import manage, oci
from conformance.reference import responses as r
from conformance.reference.auth import Authenticator
from conformance.reference.config import ReferenceConfig
from conformance.reference.images import BackendUnavailable, DistributionImages, Images, StoreImages
from conformance.reference.state import State
from conformance.reference.store import Store


class RequestIdAndLatency:
    """Every response carries an `X-Request-Id`; `latency_ms` delays every request (benchmarks);
    `access_log` prints one line per request: method, path, status, ms, request id (no header, no body)."""

    def __init__(self, app: ASGIApp, latency_ms: int, access_log: bool = False) -> None:
        self._app = app
        self._latency = latency_ms / 1000
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        if self._latency:
            await asyncio.sleep(self._latency)
        request_id = uuid.uuid4().hex.encode()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        try:
            await self._app(scope, receive, send_with_id)
        finally:
            if self._access_log:
                path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
                ms = (time.perf_counter() - started) * 1000
                print(
                    f"{scope['method']} {path} {status} {ms:.1f}ms {request_id.decode()}", file=sys.stderr, flush=True
                )


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _internal_error(request: Request, exc: Exception) -> Response:
    return r.swr_error_response(500, r.INTERNAL_ERROR, f"internal error: {type(exc).__name__}")


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left mid-request (an interrupted push): nobody reads this, and it is no server error."""
    return Response(status_code=400)


async def _backend_unavailable(request: Request, exc: Exception) -> Response:
    return r.swr_error_response(500, r.INTERNAL_ERROR, f"the image store did not answer: {exc}")


async def _images_elsewhere(request: Request) -> Response:
    backend = request.app.state.reference.config.oci_backend
    return r.oci_error(404, "NAME_UNKNOWN", f"images live in the OCI backend {backend}: push and pull there")


async def _no_route(request: Request, exc: Exception) -> Response:
    """Paths no route matches (e.g. a decoded newline in a segment): the gateway's 404, as JSON."""
    return r.swr_error_response(404, r.ROUTE_NOT_FOUND, "no such operation")


def create_app(config: ReferenceConfig, store: Store) -> ASGIApp:
    oci_routes = [
        Route("/v2/", oci.version_check, methods=["GET", "HEAD"]),
        Route("/v2/token", oci.token, methods=["GET"]),
        Route("/v2/{rest:path}", oci.dispatch, methods=_ALL_METHODS),
    ]
    if config.oci_backend:
        oci_routes = [Route("/v2/{rest:path}", _images_elsewhere, methods=_ALL_METHODS)]
        images: Images = DistributionImages(
            config.oci_backend, config.oci_backend_username, config.oci_backend_password
        )
    else:
        images = StoreImages(store)
    app = Starlette(
        routes=[Route(manage.PREFIX + "{rest:path}", manage.dispatch, methods=_ALL_METHODS), *oci_routes],
        exception_handlers={
            404: _no_route,
            ClientDisconnect: _client_gone,
            BackendUnavailable: _backend_unavailable,
            Exception: _internal_error,
        },
    )
    app.state.reference = State(config=config, store=store, auth=Authenticator(config.credentials), images=images)
    # Outermost, so that even the 500 of an unexpected exception carries a request id.
    return RequestIdAndLatency(app, config.latency_ms, config.access_log)
