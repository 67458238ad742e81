"""Queue joins claimed before the vendor is called (see the v4 migration for why).

The request is stored encrypted (it carries the person's name, phone or e-mail), bound
to its claim key, and read back whole so a join found again after a crash is stored
with what was asked. :meth:`JoinClaimRepo.settle` runs in the transaction that stores
the ticket, so a claim and its ticket never both exist, and never neither after the
vendor answered.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field

from ._common import Clock, Row, UtcDatetime, dumps_json, from_db_time, to_db_time, utcnow
from .crypto import SecretBox
from .db import Database

__all__ = ["JoinClaim", "JoinClaimRepo"]

_INSERT = """
    INSERT INTO join_claims (claim_key, vendor, owner, site_id, site_name, request, created_at)
    VALUES (:claim_key, :vendor, :owner, :site_id, :site_name, :request, :created_at)
"""
_SELECT = ("SELECT claim_key, vendor, owner, site_id, site_name, request, created_at"
           " FROM join_claims")


class JoinClaim(Row):
    claim_key: str
    vendor: str
    owner: int  # telegram id
    site_id: str
    site_name: str
    request: dict[str, Any] = Field(default_factory=dict, repr=False)
    created_at: UtcDatetime


def _context(key: str) -> str:
    return f"join_claims:{key}"


class JoinClaimRepo:
    def __init__(self, db: Database, box: SecretBox, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._box = box
        self._clock = clock

    async def claim(
        self, key: str, *, vendor: str, owner: int, site_id: str, site_name: str,
        request: dict[str, Any],
    ) -> JoinClaim:
        """Write the claim; a duplicate ``key`` raises (keys are random)."""
        created = self._clock()
        await self._db.execute(_INSERT, {
            "claim_key": key, "vendor": vendor, "owner": owner, "site_id": site_id,
            "site_name": site_name,
            "request": self._box.encrypt(dumps_json(request), context=_context(key)),
            "created_at": to_db_time(created),
        })  # fmt: skip
        return JoinClaim(claim_key=key, vendor=vendor, owner=owner, site_id=site_id,
                         site_name=site_name, request=request, created_at=created)

    async def pending(self, owner: int, vendor: str, site_id: str) -> JoinClaim | None:
        """The owner's unsettled join at that store, if a crash left one."""
        found = await self._many("owner = :owner AND vendor = :vendor AND site_id = :site_id",
                                 {"owner": owner, "vendor": vendor, "site_id": site_id})
        return found[0] if found else None

    async def get(self, key: str) -> JoinClaim | None:
        found = await self._many("claim_key = :key", {"key": key})
        return found[0] if found else None

    async def list_before(self, created_before: datetime) -> list[JoinClaim]:
        return await self._many("created_at < :before", {"before": to_db_time(created_before)})

    async def settle(self, key: str) -> bool:
        """Remove the claim (its ticket is stored, or nothing was registered)."""
        result = await self._db.execute(
            "DELETE FROM join_claims WHERE claim_key = :key", {"key": key})
        return result.rowcount == 1

    async def delete_for_owner(self, owner: int) -> int:
        result = await self._db.execute(
            "DELETE FROM join_claims WHERE owner = :owner", {"owner": owner})
        return result.rowcount

    async def _many(self, where: str, params: dict[str, Any]) -> list[JoinClaim]:
        """Claims matching ``where`` (a fixed condition of this module), oldest first."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE {where} ORDER BY created_at", params)
        return [self._claim(row) for row in rows]

    def _claim(self, row: Any) -> JoinClaim:
        data = dict(row._mapping)
        data["request"] = json.loads(self._box.decrypt(data["request"], context=_context(data["claim_key"])))
        data["created_at"] = from_db_time(data["created_at"])
        return JoinClaim(**data)
