"""Independent requests sent together: against a remote target, one round trip instead of several.

Lanes (see `exploration.Exploration.sequences`) take turns: one lane's search code runs at a time, and
a lane gives its turn away only while it waits on the network (`network_wait`), so that their round
trips overlap while hypothesis never runs in two threads at once.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
MOST = 8  # requests in flight at once, per caller
_turn = threading.Lock()  # held by the lane whose code runs
_local = threading.local()  # `.lane`: this thread is a lane


def at_once(*calls: Callable[[], Any], most: int = MOST) -> list[Any]:
    """Run `calls` concurrently, at most `most` at a time (1: one after the other, in this thread); their
    results in order. Once all have ended, the first failure (in the calls' order) is raised.
    Interrupted meanwhile (Ctrl-C reaches this thread only), the calls not yet begun are dropped and
    those under way are awaited."""
    if len(calls) < 2 or most < 2:
        return [call() for call in calls]
    pool = ThreadPoolExecutor(max_workers=min(len(calls), most), thread_name_prefix="swr-at-once")
    try:
        running = [pool.submit(call) for call in calls]
        with network_wait():
            wait(running)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [each.result() for each in running]


def which(holds: Callable[[T], bool], items: Iterable[T], most: int = MOST) -> list[T]:
    """The `items` for which `holds` is true, all asked at once; in their order."""
    asked = list(items)
    answers = at_once(*(functools.partial(holds, item) for item in asked), most=most)
    return list(itertools.compress(asked, answers))


@contextlib.contextmanager
def taking_turns() -> Iterator[None]:
    """The calling thread is a lane: its code runs only in its turn."""
    with _turn:
        _local.lane = True
        try:
            yield
        finally:
            _local.lane = False


@contextlib.contextmanager
def network_wait() -> Iterator[None]:
    """Around a wait on the network: a lane gives its turn away meanwhile (anyone else: nothing)."""
    if not getattr(_local, "lane", False):
        yield
        return
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()
