"""The naming rules of the facts sheet, boundaries included."""

from __future__ import annotations

import pytest

from conformance.contract.names import (
    NameKind,
    NameRule,
    is_valid,
    repository_from_path,
    repository_to_path,
    violation,
)

NS, REPO = NameKind.NAMESPACE, NameKind.REPOSITORY


@pytest.mark.parametrize(
    "name",
    ["a", "a" * 64, "a1", "a.b", "a_b", "a-b", "a__b", "abc123", "a.b-c_d", "a1__b2.c3"],
)
def test_valid_namespaces(name: str) -> None:
    assert violation(name, NS) is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", NameRule.LENGTH),
        ("a" * 65, NameRule.LENGTH),
        ("Abc", NameRule.CHARACTER),
        ("aBc", NameRule.CHARACTER),
        ("a b", NameRule.CHARACTER),
        ("a/b", NameRule.CHARACTER),
        ("a$b", NameRule.CHARACTER),
        ("1abc", NameRule.START),
        ("_abc", NameRule.START),
        ("-abc", NameRule.START),
        ("abc.", NameRule.END),
        ("abc_", NameRule.END),
        ("a.-b", NameRule.ADJACENT_SEPARATORS),
        ("a..b", NameRule.ADJACENT_SEPARATORS),
        ("a___b", NameRule.ADJACENT_SEPARATORS),
        ("a_.b", NameRule.ADJACENT_SEPARATORS),
        ("a--b", NameRule.ADJACENT_SEPARATORS),
    ],
)
def test_invalid_namespaces_name_the_rule(name: str, rule: NameRule) -> None:
    found = violation(name, NS)
    assert found is not None and found.rule is rule, found


@pytest.mark.parametrize(
    "name",
    ["a", "1", "1abc", "a" * 128, "group/app", "a/b/c", "a__b", "a.b-c_d/e", "0/1"],
)
def test_valid_repositories(name: str) -> None:
    assert is_valid(name, REPO)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", NameRule.LENGTH),
        ("a" * 129, NameRule.LENGTH),
        ("App", NameRule.CHARACTER),
        ("a$b", NameRule.CHARACTER),
        ("a:b", NameRule.CHARACTER),
        ("/app", NameRule.START),
        ("_app", NameRule.START),
        ("app/", NameRule.END),
        ("app-", NameRule.END),
        ("a//b", NameRule.ADJACENT_SEPARATORS),
        ("a/.b", NameRule.ADJACENT_SEPARATORS),
        ("a___b", NameRule.ADJACENT_SEPARATORS),
        ("a__/b", NameRule.ADJACENT_SEPARATORS),
    ],
)
def test_invalid_repositories_name_the_rule(name: str, rule: NameRule) -> None:
    found = violation(name, REPO)
    assert found is not None and found.rule is rule, found


def test_length_messages_state_the_limit() -> None:
    found = violation("a" * 65, NS)
    assert found is not None and "1 to 64" in found.message and "65" in found.message


def test_slash_travels_as_dollar() -> None:
    assert repository_to_path("group/app/sub") == "group$app$sub"
    assert repository_from_path("group$app$sub") == "group/app/sub"
    assert repository_from_path(repository_to_path("plain")) == "plain"
