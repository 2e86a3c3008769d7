"""`compare`: runs side by side per check id; regressions exit 1, incompatible inputs exit 2; shown
end to end with the reference registry serving both profiles."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.compare import FIXED, NEWLY_BROKEN, NEWLY_SKIPPED, REGRESSION, STATUS_CHANGED, compare, load_run
from conformance.contract.profiles import CONDITIONS, load_profile
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import ReferenceServer
from conformance.results import RESULTS_SCHEMA
from tests.conftest import reference_target, run_suite


def _check(check_id: str, outcome: str, observed: int | None) -> dict[str, Any]:
    return {"id": check_id, "condition": "delete.empty-repository", "quote": "q", "outcome": outcome,
            "observed": observed, "expected": [204], "message": ""}  # fmt: skip


def _results(tmp_path: Path, name: str, checks: list[dict[str, Any]], schema: str = RESULTS_SCHEMA) -> Path:
    data = {"schema": schema, "run_id": name, "target": {"endpoint": "http://t", "version": name},
            "profile": {"id": "swr-2020"}, "summary": {"verdict": "conformant"}, "checks": checks}  # fmt: skip
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


BEFORE = [
    _check("delete/204/a", "passed", 204),
    _check("delete/204/b", "failed", 200),
    _check("delete/204/c", "passed", 204),
    _check("delete/204/d", "passed", 204),
    _check("delete/204/e", "passed", 406),
]
AFTER = [
    _check("delete/204/a", "failed", 200),  # regression, status changed
    _check("delete/204/b", "passed", 204),  # fixed, status changed
    _check("delete/204/c", "skipped", None),  # newly skipped
    _check("delete/204/d", "broken", None),  # newly broken
    _check("delete/204/e", "passed", 204),  # status changed only
]


def test_each_kind_of_change_is_named(tmp_path: Path) -> None:
    comparison = compare(
        [load_run(str(_results(tmp_path, "v1", BEFORE))), load_run(str(_results(tmp_path, "v2", AFTER)))]
    )
    changes = {row.check_id: row.changes for row in comparison.rows}
    assert changes == {
        "delete/204/a": [REGRESSION, STATUS_CHANGED],
        "delete/204/b": [FIXED, STATUS_CHANGED],
        "delete/204/c": [NEWLY_SKIPPED],
        "delete/204/d": [NEWLY_BROKEN],
        "delete/204/e": [STATUS_CHANGED],
    }
    assert [r.check_id for r in comparison.regressions] == ["delete/204/a"]
    assert comparison.rows[0].check_id == "delete/204/a"  # regressions first
    assert [r.label for r in comparison.runs] == ["v1 · swr-2020", "v2 · swr-2020"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "html"])
def test_every_format_names_every_check_and_the_regression_exits_1(tmp_path: Path, fmt: str) -> None:
    before, after = _results(tmp_path, "v1", BEFORE), _results(tmp_path, "v2", AFTER)
    result = CliRunner().invoke(main, ["compare", f"old={before}", f"new={after}", "--format", fmt])
    assert result.exit_code == 1, result.output
    assert all(check["id"] in result.output for check in BEFORE)
    assert "REGRESSION delete/204/a: passed 204 → failed 200" in result.output
    if fmt == "json":
        document = json.loads(result.output[: result.output.rindex("}") + 1])
        assert document["counts"][REGRESSION] == 1 and [r["label"] for r in document["runs"]] == ["old", "new"]
    if fmt == "html":
        assert '<td class="run failed"' in result.output and "regression</span>" in result.output


def test_no_regression_exits_0_even_with_other_changes(tmp_path: Path) -> None:
    after = copy.deepcopy(AFTER)
    after[0] = _check("delete/204/a", "passed", 204)
    result = CliRunner().invoke(
        main, ["compare", str(_results(tmp_path, "v1", BEFORE)), str(_results(tmp_path, "v2", after))]
    )
    assert result.exit_code == 0, result.output
    assert "1 fixed" in result.output and "1 newly broken" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not readable results"),
        (json.dumps({"schema": "swr-conformance/results/v2", "checks": []}), "(another major version)"),
        (json.dumps({"schema": "other/v1"}), "not a swr-conformance results file"),
        (json.dumps({"schema": RESULTS_SCHEMA, "checks": [{"id": "delete/204/a"}]}), "check 1 is incomplete"),
    ],
)
def test_unreadable_or_incompatible_inputs_exit_2(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(_results(tmp_path, "v1", BEFORE)), str(bad)])
    assert result.exit_code == 2 and message in result.output, result.output


def test_one_input_is_not_a_comparison(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["compare", str(_results(tmp_path, "v1", BEFORE))])
    assert result.exit_code == 2 and "two or more" in result.output


@pytest.mark.full
def test_the_two_profiles_differ_in_exactly_their_differing_conditions(tmp_path: Path) -> None:
    """The reference registry serving swr-2020 and swr-2025, each run with the seed profile: what
    changed is exactly what the profiles disagree on, and every finding names such a condition."""
    runs = {}
    for profile in ("swr-2020", "swr-2025"):
        with ReferenceServer(ReferenceConfig(profile=load_profile(profile), faults=True)) as server:
            runs[profile] = run_suite(tmp_path / profile, *reference_target(server), "--seed", "7")
    assert runs["swr-2020"].returncode == 0 and runs["swr-2025"].returncode == 1
    html = tmp_path / "matrix.html"
    result = CliRunner().invoke(main, ["compare", f"2020={tmp_path / 'swr-2020'}", f"2025={tmp_path / 'swr-2025'}",
                                       "--format", "html", "--output", str(html)])  # fmt: skip
    assert result.exit_code == 1, result.output
    seed, current = load_profile("swr-2020"), load_profile("swr-2025")
    differing = {c for c in CONDITIONS if seed.expect(c).statuses != current.expect(c).statuses}
    assert differing == {"delete.repository-with-images"}
    failed = [c for c in runs["swr-2025"].results["checks"] if c["outcome"] == "failed"]
    assert failed and {c["message"].split(":", 1)[0] for c in failed} == differing
    regressed = {line.split()[1].rstrip(":") for line in result.output.splitlines() if line.startswith("REGRESSION")}
    assert regressed == {c["id"] for c in failed}  # nothing else changed outcome
    page = html.read_text(encoding="utf-8")
    assert all(f'id="{c["id"]}"' in page for c in runs["swr-2020"].results["checks"])
