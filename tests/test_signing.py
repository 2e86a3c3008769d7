"""AK/SK signing agrees with the official SDK's Signer, and verification rejects what it must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from conformance.contract import signing

PATH = "/v2/manage/namespaces/ns/repos/group%24app"


def _sdk_signed(query: list[tuple[str, str]], body: str = "") -> SdkRequest:
    request = SdkRequest(
        method="DELETE",
        schema="http",
        host="127.0.0.1:8080",
        resource_path=PATH,
        query_params=query,
        header_params={"Content-Type": "application/json", "X-Project-Id": "p1"},
        body=body,
    )
    return Signer(BasicCredentials("AK1", "SK1")).sign(request)


def _as_signed_request(request: SdkRequest, body: bytes = b"", path: str = PATH) -> signing.SignedRequest:
    query = request.uri.partition("?")[2]
    headers = {k.lower(): v for k, v in request.header_params.items()}
    return signing.SignedRequest("DELETE", path, query, headers, body)


def test_sdk_signatures_verify() -> None:
    request = _sdk_signed([("b", "2"), ("a", "x y")])
    assert signing.verify(_as_signed_request(request), {"AK1": "SK1"}) is None


def test_sdk_signature_over_a_body_verifies() -> None:
    request = _sdk_signed([], body='{"namespace": "x"}')
    assert signing.verify(_as_signed_request(request, b'{"namespace": "x"}'), {"AK1": "SK1"}) is None


@pytest.mark.parametrize(
    ("secrets", "path", "reason"),
    [
        ({"AK1": "wrong"}, PATH, "signature does not match"),
        ({"AK2": "SK1"}, PATH, "unknown access key"),
        ({"AK1": "SK1"}, PATH.replace("group", "other"), "signature does not match"),
    ],
)
def test_tampering_is_rejected(secrets: dict[str, str], path: str, reason: str) -> None:
    request = _sdk_signed([])
    assert signing.verify(_as_signed_request(request, path=path), secrets) == reason


def test_old_signatures_are_rejected() -> None:
    request = _sdk_signed([])
    later = datetime.now(UTC) + signing.MAX_CLOCK_SKEW + timedelta(minutes=1)
    assert signing.verify(_as_signed_request(request), {"AK1": "SK1"}, now=later) == (
        "X-Sdk-Date is outside the allowed clock skew"
    )


def test_our_signature_equals_the_sdks_for_the_same_request() -> None:
    auth = signing.SdkHmacAuth("AK1", "SK1", project_id="p1")
    ours = httpx.Request(
        "DELETE", "http://127.0.0.1:8080" + PATH + "?b=2", headers={"Content-Type": "application/json"}
    )
    next(auth.auth_flow(ours))
    theirs = SdkRequest(
        method="DELETE",
        schema="http",
        host="127.0.0.1:8080",
        resource_path=PATH,
        query_params=[("b", "2")],
        header_params={
            "Content-Type": "application/json",
            "X-Project-Id": "p1",
            "X-Sdk-Date": ours.headers["X-Sdk-Date"],
        },
        body="",
    )
    Signer(BasicCredentials("AK1", "SK1")).sign(theirs)
    assert ours.headers["Authorization"] == theirs.header_params["Authorization"]
