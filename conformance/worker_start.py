"""Workers of a parallel run start warm.

pytest-xdist starts each worker as a new `python -u -c CODE`, and each one imports pytest, the plugin,
hypothesis, httpx, Allure and schemathesis again: about a second of CPU per worker, so four workers on two
cores took 2.6 s to come up. Instead `run --workers N` forks a zygote before pytest starts: a copy of the
`run` process that imports the rest once, then forks one worker per request. xdist starts
`worker_launch.py` in place of python (`--tx popen//python=...`); the launcher hands the zygote its
stdin, stdout, stderr, environment, directory and arguments, and the forked worker runs CODE as
`python -u -c CODE` would, in a fresh `__main__`. Each worker is still a process of its own, in the run's
process group (Ctrl-C reaches it), with its own pid (the controller stops it by that pid). The zygote
lives as long as the `run` process: when `run` closes it, or dies, the zygote waits for its workers to
end (a few seconds at most, then kills them) and exits. Without fork (Windows), workers start cold.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import io
import json
import os
import random
import select
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

LAUNCHER = Path(__file__).with_name("worker_launch.py")
#: What a worker imports that `run` itself has not: imported once, in the zygote.
PRELOAD = ("xdist.remote", "allure_pytest.plugin", "schemathesis")
#: How long the zygote waits for its workers once `run` has ended, before it kills them.
GRACE_S = 10.0
_SOCKET = "zygote"  # its name in the run's private temporary directory


class Zygote:
    def __init__(self, pid: int, lifeline: int, directory: str) -> None:
        self.pid = pid
        self._lifeline = lifeline  # the zygote exits when this closes
        self._directory = directory

    @property
    def socket_path(self) -> str:
        return os.path.join(self._directory, _SOCKET)

    def python(self) -> str:
        """The `python=` of xdist's popen spec: the launcher, connected to this zygote."""
        return shlex.join([sys.executable, "-S", "-E", str(LAUNCHER), self.socket_path])

    def close(self) -> None:
        """End the zygote once its workers have ended."""
        with contextlib.suppress(OSError):
            os.close(self._lifeline)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        shutil.rmtree(self._directory, ignore_errors=True)


def start() -> Zygote | None:
    """Fork the zygote; None where fork or Unix sockets are missing, or once a thread has started (a
    fork copies only the calling thread: locks other threads held would stay locked)."""
    if not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX") or threading.active_count() > 1:
        return None
    directory = tempfile.mkdtemp(prefix="swrc-workers-")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(os.path.join(directory, _SOCKET))
        listener.listen(64)
    except OSError:  # e.g. a TMPDIR too long for a socket path
        listener.close()
        shutil.rmtree(directory, ignore_errors=True)
        return None
    watch, lifeline = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(lifeline)
        _zygote(listener, watch, directory)  # never returns
    listener.close()
    os.close(watch)
    return Zygote(pid, lifeline, directory)


def _zygote(listener: socket.socket, watch: int, directory: str) -> None:
    code = 0
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # `run` decides; the zygote ends when `run` does
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped as they end
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # not the run's output: whoever reads it to the end must not wait for the zygote
        os.close(null)
        for module in PRELOAD:
            importlib.import_module(module)
        gc.freeze()  # the imports are shared with every worker; their collector skips them
        _serve(listener, watch)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        shutil.rmtree(directory, ignore_errors=True)  # also when `run` was killed
        os._exit(code)


def _serve(listener: socket.socket, watch: int) -> None:
    workers: set[int] = set()
    while True:
        readable, _, _ = select.select([listener.fileno(), watch], [], [])
        if watch in readable:  # `run` has ended
            _wait_for(workers)
            return
        connection, _ = listener.accept()
        fds: list[int] = []
        try:
            message, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
            while chunk := connection.recv(1 << 16):
                message += chunk
            request = json.loads(message)
            if len(fds) != 3:
                raise ValueError(f"{len(fds)} file descriptors")
        except (OSError, ValueError) as exc:  # a launcher that died or was not one: the next may be fine
            print(f"swr-conformance: a worker could not start: {exc}", file=sys.stderr)
        else:
            pid = os.fork()
            if pid == 0:
                listener.close()
                os.close(watch)
                _worker(connection, fds, request)  # never returns
            workers.add(pid)
        connection.close()
        for fd in fds:
            os.close(fd)


def _wait_for(workers: set[int]) -> None:
    deadline = time.monotonic() + GRACE_S
    while (alive := {pid for pid in workers if _alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _worker(connection: socket.socket, fds: list[int], request: dict[str, Any]) -> None:
    """Become `python -u -c CODE` with the launcher's stdio, environment and directory."""
    code = 1
    try:
        atexit._clear()  # the `run` process's exit handlers are not this worker's
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True, errors="backslashreplace")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        random.seed()  # not the zygote's state
        argv: list[str] = request["argv"]
        source = argv[argv.index("-c") + 1]
        sys.argv = ["-c", *argv[argv.index("-c") + 2 :]]
        sys.path[0] = ""  # as for `python -c`: the current directory
        exec(compile(source, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        code = 0
    except SystemExit as exit_:
        if isinstance(exit_.code, int) or exit_.code is None:
            code = exit_.code or 0
        else:  # sys.exit("message"), as the interpreter shows it
            print(exit_.code, file=sys.stderr)
    except BaseException:  # as the interpreter would: the traceback on stderr, status 1
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            connection.sendall(str(code).encode())
        os._exit(code)
