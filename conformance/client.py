"""The suite's HTTP client for a target: manage API (token or AK/SK) and OCI registry API.

Every exchange is recorded for the current check. Setup calls raise `SetupFailed` on a non-2xx
answer; the call under test (`delete_repository`) returns whatever the target answered. All
deletions pass `Ledger.check_delete`, the one place that refuses to delete what the run did not create.
"""

from __future__ import annotations

import secrets as random_secrets
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.credentials import Credentials
from conformance.names import repository_to_path
from conformance.outcomes import GuardRefused, SetupFailed, TargetUnreachable
from conformance.provisioning.image import Image, build_image, push_image
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.signing import SdkHmacAuth
from conformance.transcript import Exchange, Redactor

MANAGE = "/v2/manage/namespaces"


class HeaderAuth(httpx.Auth):
    """A credential sent as one header: `X-Auth-Token: T` (manage API) or `Authorization: Bearer T`."""

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._value
        yield request


def manage_auth(credentials: Credentials) -> httpx.Auth:
    if credentials.token:
        return HeaderAuth("X-Auth-Token", credentials.token)
    assert credentials.ak and credentials.sk, "settings guarantee a token or an AK/SK pair"
    return SdkHmacAuth(credentials.ak, credentials.sk, credentials.project_id)


def registry_auth(credentials: Credentials) -> httpx.Auth | None:
    """Basic (or Bearer via challenge) with registry credentials; else the token as Bearer."""
    if credentials.registry_username and credentials.registry_password:
        return RegistryAuth(credentials.registry_username, credentials.registry_password)
    return HeaderAuth("Authorization", f"Bearer {credentials.token}") if credentials.token else None


@dataclass(slots=True)
class Ledger:
    """What this run created; deletions of anything else are refused."""

    token: str  # embedded in every name the run makes up
    namespaces: list[str] = field(default_factory=list)
    repositories: list[tuple[str, str]] = field(default_factory=list)

    def owns(self, namespace: str, repository: str | None = None) -> bool:
        if repository is None:
            return namespace in self.namespaces
        return (
            namespace in self.namespaces
            or (namespace, repository) in self.repositories
            or self.token in repository.lower()
            or self.token in namespace.lower()
        )

    def check_delete(self, namespace: str, repository: str | None = None) -> None:
        if not self.owns(namespace, repository):
            what = namespace if repository is None else f"{namespace}/{repository}"
            raise GuardRefused(f"refusing to delete {what}: this run did not create it")


