"""The suite's own client against a real CNCF distribution registry on another port than the manage
API (as on the real service), with Basic or Bearer-token auth: push (monolithic, chunked, mounted), pull
back by digest, list tags."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.client import Endpoints, SwrClient
from conformance.contract.credentials import Credentials
from conformance.provisioning.image import MANIFEST_ACCEPT, build_image, digest_of, push_image
from conformance.provisioning.journal import RunJournal
from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from conformance.transcript import Redactor
from tests.distribution import Distribution, distribution

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

RUN_ID = "swrc0d15d15d"


@pytest.fixture(scope="module", params=["htpasswd", "token"])
def registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distribution]:
    with distribution(tmp_path_factory.mktemp("distribution"), auth=request.param) as running:
        yield running


@pytest.fixture
def client(registry: Distribution, reference: ReferenceServer) -> Iterator[SwrClient]:
    credentials = Credentials(token=DEV_TOKEN, registry_username=registry.username, registry_password=registry.password)
    journal = RunJournal(RUN_ID, namespaces=[f"{RUN_ID}-ns"])
    swr = SwrClient(Endpoints(reference.url, registry.url, registry.auth_url), credentials, journal, Redactor())
    yield swr
    swr.close()


def test_push_pull_and_list_tags_on_distribution(client: SwrClient, registry: Distribution) -> None:
    assert registry.url != client._manage.base_url  # two hosts, as on the real service
    image = client.push_image(f"{RUN_ID}-ns", "group/app", "v1")
    assert client.manifest_exists(f"{RUN_ID}-ns", "group/app", image.digest)
    manifest = client.oci.request(
        "GET", f"/v2/{RUN_ID}-ns/group/app/manifests/{image.digest}", headers={"Accept": MANIFEST_ACCEPT}
    )
    assert manifest.status_code == 200 and manifest.content == image.manifest
    layer = client.oci.request("GET", f"/v2/{RUN_ID}-ns/group/app/blobs/{digest_of(image.layer)}")
    assert layer.content == image.layer
    tags = client.oci.request("GET", f"/v2/{RUN_ID}-ns/group/app/tags/list").json()
    assert tags == {"name": f"{RUN_ID}-ns/group/app", "tags": ["v1"]}


@pytest.mark.parametrize("chunk_size", [7, 100_000], ids=["many-chunks", "one-chunk"])
def test_chunked_upload_follows_each_location(client: SwrClient, chunk_size: int) -> None:
    image = build_image(f"chunked-{chunk_size}")
    name = f"{RUN_ID}-ns/chunked{chunk_size}"
    assert push_image(client.oci, name, "v1", image, chunk_size=chunk_size) == image.digest
    pulled = client.oci.request("HEAD", f"/v2/{name}/manifests/v1", headers={"Accept": MANIFEST_ACCEPT})
    assert pulled.headers["docker-content-digest"] == image.digest
    patches = [e for e in client.transcript if e.request.method == "PATCH"]
    assert patches and all("_state=" in str(e.request.url) for e in patches)  # each new Location, query kept


def test_existing_blobs_are_mounted_not_uploaded(client: SwrClient) -> None:
    image = build_image("mounted")
    push_image(client.oci, f"{RUN_ID}-ns/source", "v1", image)
    before = len(client.transcript)
    push_image(client.oci, f"{RUN_ID}-ns/copy", "v1", image, mount_from=f"{RUN_ID}-ns/source")
    sent = [(e.request.method, e.status) for e in client.transcript[before:]]
    assert ("POST", 201) in sent and ("PUT", 201) in sent
    assert not any(method == "PATCH" for method, _ in sent)
    assert [m for m, s in sent if m == "PUT"] == ["PUT"]  # only the manifest: both blobs mounted


def test_registry_credentials_stay_with_the_registry(client: SwrClient, registry: Distribution) -> None:
    client.push_image(f"{RUN_ID}-ns", "creds", "v1")
    for exchange in client.transcript:
        sent_basic = exchange.request.headers.get("authorization", "").startswith("Basic ")
        assert not sent_basic or str(exchange.request.url).startswith(registry.url)
