"""What a check works with (the `swr` fixture): its state, the request under test, its verdicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import pytest

from conformance import allure_labels
from conformance.at_once import at_once
from conformance.checks import Check
from conformance.client import SwrClient
from conformance.contract.error_body import ErrorInfo, parse_error_body
from conformance.contract.profiles import ErrorBody, Expectation, Profile
from conformance.exploration import Exploration, PropertyBudget
from conformance.outcomes import NonConformance
from conformance.provisioning.image import Image
from conformance.provisioning.run_state import RunState
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
        self.subject_expected: tuple[int, ...] | None = None  # set when a failure re-points the report
        self.notes: list[str] = []
        self._first = len(run.client.transcript)
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
        credentials: str = "configured",
        headers: dict[str, str] | None = None,
        subject: bool = True,
    ) -> Exchange:
        """Send the DELETE under test. The first with `subject` is the one the check reports."""
        exchange = self.client.delete_repository(namespace, repository, credentials=credentials, headers=headers)
        if subject and self.subject is None:
            self.subject = exchange
        return exchange

    def expect_status(self, exchange: Exchange, condition: str | None = None) -> None:
        """The status the profile states for the condition, exactly."""
        __tracebackhide__ = True
        expected = self.expectation(condition)
        if exchange.status not in expected.statuses:
            self.fail(f"expected {_statuses(expected)}, observed {exchange.status}", exchange, expected)

    def expect(self, holds: bool, message: str, exchange: Exchange | None = None) -> None:
        __tracebackhide__ = True
        if not holds:
            self.fail(message, exchange or self.subject)

    def expect_images_kept(self, repository: str, images: dict[str, Image]) -> None:
        """After a refused delete: every tag still listed, every manifest still pullable (asked at once)."""
        __tracebackhide__ = True
        digests = [image.digest for image in images.values()]
        tags, pullable = at_once(
            lambda: self.client.tags(self.namespace, repository),
            lambda: self.client.pullable(self.namespace, repository, digests),
        )
        expected = sorted(images)
        self.expect(tags == expected, f"tags of {repository} after the refused delete: {tags}, expected {expected}")
        lost = [digest for digest in digests if digest not in pullable]
        self.expect(not lost, f"manifests of {repository} lost after the refused delete: {lost}")

    def expect_error_information(self, exchange: Exchange, condition: str | None = None) -> None:
        """SWR error information in the body: failing where the profile requires it, else a note."""
        __tracebackhide__ = True
        expected = self.expectation(condition)
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
        __tracebackhide__ = True
        expected = expected or self.expectation()
        lines = [f"{expected.condition}: {message}"]
        lines.append(f"  document {self.profile.document.id} ({self.profile.id}): {expected.quote}")
        lines.append(f"  ({expected.translation})")
        if exchange is not None:
            # The report shows the exchange and expectation the failure is about.
            self.subject, self.subject_expected = exchange, expected.statuses
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
