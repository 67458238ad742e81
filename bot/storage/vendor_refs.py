"""References a vendor adapter keeps per owner, because the vendor cannot list them.

Some vendor APIs can show one appointment by id but cannot say which ones a
customer has; the adapter then remembers, per owner (a customer pseudonym),
the ids it created, with whatever small JSON it needs to show them again.
Kept here they survive a restart. Rows are keyed by (vendor, ref_id): an id
belongs to one owner only, which is what lets an adapter refuse to act on
another customer's reference.

Like ``TokenRepo``, this satisfies a protocol of ``bot.vendors`` structurally;
nothing is imported from there, so storage stays at the bottom of the graph.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from ._common import Clock, Row, UtcDatetime, dumps_json, from_db_time, to_db_time, utcnow
from .db import Database

__all__ = ["VendorRef", "VendorRefRepo"]

_SELECT = "SELECT vendor, owner, ref_id, data, created_at FROM vendor_refs"

# A reference added again gets the new data, unless it is another owner's.
_ADD = """
    INSERT INTO vendor_refs (vendor, owner, ref_id, data, created_at)
    VALUES (:vendor, :owner, :ref_id, :data, :now)
    ON CONFLICT (vendor, ref_id) DO UPDATE SET data = excluded.data
    WHERE vendor_refs.owner = excluded.owner
"""
_REMOVE = "DELETE FROM vendor_refs WHERE vendor = :vendor AND ref_id = :ref_id AND owner = :owner"


class VendorRef(Row):
    vendor: str
    owner: str  # whom the vendor knows it by, e.g. a customer pseudonym
    ref_id: str  # the vendor's id, e.g. an appointment id
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime


def _ref(row: Any) -> VendorRef:
    values = dict(row._mapping)
    values["data"] = json.loads(values["data"])
    values["created_at"] = from_db_time(values["created_at"])
    return VendorRef(**values)


class VendorRefRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def add(
        self, vendor: str, owner: str, ref_id: str, data: Mapping[str, Any] | None = None
    ) -> VendorRef:
        """Remember ``ref_id`` for ``owner``; adding it again replaces its data.

        The owner of a reference never changes: adding another owner's id keeps
        the row as it is, and the returned row says whose it is.
        """
        values = {
            "vendor": vendor, "owner": owner, "ref_id": ref_id,
            "data": dumps_json(dict(data or {})), "now": to_db_time(self._clock()),
        }  # fmt: skip
        async with self._db.transaction():
            await self._db.execute(_ADD, values)
            ref = await self.get(vendor, ref_id)
        assert ref is not None  # written in this very transaction
        return ref

    async def remove(self, vendor: str, owner: str, ref_id: str) -> bool:
        """Forget ``ref_id`` if it is ``owner``'s; True when a row went."""
        result = await self._db.execute(
            _REMOVE, {"vendor": vendor, "ref_id": ref_id, "owner": owner}
        )
        return result.rowcount == 1

    async def get(self, vendor: str, ref_id: str) -> VendorRef | None:
        row = await self._db.fetchone(
            f"{_SELECT} WHERE vendor = :vendor AND ref_id = :ref_id",
            {"vendor": vendor, "ref_id": ref_id},
        )
        return None if row is None else _ref(row)

    async def list_for_owner(self, vendor: str, owner: str) -> list[VendorRef]:
        """The owner's references, oldest first."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE vendor = :vendor AND owner = :owner ORDER BY created_at, ref_id",
            {"vendor": vendor, "owner": owner},
        )
        return [_ref(row) for row in rows]

    async def owner_of(self, vendor: str, ref_id: str) -> str | None:
        ref = await self.get(vendor, ref_id)
        return None if ref is None else ref.owner
