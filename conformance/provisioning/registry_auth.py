"""httpx authentication confined to where each credential belongs.

Manage-API credentials go only to the manage endpoint's origin; registry credentials only to the
registry's origin, and to a Bearer challenge's token realm only when that realm has the registry's origin
(scheme, host and port) or is the one explicitly allowed (`--registry-auth-url`), and over https unless on
loopback.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Generator

import httpx

_PARAM = re.compile(r'(\w+)="([^"]*)"')


class NotAllowed(Exception):
    """A challenge asked for credentials to go somewhere they do not belong."""


def origin(url: httpx.URL | str) -> tuple[str, str, int | None]:
    url = httpx.URL(url)
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OriginBound(httpx.Auth):
    """Applies `auth` to requests for `base`'s origin only; anything else leaves without credentials."""

    def __init__(self, auth: httpx.Auth, base: str) -> None:
        self._auth = auth
        self._origin = origin(base)
        self.requires_request_body = getattr(auth, "requires_request_body", False)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin(request.url) != self._origin:
            yield request
            return
        yield from self._auth.auth_flow(request)


class HeaderAuth(httpx.Auth):
    """A credential sent as one header: `X-Auth-Token: T` (manage API) or `Authorization: Bearer T`."""

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._value
        yield request


class RegistryAuth(httpx.Auth):
    """Sends nothing until challenged; then Basic credentials, or a token fetched from the realm.

    Only for requests to `registry`'s origin; a realm elsewhere must be `allowed_realm`.
    `on_token` hears every token obtained, so that it can be redacted like the password.
    """

    def __init__(
        self,
        username: str,
        password: str,
        registry: str,
        allowed_realm: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self._basic = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self._origin = origin(registry)
        self._allowed_realm = origin(allowed_realm) if allowed_realm else None
        self._on_token = on_token or (lambda token: None)
        self._authorization: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin(request.url) != self._origin:
            yield request
            return
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
            realm = self.realm(fields.get("realm", ""))
            # Several scopes (a mount needs two repositories) go as one `scope` parameter each, as docker sends them.
            params = [("service", fields["service"])] if "service" in fields else []
            params += [("scope", scope) for scope in fields.get("scope", "").split()]
            token_request = httpx.Request("GET", realm, params=params)
            token_request.headers["Authorization"] = self._basic
            token_response = yield token_request
            token_response.read()
            if token_response.status_code != 200:
                return
            data = token_response.json()
            token = str(data.get("token") or data.get("access_token") or "")
            self._on_token(token)
            self._authorization = f"Bearer {token}"
        else:
            return
        request.headers["Authorization"] = self._authorization
        yield request

    def realm(self, realm: str) -> httpx.URL:
        """The realm, if the registry's credentials may go there; else NotAllowed."""
        url = httpx.URL(realm)
        scheme, host, _ = origin(url)
        if scheme not in ("http", "https") or not host:
            raise NotAllowed(f"the Bearer challenge names no usable token realm ({realm!r})")
        if scheme != "https" and not is_loopback(host):
            raise NotAllowed(f"the token realm {realm} is not https: registry credentials are not sent in clear")
        if origin(url) not in (self._origin, self._allowed_realm):
            raise NotAllowed(
                f"the token realm {realm} is not the registry's origin (scheme, host and port); "
                "allow it explicitly with --registry-auth-url"
            )
        return url
