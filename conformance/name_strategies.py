"""hypothesis strategies from the naming grammar: valid names of every shape up to the length limit, and
invalid names, one strategy per naming rule broken. Built from the rule objects in `contract/names.py`
(the same ones the reference registry validates with), and checked against them as they are drawn.

Every name embeds the run's prefix, so that a generated DELETE can only reach what the run owns.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from conformance.contract.names import SYNTAX, NameKind, NameRule, is_valid, repository_to_path, violation

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_ILLEGAL = "ABCZ@#%!~+=:;,é仓 "


def _separators(kind: NameKind) -> st.SearchStrategy[str]:
    return st.sampled_from([*SYNTAX[kind].separators, "__"])


def _runs() -> st.SearchStrategy[str]:
    return st.text(alphabet=_ALNUM, min_size=1, max_size=12)


@st.composite
def valid_names(draw: st.DrawFn, kind: NameKind, prefix: str) -> str:
    """`prefix` + separator-joined runs, from a few characters up to exactly the length limit."""
    limit = SYNTAX[kind].max_length
    parts = draw(st.lists(st.tuples(_separators(kind), _runs()), max_size=6))
    name = prefix + "".join(separator + run for separator, run in parts)
    if draw(st.booleans()):  # at the limit: pad the last run
        name = name[:limit] + draw(st.sampled_from(_ALNUM)) * (limit - len(name))
    name = name[:limit].rstrip("._-/")
    found = violation(name, kind)
    assert found is None, f"the valid-name strategy drew {name!r}: {found}"
    return name


@st.composite
def invalid_names(draw: st.DrawFn, kind: NameKind, prefix: str, rule: NameRule) -> str:
    """A name that breaks `rule` first, and otherwise looks like the run's own names."""
    base = draw(valid_names(kind, prefix))[:40]
    limit = SYNTAX[kind].max_length
    if rule is NameRule.LENGTH:
        name = base + "a" * draw(st.integers(limit + 1 - len(base), limit + 64 - len(base)))
    elif rule is NameRule.CHARACTER:
        at = draw(st.integers(len(prefix), len(base)))  # the prefix stays whole: the guard knows it
        name = base[:at] + draw(st.sampled_from(_ILLEGAL)) + base[at:]
    elif rule is NameRule.START:
        lead = "0123456789" if kind is NameKind.NAMESPACE else ""
        name = draw(st.sampled_from([*SYNTAX[kind].separators, *lead])) + base
    elif rule is NameRule.END:
        name = base + draw(st.sampled_from(SYNTAX[kind].separators))
    else:
        separators = st.sampled_from(SYNTAX[kind].separators)
        pair = draw(st.tuples(separators, separators).filter(lambda p: p != ("_", "_")))  # `__` is allowed
        name = base + "".join(pair) + draw(_runs())
    found = violation(name, kind)
    assert found is not None and found.rule is rule, f"the {rule} strategy drew {name!r}: {found}"
    return name


def any_invalid_names(kind: NameKind, prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(*(invalid_names(kind, prefix, rule) for rule in NameRule))


def path_formats() -> dict[str, st.SearchStrategy[str]]:
    """Valid names as they travel in the path, by the OpenAPI `format` the spec gives each parameter:
    the same grammar as its `pattern`, drawn in a fraction of the time a regex strategy takes."""

    def spelled(kind: NameKind) -> st.SearchStrategy[str]:
        first = st.tuples(st.sampled_from(SYNTAX[kind].start_chars), st.text(_ALNUM, max_size=12)).map("".join)
        return first.flatmap(lambda start: valid_names(kind, start))

    return {
        SYNTAX[NameKind.NAMESPACE].path_format: spelled(NameKind.NAMESPACE),
        SYNTAX[NameKind.REPOSITORY].path_format: spelled(NameKind.REPOSITORY).map(repository_to_path),
    }


_SWAPS = {"_": "-.", "-": "_.", ".": "_-", "/": "-"}


def neighbours(name: str, keep: int = 0) -> list[str]:
    """Valid repository names that differ from `name` by exactly one thing, past its first `keep`
    characters: a separator swapped for another, `__` for `_` and back, the last character changed, a
    suffix added, the last character dropped, the nested parent and a child."""
    head, tail = name[:keep], name[keep:]
    found = [tail[:at] + other + tail[at + 1 :] for at, char in enumerate(tail) for other in _SWAPS.get(char, "")]
    found += [tail[: m.start()] + "_" + tail[m.end() :] for m in re.finditer("__", tail)]
    found += [tail[: m.start()] + "__" + tail[m.end() :] for m in re.finditer(r"(?<![_])_(?![_])", tail)]
    found += [tail[:-1] + ("1" if tail.endswith("0") else "0"), tail + "-x", tail + "0", tail[:-1], tail + "/x"]
    found += [tail.rsplit("/", 1)[0]] if "/" in tail else []
    return sorted({head + n for n in found if n and head + n != name and is_valid(head + n, NameKind.REPOSITORY)})
