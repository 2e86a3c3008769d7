"""A target on https: verified with --ca-bundle, refused (broken) with an unknown certificate, and with
--insecure run unverified, which the terminal and results.json say."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import ReferenceServer
from tests.conftest import SuiteRun, reference_target, run_suite
from tests.distribution import require_binary
from tests.hostile import HostileProxy

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [require_binary("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _run_over_tls(tmp_path: Path, certificate: tuple[Path, Path], *args: str) -> SuiteRun:
    with (
        ReferenceServer(ReferenceConfig(profile=load_profile(), faults=True)) as server,
        HostileProxy(server.url, [], tls=certificate) as proxy,
    ):
        target = [a if a != server.url else proxy.url for a in reference_target(server)]
        return run_suite(tmp_path / "reports", *target, "-k", "delete/204/empty-repository", *args)


def test_a_ca_bundle_verifies_the_target(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    run = _run_over_tls(tmp_path, certificate, "--ca-bundle", str(certificate[0]))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.results["target"]["tls"] == {"verify": True, "ca_bundle": str(certificate[0])}


def test_an_unknown_certificate_is_a_broken_target(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    run = _run_over_tls(tmp_path, certificate)
    assert run.returncode == 3 and "CERTIFICATE_VERIFY_FAILED" in run.stdout + run.stderr


def test_insecure_runs_unverified_and_says_so(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    run = _run_over_tls(tmp_path, certificate, "--insecure")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "TLS verification OFF" in run.stdout and run.results["target"]["tls"]["verify"] is False
