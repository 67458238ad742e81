"""Pending OAuth authorisations: the ``state`` parameter and its PKCE verifier.

A state is single use and short-lived, which is what defeats CSRF and replay of the
redirect. The verifier is encrypted: with it and an intercepted code an attacker could
complete the login.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ._common import Clock, Row, UtcDatetime, from_db_time, to_db_time, utcnow
from .crypto import SecretBox
from .db import Database

__all__ = ["OAuthState", "OAuthStateRepo"]

_CREATE = """
    INSERT INTO oauth_states (state, telegram_id, vendor, code_verifier, expires_at, created_at)
    VALUES (:state, :telegram_id, :vendor, :code_verifier, :expires_at, :created_at)
"""
_GET = """
    SELECT state, telegram_id, vendor, code_verifier, expires_at, created_at
    FROM oauth_states WHERE state = :state
"""
_DELETE = "DELETE FROM oauth_states WHERE state = :state"
_PRUNE = "DELETE FROM oauth_states WHERE expires_at <= :now"


class OAuthState(Row):
    state: str
    telegram_id: int
    vendor: str
    code_verifier: str = Field(repr=False)
    expires_at: UtcDatetime
    created_at: UtcDatetime


class OAuthStateRepo:
    def __init__(self, db: Database, box: SecretBox, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._box = box
        self._clock = clock

    async def create(
        self,
        state: str,
        telegram_id: int,
        vendor: str,
        code_verifier: str,
        expires_at: datetime,
    ) -> OAuthState:
        """Store a new state; a duplicate ``state`` raises (it must be random)."""
        created = self._clock()
        await self._db.execute(_CREATE, {
            "state": state,
            "telegram_id": telegram_id,
            "vendor": vendor,
            "code_verifier": self._box.encrypt(code_verifier, context=_context(state)),
            "expires_at": to_db_time(expires_at),
            "created_at": to_db_time(created),
        })
        return OAuthState(
            state=state,
            telegram_id=telegram_id,
            vendor=vendor,
            code_verifier=code_verifier,
            expires_at=expires_at,
            created_at=created,
        )

    async def consume(self, state: str, now: datetime) -> OAuthState | None:
        """Return and delete the state. None if unknown, already used, or expired (an
        expired one is deleted too). Two concurrent callers cannot both get it."""
        async with self._db.transaction():
            row = await self._db.fetchone(_GET, {"state": state})
            if row is None:
                return None
            await self._db.execute(_DELETE, {"state": state})
        expires_at = from_db_time(row.expires_at)
        if expires_at <= now:
            return None
        return OAuthState(
            state=row.state,
            telegram_id=row.telegram_id,
            vendor=row.vendor,
            code_verifier=self._box.decrypt(row.code_verifier, context=_context(state)),
            expires_at=expires_at,
            created_at=from_db_time(row.created_at),
        )

    async def prune_expired(self, now: datetime) -> int:
        """Delete abandoned logins; returns how many."""
        result = await self._db.execute(_PRUNE, {"now": to_db_time(now)})
        return result.rowcount


def _context(state: str) -> str:
    return f"oauth_state|{state}"
