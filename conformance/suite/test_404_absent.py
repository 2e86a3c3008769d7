"""404 — repository不存在。 Absent repositories and namespaces; valid names at the limits are not 400."""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.preconditions import second_namespace

ABSENT_REPOSITORY = "delete.absent-repository"
ABSENT_NAMESPACE = "delete.absent-namespace"


@check("delete/404/absent-repository", ABSENT_REPOSITORY, severity="critical")
def test_absent_repository(swr: CheckContext) -> None:
    """A repository that never existed, in an existing namespace."""
    response = swr.delete(swr.namespace, swr.unique("never-created"))
    swr.expect_status(response)
    swr.expect_error_information(response)


@check("delete/404/absent-namespace", ABSENT_NAMESPACE, severity="critical")
def test_absent_namespace(swr: CheckContext) -> None:
    """A repository in a valid namespace that does not exist."""
    response = swr.delete(swr.absent_namespace(), swr.unique())
    swr.expect_status(response)
    swr.expect_error_information(response)


@check("delete/404/already-deleted", ABSENT_REPOSITORY)
def test_already_deleted(swr: CheckContext) -> None:
    """A repository this run has just deleted."""
    repository = swr.new_repository()
    swr.expect_status(swr.delete(swr.namespace, repository, condition="delete.empty-repository", subject=False))
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/404/only-in-other-namespace", ABSENT_REPOSITORY, severity="critical")
@requires(second_namespace)
def test_exists_only_in_another_namespace(swr: CheckContext) -> None:
    """A repository that exists only in another namespace: 404 here, and it survives there."""
    other = swr.other_namespace()
    repository = swr.new_repository(namespace=other)
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/404/namespace-at-length-limit", ABSENT_NAMESPACE)
def test_valid_64_character_namespace(swr: CheckContext) -> None:
    """A valid 64-character namespace that does not exist: 404, not 400."""
    namespace = f"{swr.run.run_id}-" + "n" * (63 - len(swr.run.run_id))
    assert len(namespace) == 64
    swr.expect_status(swr.delete(namespace, swr.unique()))


@check("delete/404/repository-at-length-limit", ABSENT_REPOSITORY)
def test_valid_128_character_repository(swr: CheckContext) -> None:
    """A valid 128-character repository that does not exist: 404, not 400."""
    stem = swr.unique("r")
    repository = stem + "r" * (128 - len(stem))
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/404/double-underscore-repository", ABSENT_REPOSITORY)
def test_double_underscore_repository(swr: CheckContext) -> None:
    """A valid repository name with `__` that does not exist: 404, not 400."""
    swr.expect_status(swr.delete(swr.namespace, swr.unique("a__b")))


@check("delete/404/double-underscore-namespace", ABSENT_NAMESPACE)
def test_double_underscore_namespace(swr: CheckContext) -> None:
    """A valid namespace name with `__` that does not exist: 404, not 400."""
    swr.expect_status(swr.delete(f"{swr.run.run_id}__absent", swr.unique()))
