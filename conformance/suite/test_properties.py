"""Properties over the naming grammar, searched on the target with hypothesis (`--examples`, `--seed`):
first a covering set of names (every length class, separator, depth, rule and kind of illegal character),
then drawn ones.

In a namespace the run created every repository name is the run's, so the whole grammar is drawn there;
in a shared one (`--namespace`), and for namespace names, each name carries the run's prefix. Every DELETE
passes the client's guard. A drawn failure is shrunk to a minimal name and reported with its curl.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.contract.names import NameKind, repository_from_path, violation
from conformance.contract.resources import SPEC_FILE
from conformance.name_strategies import (
    any_invalid_names,
    covering_invalid,
    covering_valid,
    neighbours,
    path_formats,
    valid_names,
)
from conformance.preconditions import properties_enabled, refuses_non_empty


@check("property/invalid-name", "delete.invalid-name", severity="critical")
@requires(properties_enabled)
def test_any_invalid_name_is_refused(swr: CheckContext) -> None:
    """Any namespace or repository name that breaks a naming rule (every rule, every kind of illegal
    character): the profile's status, error information, and nothing changed."""
    namespace, prefix = swr.drawing_ground()
    sentinel = swr.new_repository("sentinel", namespace)
    marked = swr.run.run_id  # invalid namespace names begin like the run's (the repository is its sentinel)
    seed = swr.budget.seed
    names = st.one_of(
        st.tuples(st.just(NameKind.NAMESPACE), any_invalid_names(NameKind.NAMESPACE, marked)),
        st.tuples(st.just(NameKind.REPOSITORY), any_invalid_names(NameKind.REPOSITORY, prefix)),
    )
    covering = [(NameKind.NAMESPACE, name) for name in covering_invalid(NameKind.NAMESPACE, seed, marked)]
    covering += [(NameKind.REPOSITORY, name) for name in covering_invalid(NameKind.REPOSITORY, seed, prefix)]

    def refused(drawn: tuple[NameKind, str]) -> None:
        kind, name = drawn
        response = swr.delete(*((name, sentinel) if kind is NameKind.NAMESPACE else (namespace, name)))
        swr.expect_status(response)
        swr.expect_error_information(response)

    swr.exploration.examples(names, refused, covering)


