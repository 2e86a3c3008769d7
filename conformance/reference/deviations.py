"""Deliberate contract violations the reference registry can be started with, to prove that the suite
detects them. Test-only: `ReferenceConfig.deviations`, or the hidden `serve --deviation NAME`."""

from __future__ import annotations

import enum


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
