"""Cleanup removes what carries the run id even where the journal does not know it, and `sweep` keeps to
its scope: the prefix, the run id, the age."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from conformance.client import Endpoints, SwrClient
from conformance.contract.credentials import Credentials
from conformance.provisioning.journal import RunJournal
from conformance.provisioning.run_state import RunState
from conformance.reference.config import DEV_TOKEN
from conformance.reference.server import ReferenceServer
from conformance.transcript import Redactor
from tests.conftest import create_repository, run_sweep
from tests.hostile import HostileProxy, Rule, status


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


@pytest.mark.full
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


@pytest.mark.full
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


@pytest.mark.full
def test_sweep_by_run_id_keeps_names_that_only_begin_like_it(reference: ReferenceServer, manage: httpx.Client) -> None:
    """A name is the run's only as its id followed by a separator or the end; in the run's own namespaces
    every repository is the run's (it names them freely there), including a worker's namespace."""
    run_id = "swrc5eeb0003"
    manage.post("/v2/manage/namespaces", json={"namespace": "prod"})
    for name in (f"{run_id}-1-app", f"{run_id}00", f"{run_id}backup"):
        create_repository(manage, "prod", name)
    for namespace in (f"{run_id}-ns", f"{run_id}-gw0-ns2"):
        manage.post("/v2/manage/namespaces", json={"namespace": namespace})
        create_repository(manage, namespace, "0a/b")
    swept = run_sweep(reference.url, "--run-id", run_id, "--namespace", "prod")
    assert reference.store.repository_names("prod") == [f"{run_id}00", f"{run_id}backup"], swept
    assert reference.store.namespace(f"{run_id}-ns") is None and reference.store.namespace(f"{run_id}-gw0-ns2") is None


@pytest.mark.full
def test_sweep_goes_on_when_the_target_lists_nothing(
    reference: ReferenceServer, manage: httpx.Client, tmp_path: Path
) -> None:
    """A target that cannot list repositories or namespaces: what the journal names is still removed."""
    run_id = "swrc5eeb0004"
    journal = RunJournal(run_id, tmp_path / "journal.jsonl")
    journal.intend_namespace(f"{run_id}-ns")
    journal.intend_repository(f"{run_id}-ns", "0a")
    journal.close()
    manage.post("/v2/manage/namespaces", json={"namespace": f"{run_id}-ns"})
    create_repository(manage, f"{run_id}-ns", "0a")
    broken = status(500, '{"error_code": "SVCSTG.SWR.5000005", "error_msg": "listing is down"}', "application/json")
    with HostileProxy(reference.url, [Rule("GET", r"^/v2/manage/(repos|namespaces)$", before=broken)]) as proxy:
        swept = run_sweep(proxy.url, "--journal", str(journal.path))
    assert "removed repository" in swept and "removed namespace" in swept, swept
    assert reference.store.namespace(f"{run_id}-ns") is None


def test_sweep_with_rejected_credentials_is_broken(reference: ReferenceServer) -> None:
    """Exit 3 with the cause, as its help says (it exited 1)."""
    from click.testing import CliRunner

    from conformance.cli import main

    command = ["sweep", "--endpoint", reference.url, "--token", "not-the-token", "--run-id", "swrc5eeb0005"]
    result = CliRunner().invoke(main, command, env={"SWR_CONFIG": None})
    assert result.exit_code == 3 and "the target is broken" in result.output, result.output
