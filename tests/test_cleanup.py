"""Cleanup removes what carries the run id even where the journal does not know it, and `sweep` keeps to
its scope: the prefix, the run id, the age."""

from __future__ import annotations

import asyncio

import httpx
from starlette.requests import Request

from conformance.client import Endpoints, SwrClient
from conformance.contract.credentials import Credentials
from conformance.provisioning.journal import RunJournal
from conformance.provisioning.run_state import RunState
from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from conformance.transcript import Redactor
from tests.conftest import create_repository, run_sweep
from tests.hostile import HostileProxy, Rule


def test_cleanup_removes_unjournaled_repositories_of_the_run(reference: ReferenceServer, manage: httpx.Client) -> None:
    run_id = "swrc0c1ea400"
    journal = RunJournal(run_id)
    client = SwrClient(Endpoints(reference.url, reference.url), Credentials(token=DEV_TOKEN), journal, Redactor())
    run = RunState(client, None)
    run.start()
    manage.post("/v2/manage/namespaces", json={"namespace": "team"})
    create_repository(manage, run.namespace, "made-behind-the-journals-back")  # e.g. a create whose answer was lost
    create_repository(manage, "team", f"{run_id}-9-lost")  # in a namespace the run was given
    create_repository(manage, "team", "theirs")
    run.given_namespace = "team"  # as with --namespace team, next to the run's own
    assert run.cleanup() == []
    assert reference.store.namespace(run.namespace) is None
    assert reference.store.repository_names("team") == ["theirs"]


def test_sweep_by_run_id_and_age(reference: ReferenceServer, manage: httpx.Client) -> None:
    run_id = "swrc5eeb0001"
    manage.post("/v2/manage/namespaces", json={"namespace": f"{run_id}-ns"})
    create_repository(manage, f"{run_id}-ns", f"{run_id}-1-app")
    assert "removed" not in run_sweep(reference.url, "--run-id", run_id, "--older-than", "1h")
    assert reference.store.repository_names(f"{run_id}-ns") == [f"{run_id}-1-app"]
    swept = run_sweep(reference.url, "--run-id", run_id, "--older-than", "0s")
    assert "removed repository" in swept and "kept namespace" in swept  # no journal: its age is unknown
    assert "removed namespace" in run_sweep(reference.url, "--run-id", run_id)
    assert reference.store.namespace(f"{run_id}-ns") is None


def test_sweep_removes_several_repositories_at_once(reference: ReferenceServer, manage: httpx.Client) -> None:
    """Against a remote registry latency, not the number of leftovers, should set the pace."""
    run_id, in_flight, most = "swrc5eeb0002", [0], [0]
    manage.post("/v2/manage/namespaces", json={"namespace": f"{run_id}-ns"})
    for n in range(4):
        create_repository(manage, f"{run_id}-ns", f"{run_id}-{n}-app")

    async def slowly(request: Request, body: bytes) -> None:  # forwards, a moment later
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0.2)
        in_flight[0] -= 1

    with HostileProxy(reference.url, [Rule("DELETE", r"/repos/[^/]+$", before=slowly)]) as proxy:
        swept = run_sweep(proxy.url, "--run-id", run_id)
    assert swept.count("removed repository") == 4 and "removed namespace" in swept
    assert most[0] > 1, "the DELETEs went one after another"
