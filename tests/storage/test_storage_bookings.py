from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.storage import IdempotencyConflictError, NotFoundError, Storage, StorageError

from .helpers import T0, FakeClock, make_draft


async def test_claim_creates_pending_row_once(storage: Storage) -> None:
    draft = make_draft()
    first, created = await storage.bookings.claim("k1", draft)
    again, created_again = await storage.bookings.claim("k1", draft)
    assert (created, created_again) == (True, False)
    assert first == again
    assert first.state == "pending" and first.external_id is None
    assert first.start_utc == draft.start_utc and first.details == {"note": "bring photo"}
    assert await storage.db.fetchval("SELECT COUNT(*) FROM bookings") == 1


async def test_concurrent_claims_with_same_key_create_one_row(storage: Storage) -> None:
    results = await asyncio.gather(
        *(storage.bookings.claim("same-key", make_draft()) for _ in range(5))
    )
    assert sorted(created for _, created in results) == [False, False, False, False, True]
    assert len({booking.id for booking, _ in results}) == 1
    assert await storage.db.fetchval("SELECT COUNT(*) FROM bookings") == 1


async def test_claim_with_key_of_another_owner_is_refused(storage: Storage) -> None:
    await storage.bookings.claim("k1", make_draft(owner=1))
    with pytest.raises(IdempotencyConflictError):
        await storage.bookings.claim("k1", make_draft(owner=2))


async def test_confirm_and_fail(storage: Storage, clock: FakeClock) -> None:
    booking, _ = await storage.bookings.claim("k1", make_draft())
    clock.advance(seconds=5)
    start = T0 + timedelta(days=2, minutes=5)
    confirmed = await storage.bookings.confirm(
        "k1", external_id="X-1", label="A17", start_utc=start, details={"room": "3"}
    )
    assert confirmed.id == booking.id
    assert confirmed.state == "confirmed" and confirmed.external_id == "X-1"
    assert confirmed.start_utc == start and confirmed.end_utc is None
    assert confirmed.price == "25.00 EUR"  # kept: confirm passed no price
    assert confirmed.details == {"note": "bring photo", "room": "3"}
    assert confirmed.updated_at == clock.now and confirmed.created_at == T0
    assert await storage.bookings.get_by_external("acme", "X-1") == confirmed
    # Failing a confirmed booking must not downgrade it.
    assert (await storage.bookings.fail("k1", "timeout")).state == "confirmed"

    await storage.bookings.claim("k2", make_draft())
    failed = await storage.bookings.fail("k2", "InputRejected")
    assert failed.state == "failed" and failed.details["failure"] == "InputRejected"
    with pytest.raises(NotFoundError):
        await storage.bookings.fail("missing")
    with pytest.raises(NotFoundError):
        await storage.bookings.confirm("missing", external_id="x", label=None, start_utc=T0)


async def test_confirm_refuses_cancelled(storage: Storage) -> None:
    booking, _ = await storage.bookings.claim("k1", make_draft())
    await storage.bookings.set_state(booking.id, "cancelled")
    with pytest.raises(StorageError, match="cancelled"):
        await storage.bookings.confirm("k1", external_id="X", label=None, start_utc=T0)


async def test_reschedule_moves_a_confirmed_booking_only(
    storage: Storage, clock: FakeClock
) -> None:
    booking, _ = await storage.bookings.claim("k1", make_draft())
    await storage.bookings.confirm("k1", external_id="X-1", label=None, start_utc=T0)
    clock.advance(minutes=3)
    start = T0 + timedelta(days=3)
    moved = await storage.bookings.reschedule(
        booking.id, start_utc=start, end_utc=start + timedelta(minutes=30),
        details={"moved_by": "m1"},
    )
    assert (moved.id, moved.state, moved.external_id) == (booking.id, "confirmed", "X-1")
    assert moved.start_utc == start and moved.end_utc == start + timedelta(minutes=30)
    assert moved.details == {"note": "bring photo", "moved_by": "m1"}
    assert moved.updated_at == clock.now and moved.idempotency_key == "k1"
    again = await storage.bookings.reschedule(booking.id, start_utc=T0, external_id="X-2")
    assert (again.external_id, again.end_utc, again.start_utc) == ("X-2", None, T0)
    await storage.bookings.set_state(booking.id, "cancelled")
    with pytest.raises(NotFoundError):
        await storage.bookings.reschedule(booking.id, start_utc=start)
    with pytest.raises(NotFoundError):
        await storage.bookings.reschedule(9999, start_utc=start)


