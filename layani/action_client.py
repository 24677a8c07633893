"""The Rasa server's client for the action server: one kept-alive session, the domain encoded once.

Why: Rasa 3.6 calls a custom action with `EndpointConfig.request`, which opens a new aiohttp
session (a new connector, a new TCP connection to the action server, closed again) for every
call, and serialises the whole request with `json.dumps`, the domain included. Layani's domain
is about 140 KB of JSON (every FAQ answer of every agency pack): 2 ms of the Rasa server's
single event-loop thread per custom action, for a dict that does not change while the model is
loaded. Under load that thread is what bounds throughput (docs/performance.md).

`ActionServerEndpoint` is the action endpoint of `endpoints*.yml` with the same settings
(URL, headers, basic auth, token, CA file) and the same answer to Rasa (parsed JSON, or
`ClientResponseError` for a status >= 400). Two things differ, neither visible to the action
server's code: connections are reused (the session lives as long as the event loop; its
keep-alive of 2 s is shorter than the 5 s after which Rasa SDK's Sanic closes an idle
connection, so a request never goes out on a connection the server is closing), and the
domain's JSON text is kept beside the domain dict it came from and spliced into each request
body (Rasa hands over the same dict object for every call: `Domain.as_dict` returns the
domain's own data). The body is the same JSON object; only the position of the `domain` key
differs.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

# Shorter than Sanic's default KEEP_ALIVE_TIMEOUT (5 s) on the action server: the client drops
# an idle connection before the server would.
KEEP_ALIVE_SECONDS = 2.0
DOMAIN_KEY = "domain"


class DomainEncoder:
    """JSON text of request bodies, with the JSON of the last domain dict reused."""

    def __init__(self) -> None:
        self._domain: dict[str, Any] | None = None  # held, so its id cannot be reused
        self._domain_text = ""

    def encode(self, body: dict[str, Any]) -> str:
        domain = body.get(DOMAIN_KEY)
        if not isinstance(domain, dict):
            return json.dumps(body)
        if domain is not self._domain:
            self._domain, self._domain_text = domain, json.dumps(domain)
        rest = json.dumps({key: value for key, value in body.items() if key != DOMAIN_KEY})
        separator = ", " if rest != "{}" else ""
        return f'{rest[:-1]}{separator}"{DOMAIN_KEY}": {self._domain_text}}}'


class ActionServerEndpoint(EndpointConfig):
    """`EndpointConfig` for the action server: kept-alive connections, domain JSON reused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._encoder = DomainEncoder()
        # One session per event loop: turns run on their own loop (channels/layer/turns.py),
        # Rasa's HTTP API on the server's; a session belongs to the loop that made it.
        self._sessions: weakref.WeakKeyDictionary[Any, aiohttp.ClientSession] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def wrapping(cls, endpoint: EndpointConfig | None) -> ActionServerEndpoint | None:
        """The same endpoint settings in this class (None stays None: no action server)."""
        if endpoint is None or isinstance(endpoint, cls):
            return endpoint
        return cls(
            endpoint.url,
            endpoint.params,
            endpoint.headers,
            endpoint.basic_auth,
            endpoint.token,
            endpoint.token_name,
            endpoint.cafile,
            type=endpoint.type,
            **endpoint.kwargs,
        )

    def _kept_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = self._sessions[loop] = self._new_session()
        return session

    def _new_session(self) -> aiohttp.ClientSession:
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
        )

    async def close(self) -> None:
        """Close the kept sessions (the server's `after_server_stop`): this loop's here, the
        others' on their own loops if those still run."""
        current = asyncio.get_running_loop()
        for loop, session in list(self._sessions.items()):
            if session.closed:
                continue
            if loop is current:
                await session.close()
            elif loop.is_running():
                asyncio.run_coroutine_threadsafe(session.close(), loop)
        self._sessions.clear()

    def session(self) -> _Borrowed:
        """This loop's kept session, lent to Rasa's `EndpointConfig.request` (its `async with`
        would otherwise close the session after every call)."""
        return _Borrowed(self._kept_session())

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        """Rasa's `EndpointConfig.request` (headers, parameters, CA file, errors), with the
        JSON body encoded here and sent on the kept session."""
        if "json" in kwargs:
            kwargs["data"] = self._encoder.encode(kwargs.pop("json")).encode()
        return await super().request(*args, **kwargs)


class _Borrowed:
    """`async with` on a session that must stay open: yields it, closes nothing."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None
