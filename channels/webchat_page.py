"""The web chat page at GET /chat and its assets at /chat/static/<file>.

Why so small: citizens open this on low-end phones over slow mobile data. No framework; the
page, its script and the vendored socket.io client (MIT, from npm socket.io-client 4.x) are
served gzip-compressed from memory, about 20 KB in total. Accessibility: a labelled input,
`role=log` with `aria-live` so screen readers announce replies, real <button>s for choices,
48 px tap targets and visible focus.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Same-origin only: the page talks to this server's socket.io endpoint and nothing else.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _load() -> dict[str, tuple[bytes, bytes, str, str]]:
    assets = {}
    for path in STATIC_DIR.iterdir():
        if path.suffix in TYPES:
            raw = path.read_bytes()
            etag = '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'
            assets[path.name] = (raw, gzip.compress(raw, 9, mtime=0), TYPES[path.suffix], etag)
    return assets


def _serve(request: Request, asset: tuple[bytes, bytes, str, str], cache: str) -> HTTPResponse:
    raw, zipped, content_type, etag = asset
    headers = {
        "Cache-Control": cache,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CSP,
        "Referrer-Policy": "no-referrer",
    }
    if request.headers.get("if-none-match") == etag:
        return response.empty(status=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return response.raw(zipped, content_type=content_type, headers=headers)
    return response.raw(raw, content_type=content_type, headers=headers)


def blueprint() -> Blueprint:
    assets = _load()
    bp = Blueprint("layani_webchat_page")

    @bp.get("/chat")
    async def chat_page(request: Request) -> HTTPResponse:
        return _serve(request, assets["chat.html"], "no-cache")

    @bp.get("/chat/static/<name>")
    async def chat_asset(request: Request, name: str) -> HTTPResponse:
        asset = assets.get(name)
        if asset is None or name == "chat.html":
            return response.text("Not found", status=404)
        return _serve(request, asset, "public, max-age=3600")

    return bp
