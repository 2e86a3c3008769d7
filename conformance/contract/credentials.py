"""Credentials for a registry's two APIs, as the suite holds them and the reference registry accepts them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Credentials:
    token: str | None = field(default=None, repr=False)  # IAM token, sent as X-Auth-Token
    ak: str | None = None  # access key for SDK-HMAC-SHA256 signing
    sk: str | None = field(default=None, repr=False)
    project_id: str | None = None  # X-Project-Id on signed requests
    registry_username: str | None = None  # OCI registry (docker login)
    registry_password: str | None = field(default=None, repr=False)

    @property
    def given(self) -> bool:
        return any((self.token, self.ak, self.sk, self.registry_username, self.registry_password))

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """What must never be written anywhere."""
        return self.token, self.sk, self.registry_password