async def test_reconciliation_inserts_updates_and_skips_unchanged(
    storage: Storage, clock: FakeClock
) -> None:
    draft = make_draft(owner=7, label="B2")
    inserted = await storage.bookings.upsert_from_vendor(draft, external_id="V9", state="confirmed")
    assert inserted.idempotency_key is None and inserted.state == "confirmed"
    clock.advance(minutes=1)
    same = await storage.bookings.upsert_from_vendor(draft, external_id="V9", state="confirmed")
    assert same.updated_at == inserted.updated_at  # no rewrite
    clock.advance(minutes=1)
    vendor_view = make_draft(owner=999, service_name="", label=None, site_name="Town Hall 2")
    cancelled = await storage.bookings.upsert_from_vendor(
        vendor_view, external_id="V9", state="cancelled"
    )
    assert cancelled.id == inserted.id and cancelled.state == "cancelled"
    assert cancelled.owner == 7  # never re-assigned
    assert cancelled.service_name == "Passport" and cancelled.label == "B2"  # unknown: kept
    assert cancelled.site_name == "Town Hall 2" and cancelled.updated_at == clock.now


async def test_reconciliation_adopts_lost_pending_claim(storage: Storage) -> None:
    claimed, _ = await storage.bookings.claim("k1", make_draft(owner=5))
    found = await storage.bookings.upsert_from_vendor(
        make_draft(owner=5, label="Q1"), external_id="V1", state="confirmed"
    )
    assert found.id == claimed.id and found.idempotency_key == "k1"
    assert found.state == "confirmed" and found.external_id == "V1"
    assert await storage.db.fetchval("SELECT COUNT(*) FROM bookings") == 1


async def test_confirm_folds_duplicate_found_by_reconciliation(storage: Storage) -> None:
    claimed, _ = await storage.bookings.claim("k1", make_draft(owner=5))
    other_start = make_draft(owner=5, start=T0 + timedelta(days=9))  # not adoptable
    twin = await storage.bookings.upsert_from_vendor(
        other_start, external_id="V1", state="confirmed"
    )
    assert twin.id != claimed.id
    confirmed = await storage.bookings.confirm(
        "k1", external_id="V1", label=None, start_utc=other_start.start_utc
    )
    assert confirmed.id == claimed.id
    assert await storage.bookings.get(twin.id) is None


async def test_list_upcoming(storage: Storage) -> None:
    now = T0 + timedelta(days=1)
    past, _ = await storage.bookings.claim("past", make_draft(start=T0))
    later, _ = await storage.bookings.claim("later", make_draft(start=T0 + timedelta(days=5)))
    soon, _ = await storage.bookings.claim("soon", make_draft(start=T0 + timedelta(days=2)))
    gone, _ = await storage.bookings.claim("gone", make_draft(start=T0 + timedelta(days=3)))
    await storage.bookings.set_state(gone.id, "cancelled")
    await storage.bookings.claim("other", make_draft(owner=2, start=T0 + timedelta(days=2)))
    ongoing = make_draft(start=now - timedelta(minutes=5))  # ends 10 minutes after now
    running, _ = await storage.bookings.claim("running", ongoing)
    upcoming = await storage.bookings.list_upcoming(1001, now)
    assert [b.id for b in upcoming] == [running.id, soon.id, later.id]
    assert past.id not in [b.id for b in upcoming]


async def test_list_pending_and_set_state(storage: Storage, clock: FakeClock) -> None:
    booking, _ = await storage.bookings.claim("k1", make_draft())
    assert await storage.bookings.list_pending(T0) == []
    assert [b.id for b in await storage.bookings.list_pending(T0 + timedelta(seconds=1))] == [
        booking.id
    ]
    with pytest.raises(NotFoundError):
        await storage.bookings.set_state(12345, "cancelled")


async def test_draft_validation() -> None:
    with pytest.raises(ValidationError):
        make_draft(start=T0.replace(tzinfo=None))
    with pytest.raises(ValidationError):
        make_draft(timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        make_draft().start_utc = T0  # frozen
