"""Results of a run: one entry per check, a summary and a verdict; `results.json` (schema v1).

The schema is `specs/results-v1.schema.json`; `compare` and baselines key on `checks[].id`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.outcomes import Outcome
from conformance.transcript import Redactor

RESULTS_SCHEMA = "swr-conformance/results/v1"

EXIT_CONFORMANT = 0
EXIT_NON_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_BROKEN = 3


@dataclass(slots=True)
class CheckResult:
    id: str
    condition: str
    title: str
    quote: str
    documented: bool
    expected: list[int]
    observed: int | None = None
    outcome: Outcome = Outcome.PASSED
    message: str = ""
    notes: list[str] = field(default_factory=list)
    curl: str | None = None
    node_id: str = ""
    duration_s: float = 0.0
    examples: int | None = None  # property checks: examples (or sequences) tried

    def worsen(self, outcome: Outcome, message: str) -> None:
        """Move to `outcome` if it is more severe (a result never gets better)."""
        if outcome.severity > self.outcome.severity:
            self.outcome = outcome
            self.message = message
        elif message and outcome is not Outcome.PASSED and message not in self.message:
            self.notes.append(message)


def as_dict(result: CheckResult) -> dict[str, Any]:
    return {**asdict(result), "outcome": result.outcome.value}


def from_dict(data: dict[str, Any]) -> CheckResult:
    return CheckResult(**(data | {"outcome": Outcome(data["outcome"])}))


def summarize(
    results: list[CheckResult], broken_target: bool = False, available: int | None = None, selected: int | None = None
) -> dict[str, Any]:
    """Counts per outcome, how many checks ran of the `available` ones (skipped ones did not run, and
    why; of the `selected` ones, those the run stopped before are `not_run`), and the verdict."""
    counts = {outcome.value: sum(r.outcome is outcome for r in results) for outcome in Outcome}
    if counts["failed"]:
        verdict = "non-conformant"
    elif counts["broken"] or broken_target:
        verdict = "broken"
    else:
        verdict = "conformant"
    return {
        **counts,
        "total": len(results),
        "ran": len(results) - counts["skipped"],
        "available": len(results) if available is None else available,
        "not_run": max(0, (selected or 0) - len(results)),
        "skipped_because": dict(Counter(r.message for r in results if r.outcome is Outcome.SKIPPED)),
        "verdict": verdict,
    }


def exit_status(summary: dict[str, Any]) -> int:
    """From the verdict; with a release gate (baseline, --require-all), the gate decides unless broken."""
    status = {"conformant": EXIT_CONFORMANT, "non-conformant": EXIT_NON_CONFORMANT, "broken": EXIT_BROKEN}[
        summary["verdict"]
    ]
    if (gate := summary.get("gate")) is None or status == EXIT_BROKEN:
        return status
    return EXIT_CONFORMANT if gate["passed"] else EXIT_NON_CONFORMANT


def document(
    run: dict[str, Any],
    results: list[CheckResult],
    available: int | None = None,
    gate: dict[str, Any] | None = None,
    selected: int | None = None,
) -> dict[str, Any]:
    broken_target = bool(run.get("setup_error") or run.get("interrupted"))
    summary = summarize(results, broken_target, available, selected)
    return {
        "schema": RESULTS_SCHEMA,
        "suite": {"name": "swr-conformance", "version": __version__},
        **run,
        "summary": summary if gate is None else summary | {"gate": gate},
        "checks": [as_dict(r) for r in results],
    }


def write(path: Path, data: dict[str, Any], redactor: Redactor) -> None:
    """results.json, every string in it redacted (a target may echo a secret into any field)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(redactor.data(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
