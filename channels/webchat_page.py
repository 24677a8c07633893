"""The web chat page at GET /chat and its assets at /chat/static/<file>.

Why so small: citizens open this on low-end phones over slow mobile data. No framework; the
page, its script and the vendored socket.io client (MIT, from npm socket.io-client 4.x) are
served gzip-compressed from memory, about 20 KB in total. Accessibility: a labelled input,
`role=log` with `aria-live` so screen readers announce replies, real <button>s for choices,
48 px tap targets and visible focus.

Framing: only this server and the sites in LAYANI_ALLOWED_ORIGINS (the sites allowed to embed
the web chat) may show the page in a frame (`frame-ancestors`); any other site framing it could
dress it up or overlay it (clickjacking).
"""

from __future__ import annotations

import gzip
import hashlib
import re
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
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def csp_for(allowed_origins: tuple[str, ...]) -> str:
    """CSP with the allowed embedding sites added to `frame-ancestors` (well-formed ones only)."""
    extra = [o.rstrip("/") for o in allowed_origins if _ORIGIN.match(o.rstrip("/"))]
    if not extra:
        return CSP
    return CSP.replace("frame-ancestors 'self'", "frame-ancestors 'self' " + " ".join(extra))


def _load() -> dict[str, tuple[bytes, bytes, str, str]]:
    assets = {}
    for path in STATIC_DIR.iterdir():
        if path.suffix in TYPES:
            raw = path.read_bytes()
            etag = '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'
            assets[path.name] = (raw, gzip.compress(raw, 9, mtime=0), TYPES[path.suffix], etag)
    return assets


def _serve(
    request: Request, asset: tuple[bytes, bytes, str, str], cache: str, csp: str = CSP
) -> HTTPResponse:
    raw, zipped, content_type, etag = asset
    headers = {
        "Cache-Control": cache,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
    }
    if request.headers.get("if-none-match") == etag:
        return response.empty(status=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return response.raw(zipped, content_type=content_type, headers=headers)
    return response.raw(raw, content_type=content_type, headers=headers)


def blueprint() -> Blueprint:
    from channels.socketio import allowed_origins

    assets = _load()
    csp = csp_for(allowed_origins())
    bp = Blueprint("layani_webchat_page")

    @bp.get("/chat")
    async def chat_page(request: Request) -> HTTPResponse:
        return _serve(request, assets["chat.html"], "no-cache", csp)

    @bp.get("/chat/static/<name>")
    async def chat_asset(request: Request, name: str) -> HTTPResponse:
        asset = assets.get(name)
        if asset is None or name == "chat.html":
            return response.text("Not found", status=404)
        return _serve(request, asset, "public, max-age=3600")

    @bp.get("/transparansi")
    async def transparency(request: Request) -> HTTPResponse:
        # The page lives in the console process. Behind the gateway (deploy/nginx.conf) the
        # citizen site proxies /transparansi there; run directly (embedded), send the
        # citizen to the console port on the same host.
        from layani import settings

        host = (request.host or "").rsplit(":", 1)[0]
        if not re.fullmatch(r"[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]", host):
            host = "localhost"
        return response.redirect(f"http://{host}:{settings.load().console_port}/transparansi")

    return bp
