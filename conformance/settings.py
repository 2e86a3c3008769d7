"""What a run is configured with: command line beats environment beats config file (TOML).

The same names serve the `run` command, the pytest options (`--swr-<name>`) and the environment
(`SWR_<NAME>`); secrets are never written anywhere a run outputs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.credentials import Credentials
from conformance.names import NameKind, violation
from conformance.profiles import DEFAULT_PROFILE, ProfileError, load_profile

DEFAULT_CONFIG_FILE = "swr-conformance.toml"


class SettingsError(ValueError):
    """A usage or configuration error (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Settings:
    endpoint: str | None = None  # None: start the embedded reference registry
    registry: str | None = None  # default: the endpoint
    token: str | None = None
    ak: str | None = None
    sk: str | None = None
    project_id: str | None = None
    registry_username: str | None = None
    registry_password: str | None = None
    profile: str = DEFAULT_PROFILE
    namespace: str | None = None
    target_version: str | None = None
    output: str = "reports"
    fault_injection: bool = False
    timeout: float = 30.0

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    @property
    def credentials(self) -> Credentials:
        return Credentials(
            self.token, self.ak, self.sk, self.project_id, self.registry_username, self.registry_password
        )

    @property
    def output_dir(self) -> Path:
        return Path(self.output)

    def validated(self) -> Settings:
        """These settings, or a SettingsError saying what is wrong."""
        try:
            load_profile(self.profile)
        except ProfileError as exc:
            raise SettingsError(str(exc)) from None
        for name in ("endpoint", "registry"):
            url = getattr(self, name)
            if url is not None and (urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).netloc):
                raise SettingsError(f"--{name} must be an http(s) URL, got {url!r}")
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
        if self.timeout <= 0:
            raise SettingsError("--timeout must be positive")
        return self


def env_name(field_name: str) -> str:
    return "SWR_" + field_name.upper()


def field_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def read_config_file(path: Path) -> dict[str, Any]:
    """A TOML file of settings (`endpoint = "..."`, dashes or underscores); unknown keys are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"config file {path}: {exc}") from None
    settings = {key.replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(settings) - set(field_names()))
    if unknown:
        raise SettingsError(f"config file {path}: unknown setting(s) {unknown}; known: {field_names()}")
    for name, value in settings.items():
        expected = _FILE_TYPES.get(name, str)
        if isinstance(value, bool) is not (expected is bool) or not isinstance(value, expected):
            raise SettingsError(f"config file {path}: '{name}' must be a {_TYPE_NAMES[expected]}, got {value!r}")
    return settings


_FILE_TYPES: dict[str, type | tuple[type, ...]] = {"fault_injection": bool, "timeout": (int, float)}
_TYPE_NAMES = {str: "string", bool: "boolean", (int, float): "number"}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in field_names():
        raw = environ.get(env_name(name))
        if raw not in (None, ""):
            values[name] = _coerce(name, raw)
    return values


def _coerce(name: str, raw: str) -> Any:
    if name == "fault_injection":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if name == "timeout":
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{env_name(name)} must be a number, got {raw!r}") from None
    return raw


def resolve(command_line: Mapping[str, Any], environ: Mapping[str, str], config_file: Path | None) -> Settings:
    """Merge the three sources (command line > environment > file) and validate."""
    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(read_config_file(config_file))
    merged.update(from_environment(environ))
    merged.update({k: v for k, v in command_line.items() if v is not None})
    try:
        settings = Settings(**merged)
    except TypeError as exc:
        raise SettingsError(str(exc)) from None
    return settings.validated()
