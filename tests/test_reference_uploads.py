"""Blob uploads stream to disk: bounded memory for big blobs, other requests served meanwhile, abandoned
uploads expire, and nothing of a deleted repository survives into a new one of the same name."""

from __future__ import annotations

import base64
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conformance.provisioning.image import digest_of
from conformance.reference.config import DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME, DEV_TOKEN
from conformance.reference.server import ReferenceServer
from conformance.reference.store import Store
from tests.conftest import create_repository, repo_path, unique

MB = 1024 * 1024
AUTH = (DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD)


def _rss(pid: int) -> int:
    return int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) * 1024  # type: ignore[union-attr]


def _megabytes(count: int) -> Iterator[bytes]:
    chunk = b"\x5a" * MB
    for _ in range(count):
        yield chunk


@pytest.mark.full
def test_big_and_chunked_uploads_keep_memory_bounded_and_others_served(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")} | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        url = re.search(r"on (http://\S+)", process.stdout.readline()).group(1)  # type: ignore[union-attr]
        manage = httpx.Client(base_url=url, headers={"X-Auth-Token": DEV_TOKEN})
        manage.post("/v2/manage/namespaces", json={"namespace": "big"})
        registry = httpx.Client(base_url=url, auth=AUTH, timeout=120)
        before = _rss(process.pid)
        location = registry.post("/v2/big/app/blobs/uploads/").headers["location"]
        with ThreadPoolExecutor(1) as pool:
            upload = pool.submit(registry.patch, location, content=_megabytes(300))
            time.sleep(0.2)  # the upload is under way
            started = time.monotonic()
            assert httpx.get(url + "/v2/", auth=AUTH).status_code == 200
            waited = time.monotonic() - started
            patched = upload.result()
        assert patched.status_code == 202 and patched.headers["range"] == f"0-{300 * MB - 1}"
        assert waited < 2, f"a small request waited {waited:.1f} s behind the upload"
        digest = digest_of(b"\x5a" * MB * 300)
        assert registry.put(patched.headers["location"], params={"digest": digest}).status_code == 201
        location = registry.post("/v2/big/chunks/blobs/uploads/").headers["location"]
        for index in range(10):  # 10 x 10 MB, each PATCH appended, not copied
            headers = {"Content-Range": f"{index * 10 * MB}-{(index + 1) * 10 * MB - 1}"}
            location = registry.patch(location, content=_megabytes(10), headers=headers).headers["location"]
        assert registry.put(location, params={"digest": digest_of(b"\x5a" * MB * 100)}).status_code == 201
        grown = _rss(process.pid) - before
        assert grown < 50 * MB, f"the server grew by {grown / MB:.0f} MB"
        head = registry.head(f"/v2/big/app/blobs/{digest}")
        assert head.status_code == 200 and head.headers["content-length"] == str(300 * MB)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_an_upload_in_flight_does_not_outlive_its_repository(reference: ReferenceServer, namespace: str) -> None:
    data, released = b"in flight " * 1000, threading.Event()
    repository = unique("race")

    def body() -> Iterator[bytes]:
        yield data[:10]
        released.wait(10)
        yield data[10:]

    manage = httpx.Client(base_url=reference.url, headers={"X-Auth-Token": DEV_TOKEN})
    registry = httpx.Client(base_url=reference.url, auth=AUTH)
    registry.get("/v2/")  # authenticated once, so the body is sent only once
    with ThreadPoolExecutor(1) as pool:
        path = f"/v2/{namespace}/{repository}/blobs/uploads/"
        upload = pool.submit(registry.post, path, params={"digest": digest_of(data)}, content=body())
        deadline = time.monotonic() + 10
        while manage.get(repo_path(namespace, repository)).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert manage.delete(repo_path(namespace, repository)).status_code == 204
        released.set()
        assert upload.result().status_code == 404
    create_repository(manage, namespace, repository)
    assert registry.head(f"/v2/{namespace}/{repository}/blobs/{digest_of(data)}").status_code == 404


def test_a_client_leaving_mid_chunk_leaves_the_upload_resumable(
    reference: ReferenceServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An interrupted push drops its connection mid-body: that is no server error, and the upload stays
    as its Range says, so that the client can go on from there."""
    registry = httpx.Client(base_url=reference.url, auth=AUTH)
    started = registry.post(f"/v2/{namespace}/app/blobs/uploads/")
    location = started.headers["location"]
    with socket.create_connection(("127.0.0.1", httpx.URL(reference.url).port or 80)) as raw:
        head = f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {_basic()}\r\n"
        raw.sendall(f"{head}Content-Length: 1000\r\n\r\n".encode() + b"stray bytes")  # 11 of 1000, then gone
    time.sleep(0.5)  # the server notices the closed connection
    status = registry.get(location)
    assert status.status_code == 204 and status.headers["range"] == "0-0", status.headers
    data = b"the whole blob"
    done = registry.put(location, params={"digest": digest_of(data)}, content=data)
    assert done.status_code == 201, done.text
    assert registry.get(f"/v2/{namespace}/app/blobs/{digest_of(data)}").content == data  # not the stray bytes
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def _basic() -> str:
    return base64.b64encode(f"{DEV_REGISTRY_USERNAME}:{DEV_REGISTRY_PASSWORD}".encode()).decode()


def test_abandoned_uploads_expire(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3", upload_ttl_s=0)
    store.create_namespace("ns")
    store.ensure_repository("ns", "app")
    abandoned = store.start_upload("ns", "app")
    assert abandoned is not None and store.upload_path(abandoned).exists()
    time.sleep(0.01)
    assert store.start_upload("ns", "app") is not None
    assert store.upload_size("ns", "app", abandoned) is None and not store.upload_path(abandoned).exists()
    store.close()
