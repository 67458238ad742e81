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

from pydantic import Field, field_validator

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

__all__ = ["BookingDraftRecord", "BookingRecord", "BookingRepo", "BookingState"]

BookingState = Literal["pending", "confirmed", "cancelled", "failed"]

# Reconciliation: the vendor is authoritative for these columns...
_VENDOR_WINS = ("site_id", "start_utc", "timezone", "state")
# ...and for these too, except that an empty value from it means "unknown" and keeps ours.
_VENDOR_FILLS = ("site_name", "service_id", "service_name", "label", "end_utc", "price")

_COLUMNS = """id, vendor, external_id, owner, site_id, site_name, service_id, service_name,
    label, start_utc, end_utc, timezone, state, price, details, idempotency_key, created_at,
    updated_at"""
_SELECT = f"SELECT {_COLUMNS} FROM bookings"

# Row ids are compared as BIGINT: the column is INTEGER, and on PostgreSQL an id from a
# (forged) button beyond its range would otherwise fail instead of finding nothing.

# A draft's columns (see _draft_values) plus the row's own.
_INSERT = """
    INSERT INTO bookings (vendor, owner, site_id, site_name, service_id, service_name, label,
        start_utc, end_utc, timezone, state, price, details, external_id, idempotency_key,
        created_at, updated_at)
    VALUES (:vendor, :owner, :site_id, :site_name, :service_id, :service_name, :label,
        :start_utc, :end_utc, :timezone, :state, :price, :details, :external_id,
        :idempotency_key, :now, :now)
"""
_CLAIM = _INSERT + "ON CONFLICT (idempotency_key) DO NOTHING"

# In the updates below a NULL :details (nothing to merge) keeps the stored details.
_CONFIRM = """
    UPDATE bookings SET state = 'confirmed', external_id = :external_id, label = :label,
        start_utc = :start_utc, end_utc = :end_utc, price = :price,
        details = COALESCE(CAST(:details AS TEXT), details), updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""
_RESCHEDULE = """
    UPDATE bookings SET start_utc = :start_utc, end_utc = :end_utc, external_id = :external_id,
        details = COALESCE(CAST(:details AS TEXT), details), updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""
_FAIL = """
    UPDATE bookings SET state = 'failed', details = COALESCE(CAST(:details AS TEXT), details),
        updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""
# The columns reconciliation sets (_VENDOR_WINS, _VENDOR_FILLS and details).
_RECONCILE = """
    UPDATE bookings SET site_id = :site_id, start_utc = :start_utc, timezone = :timezone,
        state = :state, site_name = :site_name, service_id = :service_id,
        service_name = :service_name, label = :label, end_utc = :end_utc, price = :price,
        details = :details, updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""
_SET_STATE = """UPDATE bookings SET state = :state, updated_at = :now
    WHERE id = CAST(:id AS BIGINT) AND state <> :state"""
_DELETE = "DELETE FROM bookings WHERE id = CAST(:id AS BIGINT)"
_PENDING_CLAIM = """
    SELECT id FROM bookings
    WHERE vendor = :vendor AND owner = :owner AND site_id = :site_id
        AND start_utc = :start_utc AND state = 'pending' AND external_id IS NULL
    ORDER BY id LIMIT 1
"""
_ADOPT = "UPDATE bookings SET external_id = :external_id WHERE id = CAST(:id AS BIGINT)"
_UPCOMING = f"""{_SELECT}
    WHERE owner = :owner AND state IN :states AND COALESCE(end_utc, start_utc) >= :now
    ORDER BY start_utc, id
"""
# Leaves out owners who blocked the bot; :vendor and :site_id filter unless NULL.
_AHEAD = f"""{_SELECT}
    WHERE state IN :states AND COALESCE(end_utc, start_utc) >= :now
        AND NOT EXISTS (SELECT 1 FROM users
                        WHERE users.telegram_id = bookings.owner AND users.blocked_bot = 1)
        AND (CAST(:vendor AS TEXT) IS NULL OR vendor = :vendor)
        AND (CAST(:site_id AS TEXT) IS NULL OR site_id = :site_id)
    ORDER BY start_utc, id
"""
_PENDING_BEFORE = f"""{_SELECT}
    WHERE state = 'pending' AND created_at < :before ORDER BY created_at, id"""


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


