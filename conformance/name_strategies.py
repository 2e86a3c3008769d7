"""Names for the property layer, from the naming grammar in `contract/names.py` (the rules the reference
registry validates with), each checked against those rules as it is made.

- `valid_names` / `invalid_names`: hypothesis strategies over the whole grammar: every separator and
  `__`, a digit first, nesting 1 to 4 levels deep, lengths from 1 to the limit; one invalid strategy per
  rule broken, with every kind of illegal character (multi-byte UTF-8, control characters, `%`,
  whitespace). A `prefix` (the run's marker) goes in front where the namespace is not the run's own.
- `covering_valid` / `covering_invalid`: the names every run tries before the random search, one per
  class the grammar has (the length classes, each separator, each depth, each illegal character and rule),
  spelled from a seed: `--seed` reproduces them, `--examples` scales only the search beyond.
- `neighbours`: the names next to a name, for the checks that nothing else is deleted.
"""

from __future__ import annotations

import random
import re

from hypothesis import strategies as st

from conformance.contract.names import SYNTAX, NameKind, NameRule, is_valid, repository_to_path, violation

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = _LOWER + "0123456789"
#: Illegal characters of every kind: upper case, ASCII punctuation, `%`, whitespace, control characters,
#: multi-byte UTF-8. (`$` is not among them: in the path it stands for `/`.)
_ILLEGAL = "AZ@#%!~+=:;,  \t\x01\x1f\x7fé仓\u00a0"
_ILLEGAL_KINDS = "A@% \x01仓"  # one of each kind (upper case, punctuation, %, whitespace, control, UTF-8)
_DEPTHS = {NameKind.NAMESPACE: 1, NameKind.REPOSITORY: 4}


def _separators(kind: NameKind) -> st.SearchStrategy[str]:
    return st.sampled_from([*SYNTAX[kind].separators.replace("/", ""), "__"])


def _runs() -> st.SearchStrategy[str]:
    return st.text(alphabet=_ALNUM, min_size=1, max_size=12)


@st.composite
def _component(draw: st.DrawFn, kind: NameKind) -> str:
    """Alphanumeric runs joined by separators (`.`, `_`, `-`, `__`)."""
    parts = draw(st.lists(st.tuples(_separators(kind), _runs()), max_size=3))
    return draw(_runs()) + "".join(separator + run for separator, run in parts)


@st.composite
def valid_names(draw: st.DrawFn, kind: NameKind, prefix: str = "") -> str:
    """`prefix` + components joined by `/` (repositories, 1 to 4 levels), at a drawn length from the
    shortest to exactly the limit."""
    limit = SYNTAX[kind].max_length
    components = [draw(_component(kind)) for _ in range(draw(st.integers(1, _DEPTHS[kind])))]
    name = prefix + "/".join(components)
    if name[0] not in SYNTAX[kind].start_chars:
        name = draw(st.sampled_from(SYNTAX[kind].start_chars)) + name[1:]
    length = draw(st.one_of(st.none(), st.just(limit), st.integers(len(prefix) + 1, limit)))  # the limit often
    name = _fitted(name, length, draw(st.sampled_from(_ALNUM))) if length else name[:limit].rstrip("._-/")
    found = violation(name, kind)
    assert found is None, f"the valid-name strategy drew {name!r}: {found}"
    return name


def _fitted(name: str, length: int, pad: str) -> str:
    """`name` cut or padded (its last run, with `pad`) to `length`: at most that long, and valid."""
    if len(name) >= length:
        return name[:length].rstrip("._-/")
    return name + pad * (length - len(name))


@st.composite
def invalid_names(draw: st.DrawFn, kind: NameKind, prefix: str, rule: NameRule) -> str:
    """A name that breaks `rule` first, and otherwise looks like a valid one (`prefix` kept whole)."""
    base = draw(valid_names(kind, prefix))[:40].rstrip("._-/")
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


def any_invalid_names(kind: NameKind, prefix: str = "") -> st.SearchStrategy[str]:
    return st.one_of(*(invalid_names(kind, prefix, rule) for rule in NameRule))


