"""406 — 仓库中还有镜像，不允许删除仓库. A repository that holds images is refused, and keeps them."""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.preconditions import refuses_non_empty

CONDITION = "delete.repository-with-images"


@check("delete/406/repository-with-images", CONDITION, severity="critical")
def test_repository_with_images(swr: CheckContext) -> None:
    """The documented status for a repository holding an image: refused with nothing changed, or (where
    the profile says so) deleted with its image, gone from every view and from the registry."""
    repository = swr.unique()
    swr.push_image(repository, "v1")
    response = swr.delete(swr.namespace, repository)
    swr.expect_status(response)
    swr.expect_error_information(response)


@check("delete/406/images-survive", CONDITION, severity="critical")
@requires(refuses_non_empty)
def test_images_survive_the_refusal(swr: CheckContext) -> None:
    """After the refusal every tag and manifest is still there (tags by both APIs, manifests by digest)."""
    repository = swr.unique()
    for tag in ("v1", "v2"):
        swr.push_image(repository, tag)
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/406/deletable-once-emptied", "delete.empty-repository")
@requires(refuses_non_empty)
def test_deletable_after_its_tags_are_deleted(swr: CheckContext) -> None:
    """Once its tags are deleted through the API, the same repository deletes with the success status, and
    nothing of it stays reachable (its manifests included)."""
    repository = swr.unique()
    swr.push_image(repository, "v1")
    swr.expect_status(swr.delete(swr.namespace, repository, condition=CONDITION, subject=False))
    swr.client.delete_tag(swr.namespace, repository, "v1")
    swr.expect_status(swr.delete(swr.namespace, repository))
