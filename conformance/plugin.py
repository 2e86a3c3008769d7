"""The pytest plugin that runs the conformance suite (`conformance/suite/`).

`swr-conformance run` drives it; `pytest --pyargs conformance.suite [--swr-endpoint URL ...]` runs
it too (credentials from SWR_TOKEN / SWR_AK + SWR_SK). Lifecycle lives in fixtures: `swr_run`
(session: target, client, run namespace, cleanup) and `swr` (one check).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Generator, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pytest

from conformance import __version__, allure_labels, allure_results, junit, pytest_internals, results
from conformance.cache import keep_hypothesis_files_in_the_cache
from conformance.checks import MARKER, check_of, preconditions_of
from conformance.context import CheckContext
from conformance.gate import Baseline, BaselineError, judge, load_baseline
from conformance.interrupts import Interrupts
from conformance.lifecycle import Run, clean_up, join_run, open_run
from conformance.outcomes import Broken, NonConformance, Outcome, SuiteError
from conformance.provisioning.run_state import RunState
from conformance.report import final_table
from conformance.settings import (
    Settings,
    SettingsError,
    claim_output,
    declared,
    discover_config_file,
    kind,
    resolve,
)
from conformance.suite import catalog
from conformance.transcript import Redactor

PLUGIN_NAME = "swr-suite"
SUITE_DIR = Path(__file__).resolve().parent / "suite"
_CONTEXT = pytest.StashKey[CheckContext]()
_WRITTEN = "results.json, junit.xml, allure-results/"  # what a run writes into its output directory
#: The settings with a pytest option (`--swr-<name>`; secrets come from SWR_* only), declared in settings.py.
_OPTIONS = [s for s in declared() if s.metadata["pytest"] and not s.metadata["secret"]]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("swr-conformance", "SWR conformance suite (credentials: SWR_TOKEN or SWR_AK/SWR_SK)")
    group.addoption("--swr-config", dest="swr_config", default=None, metavar="FILE", help="TOML settings file.")
    for option in _OPTIONS:
        name, dest, described = option.name.replace("_", "-"), f"swr_{option.name}", option.metadata["help"]
        if kind(option.name) is bool:  # a flag that turns the default around
            flag = f"--swr-no-{name}" if option.default else f"--swr-{name}"
            action = "store_false" if option.default else "store_true"
            group.addoption(
                flag, dest=dest, action=action, default=None, help=("Turns off: " if option.default else "") + described
            )
        else:
            group.addoption(f"--swr-{name}", dest=dest, type=kind(option.name), default=None, help=described)


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """`pytest --swr-endpoint URL` with no test path given runs the suite; `--swr-output DIR` writes
    what `swr-conformance run` writes there: results.json, junit.xml and allure-results/ (JUnit is written
    from the results at the end, as by `run`)."""
    known = parser.parse_known_args(args)
    if known.swr_endpoint and not known.file_or_dir:
        args.append(str(SUITE_DIR))
    allure = early_config.pluginmanager.has_plugin("allure_pytest") and not getattr(known, "allure_report_dir", None)
    if (out := known.swr_output) and _directory(Path(out)) and allure:  # else the run stops with a usage error
        args += [f"--alluredir={Path(out) / 'allure-results'}", "--clean-alluredir", "--allure-no-capture"]


def _directory(path: Path) -> bool:
    """The output directory exists and is the suite's (else the run stops later with the reason)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        claim_output(path)
    except (OSError, SettingsError):
        return False
    return True


def pytest_configure(config: pytest.Config) -> None:
    """The installed plugin acts only in a session of the suite (`run`, `--swr-*`, or the suite's checks
    named): in any other project's pytest it installs no signal handler and writes nothing."""
    config.addinivalue_line("markers", f"{MARKER}(id): a conformance check with a stable id")
    if any(isinstance(p, SuitePlugin) for p in config.pluginmanager.get_plugins()):
        return  # `run` registered its own
    if not _suite_session(config):
        return
    config.pluginmanager.register(SuitePlugin(None), PLUGIN_NAME)  # plain `pytest -n N`: see workers.py


