"""Parallel deletes of one repository: exactly one succeeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from tests.conftest import create_repository, repo_path


def test_sixteen_parallel_deletes_give_exactly_one_204(
    reference: ReferenceServer, manage: httpx.Client, namespace: str
) -> None:
    for round_ in range(3):
        repo = f"app{round_}"
        create_repository(manage, namespace, repo)
        clients = [httpx.Client(base_url=reference.url, headers={"X-Auth-Token": DEV_TOKEN}) for _ in range(16)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = sorted(pool.map(lambda c: c.delete(repo_path(namespace, repo)).status_code, clients))
        for client in clients:
            client.close()
        assert statuses == [204] + [404] * 15
