"""The client never touches what is not the run's, sends credentials only where they belong, and bounds
what a target can make it wait for or read."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.client import Endpoints, SwrClient
from conformance.contract.credentials import Credentials
from conformance.outcomes import Broken, GuardRefused, InvalidServerName, SetupFailed, TargetUnreachable
from conformance.paths import Target, changed_by, repository_path, segment
from conformance.provisioning.journal import RunJournal
from conformance.provisioning.registry_auth import NotAllowed, RegistryAuth
from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from conformance.transcript import Redactor
from conformance.transport import RetryPolicy
from tests.hostile import HostileProxy, Rule, drip, endless, extra_tags, status

RUN_ID = "swrc5afe5afe"
TRAVERSAL = "../../../../prod/repos/prod-app"


def _client(url: str, journal: RunJournal | None = None, timeout: float = 30.0) -> SwrClient:
    journal = journal or RunJournal(RUN_ID, namespaces=[f"{RUN_ID}-ns"])
    return SwrClient(
        Endpoints(url, url), Credentials(token=DEV_TOKEN), journal, Redactor(), timeout, RetryPolicy(backoff=0.01)
    )


@pytest.fixture
def foreign(manage: httpx.Client) -> Iterator[tuple[str, str]]:
    """A namespace and repository of somebody else's (`prod/prod-app`) next to the run's own."""
    for namespace, repository in (("prod", "prod-app"), (f"{RUN_ID}-ns", "mine")):
        manage.post("/v2/manage/namespaces", json={"namespace": namespace})
        body = {"repository": repository, "is_public": False}
        assert manage.post(f"/v2/manage/namespaces/{namespace}/repos", json=body).status_code in (201, 409)
    yield "prod", "prod-app"
    assert manage.get(repository_path("prod", "prod-app")).status_code == 200, "the foreign repository was deleted"


def test_the_guard_judges_the_final_url_not_the_names(reference: ReferenceServer, foreign: tuple[str, str]) -> None:
    client = _client(reference.url)
    raw = f"/v2/manage/namespaces/{RUN_ID}-ns/repos/mine/tags/{TRAVERSAL}"  # httpx resolves the dots
    with pytest.raises(GuardRefused, match="prod/prod-app"):
        client.manage("DELETE", raw)
    with pytest.raises(SetupFailed):  # sent as one encoded segment: the target finds no such tag
        client.delete_tag(f"{RUN_ID}-ns", "mine", TRAVERSAL)
    assert (
        client.transcript[-1]
        .request.url.raw_path.decode()
        .endswith("/mine/tags/..%2F..%2F..%2F..%2Fprod%2Frepos%2Fprod-app")
    )


def test_every_changing_request_names_its_target() -> None:
    assert changed_by("DELETE", "/v2/manage/namespaces/ns/repos/a$b/tags/v1") == Target("ns", "a/b")
    assert changed_by("PUT", "/v2/ns/a/b/blobs/uploads/u-1?_state=x") == Target("ns", "a/b")
    assert changed_by("DELETE", "/v2/ns/a/manifests/sha256:00") == Target("ns", "a")
    assert changed_by("GET", "/v2/manage/namespaces/prod/repos/x") is None
    with pytest.raises(ValueError, match="not an operation"):
        changed_by("DELETE", "/v2/manage/namespaces/ns/repos/a/other/thing")


def test_a_traversal_tag_from_the_server_is_a_finding_never_a_request(
    reference: ReferenceServer, foreign: tuple[str, str]
) -> None:
    rules = [Rule("GET", r"/tags$", after=extra_tags({"Tag": TRAVERSAL}))]
    with HostileProxy(reference.url, rules) as proxy:
        client = _client(proxy.url)
        with pytest.raises(InvalidServerName, match="invalid tag name"):
            client.tags(f"{RUN_ID}-ns", "mine")
        assert not any(method == "DELETE" for method, _ in proxy.seen)


def _registry(handler: httpx.MockTransport, registry: str, allowed: str | None = None) -> httpx.Client:
    auth = RegistryAuth("user", "pass-word", registry, allowed)
    return httpx.Client(base_url=registry, auth=auth, transport=handler)


def _challenging(realm: str, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "issued"})
        if request.headers.get("authorization") == "Bearer issued":
            return httpx.Response(200)
        return httpx.Response(401, headers={"WWW-Authenticate": f'Bearer realm="{realm}",service="r"'})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("registry", "realm"),
    [
        ("http://registry.example", "https://evil.example/token"),
        ("http://registry.example", "http://registry.example/token"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5001/token"),
    ],
    ids=["other-host", "cleartext", "other-port-same-host"],
)
def test_registry_credentials_never_go_to_a_foreign_or_cleartext_realm(registry: str, realm: str) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(NotAllowed):
        _registry(_challenging(realm, seen), registry).get("/v2/")
    assert not any("authorization" in r.headers for r in seen)


def test_an_explicitly_allowed_realm_gets_the_credentials() -> None:
    seen: list[httpx.Request] = []
    client = _registry(_challenging("https://auth.example/token", seen), "https://reg.example", "https://auth.example")
    assert client.get("/v2/").status_code == 200
    assert seen[1].url.host == "auth.example" and seen[1].headers["authorization"].startswith("Basic ")


def test_a_location_on_another_origin_gets_no_credentials() -> None:
    seen: list[httpx.Request] = []
    client = _registry(_challenging("http://127.0.0.1:5000/token", seen), "http://127.0.0.1:5000")
    client.get("/v2/")
    client.put("http://127.0.0.1:9999/upload/1")
    assert "authorization" not in seen[-1].headers


def test_a_dripping_answer_is_cut_at_the_overall_deadline(reference: ReferenceServer) -> None:
    with HostileProxy(reference.url, [Rule("GET", "preflight", before=drip(0.3))]) as proxy:
        client = _client(proxy.url, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(TargetUnreachable):
            client.manage("GET", "/v2/manage/namespaces/preflight")
        assert time.monotonic() - started < 5  # 60 bytes at 0.3 s each would take 18 s


def test_an_endless_body_is_read_up_to_the_cap(reference: ReferenceServer) -> None:
    proxy = HostileProxy(reference.url, [Rule("GET", "preflight", before=endless())])
    with proxy, pytest.raises(Broken, match="exceeds 1048576 bytes"):
        _client(proxy.url).manage("GET", "/v2/manage/namespaces/preflight")


def test_try_later_answers_are_retried_within_bounds(reference: ReferenceServer) -> None:
    busy = status(429, "slow down", **{"Retry-After": "0"})
    with HostileProxy(reference.url, [Rule("GET", "absent", before=busy, times=2)]) as proxy:
        client = _client(proxy.url)
        assert client.manage("GET", "/v2/manage/namespaces/absent").status == 404
        assert [e.status for e in client.transcript] == [429, 429, 404]
    proxy = HostileProxy(reference.url, [Rule("GET", "absent", before=busy)])
    with proxy, pytest.raises(Broken, match="kept asking to try later"):
        _client(proxy.url).manage("GET", "/v2/manage/namespaces/absent")


def test_a_503_without_retry_after_on_the_delete_under_test_is_not_retried(reference: ReferenceServer) -> None:
    unavailable = status(503, json.dumps({"error_code": "X", "error_msg": "down"}), "application/json")
    with HostileProxy(reference.url, [Rule("DELETE", "repos", before=unavailable)]) as proxy:
        client = _client(proxy.url)
        exchange = client.delete_repository(f"{RUN_ID}-ns", "mine")
        assert exchange.status == 503 and exchange.under_test and len(client.transcript) == 1


def test_secret_files_and_strict_booleans(tmp_path: Path) -> None:
    from conformance.settings import SettingsError, resolve

    token = tmp_path / "token"
    token.write_text("tok-from-file\n")
    settings = resolve({"endpoint": "http://h", "token_file": str(token)}, {"SWR_INSECURE": "yes"}, None)
    assert settings.token == "tok-from-file" and settings.insecure is True
    assert "tok-from-file" not in repr(settings) and "tok-from-file" not in repr(settings.credentials)
    with pytest.raises(SettingsError, match="true/false/1/0/yes/no"):
        resolve({}, {"SWR_FAULT_INJECTION": "maybe"}, None)
    with pytest.raises(SettingsError, match="not both"):
        resolve({"endpoint": "http://h", "token": "t", "token_file": str(token)}, {}, None)


class _ResettingServer:
    """Accepts, reads the request, and closes without an answer `resets` times; then answers 404."""

    def __init__(self, resets: int) -> None:
        self.resets, self.accepted = resets, 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                self.accepted += 1
                if self.accepted > self.resets:
                    body = b'{"error_code": "SVCSTG.SWR.4040058", "error_msg": "absent"}'
                    head = (
                        f"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    )
                    connection.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    def close(self) -> None:
        self._socket.close()


def test_connection_resets_are_retried_on_setup_calls_not_on_the_delete_under_test() -> None:
    server = _ResettingServer(resets=2)
    try:
        assert _client(server.url).manage("GET", "/v2/manage/namespaces/absent").status == 404
        assert server.accepted == 3
        server.resets, server.accepted = 1, 0
        with pytest.raises(TargetUnreachable):
            _client(server.url).delete_repository(f"{RUN_ID}-ns", "mine")
        assert server.accepted == 1  # the DELETE under test may have executed: never sent twice
    finally:
        server.close()


def test_a_segment_keeps_what_clients_keep_and_encodes_what_servers_read_more_into() -> None:
    """A digest keeps its `:` and a nested name its `$` (as docker and skopeo send them); `;` would be cut off
    by a servlet container (`a;b` read as `a`), so it and the other sub-delimiters are encoded."""
    assert segment("sha256:ab") == "sha256:ab" and segment("group$app") == "group$app"
    assert segment("a;b") == "a%3Bb" and segment("a=b,c+d!") == "a%3Db%2Cc%2Bd%21"
    assert segment("..") == "%2E%2E" and segment("a/b?c#d%") == "a%2Fb%3Fc%23d%25"
