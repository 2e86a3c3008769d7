"""Allure labels of a check and its attachments (always redacted exchanges)."""

from __future__ import annotations

import allure

from conformance.checks import Check
from conformance.contract.profiles import Profile
from conformance.transcript import Exchange, to_json

EPIC = "DELETE /v2/manage/namespaces/{namespace}/repos/{repository}"


def label_check(check: Check, profile: Profile) -> None:
    """epic = endpoint, feature = expected status, story = condition, link = document section."""
    allure.dynamic.epic(EPIC)
    allure.dynamic.feature(str(profile.expect(check.condition).status))
    allure.dynamic.story(check.condition)
    allure.dynamic.severity(allure.severity_level(check.severity))
    allure.dynamic.label("check_id", check.id)
    allure.dynamic.link(profile.document.url + profile.document.section, name=profile.document.id)


def attach_exchange(exchange: Exchange) -> None:
    allure.attach(to_json(exchange), name="exchange (redacted)", attachment_type=allure.attachment_type.JSON)
    attach_text("reproduce with curl", exchange.curl())


def attach_text(name: str, text: str) -> None:
    allure.attach(text, name=name, attachment_type=allure.attachment_type.TEXT)
