"""Webhook / push subscriptions registered at vendors, so they can be renewed in time.

The shared ``secret`` verifies inbound webhook calls; it is encrypted like tokens because a
leaked one lets anybody forge vendor events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from ._common import (
    Clock,
    Row,
    UtcDatetime,
    from_db_time,
    opt_from_db_time,
    opt_to_db_time,
    to_db_time,
    utcnow,
)
from .crypto import SecretBox
from .db import Database
from .errors import StorageError

__all__ = ["Subscription", "SubscriptionRepo"]

_COLUMNS = "vendor, scope, external_id, url, secret, expires_at, created_at, updated_at"
_UPSERT = f"""
    INSERT INTO subscriptions ({_COLUMNS})
    VALUES (:vendor, :scope, :external_id, :url, :secret, :expires_at, :created_at, :updated_at)
    ON CONFLICT (vendor, scope) DO UPDATE SET
        external_id = excluded.external_id, url = excluded.url, secret = excluded.secret,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at
"""


class Subscription(Row):
    vendor: str
    scope: str  # what is subscribed to at the vendor, e.g. a service point id
    external_id: str  # the vendor's id of the subscription
    url: str  # our callback URL as registered
    secret: str = Field(repr=False)
    expires_at: UtcDatetime | None  # None: the vendor does not expire it
    created_at: UtcDatetime
    updated_at: UtcDatetime


class SubscriptionRepo:
    """One subscription per (vendor, scope); registering again replaces it."""

    def __init__(self, db: Database, box: SecretBox, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._box = box
        self._clock = clock

    async def upsert(
        self,
        vendor: str,
        scope: str,
        *,
        external_id: str,
        url: str,
        secret: str,
        expires_at: datetime | None,
    ) -> Subscription:
        now = to_db_time(self._clock())
        params = {
            "vendor": vendor,
            "scope": scope,
            "external_id": external_id,
            "url": url,
            "secret": self._box.encrypt(secret, context=_context(vendor, scope)),
            "expires_at": opt_to_db_time(expires_at),
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.transaction():
            await self._db.execute(_UPSERT, params)
            subscription = await self.get(vendor, scope)
        if subscription is None:  # pragma: no cover - written in the same transaction
            raise StorageError("subscription vanished inside its own transaction")
        return subscription

    async def get(self, vendor: str, scope: str) -> Subscription | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE vendor = :vendor AND scope = :scope",
            {"vendor": vendor, "scope": scope},
        )
        return None if row is None else self._subscription(row)

    async def get_by_external(self, vendor: str, external_id: str) -> Subscription | None:
        """Look up by the vendor's subscription id, as found in an inbound webhook."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM subscriptions"
            " WHERE vendor = :vendor AND external_id = :external_id LIMIT 1",
            {"vendor": vendor, "external_id": external_id},
        )
        return None if row is None else self._subscription(row)

    async def list_expiring(self, before: datetime) -> list[Subscription]:
        """Subscriptions expiring before ``before`` (already expired ones included)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM subscriptions"
            " WHERE expires_at IS NOT NULL AND expires_at < :before ORDER BY expires_at",
            {"before": to_db_time(before)},
        )
        return [self._subscription(row) for row in rows]

    async def delete(self, vendor: str, scope: str) -> bool:
        result = await self._db.execute(
            "DELETE FROM subscriptions WHERE vendor = :vendor AND scope = :scope",
            {"vendor": vendor, "scope": scope},
        )
        return result.rowcount == 1

    def _subscription(self, row: Any) -> Subscription:
        return Subscription(
            vendor=row.vendor,
            scope=row.scope,
            external_id=row.external_id,
            url=row.url,
            secret=self._box.decrypt(row.secret, context=_context(row.vendor, row.scope)),
            expires_at=opt_from_db_time(row.expires_at),
            created_at=from_db_time(row.created_at),
            updated_at=from_db_time(row.updated_at),
        )


def _context(vendor: str, scope: str) -> str:
    # Unambiguous as long as the vendor name (an identifier) has no '|'.
    if "|" in vendor:
        raise ValueError(f"vendor must not contain '|': {vendor!r}")
    return f"subscription|{vendor}|{scope}"
