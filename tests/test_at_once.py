"""Independent calls sent together: results in order, the first failure raised, an interrupt obeyed."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from conformance.at_once import MOST, at_once, which


def test_results_come_in_the_calls_order_and_run_together() -> None:
    together = threading.Barrier(3, timeout=5)  # broken if the calls ran one by one

    def call(n: int) -> int:
        together.wait()
        time.sleep(0.01 * (3 - n))  # the first call ends last
        return n

    assert at_once(*(lambda n=n: call(n) for n in range(3))) == [0, 1, 2]
    assert which(lambda n: n % 2 == 0, range(5)) == [0, 2, 4]


def test_the_first_failure_in_order_is_raised_after_all_ended() -> None:
    ended: list[int] = []

    def call(n: int) -> int:
        time.sleep(0.05 if n == 2 else 0)
        ended.append(n)
        if n in (1, 2):
            raise ValueError(f"call {n}")
        return n

    with pytest.raises(ValueError, match="call 1"):
        at_once(*(lambda n=n: call(n) for n in range(4)))
    assert sorted(ended) == [0, 1, 2, 3]


def test_an_interrupt_drops_the_calls_not_yet_begun() -> None:
    """A third Ctrl-C during cleanup must not wait for every queued repository removal."""
    begun: list[int] = []

    def call(n: int) -> None:
        begun.append(n)
        time.sleep(0.2)

    main = threading.main_thread().ident
    assert main is not None and threading.current_thread().ident == main
    threading.Timer(0.05, lambda: signal.pthread_kill(main, signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        at_once(*(lambda n=n: call(n) for n in range(3 * MOST)))
    assert len(begun) == MOST, "the calls under way finish, the queued ones never start"
