"""The release gate: a baseline of known deviations (reported, not failing until they expire; fixed
ones reported; unknown ids a usage error) and `--require-all` (a check that did not run fails)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from conformance.contract.profiles import load_profile
from conformance.contract.resources import RESULTS_SCHEMA_FILE
from conformance.gate import Baseline, BaselineError, gate_lines, judge, load_baseline
from conformance.outcomes import Outcome
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from conformance.results import CheckResult, exit_status, summarize
from conformance.suite import catalog
from tests.conftest import reference_target, run_suite

TODAY = dt.date(2026, 11, 28)
IDS = {"delete/406/repository-with-images", "delete/406/images-survive", "delete/204/empty-repository"}


def _result(check_id: str, outcome: Outcome) -> CheckResult:
    result = CheckResult(check_id, "delete.repository-with-images", "t", "q", True, [406])
    result.worsen(outcome, "why" if outcome is not Outcome.PASSED else "")
    return result


def _baseline(tmp_path: Path, body: str, suffix: str = ".toml") -> Path:
    path = tmp_path / f"baseline{suffix}"
    path.write_text(body, encoding="utf-8")
    return path


ENTRY = """
[[deviations]]
check = "{check}"
reason = "deletes non-empty repositories (SWR-1)"
link = "https://tracker.example/SWR-1"
expires = {expires}
"""


def _listing_406(tmp_path: Path, expires: str) -> Baseline:
    """A baseline that lists delete/406/repository-with-images until `expires`."""
    return load_baseline(
        _baseline(tmp_path, ENTRY.format(check="delete/406/repository-with-images", expires=expires)), IDS
    )


def test_a_known_deviation_is_reported_and_does_not_fail_the_gate(tmp_path: Path) -> None:
    baseline = _listing_406(tmp_path, expires="2027-01-31")
    checks = [
        _result("delete/406/repository-with-images", Outcome.FAILED),
        _result("delete/204/empty-repository", Outcome.PASSED),
    ]
    gate = judge(checks, 2, baseline, require_all=False, today=TODAY)
    assert gate["passed"] and [k["check"] for k in gate["known"]] == ["delete/406/repository-with-images"]
    summary = summarize(checks) | {"gate": gate}
    assert summary["verdict"] == "non-conformant" and exit_status(summary) == 0  # the contract truth stays
    assert gate_lines(gate)[-1].startswith("GATE PASSED — 1 known deviation(s) accepted")


def test_an_unlisted_failure_fails_the_gate(tmp_path: Path) -> None:
    baseline = _listing_406(tmp_path, expires="2027-01-31")
    checks = [
        _result("delete/406/repository-with-images", Outcome.FAILED),
        _result("delete/406/images-survive", Outcome.FAILED),
    ]
    gate = judge(checks, 2, baseline, require_all=False, today=TODAY)
    assert not gate["passed"] and gate["reasons"] == ["delete/406/images-survive failed"]
    assert exit_status(summarize(checks) | {"gate": gate}) == 1


def test_an_expired_entry_fails_the_gate(tmp_path: Path) -> None:
    baseline = _listing_406(tmp_path, expires="2026-11-27")
    gate = judge([_result("delete/406/repository-with-images", Outcome.FAILED)], 1, baseline, False, TODAY)
    assert not gate["passed"] and gate["expired"] == ["delete/406/repository-with-images"]
    assert "baseline entry delete/406/repository-with-images expired on 2026-11-27" in gate["reasons"]
    assert "delete/406/repository-with-images failed" in gate["reasons"]  # no longer accepted


def test_an_entry_that_passes_now_is_reported_as_fixed(tmp_path: Path) -> None:
    yaml_body = (
        "deviations:\n  - check: delete/406/repository-with-images\n    reason: r\n"
        "    link: https://tracker.example/SWR-1\n    expires: 2027-01-31\n"
    )
    baseline = load_baseline(_baseline(tmp_path, yaml_body, ".yaml"), IDS)
    gate = judge([_result("delete/406/repository-with-images", Outcome.PASSED)], 1, baseline, False, TODAY)
    assert gate["passed"] and gate["fixed"] == ["delete/406/repository-with-images"]
    assert any(line.startswith("FIXED delete/406/repository-with-images") for line in gate_lines(gate))


def test_require_all_fails_on_skipped_and_unselected_checks() -> None:
    checks = [
        _result("delete/204/empty-repository", Outcome.PASSED),
        _result("delete/406/images-survive", Outcome.SKIPPED),
    ]
    gate = judge(checks, 5, None, require_all=True, today=TODAY)
    assert not gate["passed"] and gate["reasons"] == ["--require-all: 1 skipped, 3 not selected, of 5 checks"]
    assert exit_status(summarize(checks) | {"gate": gate}) == 1
    assert judge(checks[:1], 1, None, require_all=True, today=TODAY)["passed"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            ENTRY.format(check="delete/406/no-such-check", expires="2027-01-31"),
            "unknown check id(s) delete/406/no-such-check",
        ),
        ('[[deviations]]\ncheck = "delete/204/empty-repository"\nreason = "r"\nexpires = 2027-01-31\n', "missing link"),
        (ENTRY.format(check="delete/204/empty-repository", expires='"soon"'), "expires must be a date"),
        (ENTRY.format(check="delete/204/empty-repository", expires="2027-01-31") * 2, "listed twice"),
        ("deviations = 3\n", "expected a list 'deviations'"),
        ("[[deviations\n", "baseline"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(BaselineError, match=None) as raised:
        load_baseline(_baseline(tmp_path, body), set(catalog()))
    assert message in str(raised.value)


@pytest.mark.full
def test_the_gate_end_to_end(tmp_path: Path) -> None:
    """Against a registry that deletes non-empty repositories: the failures listed in the baseline
    are accepted (exit 0, the verdict still says non-conformant); an unknown id exits 2."""
    selection = ("-k", "delete/406/repository-with-images or delete/406/images-survive or delete/204/empty-repository")
    listed = "".join(ENTRY.format(check=c, expires="2099-01-01") for c in sorted(IDS - {"delete/204/empty-repository"}))
    config = ReferenceConfig(profile=load_profile(), faults=True, deviations=frozenset({Deviation.DELETES_IMAGES}))
    with ReferenceServer(config) as server:
        accepted = run_suite(
            tmp_path / "a", *reference_target(server), *selection, "--baseline", str(_baseline(tmp_path, listed))
        )
        unknown = run_suite(
            tmp_path / "b",
            *reference_target(server),
            "--baseline",
            str(_baseline(tmp_path, ENTRY.format(check="delete/1/x", expires="2099-01-01"), ".b.toml")),
        )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    summary = accepted.results["summary"]
    assert summary["verdict"] == "non-conformant" and summary["gate"]["passed"]
    assert {k["check"] for k in summary["gate"]["known"]} == IDS - {"delete/204/empty-repository"}
    assert (
        "NON-CONFORMANT — 3 of" in accepted.stdout and "GATE PASSED — 2 known deviation(s) accepted" in accepted.stdout
    )
    assert unknown.returncode == 2 and "unknown check id(s) delete/1/x" in unknown.stderr
    jsonschema.validate(accepted.results, json.loads(RESULTS_SCHEMA_FILE.read_text(encoding="utf-8")))


@pytest.mark.full
def test_run_list_names_every_check_and_exits_0(tmp_path: Path) -> None:
    listed = run_suite(tmp_path / "reports", "--list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == f"{len(catalog())} checks · profile swr-2020"
    row = next(line for line in lines if line.startswith("delete/406/repository-with-images "))
    assert row.split()[1:3] == ["delete.repository-with-images", "406"]
    collect_only = run_suite(tmp_path / "reports", "--", "--collect-only")
    assert collect_only.returncode == 0, collect_only.stdout + collect_only.stderr
