"""Independent requests sent together: against a remote target, one round trip instead of several."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
MOST = 8  # requests in flight at once, per caller


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run `calls` concurrently; their results in order. Once all have ended, the first failure (in the
    calls' order) is raised. Interrupted meanwhile (Ctrl-C reaches this thread only), the calls not yet
    begun are dropped and those under way are awaited."""
    if len(calls) < 2:
        return [call() for call in calls]
    pool = ThreadPoolExecutor(max_workers=min(len(calls), MOST), thread_name_prefix="swr-at-once")
    try:
        running = [pool.submit(call) for call in calls]
        wait(running)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [each.result() for each in running]


def which(holds: Callable[[T], bool], items: Iterable[T]) -> list[T]:
    """The `items` for which `holds` is true, all asked at once; in their order."""
    asked = list(items)
    return list(itertools.compress(asked, at_once(*(functools.partial(holds, item) for item in asked))))