def _suite_session(config: pytest.Config) -> bool:
    """Whether this pytest session runs the suite: an `--swr-*` option given, or the suite's checks named."""
    names = ["config", *(option.name for option in _OPTIONS)]
    given = any(config.getoption(f"swr_{name}", None) is not None for name in names)
    return given or any(_names_the_suite(config, arg) for arg in config.args)


def _names_the_suite(config: pytest.Config, arg: str) -> bool:
    name = arg.split("::")[0]
    if config.getoption("pyargs", False) and (name == "conformance.suite" or name.startswith("conformance.suite.")):
        return True
    path = Path(name).resolve()
    return path == SUITE_DIR or SUITE_DIR in path.parents


def distributed_suite(config: pytest.Config) -> int | None:
    """The number of pytest-xdist workers, when this process hands the suite's checks out to them."""
    if hasattr(config, "workerinput") or getattr(config.option, "dist", "no") == "no" or not config.option.tx:
        return None
    if not any(_names_the_suite(config, arg) for arg in config.args):
        return None
    return pytest_internals.xdist_workers(config)


def plain_pytest_settings(suite: SuitePlugin, config: pytest.Config) -> Settings:
    """The run's settings from `--swr-*`, the environment and the config file; a usage error stops the run.
    (`run` has checked all this before starting pytest.)"""
    try:
        settings = settings_from_pytest(config)
        settings.writable_output()
        suite.baseline = load_baseline(Path(settings.baseline), set(catalog())) if settings.baseline else None
    except (SettingsError, BaselineError) as exc:
        suite.stop(f"swr-conformance: {exc}", results.EXIT_USAGE)
    return settings


@pytest.fixture(scope="session")
def swr_run(request: pytest.FixtureRequest) -> Iterator[Run]:
    """The target (embedded reference registry unless an endpoint is given) and the run; in a worker of a
    parallel run, its share of the run the controller opened (see workers.py)."""
    suite = _suite(request.config)
    worker_input: dict[str, Any] = getattr(request.config, "workerinput", {})
    if (handover := worker_input.get("swr")) is not None:
        run = suite.run = join_run(handover, worker_input["workerid"], suite.redactor)
        try:
            yield run
        finally:
            clean_up(run, suite.interrupts)
        return
    settings = suite.settings or plain_pytest_settings(suite, request.config)
    with contextlib.ExitStack() as target:
        run = suite.open(settings, request.config, target)
        try:
            if run.setup_error is None:
                yield run
        finally:
            clean_up(run, suite.interrupts)
    if run.setup_error is not None:
        suite.stop_for_setup_error()


@pytest.fixture
def swr(request: pytest.FixtureRequest, swr_run: Run) -> Iterator[CheckContext]:
    """One check's context. Afterwards: a 5xx answer to the DELETE under test must carry error
    information; whatever the run created and did not delete must still exist; the check's
    repositories are removed."""
    suite = _suite(request.config)
    check = check_of(request.node)
    assert check is not None, "the swr fixture serves functions decorated with @check"
    if swr_run.state.lost is not None:
        raise Broken(swr_run.state.lost)
    ctx = CheckContext(check, swr_run.state, swr_run.profile, swr_run.settings.fault_injection, swr_run.budget)
    request.node.stash[_CONTEXT] = ctx
    for precondition in preconditions_of(request.node):
        if (reason := precondition(ctx)) is not None:
            pytest.skip(reason)
    yield ctx
    try:
        for exchange in ctx.exchanges():
            if exchange.under_test and (exchange.status or 0) >= 500:
                ctx.expect_error_information(exchange, "delete.server-error")
    finally:
        result = suite.results.get(request.node.nodeid)
        decided = result is not None and result.outcome in (Outcome.BROKEN, Outcome.FAILED)
        try:
            _after_check(ctx, swr_run.state, decided)
        except Broken as exc:  # the check already has its verdict or cause: this one only adds to it
            if not decided:
                raise
            ctx.notes.append(f"after the check: {exc}")


