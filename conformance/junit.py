"""junit.xml, written from the run's results (never repaired after pytest wrote it): one test case per
check, named by its id and grouped (`classname`) by its condition; a failed check is a `<failure>`, a
broken one an `<error>` (no verdict), a skipped one `<skipped>` with the reason. A run that could not start
is one errored case naming the cause: a file with no tests shows green on a CI dashboard."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.outcomes import Outcome
from conformance.results import CheckResult
from conformance.transcript import Redactor

NAME = "swr-conformance"
_ELEMENT = {Outcome.FAILED: "failure", Outcome.BROKEN: "error", Outcome.SKIPPED: "skipped"}


def write(path: Path, checks: list[CheckResult], setup_error: str | None, redactor: Redactor) -> None:
    suite = ET.Element("testsuite", name=NAME)
    for check in checks:
        _case(suite, check, redactor)
    if setup_error and not checks:
        case = ET.SubElement(suite, "testcase", classname=NAME, name="the run could not start")
        cause = redactor.text(setup_error)
        ET.SubElement(case, "error", message=cause).text = cause
    cases = list(suite.iter("testcase"))
    counts: dict[str, str | int] = {
        "tests": len(cases),
        "failures": sum(case.find("failure") is not None for case in cases),
        "errors": sum(case.find("error") is not None for case in cases),
        "skipped": sum(case.find("skipped") is not None for case in cases),
    }
    suite.attrib |= {key: str(value) for key, value in counts.items()}
    suite.set("time", f"{sum(check.duration_s for check in checks):.3f}")
    root = ET.Element("testsuites", {"name": NAME, **{key: str(value) for key, value in counts.items()}})
    root.append(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _case(suite: ET.Element, check: CheckResult, redactor: Redactor) -> None:
    case = ET.SubElement(suite, "testcase", classname=check.condition, name=check.id, time=f"{check.duration_s:.3f}")
    properties = ET.SubElement(case, "properties")
    observed = "" if check.observed is None else str(check.observed)
    for name, value in (
        ("check_id", check.id),
        ("condition", check.condition),
        ("expected", "/".join(map(str, check.expected))),
        ("observed", observed),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    if (element := _ELEMENT.get(check.outcome)) is not None:
        message = redactor.text(check.message)
        ET.SubElement(case, element, message=message.splitlines()[0] if message else "").text = message
    if check.notes:
        ET.SubElement(case, "system-out").text = redactor.text("\n".join(check.notes))
