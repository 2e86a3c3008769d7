"""`swr-conformance compare`: two or more runs' results.json side by side, per check id.

The runs are the same registry at two versions, two vendors, or two profiles. Between the first and
the last run each check is classed: a regression (passed → failed), fixed (failed → passed), newly
skipped, newly broken, its observed status changed, added or removed. The last run regressing
against the first is exit 1; unreadable or incompatible inputs (another results schema major
version) are exit 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.results import RESULTS_SCHEMA

REGRESSION, FIXED, NEWLY_SKIPPED, NEWLY_BROKEN, STATUS_CHANGED = (
    "regression", "fixed", "newly skipped", "newly broken", "status changed"
)  # fmt: skip
ADDED, REMOVED = "added", "removed"
COMPARISON_SCHEMA = "swr-conformance/comparison/v1"
_CHECK_KEYS = ("id", "condition", "quote", "outcome", "observed")
_SCHEMA_FAMILY = RESULTS_SCHEMA.rsplit("/", 1)[0]  # swr-conformance/results


class CompareError(ValueError):
    """An input is unreadable or not comparable (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Run:
    label: str
    source: str
    data: dict[str, Any]

    @property
    def checks(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.data["checks"]}

    def pass_rate(self) -> float:
        """Passed among the checks that ran (skipped ones excluded)."""
        ran = [c for c in self.data["checks"] if c["outcome"] != "skipped"]
        return sum(c["outcome"] == "passed" for c in ran) / len(ran) if ran else 0.0


@dataclass(slots=True)
class Row:
    check_id: str
    condition: str
    quote: str
    cells: list[dict[str, Any] | None]  # per run: the check's result, or None when it is not in that run
    changes: list[str] = field(default_factory=list)  # first run → last run


@dataclass(slots=True)
class Comparison:
    runs: list[Run]
    rows: list[Row]

    @property
    def regressions(self) -> list[Row]:
        return [r for r in self.rows if REGRESSION in r.changes]

    def counts(self) -> dict[str, int]:
        kinds = (REGRESSION, FIXED, NEWLY_SKIPPED, NEWLY_BROKEN, STATUS_CHANGED, ADDED, REMOVED)
        return {kind: sum(kind in r.changes for r in self.rows) for kind in kinds}


def load_run(argument: str) -> Run:
    """`PATH` or `LABEL=PATH`; PATH is a results.json or the output directory holding one."""
    label, _, rest = argument.partition("=")
    if not rest or Path(argument).exists():
        label, rest = "", argument
    path = Path(rest)
    if path.is_dir():
        path = path / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CompareError(f"{path}: not readable results ({exc})") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if not isinstance(schema, str) or not schema.startswith(_SCHEMA_FAMILY + "/"):
        raise CompareError(f"{path}: not a swr-conformance results file (schema {schema!r})")
    if schema != RESULTS_SCHEMA:
        raise CompareError(
            f"{path}: results schema {schema} cannot be compared with {RESULTS_SCHEMA} (another major version)"
        )
    if not isinstance(data.get("checks"), list):
        raise CompareError(f"{path}: no checks")
    for i, check in enumerate(data["checks"], 1):
        if not isinstance(check, dict) or any(k not in check for k in _CHECK_KEYS):
            raise CompareError(f"{path}: check {i} is incomplete (needs {', '.join(_CHECK_KEYS)})")
    target, profile = data.get("target", {}), data.get("profile", {}).get("id", "?")
    return Run(label or f"{target.get('version') or target.get('endpoint', '?')} · {profile}", str(path), data)


def compare(runs: list[Run]) -> Comparison:
    if len(runs) < 2:
        raise CompareError("compare needs two or more results")
    labels = [r.label for r in runs]
    runs = [
        Run(f"{r.label} #{i}" if labels.count(r.label) > 1 else r.label, r.source, r.data)
        for i, r in enumerate(runs, 1)
    ]
    per_run = [r.checks for r in runs]
    ids = sorted({check_id for checks in per_run for check_id in checks})
    rows = []
    for check_id in ids:
        cells = [checks.get(check_id) for checks in per_run]
        known = next(c for c in cells if c is not None)
        rows.append(Row(check_id, known["condition"], known["quote"], cells, changes(cells[0], cells[-1])))
    rows.sort(key=lambda r: (REGRESSION not in r.changes, not r.changes, r.check_id))  # what changed first
    return Comparison(runs, rows)


def changes(first: dict[str, Any] | None, last: dict[str, Any] | None) -> list[str]:
    if first is None or last is None:
        return [] if first is last else [ADDED if first is None else REMOVED]
    was, now = first["outcome"], last["outcome"]
    found = []
    if was == "passed" and now == "failed":
        found.append(REGRESSION)
    if was == "failed" and now == "passed":
        found.append(FIXED)
    if now == "skipped" and was != "skipped":
        found.append(NEWLY_SKIPPED)
    if now == "broken" and was != "broken":
        found.append(NEWLY_BROKEN)
    if None not in (first["observed"], last["observed"]) and first["observed"] != last["observed"]:
        found.append(STATUS_CHANGED)
    return found


def cell_text(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "-"
    observed = "" if cell["observed"] is None else f" {cell['observed']}"
    return f"{cell['outcome']}{observed}"


def as_table(comparison: Comparison, markdown: bool = False) -> str:
    header = ["check", "condition", *(r.label for r in comparison.runs), "first → last"]
    body = [
        [row.check_id, row.condition, *(cell_text(c) for c in row.cells), ", ".join(row.changes)]
        for row in comparison.rows
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    else:
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body]
    return "\n".join([*lines, "", summary_line(comparison)])


def summary_line(comparison: Comparison) -> str:
    counts = comparison.counts()
    changed = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no change"
    rates = " → ".join(f"{r.pass_rate():.0%}" for r in comparison.runs)
    return f"{len(comparison.rows)} checks · {changed} · pass rate {rates}"


def as_json(comparison: Comparison) -> str:
    runs = [
        {"label": r.label, "source": r.source, "run_id": r.data.get("run_id"),
         "verdict": r.data.get("summary", {}).get("verdict"), "pass_rate": round(r.pass_rate(), 4)}
        for r in comparison.runs
    ]  # fmt: skip
    checks = [
        {"id": row.check_id, "condition": row.condition, "changes": row.changes,
         "runs": [None if c is None else {"outcome": c["outcome"], "observed": c["observed"]} for c in row.cells]}
        for row in comparison.rows
    ]  # fmt: skip
    document = {
        "schema": "swr-conformance/comparison/v1",
        "runs": runs,
        "checks": checks,
        "counts": comparison.counts(),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def as_html(comparison: Comparison) -> str:
    import jinja2  # only this format needs it; `run` does not pay for the import

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    template = environment.get_template("compare.html.j2")
    return template.render(comparison=comparison, cell_text=cell_text, summary=summary_line(comparison))


FORMATS = {"table": as_table, "markdown": lambda c: as_table(c, markdown=True), "json": as_json, "html": as_html}
