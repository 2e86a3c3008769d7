"""The OpenAPI description: valid, loadable by schemathesis, and in step with the naming rules and profiles."""

from __future__ import annotations

import re
from typing import Any

import schemathesis
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openapi_spec_validator import validate

from conformance.contract.names import NAMESPACE, REPOSITORY, NameKind, is_valid, repository_from_path
from conformance.contract.profiles import CONDITIONS
from conformance.contract.resources import SPEC_FILE


def _spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    return data


def _delete() -> dict[str, Any]:
    op: dict[str, Any] = _spec()["paths"]["/v2/manage/namespaces/{namespace}/repos/{repository}"]["delete"]
    return op


def test_spec_validates() -> None:
    validate(_spec())


def test_spec_loads_in_schemathesis() -> None:
    schema = schemathesis.openapi.from_path(SPEC_FILE)
    ops = {(o.ok().method.upper(), o.ok().path) for o in schema.get_all_operations()}
    declared = {
        (method.upper(), path) for path, item in _spec()["paths"].items() for method in item if method != "parameters"
    }
    assert ops == declared  # schemathesis sees every operation of the description, the one under test too


def test_only_the_delete_operation_is_under_test() -> None:
    roles = {
        op["operationId"]: op["x-swr-role"]
        for item in _spec()["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    }
    assert [name for name, role in roles.items() if role == "under-test"] == ["deleteRepository"]
    assert set(roles.values()) == {"under-test", "setup"}


def test_delete_documents_every_status_of_both_document_versions() -> None:
    assert set(_delete()["responses"]) == {"204", "400", "401", "404", "406", "500"}
    assert "content" not in _delete()["responses"]["204"]
    assert "requestBody" not in _delete()


def test_every_condition_is_tied_to_a_documented_response() -> None:
    tied = [c for r in _delete()["responses"].values() for c in r["x-swr-conditions"]]
    assert sorted(tied) == sorted(CONDITIONS)


def test_path_parameters_use_the_naming_rules() -> None:
    params = _spec()["components"]["parameters"]
    for param, syntax in ((params["Namespace"], NAMESPACE), (params["Repository"], REPOSITORY)):
        assert param["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": syntax.max_length,
            "pattern": syntax.path_pattern,
            "format": syntax.path_format,
        }


def _spec_accepts(value: str, syntax: Any) -> bool:
    return 1 <= len(value) <= syntax.max_length and re.fullmatch(syntax.path_pattern, value) is not None


_ALPHABET = "ab1._-/$A"


@given(st.text(alphabet=_ALPHABET, max_size=12))
def test_namespace_pattern_agrees_with_the_rules(value: str) -> None:
    assert _spec_accepts(value, NAMESPACE) == is_valid(value, NameKind.NAMESPACE)


@given(st.text(alphabet=_ALPHABET, max_size=12))
def test_repository_pattern_agrees_with_the_rules_with_dollar_for_slash(value: str) -> None:
    if "/" in value:  # the path form carries `$`, never a raw `/`
        assert not _spec_accepts(value, REPOSITORY)
        return
    assert _spec_accepts(value, REPOSITORY) == is_valid(repository_from_path(value), NameKind.REPOSITORY)


def test_the_links_describe_the_lifecycle_and_schemathesis_follows_them() -> None:
    """create → delete (204) → show / delete again (404); a refused delete (406) → tags → delete a tag
    → delete the repository: every link names a real operation and becomes a state-machine transition."""
    declared = {
        name: (operation["operationId"], status, link["operationId"])
        for operation in _operations()
        for status, response in operation.get("responses", {}).items()
        for name, link in response.get("links", {}).items()
    }
    assert {"DeleteTheCreatedRepository", "DeleteItAgain", "ListTheTagsThatRemain", "DeleteTheRepository"} <= set(
        declared
    )
    transitions = [rule for rule in dir(schemathesis.openapi.from_path(SPEC_FILE).as_state_machine()) if "__" in rule]
    for name, (source, status, target) in declared.items():
        assert any(f"___{status}_{name}__" in rule for rule in transitions), (name, source, target)


def _operations() -> list[dict[str, Any]]:
    methods = ("get", "post", "put", "delete")
    return [op for item in _spec()["paths"].values() for method, op in item.items() if method in methods]
