"""A real CNCF distribution registry (Debian package `docker-registry`) on a loopback port of its own,
with deletes enabled and htpasswd Basic auth or Bearer tokens from a token service: software this project
did not write."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BINARY = "docker-registry"
USERNAME = "ci-user"
PASSWORD = "ci-registry-pass-0123"


@dataclass(frozen=True)
class Distribution:
    url: str
    username: str
    password: str
    auth_url: str | None = None  # the token realm's origin (another port): it must be allowed explicitly


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


class TokenService:
    """The Bearer token service a token-auth distribution points clients to: Basic credentials in,
    an RS256 JWT out (its certificate in the `x5c` header; distribution trusts it via rootcertbundle)."""

    ISSUER = "swr-conformance-test"
    SERVICE = "swr-test-registry"

    def __init__(self, directory: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "swr-conformance token signer")])
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = directory / "token-signer.pem"
        self.bundle.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self.issued = 0
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.realm = f"http://127.0.0.1:{self._socket.getsockname()[1]}/token"
        app = Starlette(routes=[Route("/token", self._token)])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=lambda: self._server.run(sockets=[self._socket]), daemon=True)

    async def _token(self, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"errors": [{"code": "UNAUTHORIZED"}]}, 401)
        access = []
        for scope in request.query_params.getlist("scope"):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {
            "iss": self.ISSUER, "sub": USERNAME, "aud": request.query_params.get("service"),
            "exp": now + 300, "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access,
        }  # fmt: skip
        self.issued += 1
        return JSONResponse({"token": self._jwt(claims), "expires_in": 300})

    def _jwt(self, claims: dict[str, object]) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        signing_input = ".".join(_b64url(json.dumps(part).encode()) for part in (header, claims))
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def auth_config(self) -> str:
        return (
            f"  token: {{realm: {self.realm}, service: {self.SERVICE}, issuer: {self.ISSUER}, "
            f"rootcertbundle: {self.bundle}}}"
        )

    def __enter__(self) -> TokenService:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@contextmanager
def distribution(directory: Path, auth: str = "htpasswd") -> Iterator[Distribution]:
    """docker-registry on a free loopback port, with htpasswd Basic auth or Bearer tokens (`auth="token"`)."""
    binary = require_binary(BINARY)
    port = _free_port()
    with contextlib.ExitStack() as stack:
        realm = None
        if auth == "token":
            service = stack.enter_context(TokenService(directory))
            auth_config, realm = service.auth_config(), service.realm.removesuffix("/token")
        else:
            (directory / "htpasswd").write_text(_htpasswd(USERNAME, PASSWORD))
            auth_config = f"  htpasswd: {{realm: swr-conformance-test, path: {directory / 'htpasswd'}}}"
        config = directory / "config.yml"
        config.write_text(
            f"""version: 0.1
log: {{level: error}}
storage:
  filesystem: {{rootdirectory: {directory / "data"}}}
  delete: {{enabled: true}}
http: {{addr: "127.0.0.1:{port}"}}
auth:
{auth_config}
"""
        )
        log = stack.enter_context((directory / "registry.log").open("w"))
        process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
        stack.callback(process.wait, timeout=10)
        stack.callback(process.terminate)
        url = f"http://127.0.0.1:{port}"
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
        yield Distribution(url, USERNAME, PASSWORD, realm)
