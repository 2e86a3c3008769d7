"""Deliberate contract violations the reference registry can be started with, to prove that the suite
detects them. Test-only: `ReferenceConfig.deviations`, or the hidden `serve --deviation NAME`.

Each is a hook around the documented behaviour, never a branch inside it: `around_delete` wraps the DELETE
under test (what a deviating registry answers instead, and what it does besides); the others are called
where the manage API authenticates (`lets_through`, `refused`), injects faults (`server_error`), deletes
tags (`untags_only`, `untagged`) and lists repositories (`listed`)."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from conformance.contract import names
from conformance.reference import responses as r

if TYPE_CHECKING:
    from starlette.requests import Request

    from conformance.reference.manage import Call
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


Handler = Callable[["Call"], Awaitable[Response]]


def around_delete(handler: Handler) -> Handler:
    """The DELETE under test as a registry with the configured deviations answers it."""

    @functools.wraps(handler)
    async def deviating(call: Call) -> Response:
        state = call.state
        if not state.config.deviations:
            return await handler(call)
        if state.deviates(Deviation.DOLLAR_LITERAL):  # `group$app` read as some other repository
            call = replace(call, params=[call.params[0], call.params[1].replace("$", "-")])
        namespace, repository = call.params[0], names.repository_from_path(call.params[1])
        if (answer := await _instead(state, namespace, repository)) is not None:
            return answer
        answer = await handler(call)
        return await _besides(state, namespace, repository, answer)

    return deviating


async def _instead(state: State, namespace: str, repository: str) -> Response | None:
    """The answer a deviating registry gives in place of the documented one, judging the names or the
    repository's state its own way."""
    profile = state.profile
    invalid, absent = profile.expect("delete.invalid-name").status, profile.expect("delete.absent-repository").status
    rejected = (
        (Deviation.REJECTS_DIGIT_FIRST, repository[:1].isdigit()),
        (Deviation.REJECTS_ONE_CHARACTER, len(repository) == 1),
        (Deviation.REJECTS_MIDDLE_LENGTHS, names.NAMESPACE.max_length < len(repository) < names.REPOSITORY.max_length),
        (Deviation.REJECTS_LONGEST_NAMES, len(repository) == names.REPOSITORY.max_length),
    )
    if any(state.deviates(deviation) and applies for deviation, applies in rejected):
        return r.swr_error_response(invalid, r.INVALID_REPOSITORY, f"invalid repository name {repository!r}")
    unvalidated = state.deviates(Deviation.INVALID_NAME_404) or (
        state.deviates(Deviation.ACCEPTS_NON_ASCII) and not f"{namespace}{repository}".isascii()
    )
    if unvalidated and not (
        names.is_valid(namespace, names.NameKind.NAMESPACE) and names.is_valid(repository, names.NameKind.REPOSITORY)
    ):
        if state.store.namespace(namespace) is None:
            status = profile.expect("delete.absent-namespace").status
            return r.swr_error_response(status, r.NAMESPACE_NOT_FOUND, f"namespace {namespace} does not exist")
        return r.swr_error_response(absent, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")
    if not names.is_valid(namespace, names.NameKind.NAMESPACE) or not names.is_valid(
        repository, names.NameKind.REPOSITORY
    ):
        return None  # the documented 400
    if await state.repository(namespace, repository) is None:
        return None
    tagged = bool(await state.images.tags(namespace, repository))
    deletes_images = profile.expect("delete.repository-with-images").is_success
    refused = not deletes_images and (
        tagged or (state.deviates(Deviation.REFUSES_AFTER_UNTAG) and (namespace, repository) in state.untagged)
    )
    success = Response(status_code=profile.expect("delete.empty-repository").status)
    if refused and state.deviates(Deviation.DELETES_IMAGES):
        await state.remove_with_images(namespace, repository)
        return await _besides(state, namespace, repository, success)
    if refused:
        if tagged:
            return None  # the documented refusal (what a deviation does besides: `_besides`)
        refusal = profile.expect("delete.repository-with-images").status
        return r.swr_error_response(
            refusal, r.NOT_EMPTY, "Failed to delete the image repository because there are images in it"
        )
    if state.deviates(Deviation.LYING_DELETE):
        return success  # and nothing deleted
    if state.deviates(Deviation.KEEPS_MANIFESTS) or untags_only(state):
        state.store.delete_repository(namespace, repository, with_images=True, keep_manifests=True)
        return await _besides(state, namespace, repository, success)
    return None


async def _besides(state: State, namespace: str, repository: str, answer: Response) -> Response:
    """What a deviating registry does after the documented answer (or says instead of it)."""
    profile = state.profile
    success = profile.expect("delete.empty-repository").status
    refusal = profile.expect("delete.repository-with-images")
    if (
        answer.status_code == refusal.status
        and not refusal.is_success
        and state.deviates(Deviation.DROPS_TAGS_ON_REFUSAL)
    ):
        for tag in await state.images.tags(namespace, repository):
            await state.images.delete_tag(namespace, repository, tag["tag"])
    absent = {profile.expect(c).status for c in ("delete.absent-namespace", "delete.absent-repository")}
    if answer.status_code in absent and answer.status_code != success:
        if state.deviates(Deviation.ABSENT_400):
            return r.swr_error_response(400, r.INVALID_REPOSITORY, f"bad repository {namespace}/{repository}")
        if state.deviates(Deviation.ABSENT_204):
            return Response(status_code=success)
    if answer.status_code != success:
        return answer
    await _collateral(state, namespace, repository)
    return Response(status_code=200) if state.deviates(Deviation.SUCCESS_200) else answer


async def _collateral(state: State, namespace: str, repository: str) -> None:
    """What a deviating delete takes along, or leaves behind in a view."""
    if state.deviates(Deviation.STILL_LISTED):
        state.deleted.add((namespace, repository))
    others: list[tuple[str, str]] = []
    if state.deviates(Deviation.UNDERSCORE_WILDCARD):
        pattern = re.compile("".join("." if char == "_" else re.escape(char) for char in repository))
        others += [(namespace, name) for name in state.store.repository_names(namespace) if pattern.fullmatch(name)]
    if state.deviates(Deviation.DELETES_SIBLINGS):
        others += [(namespace, name) for name in state.store.repository_names(namespace, prefix=repository)]
    if state.deviates(Deviation.SAME_NAME_ELSEWHERE):
        others += [(row["name"], repository) for row in state.store.namespaces() if row["name"] != namespace]
    if state.deviates(Deviation.DELETES_NAMESPACE):
        others += [(namespace, name) for name in state.store.repository_names(namespace)]
    for other_namespace, name in others:
        if state.store.repository(other_namespace, name) is not None:
            await state.remove_with_images(other_namespace, name)
    if state.deviates(Deviation.DELETES_NAMESPACE):
        state.store.delete_namespace(namespace)


def lets_through(state: State, request: Request) -> bool:
    """A DELETE under test carried out without valid credentials (any, or any signature)."""
    signed = "authorization" in request.headers
    return state.deviates(Deviation.AUTH_BYPASS) or (state.deviates(Deviation.SIGNATURE_BYPASS) and signed)


def refused(state: State, namespace: str, repository: str) -> Response | None:
    """The answer to a DELETE without valid credentials, where a deviation answers it its own way."""
    if not state.deviates(Deviation.DISCLOSES_EXISTENCE) or state.store.repository(namespace, repository):
        return None
    return r.swr_error_response(404, r.REPOSITORY_NOT_FOUND, f"repository {namespace}/{repository} not found")


def server_error(state: State, status: int) -> Response | None:
    """An injected fault answered without error information (an HTML page)."""
    if not state.deviates(Deviation.BARE_SERVER_ERROR):
        return None
    return Response("<html><body>Internal Server Error</body></html>", status, media_type="text/html")


def untagged(state: State, namespace: str, repository: str) -> None:
    """A tag of the repository was deleted: remembered where a deviation refuses it for that."""
    if state.deviates(Deviation.REFUSES_AFTER_UNTAG):
        state.untagged.add((namespace, repository))


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
