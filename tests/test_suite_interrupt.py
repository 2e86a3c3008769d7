"""Ctrl-C (SIGINT) or a cancelled pipeline (SIGTERM) mid-run: cleanup still runs, and the run is not
reported as conformant."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.profiles import load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import ReferenceServer
from tests.conftest import reference_target


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_cleans_up_and_is_not_conformant(tmp_path: Path, signum: int) -> None:
    config = ReferenceConfig(profile=load_profile(), faults=True, latency_ms=20)
    with ReferenceServer(config) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")} | {"PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", "--output", str(tmp_path), *reference_target(server)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        passed = 0
        while passed < 3:  # let a few checks finish, then interrupt the run in the middle of one
            line = process.stdout.readline()
            assert line, "the run ended before it could be interrupted"
            passed += line.startswith("PASSED")
        process.send_signal(signum)
        output = process.stdout.read()
        assert process.wait(timeout=120) == 3, output
        assert server.store.namespaces() == []
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["interrupted"] is True and results["leftovers"] == []
    assert results["summary"]["verdict"] == "broken" and results["summary"]["failed"] == 0
    assert "→ BROKEN" in output
