"""The `swr-conformance` command line."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
import pytest

from conformance import __version__
from conformance.credentials import Credentials
from conformance.plugin import SUITE_DIR, SuitePlugin
from conformance.profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from conformance.reference.config import DEVELOPMENT, ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.server import ReferenceServer
from conformance.results import EXIT_BROKEN, EXIT_USAGE, exit_status
from conformance.settings import DEFAULT_CONFIG_FILE, SettingsError, resolve


@click.group()
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
@click.option("--token", help="X-Auth-Token accepted on the manage API.")
@click.option("--ak", help="Access key accepted for SDK-HMAC-SHA256 signatures.")
@click.option("--sk", help="Secret key of --ak.")
@click.option("--registry-username", help="Basic user name on the OCI registry API.")
@click.option("--registry-password", help="Basic password on the OCI registry API.")
@click.option(
    "--registry-challenge",
    type=click.Choice(["basic", "bearer"]),
    default="basic",
    show_default=True,
    help="Challenge the OCI API sends to unauthenticated clients.",
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
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(0, 60_000), help="Delay every request.")
def serve(
    host: str,
    port: int,
    profile: str,
    data_dir: Path | None,
    token: str | None,
    ak: str | None,
    sk: str | None,
    registry_username: str | None,
    registry_password: str | None,
    registry_challenge: str,
    faults: bool,
    deviations: tuple[str, ...],
    latency_ms: int,
) -> None:
    """Run the embedded SWR reference registry in the foreground."""
    if bool(ak) != bool(sk):
        raise click.UsageError("--ak and --sk go together")
    if bool(registry_username) != bool(registry_password):
        raise click.UsageError("--registry-username and --registry-password go together")
    try:
        loaded = load_profile(profile)
    except ProfileError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from None
    given = Credentials(token, ak, sk, None, registry_username, registry_password)
    config = ReferenceConfig(
        profile=loaded,
        credentials=given if given.given else DEVELOPMENT,
        data_dir=data_dir,
        faults=faults,
        latency_ms=latency_ms,
        registry_challenge=registry_challenge,
        deviations=frozenset(Deviation(d) for d in deviations),
    )
    try:
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
        click.echo(f"    AK / SK       {c.ak} / {c.sk}")
        click.echo(f"    registry      {c.registry_username} / {c.registry_password}")
    else:
        pairs = (("token", c.token), ("AK/SK", c.ak), ("registry", c.registry_username))
        shown = [name for name, value in pairs if value]
        click.echo(f"  credentials: your own ({', '.join(shown)}; not shown)")
    if config.faults:
        click.echo("  faults     enabled: header X-Swr-Conformance-Fault makes an operation answer 500")
    if config.deviations:
        click.echo(f"  DEVIATIONS {', '.join(sorted(config.deviations))} (test-only: NOT conformant)")
    if config.latency_ms:
        click.echo(f"  latency    {config.latency_ms} ms per request")


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--endpoint", help="Manage API base URL [SWR_ENDPOINT]; none: the embedded reference registry.")
@click.option("--registry", help="OCI registry base URL [SWR_REGISTRY]; default: the endpoint.")
@click.option("--token", help="IAM token sent as X-Auth-Token [SWR_TOKEN].")
@click.option("--ak", help="Access key for SDK-HMAC-SHA256 signing [SWR_AK].")
@click.option("--sk", help="Secret key of --ak [SWR_SK].")
@click.option("--project-id", help="X-Project-Id sent with signed requests [SWR_PROJECT_ID].")
@click.option("--registry-username", help="Registry (docker login) user [SWR_REGISTRY_USERNAME].")
@click.option("--registry-password", help="Registry password [SWR_REGISTRY_PASSWORD].")
@click.option("--profile", help=f"Expected statuses: {', '.join(available_profiles())} [SWR_PROFILE].")
@click.option("--namespace", help="Work inside this existing namespace [SWR_NAMESPACE]; default: a fresh one.")
@click.option("--target-version", help="Label of the target's version in the reports [SWR_TARGET_VERSION].")
@click.option("--output", help="Where reports go [SWR_OUTPUT] (default: reports).")
@click.option(
    "--fault-injection/--no-fault-injection",
    default=None,
    help="The target answers 500 to the X-Swr-Conformance-Fault header [SWR_FAULT_INJECTION].",
)
@click.option("--timeout", type=float, help="Seconds per HTTP request [SWR_TIMEOUT] (default: 30).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"TOML settings file [SWR_CONFIG] (default: ./{DEFAULT_CONFIG_FILE} if present).",
)
@click.option("-k", "keyword", help="Only checks matching this pytest -k expression (e.g. 'delete/406').")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(config_file: Path | None, keyword: str | None, pytest_args: tuple[str, ...], **given: object) -> None:
    """Run the conformance suite. Exit: 0 conformant, 1 non-conformant, 2 usage, 3 broken target."""
    config_file = config_file or _env_path("SWR_CONFIG") or _default_config()
    if config_file is not None and not config_file.is_file():
        raise click.UsageError(f"config file {config_file} does not exist")
    try:
        settings = resolve(given, os.environ, config_file)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    out = settings.output_dir
    args = [
        str(SUITE_DIR),
        "-c", os.devnull,  # the suite's behaviour does not depend on the caller's pytest configuration
        "--rootdir", str(SUITE_DIR),
        "-p", "no:cacheprovider",
        "-q", "--no-header", "--tb=no", "-rN",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        f"--junitxml={out / 'junit.xml'}",
        "-o", "junit_suite_name=swr-conformance",
        f"--alluredir={out / 'allure-results'}", "--clean-alluredir",
        *(["-k", keyword] if keyword else []),
        *pytest_args,
    ]  # fmt: skip
    plugin = SuitePlugin(settings, quiet_letters=True)
    signal.signal(signal.SIGTERM, _interrupt)  # a cancelled pipeline cleans up as Ctrl-C does
    code = pytest.main(args, plugins=[plugin])
    if plugin.setup_error:
        sys.exit(EXIT_BROKEN)
    if plugin.summary is not None and plugin.summary["total"]:
        sys.exit(exit_status(plugin.summary))
    if code == pytest.ExitCode.INTERRUPTED:
        click.echo("swr-conformance: interrupted before any check finished", err=True)
        sys.exit(EXIT_BROKEN)
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        click.echo("swr-conformance: no check ran (bad pytest arguments, or -k matched nothing)", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"swr-conformance: the run ended abnormally (pytest exit code {int(code)})", err=True)
    sys.exit(EXIT_BROKEN)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _default_config() -> Path | None:
    path = Path(DEFAULT_CONFIG_FILE)
    return path if path.is_file() else None
