"""The state one run owns on the target: its namespace(s) and every repository it made; cleanup."""

from __future__ import annotations

import itertools
import secrets

from conformance.client import SwrClient
from conformance.outcomes import Broken


def new_run_token() -> str:
    """`swrc` + 8 hex digits: embedded in every name the run makes up (and nothing else's)."""
    return "swrc" + secrets.token_hex(4)


class RunState:
    def __init__(self, client: SwrClient, given_namespace: str | None) -> None:
        self.client = client
        self.token = client.ledger.token
        self.given_namespace = given_namespace
        self.namespace = given_namespace or f"{self.token}-ns"
        self._other: str | None = None
        self._counter = itertools.count(1)
        self._cleaned = False

    def start(self) -> None:
        if self.given_namespace is not None:
            if not self.client.namespace_exists(self.given_namespace):
                raise Broken(f"--namespace {self.given_namespace} does not exist on the target")
            return
        self.client.create_namespace(self.namespace)

    def unique(self, stem: str) -> str:
        """A repository name no one else uses: `<token>-<n>-<stem>`."""
        return f"{self.token}-{next(self._counter)}-{stem}"

    @property
    def may_create_namespaces(self) -> bool:
        return self.given_namespace is None

    def other_namespace(self) -> str:
        """A second namespace of the run's own, created on first use."""
        if self._other is None:
            self.client.create_namespace(f"{self.token}-ns2")
            self._other = f"{self.token}-ns2"
        return self._other

    def absent_namespace(self) -> str:
        name = f"{self.token}-absent"
        if self.client.namespace_exists(name):
            raise Broken(f"namespace {name} should not exist, but the target shows it")
        return name

    def cleanup(self) -> list[str]:
        """Delete everything the run created (tags, repositories, namespaces); return what is left."""
        if self._cleaned:
            return []
        self._cleaned = True
        leftovers: list[str] = []
        ledger = self.client.ledger
        for namespace, repository in reversed(list(dict.fromkeys(ledger.repositories))):
            try:
                if not self.client.repository_exists(namespace, repository):
                    continue
                for tag in self.client.tags(namespace, repository):
                    self.client.delete_tag(namespace, repository, tag)
                status = self.client.delete_repository(namespace, repository).status or 0
                if not (200 <= status < 300 or status == 404):
                    leftovers.append(f"repository {namespace}/{repository} (DELETE answered {status})")
            except Broken as exc:
                leftovers.append(f"repository {namespace}/{repository} ({exc})")
        for namespace in reversed(ledger.namespaces):
            try:
                self.client.delete_namespace(namespace)
                if self.client.namespace_exists(namespace):
                    leftovers.append(f"namespace {namespace} (still there after DELETE)")
            except Broken as exc:
                leftovers.append(f"namespace {namespace} ({exc})")
        return leftovers
