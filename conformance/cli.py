"""The `swr-conformance` command line."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import Field
from pathlib import Path
from typing import Any, TypeVar

import click
import pytest

from conformance import __version__, compare, html_report
from conformance.client import SwrClient
from conformance.contract.credentials import Credentials
from conformance.contract.profiles import DEFAULT_PROFILE, Profile, ProfileError, available_profiles, load_profile
from conformance.gate import Baseline, BaselineError, load_baseline
from conformance.outcomes import Broken
from conformance.plugin import SUITE_DIR, SuitePlugin
from conformance.provisioning import sweeper
from conformance.provisioning.journal import RUN_ID, PrefixOwnership, RunJournal, new_run_id
from conformance.provisioning.registry_auth import is_loopback
from conformance.provisioning.sweeper import SweepScope, parse_duration
from conformance.reference.config import DEVELOPMENT, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.results import EXIT_BROKEN, EXIT_USAGE
from conformance.settings import Settings, SettingsError, declared, discover_config_file, env_name, kind, resolve
from conformance.suite import catalog
from conformance.transcript import Redactor
from conformance.workers import Controller

F = TypeVar("F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="swr-conformance")
def main() -> None:
    """Conformance suite for the SWR "delete image repository" API (swr_02_0031)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help="Expected statuses to implement.")
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Keep state here (default: temporary)."
)
@click.option("--token", envvar="SWR_TOKEN", help="X-Auth-Token accepted on the manage API [SWR_TOKEN].")
@click.option("--ak", envvar="SWR_AK", help="Access key accepted for SDK-HMAC-SHA256 signatures [SWR_AK].")
@click.option("--sk", envvar="SWR_SK", help="Secret key of --ak [SWR_SK].")
@click.option("--project-id", envvar="SWR_PROJECT_ID", help="The only X-Project-Id signed requests may name.")
@click.option(
    "--registry-username",
    envvar="SWR_REGISTRY_USERNAME",
    help="Basic user name on the OCI registry API [SWR_REGISTRY_USERNAME].",
)
@click.option(
    "--registry-password",
    envvar="SWR_REGISTRY_PASSWORD",
    help="Basic password on the OCI registry API [SWR_REGISTRY_PASSWORD].",
)
@click.option(
    "--registry-challenge",
    type=click.Choice(["basic", "bearer"]),
    default="basic",
    show_default=True,
    help="Challenge the OCI API sends to unauthenticated clients.",
)
@click.option(
    "--oci-backend",
    envvar="SWR_OCI_BACKEND",
    help="A CNCF distribution registry that holds the images [SWR_OCI_BACKEND].",
)
@click.option(
    "--oci-backend-username", envvar="SWR_OCI_BACKEND_USERNAME", help="Its Basic user [SWR_OCI_BACKEND_USERNAME]."
)
@click.option(
    "--oci-backend-password", envvar="SWR_OCI_BACKEND_PASSWORD", help="Its password [SWR_OCI_BACKEND_PASSWORD]."
)
@click.option("--faults", is_flag=True, help="Enable fault injection (test hook).")
@click.option(
    "--deviation",
    "deviations",
    multiple=True,
    hidden=True,
    type=click.Choice([d.value for d in Deviation]),
    help="Test-only: break the contract on purpose.",
)
@click.option(
    "--allow-dev-credentials",
    is_flag=True,
    help="Accept the published development credentials on an address other than loopback.",
)
@click.option("--access-log", is_flag=True, help="One line per request: method, path, status, ms, request id.")
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(0, 60_000), help="Delay every request.")
def serve(
    host: str,
    port: int,
    profile: str,
    data_dir: Path | None,
    token: str | None,
    ak: str | None,
    sk: str | None,
    project_id: str | None,
    registry_username: str | None,
    registry_password: str | None,
    registry_challenge: str,
    faults: bool,
    deviations: tuple[str, ...],
    access_log: bool,
    latency_ms: int,
    oci_backend: str | None,
    oci_backend_username: str | None,
    oci_backend_password: str | None,
    allow_dev_credentials: bool,
) -> None:
    """Run the embedded SWR reference registry in the foreground."""
    if bool(ak) != bool(sk):
        raise click.UsageError("--ak and --sk go together")
    if bool(registry_username) != bool(registry_password):
        raise click.UsageError("--registry-username and --registry-password go together")
    if bool(oci_backend_username) != bool(oci_backend_password):
        raise click.UsageError("--oci-backend-username and --oci-backend-password go together")
    if oci_backend is not None and not oci_backend.startswith(("http://", "https://")):
        raise click.BadParameter(f"must be an http(s) URL, got {oci_backend!r}", param_hint="--oci-backend")
    try:
        loaded = load_profile(profile)
    except ProfileError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from None
    given = Credentials(token, ak, sk, project_id, registry_username, registry_password)
    if not given.given and not is_loopback(host.strip("[]")) and not allow_dev_credentials:
        raise click.UsageError(
            f"--host {host} reaches beyond this machine, and the development credentials are published: give "
            "your own (--token, --ak/--sk, --registry-username/--registry-password), or --allow-dev-credentials"
        )
    config = ReferenceConfig(
        profile=loaded,
        credentials=given if given.given else DEVELOPMENT,
        data_dir=data_dir,
        faults=faults,
        latency_ms=latency_ms,
        access_log=access_log,
        oci_backend=oci_backend,
        oci_backend_username=oci_backend_username,
        oci_backend_password=oci_backend_password,
        registry_challenge=registry_challenge,
        deviations=frozenset(Deviation(d) for d in deviations),
    )
    try:
        from conformance.reference.server import ReferenceServer  # Starlette and uvicorn: only to serve

        server = ReferenceServer(config, host, port, log_level="info")
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    _banner(server.url, config, server.data_dir, development=not given.given)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a graceful shutdown
        click.echo("stopped")
    finally:
        server.close()


