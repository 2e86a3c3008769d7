"""Who may call the reference registry: `X-Auth-Token` or AK/SK signatures on the manage API;
Basic credentials, the token, or an issued Bearer token on the OCI API."""

from __future__ import annotations

import base64
import hmac
import secrets

from starlette.requests import Request

from conformance.contract import signing
from conformance.contract.credentials import Credentials


class Authenticator:
    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials
        self._issued: set[str] = set()

    def manage_denial(self, request: Request, body: bytes | None) -> str | None:
        """None when the manage-API request is authenticated; else why not. With `body` None, only
        what can be judged before reading the body (the body of a refused request is never read)."""
        token = request.headers.get("x-auth-token")
        if token is not None:
            return None if _same(token, self._credentials.token) else "X-Auth-Token is not valid"
        if "authorization" not in request.headers:
            return "no credentials: send X-Auth-Token or an SDK-HMAC-SHA256 signature"
        project = request.headers.get("x-project-id")
        if project is not None and not _same(project, self._credentials.project_id):
            return "the access key has no access to the project in X-Project-Id"
        keys = {self._credentials.ak: self._credentials.sk} if self._credentials.ak and self._credentials.sk else {}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if body is None:
            return signing.verify_headers(headers, keys)
        signed = signing.SignedRequest(
            method=request.method,
            raw_path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
        )
        return signing.verify(signed, keys)

    def registry_allows(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            return self._basic_valid(value)
        if scheme.lower() == "bearer":
            return value in self._issued or _same(value, self._credentials.token)
        return False

    def issue_token(self, request: Request) -> str | None:
        """A Bearer token for the OCI API, in exchange for valid Basic credentials."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not self._basic_valid(value):
            return None
        token = secrets.token_urlsafe(32)
        self._issued.add(token)
        return token

    def _basic_valid(self, value: str) -> bool:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8 (UnicodeDecodeError)
            return False
        return _same(user, self._credentials.registry_username) and _same(password, self._credentials.registry_password)


def _same(given: str, configured: str | None) -> bool:
    return configured is not None and hmac.compare_digest(given.encode(), configured.encode())
