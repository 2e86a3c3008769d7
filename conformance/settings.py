"""What a run is configured with: command line beats environment beats config file (TOML).

The same names serve the `run` command, the pytest options (`--swr-<name>`) and the environment
(`SWR_<NAME>`); secrets are never written anywhere a run outputs.
"""

from __future__ import annotations

import math
import ssl
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints
from urllib.parse import urlsplit

from conformance.client import Endpoints
from conformance.contract.credentials import Credentials
from conformance.contract.names import NameKind, violation
from conformance.contract.profiles import DEFAULT_PROFILE, ProfileError, load_profile
from conformance.provisioning.registry_auth import is_loopback

DEFAULT_CONFIG_FILE = "swr-conformance.toml"
REMOTE_WORKERS = 4  # default processes against a remote endpoint
SECRET_FILE_LIMIT = 64 * 1024  # a token, a secret key or a password is never larger
#: What decides where credentials go and which files are read: a config file found in the working
#: directory (a cloned repository, a shared CI workspace) may not set these.
STEERING = ("endpoint", "registry", "registry_auth_url", "insecure", "ca_bundle", "token_file", "sk_file",
            "registry_password_file")  # fmt: skip


class SettingsError(ValueError):
    """A usage or configuration error (exit status 2)."""


def setting(default: Any, help: str, *, secret: bool = False, shared: bool = False, pytest: bool = True) -> Any:
    """One setting, declared once: its type and default are the field's; from this the options of `run`
    (and, `shared`, of `sweep`), the pytest `--swr-*` options (not for secrets: a command line is visible to
    other users), `SWR_<NAME>`, the TOML keys and the table in docs/running.md are made."""
    metadata = {"help": help, "secret": secret, "shared": shared, "pytest": pytest}
    return field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True, slots=True)
