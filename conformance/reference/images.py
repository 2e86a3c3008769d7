"""Where the reference registry's images live: its own SQLite store (the default), or a real CNCF
distribution registry (`serve --oci-backend URL`), read through on every call so that the manage API
and the registry can never drift apart.

The manage API asks this module everything the contract depends on: which tags a repository holds
(the 406 condition), which repositories a push created, deleting a tag or every image of a repository.
Repository and namespace *metadata* (created through the manage API) stay in the SQLite store.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from conformance.provisioning.image import MANIFEST_ACCEPT
from conformance.reference.store import Store

CATALOG_PAGE = 1000  # repositories per catalog page


class BackendUnavailable(Exception):
    """The OCI backend did not answer as a registry does: the manage API answers 500 with the cause."""


class Images(Protocol):
    async def tags(self, namespace: str, repository: str) -> list[dict[str, Any]]:
        """Each tag: `tag`, `digest`, `size`, `created`, `updated`."""

    async def delete_tag(self, namespace: str, repository: str, tag: str) -> bool: ...

    async def delete_all(self, namespace: str, repository: str) -> None: ...

    async def pushed(self, namespace: str) -> list[str]:
        """Repositories of `namespace` that hold images, whether or not the manage API created them."""


class StoreImages:
    """Images in the reference registry's own SQLite store (its OCI API writes them there)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def tags(self, namespace: str, repository: str) -> list[dict[str, Any]]:
        return self._store.tags(namespace, repository)

    async def delete_tag(self, namespace: str, repository: str, tag: str) -> bool:
        return self._store.delete_tag(namespace, repository, tag)

    async def delete_all(self, namespace: str, repository: str) -> None:
        return None  # the store deletes a repository's images with the repository, in one transaction

    async def pushed(self, namespace: str) -> list[str]:
        return []  # a push to the store's OCI API creates the repository row itself


class DistributionImages:
    """Images in a CNCF distribution registry, asked on every call (no copy, no cache, no drift)."""

    def __init__(self, url: str, username: str | None, password: str | None) -> None:
        self._url = url.rstrip("/")
        self._auth = (username, password) if username and password else None
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the server's event loop.
        self._client = self._client or httpx.AsyncClient(base_url=self._url, auth=self._auth, timeout=30)
        return self._client

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"OCI backend {self._url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise BackendUnavailable(f"OCI backend {self._url}: {method} {path} answered {response.status_code}")
        return response

    async def _digest(self, name: str, reference: str) -> tuple[str, int] | None:
        found = await self._request("HEAD", f"/v2/{name}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT})
        if found.status_code != 200:
            return None
        return found.headers["docker-content-digest"], int(found.headers.get("content-length", 0))

    async def tags(self, namespace: str, repository: str) -> list[dict[str, Any]]:
        name = f"{namespace}/{repository}"
        listed = await self._request("GET", f"/v2/{name}/tags/list")
        if listed.status_code == 404:
            return []
        result = []
        for tag in sorted(listed.json().get("tags") or []):
            if (found := await self._digest(name, tag)) is not None:
                digest, size = found
                result.append({"tag": tag, "digest": digest, "size": size, "created": "", "updated": ""})
        return result

    async def delete_tag(self, namespace: str, repository: str, tag: str) -> bool:
        """Deletes the tag's manifest (distribution deletes by digest), as SWR deletes an image."""
        name = f"{namespace}/{repository}"
        found = await self._digest(name, tag)
        if found is None:
            return False
        return (await self._request("DELETE", f"/v2/{name}/manifests/{found[0]}")).status_code == 202

    async def delete_all(self, namespace: str, repository: str) -> None:
        for tag in await self.tags(namespace, repository):
            await self.delete_tag(namespace, repository, tag["tag"])

    async def pushed(self, namespace: str) -> list[str]:
        names: list[str] = []
        page: str | None = f"/v2/_catalog?n={CATALOG_PAGE}"
        while page is not None:  # distribution refuses a page larger than its maximum (1000 by default)
            catalog = await self._request("GET", page)
            if catalog.status_code != 200:
                raise BackendUnavailable(f"OCI backend {self._url}: GET {page} answered {catalog.status_code}")
            names += catalog.json().get("repositories") or []
            page = catalog.links.get("next", {}).get("url")
        mine = [name.removeprefix(f"{namespace}/") for name in names if name.startswith(f"{namespace}/")]
        return [repository for repository in mine if await self.tags(namespace, repository)]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
