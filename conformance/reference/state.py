"""Everything a request handler of the reference registry needs, kept on `app.state.reference`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from conformance.contract.faults import FAULT_HEADER
from conformance.contract.profiles import Profile
from conformance.reference.auth import Authenticator
from conformance.reference.config import ReferenceConfig
from conformance.reference.deviations import Deviation
from conformance.reference.images import Images
from conformance.reference.store import Store


@dataclass(frozen=True, slots=True)
class State:
    config: ReferenceConfig
    store: Store
    auth: Authenticator
    images: Images  # where tags and manifests live: the store, or the OCI backend
    #: upload id -> (bytes hashed, running sha256) of the uploads under way in this process
    hashing: dict[str, tuple[int, Any]] = field(default_factory=dict)
    #: (namespace, repository) that had a tag deleted (only with the refuses-after-untag deviation)
    untagged: set[tuple[str, str]] = field(default_factory=set)
    #: (namespace, repository) deleted with success (only with the still-listed deviation)
    deleted: set[tuple[str, str]] = field(default_factory=set)

    @property
    def profile(self) -> Profile:
        return self.config.profile

    def deviates(self, deviation: Deviation) -> bool:
        return deviation in self.config.deviations

    async def repository(self, namespace: str, repository: str) -> dict[str, Any] | None:
        """The repository's row; a repository a push created in the OCI backend gets one on first sight."""
        row = self.store.repository(namespace, repository)
        if row is None and self.store.namespace(namespace) and await self.images.tags(namespace, repository):
            self.store.ensure_repository(namespace, repository)
            row = self.store.repository(namespace, repository)
        return row

    async def remove_with_images(self, namespace: str, repository: str) -> None:
        await self.images.delete_all(namespace, repository)
        self.store.delete_repository(namespace, repository, with_images=True)

    def fault_requested(self, request: Request) -> bool:
        """A test hook: only with `--faults` does the fault header make an operation fail."""
        return self.config.faults and FAULT_HEADER.lower() in request.headers
