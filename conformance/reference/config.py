"""What a reference registry instance is configured with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.contract.credentials import Credentials
from conformance.contract.profiles import Profile
from conformance.reference.deviations import Deviation

#: Documented development credentials: active only when no credential at all is configured.
DEV_TOKEN = "swr-dev-token"
DEV_AK = "SWRDEVACCESSKEY00000"
DEV_SK = "swr-dev-secret-key"
DEV_PROJECT_ID = "swr-dev-project"
DEV_REGISTRY_USERNAME = "swr-dev"
DEV_REGISTRY_PASSWORD = "swr-dev-password"


DEVELOPMENT = Credentials(
    token=DEV_TOKEN,
    ak=DEV_AK,
    sk=DEV_SK,
    project_id=DEV_PROJECT_ID,
    registry_username=DEV_REGISTRY_USERNAME,
    registry_password=DEV_REGISTRY_PASSWORD,
)


@dataclass(frozen=True, slots=True)
class ReferenceConfig:
    profile: Profile
    credentials: Credentials = DEVELOPMENT
    data_dir: Path | None = None  # None: a temporary directory, removed on stop
    faults: bool = False
    latency_ms: int = 0
    access_log: bool = False  # one line per request on stderr (method, path, status, ms, request id)
    #: How the OCI side challenges: "basic" (as SWR does) or "bearer" (token service at /v2/token).
    registry_challenge: str = "basic"
    #: A CNCF distribution registry that holds the images (clients push there); None: the SQLite store.
    oci_backend: str | None = None
    oci_backend_username: str | None = None
    oci_backend_password: str | None = field(default=None, repr=False)
    #: Test-only contract violations (see deviations.py); empty for a conformant registry.
    deviations: frozenset[Deviation] = frozenset()
