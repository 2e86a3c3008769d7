"""204 — 成功删除镜像仓库的概要信息。 An existing empty repository is deleted, and nothing else is.

Around every DELETE the `swr` context compares what the run can see of the target (see snapshot.py): after
the success status the repository is gone from every view and nothing else changed, so each check here
sets up the neighbourhood it is about."""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.name_strategies import neighbours
from conformance.preconditions import second_namespace

CONDITION = "delete.empty-repository"


@check("delete/204/empty-repository", CONDITION, severity="critical")
def test_empty_repository_is_deleted_without_body(swr: CheckContext) -> None:
    """The documented status, and no body, for an existing empty repository."""
    repository = swr.new_repository()
    response = swr.delete(swr.namespace, repository)
    swr.expect_status(response)
    swr.expect(response.body_text() == "", "the success response carries a body; the document says N/A")


@check("delete/204/repository-gone", CONDITION, severity="critical")
def test_repository_is_gone_afterwards(swr: CheckContext) -> None:
    """Afterwards the repository is gone from every view, and deleting it again answers as absent."""
    repository = swr.new_repository()
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect_status(swr.delete(swr.namespace, repository, condition="delete.absent-repository", subject=False))


@check("delete/204/namespace-survives", CONDITION)
def test_namespace_survives(swr: CheckContext) -> None:
    """Deleting the only repository of a namespace leaves the namespace in place."""
    repository = swr.new_repository()
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/204/siblings-survive", CONDITION, severity="critical")
def test_near_neighbours_survive(swr: CheckContext) -> None:
    """Near-neighbours survive: names that differ by one separator, `__` for `_`, one character, a prefix
    or suffix, and the nested parent and child."""
    stem = "a_b.c-d__e/f"
    repository = swr.unique(stem)
    for name in [*neighbours(repository, keep=len(repository) - len(stem)), repository]:
        swr.client.create_repository(swr.namespace, name)
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/204/other-namespace-survives", CONDITION, severity="critical")
@requires(second_namespace)
def test_same_name_in_another_namespace_survives(swr: CheckContext) -> None:
    """A repository of the same name in another namespace survives."""
    other = swr.other_namespace()
    repository = swr.new_repository()
    swr.client.create_repository(other, repository)
    swr.expect_status(swr.delete(swr.namespace, repository))


@check("delete/204/nested-name", CONDITION, severity="critical")
def test_nested_name_sent_with_dollar(swr: CheckContext) -> None:
    """A nested name (`group/app`) sent as `group$app` is deleted; its parent `group` survives."""
    parent = swr.new_repository("group")
    nested = f"{parent}/app"
    swr.client.create_repository(swr.namespace, nested)
    response = swr.delete(swr.namespace, nested)
    swr.expect("$" in str(response.request.url), "the request did not carry `$` for `/`", response)
    swr.expect_status(response)
