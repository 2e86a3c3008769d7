"""Running the reference registry: in the foreground (`swr-conformance serve`) or on a background
thread for the suite and the tests (`with ReferenceServer(config) as server: ...`)."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.config import ReferenceConfig
from conformance.reference.store import Store

DB_FILE = "reference.sqlite3"


class ReferenceServer:
    def __init__(
        self, config: ReferenceConfig, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.config = config
        self._tmp = None if config.data_dir else tempfile.TemporaryDirectory(prefix="swr-reference-")
        self.data_dir = config.data_dir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / DB_FILE)
        # Bind before starting, so that port 0 yields a known free port.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only for that protocol, and
        # without it every response with a body waits ~40 ms for delayed ACKs.
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.url = (
            f"http://[{bound_host}]:{bound_port}" if family == socket.AF_INET6 else f"http://{bound_host}:{bound_port}"
        )
        app = create_app(config, self.store)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off"))
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl-C)."""
        self._server.run(sockets=[self._socket])

    def close(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ReferenceServer:
        self._thread = threading.Thread(target=self.run, daemon=True, name="swr-reference")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"reference registry failed to start on {self.url}")
            time.sleep(0.01)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
