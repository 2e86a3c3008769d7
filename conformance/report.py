"""The final table a person reads at the end of a run."""

from __future__ import annotations

from typing import Any

from conformance.gate import gate_lines
from conformance.outcomes import Outcome
from conformance.results import CheckResult


def final_table(checks: list[CheckResult], summary: dict[str, Any], leftovers: list[str]) -> list[str]:
    rows = [("condition", "check", "expected", "observed", "outcome")]
    for r in checks:
        observed = "-" if r.observed is None else str(r.observed)
        rows.append((r.condition, r.id, "/".join(map(str, r.expected)), observed, r.outcome.value))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["", "  ".join(cell.ljust(w) for cell, w in zip(rows[0], widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows[1:]]
    for r in checks:
        if r.outcome in (Outcome.FAILED, Outcome.BROKEN):
            lines += ["", f"{r.outcome.value.upper()} {r.id}", *("  " + line for line in r.message.splitlines())]
        elif r.outcome is Outcome.SKIPPED:
            lines.append(f"SKIPPED {r.id}: {r.message}")
        lines += [f"note {r.id}: {note}" for note in r.notes]
    lines += [f"LEFTOVER {item}" for item in leftovers]
    counts = " · ".join(f"{summary[o.value]} {o.value}" for o in Outcome)
    lines += ["", f"{_checks(summary['total'])} · {counts}", verdict_line(summary)]
    if (gate := summary.get("gate")) is not None:
        lines += gate_lines(gate)
    return lines


def verdict_line(summary: dict[str, Any]) -> str:
    """`CONFORMANT — 42 of 46 checks ran; 4 skipped: <why> (n)`: skipped checks are not conformant ones."""
    line = f"{summary['verdict'].upper()} — {summary['ran']} of {_checks(summary['available'])} ran"
    if summary["skipped"]:
        why = "; ".join(f"{reason} ({n})" for reason, n in summary["skipped_because"].items())
        line += f"; {summary['skipped']} skipped: {why}"
    not_run = summary.get("not_run", 0)
    if not_run:
        line += f"; {not_run} not run: the run was stopped"
    if (unselected := summary["available"] - summary["total"] - not_run) > 0:
        line += f"; {unselected} not selected"
    return line


def _checks(n: int) -> str:
    return f"{n} check" if n == 1 else f"{n} checks"
