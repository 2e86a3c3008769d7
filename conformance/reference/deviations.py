"""Deliberate contract violations the reference registry can be started with, to prove that the suite
detects them. Test-only: `ReferenceConfig.deviations`, or the hidden `serve --deviation NAME`.

The newer ones are hooks the handlers call around the documented behaviour (`refused`, `before_delete`,
`after_delete`, `listed`, `untags_only`); the older ones are still branches in `manage.py`."""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from conformance.contract import names
from conformance.reference import responses as r

if TYPE_CHECKING:
    from conformance.reference.state import State


class Deviation(enum.StrEnum):
    SUCCESS_200 = "success-200"  # a successful delete answers 200 instead of the profile's status
    DELETES_IMAGES = "deletes-images"  # a repository holding images is deleted with them, not refused
    INVALID_NAME_404 = "invalid-name-404"  # names are not validated: a bad name is merely "not found"
    AUTH_BYPASS = "auth-bypass"  # a DELETE without valid credentials is carried out
    DELETES_SIBLINGS = "deletes-siblings"  # deleting `app` also deletes `app-2`, `app/sub`, ...
    DELETES_NAMESPACE = "deletes-namespace"  # deleting a repository removes its whole namespace too
    REFUSES_AFTER_UNTAG = "refuses-after-untag"  # a repository whose tags were all deleted is still refused
    REJECTS_LONGEST_NAMES = "rejects-longest-names"  # a repository name at the length limit is answered 400
    KEEPS_MANIFESTS = "keeps-manifests"  # a repository deleted with its images leaves its manifests pullable
    LYING_DELETE = "lying-delete"  # a delete answers the success status and deletes nothing
    ABSENT_400 = "absent-400"  # an absent repository or namespace is answered 400, as if the name were invalid
    ABSENT_204 = "absent-204"  # deleting an absent repository "succeeds" (an idempotent re-delete answers 204)
    SIGNATURE_BYPASS = "signature-bypass"  # any AK/SK-signed DELETE is carried out, the signature unchecked
    BARE_SERVER_ERROR = "bare-server-error"  # a 500 answer carries no error information (an HTML page)
    DOLLAR_LITERAL = "dollar-literal"  # the DELETE reads `$` literally: `group$app` is not `group/app`
    SAME_NAME_ELSEWHERE = "same-name-elsewhere"  # deleting ns/app also deletes app in every other namespace
    DROPS_TAGS_ON_REFUSAL = "drops-tags-on-refusal"  # the refusal is answered, but the tags are deleted
    STILL_LISTED = "still-listed"  # a deleted repository stays in list-repositories (a stale index)
    UNDERSCORE_WILDCARD = "underscore-wildcard"  # the delete matches `_` as any one character: `a_b` takes `a-b`
    KEEPS_UNTAGGED_MANIFESTS = "keeps-untagged-manifests"  # untagging, then deleting, leaves manifests pullable
    DISCLOSES_EXISTENCE = "discloses-existence"  # unauthenticated: 404 for what is absent, 401 only for what exists
    REJECTS_DIGIT_FIRST = "rejects-digit-first"  # a repository name that starts with a digit is answered 400
    REJECTS_ONE_CHARACTER = "rejects-one-character"  # a one-character repository name is answered 400
    REJECTS_MIDDLE_LENGTHS = "rejects-middle-lengths"  # a repository name of 65 to 127 characters is answered 400
    ACCEPTS_NON_ASCII = "accepts-non-ascii"  # a name with a non-ASCII character passes validation: merely not found


def refused(state: State, namespace: str, repository: str) -> Response | None:
    """The answer to a DELETE without valid credentials, where a deviation answers it its own way."""
    if not state.deviates(Deviation.DISCLOSES_EXISTENCE) or state.store.repository(namespace, repository):
        return None
    return r.swr_error_response(404, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")


def before_delete(state: State, namespace: str, repository: str) -> Response | None:
    """The answer a deviating registry gives instead of the documented one, judging the names its own way."""
    invalid = state.profile.expect("delete.invalid-name").status
    rejected = (
        (Deviation.REJECTS_DIGIT_FIRST, repository[:1].isdigit()),
        (Deviation.REJECTS_ONE_CHARACTER, len(repository) == 1),
        (Deviation.REJECTS_MIDDLE_LENGTHS, names.NAMESPACE.max_length < len(repository) < names.REPOSITORY.max_length),
    )
    if any(state.deviates(deviation) and applies for deviation, applies in rejected):
        return r.swr_error_response(invalid, r.INVALID_REPOSITORY, f"invalid repository name {repository!r}")
    if state.deviates(Deviation.ACCEPTS_NON_ASCII) and not f"{namespace}{repository}".isascii():
        absent = state.profile.expect("delete.absent-repository").status
        return r.swr_error_response(absent, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")
    return None


async def after_delete(state: State, namespace: str, repository: str) -> None:
    """What a deviating registry does besides a successful delete."""
    if state.deviates(Deviation.STILL_LISTED):
        state.deleted.add((namespace, repository))
    if state.deviates(Deviation.UNDERSCORE_WILDCARD):
        pattern = re.compile("".join("." if char == "_" else re.escape(char) for char in repository))
        for other in state.store.repository_names(namespace):
            if pattern.fullmatch(other):
                await state.images.delete_all(namespace, other)
                state.store.delete_repository(namespace, other, with_images=True)


def listed(state: State, namespace: str, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listing of a namespace as a deviating registry gives it (with repositories it deleted)."""
    if not state.deviates(Deviation.STILL_LISTED):
        return shown
    names_shown = {view["name"] for view in shown}
    stale = sorted(name for ns, name in state.deleted if ns == namespace and name not in names_shown)
    return shown + [{"name": name, "namespace": namespace, "num_images": 0} for name in stale]


def untags_only(state: State) -> bool:
    """A tag delete that leaves the tag's manifest in place (and the repository's delete leaves it too)."""
    return state.deviates(Deviation.KEEPS_UNTAGGED_MANIFESTS)
