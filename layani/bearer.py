"""`Authorization: Bearer <secret>` checks for every internal route, in one place.

Why one module: the admin API, the outbound API, the gateway's turn route, the REST channel
and the action server each have their own secret, and each must compare it the same way: in
a header (query strings end up in access logs), in constant time, and refusing everyone when
the secret is unset, so a forgotten variable never opens a route.
"""

from __future__ import annotations

import hmac
from typing import Any


def bearer_token(request: Any) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None (no query strings)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return header[7:].strip()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison; an empty `expected` matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def check_bearer(request: Any, expected: str) -> Any:
    """None when the request carries `Bearer <expected>`, else the Sanic response to send:
    503 when `expected` is unset (fail closed), 401 without a token, 403 with a wrong one."""
    from sanic import response

    if not expected:
        return response.json({"error": "not configured on this server"}, status=503)
    given = bearer_token(request)
    if given is None:
        return response.json({"error": "missing bearer token"}, status=401)
    if not same_secret(given, expected):
        return response.json({"error": "invalid token"}, status=403)
    return None
