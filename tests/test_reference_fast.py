"""A small response on a kept-alive connection is not held back by delayed ACKs (TCP_NODELAY is set)."""

from __future__ import annotations

import statistics
import time

import httpx

from conformance.reference.server import ReferenceServer


def test_a_small_response_takes_well_under_40_ms(manage: httpx.Client, reference: ReferenceServer) -> None:
    manage.get("/v2/manage/namespaces/absent")  # the connection is open and kept alive from here on
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        assert manage.get("/v2/manage/namespaces/absent").status_code == 404
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.02, timings  # with delayed ACKs: ~0.044 s each
