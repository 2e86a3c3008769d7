"""SWR error bodies: the shapes seen in the wild, built by the reference registry, read by checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def swr_error(code: str, message: str) -> dict[str, Any]:
    """The current SWR shape: `errors` (legacy entries) plus the `error_code`/`error_msg` the SDK reads."""
    return {
        "errors": [{"errorCode": code, "errorMessage": message, "detail": ""}],
        "error_code": code,
        "error_msg": message,
    }


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    shape: str  # "current" | "legacy" | "gateway"
    code: str
    message: str


def parse_error_body(content_type: str | None, body: bytes) -> ErrorInfo | str:
    """The error information in a response, or a sentence saying why there is none."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        return f"Content-Type is {content_type!r}, not application/json"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "body is not JSON"
    if isinstance(data, dict) and _texts(data, "error_code", "error_msg"):
        shape = "current" if "errors" in data else "gateway"
        return ErrorInfo(shape, data["error_code"], data["error_msg"])
    if isinstance(data, list) and data and isinstance(data[0], dict) and _texts(data[0], "errorCode", "errorMessage"):
        return ErrorInfo("legacy", data[0]["errorCode"], data[0]["errorMessage"])
    return "JSON body is in none of the SWR error shapes (error_code/error_msg, or [{errorCode, errorMessage}])"


def _texts(data: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(data.get(key), str) and data[key] for key in keys)
