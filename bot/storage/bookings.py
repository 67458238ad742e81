"""Bookings made through the bot or found at a vendor during reconciliation.

Submitting a booking is a two-step, crash-safe protocol:

1. ``claim(key, draft)`` commits a ``pending`` row *before* calling the vendor. The key is
   derived by the caller from the user's intent (e.g. a hash of owner + slot), so a
   retried button press or a re-delivered update finds the existing row instead of
   booking twice.
2. After the vendor answered, ``confirm`` or ``fail``. A crash in between leaves a
   ``pending`` row that reconciliation (``list_pending`` + the vendor's list) resolves.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from ._common import (
    Clock,
    Row,
    UtcDatetime,
    dumps_json,
    from_db_time,
    opt_from_db_time,
    opt_to_db_time,
    to_db_time,
    utcnow,
)
from .db import Database
from .errors import IdempotencyConflictError, NotFoundError, StorageError

__all__ = ["BookingDraftRecord", "BookingRecord", "BookingRepo", "BookingState"]

BookingState = Literal["pending", "confirmed", "cancelled", "failed"]

_COLUMNS = (
    "id, vendor, external_id, owner, site_id, site_name, service_id, service_name, label,"
    " start_utc, end_utc, timezone, state, price, details, idempotency_key,"
    " created_at, updated_at"
)
# Reconciliation: new value per column. The vendor is authoritative, but an empty value
# from it means "unknown" and keeps ours. Compared first, to skip no-op rewrites.
_RECONCILE = {
    **{c: f"excluded.{c}" for c in ("site_id", "start_utc", "timezone", "state")},
    **{
        c: f"COALESCE(NULLIF(excluded.{c}, ''), bookings.{c})"
        for c in ("site_name", "service_id", "service_name", "label", "end_utc", "price")
    },
    "details": "json_patch(bookings.details, excluded.details)",
}
_RECONCILE_SET = ", ".join(f"{c} = {expr}" for c, expr in _RECONCILE.items())
_RECONCILE_CHANGED = " OR ".join(f"bookings.{c} IS NOT {expr}" for c, expr in _RECONCILE.items())


class BookingDraftRecord(Row):
    """What the user asked for, before the vendor has assigned an id."""

    vendor: str
    owner: int  # telegram id
    site_id: str
    site_name: str
    service_id: str
    service_name: str
    start_utc: UtcDatetime
    end_utc: UtcDatetime | None = None
    timezone: str  # IANA name of the site's zone, for display
    label: str | None = None
    price: str | None = None  # opaque text from the caller (e.g. serialised money)
    details: dict[str, Any] = Field(default_factory=dict)  # JSON-serialisable extras

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class BookingRecord(BookingDraftRecord):
    id: int
    external_id: str | None
    state: BookingState
    idempotency_key: str | None  # None for bookings discovered at the vendor
    created_at: UtcDatetime
    updated_at: UtcDatetime


def _booking(row: sqlite3.Row) -> BookingRecord:
    data = dict(row)
    data["details"] = json.loads(data["details"])
    for name in ("start_utc", "created_at", "updated_at"):
        data[name] = from_db_time(data[name])
    data["end_utc"] = opt_from_db_time(data["end_utc"])
    return BookingRecord(**data)


class BookingRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def get(self, booking_id: int) -> BookingRecord | None:
        return await self._one("id = ?", booking_id)

    async def get_by_key(self, idempotency_key: str) -> BookingRecord | None:
        return await self._one("idempotency_key = ?", idempotency_key)

    async def get_by_external(self, vendor: str, external_id: str) -> BookingRecord | None:
        return await self._one("vendor = ? AND external_id = ?", vendor, external_id)

    async def claim(
        self, idempotency_key: str, draft: BookingDraftRecord
    ) -> tuple[BookingRecord, bool]:
        """Insert a ``pending`` row, or return the row already claimed under this key.

        ``created`` is True for exactly one caller per key, however many race.
        """
        now = to_db_time(self._clock())
        async with self._db.transaction():
            result = await self._db.execute(
                "INSERT INTO bookings (vendor, owner, site_id, site_name, service_id,"
                " service_name, label, start_utc, end_utc, timezone, state, price, details,"
                " idempotency_key, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                (*_draft_values(draft), idempotency_key, now, now),
            )
            booking = await self._one("idempotency_key = ?", idempotency_key)
        booking = _written(booking)
        created = result.rowcount == 1
        if not created and (booking.owner, booking.vendor) != (draft.owner, draft.vendor):
            raise IdempotencyConflictError(
                f"idempotency key {idempotency_key!r} belongs to another owner or vendor"
            )
        return booking, created

    async def confirm(
        self,
        idempotency_key: str,
        *,
        external_id: str,
        label: str | None,
        start_utc: datetime,
        end_utc: datetime | None = None,
        price: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> BookingRecord:
        """Record the vendor's acceptance. Idempotent; also rescues a row marked ``failed``
        after a timeout when the vendor did book. ``details`` is merged (JSON merge patch).

        If reconciliation already stored this vendor booking as a separate, key-less row,
        that duplicate is folded into the claimed one.
        """
        async with self._db.transaction():
            current = await self.get_by_key(idempotency_key)
            if current is None:
                raise NotFoundError(f"no booking claimed under {idempotency_key!r}")
            twin = await self.get_by_external(current.vendor, external_id)
            if twin is not None and twin.id != current.id:
                if twin.idempotency_key is not None:
                    raise IdempotencyConflictError(
                        f"{current.vendor} booking {external_id!r} is already claimed"
                        f" under {twin.idempotency_key!r}"
                    )
                await self._db.execute("DELETE FROM bookings WHERE id = ?", (twin.id,))
            result = await self._db.execute(
                "UPDATE bookings SET state = 'confirmed', external_id = ?, label = ?,"
                " start_utc = ?, end_utc = ?, price = COALESCE(?, price),"
                " details = json_patch(details, ?), updated_at = ?"
                " WHERE idempotency_key = ? AND state != 'cancelled'",
                (
                    *(external_id, label, to_db_time(start_utc), opt_to_db_time(end_utc)),
                    *(price, dumps_json(dict(details or {})), to_db_time(self._clock())),
                    idempotency_key,
                ),
            )
            if result.rowcount != 1:
                raise StorageError(f"booking {idempotency_key!r} is cancelled; not confirming")
            booking = await self.get_by_key(idempotency_key)
        return _written(booking)

    async def reschedule(
        self, booking_id: int, *, start_utc: datetime, end_utc: datetime | None = None,
        external_id: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> BookingRecord:
        """Record that the vendor moved a confirmed booking; ``external_id`` only when the
        move gave it a new one. ``details`` is merged (JSON merge patch)."""
        async with self._db.transaction():
            result = await self._db.execute(
                "UPDATE bookings SET start_utc = ?, end_utc = ?,"
                " external_id = COALESCE(?, external_id), details = json_patch(details, ?),"
                " updated_at = ? WHERE id = ? AND state = 'confirmed'",
                (to_db_time(start_utc), opt_to_db_time(end_utc), external_id,
                 dumps_json(dict(details or {})), to_db_time(self._clock()), booking_id),
            )  # fmt: skip
            if result.rowcount != 1:
                raise NotFoundError(f"no confirmed booking with id {booking_id}")
            booking = await self.get(booking_id)
        return _written(booking)

    async def fail(self, idempotency_key: str, reason: str | None = None) -> BookingRecord:
        """Mark a ``pending`` claim failed (the key can then not be reused for a retry:
        derive a new one). A booking that is already confirmed is left alone."""
        patch = dumps_json({"failure": reason} if reason is not None else {})
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE bookings SET state = 'failed', details = json_patch(details, ?),"
                " updated_at = ? WHERE idempotency_key = ? AND state = 'pending'",
                (patch, to_db_time(self._clock()), idempotency_key),
            )
            booking = await self.get_by_key(idempotency_key)
        if booking is None:
            raise NotFoundError(f"no booking claimed under {idempotency_key!r}")
        return booking

    async def upsert_from_vendor(
        self, draft: BookingDraftRecord, *, external_id: str, state: BookingState
    ) -> BookingRecord:
        """Reconciliation: make our row match the vendor's view of booking ``external_id``.

        A ``pending`` claim of the same owner, site and start without vendor id (the bot
        crashed or lost the answer after booking) is adopted instead of duplicated. The
        owner of an existing row never changes; values the vendor leaves empty keep what
        we know; unchanged rows are not rewritten.
        """
        now, start = to_db_time(self._clock()), to_db_time(draft.start_utc)
        async with self._db.transaction():
            if await self.get_by_external(draft.vendor, external_id) is None:
                await self._db.execute(
                    "UPDATE bookings SET external_id = ? WHERE id = (SELECT id FROM bookings"
                    " WHERE vendor = ? AND owner = ? AND site_id = ? AND start_utc = ?"
                    " AND state = 'pending' AND external_id IS NULL ORDER BY id LIMIT 1)",
                    (external_id, draft.vendor, draft.owner, draft.site_id, start),
                )
            await self._db.execute(
                "INSERT INTO bookings (vendor, owner, site_id, site_name, service_id,"
                " service_name, label, start_utc, end_utc, timezone, state, price, details,"
                " external_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (vendor, external_id) DO UPDATE SET {_RECONCILE_SET},"
                " updated_at = excluded.updated_at"
                f" WHERE {_RECONCILE_CHANGED}",
                (*_draft_values(draft, state=state), external_id, now, now),
            )
            booking = await self.get_by_external(draft.vendor, external_id)
        return _written(booking)

    async def set_state(self, booking_id: int, state: BookingState) -> BookingRecord:
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE bookings SET state = ?, updated_at = ? WHERE id = ? AND state != ?",
                (state, to_db_time(self._clock()), booking_id, state),
            )
            booking = await self.get(booking_id)
        if booking is None:
            raise NotFoundError(f"no booking with id {booking_id}")
        return booking

    async def list_upcoming(
        self,
        owner: int,
        now: datetime,
        *,
        states: Collection[BookingState] = ("pending", "confirmed"),
    ) -> list[BookingRecord]:
        """Bookings of ``owner`` not yet over (end, or start if no end, >= now), soonest first."""
        marks = ", ".join("?" for _ in states)
        return await self._many(
            f"owner = ? AND state IN ({marks}) AND COALESCE(end_utc, start_utc) >= ?"
            " ORDER BY start_utc, id",
            owner,
            *states,
            to_db_time(now),
        )

    async def list_pending(self, claimed_before: datetime) -> list[BookingRecord]:
        """Claims still pending since before ``claimed_before``: candidates for
        reconciliation after a crash or a lost vendor response."""
        return await self._many(
            "state = 'pending' AND created_at < ? ORDER BY created_at, id",
            to_db_time(claimed_before),
        )

    async def _one(self, where: str, *params: object) -> BookingRecord | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM bookings WHERE {where}", params)
        return None if row is None else _booking(row)

    async def _many(self, where: str, *params: object) -> list[BookingRecord]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM bookings WHERE {where}", params)
        return [_booking(row) for row in rows]


def _draft_values(draft: BookingDraftRecord, *, state: str | None = None) -> tuple[object, ...]:
    """Values in the column order of the INSERTs above (``state`` only when given)."""
    head = (
        draft.vendor, draft.owner, draft.site_id, draft.site_name, draft.service_id,
        draft.service_name, draft.label, to_db_time(draft.start_utc),
        opt_to_db_time(draft.end_utc), draft.timezone,
    )  # fmt: skip
    tail = (draft.price, dumps_json(draft.details))
    return head + ((state,) if state is not None else ()) + tail


def _written(booking: BookingRecord | None) -> BookingRecord:
    """The row just written in the same transaction; its absence would be a bug."""
    if booking is None:  # pragma: no cover
        raise StorageError("row vanished inside its own transaction")
    return booking
