"""The release gate: known deviations (a baseline file) and `--require-all`.

A baseline lists deviations a release accepts for now, each with check id, reason, link and expiry:

    [[deviations]]                                   # TOML; YAML: `deviations:` with the same keys
    check = "delete/406/repository-with-images"
    reason = "v2.3 deletes non-empty repositories (SWR-1234)"
    link = "https://tracker.example.com/SWR-1234"
    expires = 2027-03-31

A known deviation is reported but does not fail the gate; an expired entry fails it; an entry whose
check now passes is reported as fixed (remove it); an entry naming an unknown check is a usage error.
With `require_all`, a check that did not run (skipped, or not selected) fails the gate.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.outcomes import Outcome
from conformance.results import CheckResult

_FIELDS = ("check", "reason", "link", "expires")


class BaselineError(ValueError):
    """The baseline file is unreadable or names what does not exist (exit status 2)."""


@dataclass(frozen=True, slots=True)
class KnownDeviation:
    check: str
    reason: str
    link: str
    expires: dt.date


@dataclass(frozen=True, slots=True)
class Baseline:
    source: str
    entries: tuple[KnownDeviation, ...]

    def get(self, check_id: str) -> KnownDeviation | None:
        return next((e for e in self.entries if e.check == check_id), None)


def load_baseline(path: Path, known_ids: set[str]) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise BaselineError(f"baseline {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("deviations"), list):
        raise BaselineError(f"baseline {path}: expected a list 'deviations' (entries with {', '.join(_FIELDS)})")
    entries = [_entry(path, i, raw) for i, raw in enumerate(data["deviations"], 1)]
    if unknown := sorted({e.check for e in entries} - known_ids):
        raise BaselineError(f"baseline {path}: unknown check id(s) {', '.join(unknown)} (swr-conformance run --list)")
    if duplicated := sorted({e.check for e in entries if sum(o.check == e.check for o in entries) > 1}):
        raise BaselineError(f"baseline {path}: check id(s) listed twice: {', '.join(duplicated)}")
    return Baseline(str(path), tuple(entries))


def _entry(path: Path, index: int, raw: Any) -> KnownDeviation:
    where = f"baseline {path}, deviation {index}"
    if not isinstance(raw, dict):
        raise BaselineError(f"{where}: expected a table with {', '.join(_FIELDS)}")
    if missing := [f for f in _FIELDS if not raw.get(f)]:
        raise BaselineError(f"{where}: missing {', '.join(missing)}")
    if extra := sorted(set(raw) - set(_FIELDS)):
        raise BaselineError(f"{where}: unknown key(s) {', '.join(extra)}")
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise BaselineError(f"{where}: expires must be a date (YYYY-MM-DD), got {expires!r}") from None
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise BaselineError(f"{where}: expires must be a date (YYYY-MM-DD), got {expires!r}")
    if not str(raw["link"]).startswith(("http://", "https://")):
        raise BaselineError(f"{where}: link must be an http(s) URL, got {raw['link']!r}")
    return KnownDeviation(str(raw["check"]), str(raw["reason"]), str(raw["link"]), expires)


def judge(
    checks: list[CheckResult],
    available: int,
    baseline: Baseline | None,
    require_all: bool,
    today: dt.date,
) -> dict[str, Any]:
    """The gate's decision (recorded in results.json `summary.gate`) and every reason it failed."""
    by_id = {c.id: c for c in checks}
    failed = [c.id for c in checks if c.outcome is Outcome.FAILED]
    entries = baseline.entries if baseline else ()
    expired = [e for e in entries if e.expires < today]
    known = [e for e in entries if e not in expired and e.check in failed]
    fixed = [e.check for e in entries if (r := by_id.get(e.check)) is not None and r.outcome is Outcome.PASSED]
    not_run = [
        e.check for e in entries if (r := by_id.get(e.check)) is None or r.outcome in (Outcome.SKIPPED, Outcome.BROKEN)
    ]
    accepted = {e.check for e in known}
    reasons = [f"{c} failed" for c in failed if c not in accepted]
    reasons += [f"baseline entry {e.check} expired on {e.expires.isoformat()}" for e in expired]
    if require_all:
        skipped = sum(c.outcome is Outcome.SKIPPED for c in checks)
        unselected = available - len(checks)
        if skipped or unselected:
            reasons.append(f"--require-all: {skipped} skipped, {unselected} not selected, of {available} checks")
    return {
        "baseline": baseline.source if baseline else None,
        "require_all": require_all,
        "passed": not reasons,
        "reasons": reasons,
        "known": [
            {"check": e.check, "reason": e.reason, "link": e.link, "expires": e.expires.isoformat()} for e in known
        ],
        "fixed": fixed,
        "not_run": not_run,
        "expired": [e.check for e in expired],
    }


def gate_lines(gate: dict[str, Any]) -> list[str]:
    """What the terminal says about the gate, after the verdict line."""
    lines = [f"known deviation {k['check']}: {k['reason']} ({k['link']}, until {k['expires']})" for k in gate["known"]]
    lines += [f"FIXED {check}: it passes now; remove it from the baseline" for check in gate["fixed"]]
    lines += [f"baseline entry {check} not judged: the check did not run" for check in gate["not_run"]]
    if gate["passed"]:
        accepted = f"{len(gate['known'])} known deviation(s) accepted" if gate["known"] else "nothing to accept"
        lines.append(f"GATE PASSED — {accepted}" + (f" ({gate['baseline']})" if gate["baseline"] else ""))
    else:
        lines.append("GATE FAILED — " + "; ".join(gate["reasons"]))
    return lines
