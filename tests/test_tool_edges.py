"""The tool's own edges, tried as a careless or hostile user would: the exit-status contract (0 conformant,
1 failed checks, 2 usage or configuration, 3 broken; never a traceback), no secret sent where it does not
belong, no file of the user's lost, and nothing left on the target when the reports cannot be written.

The table grows with every edge found: add a row, not a test."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.contract.profiles import load_profile
from conformance.reference.config import DEV_REGISTRY_PASSWORD, DEV_REGISTRY_USERNAME, DEV_TOKEN, ReferenceConfig
from conformance.reference.server import ReferenceServer
from tests.conftest import suite_environment

SECRET = "pw-Zq81xK"


@dataclass(frozen=True)
class Edge:
    args: list[str]
    status: int
    says: str  # a part of what the tool prints
    files: dict[str, bytes] = field(default_factory=dict)  # written into the working directory first
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None


def _allure_link(where: Path) -> None:
    (where / "theirs" / "nested").mkdir(parents=True)
    (where / "out").mkdir()
    (where / "out" / "allure-results").symlink_to(where / "theirs")


def _journal_with_a_list(where: Path) -> None:
    run = '{"event": "run", "run_id": "swrc0000aaaa", "at": "2026-01-01T00:00:00+00:00"}'
    intend = '{"event": "intend", "namespace": "swrc0000aaaa-ns", "at": "2026-01-01T00:00:00+00:00"}'
    (where / "j.jsonl").write_text(f"{run}\n[1]\n{intend}\n")


CLOSED = ["--endpoint", "http://127.0.0.1:9", "--token", "t"]  # a target nothing answers at
SWEEP = ["sweep", *CLOSED]
FOUND = "swr-conformance.toml"
EDGES = {
    "config-found-sets-endpoint": Edge(
        [], 2, "not given, and sets endpoint", {FOUND: b'endpoint = "http://x.example"'}
    ),
    "config-found-reads-a-file": Edge(CLOSED, 2, "sets token_file", {FOUND: b'token_file = "/etc/hostname"'}),
    "config-not-utf8": Edge(["--config", "c.toml"], 2, "config file c.toml", {"c.toml": b'profile = "\xff"'}),
    "profile-not-utf8": Edge(["--profile", "p.yaml"], 2, "cannot read profile", {"p.yaml": b"schema: \xff"}),
    "password-in-endpoint": Edge(
        ["--endpoint", f"http://al:{SECRET}@127.0.0.1:9", "--token", "t"], 2, "never in a URL"
    ),
    "password-in-registry": Edge([*CLOSED, "--registry", f"https://bo:{SECRET}@r.example"], 2, "never in a URL"),
    "timeout-nan": Edge(["--timeout", "nan"], 2, "--timeout must be a positive number"),
    "timeout-inf": Edge(["--timeout", "inf"], 2, "--timeout must be a positive number"),
    "ca-bundle-not-pem": Edge(["--ca-bundle", "ca.pem"], 2, "holds no PEM certificates", {"ca.pem": b"not PEM"}),
    "port-out-of-range": Edge(["--endpoint", "http://127.0.0.1:99999", "--token", "t"], 2, "not a port number"),
    "endpoint-with-query": Edge(["--endpoint", "http://127.0.0.1:9?x=1", "--token", "t"], 2, "no query or fragment"),
    "endpoint-with-fragment": Edge(["--endpoint", "http://127.0.0.1:9#f", "--token", "t"], 2, "no query or fragment"),
    "token-file-without-end": Edge([*CLOSED[:2], "--token-file", "/dev/zero"], 2, "is larger than"),
    "output-empty": Edge(["--output", ""], 2, "--output is empty"),
    "output-holds-their-allure-results": Edge(["--output", "."], 2, "not written by", {"allure-results/t.json": b"{}"}),
    "allure-results-a-file": Edge(["--output", "out"], 2, "not written by", {"out/allure-results": b"x"}),
    "allure-results-a-link": Edge(["--output", "out"], 2, "not written by", setup=_allure_link),
    "sweep-older-than-overflow": Edge(
        [*SWEEP, "--run-id", "swrc0000aaaa", "--older-than", "99999999999d"], 2, "duration"
    ),
    "sweep-journal-line-not-an-object": Edge([*SWEEP, "--journal", "j.jsonl"], 3, "broken", setup=_journal_with_a_list),
    "sweep-unreachable": Edge([*SWEEP, "--run-id", "swrc0000aaaa"], 3, "the target is broken"),
    "show-settings": Edge(
        ["--endpoint", "http://h", "--show-settings"], 0, "from SWR_TOKEN", env={"SWR_TOKEN": SECRET}
    ),
}


@pytest.mark.parametrize("edge", list(EDGES.values()), ids=list(EDGES))
def test_the_exit_status_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edge: Edge) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in edge.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    if edge.setup is not None:
        edge.setup(tmp_path)
    command = (
        edge.args
        if edge.args[:1] == ["sweep"]
        else ["run", *(["--output", "reports"] if "--output" not in edge.args else []), *edge.args]
    )
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SWR_")}
    result = CliRunner().invoke(main, command, env=cleared | edge.env)
    output = result.output
    assert (result.exit_code, edge.says in output) == (edge.status, True), output
    assert "Traceback" not in output and (result.exc_info is None or result.exc_info[0] is SystemExit), output
    assert SECRET not in output


def test_output_dot_keeps_the_users_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "allure-results" / "nested").mkdir(parents=True)
    (tmp_path / "allure-results" / "theirs-result.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--output", "."])
    assert result.exit_code == 2, result.output
    assert (tmp_path / "allure-results" / "theirs-result.json").is_file() and (
        tmp_path / "allure-results" / "nested"
    ).is_dir()


def _limited(size: int) -> Callable[[], None]:
    def apply() -> None:  # in the child: writes past `size` bytes fail (EFBIG) instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


@pytest.mark.full
def test_reports_that_cannot_be_written_leave_nothing_on_the_target(tmp_path: Path) -> None:
    """As on a full disk: the journal and results.json stop taking bytes mid-run. The run still cleans
    up, exits 3, and says why and what it left, without a traceback."""
    with ReferenceServer(ReferenceConfig(profile=load_profile())) as server:
        command = [
            Path(sys.executable).parent / "swr-conformance", "run", "--endpoint", server.url, "--token", DEV_TOKEN,
            "--registry-username", DEV_REGISTRY_USERNAME, "--registry-password", DEV_REGISTRY_PASSWORD,
            "--output", str(tmp_path / "reports"), "-k", "delete/204 or delete/406 or property/with-images",
        ]  # fmt: skip
        done = subprocess.run(
            command, env=suite_environment(), capture_output=True, text=True, timeout=300, preexec_fn=_limited(6000)
        )
        left = server.store.namespaces()
    assert done.returncode == 3, done.stdout + done.stderr
    assert "cannot write the reports" in done.stderr and "cleanup ran, left behind: nothing" in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr and left == []


@pytest.mark.full
def test_a_reader_that_leaves_early_does_not_change_the_verdict(tmp_path: Path) -> None:
    """`swr-conformance run | head -1`: once the reader has gone, the run goes on (cleanup included) and
    exits as its verdict says (it exited 1 on a broken pipe)."""
    command = [
        Path(sys.executable).parent / "swr-conformance",
        "run",
        "--output",
        str(tmp_path / "o"),
        "-k",
        "delete/204",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=suite_environment())
    assert process.stdout is not None and process.stdout.readline().startswith(b"swr-conformance ")
    process.stdout.close()  # as `head -1` does
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    results = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert results["summary"]["verdict"] == "conformant" and results["leftovers"] == []
