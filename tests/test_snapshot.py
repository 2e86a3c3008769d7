"""The whole-state rule on snapshots built by hand: after a success exactly the target's facts go, after
a refusal nothing changes; a snapshot that does not show what the run created is no evidence; a change
outside a scope does not make its snapshot stale."""

from __future__ import annotations

import httpx
import pytest

from conformance.outcomes import Broken
from conformance.paths import Target
from conformance.snapshot import Fact, Question, Scope, Snapshot, View, changes, confirm
from conformance.transcript import Exchange, Redactor

NS = "ns"
TARGET = Target(NS, "app")


def _exchange(status: int) -> Exchange:
    request = httpx.Request("GET", "http://registry.example/v2/manage/repos?namespace=ns")
    return Exchange(request, httpx.Response(status, request=request), Redactor())


def _snapshot(*facts: Fact) -> Snapshot:
    asked = [Question(View.NAMESPACE, NS), Question(View.LISTED, NS)]
    asked += [Question(View.SHOWN, NS, name) for name in ("app", "app/sub", "app-2")]
    asked += [Question(View.MANIFEST, NS, "app", "sha256:aa")]
    return Snapshot(frozenset(facts), {question: _exchange(200) for question in asked}, 0)


def _repository(name: str) -> list[Fact]:
    return [Fact(Question(View.LISTED, NS), name), Fact(Question(View.SHOWN, NS, name))]


NAMESPACE = Fact(Question(View.NAMESPACE, NS))
MANIFEST = Fact(Question(View.MANIFEST, NS, "app", "sha256:aa"))
BEFORE = _snapshot(NAMESPACE, MANIFEST, *_repository("app"), *_repository("app/sub"), *_repository("app-2"))


def test_a_success_removes_exactly_the_target_from_every_view() -> None:
    after = _snapshot(NAMESPACE, *_repository("app/sub"), *_repository("app-2"))
    assert changes(BEFORE, after, TARGET, removed=True) == []


def test_what_a_success_leaves_and_what_it_takes_along_are_named() -> None:
    after = _snapshot(NAMESPACE, MANIFEST, Fact(Question(View.LISTED, NS), "app"), *_repository("app-2"))
    assert changes(BEFORE, after, TARGET, removed=True) == [
        "ns/app still listed by list-repositories",
        "manifest sha256:aa of ns/app still pullable by digest",
        "ns/app/sub no longer listed by list-repositories",
        "ns/app/sub no longer shown by show-repository",
    ]


def test_after_a_refusal_nothing_may_change() -> None:
    assert changes(BEFORE, BEFORE, TARGET, removed=False) == []
    after = _snapshot(NAMESPACE, *_repository("app"), *_repository("app/sub"), *_repository("app-2"))
    assert changes(BEFORE, after, TARGET, removed=False) == [
        "manifest sha256:aa of ns/app no longer pullable by digest"
    ]
    grown = _snapshot(*BEFORE.facts, Fact(Question(View.LISTED, NS), "stray"))
    assert changes(BEFORE, grown, TARGET, removed=False) == ["ns/stray newly listed by list-repositories"]


def test_a_snapshot_that_does_not_show_what_was_created_is_no_evidence() -> None:
    confirm(BEFORE, {NAMESPACE, MANIFEST, *_repository("app")})
    blind = _snapshot(NAMESPACE, *_repository("app"))
    with pytest.raises(Broken, match=r"cannot observe manifest sha256:aa of ns/app \(manifest by digest\).*-> 200"):
        confirm(blind, {MANIFEST})


def test_only_changes_a_scope_can_see_make_it_stale() -> None:
    own = Scope((NS,), frozenset({NS}), "swrc00000000-")
    lane = own.narrowed("swrc00000000-q1-")
    assert own.affected_by(Target(NS, "anything")) and own.affected_by(None) and own.affected_by(Target(NS))
    assert not own.affected_by(Target("elsewhere", "app"))
    assert lane.affected_by(Target(NS, "swrc00000000-q1-3")) and not lane.affected_by(Target(NS, "swrc00000000-q0-3"))
