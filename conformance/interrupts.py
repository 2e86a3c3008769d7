"""Ctrl-C, SIGTERM and SIGHUP: the first stops the checks, cleanup still runs; a second one while the first
is still being handled (before cleanup begins) is only announced; during cleanup one more signal is only
announced, the next aborts cleanup and leaves the journal for `swr-conformance sweep`; once cleanup has
ended, a signal is only announced (the reports are being written)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: The controller of a parallel run stops its workers with this: a first interrupt, never a second one
#: (after Ctrl-C in a terminal the workers already got SIGINT themselves).
STOP = signal.SIGUSR1


class Interrupts:
    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.received = 0
        self.cleanup_aborted = False
        self._cleaning = False
        self._cleaned = False
        self._warned = False
        self._journal = ""
        self._say = say or (lambda line: print(line, file=sys.stderr, flush=True))

    @property
    def interrupted(self) -> bool:
        return self.received > 0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        if self._cleaned:
            self._say("swr-conformance: cleanup has ended; writing the reports")
            return
        if self._cleaning and not self._warned:
            self._warned = True
            self._say(f"swr-conformance: cleaning up; press Ctrl-C again to abort and leave {self._journal}")
            return
        if not self._cleaning and self.received == 2:  # the first is still on its way to the cleanup
            self._say("swr-conformance: stopping; cleanup follows")
            return
        raise KeyboardInterrupt

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.interrupted:
            self._handle(signum, frame)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the signals while inside (only the main thread can). Once cleanup has ended, the
        handlers stay until the process exits: a late signal must not cut the exit status short."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous: dict[int, Any] = {s: signal.signal(s, self._handle) for s in _SIGNALS}
        previous[STOP] = signal.signal(STOP, self._stop)
        try:
            yield
        finally:
            if not self._cleaned:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)

    @contextlib.contextmanager
    def cleaning(self, journal: str) -> Iterator[bool]:
        """Cleanup runs inside (when the value is true); a signal is announced once, the next aborts
        (cleanup_aborted), even while the first announcement is still being written."""
        self._cleaning, self._journal = True, journal
        try:
            if self.interrupted:
                self._say(f"swr-conformance: interrupted; cleaning up what the run created (journal {journal})")
        except KeyboardInterrupt:
            self.cleanup_aborted = True
        try:
            yield not self.cleanup_aborted
        except KeyboardInterrupt:
            self.cleanup_aborted = True
        finally:
            self._cleaning, self._cleaned = False, True
