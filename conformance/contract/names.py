"""SWR naming rules for namespaces and repositories, and the `$`-for-`/` path encoding.

One source for the rules: the reference registry validates with them, the OpenAPI patterns are
tested against them, and the suite derives its invalid names from the rule ids below.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class NameKind(enum.StrEnum):
    NAMESPACE = "namespace"
    REPOSITORY = "repository"


class NameRule(enum.StrEnum):
    """Stable ids of the naming rules; a violation names the first rule it breaks."""

    LENGTH = "length"
    CHARACTER = "character"
    START = "start"
    END = "end"
    ADJACENT_SEPARATORS = "adjacent-separators"


@dataclass(frozen=True, slots=True)
class NameSyntax:
    kind: NameKind
    max_length: int
    separators: str
    start_chars: str
    #: The OpenAPI `pattern` (no look-ahead: length lives in minLength/maxLength).
    path_pattern: str
    #: The OpenAPI `format` naming the same grammar, for generators that offer a faster strategy for it.
    path_format: str


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"

NAMESPACE = NameSyntax(
    kind=NameKind.NAMESPACE,
    max_length=64,
    separators="._-",
    start_chars=_LOWER,
    path_pattern=r"^[a-z][a-z0-9]*(?:(?:[._-]|__)[a-z0-9]+)*$",
    path_format="swr-namespace",
)
REPOSITORY = NameSyntax(
    kind=NameKind.REPOSITORY,
    max_length=128,
    separators="._-/",
    start_chars=_LOWER + _DIGITS,
    # In the path a `/` travels as `$`.
    path_pattern=r"^[a-z0-9]+(?:(?:[._$-]|__)[a-z0-9]+)*$",
    path_format="swr-repository-path",
)
SYNTAX = {NameKind.NAMESPACE: NAMESPACE, NameKind.REPOSITORY: REPOSITORY}

# Allowed runs of separators between alphanumeric runs: a single separator, or exactly `__`.
_ALLOWED_SEPARATOR_RUNS = frozenset({".", "_", "-", "/", "__"})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: NameRule
    message: str


def violation(name: str, kind: NameKind) -> Violation | None:
    """The first naming rule `name` breaks, or None when it is a valid `kind` name."""
    syntax = SYNTAX[kind]
    allowed = _LOWER + _DIGITS + syntax.separators
    if not 1 <= len(name) <= syntax.max_length:
        return Violation(NameRule.LENGTH, f"{kind} must be 1 to {syntax.max_length} characters, got {len(name)}")
    bad = next((c for c in name if c not in allowed), None)
    if bad is not None:
        return Violation(NameRule.CHARACTER, f"{kind} may only contain [a-z0-9{syntax.separators}], got {bad!r}")
    if name[0] not in syntax.start_chars:
        first = "a lower-case letter" if kind is NameKind.NAMESPACE else "a lower-case letter or digit"
        return Violation(NameRule.START, f"{kind} must start with {first}, got {name[0]!r}")
    if name[-1] not in _LOWER + _DIGITS:
        return Violation(NameRule.END, f"{kind} must end with a letter or digit, got {name[-1]!r}")
    for run in re.findall(r"[^a-z0-9]+", name):
        if run not in _ALLOWED_SEPARATOR_RUNS:
            return Violation(
                NameRule.ADJACENT_SEPARATORS,
                f"{kind} separators may not touch (only '__' may), got {run!r}",
            )
    return None


def is_valid(name: str, kind: NameKind) -> bool:
    return violation(name, kind) is None


def repository_to_path(repository: str) -> str:
    """`group/app` -> `group$app`: how a nested repository name travels in the manage API path."""
    return repository.replace("/", "$")


def repository_from_path(segment: str) -> str:
    """The inverse of `repository_to_path` (a decoded path segment; `%2F` arrives as `/`)."""
    return segment.replace("$", "/")


#: Ways to break the naming rules, as the 400 checks name them.
INVALID_CASES = (
    "upper-case",
    "illegal-character",
    "leading-separator",
    "trailing-separator",
    "adjacent-separators",
    "triple-underscore",
    "too-long",
)


def invalid_variant(valid: str, kind: NameKind, case: str) -> str:
    """A name that breaks one rule and otherwise keeps `valid` (its "twin") whole, case aside."""
    head, tail = valid[:1], valid[1:]
    variants = {
        "upper-case": head.upper() + tail if head.isalpha() else "A" + valid,
        "illegal-character": valid + "@x",
        "leading-separator": "-" + valid,
        "trailing-separator": valid + "-",
        "adjacent-separators": valid + ".-x",
        "triple-underscore": valid + "___x",
        "too-long": valid + "x" * max(SYNTAX[kind].max_length + 1 - len(valid), 0),
    }
    return variants[case]