def _banner(url: str, config: ReferenceConfig, directory: Path, development: bool) -> None:
    c = config.credentials
    click.echo(f"SWR reference registry {__version__} on {url}")
    click.echo(f"  profile    {config.profile.id} ({', '.join(available_profiles())} available)")
    click.echo(f"  data       {directory}")
    if development:
        click.echo("  credentials: documented development values (pass your own to replace them all)")
        click.echo(f"    X-Auth-Token  {c.token}")
        click.echo(f"    AK / SK       {c.ak} / {c.sk} (project {c.project_id})")
        if not config.oci_backend:  # else the registry is the backend, with its own credentials
            click.echo(f"    registry      {c.registry_username} / {c.registry_password}")
    else:
        pairs = (("token", c.token), ("AK/SK", c.ak), ("registry", c.registry_username))
        shown = [name for name, value in pairs if value]
        click.echo(f"  credentials: your own ({', '.join(shown)}; not shown)")
    if config.oci_backend:
        click.echo(f"  images     in the OCI backend {config.oci_backend} (push and pull there)")
    if config.faults:
        click.echo("  faults     enabled: header X-Swr-Conformance-Fault makes an operation answer 500")
    if config.deviations:
        click.echo(f"  DEVIATIONS {', '.join(sorted(config.deviations))} (test-only: NOT conformant)")
    if config.latency_ms:
        click.echo(f"  latency    {config.latency_ms} ms per request")


def _setting_options(shared_only: bool) -> Callable[[F], F]:
    """The options of the settings (settings.py declares them), and --config: those of `run`, or those
    `sweep` shares with it."""
    config = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML settings file [SWR_CONFIG]; one found in the working directory may not steer credentials.",
    )

    def decorate(command: F) -> F:
        for declared_setting in reversed(declared()):
            if not shared_only or declared_setting.metadata["shared"]:
                command = _option(declared_setting)(command)
        return config(command)

    return decorate


def _option(declared_setting: Field[Any]) -> Callable[[F], F]:
    name, help_text = declared_setting.name, declared_setting.metadata["help"]
    flag, default = "--" + name.replace("_", "-"), declared_setting.default
    shown = f" (default: {default})" if default not in (None, False, True) else ""
    described = f"{help_text} [{env_name(name)}]{shown}"
    if kind(name) is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=described)
    return click.option(flag, name, type=kind(name), help=described)


