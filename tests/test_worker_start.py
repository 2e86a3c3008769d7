"""Workers started warm (conformance/worker_start.py): a worker forked by the zygote behaves as the
`python -u -c CODE` pytest-xdist would have started, the zygote ends with the run and takes lingering
workers with it, and a run whose zygote cannot start still runs its workers (cold)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conformance.reference.server import ReferenceServer
from tests.conftest import reference_target, run_suite, suite_environment

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick

#: Started from a fresh process: the zygote is forked from the process that calls start().
_LAUNCH = textwrap.dedent(
    """
    import json, os, shlex, subprocess, sys
    from conformance import worker_start
    worker_start.GRACE_S = 0.5
    zygote = worker_start.start()
    launcher = shlex.split(zygote.python())
    code = sys.argv[1]
    worker = subprocess.run([*launcher, "-u", "-c", code, "an-argument"], input="a line\\n", capture_output=True,
                            text=True, env={**os.environ, "MARK": "from-the-launcher"}, cwd=sys.argv[2], timeout=60)
    zygote.close()
    print(json.dumps({"zygote": zygote.pid, "stdout": worker.stdout, "stderr": worker.stderr,
                      "status": worker.returncode, "parent": os.getpid()}))
    """
)


def _launch(code: str, cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCH, textwrap.dedent(code), str(cwd)],
        capture_output=True, text=True, timeout=120, env=suite_environment(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_worker_is_python_dash_c_with_the_launchers_stdin_stdout_environment_and_directory(tmp_path: Path) -> None:
    result = _launch(
        """
        import json, os, sys
        line = sys.stdin.readline()
        print(json.dumps({"line": line, "argv": sys.argv, "cwd": os.getcwd(), "mark": os.environ.get("MARK"),
                          "path0": sys.path[0], "pid": os.getpid(), "parent": os.getppid(), "name": __name__}))
        print("on stderr", file=sys.stderr)
        """,
        tmp_path,
    )
    assert result["status"] == 0 and result["stderr"] == "on stderr\n", result
    seen = json.loads(str(result["stdout"]))
    assert seen["line"] == "a line\n" and seen["argv"] == ["-c", "an-argument"] and seen["name"] == "__main__"
    assert seen["cwd"] == str(tmp_path) and seen["mark"] == "from-the-launcher" and seen["path0"] == ""
    assert seen["parent"] == result["zygote"] != seen["pid"]  # a process of its own, forked by the zygote


def test_a_workers_exit_status_and_errors_reach_the_launcher(tmp_path: Path) -> None:
    assert _launch("import sys; sys.exit(3)", tmp_path)["status"] == 3
    said = _launch("import sys; sys.exit('cannot start')", tmp_path)
    assert (said["status"], said["stderr"]) == (1, "cannot start\n")
    raised = _launch("raise ValueError('broken worker')", tmp_path)
    assert raised["status"] == 1 and "ValueError: broken worker" in str(raised["stderr"])


def test_a_connection_that_is_no_launcher_does_not_stop_the_zygote(tmp_path: Path) -> None:
    script = _LAUNCH.replace(
        "worker = subprocess.run(",
        "import socket\n"
        "stray = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "stray.connect(zygote.socket_path); stray.sendall(b'not a request'); stray.close()\n"
        "assert subprocess.run([*launcher, '-u', '-c', 'pass'], timeout=60).returncode == 0\n"
        "worker = subprocess.run(",
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "print('still serving')", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=suite_environment(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["status"], result["stdout"]) == (0, "still serving\n"), result
    assert "a worker could not start" in done.stderr


def test_the_zygote_ends_with_the_run_and_kills_a_worker_that_lingers(tmp_path: Path) -> None:
    """The launcher is killed (as xdist does to a worker that will not stop); the worker lingers, ignoring
    its signals; closing the zygote kills it after the grace period."""
    code = """
        import os, signal, subprocess, sys, time
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        open("worker.pid", "w").write(str(os.getpid()))
        time.sleep(600)
    """
    script = _LAUNCH.replace(
        "worker = subprocess.run(",
        "launched = subprocess.Popen([*launcher, '-u', '-c', code], cwd=sys.argv[2])\n"
        "import time\n"
        "while not os.path.exists(os.path.join(sys.argv[2], 'worker.pid')): time.sleep(0.02)\n"
        "launched.kill(); launched.wait()\n"
        "worker = subprocess.run(",
    ).replace('"-u", "-c", code, "an-argument"', '"-u", "-c", "pass"')
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, textwrap.dedent(code), str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=suite_environment(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 30
    pid = int((tmp_path / "worker.pid").read_text())
    assert _ended(pid)
    zygote = json.loads(done.stdout)["zygote"]
    assert not Path(f"/proc/{zygote}").exists()


def test_the_zygote_ends_when_the_run_dies_without_closing_it(tmp_path: Path) -> None:
    script = "import os\nfrom conformance import worker_start\nz = worker_start.start()\nprint(z.pid, z.socket_path)"
    done = subprocess.run(
        [sys.executable, "-c", script + "\nos._exit(9)"], capture_output=True, text=True, timeout=60,
        env=suite_environment(),
    )  # fmt: skip
    assert done.returncode == 9, done.stderr
    pid, socket_path = done.stdout.split()
    zygote = int(pid)
    deadline = time.monotonic() + 10
    while not _ended(zygote) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ended(zygote)
    assert not Path(socket_path).parent.exists()  # nothing left in the temporary directory


def _ended(pid: int) -> bool:
    """Gone, or a zombie its parent has not reaped yet."""
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def test_workers_start_cold_when_the_zygote_cannot(tmp_path: Path, reference: ReferenceServer) -> None:
    """A temporary directory whose path is too long for a Unix socket: no zygote, the workers start as
    pytest-xdist starts them, and the run is the same."""
    long_tmp = tmp_path / ("t" * 120)
    long_tmp.mkdir()
    run = run_suite(
        tmp_path / "reports", *reference_target(reference), "--workers", "2", "-k", "delete/204",
        env={"TMPDIR": str(long_tmp)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(run.outcomes().values()) == {"passed"} and len(run.outcomes()) == 6
    assert "· 2 workers" in run.stdout and not [d for d in os.listdir(long_tmp) if d.startswith("swrc-workers-")]
