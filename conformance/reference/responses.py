"""Responses of the reference registry: SWR error bodies on the manage API, OCI errors on the registry API."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from conformance.contract.error_body import swr_error

# SWR error codes the reference registry answers with (facts sheet).
INVALID_PARAMETER = "SVCSTG.SWR.4000014"
INVALID_NAMESPACE = "SVCSTG.SWR.4001028"
INVALID_REPOSITORY = "SVCSTG.SWR.4001029"
UNAUTHENTICATED = "SVCSTG.SWR.4010000"
REPOSITORY_NOT_FOUND = "SVCSTG.SWR.4040009"
NAMESPACE_NOT_FOUND = "SVCSTG.SWR.4040058"
TAG_NOT_FOUND = "SVCSTG.SWR.4040010"
NOT_EMPTY = "SVCSTG.SWR.4060012"
NAMESPACE_NOT_EMPTY = "SVCSTG.SWR.4060013"
EXISTS = "SVCSTG.SWR.4090001"
INTERNAL_ERROR = "SVCSTG.SWR.5000005"
ROUTE_NOT_FOUND = "APIGW.0101"
METHOD_NOT_ALLOWED = "APIGW.0102"


def swr_error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(swr_error(code, message), status_code=status, headers=headers)


def oci_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"errors": [{"code": code, "message": message, "detail": {}}]}, status, headers)


def json_ok(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)
