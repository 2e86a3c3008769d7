"""Suite processes for the project's tests, started warm: a helper process imports the suite once, then
forks a fresh child for each `swr-conformance` run. Each run is still a process of its own, with its own
arguments, environment, directory, output and exit status, as a pipeline would start it. Only the second
or so of imports per run is saved, and the project's tests start about a hundred runs.

A helper runs one suite process at a time; callers that run several at once get a helper each.
`run()` falls back to a plain process when the code under test is not this checkout
(CONFORMANCE_UNDER_TEST), since the helper has this checkout's modules loaded.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SERVE = [sys.executable, "-m", "tests.warm_start"]
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


class _Helper:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            _SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT
        )  # its environment does not matter: each child gets its run's, whole
        self.lines: queue.Queue[str] = queue.Queue()  # what the helper says: a child's pid, then its status
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def run(self, args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Finished:
        with tempfile.TemporaryDirectory(prefix="swr-warm-") as scratch:
            out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
            request = {"args": args, "env": env, "cwd": str(cwd), "stdout": str(out), "stderr": str(err)}
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            child = int(self.lines.get(timeout=60))
            try:
                status = int(self.lines.get(timeout=timeout))
            except queue.Empty:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                self.lines.get(timeout=60)  # the helper reaps it and reports
                raise subprocess.TimeoutExpired(args, timeout) from None
            return Finished(status, out.read_text(errors="replace"), err.read_text(errors="replace"))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


_idle: queue.SimpleQueue[_Helper] = queue.SimpleQueue()
_all: list[_Helper] = []


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Finished:
    """`python -m conformance ARGS` in a fresh process (forked warm, or started cold)."""
    if os.environ.get("CONFORMANCE_UNDER_TEST") or not hasattr(os, "fork"):
        done = subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
        )
        return Finished(done.returncode, done.stdout, done.stderr)
    try:
        helper = _idle.get_nowait()
    except queue.Empty:
        helper = _Helper()
        _all.append(helper)
    try:
        return helper.run(args, env, cwd, timeout)
    finally:
        _idle.put(helper)


def close_all() -> None:
    for helper in _all:
        helper.close()
    _all.clear()


# -- the helper process --------------------------------------------------------------------------------


def _serve() -> None:
    """Import the suite, then for each request (a JSON line): fork, run it in the child, report the
    child's pid and then its exit status."""
    import allure_pytest.plugin  # noqa: F401  (what `run` loads into pytest)
    import schemathesis  # noqa: F401  (the property checks load it on first use)
    import xdist.plugin  # noqa: F401

    import conformance.cli  # the CLI, the plugin, pytest, hypothesis, httpx
    import conformance.reference.server  # noqa: F401  (the embedded registry: Starlette, uvicorn)

    # Not the check modules: pytest imports them itself, to rewrite their asserts, as in any run.
    assert not [name for name in sys.modules if name.startswith("conformance.suite.")], "imported too early"
    gc.freeze()  # the imports live as long as each child: its collector skips them, its pages stay shared

    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        child = os.fork()
        if child == 0:
            _child(request)  # never returns
        print(child, flush=True)
        _, status = os.waitpid(child, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


def _child(request: dict[str, Any]) -> None:
    code: object = 1
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        random.seed()  # not the helper's state
        from conformance.cli import main

        sys.argv = ["swr-conformance", *request["args"]]
        main(args=request["args"], prog_name="swr-conformance")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # as the interpreter would: the traceback on stderr, exit status 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    _serve()
