"""`swr-conformance sweep`: remove what runs left behind (killed, cut off, or cleanup aborted).

It finds candidates by a run's journal, by a run id, or by the suite's prefix (`swrc` + 8 hex digits)
and never touches a name without that prefix: the client's guard enforces it (`PrefixOwnership`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from conformance.client import SwrClient
from conformance.outcomes import Broken
from conformance.paths import Target
from conformance.provisioning.journal import PrefixOwnership, RunJournal
from conformance.provisioning.run_state import remove_repositories

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `2h`, `7d`."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"a duration is a number and one of s, m, h, d (e.g. 2h), got {text!r}")
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        raise ValueError(f"a duration of at most 999999999 days, got {text!r}") from None


@dataclass(frozen=True, slots=True)
class SweepScope:
    journal: RunJournal | None = None
    run_id: str | None = None
    namespace: str | None = None  # a namespace of the user's, searched for prefixed repositories
    older_than: timedelta | None = None
    dry_run: bool = False


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sweep(client: SwrClient, rule: PrefixOwnership, scope: SweepScope, say: Callable[[str], None]) -> list[str]:
    """Remove (or, with dry_run, list) what the scope names; returns what is left and why."""
    now = datetime.now(UTC)
    cutoff = now - scope.older_than if scope.older_than is not None else None
    journal_old = scope.journal is not None and (cutoff is None or scope.journal.started <= cutoff)
    namespaces = _candidate_namespaces(client, rule, scope, say)
    repositories: dict[Target, None] = {}
    if scope.journal is not None and journal_old:
        repositories.update(dict.fromkeys(t for t in scope.journal.repositories if t not in scope.journal.removed))
    for namespace in namespaces:
        if not client.namespace_exists(namespace):
            continue
        try:
            listed = client.repositories(namespace)
        except Broken as exc:  # what the journal names is still removed
            say(f"cannot list the repositories of {namespace}; removing what the journal names: {exc}")
            continue
        for name, created in listed.items():
            when = _parse_time(created)
            if rule.owns(Target(namespace, name)) and (cutoff is None or (when is not None and when <= cutoff)):
                repositories[Target(namespace, name)] = None
    leftovers: list[str] = []
    targets = list(repositories)
    if scope.dry_run:
        for target in targets:
            say(f"would remove repository {target}")
    else:  # several at once: a remote registry's latency, not their number, sets the pace
        for target, left in zip(targets, remove_repositories(client, targets), strict=True):
            if left is None:
                say(f"removed repository {target}")
            else:
                leftovers.append(left)
    for namespace in namespaces:
        if not rule.owns(Target(namespace)) or not client.namespace_exists(namespace):
            continue
        if cutoff is not None and not journal_old:
            say(f"kept namespace {namespace}: its age is unknown without a journal older than --older-than")
        elif scope.dry_run:
            say(f"would remove namespace {namespace}")
        else:
            try:
                client.delete_namespace(namespace)
                say(f"removed namespace {namespace}")
            except Exception as exc:  # go on with the rest
                leftovers.append(f"namespace {namespace} ({exc})")
    return leftovers


def _candidate_namespaces(
    client: SwrClient, rule: PrefixOwnership, scope: SweepScope, say: Callable[[str], None]
) -> list[str]:
    """The given namespace, the journal's, the run's usual ones, and every listed namespace of the run
    (or of any run without a journal or run id)."""
    found: dict[str, None] = {}
    if scope.namespace:
        found[scope.namespace] = None
    if scope.journal is not None:
        found.update(dict.fromkeys(scope.journal.namespaces))
        found.update(dict.fromkeys(t.namespace for t in scope.journal.repositories))
    if scope.run_id is not None:
        found.update(dict.fromkeys([f"{scope.run_id}-ns", f"{scope.run_id}-ns2"]))
    if scope.journal is None:
        try:
            found.update(dict.fromkeys(ns for ns in client.namespaces() if rule.carries_id(ns)))
        except Broken as exc:
            if scope.run_id is None:
                raise
            say(f"cannot list namespaces; looking where run {scope.run_id} usually works: {exc}")
    return list(found)
