"""The reference registry's state in SQLite: namespaces, repositories, blobs, manifests, tags.

Every public method is one transaction under one lock, so concurrent requests see each other's
effects whole (16 parallel deletes of one repository: exactly one finds it).
"""

from __future__ import annotations

import enum
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, name TEXT NOT NULL,
    is_public INTEGER NOT NULL, category TEXT NOT NULL, description TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, UNIQUE (namespace, name));
CREATE TABLE IF NOT EXISTS blobs (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (namespace, repository, digest));
CREATE TABLE IF NOT EXISTS manifests (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL,
    media_type TEXT NOT NULL, data BLOB NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (namespace, repository, digest));
CREATE TABLE IF NOT EXISTS tags (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (namespace, repository, tag));
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, namespace TEXT NOT NULL, repository TEXT NOT NULL, data BLOB NOT NULL);
"""

# Tables whose rows belong to one repository: deleting the repository deletes its rows there.
_REPOSITORY_CONTENT = ("tags", "manifests", "blobs", "uploads")


class Outcome(enum.StrEnum):
    DONE = "done"
    EXISTS = "exists"
    NO_NAMESPACE = "no-namespace"
    ABSENT = "absent"
    NOT_EMPTY = "not-empty"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- namespaces ---------------------------------------------------------------------------

    def create_namespace(self, name: str) -> Outcome:
        with self._tx() as db:
            if _namespace(db, name) is not None:
                return Outcome.EXISTS
            db.execute("INSERT INTO namespaces (name, created) VALUES (?, ?)", (name, _now()))
            return Outcome.DONE

    def namespace(self, name: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = _namespace(db, name)
            return dict(row) if row else None

    def namespaces(self) -> list[dict[str, Any]]:
        with self._tx() as db:
            return [dict(r) for r in db.execute("SELECT * FROM namespaces ORDER BY name")]

    def delete_namespace(self, name: str) -> Outcome:
        with self._tx() as db:
            if _namespace(db, name) is None:
                return Outcome.ABSENT
            if db.execute("SELECT 1 FROM repositories WHERE namespace = ?", (name,)).fetchone():
                return Outcome.NOT_EMPTY
            db.execute("DELETE FROM namespaces WHERE name = ?", (name,))
            return Outcome.DONE

    # -- repositories -------------------------------------------------------------------------

    def create_repository(self, namespace: str, name: str, is_public: bool, category: str, description: str) -> Outcome:
        with self._tx() as db:
            if _namespace(db, namespace) is None:
                return Outcome.NO_NAMESPACE
            if _repository(db, namespace, name) is not None:
                return Outcome.EXISTS
            _insert_repository(db, namespace, name, is_public, category, description)
            return Outcome.DONE

    def ensure_repository(self, namespace: str, name: str) -> bool:
        """Create the repository on first push; False when the namespace does not exist."""
        with self._tx() as db:
            if _namespace(db, namespace) is None:
                return False
            if _repository(db, namespace, name) is None:
                _insert_repository(db, namespace, name, False, "other", "")
            return True

    def repository(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = _repository(db, namespace, name)
            if row is None:
                return None
            repo = dict(row)
            key = (namespace, name)
            repo["num_images"] = db.execute(
                "SELECT COUNT(*) FROM tags WHERE namespace = ? AND repository = ?", key
            ).fetchone()[0]
            repo["size"] = db.execute(
                "SELECT COALESCE(SUM(LENGTH(data)), 0) FROM blobs WHERE namespace = ? AND repository = ?", key
            ).fetchone()[0]
            return repo

    def repository_names(self, namespace: str, prefix: str = "") -> list[str]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT name FROM repositories WHERE namespace = ? AND substr(name, 1, ?) = ? ORDER BY name",
                (namespace, len(prefix), prefix),
            )
            return [r["name"] for r in rows]

    def delete_repository(self, namespace: str, name: str, with_images: bool) -> Outcome:
        """Delete a repository; one holding manifests only when `with_images`."""
        with self._tx() as db:
            if _namespace(db, namespace) is None:
                return Outcome.NO_NAMESPACE
            if _repository(db, namespace, name) is None:
                return Outcome.ABSENT
            key = (namespace, name)
            holds = db.execute("SELECT 1 FROM manifests WHERE namespace = ? AND repository = ?", key).fetchone()
            if holds and not with_images:
                return Outcome.NOT_EMPTY
            for table in _REPOSITORY_CONTENT:
                db.execute(f"DELETE FROM {table} WHERE namespace = ? AND repository = ?", key)
            db.execute("DELETE FROM repositories WHERE namespace = ? AND name = ?", key)
            return Outcome.DONE

    # -- tags (manage API view) ---------------------------------------------------------------

    def tags(self, namespace: str, repository: str) -> list[dict[str, Any]]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT t.tag, t.digest, t.created, t.updated, m.media_type, LENGTH(m.data) AS size "
                "FROM tags t JOIN manifests m USING (namespace, repository, digest) "
                "WHERE t.namespace = ? AND t.repository = ? ORDER BY t.tag",
                (namespace, repository),
            )
            return [dict(r) for r in rows]

    def delete_tag(self, namespace: str, repository: str, tag: str) -> bool:
        """Delete a tag, and its manifest once no other tag points at it (as SWR deletes an image)."""
        with self._tx() as db:
            key = (namespace, repository)
            row = db.execute(
                "SELECT digest FROM tags WHERE namespace = ? AND repository = ? AND tag = ?", (*key, tag)
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM tags WHERE namespace = ? AND repository = ? AND tag = ?", (*key, tag))
            still_tagged = db.execute(
                "SELECT 1 FROM tags WHERE namespace = ? AND repository = ? AND digest = ?", (*key, row["digest"])
            ).fetchone()
            if not still_tagged:
                db.execute(
                    "DELETE FROM manifests WHERE namespace = ? AND repository = ? AND digest = ?",
                    (*key, row["digest"]),
                )
            return True

    # -- OCI content --------------------------------------------------------------------------

    def start_upload(self, namespace: str, repository: str) -> str:
        upload_id = uuid.uuid4().hex
        with self._tx() as db:
            db.execute("INSERT INTO uploads VALUES (?, ?, ?, ?)", (upload_id, namespace, repository, b""))
        return upload_id

    def upload_size(self, namespace: str, repository: str, upload_id: str) -> int | None:
        with self._tx() as db:
            row = _upload(db, namespace, repository, upload_id)
            return None if row is None else len(row["data"])

    def append_upload(self, namespace: str, repository: str, upload_id: str, chunk: bytes) -> int | None:
        with self._tx() as db:
            row = _upload(db, namespace, repository, upload_id)
            if row is None:
                return None
            data = bytes(row["data"]) + chunk
            db.execute("UPDATE uploads SET data = ? WHERE id = ?", (data, upload_id))
            return len(data)

    def take_upload(self, namespace: str, repository: str, upload_id: str) -> bytes | None:
        with self._tx() as db:
            row = _upload(db, namespace, repository, upload_id)
            if row is None:
                return None
            db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
            return bytes(row["data"])

    def put_blob(self, namespace: str, repository: str, digest: str, data: bytes) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?)", (namespace, repository, digest, data))

    def blob(self, namespace: str, repository: str, digest: str) -> bytes | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT data FROM blobs WHERE namespace = ? AND repository = ? AND digest = ?",
                (namespace, repository, digest),
            ).fetchone()
            return None if row is None else bytes(row["data"])

    def missing_blobs(self, namespace: str, repository: str, digests: list[str]) -> list[str]:
        with self._tx() as db:
            present = {
                r["digest"]
                for r in db.execute(
                    "SELECT digest FROM blobs WHERE namespace = ? AND repository = ?", (namespace, repository)
                )
            }
            return [d for d in digests if d not in present]

    def put_manifest(
        self, namespace: str, repository: str, tag: str | None, digest: str, media_type: str, data: bytes
    ) -> None:
        with self._tx() as db:
            key = (namespace, repository)
            db.execute(
                "INSERT OR REPLACE INTO manifests VALUES (?, ?, ?, ?, ?, ?)", (*key, digest, media_type, data, _now())
            )
            if tag is not None:
                db.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
                    "SET digest = excluded.digest, updated = excluded.updated",
                    (*key, tag, digest, _now(), _now()),
                )

    def manifest(self, namespace: str, repository: str, reference: str) -> dict[str, Any] | None:
        """A manifest by digest (`sha256:...`) or by tag."""
        with self._tx() as db:
            key = (namespace, repository)
            if not reference.startswith("sha256:"):
                row = db.execute(
                    "SELECT digest FROM tags WHERE namespace = ? AND repository = ? AND tag = ?", (*key, reference)
                ).fetchone()
                if row is None:
                    return None
                reference = row["digest"]
            found = db.execute(
                "SELECT digest, media_type, data FROM manifests WHERE namespace = ? AND repository = ? AND digest = ?",
                (*key, reference),
            ).fetchone()
            return dict(found) if found else None

    def delete_manifest(self, namespace: str, repository: str, digest: str) -> bool:
        with self._tx() as db:
            key = (namespace, repository, digest)
            gone = db.execute(
                "DELETE FROM manifests WHERE namespace = ? AND repository = ? AND digest = ?", key
            ).rowcount
            db.execute("DELETE FROM tags WHERE namespace = ? AND repository = ? AND digest = ?", key)
            return gone > 0

    def tag_names(self, namespace: str, repository: str) -> list[str]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT tag FROM tags WHERE namespace = ? AND repository = ? ORDER BY tag", (namespace, repository)
            )
            return [r["tag"] for r in rows]


def _namespace(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM namespaces WHERE name = ?", (name,)).fetchone()
    return row


def _repository(db: sqlite3.Connection, namespace: str, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM repositories WHERE namespace = ? AND name = ?", (namespace, name)
    ).fetchone()
    return row


def _upload(db: sqlite3.Connection, namespace: str, repository: str, upload_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT data FROM uploads WHERE id = ? AND namespace = ? AND repository = ?",
        (upload_id, namespace, repository),
    ).fetchone()
    return row


def _insert_repository(
    db: sqlite3.Connection, namespace: str, name: str, is_public: bool, category: str, description: str
) -> None:
    db.execute(
        "INSERT INTO repositories (namespace, name, is_public, category, description, created, updated) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (namespace, name, int(is_public), category, description, _now(), _now()),
    )
