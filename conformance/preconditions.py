"""Preconditions of checks (`@requires(...)`): each returns why a check cannot run here, or None."""

from __future__ import annotations

from conformance.context import CheckContext


def refuses_non_empty(ctx: CheckContext) -> str | None:
    """The profile expects a repository that holds images to be refused (the seed document's 406)."""
    expected = ctx.profile.expect("delete.repository-with-images")
    if expected.is_success:
        return f"profile {ctx.profile.id} deletes a repository with its images ({expected.status}): nothing is refused"
    return None


def fault_injection(ctx: CheckContext) -> str | None:
    """A 500 can only be provoked on a target that offers fault injection."""
    if not ctx.fault_injection:
        return "the target offers no fault injection (--fault-injection); a 500 cannot be provoked on a black box"
    return None


def second_namespace(ctx: CheckContext) -> str | None:
    if not ctx.run.may_create_namespaces:
        return "needs a second namespace; --namespace limits the run to one it may not add to"
    return None


def signs_requests(ctx: CheckContext) -> str | None:
    """Tampered signatures can only be probed in a run that signs with AK/SK."""
    if not ctx.client.credentials.ak:
        return "the run authenticates with X-Auth-Token; AK/SK signature probes need --ak/--sk"
    return None


def properties_enabled(ctx: CheckContext) -> str | None:
    if not ctx.budget.enabled:
        return "property checks are off (--no-properties)"
    return None
