"""401 — not in the seed document, listed by the current one. Without valid credentials a DELETE
never succeeds and never deletes; the status seen is judged against the profile."""

from __future__ import annotations

from conformance.checks import check_cases
from conformance.context import CheckContext

CASES = [{"credentials": "none"}, {"credentials": "wrong"}]


@check_cases("delete/401/{credentials}-credentials", "delete.unauthenticated", CASES, severity="blocker")
def test_unauthenticated_delete(swr: CheckContext, credentials: str) -> None:
    """A DELETE with {credentials} credentials is not answered 2xx and deletes nothing."""
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
