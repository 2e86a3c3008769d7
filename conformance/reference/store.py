"""The reference registry's state in SQLite: namespaces, repositories, blobs, manifests, tags.

Every public method is one transaction under one lock, so concurrent requests see each other's
effects whole (16 parallel deletes of one repository: exactly one finds it).
"""

from __future__ import annotations

import enum
import sqlite3
import threading
import time
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
CREATE TABLE IF NOT EXISTS blob_links (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL,
    PRIMARY KEY (namespace, repository, digest));
CREATE TABLE IF NOT EXISTS manifests (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL,
    media_type TEXT NOT NULL, data BLOB NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (namespace, repository, digest));
CREATE TABLE IF NOT EXISTS tags (
    namespace TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (namespace, repository, tag));
CREATE TABLE IF NOT EXISTS upload_files (
    id TEXT PRIMARY KEY, namespace TEXT NOT NULL, repository TEXT NOT NULL, repository_id INTEGER NOT NULL,
    size INTEGER NOT NULL, touched REAL NOT NULL);
"""

# Tables whose rows belong to one repository: deleting the repository deletes its rows there.
_REPOSITORY_CONTENT = ("tags", "manifests", "blob_links", "upload_files")
#: An upload untouched this long is abandoned: its file is removed when the next upload starts.
UPLOAD_TTL_S = 3600.0


class Outcome(enum.StrEnum):
    DONE = "done"
    EXISTS = "exists"
    NO_NAMESPACE = "no-namespace"
    ABSENT = "absent"
    NOT_EMPTY = "not-empty"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """Rows in SQLite; blob and upload *content* in files beside it (`blobs/sha256/<hex>`, `uploads/<id>`),
    never in memory. Blobs are content-addressed and linked to each repository that holds them."""

    def __init__(self, path: Path, upload_ttl_s: float = UPLOAD_TTL_S) -> None:
        self._lock = threading.Lock()
        self._blobs = path.parent / "blobs" / "sha256"
        self._uploads = path.parent / "uploads"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._uploads.mkdir(parents=True, exist_ok=True)
        self._upload_ttl_s = upload_ttl_s
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
                "SELECT COALESCE(SUM(size), 0) FROM blob_links WHERE namespace = ? AND repository = ?", key
            ).fetchone()[0]
            return repo

    def repository_names(self, namespace: str, prefix: str = "") -> list[str]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT name FROM repositories WHERE namespace = ? AND substr(name, 1, ?) = ? ORDER BY name",
                (namespace, len(prefix), prefix),
            )
            return [r["name"] for r in rows]

    def delete_repository(self, namespace: str, name: str, with_images: bool, keep_manifests: bool = False) -> Outcome:
        """Delete a repository; one holding manifests only when `with_images`. `keep_manifests` (a
        test-only deviation) leaves its manifests and their blobs pullable."""
        with self._tx() as db:
            if _namespace(db, namespace) is None:
                return Outcome.NO_NAMESPACE
            if _repository(db, namespace, name) is None:
                return Outcome.ABSENT
            key = (namespace, name)
            holds = db.execute("SELECT 1 FROM manifests WHERE namespace = ? AND repository = ?", key).fetchone()
            if holds and not with_images:
                return Outcome.NOT_EMPTY
            linked = [r["digest"] for r in db.execute(
                "SELECT digest FROM blob_links WHERE namespace = ? AND repository = ?", key
            )]  # fmt: skip
            uploads = [r["id"] for r in db.execute(
                "SELECT id FROM upload_files WHERE namespace = ? AND repository = ?", key
            )]  # fmt: skip
            kept = {"manifests", "blob_links"} if keep_manifests else set()
            for table in _REPOSITORY_CONTENT:
                if table not in kept:
                    db.execute(f"DELETE FROM {table} WHERE namespace = ? AND repository = ?", key)
            db.execute("DELETE FROM repositories WHERE namespace = ? AND name = ?", key)
            self._collect(db, [] if keep_manifests else linked, uploads)
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

    def delete_tag(self, namespace: str, repository: str, tag: str, keep_manifest: bool = False) -> bool:
        """Delete a tag, and its manifest once no other tag points at it (as SWR deletes an image);
        `keep_manifest` (a test-only deviation) only untags."""
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
            if not still_tagged and not keep_manifest:
                db.execute(
                    "DELETE FROM manifests WHERE namespace = ? AND repository = ? AND digest = ?",
                    (*key, row["digest"]),
                )
            return True

    # -- OCI content: uploads and blobs in files ----------------------------------------------------

    def upload_path(self, upload_id: str) -> Path:
        return self._uploads / upload_id

    def blob_path(self, digest: str) -> Path:
        return self._blobs / digest.removeprefix("sha256:")

    def start_upload(self, namespace: str, repository: str) -> str | None:
        """A new, empty upload into an existing repository (None: there is none); expired ones go."""
        upload_id = uuid.uuid4().hex
        with self._tx() as db:
            expired = db.execute("SELECT id FROM upload_files WHERE touched < ?", (time.time() - self._upload_ttl_s,))
            self._collect(db, [], [r["id"] for r in expired])
            repo = _repository(db, namespace, repository)
            if repo is None:
                return None
            self.upload_path(upload_id).touch()
            db.execute(
                "INSERT INTO upload_files VALUES (?, ?, ?, ?, 0, ?)",
                (upload_id, namespace, repository, repo["id"], time.time()),
            )
        return upload_id

    def upload_size(self, namespace: str, repository: str, upload_id: str) -> int | None:
        with self._tx() as db:
            row = _upload(db, namespace, repository, upload_id)
            return None if row is None else int(row["size"])

    def uploaded(self, upload_id: str, size: int) -> bool:
        """Record the upload's new size; False when it is gone (cancelled, expired, its repository deleted)."""
        with self._tx() as db:
            updated = db.execute(
                "UPDATE upload_files SET size = ?, touched = ? WHERE id = ?", (size, time.time(), upload_id)
            )
            return updated.rowcount > 0

    def commit_upload(self, namespace: str, repository: str, upload_id: str, digest: str) -> bool:
        """The finished upload becomes the repository's blob `digest`, only if it is still the repository
        the upload started in (not a new one of the same name): no state of a deleted repository survives."""
        with self._tx() as db:
            row = _upload(db, namespace, repository, upload_id)
            repo = _repository(db, namespace, repository)
            if row is None or repo is None or repo["id"] != row["repository_id"]:
                self._collect(db, [], [upload_id])
                return False
            db.execute("DELETE FROM upload_files WHERE id = ?", (upload_id,))
            self.upload_path(upload_id).replace(self.blob_path(digest))
            db.execute(
                "INSERT OR REPLACE INTO blob_links VALUES (?, ?, ?, ?)", (namespace, repository, digest, row["size"])
            )
            return True

    def cancel_upload(self, namespace: str, repository: str, upload_id: str) -> bool:
        with self._tx() as db:
            if _upload(db, namespace, repository, upload_id) is None:
                return False
            db.execute("DELETE FROM upload_files WHERE id = ?", (upload_id,))
            self._collect(db, [], [upload_id])
            return True

    def blob_size(self, namespace: str, repository: str, digest: str) -> int | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT size FROM blob_links WHERE namespace = ? AND repository = ? AND digest = ?",
                (namespace, repository, digest),
            ).fetchone()
            return None if row is None else int(row["size"])

    def missing_blobs(self, namespace: str, repository: str, digests: list[str]) -> list[str]:
        with self._tx() as db:
            present = {
                r["digest"]
                for r in db.execute(
                    "SELECT digest FROM blob_links WHERE namespace = ? AND repository = ?", (namespace, repository)
                )
            }
            return [d for d in digests if d not in present]

    def _collect(self, db: sqlite3.Connection, digests: list[str], uploads: list[str]) -> None:
        """Remove upload files, and blob files no repository links any more (inside a transaction)."""
        for upload_id in uploads:
            db.execute("DELETE FROM upload_files WHERE id = ?", (upload_id,))
            self.upload_path(upload_id).unlink(missing_ok=True)
        for digest in digests:
            if db.execute("SELECT 1 FROM blob_links WHERE digest = ?", (digest,)).fetchone() is None:
                self.blob_path(digest).unlink(missing_ok=True)

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
        "SELECT * FROM upload_files WHERE id = ? AND namespace = ? AND repository = ?",
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
