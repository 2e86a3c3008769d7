"""The check registry: every conformance check has one stable, unique, hierarchical id.

A check is a pytest test function decorated with `@check(id, condition)` (or `@check_cases` for one
id per case). Ids look like `delete/406/tags-survive`; reports, baselines and `-k` filters key on
them, so an id never changes meaning. Registering an id twice is an error at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from conformance.contract.profiles import CONDITIONS

ID_PATTERN = re.compile(r"^(?:delete/[a-z0-9]+|property)(?:/[a-z0-9][a-z0-9-]*)+$")
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
MARKER = "swr_check"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    condition: str
    title: str  # the docstring's first paragraph: what the check proves
    severity: str


REGISTRY: dict[str, Check] = {}


def register(check_id: str, condition: str, title: str, severity: str) -> Check:
    if not ID_PATTERN.match(check_id):
        raise ValueError(f"check id {check_id!r} does not match {ID_PATTERN.pattern}")
    if check_id in REGISTRY:
        raise ValueError(f"check id {check_id!r} is registered twice")
    if condition not in CONDITIONS:
        raise ValueError(f"check {check_id}: unknown condition {condition!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"check {check_id}: severity must be one of {SEVERITIES}")
    if not title:
        raise ValueError(f"check {check_id}: needs a docstring saying what it proves")
    REGISTRY[check_id] = Check(check_id, condition, title, severity)
    return REGISTRY[check_id]


def _title(fn: Callable[..., Any], case: dict[str, Any] | None = None) -> str:
    """The docstring's first paragraph, as one line: what the check proves."""
    line = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
    return line.format(**case) if case else line


def check(check_id: str, condition: str, severity: str = "normal") -> Callable[[F], F]:
    """Register a check function under one id."""

    def decorate(fn: F) -> F:
        registered = register(check_id, condition, _title(fn), severity)
        marked: F = getattr(pytest.mark, MARKER)(registered.id)(fn)
        return marked

    return decorate


def check_cases(
    template: str, condition: str, cases: Sequence[dict[str, Any]], severity: str = "normal"
) -> Callable[[F], F]:
    """Register one check per case: id `template.format(**case)`, the case's values as arguments."""

    def decorate(fn: F) -> F:
        names = list(cases[0])
        params = []
        for case in cases:
            registered = register(template.format(**case), condition, _title(fn, case), severity)
            params.append(
                pytest.param(*case.values(), id=registered.id, marks=getattr(pytest.mark, MARKER)(registered.id))
            )
        parametrized: F = pytest.mark.parametrize(names, params)(fn)
        return parametrized

    return decorate


#: A precondition returns why a check cannot run here (it is then skipped), or None.
Precondition = Callable[[Any], str | None]
_PRECONDITIONS = "__swr_preconditions__"


def requires(*preconditions: Precondition) -> Callable[[F], F]:
    """Skip the check, with the precondition's reason, where the target or profile rules it out."""

    def decorate(fn: F) -> F:
        setattr(fn, _PRECONDITIONS, [*getattr(fn, _PRECONDITIONS, []), *preconditions])
        return fn

    return decorate


def preconditions_of(item: pytest.Item) -> list[Precondition]:
    function = getattr(item, "function", None)
    return list(getattr(function, _PRECONDITIONS, []))


def check_of(item: pytest.Item) -> Check | None:
    marker = item.get_closest_marker(MARKER)
    return None if marker is None else REGISTRY[marker.args[0]]
