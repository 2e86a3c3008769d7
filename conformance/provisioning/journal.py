"""What one run owns on the target, written to disk *before* each creating request.

The one record of the run's resources: the client's guard asks it what may be changed, the per-check
side-effect check asks it what must still exist, cleanup and `swr-conformance sweep` read it back. A
run killed mid-request leaves a journal naming everything it may have created.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from conformance.outcomes import SetupFailed
from conformance.paths import Target

RUN_ID = re.compile(r"^swrc[0-9a-f]{8}$")


def carries_run_id(name: str, run_id: str | None = None) -> bool:
    """Whether `name` is marked as run `run_id`'s (any suite run's when None): the id, after nothing but
    separators (an invalid name's leading `-`), followed by a separator or the end. `swrc12345678-3-app`
    is that run's; `swrc1234567800` and `swrc12345678backup` are not. The one rule of the guard, cleanup,
    the journal and sweep."""
    marker = re.escape(run_id.lower()) if run_id else "swrc[0-9a-f]{8}"
    return re.match(rf"[^a-z0-9]*{marker}(?:[-_./]|$)", name.lower()) is not None


def new_run_id() -> str:
    """`swrc` + 8 hex digits: embedded in every name the run makes up (and nothing else's)."""
    return "swrc" + secrets.token_hex(4)


@dataclass
class RunJournal:
    run_id: str
    path: Path | None = None  # None: kept in memory only (unit tests)
    namespaces: list[str] = field(default_factory=list)  # created by the run (intended, at least)
    repositories: list[Target] = field(default_factory=list)
    existing: set[Target] = field(default_factory=set)  # created and confirmed, not yet deleted
    removed: set[Target] = field(default_factory=set)  # confirmed deleted (or absent)
    # What the run pushed (in memory only: cleanup and sweep need names, not content). A repository's
    # current tags (tag -> manifest digest), and every manifest digest ever pushed to it.
    tags: dict[Target, dict[str, str]] = field(default_factory=dict)
    digests: dict[Target, set[str]] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    unwritable: str | None = None  # why the file stopped taking entries (a full disk); memory goes on
    _file: IO[str] | None = field(default=None, repr=False)
    _writing: threading.Lock = field(default_factory=threading.Lock, repr=False)  # cleanup deletes in threads

    def __post_init__(self) -> None:
        if self.path is not None and self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            self._write({"event": "run", "run_id": self.run_id})

    # -- recording (intent first) -------------------------------------------------------------

    def intend_namespace(self, namespace: str) -> None:
        if namespace not in self.namespaces:
            self.namespaces.append(namespace)
            self._write({"event": "intend", "namespace": namespace})

    def intend_repository(self, namespace: str, repository: str) -> None:
        target = Target(namespace, repository)
        if target not in self.repositories:
            self.repositories.append(target)
            self._write({"event": "intend", "namespace": namespace, "repository": repository})

    def created(self, target: Target) -> None:
        self.existing.add(target)
        self.removed.discard(target)

    def pushed(self, target: Target, tag: str, digest: str) -> None:
        self.tags.setdefault(target, {})[tag] = digest
        self.digests.setdefault(target, set()).add(digest)

    def untagged(self, target: Target, tag: str) -> None:
        self.tags.get(target, {}).pop(tag, None)

    def unknown(self, target: Target) -> None:
        """A DELETE of `target` may have been carried out (its answer was lost): no longer expected to
        exist, still removed by cleanup."""
        self.existing.discard(target)

    def deleted(self, target: Target) -> None:
        self.existing.discard(target)
        self.removed.add(target)
        self.tags.pop(target, None)
        self._write({"event": "deleted", "namespace": target.namespace, "repository": target.repository})

    def existing_repositories(self) -> list[Target]:
        return sorted((t for t in self.existing if t.repository is not None), key=str)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, entry: dict[str, Any]) -> None:
        """Append an entry. When the file takes no more, nothing more is created (an intent raises: a
        kill would leave it unknown), while deletions go on in memory, so that cleanup still runs."""
        stamped = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        with self._writing:
            if self._file is None:
                return
            try:
                self._file.write(json.dumps(stamped) + "\n")
                self._file.flush()
            except OSError as exc:
                self.unwritable = f"{self.path}: {exc.strerror or exc}"
                if entry["event"] == "intend":
                    raise SetupFailed(
                        f"cannot write the run journal ({self.unwritable}): nothing more is created"
                    ) from None

    # -- ownership (the guard's question) -------------------------------------------------------

    def owns(self, target: Target) -> bool:
        """The run may change `target`: a namespace it created, or a repository in one, or a
        repository it created or whose name carries its run id."""
        if target.repository is None:
            return target.namespace in self.namespaces
        return (
            target.namespace in self.namespaces
            or target in self.repositories
            or carries_run_id(target.repository, self.run_id)
        )

    # -- reading a journal back (sweep) -------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> RunJournal:
        """The journal at `path`, read only (entries that do not parse are skipped)."""
        journal: RunJournal | None = None
        deleted: set[Target] = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if not isinstance(entry, dict):
                continue
            if entry.get("event") == "run" and journal is None:
                journal = cls(entry["run_id"], started=datetime.fromisoformat(entry["at"]))
            elif journal is not None and entry.get("event") == "intend":
                if entry.get("repository") is None:
                    journal.namespaces.append(entry["namespace"])
                else:
                    journal.repositories.append(Target(entry["namespace"], entry["repository"]))
            elif entry.get("event") == "deleted":
                deleted.add(Target(entry["namespace"], entry.get("repository")))
        if journal is None or not RUN_ID.match(journal.run_id):
            raise ValueError(f"{path} is not a swr-conformance run journal")
        journal.removed = deleted
        return journal


class PrefixOwnership:
    """The sweeper's rule: it owns only what carries a suite run id (`run_id`, or any): such a namespace
    (and every repository in it: a run names repositories freely in its own namespace), or such a
    repository anywhere."""

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id

    def carries_id(self, name: str) -> bool:
        return carries_run_id(name, self.run_id)

    def owns(self, target: Target) -> bool:
        return self.carries_id(target.namespace) or (
            target.repository is not None and self.carries_id(target.repository)
        )
