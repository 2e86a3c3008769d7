"""Expected statuses as data: versioned profiles in `specs/profiles/`, one per document version.

A check asks its profile for the status(es) of a condition id; it never writes a number itself.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from conformance.contract.resources import PROFILES_DIR

PROFILE_SCHEMA = "swr-conformance/profile/v1"
DEFAULT_PROFILE = "swr-2020"

#: Every condition a profile must state, with what it means. Ids are stable: reports, baselines
#: and `compare` key on them.
CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "delete.empty-repository": "DELETE of an existing repository that holds no image",
        "delete.repository-with-images": "DELETE of a repository that still holds at least one image",
        "delete.absent-repository": "DELETE of a repository that does not exist in an existing namespace",
        "delete.absent-namespace": "DELETE of a repository in a (valid) namespace that does not exist",
        "delete.invalid-name": "DELETE with a namespace or repository name that breaks the naming rules",
        "delete.server-error": "DELETE while the server fails internally",
        "delete.unauthenticated": "DELETE without valid credentials",
    }
)


class ErrorBody(enum.StrEnum):
    """How strictly a condition's response must carry SWR error information."""

    NONE = "none"  # no body expected (204)
    RECOMMENDED = "recommended"  # checked and reported, never failing
    REQUIRED = "required"  # a missing or malformed error body fails the check


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the fault."""


@dataclass(frozen=True, slots=True)
class Expectation:
    condition: str
    statuses: tuple[int, ...]
    documented: bool
    quote: str
    translation: str
    error_body: ErrorBody

    @property
    def status(self) -> int:
        """The primary expected status (the first listed)."""
        return self.statuses[0]

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    version: str
    url: str
    section: str


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    document: Document
    expectations: Mapping[str, Expectation]
    path: Path

    def expect(self, condition: str) -> Expectation:
        try:
            return self.expectations[condition]
        except KeyError:
            raise ProfileError(f"unknown condition id {condition!r}") from None


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """Load a profile by id (`swr-2020`) or by file path, validating it fully."""
    path = Path(name_or_path)
    if path.suffix not in {".yaml", ".yml"}:
        path = PROFILES_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            known = ", ".join(available_profiles())
            raise ProfileError(f"unknown profile {str(name_or_path)!r} (known: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc
    try:
        return _parse(data, path)
    except ProfileError as exc:
        raise ProfileError(f"{path}: {exc}") from None


def _parse(data: Any, path: Path) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError("a profile is a mapping")
    if data.get("schema") != PROFILE_SCHEMA:
        raise ProfileError(f"'schema' must be {PROFILE_SCHEMA!r}, got {data.get('schema')!r}")
    doc = _mapping(data, "document")
    document = Document(**{key: _text(doc, key) for key in ("id", "title", "version", "url", "section")})
    conditions = _mapping(data, "conditions")
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        raise ProfileError(f"unknown condition id(s) {unknown}; known: {sorted(CONDITIONS)}")
    missing = sorted(set(CONDITIONS) - set(conditions))
    if missing:
        raise ProfileError(f"condition id(s) {missing} are not stated")
    expectations = {cid: _expectation(cid, conditions[cid]) for cid in CONDITIONS}
    return Profile(
        id=_text(data, "id"),
        title=_text(data, "title"),
        document=document,
        expectations=MappingProxyType(expectations),
        path=path,
    )


def _expectation(condition: str, raw: Any) -> Expectation:
    if not isinstance(raw, dict):
        raise ProfileError(f"{condition}: must be a mapping")
    statuses = raw.get("status")
    if (
        not isinstance(statuses, list)
        or not statuses
        or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses)
    ):
        raise ProfileError(f"{condition}: 'status' must be a non-empty list of HTTP statuses, got {statuses!r}")
    documented = raw.get("documented")
    if not isinstance(documented, bool):
        raise ProfileError(f"{condition}: 'documented' must be true or false")
    try:
        error_body = ErrorBody(str(raw.get("error_body")))
    except ValueError:
        choices = [e.value for e in ErrorBody]
        raise ProfileError(f"{condition}: 'error_body' must be one of {choices}") from None
    return Expectation(
        condition=condition,
        statuses=tuple(statuses),
        documented=documented,
        quote=_text(raw, "quote", where=condition),
        translation=_text(raw, "translation", where=condition),
        error_body=error_body,
    )


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProfileError(f"'{key}' must be a mapping")
    return value


def _text(data: dict[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        prefix = f"{where}: " if where else ""
        raise ProfileError(f"{prefix}'{key}' must be a non-empty string")
    return value
