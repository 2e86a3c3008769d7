"""AK/SK request signing, `SDK-HMAC-SHA256`, as huaweicloudsdkcore's `Signer` computes it.

Used on both sides: the suite's client signs with `SdkHmacAuth`, the reference registry checks
signatures with `verify`. Both build the string to sign through `string_to_sign`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

import httpx

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
CONTENT_HASH_HEADER = "X-Sdk-Content-Sha256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(raw_path: str) -> str:
    """Unquote the path, re-quote each segment, always end in `/` (as the SDK does)."""
    uri = "/".join(_encode(segment) for segment in unquote(raw_path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    if not body:
        return _EMPTY_SHA256
    declared = headers.get(CONTENT_HASH_HEADER.lower())
    return declared or hashlib.sha256(body).hexdigest()


def string_to_sign(
    method: str,
    raw_path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
    sdk_date: str,
) -> str:
    """`headers` are keyed by lower-case name."""
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash(body, headers),
        ]
    )
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(sk: str, text: str) -> str:
    return hmac.new(sk.encode(), text.encode(), hashlib.sha256).hexdigest()


class SdkHmacAuth(httpx.Auth):
    """httpx authentication that signs every request with AK/SK like the official SDK."""

    requires_request_body = True

    def __init__(self, ak: str, sk: str, project_id: str | None = None) -> None:
        self._ak = ak
        self._sk = sk
        self._project_id = project_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ak={self._ak!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request, datetime.now(UTC), self._project_id, request.content)
        yield request

    def sign(self, request: httpx.Request, at: datetime, project_id: str | None, signed_body: bytes) -> None:
        request.headers[DATE_HEADER] = at.strftime(DATE_FORMAT)
        if project_id:
            request.headers["X-Project-Id"] = project_id
        headers = {k.lower(): v for k, v in request.headers.items()}
        signed = sorted(name for name in headers if "_" not in name and name not in {"authorization", "content-length"})
        text = string_to_sign(
            request.method,
            request.url.raw_path.split(b"?", 1)[0].decode(),
            request.url.query.decode(),
            headers,
            signed,
            signed_body,
            request.headers[DATE_HEADER],
        )
        request.headers["Authorization"] = (
            f"{ALGORITHM} Access={self._ak}, SignedHeaders={';'.join(signed)}, Signature={signature(self._sk, text)}"
        )


#: Signed requests a server must refuse: each breaks one thing a valid signature binds.
AUTH_PROBES = ("wrong-signature", "other-body", "expired-date", "foreign-project")
_OTHER_BODY = b'{"swr-conformance": "a body other than the one sent"}'


class TamperedSdkHmacAuth(SdkHmacAuth):
    """A signature by the right AK/SK that must still be refused (`probe` is one of AUTH_PROBES)."""

    def __init__(self, ak: str, sk: str, project_id: str | None, probe: str) -> None:
        super().__init__(ak, sk, project_id)
        if probe not in AUTH_PROBES:
            raise ValueError(f"unknown AK/SK probe {probe!r}")
        self._probe = probe

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        at, project, body = datetime.now(UTC), self._project_id, request.content
        if self._probe == "expired-date":
            at -= MAX_CLOCK_SKEW * 2
        elif self._probe == "foreign-project":
            project = "swrcforeignproject" + secrets.token_hex(7)
        elif self._probe == "other-body":
            body = _OTHER_BODY  # the declared hash names the signed body, not the one sent
            request.headers[CONTENT_HASH_HEADER] = hashlib.sha256(body).hexdigest()
        self.sign(request, at, project, body)
        if self._probe == "wrong-signature":
            scheme, _, hex_signature = request.headers["Authorization"].rpartition("Signature=")
            flipped = "".join("0123456789abcdef"[(int(c, 16) + 1) % 16] for c in hex_signature)
            request.headers["Authorization"] = scheme + "Signature=" + flipped
        yield request


@dataclass(frozen=True, slots=True)
class SignedRequest:
    method: str
    raw_path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def parse_authorization(value: str) -> dict[str, str] | None:
    """`SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex` -> its three fields."""
    scheme, _, params = value.partition(" ")
    if scheme != ALGORITHM:
        return None
    fields = dict(part.strip().partition("=")[::2] for part in params.split(","))
    if not {"Access", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    return fields


def verify_headers(headers: Mapping[str, str], secrets: Mapping[str, str], now: datetime | None = None) -> str | None:
    """What can be judged before the body is read: a well-formed header, a known AK, a fresh, signed
    date. None when that much holds; else why not."""
    fields = parse_authorization(headers.get("authorization", ""))
    if fields is None:
        return f"Authorization is not a well-formed {ALGORITHM} header"
    if fields["Access"] not in secrets:
        return "unknown access key"
    sdk_date = headers.get(DATE_HEADER.lower(), "")
    try:
        signed_at = datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return f"missing or malformed {DATE_HEADER} header"
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_CLOCK_SKEW:
        return f"{DATE_HEADER} is outside the allowed clock skew"
    if DATE_HEADER.lower() not in fields["SignedHeaders"].split(";"):
        return f"{DATE_HEADER} is not among the signed headers"
    return None


def verify(request: SignedRequest, secrets: Mapping[str, str], now: datetime | None = None) -> str | None:
    """None when the request carries a valid signature by a known AK; else why it does not."""
    if (denial := verify_headers(request.headers, secrets, now)) is not None:
        return denial
    fields = parse_authorization(request.headers["authorization"])
    assert fields is not None, "verify_headers read it"
    sk, signed_headers = secrets[fields["Access"]], fields["SignedHeaders"].split(";")
    sdk_date = request.headers[DATE_HEADER.lower()]
    declared = request.headers.get(CONTENT_HASH_HEADER.lower())
    if declared is not None and declared != hashlib.sha256(request.body).hexdigest():
        return f"{CONTENT_HASH_HEADER} does not match the body received"
    text = string_to_sign(
        request.method, request.raw_path, request.query, request.headers, signed_headers, request.body, sdk_date
    )
    if not hmac.compare_digest(signature(sk, text).encode(), fields["Signature"].encode("utf-8", "replace")):
        return "signature does not match"
    return None
