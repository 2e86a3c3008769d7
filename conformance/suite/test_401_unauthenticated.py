"""401 — not in the seed document, listed by the current one. Without valid credentials a DELETE
never succeeds and never deletes; the status seen is judged against the profile."""

from __future__ import annotations

from conformance.checks import check_cases, requires
from conformance.context import CheckContext
from conformance.contract.signing import AUTH_PROBES
from conformance.preconditions import signs_requests

CASES = [{"credentials": "none"}, {"credentials": "wrong"}]
SIGNATURE_CASES = [{"probe": probe} for probe in AUTH_PROBES]


@check_cases("delete/401/{credentials}-credentials", "delete.unauthenticated", CASES, severity="blocker")
def test_unauthenticated_delete(swr: CheckContext, credentials: str) -> None:
    """A DELETE with {credentials} credentials is not answered 2xx and deletes nothing."""
    refused_and_kept(swr, credentials)


@check_cases("delete/401/aksk-{probe}", "delete.unauthenticated", SIGNATURE_CASES, severity="blocker")
@requires(signs_requests)
def test_tampered_signature(swr: CheckContext, probe: str) -> None:
    """An AK/SK-signed DELETE with {probe} is not answered 2xx and deletes nothing."""
    refused_and_kept(swr, probe)


def refused_and_kept(swr: CheckContext, credentials: str) -> None:
    """Not 2xx, the repository still there; the status judged against the profile."""
    repository = swr.new_repository()
    response = swr.delete(swr.namespace, repository, credentials=credentials)
    swr.expect(not 200 <= (response.status or 0) < 300, f"answered {response.status} without valid credentials")
    swr.expect(swr.client.repository_exists(swr.namespace, repository), "the repository was deleted")
    expected = swr.expectation()
    if expected.documented:
        swr.expect_status(response)
    elif response.status not in expected.statuses:
        swr.notes.append(f"answered {response.status}; {swr.profile.id} does not document this case")
    swr.expect_error_information(response)
