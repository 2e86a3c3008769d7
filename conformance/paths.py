"""The URL paths the suite sends, built from names one percent-encoded segment at a time, and read
back from a final request URL so that the guard judges what is really sent.

Paths travel as the standard clients send them (docker, containerd, skopeo): a digest keeps its `:` and a
nested name its `$`, as RFC 3986 allows in a segment. Everything else that is not unreserved is encoded,
so that no name changes which resource a request addresses: `..`, `/`, `?`, `#`, `%`, and the other
sub-delimiters, which servers read as more than characters (servlet containers cut a segment at `;`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from conformance.contract.names import repository_from_path, repository_to_path

MANAGE = "/v2/manage/namespaces"
READS = ("GET", "HEAD", "OPTIONS")  # methods that change nothing
#: OCI tag grammar (distribution spec); a tag a server returns must match it before it is used.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


#: What a segment carries as it is beyond the unreserved characters: what RFC 3986 allows there (`pchar`)
#: and the standard clients send so; the other sub-delimiters (`!&'()*+,;=`) are encoded.
SEGMENT_SAFE = ":@$"


def segment(value: str) -> str:
    """One path segment: percent-encoded but for unreserved characters and `:@$`, dots too when the segment
    is `.` or `..` (which a URL parser would otherwise resolve)."""
    if value == "":
        raise ValueError("an empty path segment addresses a different resource")
    encoded = quote(value, safe=SEGMENT_SAFE)
    return encoded.replace(".", "%2E") if set(encoded) == {"."} else encoded


def namespace_path(namespace: str) -> str:
    return f"{MANAGE}/{segment(namespace)}"


def repository_path(namespace: str, repository: str, *tail: str) -> str:
    """`.../namespaces/{ns}/repos/{repo}[/tail...]`, `/` in the repository sent as `$`."""
    parts = [namespace_path(namespace), "repos", segment(repository_to_path(repository))]
    return "/".join([*parts, *(segment(t) for t in tail)])


def oci_path(namespace: str, repository: str, *tail: str) -> str:
    """`/v2/<namespace>/<repository>/<tail...>`: the OCI name keeps its `/`, each part encoded."""
    name = "/".join(segment(part) for part in [namespace, *repository.split("/")])
    return "/".join([f"/v2/{name}", *(segment(t) for t in tail)])


@dataclass(frozen=True, slots=True)
class Target:
    """What a request would change: a namespace, or a repository (its tags, manifests, blobs)."""

    namespace: str
    repository: str | None = None

    def __str__(self) -> str:
        return self.namespace if self.repository is None else f"{self.namespace}/{self.repository}"


class UnsafePath(ValueError):
    """A changing request whose path the guard cannot read as one of the suite's own operations."""


def changed_by(method: str, raw_path: str) -> Target | None:
    """The resource a request would change, read from its final path; None for one that changes
    nothing (GET, HEAD, and the creating POSTs, which name no existing resource)."""
    if method in READS:
        return None
    raw = raw_path.split("?", 1)[0].split("/")
    if any(part in (".", "..") for part in raw):
        raise UnsafePath(f"{method} {raw_path}: dot segments")
    parts = [unquote(part) for part in raw]
    if parts[:4] == ["", "v2", "manage", "namespaces"]:
        return _manage_target(method, raw_path, parts[4:])
    return _oci_target(method, raw_path, parts)


def _manage_target(method: str, raw_path: str, rest: list[str]) -> Target | None:
    if method == "POST" and (rest == [] or (len(rest) == 2 and rest[1] == "repos")):
        return None  # create namespace / create repository
    if method == "DELETE" and len(rest) == 1:
        return Target(rest[0])
    if method == "DELETE" and len(rest) in (3, 5) and rest[1] == "repos" and (len(rest) == 3 or rest[3] == "tags"):
        return Target(rest[0], repository_from_path(rest[2]))
    raise UnsafePath(f"{method} {raw_path}: not an operation the suite changes anything with")


def _oci_target(method: str, raw_path: str, parts: list[str]) -> Target:
    """`/v2/<ns>/<repo...>/manifests/<ref>`, `/blobs/<digest>` or `/blobs/uploads/[<id>]`."""
    if parts[-3:-1] == ["blobs", "uploads"]:
        name = parts[2:-3]
    elif len(parts) >= 2 and parts[-2] in ("manifests", "blobs"):
        name = parts[2:-2]
    else:
        name = []
    if parts[:2] != ["", "v2"] or len(name) < 2 or "" in name:
        raise UnsafePath(f"{method} {raw_path}: not an operation the suite changes anything with")
    return Target(name[0], "/".join(name[1:]))
