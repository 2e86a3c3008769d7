"""skopeo (containers/image) pushes to and pulls from the reference registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from conformance.provisioning.image import MANIFEST_MEDIA_TYPE, Image, build_image, digest_of
from conformance.reference.config import DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME
from conformance.reference.server import ReferenceServer
from tests.conftest import repo_path

pytestmark = [pytest.mark.interop, pytest.mark.full]  # software from outside: not in ./run-tests --quick

SKOPEO = shutil.which("skopeo")
if SKOPEO is None and os.environ.get("CI"):
    raise RuntimeError("skopeo is missing: run-tests installs it from Debian when run as root")


def _oci_layout(directory: Path, image: Image, tag: str) -> None:
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (image.config, image.layer, image.manifest):
        (blobs / digest_of(data).removeprefix("sha256:")).write_bytes(data)
    (directory / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    descriptor = {
        "mediaType": MANIFEST_MEDIA_TYPE,
        "digest": image.digest,
        "size": len(image.manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    (directory / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [descriptor]}))


def _skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    assert SKOPEO is not None
    creds = f"{DEV_REGISTRY_USERNAME}:{DEV_REGISTRY_PASSWORD}"
    command = [SKOPEO, "--insecure-policy", "copy", "--dest-tls-verify=false", "--src-tls-verify=false"]
    command += ["--dest-creds", creds] if args[1].startswith("docker://") else ["--src-creds", creds]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed (run-tests installs it as root)")
def test_skopeo_pushes_an_image_that_blocks_deletion(
    tmp_path: Path, reference: ReferenceServer, manage: httpx.Client, namespace: str
) -> None:
    image = build_image("pushed by skopeo")
    _oci_layout(tmp_path / "layout", image, "v1")
    host = reference.url.removeprefix("http://")
    pushed = _skopeo(f"oci:{tmp_path / 'layout'}:v1", f"docker://{host}/{namespace}/group/app:v1")
    assert pushed.returncode == 0, pushed.stderr
    tags = manage.get(repo_path(namespace, "group/app") + "/tags").json()
    assert [t["Tag"] for t in tags] == ["v1"]
    assert manage.delete(repo_path(namespace, "group/app")).status_code == 406
    pulled = _skopeo(f"docker://{host}/{namespace}/group/app:v1", f"dir:{tmp_path / 'pulled'}")
    assert pulled.returncode == 0, pulled.stderr
    assert (tmp_path / "pulled" / digest_of(image.layer).removeprefix("sha256:")).read_bytes() == image.layer
