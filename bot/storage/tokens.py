"""Vendor API tokens, encrypted at rest.

``TokenRepo`` satisfies the vendors' ``TokenStore`` protocol structurally; nothing is
imported from ``bot.vendors`` so storage stays at the bottom of the dependency graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ._common import Clock, from_db_time, to_db_time, utcnow
from .crypto import SecretBox
from .db import Database

__all__ = ["StoredToken", "TokenRepo"]

_LOAD = """
    SELECT ciphertext, expires_at FROM vendor_tokens
    WHERE vendor = :vendor AND owner = :owner AND kind = :kind
"""
_SAVE = """
    INSERT INTO vendor_tokens (vendor, owner, kind, ciphertext, expires_at, updated_at)
    VALUES (:vendor, :owner, :kind, :ciphertext, :expires_at, :updated_at)
    ON CONFLICT (vendor, owner, kind) DO UPDATE SET
        ciphertext = excluded.ciphertext,
        expires_at = excluded.expires_at,
        updated_at = excluded.updated_at
"""
_DELETE = "DELETE FROM vendor_tokens WHERE vendor = :vendor AND owner = :owner AND kind = :kind"
_DELETE_OWNER = "DELETE FROM vendor_tokens WHERE vendor = :vendor AND owner = :owner"


@dataclass(frozen=True)
class StoredToken:
    value: str = field(repr=False)  # a bearer credential: keep it out of logs and tracebacks
    expires_at: datetime  # aware UTC


class TokenRepo:
    """Tokens keyed by (vendor, owner, kind); owner is a user pseudonym or an org id."""

    def __init__(self, db: Database, box: SecretBox, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._box = box
        self._clock = clock

    async def load(self, vendor: str, owner: str, kind: str = "access") -> StoredToken | None:
        """Return the token, or None if absent. Expired tokens are returned too: the caller
        decides (a refresh token outlives its access token). Raises ``DecryptionError``
        when BOT_SECRET_KEY changed or the row was tampered with."""
        row = await self._db.fetchone(_LOAD, {"vendor": vendor, "owner": owner, "kind": kind})
        if row is None:
            return None
        value = self._box.decrypt(row.ciphertext, context=_context(vendor, owner, kind))
        return StoredToken(value=value, expires_at=from_db_time(row.expires_at))

    async def save(
        self, vendor: str, owner: str, token: StoredToken, kind: str = "access"
    ) -> None:
        ciphertext = self._box.encrypt(token.value, context=_context(vendor, owner, kind))
        await self._db.execute(_SAVE, {
            "vendor": vendor, "owner": owner, "kind": kind, "ciphertext": ciphertext,
            "expires_at": to_db_time(token.expires_at), "updated_at": to_db_time(self._clock()),
        })

    async def delete(self, vendor: str, owner: str, kind: str = "access") -> None:
        await self._db.execute(_DELETE, {"vendor": vendor, "owner": owner, "kind": kind})

    async def delete_owner(self, vendor: str, owner: str) -> int:
        """Forget every kind of token of one owner (logout / account unlink)."""
        result = await self._db.execute(_DELETE_OWNER, {"vendor": vendor, "owner": owner})
        return result.rowcount


def _context(vendor: str, owner: str, kind: str) -> str:
    """``vendor|owner|kind``. Vendor and kind may not contain ``|``, which keeps the
    encoding unambiguous even though the owner may contain anything."""
    if "|" in vendor or "|" in kind:
        raise ValueError(f"vendor and kind must not contain '|': {vendor!r}, {kind!r}")
    return f"{vendor}|{owner}|{kind}"