def covering_valid(kind: NameKind, seed: int, prefix: str = "") -> list[str]:
    """One valid name per class: lengths 1, 2 (a digit first where allowed) and 3, every separator and
    `__`, and (repositories) 2, 3 and 4 levels at the middle length, a long one and exactly the limit."""
    rng, limit = random.Random(seed), SYNTAX[kind].max_length
    first = SYNTAX[kind].start_chars

    def run(size: int) -> str:
        return "".join(rng.choice(_ALNUM) for _ in range(size))

    digit = "0123456789" if kind is NameKind.REPOSITORY else first
    shapes = [rng.choice(first), rng.choice(digit) + run(1), rng.choice(first) + run(2)]
    shapes.append(f"{rng.choice(first)}{run(1)}.{run(2)}_{run(2)}-{run(2)}__{run(2)}")
    for depth, length in ((2, limit // 2 + 1), (3, limit - limit // 8), (4, limit)):
        levels = [f"{rng.choice(_LOWER)}{run(3)}-{run(2)}" for _ in range(min(depth, _DEPTHS[kind]))]
        shapes.append(_fitted("/".join(levels), length - len(prefix), rng.choice(_ALNUM)))
    names = list(dict.fromkeys((prefix + shape)[:limit].rstrip("._-/") for shape in shapes))
    for name in names:
        assert violation(name, kind) is None, f"the covering set has an invalid {kind} name {name!r}"
    return names


def covering_invalid(kind: NameKind, seed: int, prefix: str = "") -> list[str]:
    """One invalid name per rule broken and per kind of illegal character, `prefix` kept whole."""
    rng, syntax = random.Random(seed), SYNTAX[kind]
    start = syntax.start_chars if not prefix else _ALNUM
    base = prefix + rng.choice(start) + "".join(rng.choice(_ALNUM) for _ in range(5))
    names = [base + "a" * (syntax.max_length + 1 - len(base))]  # one past the limit
    names += [base[: len(prefix) + 1] + char + base[len(prefix) + 1 :] for char in _ILLEGAL_KINDS]
    names += [rng.choice(syntax.separators) + base, base + rng.choice(syntax.separators), base + ".-x", base + "___x"]
    names += [rng.choice("0123456789") + base] if kind is NameKind.NAMESPACE else [base + "//x"]
    for name in names:
        assert violation(name, kind) is not None, f"the covering set has a valid {kind} name {name!r}"
    return list(dict.fromkeys(names))


def path_formats() -> dict[str, st.SearchStrategy[str]]:
    """Valid names as they travel in the path, by the OpenAPI `format` the spec gives each parameter:
    the same grammar as its `pattern`, drawn in a fraction of the time a regex strategy takes."""
    return {
        SYNTAX[NameKind.NAMESPACE].path_format: valid_names(NameKind.NAMESPACE),
        SYNTAX[NameKind.REPOSITORY].path_format: valid_names(NameKind.REPOSITORY).map(repository_to_path),
    }


_SWAPS = {"_": "-.", "-": "_.", ".": "_-", "/": "-"}


def neighbours(name: str, keep: int = 0) -> list[str]:
    """Valid repository names that differ from `name` by exactly one thing, past its first `keep`
    characters, in this order: a separator swapped for another (`_` first: a registry that matches names
    as patterns takes it for any character), `__` for `_` and back, the last character changed, a suffix
    added, the last character dropped, the nested parent and a child."""
    head, tail = name[:keep], name[keep:]
    swaps = [(at, char) for separator in _SWAPS for at, char in enumerate(tail) if char == separator]
    found = [tail[:at] + other + tail[at + 1 :] for at, char in swaps for other in _SWAPS[char]]
    found += [tail[: m.start()] + "_" + tail[m.end() :] for m in re.finditer("__", tail)]
    found += [tail[: m.start()] + "__" + tail[m.end() :] for m in re.finditer(r"(?<![_])_(?![_])", tail)]
    found += [tail[:-1] + ("1" if tail.endswith("0") else "0"), tail + "-x", tail + "0", tail[:-1], tail + "/x"]
    found += [tail.rsplit("/", 1)[0]] if "/" in tail else []
    kept = (head + n for n in found if n and head + n != name and is_valid(head + n, NameKind.REPOSITORY))
    return list(dict.fromkeys(kept))
