"""The suite's HTTP client for a target: manage API (token or AK/SK) and OCI registry API.

Every request goes through `_send`: the guard reads its *final* URL and refuses to change anything the
run does not own (`RunJournal.owns`); it runs under an overall deadline, its body is read up to a cap,
and "try later" answers are retried within bounds. Every exchange is recorded for the current check.
Setup calls raise `SetupFailed` on a non-2xx answer; the DELETE under test returns whatever the
target answered, marked `under_test`.
"""

from __future__ import annotations

import json
import secrets as random_secrets
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from conformance.at_once import MOST, network_wait
from conformance.contract.credentials import Credentials
from conformance.contract.names import NameKind, violation
from conformance.contract.signing import SdkHmacAuth, TamperedSdkHmacAuth
from conformance.outcomes import Broken, GuardRefused, InvalidServerName, SetupFailed, TargetUnreachable
from conformance.paths import (
    MANAGE,
    READS,
    TAG_PATTERN,
    Target,
    UnsafePath,
    changed_by,
    namespace_path,
    oci_path,
    repository_path,
    segment,
)
from conformance.provisioning.image import MANIFEST_ACCEPT, Image, PushFailed, build_image, push_image
from conformance.provisioning.journal import RunJournal
from conformance.provisioning.registry_auth import HeaderAuth, NotAllowed, OriginBound, RegistryAuth
from conformance.transcript import WRONG_TOKEN_PREFIX, Exchange, Redactor
from conformance.transport import (
    BODY_CAP,
    BodyTooLarge,
    DeadlineTransport,
    RetryPolicy,
    asks_to_retry,
    deadline,
    read_capped,
    retry_after,
)


@dataclass(frozen=True, slots=True)
class Endpoints:
    manage: str
    registry: str
    registry_auth_url: str | None = None  # a token realm on another host the registry credentials may go to
    verify: ssl.SSLContext | bool = True


class Ownership(Protocol):
    """What the guard asks: may the run change this target?"""

    def owns(self, target: Target) -> bool: ...


def manage_auth(credentials: Credentials) -> httpx.Auth:
    if credentials.token:
        return HeaderAuth("X-Auth-Token", credentials.token)
    assert credentials.ak and credentials.sk, "settings guarantee a token or an AK/SK pair"
    return SdkHmacAuth(credentials.ak, credentials.sk, credentials.project_id)


def registry_auth(credentials: Credentials, endpoints: Endpoints, on_token: Callable[[str], None]) -> httpx.Auth | None:
    """Basic (or Bearer via challenge) with registry credentials; else the token as Bearer."""
    if credentials.registry_username and credentials.registry_password:
        return RegistryAuth(
            credentials.registry_username,
            credentials.registry_password,
            endpoints.registry,
            endpoints.registry_auth_url,
            on_token,
        )
    if credentials.token:
        return OriginBound(HeaderAuth("Authorization", f"Bearer {credentials.token}"), endpoints.registry)
    return None


