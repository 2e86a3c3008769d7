"""400 — 错误请求，返回错误信息。 One check per broken naming rule, for namespace and repository.

Each answers 400 with SWR error information and changes nothing: the valid twin survives.
"""

from __future__ import annotations

from conformance.checks import check_cases
from conformance.context import CheckContext
from conformance.contract.names import INVALID_CASES, NameKind, invalid_variant

CASES = [{"kind": kind, "case": case} for kind in ("namespace", "repository") for case in INVALID_CASES]


@check_cases("delete/400/{kind}/{case}", "delete.invalid-name", CASES, severity="critical")
def test_invalid_name(swr: CheckContext, kind: str, case: str) -> None:
    """400 with error information for a {kind} name with {case}; its valid twin survives."""
    twin = swr.new_repository("twin")
    if kind == "namespace":
        namespace, repository = invalid_variant(swr.namespace, NameKind.NAMESPACE, case), twin
    else:
        namespace, repository = swr.namespace, invalid_variant(twin, NameKind.REPOSITORY, case)
    response = swr.delete(namespace, repository)
    swr.expect_status(response)
    swr.expect_error_information(response)
