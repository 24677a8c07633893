"""Thin client for the two Rasa-server APIs the console uses.

- Rasa's HTTP API (`--enable-api`, Bearer LAYANI_API_TOKEN): read a conversation's tracker, append
  events (the handoff slot) to it.
- Layani's outbound API (`POST /layani/outbound`, Bearer LAYANI_OUTBOUND_TOKEN): send an
  officer's message through the citizen's own channel; the server records it in the tracker as
  a bot message with `metadata.staff`, so the transcript shows who wrote it.

One `aiohttp.ClientSession` per console process; errors become `RasaUnavailable` so views can
show "try again" instead of a 500.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from layani.pii import mask_text

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """The Rasa server did not answer, or answered with an error (message says which)."""


class RasaClient:
    def __init__(
        self, base_url: str, api_token: str, outbound_token: str, timeout: float = 15.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Two secrets: Rasa's admin API (read trackers, append events) and the outbound API.
        self._api_headers = {"Authorization": f"Bearer {api_token}"}
        self._outbound_headers = {"Authorization": f"Bearer {outbound_token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _conversation_url(self, sender_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{suffix}"

    async def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        http = await self._http()
        try:
            async with http.request(method, url, **kwargs) as response:
                body = await response.text()
                if response.status >= 300:
                    raise RasaUnavailable(f"HTTP {response.status}: {mask_text(body[:200])}")
                return await response.json(content_type=None) if body else None
        except aiohttp.ClientError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except asyncio.TimeoutError as exc:  # not the builtin TimeoutError before 3.11
            raise RasaUnavailable("timeout") from exc

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation with every event (the console shows the whole history)."""
        return await self._request(
            "GET",
            self._conversation_url(sender_id, "tracker"),
            params={"include_events": "ALL"},
            headers=self._api_headers,
        )

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        await self._request(
            "POST",
            self._conversation_url(sender_id, "tracker/events"),
            params={"include_events": "NONE"},
            headers=self._api_headers,
            json=events,
        )

    async def set_slots(self, sender_id: str, values: dict[str, Any]) -> None:
        await self.append_events(
            sender_id, [{"event": "slot", "name": k, "value": v} for k, v in values.items()]
        )

    async def send(self, sender_id: str, text: str, staff: str | None = None) -> bool:
        """Send `text` to the citizen through their channel (recorded in the tracker).

        Returns False when the message was recorded but the channel cannot push (REST).
        """
        payload: dict[str, Any] = {"sender_id": sender_id, "text": text}
        if staff:
            payload["staff"] = staff
        answer = await self._request(
            "POST",
            f"{self.base_url}/layani/outbound",
            json=payload,
            headers=self._outbound_headers,
        )
        return bool((answer or {}).get("delivered", True))