class SwrClient:
    def __init__(
        self,
        endpoints: Endpoints,
        credentials: Credentials,
        journal: RunJournal,
        redactor: Redactor,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        ownership: Ownership | None = None,
        in_flight: int = MOST,
    ) -> None:
        """`in_flight`: requests sent at once where they are independent (1 against a registry that runs in
        this process: it shares the interpreter lock, and concurrent requests only slow both down)."""
        self.journal = journal
        self.in_flight = in_flight
        self.redactor = redactor
        self.credentials = credentials
        self.transcript: list[Exchange] = []
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._ownership = ownership or journal
        self._changed: list[Target | None] = []  # what each changing request sent may have changed (None: anything)
        self._counting = threading.Lock()
        self._thread = threading.local()  # `.last`: the exchange this thread recorded last
        pushing = registry_auth(credentials, endpoints, redactor.add)
        self.can_push = pushing is not None
        hooks = {"request": [self._guard]}
        tls = httpx.create_ssl_context(verify=endpoints.verify)  # one for both: loading CA bundles takes a while

        def client(base: str, auth: httpx.Auth | None) -> httpx.Client:
            transport = DeadlineTransport(tls, keep_alive=in_flight)  # as many as go at once
            return httpx.Client(base_url=base, auth=auth, timeout=timeout, event_hooks=hooks, transport=transport)

        self._manage = client(endpoints.manage, OriginBound(manage_auth(credentials), endpoints.manage))
        self._registry = client(endpoints.registry, pushing)
        self.oci = OciSession(self)

    def close(self) -> None:
        self._manage.close()
        self._registry.close()

    # -- sending ---------------------------------------------------------------------------------

    @property
    def changes(self) -> int:
        """How many requests that may change the target this client has sent (a snapshot's stamp)."""
        return len(self._changed)

    def changed_since(self, stamp: int) -> list[Target | None]:
        """What the changing requests sent since `stamp` may have changed (None: it cannot tell)."""
        return self._changed[stamp:]

    def last_exchange(self) -> Exchange:
        """The exchange the calling thread recorded last (the request that answered its last question)."""
        exchange: Exchange = self._thread.last
        return exchange

    def may_change(self, namespace: str, repository: str) -> bool:
        """Whether the guard would let a DELETE of this repository through."""
        return self._ownership.owns(Target(namespace, repository))

    def _guard(self, request: httpx.Request) -> None:
        """Every request actually sent (auth retries included): nothing foreign may change."""
        try:
            target = changed_by(request.method, request.url.raw_path.decode("ascii"))
        except UnsafePath as exc:
            raise GuardRefused(f"refusing {exc}") from None
        if target is not None and not self._ownership.owns(target):
            raise GuardRefused(f"refusing {request.method} {request.url.path}: this run did not create {target}")
        if request.method not in READS:
            with self._counting:
                self._changed.append(target or _created(request))

    def _send(
        self, client: httpx.Client, method: str, url: str | httpx.URL, *, under_test: bool = False, **kwargs: Any
    ) -> Exchange:
        """Send once, or again while the target says "try later" (within `retry`); record each answer."""
        auth = kwargs.pop("auth", httpx.USE_CLIENT_DEFAULT)
        attempt = 0
        while True:
            request = client.build_request(method, url, **kwargs)
            exchange = self._send_once(client, request, auth, under_test, attempt)
            if exchange is None:  # connection failed on a call that may be retried
                attempt += 1
                continue
            assert exchange.response is not None
            wait = self.retry.wait_before_retry(exchange.response, attempt)
            if wait is None:
                if asks_to_retry(exchange.response):
                    raise Broken(f"the target kept asking to try later: {exchange.summary()}{self._why_stop(exchange)}")
                return exchange
            time.sleep(wait)
            attempt += 1

    def _send_once(
        self, client: httpx.Client, request: httpx.Request, auth: Any, under_test: bool, attempt: int
    ) -> Exchange | None:
        try:
            with deadline(self.timeout), network_wait():
                response = read_capped(client.send(request, auth=auth, stream=True), BODY_CAP)
        except NotAllowed as exc:
            raise SetupFailed(f"{request.method} {request.url}: {exc}") from None
        except BodyTooLarge as exc:
            self.transcript.append(Exchange(request, None, self.redactor, error=str(exc), under_test=under_test))
            raise Broken(f"{request.method} {self.redactor.text(str(request.url))}: {exc}") from None
        except httpx.TransportError as exc:
            error = f"{type(exc).__name__}: {exc or 'no answer within the deadline'}"
            exchange = Exchange(request, None, self.redactor, error=error, under_test=under_test)
            self._record(exchange)
            reset = isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError)  # not a timeout: no retry
            wait = self.retry.wait_after_reset(attempt) if reset and not under_test else None
            if wait is None:
                raise TargetUnreachable(exchange.summary()) from None
            time.sleep(wait)
            return None
        exchange = Exchange(response.request, response, self.redactor, under_test=under_test)
        self._record(exchange)
        return exchange

    def _record(self, exchange: Exchange) -> None:
        self.transcript.append(exchange)
        self._thread.last = exchange

    def _why_stop(self, exchange: Exchange) -> str:
        after = retry_after(exchange.response) if exchange.response is not None else None
        if after is not None and after > self.retry.longest_wait:
            return f" (Retry-After {after:.0f} s is longer than the {self.retry.longest_wait:.0f} s the suite waits)"
        return f" ({self.retry.attempts} attempts)"

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
        self.journal.intend_namespace(namespace)
        self._setup("POST", MANAGE, f"create namespace {namespace}", json={"namespace": namespace})
        self.journal.created(Target(namespace))

    def namespace_exists(self, namespace: str) -> bool:
        path = namespace_path(namespace)
        return self._setup("GET", path, f"show namespace {namespace}", ok=(404,)).status != 404

    def namespaces(self) -> list[str]:
        """Names of the namespaces the credentials see (each checked against the naming rules)."""
        data = self._json(self._setup("GET", MANAGE, "list namespaces"))
        items = data.get("namespaces", []) if isinstance(data, dict) else []
        return [
            _server_name(item.get("name") if isinstance(item, dict) else item, NameKind.NAMESPACE) for item in items
        ]

    def delete_namespace(self, namespace: str) -> None:
        self._setup("DELETE", namespace_path(namespace), f"delete namespace {namespace}", ok=(404,))
        self.journal.deleted(Target(namespace))

    def create_repository(self, namespace: str, repository: str) -> None:
        self.journal.intend_repository(namespace, repository)
        body = {"repository": repository, "is_public": False, "category": "other", "description": "swr-conformance"}
        path = f"{namespace_path(namespace)}/repos"
        self._setup("POST", path, f"create repository {namespace}/{repository}", json=body)
        self.journal.created(Target(namespace, repository))

    def repository_exists(self, namespace: str, repository: str) -> bool:
        path = repository_path(namespace, repository)
        return self._setup("GET", path, f"show repository {namespace}/{repository}", ok=(404,)).status != 404

    def repositories(self, namespace: str) -> dict[str, str | None]:
        """The repositories in `namespace` (`GET /v2/manage/repos?namespace=`): name -> created, names checked."""
        what = f"list repositories of {namespace}"
        listing = self._setup("GET", "/v2/manage/repos", what, ok=(404,), params={"namespace": namespace})
        items = self._json(listing) if listing.status != 404 else []
        items = items if isinstance(items, list) else []
        found = [item for item in items if isinstance(item, dict) and item.get("namespace", namespace) == namespace]
        return {_server_name(item.get("name"), NameKind.REPOSITORY): item.get("created") for item in found}

    def tags(self, namespace: str, repository: str) -> list[str]:
        """The repository's tags (none where it is not found); a tag name that breaks the OCI tag grammar
        is a finding, never a request."""
        what = f"list tags of {namespace}/{repository}"
        listing = self._setup("GET", repository_path(namespace, repository, "tags"), what, ok=(404,))
        data = self._json(listing) if listing.status != 404 else []
        if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
            raise SetupFailed(f"{what}: not a JSON list of tag objects")
        return _checked_tags([t.get("Tag", t.get("tag")) for t in data], what)

    def oci_tags(self, namespace: str, repository: str) -> list[str]:
        """The repository's tags by the OCI API (`tags/list`; none where the name is unknown)."""
        what = f"OCI tags/list of {namespace}/{repository}"
        listing = self._send(self._registry, "GET", oci_path(namespace, repository, "tags", "list"))
        if listing.status == 404:
            return []
        data = self._json(listing) if listing.status == 200 else None
        if not isinstance(data, dict):
            raise SetupFailed(f"{what}: {listing.summary()}")
        return _checked_tags(data.get("tags") or [], what)

    def delete_tag(self, namespace: str, repository: str, tag: str) -> None:
        path = repository_path(namespace, repository, "tags", tag)
        self._setup("DELETE", path, f"delete tag {namespace}/{repository}:{tag}")
        self.journal.untagged(Target(namespace, repository), tag)

    def push_image(self, namespace: str, repository: str, tag: str) -> Image:
        """Push a tiny image unique to this repository through the OCI API (creates the repository)."""
        image = build_image(f"{self.journal.run_id}/{namespace}/{repository}:{tag}")
        name = oci_path(namespace, repository).removeprefix("/v2/")
        self.journal.intend_repository(namespace, repository)
        try:
            push_image(self.oci, name, segment(tag), image, most=self.in_flight)
        except PushFailed as exc:
            raise SetupFailed(f"pushing {namespace}/{repository}:{tag} failed: {exc}") from None
        self.journal.created(Target(namespace, repository))
        self.journal.pushed(Target(namespace, repository), tag, image.digest)
        return image

    def manifest_exists(self, namespace: str, repository: str, digest: str) -> bool:
        path = oci_path(namespace, repository, "manifests", digest)
        exchange = self._send(self._registry, "HEAD", path, headers={"Accept": MANIFEST_ACCEPT})
        if exchange.status not in (200, 404):
            raise SetupFailed(f"fetching manifest {digest}: {exchange.summary()}")
        return exchange.status == 200

    def registry_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        response = self._send(self._registry, method, url, **kwargs).response
        assert response is not None
        return response

    def _json(self, exchange: Exchange) -> Any:
        assert exchange.response is not None
        try:
            return exchange.response.json()
        except ValueError:
            raise SetupFailed(f"expected JSON: {exchange.summary()}") from None

    # -- the operation under test ---------------------------------------------------------------

    def delete_repository(
        self,
        namespace: str,
        repository: str,
        *,
        credentials: str = "configured",
        headers: dict[str, str] | None = None,
        under_test: bool = True,
    ) -> Exchange:
        """DELETE .../repos/{repository}; `credentials`: "configured", "none", "wrong" (a wrong token), or
        one of `signing.AUTH_PROBES` (an AK/SK signature that must not be accepted)."""
        path = repository_path(namespace, repository)
        extra = dict(headers or {})
        auth: httpx.Auth | object | None = httpx.USE_CLIENT_DEFAULT
        if credentials == "wrong":
            extra["X-Auth-Token"] = WRONG_TOKEN_PREFIX + random_secrets.token_hex(16)
            auth = None
        elif credentials == "none":
            auth = None
        elif credentials != "configured":
            assert self.credentials.ak and self.credentials.sk, "AK/SK probes need an AK/SK run"
            auth = TamperedSdkHmacAuth(
                self.credentials.ak, self.credentials.sk, self.credentials.project_id, credentials
            )
        target = Target(namespace, repository)
        try:
            exchange = self._send(self._manage, "DELETE", path, headers=extra, auth=auth, under_test=under_test)
        except TargetUnreachable as exc:  # it may have reached the target and been carried out
            self.journal.unknown(target)
            raise TargetUnreachable(f"the answer to this DELETE was lost, so its outcome is unknown: {exc}") from None
        if exchange.status is not None and 200 <= exchange.status < 300:
            self.journal.deleted(target)
        return exchange


