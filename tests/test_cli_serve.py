"""`swr-conformance serve` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conformance.reference.config import DEV_TOKEN
from tests.conftest import create_repository, repo_path

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

CLI = [sys.executable, "-m", "conformance"]


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start `serve --port 0 ARGS`; yield its URL and the banner lines; stop it with Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")} | {"PYTHONUNBUFFERED": "1"} | (env or {})
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(3)]
    match = re.search(r"on (http://\S+)", banner[0])
    assert match, banner
    try:
        while not banner[-1].startswith("INFO:") and process.poll() is None:
            banner.append(process.stdout.readline())
        yield match.group(1), banner
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_state_survives_a_restart_with_data_dir(tmp_path: Path) -> None:
    headers = {"X-Auth-Token": DEV_TOKEN}
    with serving("--data-dir", str(tmp_path)) as (url, _):
        manage = httpx.Client(base_url=url, headers=headers)
        assert manage.post("/v2/manage/namespaces", json={"namespace": "kept"}).status_code == 201
        create_repository(manage, "kept", "app")
    with serving("--data-dir", str(tmp_path)) as (url, _):
        manage = httpx.Client(base_url=url, headers=headers)
        assert manage.get(repo_path("kept", "app")).status_code == 200
        assert manage.delete(repo_path("kept", "app")).status_code == 204


def test_development_credentials_are_printed_and_own_ones_replace_them() -> None:
    with serving() as (url, banner):
        assert any(DEV_TOKEN in line for line in banner)
        assert httpx.get(url + "/v2/manage/namespaces", headers={"X-Auth-Token": DEV_TOKEN}).status_code == 200
    with serving("--token", "my-own-secret", "--profile", "swr-2025") as (url, banner):
        text = "".join(banner)
        assert "my-own-secret" not in text and DEV_TOKEN not in text and "swr-2025" in text
        assert httpx.get(url + "/v2/manage/namespaces", headers={"X-Auth-Token": DEV_TOKEN}).status_code == 401
        assert httpx.get(url + "/v2/manage/namespaces", headers={"X-Auth-Token": "my-own-secret"}).status_code == 200
        # No registry credentials were given: only the token opens the OCI API.
        assert httpx.get(url + "/v2/", auth=("swr-dev", "swr-dev-password")).status_code == 401


def test_credentials_from_the_environment() -> None:
    own = {"SWR_TOKEN": "env-own-secret-0123", "SWR_REGISTRY_USERNAME": "u", "SWR_REGISTRY_PASSWORD": "p-0123456789"}
    with serving(env=own) as (url, banner):
        assert "env-own-secret-0123" not in "".join(banner) and DEV_TOKEN not in "".join(banner)
        assert (
            httpx.get(url + "/v2/manage/namespaces", headers={"X-Auth-Token": "env-own-secret-0123"}).status_code == 200
        )
        assert httpx.get(url + "/v2/manage/namespaces", headers={"X-Auth-Token": DEV_TOKEN}).status_code == 401


def test_beyond_loopback_own_credentials_or_an_explicit_yes() -> None:
    with serving("--host", "0.0.0.0", "--token", "own-secret-0123") as (_, banner):
        assert "your own" in "".join(banner)
    with serving("--host", "0.0.0.0", "--allow-dev-credentials") as (_, banner):
        assert any(DEV_TOKEN in line for line in banner)


def test_bad_options_exit_2_with_a_message() -> None:
    for args, message in (
        (["--ak", "AK"], "--ak and --sk go together"),
        (["--profile", "swr-1999"], "unknown profile 'swr-1999'"),
        (["--latency-ms", "-1"], "--latency-ms"),
        (["--host", "0.0.0.0"], "the development credentials are published"),  # anyone could delete there
    ):
        result = subprocess.run([*CLI, "serve", *args], capture_output=True, text=True, timeout=30)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_access_log_has_a_line_per_request_without_secrets() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")} | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--access-log", "--token", "log-secret-0123456789"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        url = re.search(r"on (http://\S+)", first).group(1)  # type: ignore[union-attr]
        headers = {"X-Auth-Token": "log-secret-0123456789"}
        request_id = httpx.get(url + "/v2/manage/namespaces/absent", headers=headers).headers["x-request-id"]
        line = next(line for line in process.stdout if request_id in line)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert re.match(rf"GET /v2/manage/namespaces/absent 404 [0-9.]+ms {request_id}$", line.strip()), line
    assert "log-secret" not in line