def _settings(config_file: Path | None, given: dict[str, object]) -> Settings:
    try:
        return resolve(given, os.environ, discover_config_file(config_file, os.environ))
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@_setting_options(shared_only=False)
@click.option("-k", "keyword", help="Only checks matching this pytest -k expression (e.g. 'delete/406').")
@click.option("--list", "list_checks", is_flag=True, help="List the checks (id, condition, status) and exit.")
@click.option(
    "--show-settings", is_flag=True, help="Print each setting, where it came from (secrets not shown), and exit."
)
@click.option("--report", "html", is_flag=True, help="Render the HTML report (one file, OUTPUT/html) after the run.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(
    config_file: Path | None,
    keyword: str | None,
    list_checks: bool,
    show_settings: bool,
    html: bool,
    pytest_args: tuple[str, ...],
    **given: object,
) -> None:
    """Run the conformance suite. Exit: 0 conformant (or the gate passed), 1 non-conformant, 2 usage, 3 broken."""
    sys.stdout = _ReaderMayLeave(sys.stdout)
    settings = _settings(config_file, given)
    if show_settings:
        _show_settings(settings)
        return
    if list_checks:
        _list(load_profile(settings.profile))
        return
    try:
        settings.writable_output()
        baseline = load_baseline(Path(settings.baseline), set(catalog())) if settings.baseline else None
    except (SettingsError, BaselineError) as exc:
        raise click.UsageError(str(exc)) from None
    status = _run_pytest(settings, baseline, keyword, pytest_args)
    if html and (settings.output_dir / "results.json").is_file():
        try:
            index = html_report.render(settings.output_dir, settings.output_dir / "html", single_file=True, say=_say)
            click.echo(f"HTML report: {index}")
        except html_report.ReportError as exc:
            click.echo(f"swr-conformance: no HTML report: {exc}", err=True)
            status = status or EXIT_BROKEN
    sys.exit(status)


def _run_pytest(
    settings: Settings, baseline: Baseline | None, keyword: str | None, pytest_args: tuple[str, ...]
) -> int:
    """The suite through pytest with only its own plugins (workers as pytest-xdist starts them); the exit
    status of the run."""
    out = settings.output_dir
    shutil.rmtree(out / "allure-results", ignore_errors=True)  # once here: each parallel worker would again
    args = [
        str(SUITE_DIR),
        "-c", os.devnull,  # the suite's behaviour does not depend on the caller's pytest configuration
        "--rootdir", str(SUITE_DIR),
        "-p", "conformance.plugin", "-p", "allure_pytest.plugin", "-p", "no:cacheprovider",
        "-q", "--no-header", "--tb=no", "-rN",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        f"--alluredir={out / 'allure-results'}", "--allure-no-capture",
        *(["-p", "xdist.plugin", "-n", str(settings.processes)] if settings.processes > 1 else []),
        *(["-k", keyword] if keyword else []),
        *pytest_args,
    ]  # fmt: skip
    plugin = SuitePlugin(settings, quiet_letters=True, baseline=baseline)
    plugins: list[object] = [plugin, Controller(plugin)] if settings.processes > 1 else [plugin]
    signal.signal(signal.SIGTERM, _interrupt)  # a cancelled pipeline cleans up as Ctrl-C does
    # Only the suite's own plugins: a user's pytest-randomly, -rerunfailures or -xdist must not
    # reorder, rerun or skip checks.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        code = pytest.main(args, plugins=plugins)
    except KeyboardInterrupt:  # a signal pytest did not handle (its own cleanup had run): the run was stopped
        click.echo("swr-conformance: interrupted", err=True)
        return EXIT_BROKEN
    if plugin.exit_status is not None:
        return plugin.exit_status
    if code == pytest.ExitCode.OK and {"--collect-only", "--co"} & set(pytest_args):
        return 0
    if code == pytest.ExitCode.INTERRUPTED:
        cause, status = "interrupted before any check finished", EXIT_BROKEN
    elif code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        cause, status = "no check ran (bad pytest arguments, or -k matched nothing)", EXIT_USAGE
    else:
        cause, status = f"the run ended abnormally (pytest exit code {int(code)})", EXIT_BROKEN
    click.echo(f"swr-conformance: {cause}", err=True)
    for leftover in plugin.leftovers:  # no results.json says it: no check finished
        click.echo(f"swr-conformance: left behind: {plugin.redactor.text(leftover)}", err=True)
    return status


def _show_settings(settings: Settings) -> None:
    """One line per setting that is not at its default: value (a secret only as 'set') and source."""
    secret = {"token", "sk", "registry_password"}
    for name, source in sorted(settings.sources.items()):
        value = "(set, not shown)" if name in secret else repr(getattr(settings, name))
        click.echo(f"{name:24} {value:40} from {source}")
    click.echo("every other setting: its default")