def _after_check(ctx: CheckContext, run: RunState, decided: bool) -> None:
    """Whatever the run created and did not delete still exists; the check's repositories are removed,
    and that removes nothing else. A check that already failed or broke is not judged again: what vanished
    is then what its finding (or its cause) is about."""
    if gone := ([] if ctx.settled() else run.vanished()):
        run.restore(gone)
    ctx.notes += [f"not removed after the check (cleanup retries it): {left}" for left in run.clear_check()]
    if collateral := run.vanished():  # the check's own repositories deleted: nothing else may go
        run.restore(collateral)
    if decided:
        ctx.notes += [f"removing the check's repositories also removed {', '.join(collateral)}"] if collateral else []
        return
    if gone:
        ctx.fail(f"state the run did not delete has vanished: {', '.join(gone)}", ctx.subject)
    if collateral:  # a finding about those DELETEs: a deleted empty repository takes nothing with it
        message = f"deleting the check's repositories afterwards also removed: {', '.join(collateral)}"
        ctx.fail(message, None, ctx.expectation("delete.empty-repository"))


def settings_origin(settings: Settings) -> list[str]:
    """Header lines naming the config file and the settings it decided, and the files secrets were read from."""
    by_file: dict[str, list[str]] = {}
    for name, source in settings.sources.items():
        if source.startswith("config file "):
            by_file.setdefault(source, []).append(name)
    lines = [f"{source}: {', '.join(names)}" for source, names in by_file.items()]
    secret_files = [
        f"{name.removesuffix('_file')} from {getattr(settings, name)}"
        for name in settings.sources
        if name.endswith("_file")
    ]
    return lines + ([f"secrets read from files: {'; '.join(secret_files)}"] if secret_files else [])


def _suite(config: pytest.Config) -> SuitePlugin:
    return next(p for p in config.pluginmanager.get_plugins() if isinstance(p, SuitePlugin))


def settings_from_pytest(config: pytest.Config) -> Settings:
    given = {option.name: config.getoption(f"swr_{option.name}") for option in _OPTIONS}
    config_file = config.getoption("swr_config")
    return resolve(given, os.environ, discover_config_file(Path(config_file) if config_file else None, os.environ))


