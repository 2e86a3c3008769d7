"""`swr-conformance run` loads only its own pytest plugins: one installed in the user's environment (like
pytest-randomly, -rerunfailures or -xdist) cannot reorder, rerun, deselect or skip checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_suite, suite_environment

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

HOSTILE_PLUGIN = """
import pytest

def pytest_collection_modifyitems(config, items):
    items[:] = items[:1]  # deselect all but one check

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    pytest.skip("skipped by an unrelated plugin")
"""


def _install_plugin(site: Path) -> None:
    """A distribution with a `pytest11` entry point, as pip would install it."""
    (site / "hostile_plugin.py").write_text(HOSTILE_PLUGIN)
    info = site / "hostile_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hostile-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nhostile = hostile_plugin\n")


def test_plugins_of_the_environment_do_not_touch_the_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_plugin(site)
    run = run_suite(tmp_path / "reports", "-k", "delete/204", env={"PYTHONPATH": str(site)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(run.outcomes().values()) == {"passed"} and len(run.outcomes()) == 6


def test_the_installed_plugin_is_inert_in_another_projects_tests(tmp_path: Path) -> None:
    """The package's pytest11 entry point loads the plugin into every pytest session of its environment:
    there it installs no signal handler and writes nothing (an unrelated test of the default SIGTERM
    handler failed)."""
    (tmp_path / "test_theirs.py").write_text(
        "import signal\n\n"
        "def test_default_handlers():\n"
        "    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL\n"
        "    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler\n"
        "    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_theirs.py"],
        cwd=tmp_path, env=suite_environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "swr-conformance-" in done.stdout  # the plugin was loaded ("plugins: swr-conformance-0.1.0, ...")
    assert {p.name for p in tmp_path.iterdir()} <= {"test_theirs.py", "__pycache__"}  # and wrote nothing
