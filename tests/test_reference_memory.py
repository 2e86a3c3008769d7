"""The manage API authenticates before it reads a body and reads at most a small one: 100 MB sent without
valid credentials (four at once) leave the server's memory where it was."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conformance.reference.config import DEV_TOKEN
from tests.conftest import unique

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

MB = 1024 * 1024


def _rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def _hundred_megabytes() -> Iterator[bytes]:
    chunk = b"x" * MB
    for _ in range(100):
        yield chunk


def _send(url: str, token: str) -> int:
    headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
    try:
        return httpx.post(url + "/v2/manage/namespaces", content=_hundred_megabytes(), headers=headers).status_code
    except httpx.TransportError:  # the server answered and closed while the body was still being sent
        return 401


def test_a_large_unauthenticated_body_is_refused_unread() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")} | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    try:
        url = re.search(r"on (http://\S+)", process.stdout.readline()).group(1)  # type: ignore[union-attr]
        manage = httpx.Client(base_url=url, headers={"X-Auth-Token": DEV_TOKEN})
        assert manage.post("/v2/manage/namespaces", json={"namespace": unique("warm")}).status_code == 201
        before = _rss(process.pid)
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: _send(url, "wrong-token"), range(4)))
        assert statuses == [401] * 4
        grown = _rss(process.pid) - before
        assert grown < 50 * MB, f"the server grew by {grown / MB:.0f} MB"
        too_large = manage.post("/v2/manage/namespaces", content=b"{" + b" " * (2 * MB) + b"}")
        assert too_large.status_code == 413 and too_large.json()["error_code"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
