"""Units of the suite's machinery: settings precedence, the check registry, invalid names, transcripts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import checks
from conformance.checks import ID_PATTERN, register
from conformance.contract.names import (
    INVALID_CASES,
    NAMESPACE,
    REPOSITORY,
    NameKind,
    NameRule,
    invalid_variant,
    violation,
)
from conformance.outcomes import Outcome
from conformance.paths import Target
from conformance.provisioning.journal import RunJournal
from conformance.results import CheckResult, summarize
from conformance.settings import REMOTE_WORKERS, ConfigFile, SettingsError, resolve
from conformance.suite import catalog
from conformance.transcript import REDACTED, Exchange, Redactor
from tests.conftest import run_suite


def test_command_line_beats_environment_beats_file(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('endpoint = "http://file"\nprofile = "swr-2025"\ntarget-version = "from-file"\ntoken = "f"\n')
    env = {"SWR_ENDPOINT": "http://env", "SWR_TARGET_VERSION": "from-env"}
    settings = resolve({"endpoint": "http://cli", "token": None}, env, ConfigFile(file, "--config"))
    assert (settings.endpoint, settings.target_version, settings.profile, settings.token) == (
        "http://cli",
        "from-env",
        "swr-2025",
        "f",
    )


@pytest.mark.parametrize(
    ("given", "processes"),
    [({}, 1), ({"endpoint": "http://127.0.0.1:8080"}, 1), ({"endpoint": "http://localhost"}, 1),
     ({"endpoint": "https://swr.cn-north-4.myhuaweicloud.com"}, REMOTE_WORKERS),
     ({"endpoint": "https://10.0.0.7"}, REMOTE_WORKERS),
     ({"endpoint": "https://swr.example", "workers": 1}, 1), ({"workers": 3}, 3)],
)  # fmt: skip
def test_workers_default_by_target_and_yield_to_the_option(given: dict[str, object], processes: int) -> None:
    """A remote endpoint runs in REMOTE_WORKERS processes unless --workers says otherwise; the embedded
    registry and loopback run in one (their requests cost CPU here, not waiting)."""
    settings = resolve({"token": "t", **given}, {}, None).validated()
    assert settings.processes == processes


def test_unknown_setting_in_file_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('endpont = "http://typo"\n')
    with pytest.raises(SettingsError, match=r"unknown setting\(s\) \['endpont'\]"):
        resolve({}, {}, ConfigFile(file, "--config"))


@pytest.mark.parametrize(
    ("line", "message"),
    [('timeout = "soon"', "'timeout' must be a number"), ("fault-injection = 1", "'fault_injection' must be a boolean"),
     ("endpoint = 8080", "'endpoint' must be a string")],
)  # fmt: skip
def test_wrongly_typed_file_settings_are_usage_errors(tmp_path: Path, line: str, message: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(line + "\n")
    with pytest.raises(SettingsError, match=message):
        resolve({}, {}, ConfigFile(file, "--config"))


def test_register_refuses_duplicate_malformed_and_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "REGISTRY", {})  # leave the real registry as the suite made it
    register("delete/999/unit-test-only", "delete.server-error", "a title", "minor")
    with pytest.raises(ValueError, match="registered twice"):
        register("delete/999/unit-test-only", "delete.server-error", "a title", "minor")
    with pytest.raises(ValueError, match="does not match"):
        register("Delete 999", "delete.server-error", "a title", "minor")
    with pytest.raises(ValueError, match="unknown condition"):
        register("delete/999/other", "delete.nope", "a title", "minor")


@pytest.mark.full
def test_every_collected_check_has_its_own_well_formed_id(tmp_path: Path) -> None:
    """pytest collects exactly one test per registered id (a test without @check, or two with one id,
    would break the count), and every id has the stable shape reports and baselines key on."""
    ids = catalog()
    assert all(ID_PATTERN.match(check_id) for check_id in ids), [i for i in ids if not ID_PATTERN.match(i)]
    collected = run_suite(tmp_path / "reports", "--", "--collect-only")
    assert collected.returncode == 0 and f"{len(ids)} tests collected" in collected.stdout, collected.stdout


def test_results_only_get_worse() -> None:
    result = CheckResult("delete/1/x", "delete.server-error", "t", "q", True, [500])
    result.worsen(Outcome.FAILED, "contract")
    result.worsen(Outcome.BROKEN, "cleanup")
    assert (result.outcome, result.message, result.notes) == (Outcome.FAILED, "contract", ["cleanup"])
    assert summarize([result])["verdict"] == "non-conformant"
    assert summarize([], broken_target=True)["verdict"] == "broken"


#: The rule each invalid case of the 400 checks breaks (the first rule a variant's violation names).
BREAKS = {
    "upper-case": NameRule.CHARACTER,
    "illegal-character": NameRule.CHARACTER,
    "leading-separator": NameRule.START,
    "trailing-separator": NameRule.END,
    "adjacent-separators": NameRule.ADJACENT_SEPARATORS,
    "triple-underscore": NameRule.ADJACENT_SEPARATORS,
    "too-long": NameRule.LENGTH,
}


@given(
    st.from_regex(NAMESPACE.path_pattern, fullmatch=True).filter(lambda n: len(n) <= 60), st.sampled_from(INVALID_CASES)
)
def test_invalid_variants_of_namespaces_break_the_rules(valid: str, case: str) -> None:
    variant = invalid_variant(valid, NameKind.NAMESPACE, case)
    found = violation(variant, NameKind.NAMESPACE)
    assert found is not None and found.rule is BREAKS[case] and valid in variant.lower(), (variant, found)


@given(
    st.from_regex(REPOSITORY.path_pattern, fullmatch=True).filter(lambda n: len(n) <= 120),
    st.sampled_from(INVALID_CASES),
)
def test_invalid_variants_of_repositories_break_the_rules(valid: str, case: str) -> None:
    valid = valid.replace("$", "/")
    variant = invalid_variant(valid, NameKind.REPOSITORY, case)
    found = violation(variant, NameKind.REPOSITORY)
    assert found is not None and found.rule is BREAKS[case] and valid in variant.lower(), (variant, found)


def test_the_journal_owns_only_what_the_run_created() -> None:
    journal = RunJournal("swrc00000000", namespaces=["swrc00000000-ns"], repositories=[Target("team", "mine")])
    assert journal.owns(Target("swrc00000000-ns", "anything")) and journal.owns(Target("swrc00000000-ns"))
    assert journal.owns(Target("team", "mine")) and journal.owns(Target("team", "swrc00000000-1-app-"))
    assert not journal.owns(Target("team", "production")) and not journal.owns(Target("team"))


def test_exchanges_redact_credentials_and_known_secrets() -> None:
    redactor = Redactor()
    redactor.add("s3cret-value")
    request = httpx.Request(
        "POST",
        "http://h/v2/manage/namespaces?x=s3cret-value",
        headers={"X-Auth-Token": "s3cret-value", "Authorization": "Basic abc", "X-Other": "s3cret-value!"},
        content=b'{"password": "s3cret-value"}',
    )
    response = httpx.Response(201, headers={"Set-Cookie": "c=1"}, content=b"echo s3cret-value", request=request)
    exchange = Exchange(request, response, redactor)
    data = str(exchange.redacted()) + exchange.curl()
    assert "s3cret-value" not in data and "abc" not in data and "c=1" not in data
    assert data.count(REDACTED) >= 4
    assert exchange.curl().startswith('curl -i -X POST -H "X-Auth-Token: $SWR_TOKEN"')


def test_only_a_finding_fails_a_check() -> None:
    from conformance.outcomes import NonConformance
    from conformance.plugin import classify

    assert classify(NonConformance("404 expected, 204 observed"), "call") == (
        Outcome.FAILED,
        "404 expected, 204 observed",
    )
    assert classify(NonConformance("vanished"), "teardown")[0] is Outcome.FAILED
    assert classify(NonConformance("in setup"), "setup")[0] is Outcome.BROKEN
    assert classify(AssertionError("the suite's own assert"), "call") == (
        Outcome.BROKEN,
        "AssertionError: the suite's own assert",
    )
    assert classify(KeyError("x"), "call")[0] is Outcome.BROKEN
    with pytest.raises(pytest.skip.Exception) as skipped:
        pytest.skip("no registry credentials")
    assert classify(skipped.value, "setup") == (Outcome.SKIPPED, "no registry credentials")
