"""Concurrent DELETEs of one empty repository: exactly one succeeds, the others find it absent."""

from __future__ import annotations

from conformance.checks import check
from conformance.context import CheckContext

PARALLEL = 16


@check("delete/concurrency/one-winner", "delete.empty-repository", severity="critical")
def test_parallel_deletes_have_one_winner(swr: CheckContext) -> None:
    """16 simultaneous DELETEs: exactly one success status, the rest 404, no 5xx; then it is gone."""
    repository = swr.new_repository()
    exchanges = swr.deletes_at_once(swr.namespace, repository, PARALLEL)
    statuses = sorted(e.status or 0 for e in exchanges)
    winners = [e for e in exchanges if e.status in swr.expectation().statuses]
    swr.subject = winners[0] if winners else exchanges[0]
    absent = swr.expectation("delete.absent-repository").statuses
    losers = [e.status for e in exchanges if e not in winners]
    swr.expect(len(winners) == 1, f"{len(winners)} of {PARALLEL} DELETEs succeeded (statuses {statuses})")
    swr.expect(all(s in absent for s in losers), f"the other DELETEs answered {losers}, expected {absent}")
