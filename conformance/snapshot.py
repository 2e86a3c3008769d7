"""What the run can see of the target, read at once around each DELETE under test, and the one rule the
difference must obey: a DELETE answered with success removes its repository, and everything of it, from
every view and changes nothing else; any other answer changes nothing at all.

The views: show-namespace and list-repositories for each of the process's namespaces; show-repository
for each repository it created; for those it pushed to, their tags through the manage API and OCI
`tags/list`, and every manifest it pushed, by digest. A snapshot is evidence only once it shows what the
run created (`confirm`): a view that cannot show it makes the check broken, naming the request.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from dataclasses import dataclass

from conformance.at_once import at_once
from conformance.client import SwrClient
from conformance.outcomes import Broken
from conformance.paths import Target
from conformance.provisioning.journal import RunJournal
from conformance.transcript import Exchange


class View(enum.StrEnum):
    NAMESPACE = "show-namespace"
    LISTED = "list-repositories"
    SHOWN = "show-repository"
    MANAGE_TAGS = "the manage API's tags"
    OCI_TAGS = "OCI tags/list"
    MANIFEST = "manifest by digest"


@dataclass(frozen=True, slots=True, order=True)
class Question:
    """One request of a snapshot: a view of a namespace, of a repository, or of one manifest."""

    view: View
    namespace: str
    repository: str = ""
    digest: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Fact:
    """What a view showed: `item` is the repository it listed or the tag ("" for shown, pullable)."""

    question: Question
    item: str = ""

    @property
    def repository(self) -> str:
        return self.item if self.question.view is View.LISTED else self.question.repository

    def about(self, target: Target) -> bool:
        return (self.question.namespace, self.repository) == (target.namespace, target.repository)

    @property
    def subject(self) -> str:
        q, name = self.question, f"{self.question.namespace}/{self.repository}"
        if q.view is View.NAMESPACE:
            return f"namespace {q.namespace}"
        if q.view in (View.MANAGE_TAGS, View.OCI_TAGS):
            return f"tag {self.item} of {name}"
        return f"manifest {q.digest} of {name}" if q.view is View.MANIFEST else name

    def describe(self, state: str) -> str:
        """`ns/app still listed by list-repositories`, `manifest sha256:… of ns/app no longer pullable by digest`."""
        return f"{self.subject} {state} {_PREDICATES[self.question.view]}"


_PREDICATES = {
    View.NAMESPACE: "shown by show-namespace",
    View.LISTED: "listed by list-repositories",
    View.SHOWN: "shown by show-repository",
    View.MANAGE_TAGS: "listed by the manage API's tags",
    View.OCI_TAGS: "listed by OCI tags/list",
    View.MANIFEST: "pullable by digest",
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What a snapshot looks at: the process's namespaces, and which repositories in them are its own
    (every one in a namespace it created, elsewhere those whose name starts with `prefix`)."""

    namespaces: tuple[str, ...]
    exclusive: frozenset[str]
    prefix: str

    def mine(self, target: Target) -> bool:
        own_names = target.namespace in self.exclusive or (target.repository or "").startswith(self.prefix)
        return target.namespace in self.namespaces and own_names

    def affected_by(self, changed: Target | None) -> bool:
        """Whether a change of `changed` (None: unknown) can alter what this scope sees."""
        if changed is None:
            return True
        return changed.namespace in self.namespaces and (changed.repository is None or self.mine(changed))

    def narrowed(self, prefix: str) -> Scope:
        """Only the names starting with `prefix`, in every namespace (a sequence lane's share)."""
        return Scope(self.namespaces, frozenset(), prefix)


@dataclass(frozen=True, slots=True)
class Snapshot:
    facts: frozenset[Fact]
    answers: dict[Question, Exchange]  # the request that answered each question
    stamp: int  # the client's count of changing requests when it was read


def questions(journal: RunJournal, scope: Scope) -> list[Question]:
    """What to ask: the namespaces, every repository the process created, and what it pushed there."""
    asked = [Question(view, ns) for ns in scope.namespaces for view in (View.NAMESPACE, View.LISTED)]
    for target in journal.existing_repositories():
        if not scope.mine(target):
            continue
        namespace, repository = target.namespace, str(target.repository)
        asked.append(Question(View.SHOWN, namespace, repository))
        if digests := journal.digests.get(target):
            asked += [Question(View.MANAGE_TAGS, namespace, repository), Question(View.OCI_TAGS, namespace, repository)]
            asked += [Question(View.MANIFEST, namespace, repository, digest) for digest in sorted(digests)]
    return asked


