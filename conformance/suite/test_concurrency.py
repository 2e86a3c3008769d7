"""Concurrent DELETEs of one empty repository: exactly one succeeds, the others find it absent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conformance.checks import check
from conformance.context import CheckContext
from conformance.transcript import Exchange

PARALLEL = 16


@check("delete/concurrency/one-winner", "delete.empty-repository", severity="critical")
def test_parallel_deletes_have_one_winner(swr: CheckContext) -> None:
    """16 simultaneous DELETEs: exactly one success status, the rest 404, no 5xx; then it is gone."""
    repository = swr.new_repository()
    start = threading.Barrier(PARALLEL)

    def delete(_: int) -> Exchange:
        start.wait(timeout=30)
        return swr.client.delete_repository(swr.namespace, repository)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        exchanges = list(pool.map(delete, range(PARALLEL)))
    statuses = sorted(e.status or 0 for e in exchanges)
    winners = [e for e in exchanges if e.status in swr.expectation().statuses]
    swr.subject = winners[0] if winners else exchanges[0]
    absent = swr.expectation("delete.absent-repository").statuses
    losers = [e.status for e in exchanges if e not in winners]
    swr.expect(len(winners) == 1, f"{len(winners)} of {PARALLEL} DELETEs succeeded (statuses {statuses})")
    swr.expect(all(s in absent for s in losers), f"the other DELETEs answered {losers}, expected {absent}")
    swr.expect(not swr.client.repository_exists(swr.namespace, repository), "the repository still exists")
