"""The reference registry with its images in a real CNCF distribution registry (`serve --oci-backend`):
clients push to distribution on its own port; the manage API reads image state from it on every call.
The whole suite is conformant there, and every deviation is still caught."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.contract.profiles import load_profile
from conformance.provisioning.image import build_image, push_image
from conformance.provisioning.registry_auth import RegistryAuth
from conformance.reference.config import DEV_AK, DEV_PROJECT_ID, DEV_SK, DEV_TOKEN, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from tests.conftest import run_suite
from tests.distribution import Distribution, distribution
from tests.fault_matrix import PROFILE_OF

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distribution]:
    with distribution(tmp_path_factory.mktemp("backend")) as running:
        yield running


def _reference(backend: Distribution, *deviations: Deviation, profile: str = "swr-2020") -> ReferenceServer:
    config = ReferenceConfig(
        profile=load_profile(profile),
        faults=True,
        oci_backend=backend.url,
        oci_backend_username=backend.username,
        oci_backend_password=backend.password,
        deviations=frozenset(deviations),
    )
    return ReferenceServer(config)


def _target(server: ReferenceServer, backend: Distribution) -> list[str]:
    return [
        "--endpoint", server.url, "--ak", DEV_AK, "--sk", DEV_SK, "--project-id", DEV_PROJECT_ID,
        "--registry", backend.url, "--registry-username", backend.username, "--registry-password", backend.password,
        "--fault-injection",
    ]  # fmt: skip


def test_the_suite_is_conformant_with_images_in_distribution(tmp_path: Path, backend: Distribution) -> None:
    with _reference(backend) as server:
        run = run_suite(tmp_path / "reports", *_target(server, backend))
        assert run.returncode == 0, run.stdout + run.stderr
        assert server.store.namespaces() == [] and run.results["leftovers"] == []
    observed = {c["id"]: c["observed"] for c in run.results["checks"]}
    assert observed["delete/406/repository-with-images"] == 406 and observed["delete/406/images-survive"] == 406
    assert run.outcomes()["property/sequence/lifecycle"] == "passed"  # its pushes and deletes, in distribution
    catalog = httpx.get(f"{backend.url}/v2/_catalog", auth=(backend.username, backend.password)).json()
    pushed = [name for name in catalog["repositories"] if name.startswith(run.results["run_id"])]
    assert pushed, "the 406 checks pushed their images to distribution"
    for name in pushed:  # and cleanup removed every manifest there
        tags = httpx.get(f"{backend.url}/v2/{name}/tags/list", auth=(backend.username, backend.password))
        assert tags.status_code == 404 or not tags.json().get("tags"), (name, tags.text)


def test_a_push_creates_the_repository_in_the_manage_api(backend: Distribution) -> None:
    with _reference(backend) as server:
        manage = httpx.Client(base_url=server.url, headers={"X-Auth-Token": DEV_TOKEN})
        assert manage.post("/v2/manage/namespaces", json={"namespace": "pushed"}).status_code == 201
        auth = RegistryAuth(backend.username, backend.password, backend.url)
        with httpx.Client(base_url=backend.url, auth=auth) as registry:
            push_image(registry, "pushed/group/app", "v1", build_image("pushed"))
        shown = manage.get("/v2/manage/namespaces/pushed/repos/group$app")
        assert shown.status_code == 200 and shown.json()["num_images"] == 1
        assert [t["Tag"] for t in manage.get("/v2/manage/namespaces/pushed/repos/group$app/tags").json()] == ["v1"]
        assert manage.delete("/v2/manage/namespaces/pushed/repos/group$app").status_code == 406
        assert manage.delete("/v2/manage/namespaces/pushed/repos/group$app/tags/v1").status_code == 204
        assert manage.delete("/v2/manage/namespaces/pushed/repos/group$app").status_code == 204
        assert manage.delete("/v2/manage/namespaces/pushed").status_code == 204
        assert server.store.namespaces() == []


#: Deviations about images, and a check that catches each (docs/fault-matrix.md has them all).
IMAGE_DEVIATIONS = {
    Deviation.DELETES_IMAGES: "delete/406/repository-with-images",
    Deviation.REFUSES_AFTER_UNTAG: "delete/406/deletable-once-emptied",
    Deviation.KEEPS_MANIFESTS: "delete/406/repository-with-images",
    Deviation.DROPS_TAGS_ON_REFUSAL: "delete/406/images-survive",
    Deviation.DELETES_NAMESPACE: "delete/204/namespace-survives",
}


@pytest.mark.parametrize("deviation", list(IMAGE_DEVIATIONS), ids=str)
def test_deviations_are_caught_in_this_mode_too(tmp_path: Path, backend: Distribution, deviation: Deviation) -> None:
    check_id, profile = IMAGE_DEVIATIONS[deviation], PROFILE_OF.get(deviation, "swr-2020")
    with _reference(backend, deviation, profile=profile) as server:
        run = run_suite(tmp_path / "reports", *_target(server, backend), "--profile", profile, "-k", check_id)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.outcomes()[check_id] == "failed"
