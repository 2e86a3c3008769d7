"""The end of the terminal report: counts that read right, and a verdict line that says how many checks
ran of how many the suite has, so that a skip never passes for conformance."""

from __future__ import annotations

from conformance.outcomes import Outcome
from conformance.report import final_table
from conformance.results import CheckResult, summarize


def _result(check_id: str, outcome: Outcome, message: str = "") -> CheckResult:
    return CheckResult(check_id, "delete.empty-repository", "t", "q", True, [204], outcome=outcome, message=message)


def test_one_check_is_one_check() -> None:
    checks = [_result("delete/204/empty-repository", Outcome.PASSED)]
    lines = final_table(checks, summarize(checks, available=1), [])
    assert lines[-2:] == ["1 check · 1 passed · 0 skipped · 0 broken · 0 failed", "CONFORMANT — 1 of 1 check ran"]


def test_the_verdict_line_names_the_skips_and_what_was_not_selected() -> None:
    checks = [
        _result("delete/204/empty-repository", Outcome.PASSED),
        _result("delete/500/server-error", Outcome.SKIPPED, "no fault injection"),
        _result("delete/406/images-survive", Outcome.SKIPPED, "no registry credentials"),
        _result("delete/406/deletable-once-emptied", Outcome.SKIPPED, "no registry credentials"),
    ]
    summary = summarize(checks, available=10)
    assert (summary["ran"], summary["skipped_because"]) == (1, {"no fault injection": 1, "no registry credentials": 2})
    assert final_table(checks, summary, [])[-1] == (
        "CONFORMANT — 1 of 10 checks ran; 3 skipped: no fault injection (1); no registry credentials (2); "
        "6 not selected"
    )
