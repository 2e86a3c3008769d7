"""Every check is shown to catch a fault, and nothing else fails: the suite against the reference
registry with each test-only deviation fails exactly the checks `docs/fault-matrix.json` lists (and
breaks exactly those it lists as broken); against the conformant registry it passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.contract.profiles import CONDITIONS
from conformance.reference.deviations import Deviation
from conformance.suite import catalog
from tests.fault_matrix import MATRIX_JSON, MATRIX_MD, markdown, observe, observed, run_against

pytestmark = pytest.mark.full  # starts processes or software from outside: not in ./run-tests --quick


def _matrix() -> dict[str, dict[str, list[str]]]:
    data: dict[str, dict[str, list[str]]] = json.loads(MATRIX_JSON.read_text(encoding="utf-8"))
    return data


def test_every_check_is_proven_and_every_deviation_is_caught() -> None:
    matrix = _matrix()
    assert set(matrix) == {d.value for d in Deviation}, "regenerate: python -m tests.fault_matrix"
    assert [d for d, seen in matrix.items() if not seen["failed"]] == []
    proven = {check_id for seen in matrix.values() for check_id in seen["failed"]}
    assert sorted(set(catalog()) - proven) == []
    assert MATRIX_MD.read_text(encoding="utf-8") == markdown(matrix), "regenerate: python -m tests.fault_matrix"


def test_each_deviation_fails_exactly_its_checks_and_the_conformant_registry_none(tmp_path: Path) -> None:
    clean = run_against([], tmp_path / "conformant")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert observed(clean) == {"failed": [], "broken": []}  # zero false alarms
    matrix = _matrix()
    runs = observe(list(Deviation), tmp_path)
    differences = {
        deviation.value: {"expected": matrix[deviation.value], "observed": observed(run), "exit": run.returncode}
        for deviation, run in runs.items()
        if observed(run) != matrix[deviation.value] or run.returncode != 1
    }
    assert differences == {}, json.dumps(differences, indent=1)
    for run in runs.values():  # every finding names the documented condition it is about
        for check in run.results["checks"]:
            if check["outcome"] == "failed":
                assert check["message"].split(":", 1)[0] in CONDITIONS, check
