"""The outbox and broadcasts on both engines: once per key, claimed before sending, never
resent after a sender died, batches held and cancelled, audiences from the tables."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.storage import Audience, NewMessage, Priority, Storage

from .helpers import T0, FakeClock, make_draft

LEASE = timedelta(seconds=60)


def note(key: str, chat_id: int = 1, **extra: object) -> NewMessage:
    fields: dict[str, object] = {"key": key, "chat_id": chat_id, "kind": "test",
                                 "payload": {"text": key}}
    return NewMessage(**(fields | extra))  # type: ignore[arg-type]


async def test_a_key_is_queued_once_whatever_became_of_it(storage: Storage) -> None:
    assert await storage.outbox.enqueue(note("reminder:1:24h")) is True
    assert await storage.outbox.enqueue(note("reminder:1:24h", payload={"text": "again"})) is False
    [claimed] = await storage.outbox.claim("s1", 10, LEASE)
    await storage.outbox.settle({claimed.id: ("sent", None)})
    assert await storage.outbox.enqueue(note("reminder:1:24h")) is False  # sent: still once
    assert await storage.outbox.enqueue_many([note("a"), note("b"), note("a")]) == 2
    assert (await storage.outbox.get("reminder:1:24h")).state == "sent"  # type: ignore[union-attr]


async def test_claims_take_the_most_urgent_due_rows_and_never_the_same_twice(
        storage: Storage, clock: FakeClock) -> None:
    later = clock.now + timedelta(hours=1)
    await storage.outbox.enqueue_many([
        note("bulk", priority=Priority.BULK), note("update"), note("tomorrow", due_at=later),
        note("notice", priority=Priority.NOTICE),
        *(note(f"n{i}", chat_id=100 + i) for i in range(40)),
    ])
    first = await storage.outbox.claim("s1", 2, LEASE)
    assert [m.key for m in first] == ["notice", "update"]
    assert all(m.state == "sending" and m.attempts == 1 for m in first)
    # Two senders claiming at once share nothing.
    a, b = await asyncio.gather(storage.outbox.claim("s1", 25, LEASE),
                                storage.outbox.claim("s2", 25, LEASE))
    keys = [m.key for m in a + b]
    assert len(keys) == len(set(keys)) == 41  # 39 updates + bulk; "tomorrow" is not due
    assert "tomorrow" not in keys and "bulk" in keys
    assert await storage.outbox.next_due() == later
    clock.now = later
    assert [m.key for m in await storage.outbox.claim("s1", 5, LEASE)] == ["tomorrow"]


async def test_settling_retrying_and_a_dead_sender(storage: Storage, clock: FakeClock) -> None:
    await storage.users.upsert_seen(7, "en")
    await storage.outbox.enqueue_many([note("sent", 5), note("blocked", 7), note("flood", 8),
                                       note("lost", 9)])
    rows = {m.key: m for m in await storage.outbox.claim("s1", 10, LEASE)}
    await storage.outbox.settle({rows["sent"].id: ("sent", None),
                                 rows["blocked"].id: ("blocked", "bot was blocked")})
    await storage.outbox.settle({rows["sent"].id: ("failed", "late report")})  # ignored
    await storage.outbox.retry(rows["flood"].id, clock.now + timedelta(seconds=3), "429")
    assert (await storage.outbox.get("sent")).state == "sent"  # type: ignore[union-attr]
    assert (await storage.users.get(7)).blocked_bot is True  # type: ignore[union-attr]
    assert await storage.outbox.claim("s1", 10, LEASE) == []  # flood waits, lost is leased
    assert await storage.outbox.expire_leases() == 0  # the lease still runs
    clock.advance(seconds=61)
    assert await storage.outbox.expire_leases() == 1
    lost = await storage.outbox.get("lost")
    assert lost is not None and lost.state == "uncertain"
    again = await storage.outbox.claim("s2", 10, LEASE)
    assert [(m.key, m.attempts) for m in again] == [("flood", 2)]  # "lost" is never resent


async def test_broadcast_audiences_pause_resume_and_stop(storage: Storage) -> None:
    for user in (1, 2, 3, 4):
        await storage.users.upsert_seen(user, "en")
    await storage.users.set_blocked(4, True)
    for owner, site in ((1, "site-1"), (2, "site-1"), (3, "site-2"), (4, "site-1")):
        key = f"k{owner}{site}"
        await storage.bookings.claim(key, make_draft(owner, site_id=site))
        await storage.bookings.confirm(key, external_id=key, label=None, start_utc=T0)
    await storage.tickets.add("q", "t1", owner=3, site_id="paris", site_name="Paris", number="7")

    site = Audience(kind="site", vendor="acme", place_id="site-1")
    assert await storage.broadcasts.recipients(Audience()) == [1, 2, 3]
    assert await storage.broadcasts.recipients(site) == [1, 2]
    store = Audience(kind="store", vendor="q", place_id="paris")
    assert await storage.broadcasts.recipients(store) == [3]
    places = await storage.broadcasts.places("site")
    assert [(p.place_id, p.people) for p in places] == [("site-1", 3), ("site-2", 1)]

    broadcast, queued = await storage.broadcasts.create(99, "Closed on Monday", site, paid=True)
    assert queued == 2 and broadcast.state == "sending" and broadcast.paid
    assert (await storage.outbox.stats(broadcast.batch)).queued == 2
    assert await storage.broadcasts.pause(broadcast.id) is True
    assert await storage.outbox.claim("s1", 10, LEASE) == []
    assert await storage.broadcasts.resume(broadcast.id) is True
    [first, second] = await storage.outbox.claim("s1", 10, LEASE)
    assert first.payload == {"text": "Closed on Monday", "photo": None, "paid": True}
    await storage.outbox.settle({first.id: ("sent", None)})
    await storage.outbox.retry(second.id, first.due_at, "429")
    assert await storage.broadcasts.stop(broadcast.id) is True
    stats = await storage.outbox.stats(broadcast.batch)
    assert (stats.sent, stats.cancelled, stats.remaining) == (1, 1, 0)
    assert [b.id for b in await storage.broadcasts.list_running()] == []


async def test_a_broadcast_paused_as_its_last_messages_went_out_can_finish(
    storage: Storage,
) -> None:
    for user in (1, 2):
        await storage.users.upsert_seen(user, "en")
    broadcast, queued = await storage.broadcasts.create(99, "Hi", Audience(), paid=False)
    claimed = await storage.outbox.claim("s1", 10, LEASE)  # all of them on their way
    assert queued == len(claimed) == 2
    assert await storage.broadcasts.pause(broadcast.id) is True  # nothing left to hold
    await storage.outbox.settle({m.id: ("sent", None) for m in claimed})
    assert (await storage.outbox.stats(broadcast.batch)).remaining == 0
    assert await storage.broadcasts.finish(broadcast.id) is True
    assert (await storage.broadcasts.get(broadcast.id)).state == "done"  # type: ignore[union-attr]
    assert await storage.broadcasts.resume(broadcast.id) is False  # nothing to resume


async def test_a_chat_that_blocked_the_bot_gets_its_unsent_rows_settled_not_tried(
    storage: Storage,
) -> None:
    await storage.outbox.enqueue_many([note("r:1", chat_id=7), note("r:2", chat_id=7),
                                       note("other", chat_id=8)])
    assert await storage.outbox.block_chat(7) == 2
    [claimed] = await storage.outbox.claim("s1", 10, LEASE)
    assert claimed.key == "other"
    assert (await storage.outbox.get("r:1")).state == "blocked"  # type: ignore[union-attr]
    assert await storage.outbox.enqueue(note("r:1", chat_id=7)) is False  # never queued again


async def test_unblocking_queues_the_named_blocked_rows_of_that_chat_once(storage: Storage) -> None:
    await storage.outbox.enqueue_many([note("r:1", chat_id=7), note("r:2", chat_id=7),
                                       note("r:3", chat_id=7), note("x", chat_id=8)])
    await storage.outbox.block_chat(7)
    await storage.outbox.block_chat(8)
    assert await storage.outbox.unblock(7, ["r:1", "r:3", "x"]) == 2  # not another chat's row
    assert await storage.outbox.unblock(7, ["r:1", "r:3"]) == 0  # once
    states = {key: (await storage.outbox.get(key)).state for key in ("r:1", "r:2", "r:3", "x")}  # type: ignore[union-attr]
    assert states == {"r:1": "queued", "r:2": "blocked", "r:3": "queued", "x": "blocked"}
