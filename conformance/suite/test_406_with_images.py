"""406 — 仓库中还有镜像，不允许删除仓库. A repository that holds images is refused, and keeps them."""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.preconditions import refuses_non_empty

CONDITION = "delete.repository-with-images"


@check("delete/406/repository-with-images", CONDITION, severity="critical")
def test_repository_with_images(swr: CheckContext) -> None:
    """The documented status for a repository holding an image: refused and kept, or deleted with its images."""
    repository = swr.unique()
    image = swr.push_image(repository, "v1")
    response = swr.delete(swr.namespace, repository)
    swr.expect_status(response)
    swr.expect_error_information(response)
    still_there = swr.client.repository_exists(swr.namespace, repository)
    pullable = swr.client.manifest_exists(swr.namespace, repository, image.digest)
    if swr.expectation().is_success:  # deleted with its images: not through the manage API, nor the registry
        swr.expect(not still_there, "the repository still exists after a successful delete")
        swr.expect(not pullable, f"its manifest {image.digest} is still pullable after a successful delete")
    else:
        swr.expect(still_there and pullable, "the repository or its image is gone although the delete was refused")


@check("delete/406/images-survive", CONDITION, severity="critical")
@requires(refuses_non_empty)
def test_images_survive_the_refusal(swr: CheckContext) -> None:
    """After the refusal every tag and manifest is still there (tags listed, manifests by digest)."""
    repository = swr.unique()
    images = {tag: swr.push_image(repository, tag) for tag in ("v1", "v2")}
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect_images_kept(repository, images)


@check("delete/406/deletable-once-emptied", "delete.empty-repository")
@requires(refuses_non_empty)
def test_deletable_after_its_tags_are_deleted(swr: CheckContext) -> None:
    """Once its tags are deleted through the API, the same repository deletes with the success status."""
    repository = swr.unique()
    swr.push_image(repository, "v1")
    swr.expect_status(swr.delete(swr.namespace, repository, subject=False), CONDITION)
    swr.client.delete_tag(swr.namespace, repository, "v1")
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect(not swr.client.repository_exists(swr.namespace, repository), "the repository still exists")
