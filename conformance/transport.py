"""Sending with bounds a remote target cannot stretch: an overall deadline per request (not only a
per-read timeout), a cap on response bodies, and bounded retries of answers that say "try later".
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

#: The most of a response body the suite reads; a larger one is refused (bounded memory).
BODY_CAP = 1024 * 1024

_deadline: ContextVar[float | None] = ContextVar("swr_deadline", default=None)


class DeadlinePassed(httpcore.ReadTimeout):
    pass


def _left(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("the request's overall deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """Every read and write waits at most until the current request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (its exception mapping and streams), its connection pool replaced by one
    whose connections go through the deadline-aware backend: httpx offers no overall timeout and
    takes no network backend, so this is the one place that reaches past its public API."""

    def __init__(self, ssl_context: ssl.SSLContext, keep_alive: int = 20) -> None:
        """`keep_alive`: idle connections kept (the pool looks through all of them for every request)."""
        super().__init__(verify=False)  # its pool (and that SSL context) is replaced right away
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            network_backend=_DeadlineBackend(),
            max_connections=100,
            max_keepalive_connections=keep_alive,
            keepalive_expiry=5.0,
        )


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Everything sent and read inside must finish within `seconds` from now."""
    reset = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(reset)


class BodyTooLarge(Exception):
    pass


def read_capped(response: httpx.Response, cap: int = BODY_CAP) -> httpx.Response:
    """The streamed `response` read whole, as a plain response; BodyTooLarge past `cap` bytes."""
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > cap:
                raise BodyTooLarge(f"the response body exceeds {cap} bytes; the suite reads no more")
    finally:
        response.close()
    headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-encoding"]  # already decoded
    read = httpx.Response(response.status_code, headers=headers, content=bytes(body), request=response.request)
    read.read()
    read.elapsed = response.elapsed  # set once the stream was closed
    return read


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """429, and 503 with Retry-After, mean "not now": the request did not execute; retry within bounds."""

    attempts: int = 4
    longest_wait: float = 5.0  # a longer Retry-After is not honoured: the call is broken
    backoff: float = 0.5  # first wait when the answer names none; doubles each time

    def wait_before_retry(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before sending again, or None when this answer is final."""
        after = retry_after(response)
        if not (response.status_code == 429 or (response.status_code == 503 and after is not None)):
            return None
        if attempt + 1 >= self.attempts:
            return None
        wait = self.backoff * 2**attempt if after is None else after
        return wait if wait <= self.longest_wait else None

    def wait_after_reset(self, attempt: int) -> float | None:
        return self.backoff * 2**attempt if attempt + 1 < self.attempts else None


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def asks_to_retry(response: httpx.Response) -> bool:
    return response.status_code == 429 or (response.status_code == 503 and retry_after(response) is not None)