def expected(journal: RunJournal, scope: Scope) -> set[Fact]:
    """What every view must show of what the process created and has not removed."""
    facts = {Fact(Question(View.NAMESPACE, ns)) for ns in scope.namespaces}
    for target in journal.existing_repositories():
        if not scope.mine(target):
            continue
        namespace, repository = target.namespace, str(target.repository)
        facts |= {Fact(Question(View.LISTED, namespace), repository), Fact(Question(View.SHOWN, namespace, repository))}
        for tag, digest in journal.tags.get(target, {}).items():
            facts |= {Fact(Question(View.MANAGE_TAGS, namespace, repository), tag)}
            facts |= {Fact(Question(View.OCI_TAGS, namespace, repository), tag)}
            facts |= {Fact(Question(View.MANIFEST, namespace, repository, digest))}
    return facts


def current(snapshot: Snapshot, client: SwrClient, scope: Scope) -> bool:
    """Nothing the client sent since the snapshot can have changed what `scope` sees."""
    return not any(scope.affected_by(changed) for changed in client.changed_since(snapshot.stamp))


def read(client: SwrClient, scope: Scope, asked: list[Question]) -> Snapshot:
    """Ask every question at once."""
    stamp = client.changes
    answered = at_once(*(functools.partial(_ask, client, scope, question) for question in asked), most=client.in_flight)
    facts = frozenset(fact for found, _ in answered for fact in found)
    return Snapshot(facts, {question: exchange for question, (_, exchange) in zip(asked, answered, strict=True)}, stamp)


def _ask(client: SwrClient, scope: Scope, question: Question) -> tuple[list[Fact], Exchange]:
    view, namespace, repository = question.view, question.namespace, question.repository
    if view is View.NAMESPACE:
        items = [""] if client.namespace_exists(namespace) else []
    elif view is View.LISTED:
        items = [name for name in client.repositories(namespace) if scope.mine(Target(namespace, name))]
    elif view is View.SHOWN:
        items = [""] if client.repository_exists(namespace, repository) else []
    elif view is View.MANAGE_TAGS:
        items = client.tags(namespace, repository)
    elif view is View.OCI_TAGS:
        items = client.oci_tags(namespace, repository)
    else:
        items = [""] if client.manifest_exists(namespace, repository, question.digest) else []
    return [Fact(question, item) for item in items], client.last_exchange()


def confirm(snapshot: Snapshot, facts: set[Fact]) -> None:
    """The snapshot shows everything in `facts` (what the run created), or it is no evidence: broken."""
    missing = sorted(fact for fact in facts if fact.question in snapshot.answers and fact not in snapshot.facts)
    if missing:
        fact = missing[0]
        answer = snapshot.answers[fact.question].summary()
        raise Broken(f"cannot observe {fact.subject} ({fact.question.view}) on this target, just created: {answer}")


def changes(before: Snapshot, after: Snapshot, target: Target, removed: bool) -> list[str]:
    """How `after` differs from the documented effect on `before`: `target` gone from every view when
    `removed`, and nothing else changed."""
    common = before.answers.keys() & after.answers.keys()
    was = {fact for fact in before.facts if fact.question in common}
    now = {fact for fact in after.facts if fact.question in common}
    found = [fact.describe("still") for fact in sorted(was & now) if removed and fact.about(target)]
    found += [fact.describe("no longer") for fact in sorted(was - now) if not (removed and fact.about(target))]
    return found + [fact.describe("newly") for fact in sorted(now - was)]


def still_shown(before: Snapshot, after: Snapshot, target: Target) -> list[Fact]:
    """The facts about `target` that a successful DELETE left in place."""
    return sorted(fact for fact in before.facts & after.facts if fact.about(target))


def control(client: SwrClient, fact: Fact, absent: str) -> None:
    """Before "still shown" becomes evidence, the view must be seen answering the other way: asked about
    repository `absent` (never created; a never-pushed digest for a manifest) it shows nothing."""
    q = fact.question
    if q.view in (View.NAMESPACE, View.LISTED):
        return  # a listing shows names: one still in it is evidence by itself
    never_pushed = "sha256:" + hashlib.sha256(absent.encode()).hexdigest()
    repository = q.repository if q.view is View.MANIFEST else absent
    probe = Question(q.view, q.namespace, repository, never_pushed if q.view is View.MANIFEST else "")
    found, exchange = _ask(client, Scope((q.namespace,), frozenset({q.namespace}), ""), probe)
    if found:
        never = f"{found[0].subject}, never created"
        raise Broken(f"cannot tell whether {fact.subject} is gone: {q.view} shows {never}: {exchange.summary()}")
