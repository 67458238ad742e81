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

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy import delete, select

from ._common import Clock, Row, UtcDatetime, dumps_json, from_db_time, to_db_time, utcnow
from .db import Database
from .schema import vendor_refs as t

__all__ = ["VendorRef", "VendorRefRepo"]


class VendorRef(Row):
    vendor: str
    owner: str  # whom the vendor knows it by, e.g. a customer pseudonym
    ref_id: str  # the vendor's id, e.g. an appointment id
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime


def _ref(row: sa.Row[Any]) -> VendorRef:
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
        insert = self._db.insert(t).values(
            vendor=vendor, owner=owner, ref_id=ref_id, data=dumps_json(dict(data or {})),
            created_at=to_db_time(self._clock()),
        )  # fmt: skip
        async with self._db.transaction():
            await self._db.execute(
                insert.on_conflict_do_update(
                    index_elements=["vendor", "ref_id"],
                    set_={"data": insert.excluded.data},
                    where=t.c.owner == insert.excluded.owner,
                )
            )
            ref = await self.get(vendor, ref_id)
        assert ref is not None  # written in this very transaction
        return ref

    async def remove(self, vendor: str, owner: str, ref_id: str) -> bool:
        """Forget ``ref_id`` if it is ``owner``'s; True when a row went."""
        result = await self._db.execute(
            delete(t).where(t.c.vendor == vendor, t.c.ref_id == ref_id, t.c.owner == owner)
        )
        return result.rowcount == 1

    async def get(self, vendor: str, ref_id: str) -> VendorRef | None:
        row = await self._db.fetchone(
            select(t).where(t.c.vendor == vendor, t.c.ref_id == ref_id)
        )
        return None if row is None else _ref(row)

    async def list_for_owner(self, vendor: str, owner: str) -> list[VendorRef]:
        """The owner's references, oldest first."""
        rows = await self._db.fetchall(
            select(t)
            .where(t.c.vendor == vendor, t.c.owner == owner)
            .order_by(t.c.created_at, t.c.ref_id)
        )
        return [_ref(row) for row in rows]

    async def owner_of(self, vendor: str, ref_id: str) -> str | None:
        ref = await self.get(vendor, ref_id)
        return None if ref is None else ref.owner
