"""500 — 服务器内部错误，返回错误信息。 Provoked where the target offers fault injection.

(Any 500 seen during any check must carry error information too: the `swr` fixture checks that.)
"""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.contract.faults import FAULT_HEADER
from conformance.outcomes import Broken
from conformance.preconditions import fault_injection


@check("delete/500/server-error", "delete.server-error")
@requires(fault_injection)
def test_server_error_carries_error_information(swr: CheckContext) -> None:
    """An injected internal error answers 500 with error information and deletes nothing."""
    repository = swr.new_repository()
    response = swr.delete(swr.namespace, repository, headers={FAULT_HEADER: "internal-error"})
    if 200 <= (response.status or 0) < 300:
        raise Broken(
            f"the target ignored {FAULT_HEADER} on this DELETE (answered {response.status}): no fault injected"
        )
    swr.expect_status(response)
    swr.expect_error_information(response)