class SwrClient:
    def __init__(
        self,
        endpoint: str,
        registry: str,
        credentials: Credentials,
        ledger: Ledger,
        redactor: Redactor,
        timeout: float = 30.0,
    ) -> None:
        self.ledger = ledger
        self.redactor = redactor
        self.transcript: list[Exchange] = []
        hooks = {"response": [self._record]}
        pushing = registry_auth(credentials)
        self.can_push = pushing is not None
        self._manage = httpx.Client(
            base_url=endpoint, auth=manage_auth(credentials), timeout=timeout, event_hooks=hooks
        )
        self._registry = httpx.Client(base_url=registry, auth=pushing, timeout=timeout, event_hooks=hooks)

    def close(self) -> None:
        self._manage.close()
        self._registry.close()

    # -- recording ---------------------------------------------------------------------------

    def _record(self, response: httpx.Response) -> None:
        """Every response of both APIs, with the request as sent (auth headers included)."""
        self.transcript.append(Exchange(response.request, response, self.redactor))

    def _send(self, client: httpx.Client, method: str, url: str, **kwargs: Any) -> Exchange:
        request = client.build_request(method, url, **{k: v for k, v in kwargs.items() if k != "auth"})
        try:
            response = client.send(request, auth=kwargs.get("auth", httpx.USE_CLIENT_DEFAULT))
        except httpx.TransportError as exc:
            exchange = Exchange(request, None, self.redactor, error=f"{type(exc).__name__}: {exc}")
            self.transcript.append(exchange)
            raise TargetUnreachable(f"{method} {request.url}: {exchange.error}") from exc
        return next(e for e in reversed(self.transcript) if e.response is response)

    def manage(self, method: str, path: str, **kwargs: Any) -> Exchange:
        return self._send(self._manage, method, path, **kwargs)

    def _setup(self, method: str, path: str, what: str, ok: tuple[int, ...] = (), **kwargs: Any) -> Exchange:
        exchange = self.manage(method, path, **kwargs)
        status = exchange.status or 0
        if not (200 <= status < 300 or status in ok):
            raise SetupFailed(f"setup step '{what}' failed: {exchange.summary()}")
        return exchange

    # -- setup operations ---------------------------------------------------------------------

    def create_namespace(self, namespace: str) -> None:
        self._setup("POST", MANAGE, f"create namespace {namespace}", json={"namespace": namespace})
        self.ledger.namespaces.append(namespace)

    def namespace_exists(self, namespace: str) -> bool:
        return self._setup("GET", f"{MANAGE}/{namespace}", f"show namespace {namespace}", ok=(404,)).status != 404

    def delete_namespace(self, namespace: str) -> None:
        self.ledger.check_delete(namespace)
        self._setup("DELETE", f"{MANAGE}/{namespace}", f"delete namespace {namespace}", ok=(404,))

    def create_repository(self, namespace: str, repository: str) -> None:
        body = {"repository": repository, "is_public": False, "category": "other", "description": "swr-conformance"}
        self._setup("POST", f"{MANAGE}/{namespace}/repos", f"create repository {namespace}/{repository}", json=body)
        self.ledger.repositories.append((namespace, repository))

    def repository_exists(self, namespace: str, repository: str) -> bool:
        path = f"{MANAGE}/{namespace}/repos/{repository_to_path(repository)}"
        return self._setup("GET", path, f"show repository {namespace}/{repository}", ok=(404,)).status != 404

    def tags(self, namespace: str, repository: str) -> list[str]:
        path = f"{MANAGE}/{namespace}/repos/{repository_to_path(repository)}/tags"
        exchange = self._setup("GET", path, f"list tags of {namespace}/{repository}")
        assert exchange.response is not None
        return sorted(t.get("Tag") or t.get("tag") for t in exchange.response.json())

    def delete_tag(self, namespace: str, repository: str, tag: str) -> None:
        self.ledger.check_delete(namespace, repository)
        path = f"{MANAGE}/{namespace}/repos/{repository_to_path(repository)}/tags/{tag}"
        self._setup("DELETE", path, f"delete tag {namespace}/{repository}:{tag}")

    def push_image(self, namespace: str, repository: str, tag: str) -> Image:
        """Push a tiny image unique to this repository through the OCI API (creates the repository)."""
        image = build_image(f"{self.ledger.token}/{namespace}/{repository}:{tag}")
        name = f"{namespace}/{repository}"
        self.ledger.repositories.append((namespace, repository))
        try:
            push_image(self._registry, name, tag, image)
        except httpx.HTTPStatusError as exc:
            failed = Exchange(exc.request, exc.response, self.redactor)
            raise SetupFailed(f"pushing {name}:{tag} failed: {failed.summary()}") from None
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"pushing {name}:{tag}: {exc}") from exc
        return image

    def manifest_exists(self, namespace: str, repository: str, digest: str) -> bool:
        exchange = self._send(self._registry, "HEAD", f"/v2/{namespace}/{repository}/manifests/{digest}")
        if exchange.status not in (200, 404):
            raise SetupFailed(f"fetching manifest {digest}: {exchange.summary()}")
        return exchange.status == 200

    # -- the operation under test ---------------------------------------------------------------

    def delete_repository(
        self,
        namespace: str,
        repository: str,
        *,
        credentials: str = "configured",
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """DELETE .../repos/{repository}: `credentials` is "configured", "none" or "wrong"."""
        self.ledger.check_delete(namespace, repository)
        path = f"{MANAGE}/{namespace}/repos/{repository_to_path(repository)}"
        if credentials == "configured":
            return self.manage("DELETE", path, headers=headers)
        extra = dict(headers or {})
        if credentials == "wrong":
            extra["X-Auth-Token"] = "swrc-wrong-" + random_secrets.token_hex(16)
        return self.manage("DELETE", path, headers=extra, auth=None)
