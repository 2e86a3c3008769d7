"""Outcomes of a check, and the exceptions that decide them.

passed < skipped < broken < failed: a result only ever moves to a more severe outcome, and a
contract failure seen by a check is never hidden by a later setup or cleanup problem.
"""

from __future__ import annotations

import enum

from conformance.transcript import Exchange


class Outcome(enum.StrEnum):
    PASSED = "passed"
    SKIPPED = "skipped"
    BROKEN = "broken"  # the target, the network or the setup failed: no verdict on the contract
    FAILED = "failed"  # the target broke the contract

    @property
    def severity(self) -> int:
        return list(Outcome).index(self)


class NonConformance(AssertionError):
    """The target answered against the contract."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange


class InvalidServerName(NonConformance):
    """A name the target returned breaks the naming rules: a finding, never used in a request."""


class Broken(Exception):
    """Not a verdict on the contract: the target could not be reached or the state not set up."""


class TargetUnreachable(Broken):
    pass


class SetupFailed(Broken):
    pass


class GuardRefused(Broken):
    """The suite was about to delete something this run did not create; it refused."""


class SuiteError(Broken):
    """The suite's own assertion failed: a defect of the suite or of its setup, never a finding."""
