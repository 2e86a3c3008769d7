"""A run's life, as a value: opening it (the target, a journal, the preflight, the run's namespace),
joining it in a worker of a parallel run, and cleaning up. The pytest plugin holds the `Run` it gets;
nothing here knows pytest."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from conformance import __version__
from conformance.at_once import MOST
from conformance.client import SwrClient
from conformance.contract.faults import FAULT_HEADER
from conformance.contract.profiles import Profile, load_profile
from conformance.contract.resources import SPEC_FILE, spec_sha256
from conformance.exploration import PropertyBudget
from conformance.interrupts import Interrupts
from conformance.outcomes import Broken
from conformance.paths import namespace_path
from conformance.provisioning.journal import RunJournal, new_run_id
from conformance.provisioning.run_state import RunState
from conformance.reference.config import (
    DEV_AK,
    DEV_PROJECT_ID,
    DEV_REGISTRY_PASSWORD,
    DEV_REGISTRY_USERNAME,
    DEV_SK,
    ReferenceConfig,
)
from conformance.settings import Settings
from conformance.transcript import Redactor


@dataclass
class Run:
    """One process's share of a run: what it tests with and what it owns on the target."""

    settings: Settings  # as tested with (the embedded registry's endpoint and credentials filled in)
    profile: Profile
    state: RunState
    budget: PropertyBudget
    info: dict[str, Any]  # the run's facts, for results.json
    setup_error: str | None = None  # why no check can run (the target is broken, or the configuration wrong)
    usage_error: bool = False  # the setup error is the user's configuration (exit 2), not the target (exit 3)
    leftovers: list[str] = field(default_factory=list)  # what cleanup could not remove

    @property
    def journal(self) -> RunJournal:
        return self.state.journal

    def handover(self) -> dict[str, Any]:
        """What a worker of a parallel run needs to join it."""
        return {
            "settings": asdict(self.settings),
            "run_id": self.state.run_id,
            "namespace": self.state.namespace,
            "seed": self.budget.seed,
        }


class ConfigurationError(Exception):
    """The settings do not fit the target (exit status 2)."""


def open_run(
    settings: Settings,
    redactor: Redactor,
    keyword: str | None,
    target: contextlib.ExitStack,
    announce: Callable[[Run], None],
    interrupts: Interrupts,
) -> Run:
    """Start the target (kept running by `target`), a journal and the run's namespace, after the preflight;
    `announce` hears where the run goes before anything is sent. A broken target or configuration is the
    run's `setup_error`, not an exception; an interrupt meanwhile removes what was created, then goes on."""
    profile = load_profile(settings.profile)
    embedded = settings.embedded
    settings = target.enter_context(_embedded_target(settings, profile))
    run_id = new_run_id()
    client = _client(settings, redactor, run_id, f"{run_id}.jsonl", in_flight=1 if embedded else MOST)
    state = RunState(client, settings.namespace)
    seed = settings.seed if settings.seed is not None else random.randrange(2**32)
    info = _run_info(settings, profile, state, embedded) | {
        "properties": {"enabled": settings.properties, "examples": settings.examples, "seed": seed},
        "selection": {
            "keyword": keyword,
            "namespace": settings.namespace,
            "properties": settings.properties,
            "workers": settings.processes,
        },
    }
    run = Run(settings, profile, state, _budget(settings, seed), info)
    announce(run)
    try:
        _preflight(client, settings)
        state.start()
    except Broken as exc:
        run.setup_error = f"target is broken, no check ran: {exc}"
    except ConfigurationError as exc:
        run.setup_error, run.usage_error = f"configuration error, no check ran: {exc}", True
    except BaseException:  # interrupted while the run opens: what it created already goes too
        clean_up(run, interrupts)
        raise
    return run


def join_run(handover: dict[str, Any], worker: str, redactor: Redactor) -> Run:
    """A worker's share of a parallel run: the controller's target, run id, namespace and seed; a journal
    and names of its own."""
    settings = Settings(**handover["settings"])
    client = _client(settings, redactor, handover["run_id"], f"{handover['run_id']}-{worker}.jsonl")
    state = RunState(client, settings.namespace, shared_namespace=handover["namespace"], tag=f"{worker}-")
    return Run(settings, load_profile(settings.profile), state, _budget(settings, handover["seed"]), {})


