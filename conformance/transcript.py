"""Recorded HTTP exchanges, and the one place where secrets are taken out of them.

Everything a run writes about a request (results.json, Allure attachments, terminal, JUnit
messages) is built from `Exchange.redacted()` or `Exchange.curl()`, never from raw httpx objects.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from conformance.contract.credentials import Credentials

REDACTED = "[REDACTED]"
# Headers whose whole value is a credential (`X-Swr-Dockerlogin`: the registry login the manage API hands out).
SECRET_HEADERS = frozenset(
    {"x-auth-token", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-swr-dockerlogin"}
)
_BODY_LIMIT = 4096
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"})
_AS_IS = "\0"  # marks a curl argument that is already shell-quoted
WRONG_TOKEN_PREFIX = "swrc-wrong-"  # a token the suite makes up to be refused: not a secret


# Credentials whatever their value: an SDK signature (its `=` also as JSON `\u003d` or URL `%3D`), a Basic or
# Bearer credential echoed in a body.
_CREDENTIAL_PATTERNS = re.compile(
    r"(Signature(?:=|\\u003d|%3D))[0-9A-Fa-f]{16,}|(\b(?:Basic|Bearer)\s+)[A-Za-z0-9._~+/=\\-]{8,}", re.IGNORECASE
)
#: Where a value is a credential: after one of these keys, in a header list, JSON, a query or a dict's repr.
_CREDENTIAL_KEY = (
    r"(?:x-auth-token|x-swr-dockerlogin|authorization|access_token|token|password|passwd|secret|sk)"
    r"[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer)\s+)?"
)
_SHORT = 8  # a secret shorter than this is redacted only where it stands as a credential (see Redactor.text)
_JAVA_ESCAPES = {"=": "\\u003d", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def _forms(value: str) -> set[str]:
    """A secret as it travels: as is, JSON-escaped (ASCII-only or not; `/` as `\\/` as PHP and Java write
    it; `=` and the like as `\\u003d` as Gson writes it), URL-encoded."""
    escaped = json.dumps(value)[1:-1]
    java = "".join(_JAVA_ESCAPES.get(char, char) for char in escaped)
    return {
        value, escaped, json.dumps(value, ensure_ascii=False)[1:-1], escaped.replace("/", "\\/"), java,
        java.replace("/", "\\/"), quote(value, safe=""), quote_plus(value),
    }  # fmt: skip


@dataclass(slots=True)
class Redactor:
    """Knows the run's secrets; replaces them, and the forms derived from them, wherever they appear."""

    secrets: set[str] = field(default_factory=set, repr=False)

    def add(self, *values: str | None) -> None:
        """A secret and the forms it travels in."""
        for value in values:
            if value:
                self.secrets.update(_forms(value))

    def add_credentials(self, credentials: Credentials) -> None:
        self.add(*credentials.secrets)
        if credentials.registry_username and credentials.registry_password:
            pair = f"{credentials.registry_username}:{credentials.registry_password}"
            self.add(base64.b64encode(pair.encode()).decode(), base64.urlsafe_b64encode(pair.encode()).decode())

    def text(self, value: str) -> str:
        """`value` without the secrets: a long one wherever it appears; a short one (a token `204`) only
        where it stands as a credential's value, so that check ids, statuses and documents stay whole."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= _SHORT:
                value = value.replace(secret, REDACTED)
            else:
                credential = rf"({_CREDENTIAL_KEY}){re.escape(secret)}(?![A-Za-z0-9])"
                value = re.sub(credential, lambda m: m.group(1) + REDACTED, value, flags=re.IGNORECASE)
        return _CREDENTIAL_PATTERNS.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, value)

    def data(self, value: Any) -> Any:
        """A JSON-like document with every string in it redacted: it stays the same document."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {k: REDACTED if k.lower() in SECRET_HEADERS else self.text(v) for k, v in headers}


@dataclass(frozen=True, slots=True)
class Exchange:
    request: httpx.Request
    response: httpx.Response | None
    redactor: Redactor = field(repr=False)
    error: str | None = None  # transport error, when there is no response
    under_test: bool = False  # the DELETE under test (not a setup, cleanup or registry call)

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status_code

    def body_text(self) -> str:
        if self.response is None:
            return ""
        text = self.response.content[:_BODY_LIMIT].decode("utf-8", errors="replace")
        return self.redactor.text(text)

    def redacted(self) -> dict[str, Any]:
        request = {
            "method": self.request.method,
            "url": self.redactor.text(str(self.request.url)),
            "headers": self.redactor.headers(_original_case(self.request.headers)),
            "body": self.redactor.text(self.request.content[:_BODY_LIMIT].decode("utf-8", errors="replace")),
        }
        response = None
        if self.response is not None:
            response = {
                "status": self.response.status_code,
                "headers": self.redactor.headers(_original_case(self.response.headers)),
                "body": self.body_text(),
            }
        return {"request": request, "response": response, "error": self.error}

    def curl(self) -> str:
        """A curl command that reproduces the request; the token is left to `$SWR_TOKEN`, except a
        wrong one the suite made up."""
        parts = ["curl", "-i", "-X", self.request.method]
        signed = False
        for name, value in _original_case(self.request.headers):
            lower = name.lower()
            if lower in _TRANSPORT_HEADERS:
                continue
            if lower == "x-auth-token" and value.startswith(WRONG_TOKEN_PREFIX):
                parts += ["-H", f"{name}: {value}"]  # made up to be refused: the command must send it
            elif lower == "x-auth-token":
                parts += ["-H", _AS_IS + f'"{name}: $SWR_TOKEN"']
            elif lower in SECRET_HEADERS or lower.startswith("x-sdk-"):
                signed = signed or lower == "authorization"  # a signature cannot be replayed
            else:
                parts += ["-H", f"{name}: {self.redactor.text(value)}"]
        if self.request.content:
            parts += ["--data-binary", self.redactor.text(self.request.content.decode("utf-8", errors="replace"))]
        parts.append(self.redactor.text(str(self.request.url)))
        command = " ".join(p.removeprefix(_AS_IS) if p.startswith(_AS_IS) else shlex.quote(p) for p in parts)
        return command + ("  # AK/SK-signed: re-sign it, or send X-Auth-Token instead" if signed else "")

    def summary(self) -> str:
        observed = self.error or f"{self.status} {self.body_text()[:300]}"
        return f"{self.request.method} {self.redactor.text(str(self.request.url))} -> {observed}"


def _original_case(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


def to_json(exchange: Exchange) -> str:
    return json.dumps(exchange.redacted(), ensure_ascii=False, indent=2)
