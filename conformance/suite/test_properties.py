"""Properties over the naming grammar, searched on the target with hypothesis (`--examples`, `--seed`).

Every drawn name carries the run id, and every DELETE passes the client's guard: an invalid name, or a
valid one in the run's own namespace. A failure is shrunk to a minimal name and reported with its curl.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.contract.names import NameKind, repository_from_path, violation
from conformance.contract.resources import SPEC_FILE
from conformance.name_strategies import any_invalid_names, path_formats, valid_names
from conformance.preconditions import properties_enabled, refuses_non_empty


@check("property/invalid-name", "delete.invalid-name", severity="critical")
@requires(properties_enabled)
def test_any_invalid_name_is_refused(swr: CheckContext) -> None:
    """Any namespace or repository name that breaks a naming rule: the profile's status, error
    information, and nothing deleted."""
    sentinel = swr.new_repository("sentinel")
    run_id = swr.run.run_id
    names = st.one_of(
        st.tuples(st.just(NameKind.NAMESPACE), any_invalid_names(NameKind.NAMESPACE, run_id)),
        st.tuples(st.just(NameKind.REPOSITORY), any_invalid_names(NameKind.REPOSITORY, f"{run_id}-p")),
    )

    def refused(drawn: tuple[NameKind, str]) -> None:
        kind, name = drawn
        namespace, repository = (name, sentinel) if kind is NameKind.NAMESPACE else (swr.namespace, name)
        response = swr.delete(namespace, repository)
        swr.expect_status(response)
        swr.expect_error_information(response)

    swr.exploration.examples(names, refused)


@check("property/absent-name", "delete.absent-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_absent_name_is_not_found(swr: CheckContext) -> None:
    """Any valid repository name (up to the length limit, `__`, nested `/` sent as `$`) that does not
    exist: exactly the profile's status."""
    swr.exploration.examples(
        valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-a"),
        lambda name: swr.expect_status(swr.delete(swr.namespace, name)),
    )


@check("property/created-then-deleted", "delete.empty-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_created_name_deletes_once(swr: CheckContext) -> None:
    """Any valid repository name the run creates empty: the success status once, then not found."""
    examples = itertools.count(1)  # each example its own name, also when hypothesis replays one

    def deleted_once(data: st.DataObject) -> None:
        name = data.draw(valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-c{next(examples)}"))
        with swr.example():
            swr.client.create_repository(swr.namespace, name)
            swr.expect_status(swr.delete(swr.namespace, name))
            swr.expect_status(swr.delete(swr.namespace, name, condition="delete.absent-repository"))

    swr.exploration.examples(st.data(), deleted_once)


@check("property/with-images-refused", "delete.repository-with-images", severity="critical")
@requires(properties_enabled, refuses_non_empty)
def test_any_repository_with_images_is_refused_and_keeps_them(swr: CheckContext) -> None:
    """Any valid repository the run pushed images to: the profile's refusal, and every tag and manifest
    is still there afterwards."""
    examples = itertools.count(1)
    tags = st.lists(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,15}", fullmatch=True), min_size=1, max_size=2, unique=True)

    def refused(data: st.DataObject) -> None:
        name = data.draw(valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-i{next(examples)}"))
        with swr.example():
            for tag in data.draw(tags):
                swr.push_image(name, tag)
            swr.expect_status(swr.delete(swr.namespace, name))

    swr.exploration.examples(st.data(), refused)


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
    """The generated names made the run's own: a valid namespace becomes the run's; a repository gets
    the run id in front (a valid one stays valid, an invalid one stays invalid: the id ends in `-`, so
    the name's first character still breaks a rule if it did); a case that cannot be made the run's is
    not sent (hypothesis draws again)."""
    namespace = str(parameters.get("namespace", ""))
    repository = repository_from_path(str(parameters.get("repository", "")))
    assume(namespace != "" and repository != "")
    if violation(namespace, NameKind.NAMESPACE) is None:
        namespace = swr.namespace
    marked = f"{swr.run.run_id}-s-{repository}"
    if violation(repository, NameKind.REPOSITORY) is None:
        repository = marked[:128].rstrip("._-/")
    elif violation(marked, NameKind.REPOSITORY) is not None:
        repository = marked
    assume(swr.client.may_change(namespace, repository))
    return namespace, repository
