"""What Allure shows of a check, given through allure-pytest's runtime API while the check runs (nothing
is rewritten afterwards): its title (the check id), labels, description from the final result, and
attachments (always redacted exchanges)."""

from __future__ import annotations

import allure

from conformance.checks import Check
from conformance.contract.profiles import Profile
from conformance.results import CheckResult
from conformance.transcript import Exchange, to_json

EPIC = "DELETE /v2/manage/namespaces/{namespace}/repos/{repository}"


def record(check: Check, profile: Profile, result: CheckResult) -> None:
    """Once the check's result is final (at its teardown, after allure-pytest has named it): the title is
    the check id; epic = endpoint, feature = expected status, story = condition (of the step
    that decided it), link = document section;
    the description says what the result says."""
    allure.dynamic.title(check.id)
    allure.dynamic.epic(EPIC)
    allure.dynamic.feature(str(profile.expect(result.condition).status))
    allure.dynamic.story(result.condition)
    allure.dynamic.severity(allure.severity_level(check.severity))
    allure.dynamic.label("check_id", check.id)
    allure.dynamic.link(profile.document.url + profile.document.section, name=profile.document.id)
    allure.dynamic.description(_description(result))


def _description(result: CheckResult) -> str:
    """Markdown: what the check proves, the condition and the document's words, expected vs observed."""
    observed = "-" if result.observed is None else str(result.observed)
    lines = [
        result.title,
        "",
        f"**Condition** `{result.condition}`" + ("" if result.documented else " (not in this document version)"),
        "",
        f"**Document** {result.quote}",
        "",
        f"**Expected** {' or '.join(map(str, result.expected))} · **observed** {observed}",
    ]
    if result.curl:
        lines += ["", "**Reproduce**", "", f"    {result.curl}"]
    if result.notes:
        lines += ["", "**Notes**", "", *(f"- {note}" for note in result.notes)]
    return "\n".join(lines)


def attach_exchange(exchange: Exchange) -> None:
    allure.attach(to_json(exchange), name="exchange (redacted)", attachment_type=allure.attachment_type.JSON)
    attach_text("reproduce with curl", exchange.curl())


def attach_text(name: str, text: str) -> None:
    allure.attach(text, name=name, attachment_type=allure.attachment_type.TEXT)
