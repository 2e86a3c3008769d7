"""The naming-grammar strategies agree with the rules they are built from, and every name they draw
is one the run owns: the property layer cannot get past the guard, even in a namespace of the user's."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.contract.names import SYNTAX, NameKind, NameRule, repository_from_path, violation
from conformance.name_strategies import (
    covering_invalid,
    covering_valid,
    invalid_names,
    neighbours,
    path_formats,
    valid_names,
)
from conformance.paths import Target
from conformance.provisioning.journal import RunJournal

RUN_ID = "swrc0123abcd"
JOURNAL = RunJournal(RUN_ID)  # owns nothing but names with its run id: as with --namespace team


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(NameKind)), st.data())
def test_valid_names_are_valid_and_reach_the_limit(kind: NameKind, data: st.DataObject) -> None:
    name = data.draw(valid_names(kind, RUN_ID))
    assert violation(name, kind) is None and name.startswith(RUN_ID)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(NameKind)), st.sampled_from(list(NameRule)), st.data())
def test_each_invalid_strategy_breaks_its_rule_first(kind: NameKind, rule: NameRule, data: st.DataObject) -> None:
    name = data.draw(invalid_names(kind, f"{RUN_ID}-p", rule))
    found = violation(name, kind)
    assert found is not None and found.rule is rule, (name, found)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(NameRule)), st.data())
def test_every_drawn_repository_name_is_the_runs_own(rule: NameRule, data: st.DataObject) -> None:
    invalid = data.draw(invalid_names(NameKind.REPOSITORY, f"{RUN_ID}-p", rule))
    valid = data.draw(valid_names(NameKind.REPOSITORY, f"{RUN_ID}-a"))
    assert JOURNAL.owns(Target("team", invalid)) and JOURNAL.owns(Target("team", valid))


def test_the_length_limit_itself_is_drawn() -> None:
    lengths: set[int] = set()

    @settings(max_examples=200, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(valid_names(NameKind.REPOSITORY, RUN_ID))
    def collect(name: str) -> None:
        lengths.add(len(name))

    collect()
    assert 128 in lengths and min(lengths) < 64


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(NameKind)), st.data())
def test_the_path_formats_draw_what_the_spec_patterns_accept(kind: NameKind, data: st.DataObject) -> None:
    """The formats schemathesis draws the spec's name parameters from agree with their `pattern` and
    length: the grammar strategy is a faster spelling of the same OpenAPI schema."""
    syntax = SYNTAX[kind]
    value = data.draw(path_formats()[syntax.path_format])
    assert re.fullmatch(syntax.path_pattern, value) and 1 <= len(value) <= syntax.max_length, value
    assert violation(repository_from_path(value) if kind is NameKind.REPOSITORY else value, kind) is None


def test_without_a_prefix_the_whole_repository_grammar_is_drawn() -> None:
    """In a namespace of the run's own: names that start with a digit, one-character names, nesting to
    4 levels, every separator, the middle lengths."""
    seen: list[str] = []

    @settings(max_examples=400, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(valid_names(NameKind.REPOSITORY))
    def collect(name: str) -> None:
        assert violation(name, NameKind.REPOSITORY) is None
        seen.append(name)

    collect()
    assert any(name[0].isdigit() for name in seen) and any(len(name) == 1 for name in seen)
    assert {name.count("/") for name in seen} >= {0, 1, 2, 3}
    assert all(any(sep in name for name in seen) for sep in (".", "-", "__"))
    assert any(64 < len(name) < 128 for name in seen) and any(len(name) == 128 for name in seen)


@pytest.mark.parametrize("prefix", ["", f"{RUN_ID}-p-"], ids=["own-namespace", "shared-namespace"])
def test_the_covering_valid_names_cover_every_class(prefix: str) -> None:
    names = covering_valid(NameKind.REPOSITORY, 7, prefix)
    shapes = [name.removeprefix(prefix) for name in names]
    assert all(violation(name, NameKind.REPOSITORY) is None and name.startswith(prefix) for name in names)
    assert {len(shape) for shape in shapes} >= {1, 2, 3} and any(shape[0].isdigit() for shape in shapes)
    assert {name.count("/") for name in names} >= {0, 1, 2, 3}
    assert any(all(sep in shape for sep in (".", "_", "-", "__")) for shape in shapes)
    assert {len(name) for name in names} >= {65, 112, 128}
    assert covering_valid(NameKind.REPOSITORY, 7, prefix) == names != covering_valid(NameKind.REPOSITORY, 8, prefix)


@pytest.mark.parametrize("kind", list(NameKind))
def test_the_covering_invalid_names_break_every_rule_with_every_kind_of_character(kind: NameKind) -> None:
    prefix = f"{RUN_ID}-" if kind is NameKind.NAMESPACE else ""
    names = covering_invalid(kind, 7, prefix)
    broken = {found.rule for name in names if (found := violation(name, kind)) is not None}
    assert broken == set(NameRule), broken
    characters = "".join(names)
    assert "仓" in characters and "\x01" in characters and "%" in characters and " " in characters
    assert all(violation(name, kind) is not None for name in names)
    assert not prefix or all(RUN_ID in name for name in names)


def test_neighbours_differ_by_one_thing_and_keep_the_prefix() -> None:
    keep = f"{RUN_ID}-3-"
    found = neighbours(f"{keep}a_b.c-d__e/f", keep=len(keep))
    assert all(name.startswith(keep) and violation(name, NameKind.REPOSITORY) is None for name in found)
    tails = {name.removeprefix(keep) for name in found}
    assert {"a-b.c-d__e/f", "a.b.c-d__e/f", "a__b.c-d__e/f", "a_b.c-d_e/f", "a_b.c-d__e", "a_b.c-d__e/f/x"} <= tails