class SuitePlugin:
    """Collects one result per check, reports progress and the final table, writes results.json."""

    def __init__(
        self, settings: Settings | None, quiet_letters: bool = False, baseline: Baseline | None = None
    ) -> None:
        self.settings = settings
        self.run: Run | None = None  # the run this process opened or joined
        self.quiet_letters = quiet_letters  # `run` replaces pytest's dots by one line per check
        self.results: dict[str, results.CheckResult] = {}
        self.summary: dict[str, Any] | None = None
        self.baseline = baseline
        self.stop_message: str | None = None
        self.redactor = Redactor()
        self.interrupts = Interrupts(self._say)
        self._signals = contextlib.ExitStack()
        self._started = time.monotonic()
        self._finished: set[str] = set()
        self._config: pytest.Config | None = None
        self.available: int | None = None  # checks collected before selection
        self.selected = 0  # checks that will run (after -k)
        self.worker = False
        self.report_error: str | None = None  # why the reports could not be written
        self.exit_status: int | None = None  # decided at the end of a session that ran (or tried to run) checks

    # -- lifecycle ---------------------------------------------------------------------------------

    def open(self, settings: Settings, config: pytest.Config, target: contextlib.ExitStack) -> Run:
        """Open the run (see lifecycle.py), announcing it with the header."""
        keyword = config.option.keyword or None
        self.run = open_run(settings, self.redactor, keyword, target, self.header, self.interrupts)
        self.settings = self.run.settings
        return self.run

    @property
    def setup_error(self) -> str | None:
        return None if self.run is None else self.run.setup_error

    @property
    def usage_error(self) -> bool:
        return self.run is not None and self.run.usage_error

    @property
    def leftovers(self) -> list[str]:
        return [] if self.run is None else self.run.leftovers

    def pytest_configure(self, config: pytest.Config) -> None:
        self._config = config
        self.worker = hasattr(config, "workerinput")  # a worker of a parallel run reports to the controller
        self._signals.enter_context(self.interrupts.installed())  # for the whole session: see interrupts.py

    def pytest_unconfigure(self) -> None:
        self._signals.close()

    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Generator[None, object, object]:
        """The suite's own assertion failing is no finding about the target: broken, for every reader
        (Allure marks an AssertionError failed)."""
        try:
            return (yield)
        except AssertionError as exc:
            if isinstance(exc, NonConformance):
                raise
            raise SuiteError(f"the suite's own assertion failed: {exc}") from exc

    @pytest.hookimpl(tryfirst=True)  # before `-k` deselects: how many checks the suite has
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """`-k delete/406` selects by check id; JUnit carries the id and condition as properties."""
        self.available = sum(check_of(item) is not None for item in items)
        for item in items:
            if (check := check_of(item)) is not None:
                item.extra_keyword_matches.add(check.id)
                item.user_properties += [("check_id", check.id), ("condition", check.condition)]
        if self.worker:  # a parallel run ends when its longest check does: start the longest first
            items.sort(key=_longest_first)

    # -- outcomes ------------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        check = check_of(item)
        if check is None or self.run is None:
            return report
        result = self.results.get(item.nodeid)
        if result is None:
            expected = self.run.profile.expect(check.condition)
            result = results.CheckResult(
                id=check.id,
                condition=check.condition,
                title=check.title,
                quote=expected.quote,
                documented=expected.documented,
                expected=list(expected.statuses),
                node_id=item.nodeid,
            )
            self.results[item.nodeid] = result
        result.duration_s = round(result.duration_s + call.duration, 4)
        if call.excinfo is not None:
            result.worsen(*classify(call.excinfo.value, call.when))
        _redact_report(report, self.redactor)
        if call.when == "teardown" and (ctx := item.stash.get(_CONTEXT, None)) is not None:
            result.notes.extend(ctx.notes)
            result.examples = ctx.exploration.examples_tried or None
            if (step := ctx.subject_expectation) is not None:  # a finding: the step that failed
                result.condition, result.quote, result.documented = step.condition, step.quote, step.documented
                result.expected = list(step.statuses)
            if ctx.subject is not None:
                result.observed = ctx.subject.status
                result.curl = ctx.subject.curl()
            if ctx.notes:
                allure_labels.attach_text("notes", "\n".join(ctx.notes))
        if call.when == "teardown":
            allure_labels.record(check, self.run.profile, result)
        if self.worker:  # the controller of a parallel run rebuilds the result from the report
            report.user_properties.append((_RESULT, json.dumps(results.as_dict(result))))
        return report

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = sum(check_of(item) is not None for item in session.items)
        if self.selected:  # a run of the suite's checks
            keep_hypothesis_files_in_the_cache()
            gc.freeze()  # what is loaded by now lives as long as the run: the collector skips it from here on

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """A broken check is counted as "broken", never "failed", so pytest's summary line agrees with
        the suite's; under `run` a check prints one line of its own instead of pytest's letter."""
        result = self.results.get(report.nodeid)
        if result is None:
            return None
        if report.failed and result.outcome is Outcome.BROKEN:
            return ("broken", "", "") if self.quiet_letters else ("broken", "B", "BROKEN")
        if not self.quiet_letters:
            return None
        if report.passed:
            return ("passed" if report.when == "call" else ""), "", ""
        if report.skipped:
            return "skipped", "", ""
        return ("failed" if report.when == "call" else "error"), "", ""

    @pytest.hookimpl(tryfirst=True)  # before the terminal and JUnit read the report
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker:  # its reports travel to the controller, which prints them
            return
        if (shipped := _take_result(report)) is not None:
            self.results[report.nodeid] = shipped
        result = self.results.get(report.nodeid)
        if report.when != "teardown" or result is None:
            return
        self._finished.add(report.nodeid)
        observed = "-" if result.observed is None else str(result.observed)
        expected = "/".join(map(str, result.expected))
        progress = f"[{len(self._finished)}/{self.selected}]".rjust(len(f"[{self.selected}/{self.selected}]"))
        line = f"{result.outcome.value.upper():8} {result.id:58} expected {expected:7} observed {observed}"
        self._write(f"{progress} {line}")

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
        """After pytest's own (the teardown of an interrupted session, which cleans up; its JUnit file):
        the run's reports. Reports that cannot be written (a full disk) make the run broken, saying so."""
        try:
            yield
        except OSError as exc:
            self.report_error = str(exc)
        if self.worker or (not self.results and not self.setup_error):
            return
        try:
            self._write_reports(session, exitstatus)
        except OSError as exc:
            self.report_error = str(exc)
        if self.report_error is not None:
            self._say(self._unreported())
        elif self.run is not None and self.run.journal.unwritable:
            self._say(f"swr-conformance: the run journal stopped taking entries ({self.run.journal.unwritable})")
        session.exitstatus = self.exit_status = self._decided()

    def _decided(self) -> int:
        """The run's exit status, decided here once: reports that could not be written or a run that could
        not start (a usage error or a broken target), else the verdict (or the release gate)."""
        if self.report_error is not None:
            return results.EXIT_BROKEN
        if self.setup_error is not None:
            return results.EXIT_USAGE if self.usage_error else results.EXIT_BROKEN
        assert self.summary is not None
        return results.exit_status(self.summary)

    def _unreported(self) -> str:
        """What a run whose reports could not be written says on stderr: the cause, what cleanup left,
        and where the journal is (or that it could not be written either)."""
        assert self.settings is not None
        out, journal = self.settings.output_dir, self.run.journal if self.run else None
        left = "; ".join(self.leftovers) or "nothing"
        if journal is None or journal.unwritable:
            record = f"the journal could not be written either ({journal.unwritable if journal else 'none'})"
        else:
            record = f"the journal: {journal.path}"
        return self.redactor.text(
            f"swr-conformance: cannot write the reports in {out}/ ({self.report_error}); "
            f"cleanup ran, left behind: {left}; {record}"
        )

    def _write_reports(self, session: pytest.Session, exitstatus: int) -> None:
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or self.interrupts.interrupted
        for result in self.results.values():
            if result.node_id not in self._finished:
                result.worsen(Outcome.BROKEN, "interrupted before the check finished")
        checks = list(self.results.values())
        assert self.settings is not None
        gate = None
        if self.baseline is not None or self.settings.require_all:
            available = len(checks) if self.available is None else self.available
            gate = judge(checks, available, self.baseline, self.settings.require_all, date.today())
        data = results.document(
            {
                **(self.run.info if self.run else {}),
                "duration_s": round(time.monotonic() - self._started, 3),
                "leftovers": self.leftovers,
                "setup_error": self.setup_error,
                "interrupted": interrupted,
            },
            checks,
            self.available,
            gate,
            self.selected,
        )
        self.summary = data["summary"]
        results.write(self.settings.output_dir / "results.json", data, self.redactor)
        allure_results.write_environment(self.settings.output_dir / "allure-results", data, self.redactor)
        junit.write(self.settings.output_dir / "junit.xml", checks, self.setup_error, self.redactor)

    @pytest.hookimpl(wrapper=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Generator[None, None, None]:
        """pytest renders the interrupt's traceback; on Python 3.11 a signal that lands between lines
        leaves a frame without a line number and that rendering raises TypeError, which would turn an
        interrupted run (exit 3) into a crash (exit 1). The run's own report says what happened; pytest, which
        reports an interrupted session from what it rendered, gets the interrupt's last location instead."""
        reporter = self._config.pluginmanager.get_plugin("terminalreporter") if self._config else None
        try:
            yield
        except TypeError:
            self._say("swr-conformance: interrupted")
            if reporter is not None:
                pytest_internals.set_interrupt_location(reporter, excinfo)
        if isinstance(excinfo.value, pytest.exit.Exception) and self.stop_message is not None:
            pytest_internals.reword_interrupt(reporter, self.redactor.text(self.stop_message))

    def stop_for_setup_error(self) -> NoReturn:
        self.stop(
            f"swr-conformance: {self.setup_error}", results.EXIT_USAGE if self.usage_error else results.EXIT_BROKEN
        )

    def stop(self, message: str, code: int) -> NoReturn:
        """End the session before any check: a usage error (2) or a target that cannot be tested (3)."""
        self.stop_message = message
        pytest.exit(message, returncode=code)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary is None:
            return
        for line in final_table(list(self.results.values()), self.summary, self.leftovers):
            terminalreporter.write_line(self.redactor.text(line))
        if self.settings is not None:
            out = self.settings.output_dir
            terminalreporter.write_line(f"reports in {out}/: {_WRITTEN} · HTML: swr-conformance report --results {out}")

    def header(self, run: Run) -> None:
        """Before the first request: where the run goes, and how to undo it if it is killed."""
        settings, run_id, journal = run.settings, run.state.run_id, run.journal
        tls = " · TLS verification OFF (--insecure)" if settings.insecure else ""
        properties = f"seed {run.budget.seed}" if settings.properties else "properties off"
        workers = f" · {settings.processes} workers" if settings.processes > 1 else ""
        self._write(
            f"swr-conformance {__version__} · run {run_id} · profile {settings.profile} · {properties}{workers}{tls}"
        )
        self._write(f"target {settings.endpoint} · registry {settings.registry or settings.endpoint}")
        for line in settings_origin(settings):
            self._write(line)
        self._write(f"output {settings.output_dir}/ ({_WRITTEN})")
        self._write(f"journal {journal.path} (if the run is killed: swr-conformance sweep --journal FILE)")

    def _write(self, line: str) -> None:
        if self._config is None or (reporter := self._config.pluginmanager.get_plugin("terminalreporter")) is None:
            return
        with pytest_internals.uncaptured(self._config):  # from fixtures too
            reporter.ensure_newline()
            reporter.write_line(self.redactor.text(line))

    def _say(self, line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


_RESULT = "swr_result"


def _take_result(report: pytest.TestReport) -> results.CheckResult | None:
    """The check result a worker put into its report (removed: JUnit must not carry it)."""
    shipped = [value for name, value in report.user_properties if name == _RESULT]
    report.user_properties = [(name, value) for name, value in report.user_properties if name != _RESULT]
    return results.from_dict(json.loads(str(shipped[-1]))) if shipped else None


def classify(exc: BaseException, when: str) -> tuple[Outcome, str]:
    """Only a NonConformance (a finding about the target's answers) fails a check; a skip skips it;
    anything else, the suite's own asserts included, makes it broken with the cause."""
    if isinstance(exc, pytest.skip.Exception):
        return Outcome.SKIPPED, str(getattr(exc, "msg", exc))
    if isinstance(exc, NonConformance) and when != "setup":
        return Outcome.FAILED, "\n".join([str(exc), *getattr(exc, "__notes__", [])])  # hypothesis: the example
    return Outcome.BROKEN, f"{type(exc).__name__}: {exc}"


def _redact_report(report: pytest.TestReport, redactor: Redactor) -> None:
    """What pytest prints and JUnit stores of a check (traceback, captured output), redacted."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        report.longrepr = redactor.text(str(report.longrepr))
    report.sections = [(title, redactor.text(text)) for title, text in report.sections]


def _longest_first(item: pytest.Item) -> int:
    """Sequences, then the other property searches, then the scenarios (catalog order within each)."""
    check = check_of(item)
    ident = check.id if check is not None else ""
    return 0 if ident.startswith("property/sequence/") else 1 if ident.startswith("property/") else 2