@check("property/absent-name", "delete.absent-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_absent_name_is_not_found(swr: CheckContext) -> None:
    """Any valid repository name (every length class to the limit, every separator and `__`, a digit
    first, nested 1 to 4 levels with `/` sent as `$`) that does not exist: exactly the profile's status."""
    namespace, prefix = swr.drawing_ground()
    swr.exploration.examples(
        valid_names(NameKind.REPOSITORY, prefix),
        lambda name: swr.expect_status(swr.delete(namespace, name)),
        covering_valid(NameKind.REPOSITORY, swr.budget.seed, prefix),
    )


@check("property/created-then-deleted", "delete.empty-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_created_name_deletes_once(swr: CheckContext) -> None:
    """Any valid repository name the run creates empty, next to near-neighbours of it: the success
    status once, the neighbours untouched, then not found."""
    namespace, prefix = swr.drawing_ground()
    with_neighbours = valid_names(NameKind.REPOSITORY, prefix).flatmap(
        lambda name: st.tuples(st.just(name), st.lists(st.sampled_from(_neighbours(name, prefix)), max_size=2))
    )
    covering = [
        (name, _neighbours(name, prefix)[:1]) for name in covering_valid(NameKind.REPOSITORY, swr.budget.seed, prefix)
    ]

    def deleted_once(drawn: tuple[str, list[str]]) -> None:
        name, others = drawn
        with swr.example():
            for repository in dict.fromkeys([*others, name]):
                swr.client.create_repository(namespace, repository)
            swr.expect_status(swr.delete(namespace, name))
            swr.expect_status(swr.delete(namespace, name, condition="delete.absent-repository"))

    swr.exploration.examples(with_neighbours, deleted_once, covering)


def _neighbours(name: str, prefix: str) -> list[str]:
    """The near-neighbours of `name` that keep the run's prefix (a name with none has only itself)."""
    return neighbours(name, keep=len(prefix)) or [name]


@check("property/with-images-refused", "delete.repository-with-images", severity="critical")
@requires(properties_enabled, refuses_non_empty)
def test_any_repository_with_images_is_refused_and_keeps_them(swr: CheckContext) -> None:
    """Any valid repository the run pushed images to: the profile's refusal, and every tag and manifest
    is still there afterwards."""
    namespace, prefix = swr.drawing_ground()
    tags = st.lists(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,15}", fullmatch=True), min_size=1, max_size=2, unique=True)
    names = covering_valid(NameKind.REPOSITORY, swr.budget.seed, prefix)
    covering = [(name, ["v1"]) for name in (names[1], names[-1])]  # two characters (a digit first); the limit

    def refused(drawn: tuple[str, list[str]]) -> None:
        name, pushed = drawn
        with swr.example():
            for tag in pushed:
                swr.push_image(name, tag, namespace)
            swr.expect_status(swr.delete(namespace, name))

    swr.exploration.examples(st.tuples(valid_names(NameKind.REPOSITORY, prefix), tags), refused, covering)


OPERATION = "/v2/manage/namespaces/{namespace}/repos/{repository}"


@check("property/schema/positive", "delete.absent-repository", severity="critical")
@requires(properties_enabled)
def test_schema_positive_cases(swr: CheckContext) -> None:
    """Valid cases schemathesis generates from the OpenAPI description, made the run's own: the answer
    conforms to the description (status, content type, headers, schema) and is the profile's 404."""
    _schema_driven(swr, positive=True)


@check("property/schema/negative", "delete.invalid-name", severity="critical")
@requires(properties_enabled)
def test_schema_negative_cases(swr: CheckContext) -> None:
    """Cases schemathesis generates against the OpenAPI description (names that break its patterns and
    lengths): the answer conforms to the description and is the profile's status for its condition."""
    _schema_driven(swr, positive=False)


@functools.cache
def _operation_under_test() -> Any:
    """The DELETE from the OpenAPI description, loaded once per run, with the spec's name formats
    drawn from the grammar (schemathesis' custom-format hook) instead of from the regex patterns."""
    import schemathesis  # only when these checks run: it is a heavy import

    for name, strategy in path_formats().items():
        schemathesis.openapi.format(name, strategy)
    return schemathesis.openapi.from_path(SPEC_FILE)[OPERATION]["DELETE"]


def _schema_driven(swr: CheckContext, positive: bool) -> None:
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi import checks

    operation = _operation_under_test()
    # The checks that fit this contract; a 5xx is judged by the profile's error-information rule instead.
    fitting = [
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ]

    def conforms(case: Any) -> None:
        namespace, repository = _owned(swr, case.path_parameters or {})
        response = swr.delete(namespace, repository)
        invalid = _invalid(namespace, repository)
        swr.expect_status(response, "delete.invalid-name" if invalid else "delete.absent-repository")
        assert response.response is not None
        swr.expect_no_finding(lambda: case.validate_response(response.response, checks=fitting), response)

    mode = GenerationMode.POSITIVE if positive else GenerationMode.NEGATIVE
    swr.exploration.examples(operation.as_strategy(mode), conforms)


def _invalid(namespace: str, repository: str) -> bool:
    return (
        violation(namespace, NameKind.NAMESPACE) is not None or violation(repository, NameKind.REPOSITORY) is not None
    )


def _owned(swr: CheckContext, parameters: dict[str, Any]) -> tuple[str, str]:
    """The generated names made the run's own: a valid namespace becomes one the run may draw in, where
    the repository stays as generated unless that namespace is shared; with an invalid namespace, or in a
    shared one, the repository gets the run's prefix in front (a valid one stays valid, an invalid one
    stays invalid: the prefix ends in `-`, so the name's first character still breaks a rule if it did).
    A case that cannot be made the run's is not sent (hypothesis draws again)."""
    namespace = str(parameters.get("namespace", ""))
    repository = repository_from_path(str(parameters.get("repository", "")))
    assume(namespace != "" and repository != "")
    if violation(namespace, NameKind.NAMESPACE) is None:
        namespace, prefix = swr.drawing_ground()
    else:
        prefix = f"{swr.run.prefix}s-"  # the run's id makes the DELETE the run's own
    marked = prefix + repository
    if prefix and violation(repository, NameKind.REPOSITORY) is None:
        repository = marked[:128].rstrip("._-/")
    elif prefix and violation(marked, NameKind.REPOSITORY) is not None:
        repository = marked
    assume(swr.client.may_change(namespace, repository))
    return namespace, repository
