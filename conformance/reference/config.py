"""What a reference registry instance is configured with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.profiles import Profile
from conformance.reference.deviations import Deviation

#: Documented development credentials: active only when no credential at all is configured.
DEV_TOKEN = "swr-dev-token"
DEV_AK = "SWRDEVACCESSKEY00000"
DEV_SK = "swr-dev-secret-key"
DEV_REGISTRY_USERNAME = "swr-dev"
DEV_REGISTRY_PASSWORD = "swr-dev-password"

#: With `faults` on, a request carrying this header answers 500 with error information.
FAULT_HEADER = "X-Swr-Conformance-Fault"


@dataclass(frozen=True, slots=True)
class Credentials:
    token: str | None = None
    ak: str | None = None
    sk: str | None = None
    registry_username: str | None = None
    registry_password: str | None = None

    @property
    def given(self) -> bool:
        return any((self.token, self.ak, self.sk, self.registry_username, self.registry_password))

    @classmethod
    def development(cls) -> Credentials:
        return cls(DEV_TOKEN, DEV_AK, DEV_SK, DEV_REGISTRY_USERNAME, DEV_REGISTRY_PASSWORD)

    def or_development(self) -> Credentials:
        """These credentials, or the development ones when none was given."""
        return self if self.given else Credentials.development()


@dataclass(frozen=True, slots=True)
class ReferenceConfig:
    profile: Profile
    credentials: Credentials = field(default_factory=Credentials.development)
    data_dir: Path | None = None  # None: a temporary directory, removed on stop
    faults: bool = False
    latency_ms: int = 0
    #: How the OCI side challenges: "basic" (as SWR does) or "bearer" (token service at /v2/token).
    registry_challenge: str = "basic"
    #: Test-only contract violations (see deviations.py); empty for a conformant registry.
    deviations: frozenset[Deviation] = frozenset()