class OciSession:
    """The OCI registry API through the client: bounded, guarded, recorded requests (a `Requester`)."""

    def __init__(self, client: SwrClient) -> None:
        self._client = client

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        return self._client.registry_request(method, url, **kwargs)


def _created(request: httpx.Request) -> Target | None:
    """What a creating POST names in its body (a namespace, or a repository of the namespace in its path)."""
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return None
    parts = request.url.path.split("/")
    if not isinstance(body, dict) or parts[:4] != ["", "v2", "manage", "namespaces"]:
        return None
    if len(parts) == 4 and isinstance(body.get("namespace"), str):
        return Target(body["namespace"])
    if len(parts) == 6 and isinstance(body.get("repository"), str):
        return Target(parts[4], body["repository"])
    return None


def _checked_tags(tags: list[object], what: str) -> list[str]:
    """Tags a server listed, sorted; one that breaks the OCI tag grammar is a finding."""
    for tag in tags:
        if not isinstance(tag, str) or not TAG_PATTERN.match(tag):
            raise InvalidServerName(f"{what} returned an invalid tag name {tag!r}")
    return sorted(str(tag) for tag in tags)


def _server_name(name: object, kind: NameKind) -> str:
    """A name a server returned, used only when it obeys the naming rules."""
    if not isinstance(name, str) or (found := violation(name, kind)) is not None:
        why = "not a string" if not isinstance(name, str) else found.message if found else ""
        raise InvalidServerName(f"the target listed an invalid {kind} name {name!r}: {why}")
    return name
