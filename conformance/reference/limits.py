"""Bodies the reference registry reads whole are small: read them up to a limit, never past it."""

from __future__ import annotations

from starlette.requests import Request

MANAGE_BODY_MAX = 64 * 1024  # the manage API's bodies are a few hundred bytes
MANIFEST_MAX = 4 * 1024 * 1024  # as distribution limits manifests


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
