"""A real CNCF distribution registry (Debian package `docker-registry`) on a loopback port of its own,
with htpasswd Basic auth and deletes enabled: software this project did not write."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BINARY = "docker-registry"
USERNAME = "ci-user"
PASSWORD = "ci-registry-pass-0123"


@dataclass(frozen=True)
class Distribution:
    url: str
    username: str
    password: str


def require_binary(name: str) -> str:
    """The binary's path; without it the test is skipped locally, but fails in CI (which installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (./run-tests installs it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _htpasswd(username: str, password: str) -> str:
    bcrypt = subprocess.run(
        [require_binary("htpasswd"), "-nbB", username, password], capture_output=True, text=True, check=True
    )
    return bcrypt.stdout


@contextmanager
def distribution(directory: Path) -> Iterator[Distribution]:
    binary = require_binary(BINARY)
    port = _free_port()
    (directory / "htpasswd").write_text(_htpasswd(USERNAME, PASSWORD))
    config = directory / "config.yml"
    config.write_text(
        f"""version: 0.1
log: {{level: error}}
storage:
  filesystem: {{rootdirectory: {directory / "data"}}}
  delete: {{enabled: true}}
http: {{addr: "127.0.0.1:{port}"}}
auth:
  htpasswd: {{realm: swr-conformance-test, path: {directory / "htpasswd"}}}
"""
    )
    log = (directory / "registry.log").open("w")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{url}/v2/").status_code == 401:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"docker-registry did not start: {(directory / 'registry.log').read_text()}")
            time.sleep(0.05)
        yield Distribution(url, USERNAME, PASSWORD)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