def clean_up(run: Run, interrupts: Interrupts) -> None:
    """Remove what the run created, interrupts or not; a second signal aborts it, saying so."""
    journal = run.journal
    with interrupts.cleaning(str(journal.path)) as proceed:
        if proceed:
            run.leftovers = run.state.cleanup()
    if interrupts.cleanup_aborted:
        run.leftovers.append(f"cleanup aborted: swr-conformance sweep --journal {journal.path} removes the rest")
    run.state.client.close()
    journal.close()


def _client(settings: Settings, redactor: Redactor, run_id: str, journal_file: str, in_flight: int = MOST) -> SwrClient:
    """The client of a process of the run, journaling into `journals/<journal_file>`, its secrets redacted;
    `in_flight` 1 against the embedded registry, which shares this process (see SwrClient)."""
    redactor.add_credentials(settings.credentials)
    journal = RunJournal(run_id, settings.output_dir / "journals" / journal_file)
    endpoints, credentials = settings.endpoints(), settings.credentials
    return SwrClient(endpoints, credentials, journal, redactor, settings.timeout, in_flight=in_flight)


def _budget(settings: Settings, seed: int) -> PropertyBudget:
    return PropertyBudget(settings.examples, seed, settings.output_dir / "hypothesis", settings.properties)


def _preflight(client: SwrClient, settings: Settings) -> None:
    """Reachable, the credentials accepted (show a namespace that cannot exist: 404), and, when
    fault injection is said to be on, the fault header honoured (the same request answers 5xx)."""
    path = namespace_path(f"{client.journal.run_id}-preflight")
    exchange = client.manage("GET", path)
    if exchange.status in (401, 403):
        raise Broken(f"credentials rejected: {exchange.summary()}")
    if exchange.status != 404:
        raise Broken(f"unexpected answer to a setup call: {exchange.summary()}")
    if settings.fault_injection:
        faulted = client.manage("GET", path, headers={FAULT_HEADER: "preflight"})
        if (faulted.status or 0) < 500:
            raise ConfigurationError(
                f"--fault-injection, but the target ignores the {FAULT_HEADER} header ({faulted.summary()}); "
                "drop --fault-injection or enable faults on the target"
            )


@contextmanager
def _embedded_target(settings: Settings, profile: Profile) -> Iterator[Settings]:
    """The settings to test with: the given ones, or those of an embedded reference registry."""
    if not settings.embedded:
        yield settings
        return
    from conformance.reference.server import ReferenceServer  # Starlette and uvicorn only when embedded

    with ReferenceServer(ReferenceConfig(profile=profile, faults=True)) as server:
        yield replace(
            settings,
            endpoint=server.url,
            registry=server.url,
            ak=DEV_AK,
            sk=DEV_SK,
            project_id=DEV_PROJECT_ID,
            registry_username=DEV_REGISTRY_USERNAME,
            registry_password=DEV_REGISTRY_PASSWORD,
            fault_injection=True,
            target_version=settings.target_version or f"swr-reference {__version__} (embedded)",
        )


def _run_info(settings: Settings, profile: Profile, state: RunState, embedded: bool) -> dict[str, Any]:
    return {
        "run_id": state.run_id,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": {"file": SPEC_FILE.name, "sha256": spec_sha256()},
        "profile": {
            "id": profile.id,
            "document": {"id": profile.document.id, "version": profile.document.version, "url": profile.document.url},
        },
        "target": {
            "endpoint": settings.endpoint,
            "registry": settings.registry or settings.endpoint,
            "version": settings.target_version,
            "embedded": embedded,
            "namespace": state.namespace,
            "fault_injection": settings.fault_injection,
            "tls": {"verify": not settings.insecure, "ca_bundle": settings.ca_bundle},
        },
    }
