"""The state one run owns on the target: its namespace(s), the repositories each check made, what
must still exist after each check, and cleanup that goes on past any single failure."""

from __future__ import annotations

import functools
import itertools

from conformance.at_once import at_once, which
from conformance.client import SwrClient
from conformance.outcomes import Broken, SetupFailed
from conformance.paths import Target
from conformance.provisioning.journal import RunJournal, carries_run_id
from conformance.snapshot import Scope
from conformance.transcript import Exchange


class RunState:
    def __init__(
        self, client: SwrClient, given_namespace: str | None, shared_namespace: str | None = None, tag: str = ""
    ) -> None:
        """`shared_namespace`: the run's namespace, made and removed by the controller of a parallel run;
        `tag` (e.g. `gw1-`) keeps the names of parallel workers of one run apart."""
        self.client = client
        self.journal: RunJournal = client.journal
        self.run_id = self.journal.run_id
        self.given_namespace = given_namespace
        self.shared_namespace = shared_namespace
        self.namespace = given_namespace or shared_namespace or f"{self.run_id}-ns"
        self.lost: str | None = None  # why no further check can run (the given namespace vanished)
        self._other: str | None = None
        self._tag = tag
        self.prefix = f"{self.run_id}-{tag}"  # every repository name this process makes up starts with it
        self._counter = itertools.count(1)

    def start(self) -> None:
        if self.shared_namespace is not None:
            return
        if self.given_namespace is not None:
            if not self.client.namespace_exists(self.given_namespace):
                raise Broken(f"--namespace {self.given_namespace} does not exist on the target")
            return
        self.client.create_namespace(self.namespace)

    def unique(self, stem: str) -> str:
        """A repository name no one else uses: `<run id>-<n>-<stem>`."""
        return f"{self.prefix}{next(self._counter)}-{stem}"

    def scope(self) -> Scope:
        """What this process can see of the target and call its own: every repository in a namespace it
        created, elsewhere those named with its prefix (see snapshot.py)."""
        namespaces = tuple(self._namespaces())
        exclusive = frozenset(ns for ns in namespaces if ns in self.journal.namespaces)
        return Scope(namespaces, exclusive, self.prefix)

    def own_namespace(self) -> str | None:
        """A namespace whose every repository is this process's: the run's, when this process created it;
        else (a worker of a parallel run) a second one of its own; None when the run may create none."""
        if self.namespace in self.journal.namespaces:
            return self.namespace
        return self.other_namespace() if self.may_create_namespaces else None

    @property
    def may_create_namespaces(self) -> bool:
        return self.given_namespace is None

    def other_namespace(self) -> str:
        """A second namespace of the run's own, created on first use in a check and removed after it (every
        snapshot asks about each namespace of the run)."""
        if self._other is None:
            self.client.create_namespace(f"{self.run_id}-{self._tag}ns2")
            self._other = f"{self.run_id}-{self._tag}ns2"
        return self._other

    def absent_namespace(self) -> str:
        name = f"{self.run_id}-absent"
        if self.client.namespace_exists(name):
            raise Broken(f"namespace {name} should not exist, but the target shows it")
        return name

    # -- after each check ---------------------------------------------------------------------------

    def vanished(self) -> list[str]:
        """What the run created (or was given) and has not deleted, but the target no longer shows."""
        namespaces, targets = self._namespaces(), self.journal.existing_repositories()
        most = self.client.in_flight
        shown, found = at_once(  # every question at once: one round trip against a remote target
            lambda: which(self.client.namespace_exists, namespaces, most),
            lambda: which(lambda target: self.client.repository_exists(*_pair(target)), targets, most),
            most=most,
        )
        gone = [f"namespace {ns}" for ns in namespaces if ns not in shown]
        for target in targets:
            if target not in found:
                gone.append(f"repository {target}")
                self.journal.deleted(target)
        return gone

    def restore(self, gone: list[str]) -> None:
        """Recreate the namespaces later checks need; a vanished given namespace ends the run's checks."""
        for namespace in self._namespaces():
            if f"namespace {namespace}" not in gone:
                continue
            if namespace == self.given_namespace:
                self.lost = f"the given namespace {namespace} vanished; no further check can run"
            else:
                self.client.create_namespace(namespace)

    def clear_check(self) -> list[str]:
        """Remove the repositories a check left, and its second namespace (so later checks start clean);
        what could not be removed."""
        left = self.remove(self.journal.existing_repositories())
        if self._other is not None and not left:
            try:
                self.client.delete_namespace(self._other)
                self._other = None
            except Broken as exc:  # it stays the run's, for the next check and the cleanup
                left.append(f"namespace {self._other} ({exc})")
        return left

    # -- end of run ------------------------------------------------------------------------------

    def cleanup(self) -> list[str]:
        """Delete everything the run created: journaled repositories, any repository carrying the run id
        in its namespaces, then its namespaces. Goes on past every error; returns what is left."""
        targets = dict.fromkeys(t for t in self.journal.repositories if t not in self.journal.removed)
        leftovers: list[str] = []
        for namespace in self._namespaces():
            if namespace == self.shared_namespace:
                continue  # other workers' repositories are there: the journal has to do
            try:
                listed = self.client.repositories(namespace)
            except Exception:
                continue  # no listing on this target: the journal has to do
            mine = namespace in self.journal.namespaces
            targets.update(
                dict.fromkeys(Target(namespace, r) for r in listed if mine or carries_run_id(r, self.run_id))
            )
        leftovers += self.remove(list(targets))
        for namespace in reversed(self.journal.namespaces):
            try:
                self.client.delete_namespace(namespace)
                if self.client.namespace_exists(namespace):
                    leftovers.append(f"namespace {namespace} (still there after DELETE)")
            except Exception as exc:  # one resource's failure must not stop the rest
                leftovers.append(f"namespace {namespace} ({exc})")
        return leftovers

    def remove(self, targets: list[Target]) -> list[str]:
        """Remove the repositories, several at once; what could not be removed, and why."""
        lefts = remove_repositories(self.client, targets)
        for target, left in zip(targets, lefts, strict=True):
            if left is None:
                self.journal.deleted(target)
        return [left for left in lefts if left is not None]

    def _namespaces(self) -> list[str]:
        given = [ns for ns in (self.given_namespace, self.shared_namespace) if ns]
        made = [ns for ns in self.journal.namespaces if Target(ns) not in self.journal.removed]
        return given + [ns for ns in made if ns not in given]


def _pair(target: Target) -> tuple[str, str]:
    assert target.repository is not None
    return target.namespace, target.repository


def remove_repositories(client: SwrClient, targets: list[Target]) -> list[str | None]:
    """`remove_repository` for each target, several at once; in their order."""
    return at_once(*(functools.partial(remove_repository, client, target) for target in targets), most=client.in_flight)


def remove_repository(client: SwrClient, target: Target) -> str | None:
    """Delete one repository (first as it is; if refused, its tags, then again); None when it is gone
    (or never was), else what is left and why."""
    namespace, repository = _pair(target)
    try:
        if _gone(client.delete_repository(namespace, repository, under_test=False)):
            return None
        for tag in client.tags(namespace, repository):
            client.delete_tag(namespace, repository, tag)
        if not _gone(again := client.delete_repository(namespace, repository, under_test=False)):
            raise SetupFailed(f"DELETE answered {again.status} after its tags were deleted")
        return None
    except Exception as exc:  # one resource's failure must not stop the rest
        return f"repository {target} ({exc})"


def _gone(deleting: Exchange) -> bool:
    status = deleting.status or 0
    return 200 <= status < 300 or status == 404