def _booking(row: Any) -> BookingRecord:
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
        return await self._one(f"{_SELECT} WHERE id = CAST(:id AS BIGINT)", {"id": booking_id})

    async def get_by_key(self, idempotency_key: str) -> BookingRecord | None:
        return await self._one(f"{_SELECT} WHERE idempotency_key = :key", {"key": idempotency_key})

    async def get_by_external(self, vendor: str, external_id: str) -> BookingRecord | None:
        return await self._one(
            f"{_SELECT} WHERE vendor = :vendor AND external_id = :external_id",
            {"vendor": vendor, "external_id": external_id},
        )

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
                _CLAIM,
                {**values, "external_id": None, "idempotency_key": idempotency_key, "now": now},
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
                await self._db.execute(_DELETE, {"id": twin.id})
            await self._set(
                _CONFIRM, current, external_id=external_id, label=label,
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
                _RESCHEDULE, current, start_utc=to_db_time(start_utc),
                end_utc=opt_to_db_time(end_utc),
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
            await self._set(_FAIL, current, details=patch)
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
        key = {"vendor": draft.vendor, "external_id": external_id}
        async with self._db.transaction():
            if await self.get_by_external(draft.vendor, external_id) is None:
                await self._adopt_claim(draft, external_id)
            ours = await self._db.fetchone(
                f"{_SELECT} WHERE vendor = :vendor AND external_id = :external_id", key
            )
            if ours is None:
                await self._db.execute(
                    _INSERT, {**theirs, **key, "idempotency_key": None, "now": now}
                )
            else:
                wanted = _reconciled(ours._mapping, theirs)
                if any(value != ours._mapping[c] for c, value in wanted.items()):
                    await self._db.execute(_RECONCILE, {**wanted, "id": ours.id, "now": now})
            booking = await self.get_by_external(draft.vendor, external_id)
        return _written(booking)

    async def set_state(self, booking_id: int, state: BookingState) -> BookingRecord:
        async with self._db.transaction():
            now = to_db_time(self._clock())
            await self._db.execute(_SET_STATE, {"id": booking_id, "state": state, "now": now})
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
        if not states:
            return []
        params = {"owner": owner, "states": list(states), "now": to_db_time(now)}
        return await self._many(_UPCOMING, params)

    async def list_ahead(
        self, now: datetime, *, vendor: str | None = None, site_id: str | None = None,
        states: Collection[BookingState] = ("confirmed",),
    ) -> list[BookingRecord]:
        """Everyone's bookings not yet over, optionally of one vendor (and site), soonest
        first: what reminders and vendor status updates follow. Bookings of users who
        blocked the bot are left out: nothing can reach them."""
        if not states:
            return []
        params = {"states": list(states), "now": to_db_time(now), "vendor": vendor}
        return await self._many(_AHEAD, {**params, "site_id": site_id})

    async def list_pending(self, claimed_before: datetime) -> list[BookingRecord]:
        """Claims still pending since before ``claimed_before``: candidates for
        reconciliation after a crash or a lost vendor response."""
        return await self._many(_PENDING_BEFORE, {"before": to_db_time(claimed_before)})

    async def _adopt_claim(self, draft: BookingDraftRecord, external_id: str) -> None:
        """Give our oldest matching pending claim without vendor id the vendor's id."""
        claim = await self._db.fetchval(_PENDING_CLAIM, {
            "vendor": draft.vendor, "owner": draft.owner, "site_id": draft.site_id,
            "start_utc": to_db_time(draft.start_utc)})  # fmt: skip
        if claim is not None:
            await self._db.execute(_ADOPT, {"id": claim, "external_id": external_id})

    async def _set(
        self, statement: str, current: BookingRecord, *,
        details: Mapping[str, Any] | None = None, **values: Any,
    ) -> None:  # fmt: skip
        """Run an update of ``current``'s row; ``details`` is merged into what it holds
        (None or empty: the stored details stay)."""
        merged = dumps_json(merge_patch(current.details, dict(details))) if details else None
        await self._db.execute(
            statement,
            {**values, "details": merged, "id": current.id, "now": to_db_time(self._clock())},
        )

    async def _one(self, statement: str, params: Mapping[str, Any]) -> BookingRecord | None:
        row = await self._db.fetchone(statement, params)
        return None if row is None else _booking(row)

    async def _many(self, statement: str, params: Mapping[str, Any]) -> list[BookingRecord]:
        rows = await self._db.fetchall(statement, params)
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
    """The values the vendor's view gives the columns it is authoritative for (unchanged
    ones included: the caller compares them with ``ours``)."""
    wanted = {c: theirs[c] for c in _VENDOR_WINS}
    wanted |= {c: theirs[c] if theirs[c] not in (None, "") else ours[c] for c in _VENDOR_FILLS}
    merged = merge_patch(json.loads(ours["details"]), json.loads(theirs["details"]))
    wanted["details"] = dumps_json(merged)
    return wanted


def _written(booking: BookingRecord | None) -> BookingRecord:
    """The row just written in the same transaction; its absence would be a bug."""
    if booking is None:  # pragma: no cover
        raise StorageError("row vanished inside its own transaction")
    return booking
