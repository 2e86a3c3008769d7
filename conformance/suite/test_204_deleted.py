"""204 — 成功删除镜像仓库的概要信息。 An existing empty repository is deleted, and nothing else is."""

from __future__ import annotations

from conformance.checks import check, requires
from conformance.context import CheckContext
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
    """Afterwards the repository is gone: showing it answers 404, deleting it again answers 404."""
    repository = swr.new_repository()
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect(not swr.client.repository_exists(swr.namespace, repository), "the repository still exists")
    swr.expect_status(swr.delete(swr.namespace, repository), "delete.absent-repository")


@check("delete/204/namespace-survives", CONDITION)
def test_namespace_survives(swr: CheckContext) -> None:
    """Deleting a repository leaves its namespace in place."""
    repository = swr.new_repository()
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect(swr.client.namespace_exists(swr.namespace), f"namespace {swr.namespace} was deleted too")


@check("delete/204/siblings-survive", CONDITION, severity="critical")
def test_siblings_with_extending_names_survive(swr: CheckContext) -> None:
    """Siblings whose names extend the deleted one (`app-2`, `app/sub`) survive."""
    repository = swr.new_repository()
    siblings = [f"{repository}-2", f"{repository}/sub", f"{repository}2"]
    for sibling in siblings:
        swr.client.create_repository(swr.namespace, sibling)
    swr.expect_status(swr.delete(swr.namespace, repository))
    gone = [s for s in siblings if not swr.client.repository_exists(swr.namespace, s)]
    swr.expect(not gone, f"deleting {repository} also removed {gone}")


@check("delete/204/other-namespace-survives", CONDITION, severity="critical")
@requires(second_namespace)
def test_same_name_in_another_namespace_survives(swr: CheckContext) -> None:
    """A repository of the same name in another namespace survives."""
    other = swr.other_namespace()
    repository = swr.new_repository()
    swr.client.create_repository(other, repository)
    swr.expect_status(swr.delete(swr.namespace, repository))
    swr.expect(swr.client.repository_exists(other, repository), f"{other}/{repository} was deleted too")


@check("delete/204/nested-name", CONDITION, severity="critical")
def test_nested_name_sent_with_dollar(swr: CheckContext) -> None:
    """A nested name (`group/app`) sent as `group$app` is deleted; its parent `group` survives."""
    parent = swr.new_repository("group")
    nested = f"{parent}/app"
    swr.client.create_repository(swr.namespace, nested)
    response = swr.delete(swr.namespace, nested)
    swr.expect("$" in str(response.request.url), "the request did not carry `$` for `/`", response)
    swr.expect_status(response)
    swr.expect(not swr.client.repository_exists(swr.namespace, nested), f"{nested} still exists")
    swr.expect(swr.client.repository_exists(swr.namespace, parent), f"the parent {parent} was deleted too")
