"""The `swr-conformance` command line."""

from __future__ import annotations

from pathlib import Path

import click

from conformance import __version__
from conformance.profiles import DEFAULT_PROFILE, ProfileError, available_profiles, load_profile
from conformance.reference.config import Credentials, ReferenceConfig
from conformance.reference.server import ReferenceServer


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
    given = Credentials(token, ak, sk, registry_username, registry_password)
    config = ReferenceConfig(
        profile=loaded,
        credentials=given.or_development(),
        data_dir=data_dir,
        faults=faults,
        latency_ms=latency_ms,
        registry_challenge=registry_challenge,
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
    if config.latency_ms:
        click.echo(f"  latency    {config.latency_ms} ms per request")
