"""A hostile proxy in front of a target: forwards everything, except where a rule says to misbehave
(HTML 502s, 429s, dripped or endless bodies, tag lists with traversal names, echoed credentials).
Loopback only; the suite under test sees it as the target."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

#: Answers instead of the target (None: forward); or rewrites the target's answer (`after`).
Before = Callable[[Request, bytes], Awaitable[Response | None]]
After = Callable[[Request, httpx.Response], Response | None]


@dataclass
class Rule:
    method: str
    path: str  # a regex searched in the raw path
    before: Before | None = None
    after: After | None = None
    times: int | None = None  # how often the rule fires (None: always)
    fired: int = field(default=0)

    def matches(self, request: Request) -> bool:
        raw = request.scope["raw_path"].decode("latin-1")
        return (self.method in ("*", request.method)) and re.search(self.path, raw) is not None

    def take(self) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True


_HOP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}


class HostileProxy:
    def __init__(self, upstream: str, rules: list[Rule], tls: tuple[Path, Path] | None = None) -> None:
        """`tls`: (certificate, key) PEM files to serve https with."""
        self.upstream = upstream
        self.rules = rules
        self.seen: list[tuple[str, str]] = []  # (method, raw path) of every request
        self._client: httpx.AsyncClient | None = None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self._socket.getsockname()[1]}"
        certificate, key = tls or (None, None)
        config = uvicorn.Config(
            self._app,
            log_level="error",
            access_log=False,
            lifespan="off",
            interface="asgi3",
            ssl_certfile=certificate,
            ssl_keyfile=key,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: self._server.run(sockets=[self._socket]), daemon=True)

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        raw = scope["raw_path"].decode("latin-1") + (
            f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        )
        self.seen.append((request.method, raw))
        rules = [rule for rule in self.rules if rule.matches(request)]
        for rule in rules:
            if rule.before is not None and rule.take():
                answer = await rule.before(request, body)
                if answer is not None:
                    await answer(scope, receive, send)
                    return
        # The Host header stays as sent: AK/SK signatures cover it.
        headers = [(k, v) for k, v in request.headers.items() if k.lower() == "host" or k.lower() not in _HOP]
        self._client = self._client or httpx.AsyncClient()  # one pool, on the server's event loop
        upstream = await self._client.request(request.method, self.upstream + raw, headers=headers, content=body)
        for rule in rules:
            if rule.after is not None and rule.take():
                rewritten = rule.after(request, upstream)
                if rewritten is not None:
                    await rewritten(scope, receive, send)
                    return
        kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
        await Response(upstream.content, upstream.status_code, kept)(scope, receive, send)

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


# -- misbehaviours -------------------------------------------------------------------------------


def status(code: int, body: str = "", content_type: str = "text/plain", **headers: str) -> Before:
    async def answer(request: Request, body_in: bytes) -> Response:
        return Response(body, code, {"Content-Type": content_type, **headers})

    return answer


HTML_502 = status(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")


def drip(seconds_per_byte: float, body: bytes = b"x" * 60) -> Before:
    async def answer(request: Request, body_in: bytes) -> Response:
        async def slowly() -> AsyncIterator[bytes]:
            for byte in body:
                await asyncio.sleep(seconds_per_byte)
                yield bytes([byte])

        return StreamingResponse(slowly(), 200, media_type="application/json")

    return answer


def endless(chunk: bytes = b"x" * 65536) -> Before:
    async def answer(request: Request, body_in: bytes) -> Response:
        async def forever() -> AsyncIterator[bytes]:
            for _ in range(40_000):  # 2.6 GB if anyone read it all
                yield chunk

        return StreamingResponse(forever(), 200, media_type="application/json")

    return answer


def extra_tags(*tags: object) -> After:
    """The tag list with entries added (traversal names, entries without `Tag`)."""

    def rewrite(request: Request, upstream: httpx.Response) -> Response | None:
        if upstream.status_code != 200:
            return None
        listed = [*upstream.json(), *tags]
        return Response(json.dumps(listed), 200, {"Content-Type": "application/json"})

    return rewrite


def echo_credentials(code: int) -> After:
    """Answers `code` with the request's headers echoed in the error body, credentials included (as
    some gateways do)."""

    def rewrite(request: Request, upstream: httpx.Response) -> Response:
        echoed = dict(request.headers.items())
        body = {"error_code": "SVCSTG.SWR.4000014", "error_msg": f"bad request; headers were {echoed}", "echo": echoed}
        return Response(json.dumps(body), code, {"Content-Type": "application/json"})

    return rewrite
