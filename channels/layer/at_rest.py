"""Sealing what the channel layer keeps on disk or in Redis (dead letters, the gateway journal).

Why: those records hold what citizens wrote (a NIK, a KK number, a phone number in a complaint)
and the sender's phone number, and they outlive the request by hours or days. The whole record
is encrypted with the personal-data key (`layani/pii_key.py`: LAYANI_PII_KEY, or the embedded
profile's generated var/pii.key) so a copied file or a Redis dump reveals nothing; what stays in
clear for operators is masked (`layani.pii.mask_text`) or carries no identity.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet

from layani import pii_key
from layani import settings as layani_settings
from layani.paths import VAR_DIR
from layani.pii import mask_text

logger = logging.getLogger(__name__)
MissingKey = pii_key.MissingKey
_ciphers: dict[tuple[str, str], MultiFernet] = {}
_secrets: dict[str, bytes] = {}


class Unreadable(Exception):
    """A sealed record that no configured key opens (wrong or rotated-out key, or damaged)."""


def cipher() -> MultiFernet:
    """The personal-data cipher: LAYANI_PII_KEY, else the generated var/pii.key.

    Unlike the database store, the channel layer also falls back to the generated key outside
    the embedded profile (with a warning): what it seals is read back only by the same host or
    replica (its journal, its dead-letter file), and sealing with a local key is better than
    keeping clear text or refusing to answer providers. MissingKey when the configured key is
    not a Fernet key or var/ cannot be written. Cached per configured key."""
    s = layani_settings.load()
    raw = s.pii_encryption_key.strip()
    cache_key = (raw, str(VAR_DIR))
    found = _ciphers.get(cache_key)
    if found is None:
        if not raw and not s.database_url.startswith("sqlite"):
            logger.warning(
                "LAYANI_PII_KEY is not set: the channel layer seals its journal and dead letters "
                "with %s/%s, readable on this host only; set LAYANI_PII_KEY",
                VAR_DIR,
                pii_key.KEY_FILE_NAME,
            )
        try:
            found = pii_key.cipher(raw, VAR_DIR)
        except OSError as exc:
            raise MissingKey(f"cannot create {VAR_DIR}/{pii_key.KEY_FILE_NAME}: {exc}") from exc
        _ciphers[cache_key] = found
    return found


def name_digest(name: str) -> str:
    """A stable, keyed stand-in for a key name that contains a phone number (Redis key names
    are visible to anyone who can run KEYS): HMAC-SHA256 with a secret derived from the first
    personal-data key. Rotating that key changes every digest, so TTL'd state (SMS menus, the
    WhatsApp window) is forgotten once; that is the price of not keeping numbers in clear."""
    secret = _name_secret()
    return hmac.new(secret, name.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def _name_secret() -> bytes:
    s = layani_settings.load()
    raw = s.pii_encryption_key.strip()
    found = _secrets.get(raw)
    if found is None:
        try:
            first = (raw or pii_key.generated_key(VAR_DIR)).split(",")[0].strip()
        except OSError as exc:
            raise MissingKey(f"cannot create {VAR_DIR}/{pii_key.KEY_FILE_NAME}: {exc}") from exc
        found = _secrets[raw] = hashlib.sha256(b"layani-key-names\0" + first.encode()).digest()
    return found


def seal(value: Any) -> str:
    """`value` (anything JSON can hold) as one encrypted, authenticated token."""
    raw = json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    return cipher().encrypt(raw).decode("ascii")


def unseal(token: str) -> Any:
    try:
        return json.loads(cipher().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise Unreadable("sealed record does not open with the configured key(s)") from exc


def masked(value: Any, limit: int = 300) -> str:
    """Free text as it may stay in clear: NIK, KK and phone numbers masked, length bounded."""
    return mask_text(str(value if value is not None else ""))[:limit]