def _list(profile: Profile) -> None:
    """One line per check: id, condition, the profile's status, what it proves."""
    checks = sorted(catalog().values(), key=lambda c: c.id)
    width = max(len(c.id) for c in checks)
    for c in checks:
        expected = "/".join(map(str, profile.expect(c.condition).statuses))
        click.echo(f"{c.id:{width}}  {c.condition:28}  {expected:7}  {c.title}")
    click.echo(f"{len(checks)} checks · profile {profile.id}")


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--results",
    "results_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A run's output directory (results.json, allure-results/).",
)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Where the HTML goes [RESULTS/html].")
@click.option("--single-file", is_flag=True, help="One self-contained index.html (opens from disk, mails, archives).")
@click.option("--open", "open_report", is_flag=True, help="Serve the report and open it in a browser (Ctrl-C stops).")
def report(results_dir: Path, output: Path | None, single_file: bool, open_report: bool) -> None:
    """Render a run's results as an HTML report with Allure 3 (installed into the user cache on first use)."""
    try:
        index = html_report.render(results_dir, output or results_dir / "html", single_file=single_file, say=_say)
    except html_report.ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"HTML report: {index}")
    if open_report:
        html_report.serve(index.parent, _say)


@main.command("compare", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("results", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(compare.FORMATS)), default="table", show_default=True,
    help="table (terminal), markdown (a pull request), json (tools), html (a matrix for people).",
)  # fmt: skip
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def compare_runs(results: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Compare runs: RESULTS are results.json files or run output directories, optionally LABEL=PATH.
    Exit: 0 no regression from the first to the last run, 1 a regression, 2 unreadable or incompatible."""
    try:
        comparison = compare.compare([compare.load_run(argument) for argument in results])
    except compare.CompareError as exc:
        click.echo(f"swr-conformance compare: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    text = compare.FORMATS[fmt](comparison)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"{compare.summary_line(comparison)} · written to {output}")
    for row in comparison.regressions:
        click.echo(f"REGRESSION {row.check_id}: {' → '.join(map(compare.cell_text, row.cells))}", err=True)
    sys.exit(1 if comparison.regressions else 0)


def _say(line: str) -> None:
    click.echo(line, err=True)


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@_setting_options(shared_only=True)
@click.option("--journal", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="A run's journal.")
@click.option("--run-id", help="A run id (swrc + 8 hex digits), as printed at the start of the run.")
@click.option("--older-than", help="Only what is older than this (90s, 30m, 2h, 7d).")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def sweep(
    config_file: Path | None,
    journal: Path | None,
    run_id: str | None,
    older_than: str | None,
    dry_run: bool,
    **given: object,
) -> None:
    """Remove what runs left behind: by journal, by run id, or anything with the suite's prefix.
    Never touches a name without the prefix. Exit: 0 nothing left, 3 something could not be removed."""
    settings = _settings(config_file, given)
    if settings.embedded:
        raise click.UsageError("sweep needs --endpoint (and credentials) of the target the runs used")
    if journal and run_id:
        raise click.UsageError("give --journal or --run-id, not both")
    if run_id is not None and not RUN_ID.match(run_id):
        raise click.UsageError(f"--run-id must be swrc + 8 hex digits, got {run_id!r}")
    try:
        loaded = RunJournal.load(journal) if journal else None
        scope = SweepScope(
            loaded, run_id, settings.namespace, parse_duration(older_than) if older_than else None, dry_run
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    rule = PrefixOwnership(loaded.run_id if loaded else run_id)
    redactor = Redactor()
    redactor.add_credentials(settings.credentials)
    client = SwrClient(
        settings.endpoints(), settings.credentials, RunJournal(new_run_id()), redactor, settings.timeout, ownership=rule
    )
    try:
        leftovers = sweeper.sweep(client, rule, scope, lambda line: click.echo(redactor.text(line)))
    except Broken as exc:
        click.echo(redactor.text(f"swr-conformance sweep: the target is broken: {exc}"), err=True)
        sys.exit(EXIT_BROKEN)
    finally:
        client.close()
    for left in leftovers:
        click.echo(redactor.text(f"LEFTOVER {left}"))
    sys.exit(EXIT_BROKEN if leftovers else 0)


class _ReaderMayLeave:
    """stdout that, once its reader has gone (`run | head -1`), drops what follows instead of failing the
    run: the checks, cleanup and the exit status go on as if it were still read."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        return self._guarded(lambda: self._stream.write(text)) or len(text)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def _guarded(self, call: Callable[[], Any]) -> Any:
        if self._gone:
            return None
        try:
            return call()
        except BrokenPipeError:
            self._gone = True  # and the interpreter's last flush must not complain either:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
            return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