class Settings:
    endpoint: str | None = setting(None, "Manage API base URL; none: the embedded reference registry.", shared=True)
    registry: str | None = setting(None, "OCI registry base URL (default: the endpoint).")
    token: str | None = setting(None, "IAM token sent as X-Auth-Token.", secret=True, shared=True)
    ak: str | None = setting(None, "Access key for SDK-HMAC-SHA256 signing.", shared=True)
    sk: str | None = setting(None, "Secret key of the access key.", secret=True, shared=True)
    project_id: str | None = setting(None, "X-Project-Id sent with signed requests.", shared=True)
    registry_username: str | None = setting(None, "Registry (docker login) user.")
    registry_password: str | None = setting(None, "Registry password.", secret=True)
    token_file: str | None = setting(None, "Read the token from this file.", shared=True)
    sk_file: str | None = setting(None, "Read the secret key from this file.", shared=True)
    registry_password_file: str | None = setting(None, "Read the registry password from this file.")
    registry_auth_url: str | None = setting(
        None, "Token realm on another origin that may get the registry credentials."
    )
    ca_bundle: str | None = setting(None, "CA certificates (PEM) to verify TLS with.", shared=True)
    insecure: bool = setting(False, "Do not verify TLS (shown in the report).", shared=True)
    profile: str = setting(DEFAULT_PROFILE, "Expected statuses: swr-2020 (the seed document) or swr-2025.")
    namespace: str | None = setting(None, "Work inside this existing namespace (default: a fresh one).", shared=True)
    target_version: str | None = setting(None, "Label of the target's version in the reports.")
    output: str = setting("reports", "Where reports and the run journal go.")
    fault_injection: bool = setting(False, "The target answers 500 to the X-Swr-Conformance-Fault header.")
    timeout: float = setting(30.0, "Overall seconds per HTTP request.", shared=True)
    examples: int = setting(10, "Drawn examples per property check (the covering sets always run).")
    seed: int | None = setting(None, "Seed of the property checks (default: random, printed).")
    properties: bool = setting(True, "Run the property checks.")
    baseline: str | None = setting(None, "Known deviations (TOML or YAML) the gate accepts until they expire.")
    require_all: bool = setting(False, "Any check that did not run fails the gate.")
    workers: int | None = setting(
        None, "Checks in N processes at once (default: 4 against a remote endpoint, else 1).", pytest=False
    )
    # Not settings: where each one came from ("--config FILE", "SWR_TOKEN", ...), for the header
    sources: dict[str, str] = field(default_factory=dict, repr=False, metadata={"internal": True})

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    @property
    def processes(self) -> int:
        """--workers, else by target: a remote endpoint gets REMOTE_WORKERS (the run mostly waits on the
        network), the embedded registry or one on loopback 1 (the run waits on this machine's CPU)."""
        if self.workers is not None:
            return self.workers
        host = urlsplit(self.endpoint).hostname if self.endpoint else None
        return 1 if host is None or is_loopback(host) else REMOTE_WORKERS

    @property
    def credentials(self) -> Credentials:
        return Credentials(
            self.token, self.ak, self.sk, self.project_id, self.registry_username, self.registry_password
        )

    def endpoints(self) -> Endpoints:
        verify: ssl.SSLContext | bool = not self.insecure
        if self.ca_bundle and not self.insecure:
            verify = ssl.create_default_context(cafile=self.ca_bundle)
        manage = self.endpoint or ""
        return Endpoints(manage, self.registry or manage, self.registry_auth_url, verify)

    @property
    def output_dir(self) -> Path:
        return Path(self.output)

    def validated(self) -> Settings:
        """These settings, or a SettingsError saying what is wrong."""
        try:
            load_profile(self.profile)
        except ProfileError as exc:
            raise SettingsError(str(exc)) from None
        for name in ("endpoint", "registry", "registry_auth_url"):
            if (url := getattr(self, name)) is not None:
                _check_url(f"--{name.replace('_', '-')}", url, base=name != "registry_auth_url")
        if self.token and (self.ak or self.sk):
            raise SettingsError("give either --token or --ak/--sk, not both")
        if bool(self.ak) != bool(self.sk):
            raise SettingsError("--ak and --sk go together")
        if bool(self.registry_username) != bool(self.registry_password):
            raise SettingsError("--registry-username and --registry-password go together")
        if not self.embedded and not (self.token or self.ak):
            raise SettingsError("--endpoint needs credentials: --token (SWR_TOKEN) or --ak/--sk (SWR_AK/SWR_SK)")
        if self.namespace is not None and (found := violation(self.namespace, NameKind.NAMESPACE)):
            raise SettingsError(f"--namespace: {found.message}")
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise SettingsError(f"--timeout must be a positive number of seconds, got {self.timeout}")
        if self.examples < 1:
            raise SettingsError("--examples must be at least 1")
        if not 1 <= self.processes <= 32:
            raise SettingsError("--workers must be 1 to 32")
        if self.seed is not None and self.seed < 0:
            raise SettingsError("--seed must not be negative")
        if self.ca_bundle is not None:
            _check_ca_bundle(self.ca_bundle)
        if self.baseline is not None and not Path(self.baseline).is_file():
            raise SettingsError(f"--baseline {self.baseline} is not a file")
        return self

    def writable_output(self) -> Path:
        """The output directory, created if missing and marked as the suite's; a SettingsError when it is a
        file, not writable, or already holds files of the names a run replaces that no run wrote."""
        if not self.output.strip():
            raise SettingsError("--output is empty (an unset variable?): name the directory for the reports")
        path = Path(self.output)
        if path.exists() and not path.is_dir():
            raise SettingsError(f"--output {path} is a file, not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path):
                pass
            claim_output(path)
        except OSError as exc:
            raise SettingsError(f"--output {path}: cannot write there ({exc.strerror or exc})") from None
        return path

    def with_secret_files(self) -> Settings:
        """`--token-file` and the like read into their settings (a file beats nothing, not a value)."""
        read: dict[str, Any] = {}
        for name in _SECRET_FILES:
            path = getattr(self, f"{name}_file")
            if path is None:
                continue
            if getattr(self, name):
                raise SettingsError(f"give --{name.replace('_', '-')} or --{name.replace('_', '-')}-file, not both")
            try:
                with Path(path).open("rb") as file:
                    raw = file.read(SECRET_FILE_LIMIT + 1)
                if len(raw) > SECRET_FILE_LIMIT:
                    raise SettingsError(
                        f"--{name.replace('_', '-')}-file {path} is larger than {SECRET_FILE_LIMIT} bytes"
                    )
                read[name] = raw.decode("utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise SettingsError(f"--{name.replace('_', '-')}-file {path}: {exc}") from None
            if not read[name]:
                raise SettingsError(f"--{name.replace('_', '-')}-file {path} is empty")
        return replace(self, **read)


_SECRET_FILES = ("token", "sk", "registry_password")


OUTPUT_MARK = ".swr-conformance"  # in an output directory: runs of the suite write (and replace) here
REPLACED = ("results.json", "junit.xml", "allure-results", "html")  # what a run replaces in its output


def claim_output(path: Path) -> None:
    """Mark `path` as the suite's output, unless it holds something a run would replace that no run
    wrote (`--output .` in a folder with the user's own allure-results/): then a SettingsError."""
    found = [name for name in REPLACED if (path / name).exists() or (path / name).is_symlink()]
    if found and not (path / OUTPUT_MARK).is_file():
        raise SettingsError(
            f"--output {path} already holds {', '.join(found)}, not written by swr-conformance (no {OUTPUT_MARK} "
            "there); a run would replace them: choose another --output, or move them away"
        )
    for name in ("allure-results", "html"):
        if (path / name).is_symlink() or ((path / name).exists() and not (path / name).is_dir()):
            raise SettingsError(f"--output {path}: {name} is a link or a file; a run writes a directory there")
    (path / OUTPUT_MARK).write_text(
        "swr-conformance writes here: each run replaces results.json, junit.xml, allure-results/ and html/.\n",
        encoding="utf-8",
    )


def env_name(field_name: str) -> str:
    return "SWR_" + field_name.upper()


def field_names() -> list[str]:
    return [f.name for f in declared()]


def _check_url(option: str, url: str, base: bool) -> None:
    """An http(s) URL with a host, a valid port, no credentials, no query or fragment (and, for a base
    URL, no path). The message never repeats a URL that carries credentials."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"{option} must be an http(s) URL, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(
            f"{option} carries credentials (user:password@host): give them with --token, --ak/--sk or "
            "--registry-username/--registry-password (or their *-file options), never in a URL"
        )
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        raise SettingsError(f"{option}: the port of {url!r} is not a port number (1-65535)") from None
    if parts.query or parts.fragment:
        raise SettingsError(f"{option} takes no query or fragment, got {url!r}")
    if base and parts.path.strip("/"):
        raise SettingsError(
            f"{option} is the base URL without a path (the suite appends /v2/...), got {url!r}: "
            f"use {parts._replace(path='').geturl()!r}"
        )


def _check_ca_bundle(path: str) -> None:
    if not Path(path).is_file():
        raise SettingsError(f"--ca-bundle {path} is not a file")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError, UnicodeDecodeError) as exc:
        raise SettingsError(f"--ca-bundle {path} holds no PEM certificates: {exc}") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """A TOML file of settings (`endpoint = "..."`, dashes or underscores); unknown keys are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"config file {path}: {exc}") from None
    settings = {key.replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(settings) - set(field_names()))
    if unknown:
        raise SettingsError(f"config file {path}: unknown setting(s) {unknown}; known: {field_names()}")
    for name, value in settings.items():
        expected = kind(name)
        allowed = (int, float) if expected is float else expected
        if isinstance(value, bool) is not (expected is bool) or not isinstance(value, allowed):
            raise SettingsError(f"config file {path}: '{name}' must be a {_TYPE_NAMES[expected]}, got {value!r}")
    return settings


def declared() -> list[Field[Any]]:
    """The settings, as declared (not the internal fields)."""
    return [f for f in fields(Settings) if not f.metadata.get("internal")]


def kind(name: str) -> type:
    """bool, int, float or str: what a setting holds (None aside)."""
    hinted = get_type_hints(Settings)[name]
    return next(t for t in (bool, int, float, str) if t in (get_args(hinted) or (hinted,)))


def options_table() -> str:
    """The settings as the table in docs/running.md shows them (tests/test_settings_table.py keeps it so)."""
    rows = ["| option | environment | kind | default | what |", "|---|---|---|---|---|"]
    for declared_setting in declared():
        name = declared_setting.name
        option = f"--[no-]{name.replace('_', '-')}" if kind(name) is bool else f"--{name.replace('_', '-')}"
        default = "" if declared_setting.default is None else f"`{declared_setting.default}`"
        secret = " (a secret: rather the environment or a file)" if declared_setting.metadata["secret"] else ""
        described = declared_setting.metadata["help"] + secret
        rows.append(f"| `{option}` | `{env_name(name)}` | {_TYPE_NAMES[kind(name)]} | {default} | {described} |")
    return "\n".join(rows)


_TYPE_NAMES = {str: "string", bool: "boolean", float: "number", int: "whole number"}
_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in field_names():
        raw = environ.get(env_name(name))
        if raw not in (None, ""):
            values[name] = _coerce(name, raw)
    return values


def _coerce(name: str, raw: str) -> Any:
    expected = kind(name)
    if expected is bool:
        value = raw.strip().lower()
        if value not in _TRUE | _FALSE:
            raise SettingsError(f"{env_name(name)} must be one of true/false/1/0/yes/no, got {raw!r}")
        return value in _TRUE
    if expected in (int, float):
        try:
            return expected(raw)
        except ValueError:
            raise SettingsError(f"{env_name(name)} must be a number, got {raw!r}") from None
    return raw


@dataclass(frozen=True, slots=True)
class ConfigFile:
    path: Path
    given_by: str | None  # "--config" or "SWR_CONFIG"; None: found in the working directory

    def __str__(self) -> str:
        return f"{self.path} ({self.given_by or 'found in the working directory'})"


def resolve(command_line: Mapping[str, Any], environ: Mapping[str, str], config_file: ConfigFile | None) -> Settings:
    """Merge the three sources (command line > environment > file) and validate. A file that was found,
    not given, may not steer credentials (STEERING)."""
    sources: dict[str, dict[str, Any]] = {}
    if config_file is not None:
        from_file = read_config_file(config_file.path)
        if config_file.given_by is None and (steering := sorted(set(from_file) & set(STEERING))):
            raise SettingsError(
                f"{config_file.path} was found in the working directory, not given, and sets {', '.join(steering)}: "
                "settings that decide where credentials go or which files are read. If you trust it, give it: "
                f"--config {config_file.path} (or SWR_CONFIG)"
            )
        sources[f"config file {config_file}"] = from_file
    sources["environment"] = from_environment(environ)
    sources["command line"] = {k: v for k, v in command_line.items() if v is not None}
    merged = {name: value for values in sources.values() for name, value in values.items()}
    origin = {name: source for source, values in sources.items() for name in values}
    origin |= {name: env_name(name) for name in sources["environment"] if origin[name] == "environment"}
    try:
        settings = Settings(**merged, sources=origin)
    except TypeError as exc:
        raise SettingsError(str(exc)) from None
    return settings.with_secret_files().validated()


def discover_config_file(given: Path | None, environ: Mapping[str, str]) -> ConfigFile | None:
    """The settings file: `--config`, else `SWR_CONFIG`, else `./swr-conformance.toml` if present."""
    named = given or (Path(environ["SWR_CONFIG"]) if environ.get("SWR_CONFIG") else None)
    if named is not None:
        if not named.is_file():
            raise SettingsError(f"config file {named} does not exist")
        return ConfigFile(named, "--config" if given else "SWR_CONFIG")
    default = Path(DEFAULT_CONFIG_FILE)
    return ConfigFile(default, None) if default.is_file() else None
