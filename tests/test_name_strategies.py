"""The naming-grammar strategies agree with the rules they are built from, and every name they draw
is one the run owns: the property layer cannot get past the guard, even in a namespace of the user's."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract.names import SYNTAX, NameKind, NameRule, repository_from_path, violation
from conformance.name_strategies import invalid_names, path_formats, valid_names
from conformance.paths import Target
from conformance.provisioning.journal import RunJournal

RUN_ID = "swrc0123abcd"
JOURNAL = RunJournal(RUN_ID)  # owns nothing but names with its run id: as with --namespace team


@settings(max_examples=300)
@given(st.sampled_from(list(NameKind)), st.data())
def test_valid_names_are_valid_and_reach_the_limit(kind: NameKind, data: st.DataObject) -> None:
    name = data.draw(valid_names(kind, RUN_ID))
    assert violation(name, kind) is None and name.startswith(RUN_ID)


@settings(max_examples=500)
@given(st.sampled_from(list(NameKind)), st.sampled_from(list(NameRule)), st.data())
def test_each_invalid_strategy_breaks_its_rule_first(kind: NameKind, rule: NameRule, data: st.DataObject) -> None:
    name = data.draw(invalid_names(kind, f"{RUN_ID}-p", rule))
    found = violation(name, kind)
    assert found is not None and found.rule is rule, (name, found)


@settings(max_examples=500)
@given(st.sampled_from(list(NameRule)), st.data())
def test_every_drawn_repository_name_is_the_runs_own(rule: NameRule, data: st.DataObject) -> None:
    invalid = data.draw(invalid_names(NameKind.REPOSITORY, f"{RUN_ID}-p", rule))
    valid = data.draw(valid_names(NameKind.REPOSITORY, f"{RUN_ID}-a"))
    assert JOURNAL.owns(Target("team", invalid)) and JOURNAL.owns(Target("team", valid))


def test_the_length_limit_itself_is_drawn() -> None:
    lengths: set[int] = set()

    @settings(max_examples=200, database=None)
    @given(valid_names(NameKind.REPOSITORY, RUN_ID))
    def collect(name: str) -> None:
        lengths.add(len(name))

    collect()
    assert 128 in lengths and min(lengths) < 64


@settings(max_examples=300)
@given(st.sampled_from(list(NameKind)), st.data())
def test_the_path_formats_draw_what_the_spec_patterns_accept(kind: NameKind, data: st.DataObject) -> None:
    """The formats schemathesis draws the spec's name parameters from agree with their `pattern` and
    length: the grammar strategy is a faster spelling of the same OpenAPI schema."""
    syntax = SYNTAX[kind]
    value = data.draw(path_formats()[syntax.path_format])
    assert re.fullmatch(syntax.path_pattern, value) and 1 <= len(value) <= syntax.max_length, value
    assert violation(repository_from_path(value) if kind is NameKind.REPOSITORY else value, kind) is None
