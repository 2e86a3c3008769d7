"""httpx authentication for the OCI registry API: answers a Basic or a Bearer challenge."""

from __future__ import annotations

import base64
import re
from collections.abc import Generator

import httpx

_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryAuth(httpx.Auth):
    """Sends nothing until challenged; then Basic credentials, or a token fetched from the realm."""

    def __init__(self, username: str, password: str) -> None:
        self._basic = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self._authorization: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._authorization:
            request.headers["Authorization"] = self._authorization
        response = yield request
        if response.status_code != 401:
            return
        scheme, _, params = response.headers.get("www-authenticate", "").partition(" ")
        if scheme.lower() == "basic":
            self._authorization = self._basic
        elif scheme.lower() == "bearer":
            fields = dict(_PARAM.findall(params))
            token_request = httpx.Request(
                "GET", fields["realm"], params={k: v for k, v in fields.items() if k in ("service", "scope")}
            )
            token_request.headers["Authorization"] = self._basic
            token_response = yield token_request
            token_response.read()
            if token_response.status_code != 200:
                return
            data = token_response.json()
            self._authorization = f"Bearer {data.get('token') or data.get('access_token')}"
        else:
            return
        request.headers["Authorization"] = self._authorization
        yield request
