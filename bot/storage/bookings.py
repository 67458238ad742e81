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
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from pydantic import Field, field_validator
from sqlalchemy import ColumnElement, delete, func, insert, select, update

from ._common import (
    Clock,
    Row,
    UtcDatetime,
    dumps_json,
    from_db_time,
    merge_patch,
    opt_from_db_time,
    opt_to_db_time,
    to_db_time,
    utcnow,
)
from .db import Database
from .errors import IdempotencyConflictError, NotFoundError, StorageError
from .schema import bookings as t
from .schema import users as u

__all__ = ["BookingDraftRecord", "BookingRecord", "BookingRepo", "BookingState"]

BookingState = Literal["pending", "confirmed", "cancelled", "failed"]

# Reconciliation: the vendor is authoritative for these columns...
_VENDOR_WINS = ("site_id", "start_utc", "timezone", "state")
# ...and for these too, except that an empty value from it means "unknown" and keeps ours.
_VENDOR_FILLS = ("site_name", "service_id", "service_name", "label", "end_utc", "price")


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


def _booking(row: sa.Row[Any]) -> BookingRecord:
    data = dict(row._mapping)
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
        return await self._one(t.c.id == booking_id)

    async def get_by_key(self, idempotency_key: str) -> BookingRecord | None:
        return await self._one(t.c.idempotency_key == idempotency_key)

    async def get_by_external(self, vendor: str, external_id: str) -> BookingRecord | None:
        return await self._one(t.c.vendor == vendor, t.c.external_id == external_id)

    async def claim(
        self, idempotency_key: str, draft: BookingDraftRecord
    ) -> tuple[BookingRecord, bool]:
        """Insert a ``pending`` row, or return the row already claimed under this key.

        ``created`` is True for exactly one caller per key, however many race.
        """
        now = to_db_time(self._clock())
        values = _draft_values(draft, state="pending")
        async with self._db.transaction():
            result = await self._db.execute(
                self._db.insert(t)
                .values(**values, idempotency_key=idempotency_key, created_at=now, updated_at=now)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
            booking = await self.get_by_key(idempotency_key)
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
            if current.state == "cancelled":
                raise StorageError(f"booking {idempotency_key!r} is cancelled; not confirming")
            twin = await self.get_by_external(current.vendor, external_id)
            if twin is not None and twin.id != current.id:
                if twin.idempotency_key is not None:
                    raise IdempotencyConflictError(
                        f"{current.vendor} booking {external_id!r} is already claimed"
                        f" under {twin.idempotency_key!r}"
                    )
                await self._db.execute(delete(t).where(t.c.id == twin.id))
            await self._set(
                current, state="confirmed", external_id=external_id, label=label,
                start_utc=to_db_time(start_utc), end_utc=opt_to_db_time(end_utc),
                price=price if price is not None else current.price, details=details,
            )  # fmt: skip
            booking = await self.get_by_key(idempotency_key)
        return _written(booking)

    async def reschedule(
        self, booking_id: int, *, start_utc: datetime, end_utc: datetime | None = None,
        external_id: str | None = None, details: Mapping[str, Any] | None = None,
    ) -> BookingRecord:
        """Record that the vendor moved a confirmed booking; ``external_id`` only when the
        move gave it a new one. ``details`` is merged (JSON merge patch)."""
        async with self._db.transaction():
            current = await self.get(booking_id)
            if current is None or current.state != "confirmed":
                raise NotFoundError(f"no confirmed booking with id {booking_id}")
            await self._set(
                current, start_utc=to_db_time(start_utc), end_utc=opt_to_db_time(end_utc),
                external_id=external_id or current.external_id, details=details,
            )  # fmt: skip
            booking = await self.get(booking_id)
        return _written(booking)

    async def fail(self, idempotency_key: str, reason: str | None = None) -> BookingRecord:
        """Mark a ``pending`` claim failed (the key can then not be reused for a retry:
        derive a new one). A booking that is already confirmed is left alone."""
        async with self._db.transaction():
            current = await self.get_by_key(idempotency_key)
            if current is None:
                raise NotFoundError(f"no booking claimed under {idempotency_key!r}")
            if current.state != "pending":
                return current
            patch = {"failure": reason} if reason is not None else {}
            await self._set(current, state="failed", details=patch)
            booking = await self.get_by_key(idempotency_key)
        return _written(booking)

    async def upsert_from_vendor(
        self, draft: BookingDraftRecord, *, external_id: str, state: BookingState
    ) -> BookingRecord:
        """Reconciliation: make our row match the vendor's view of booking ``external_id``.

        A ``pending`` claim of the same owner, site and start without vendor id (the bot
        crashed or lost the answer after booking) is adopted instead of duplicated. The
        owner of an existing row never changes; values the vendor leaves empty keep what
        we know; unchanged rows are not rewritten.
        """
        now = to_db_time(self._clock())
        theirs = _draft_values(draft, state=state)
        async with self._db.transaction():
            if await self.get_by_external(draft.vendor, external_id) is None:
                await self._adopt_claim(draft, external_id)
            ours = await self._db.fetchone(
                select(t).where(t.c.vendor == draft.vendor, t.c.external_id == external_id)
            )
            if ours is None:
                await self._db.execute(
                    insert(t).values(**theirs, external_id=external_id, created_at=now,
                                     updated_at=now)
                )  # fmt: skip
            else:
                changes = _reconciled(ours._mapping, theirs)
                if changes:
                    await self._db.execute(
                        update(t).where(t.c.id == ours.id).values(**changes, updated_at=now)
                    )
            booking = await self.get_by_external(draft.vendor, external_id)
        return _written(booking)

    async def set_state(self, booking_id: int, state: BookingState) -> BookingRecord:
        async with self._db.transaction():
            await self._db.execute(
                update(t)
                .where(t.c.id == booking_id, t.c.state != state)
                .values(state=state, updated_at=to_db_time(self._clock()))
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
        return await self._many(
            t.c.owner == owner,
            t.c.state.in_(list(states)),
            func.coalesce(t.c.end_utc, t.c.start_utc) >= to_db_time(now),
            order=(t.c.start_utc, t.c.id),
        )

    async def list_ahead(
        self, now: datetime, *, vendor: str | None = None, site_id: str | None = None,
        states: Collection[BookingState] = ("confirmed",),
    ) -> list[BookingRecord]:
        """Everyone's bookings not yet over, optionally of one vendor (and site), soonest
        first: what reminders and vendor status updates follow. Bookings of users who
        blocked the bot are left out: nothing can reach them."""
        blocked = select(u.c.telegram_id).where(u.c.telegram_id == t.c.owner, u.c.blocked_bot == 1)
        where = [t.c.state.in_(list(states)),
                 func.coalesce(t.c.end_utc, t.c.start_utc) >= to_db_time(now), ~blocked.exists()]
        if vendor is not None:
            where.append(t.c.vendor == vendor)
        if site_id is not None:
            where.append(t.c.site_id == site_id)
        return await self._many(*where, order=(t.c.start_utc, t.c.id))

    async def list_pending(self, claimed_before: datetime) -> list[BookingRecord]:
        """Claims still pending since before ``claimed_before``: candidates for
        reconciliation after a crash or a lost vendor response."""
        return await self._many(
            t.c.state == "pending",
            t.c.created_at < to_db_time(claimed_before),
            order=(t.c.created_at, t.c.id),
        )

    async def _adopt_claim(self, draft: BookingDraftRecord, external_id: str) -> None:
        """Give our oldest matching pending claim without vendor id the vendor's id."""
        claim = await self._db.fetchval(
            select(t.c.id)
            .where(
                t.c.vendor == draft.vendor, t.c.owner == draft.owner,
                t.c.site_id == draft.site_id, t.c.start_utc == to_db_time(draft.start_utc),
                t.c.state == "pending", t.c.external_id.is_(None),
            )
            .order_by(t.c.id)
            .limit(1)
        )  # fmt: skip
        if claim is not None:
            await self._db.execute(update(t).where(t.c.id == claim).values(external_id=external_id))

    async def _set(
        self, current: BookingRecord, *, details: Mapping[str, Any] | None = None, **values: Any
    ) -> None:
        """Update ``current``'s row; ``details`` is merged into what it holds."""
        if details:
            values["details"] = dumps_json(merge_patch(current.details, dict(details)))
        await self._db.execute(
            update(t)
            .where(t.c.id == current.id)
            .values(**values, updated_at=to_db_time(self._clock()))
        )

    async def _one(self, *where: ColumnElement[bool]) -> BookingRecord | None:
        row = await self._db.fetchone(select(t).where(*where))
        return None if row is None else _booking(row)

    async def _many(
        self, *where: ColumnElement[bool], order: tuple[ColumnElement[Any], ...]
    ) -> list[BookingRecord]:
        rows = await self._db.fetchall(select(t).where(*where).order_by(*order))
        return [_booking(row) for row in rows]


def _draft_values(draft: BookingDraftRecord, *, state: str) -> dict[str, Any]:
    """The draft as column values."""
    return {
        "vendor": draft.vendor, "owner": draft.owner, "site_id": draft.site_id,
        "site_name": draft.site_name, "service_id": draft.service_id,
        "service_name": draft.service_name, "label": draft.label,
        "start_utc": to_db_time(draft.start_utc), "end_utc": opt_to_db_time(draft.end_utc),
        "timezone": draft.timezone, "state": state, "price": draft.price,
        "details": dumps_json(draft.details),
    }  # fmt: skip


def _reconciled(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of our row that the vendor's view changes (empty when none)."""
    wanted = {c: theirs[c] for c in _VENDOR_WINS}
    wanted |= {c: theirs[c] if theirs[c] not in (None, "") else ours[c] for c in _VENDOR_FILLS}
    merged = merge_patch(json.loads(ours["details"]), json.loads(theirs["details"]))
    wanted["details"] = dumps_json(merged)
    return {c: value for c, value in wanted.items() if value != ours[c]}


def _written(booking: BookingRecord | None) -> BookingRecord:
    """The row just written in the same transaction; its absence would be a bug."""
    if booking is None:  # pragma: no cover
        raise StorageError("row vanished inside its own transaction")
    return booking
