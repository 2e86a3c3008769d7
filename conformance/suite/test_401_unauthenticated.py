"""401 — not in the seed document, listed by the current one. Without valid credentials a DELETE
never succeeds, never changes anything and does not tell what exists; the status is judged against the
profile."""

from __future__ import annotations

from conformance.checks import check_cases, requires
from conformance.context import CheckContext
from conformance.contract.signing import AUTH_PROBES
from conformance.preconditions import signs_requests

CASES = [{"credentials": "none"}, {"credentials": "wrong"}]
SIGNATURE_CASES = [{"probe": probe} for probe in AUTH_PROBES]


@check_cases("delete/401/{credentials}-credentials", "delete.unauthenticated", CASES, severity="blocker")
def test_unauthenticated_delete(swr: CheckContext, credentials: str) -> None:
    """A DELETE with {credentials} credentials is refused alike whatever exists, and changes nothing."""
    refused_and_kept(swr, credentials)


@check_cases("delete/401/aksk-{probe}", "delete.unauthenticated", SIGNATURE_CASES, severity="blocker")
@requires(signs_requests)
def test_tampered_signature(swr: CheckContext, probe: str) -> None:
    """An AK/SK-signed DELETE with {probe} is refused alike whatever exists, and changes nothing."""
    refused_and_kept(swr, probe)


def refused_and_kept(swr: CheckContext, credentials: str) -> None:
    """Sent to an existing repository, an absent repository and an absent namespace: never 2xx, the same
    refusal for all three (a difference tells an unauthenticated caller what exists), nothing changed; the
    status judged against the profile."""
    existing = swr.new_repository()
    targets = {
        "an existing repository": (swr.namespace, existing),
        "an absent repository": (swr.namespace, swr.unique("absent")),
        "an absent namespace": (swr.absent_namespace(), swr.unique()),
    }
    answers = {what: swr.delete(*target, credentials=credentials) for what, target in targets.items()}
    for what, answer in answers.items():
        swr.expect(not 200 <= (answer.status or 0) < 300, f"{what}: {answer.status} without valid credentials", answer)
    response = answers["an existing repository"]
    odd = [answer for answer in answers.values() if answer.status != response.status]
    seen = ", ".join(f"{what} {answer.status}" for what, answer in answers.items())
    swr.expect(not odd, f"the refusal tells an unauthenticated caller what exists: {seen}", odd[0] if odd else None)
    expected = swr.expectation()
    if expected.documented:
        swr.expect_status(response)
    elif response.status not in expected.statuses:
        swr.notes.append(f"answered {response.status}; {swr.profile.id} does not document this case")
    swr.expect_error_information(response)
