"""What a check works with (the `swr` fixture): its state, the request under test, its verdicts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import NoReturn

import pytest

from conformance import allure_labels, snapshot
from conformance.checks import Check
from conformance.client import SwrClient
from conformance.contract.error_body import ErrorInfo, parse_error_body
from conformance.contract.profiles import ErrorBody, Expectation, Profile
from conformance.exploration import Exploration, PropertyBudget
from conformance.outcomes import NonConformance
from conformance.paths import Target
from conformance.provisioning.image import Image
from conformance.provisioning.run_state import RunState
from conformance.snapshot import Scope, Snapshot
from conformance.transcript import Exchange


class CheckContext:
    def __init__(
        self, check: Check, run: RunState, profile: Profile, fault_injection: bool, budget: PropertyBudget
    ) -> None:
        self.check = check
        self.run = run
        self.profile = profile
        self.fault_injection = fault_injection
        self.budget = budget
        self.subject: Exchange | None = None  # the DELETE under test whose status is reported
        self.subject_expectation: Expectation | None = None  # the failing step's, once a finding re-points the report
        self.notes: list[str] = []
        self._first = len(run.client.transcript)
        self._conditions: dict[int, str] = {}  # each DELETE under test (by id) -> the condition it was sent for
        self._latest: dict[Scope, Snapshot] = {}  # the newest snapshot of each scope
        self.exploration = Exploration(budget)  # hypothesis searches, sequences included

    # -- state -----------------------------------------------------------------------------------

    @property
    def client(self) -> SwrClient:
        return self.run.client

    @property
    def namespace(self) -> str:
        return self.run.namespace

    def unique(self, stem: str = "app") -> str:
        return self.run.unique(stem)

    def new_repository(self, stem: str = "app", namespace: str | None = None) -> str:
        name = self.unique(stem)
        self.client.create_repository(namespace or self.namespace, name)
        return name

    def drawing_ground(self) -> tuple[str, str]:
        """Where the property checks draw repository names, and the prefix they need there: a namespace of
        the run's own takes the whole grammar; a shared one (`--namespace`) names with the run's prefix."""
        if (own := self.run.own_namespace()) is not None:
            return own, ""
        return self.namespace, f"{self.run.prefix}p-"

    def other_namespace(self) -> str:
        """A second namespace of the run's (checks using it declare `@requires(second_namespace)`)."""
        return self.run.other_namespace()

    def absent_namespace(self) -> str:
        return self.run.absent_namespace()

    def push_image(self, repository: str, tag: str, namespace: str | None = None) -> Image:
        if not self.client.can_push:
            pytest.skip("needs registry credentials to push an image (--registry-username/--registry-password)")
        return self.client.push_image(namespace or self.namespace, repository, tag)

    def exchanges(self) -> list[Exchange]:
        return self.client.transcript[self._first :]

    # -- the request under test and verdicts --------------------------------------------------------

    def expectation(self, condition: str | None = None) -> Expectation:
        return self.profile.expect(condition or self.check.condition)

    def delete(
        self,
        namespace: str,
        repository: str,
        *,
        condition: str | None = None,
        credentials: str = "configured",
        headers: dict[str, str] | None = None,
        subject: bool = True,
        scope: Scope | None = None,
    ) -> Exchange:
        """Send the DELETE under test for `condition` (the check's unless named), between two snapshots of
        what the run can see (`scope`: all of it unless narrowed); the difference must be exactly the
        documented effect of the answer. The first with `subject` is the one the check reports."""
        __tracebackhide__ = True

        def send() -> list[Exchange]:
            return [self.client.delete_repository(namespace, repository, credentials=credentials, headers=headers)]

        return self._observed(Target(namespace, repository), condition, subject, scope, send)[0]

    def deletes_at_once(self, namespace: str, repository: str, times: int) -> list[Exchange]:
        """The same DELETE under test sent `times` at once (released together), between two snapshots."""
        __tracebackhide__ = True
        start = threading.Barrier(times)

        def one(_: int) -> Exchange:
            start.wait(timeout=30)
            return self.client.delete_repository(namespace, repository)

        def send() -> list[Exchange]:
            with ThreadPoolExecutor(max_workers=times) as pool:
                return list(pool.map(one, range(times)))

        return self._observed(Target(namespace, repository), None, True, None, send)

    def _observed(
        self,
        target: Target,
        condition: str | None,
        subject: bool,
        scope: Scope | None,
        send: Callable[[], list[Exchange]],
    ) -> list[Exchange]:
        __tracebackhide__ = True
        scope = scope or self.run.scope()
        before = self._before(scope)
        exchanges = send()
        for exchange in exchanges:
            self._conditions[id(exchange)] = condition or self.check.condition
        if subject and self.subject is None:
            self.subject = exchanges[0]
        after = snapshot.read(self.client, scope, list(before.answers))
        removed = [e for e in exchanges if 200 <= (e.status or 0) < 300]
        if found := snapshot.changes(before, after, target, bool(removed)):
            never_created = self.unique("never-created")
            for fact in snapshot.still_shown(before, after, target) if removed else []:
                snapshot.control(self.client, fact, never_created)
            decisive = removed[0] if removed else exchanges[0]
            expected = self.expectation(self._conditions[id(decisive)])
            if decisive.status in expected.statuses:
                said = f"answered {decisive.status}"
            else:
                said = f"expected {_statuses(expected)}, observed {decisive.status}"
            self.fail(f"{said}; afterwards " + "; ".join(found), decisive, expected)
        self._latest[scope] = after
        return exchanges

    def _before(self, scope: Scope) -> Snapshot:
        """The newest snapshot while nothing changed since, else a new one; confirmed to show what the run
        created before it can be evidence."""
        wanted = snapshot.questions(self.run.journal, scope)
        latest = self._latest.get(scope)
        if not (latest and snapshot.current(latest, self.client, scope) and set(wanted) <= latest.answers.keys()):
            latest = snapshot.read(self.client, scope, wanted)
        snapshot.confirm(latest, snapshot.expected(self.run.journal, scope))
        self._latest[scope] = latest
        return latest

    def settled(self) -> bool:
        """Nothing changed since a snapshot of everything the run can see showed what it expects: then
        nothing it created can have vanished since."""
        scope = self.run.scope()
        latest = self._latest.get(scope)
        return latest is not None and snapshot.current(latest, self.client, scope)

    @contextmanager
    def example(self) -> Iterator[None]:
        """Around one example of a property search: what it created is removed afterwards, so that every
        example starts from the same target (and each snapshot stays small)."""
        journal = self.run.journal
        before = set(journal.existing_repositories())
        try:
            yield
        finally:
            made = [target for target in journal.existing_repositories() if target not in before]
            self.notes += [
                f"not removed after an example (cleanup retries it): {left}" for left in self.run.remove(made)
            ]

    def expect_status(self, exchange: Exchange, condition: str | None = None) -> None:
        """The status the profile states for the condition (the one the DELETE was sent for), exactly."""
        __tracebackhide__ = True
        expected = self.expectation(condition or self._conditions.get(id(exchange)))
        if exchange.status not in expected.statuses:
            self.fail(f"expected {_statuses(expected)}, observed {exchange.status}", exchange, expected)

    def expect(self, holds: bool, message: str, exchange: Exchange | None = None) -> None:
        __tracebackhide__ = True
        if not holds:
            self.fail(message, exchange or self.subject)

    def expect_error_information(self, exchange: Exchange, condition: str | None = None) -> None:
        """SWR error information in the body: failing where the profile requires it, else a note."""
        __tracebackhide__ = True
        expected = self.expectation(condition or self._conditions.get(id(exchange)))
        found = _error_information(exchange)
        if isinstance(found, ErrorInfo) or expected.error_body is ErrorBody.NONE:
            return
        message = f"{exchange.status} without SWR error information: {found}"
        if expected.error_body is ErrorBody.REQUIRED:
            self.fail(message, exchange, expected)
        self.notes.append(f"recommendation: {message}")

    def expect_no_finding(self, validate: Callable[[], object], exchange: Exchange) -> None:
        """Run schemathesis' response checks on `exchange`; what they find is a finding of this check."""
        __tracebackhide__ = True
        try:
            validate()
        except (Exception, BaseExceptionGroup) as found:  # schemathesis raises a BaseExceptionGroup of findings
            finding = "\n".join(line for line in str(found).splitlines() if line.strip())
        else:
            return
        self.fail(f"the answer does not match the OpenAPI description: {finding}", exchange)

    def fail(self, message: str, exchange: Exchange | None, expected: Expectation | None = None) -> NoReturn:
        """A finding of the step `exchange` (the condition it was sent for unless `expected` says): the
        report shows that step's condition, quote, expected and observed status."""
        __tracebackhide__ = True
        expected = expected or self.expectation(self._conditions.get(id(exchange)) if exchange else None)
        self.subject, self.subject_expectation = exchange, expected
        lines = [f"{expected.condition}: {message}"]
        lines.append(f"  document {self.profile.document.id} ({self.profile.id}): {expected.quote}")
        lines.append(f"  ({expected.translation})")
        if exchange is not None:
            lines.append(f"  response: {exchange.status} {exchange.body_text()[:500] or '(no body)'}")
            lines.append(f"  reproduce: {exchange.curl()}")
            allure_labels.attach_exchange(exchange)
        raise NonConformance("\n".join(lines), exchange)


def _error_information(exchange: Exchange) -> ErrorInfo | str:
    if exchange.response is None:
        return "no response"
    return parse_error_body(exchange.response.headers.get("content-type"), exchange.response.content)


def _statuses(expected: Expectation) -> str:
    return " or ".join(str(s) for s in expected.statuses)
