"""Parallel deletes of one repository: exactly one succeeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from tests.conftest import create_repository, repo_path


def _race(base_url: str, path: str, parallel: int) -> list[int]:
    """`parallel` DELETEs of one path, each on its own connection, released together."""

    def delete(_: int) -> int:
        with httpx.Client(base_url=base_url, headers={"X-Auth-Token": DEV_TOKEN}) as client:
            return client.delete(path).status_code

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return sorted(pool.map(delete, range(parallel)))


def test_sixteen_parallel_deletes_give_exactly_one_204(
    reference: ReferenceServer, manage: httpx.Client, namespace: str
) -> None:
    for round_ in range(3):
        create_repository(manage, namespace, f"app{round_}")
        assert _race(reference.url, repo_path(namespace, f"app{round_}"), 16) == [204] + [404] * 15
