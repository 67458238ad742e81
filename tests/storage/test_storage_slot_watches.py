"""Free-slot watches: one per place and day for all its watchers, told once, gone with the day."""

from __future__ import annotations

from datetime import date, timedelta

from bot.storage import NewMessage, Storage

from .helpers import T0, FakeClock

DAY = date(2030, 1, 16)
SITE = {"id": "UFROM001", "name": "Roma Termini", "timezone": "Europe/Rome"}
SERVICE = {"id": "UFROM001-passport", "site_id": "UFROM001", "name": "Passport pickup"}


async def watch(storage: Storage, user: int, *, day: date = DAY, service: dict = SERVICE,
                first: float = 30.0, language: str = "en"):  # type: ignore[no-untyped-def]
    return await storage.slot_watches.watch(
        vendor="ufirst", site=SITE, service=service, day=day, timezone="Europe/Rome",
        telegram_id=user, language=language, first_check=first)


async def test_watchers_of_one_place_and_day_share_one_watch_and_its_back_off(
    storage: Storage, clock: FakeClock
) -> None:
    repo = storage.slot_watches
    first = await watch(storage, 1)
    assert (first.day, first.site, first.service, first.interval) == (DAY, SITE, SERVICE, 30.0)
    assert first.check_at == T0 + timedelta(seconds=30)
    assert await repo.due(T0) == []
    assert [w.id for w in await repo.due(T0 + timedelta(seconds=30))] == [first.id]

    await repo.reschedule(first.id, interval=120, check_at=T0 + timedelta(minutes=2))
    clock.advance(seconds=10)
    second = await watch(storage, 2, language="it", first=30.0)
    assert second.id == first.id  # the same watch: one vendor read serves both
    assert (second.interval, second.check_at) == (120.0, T0 + timedelta(minutes=2))  # kept
    assert [(x.telegram_id, x.language) for x in await repo.watchers(first.id)] == [
        (1, "en"), (2, "it")]
    other = await watch(storage, 1, day=DAY + timedelta(days=1))
    assert other.id != first.id
    assert await repo.next_check() == T0 + timedelta(seconds=40)  # the other day's, sooner


async def test_told_watchers_are_not_due_and_asking_again_is_a_new_round(
    storage: Storage, clock: FakeClock
) -> None:
    repo = storage.slot_watches
    w = await watch(storage, 1)
    await watch(storage, 2)
    async with storage.db.transaction():  # as the watcher does: notice and mark together
        await storage.outbox.enqueue(NewMessage(key=f"slot:{w.id}:1:1", chat_id=1, kind="slot",
                                                payload={"text": "free"}))
        assert await repo.mark_notified(w.id, [1, 2]) == 2
    assert await repo.mark_notified(w.id, [1]) == 0  # told once
    assert await repo.watchers(w.id, pending=True) == []
    assert await repo.due(T0 + timedelta(days=1)) == []  # nobody waits: not read any more
    assert await repo.next_check() is None

    await repo.reschedule(w.id, interval=300, check_at=T0 + timedelta(minutes=5))
    clock.advance(minutes=1)
    again = await watch(storage, 1)
    assert (again.interval, again.check_at) == (30.0, clock.now + timedelta(seconds=30))  # reset
    mine = await repo.watcher(w.id, 1)
    assert mine is not None and (mine.round, mine.notified_at) == (2, None)
    told = await repo.watcher(w.id, 2)
    assert told is not None and told.round == 1 and told.notified_at == T0


async def test_stopping_forgetting_and_expiring(storage: Storage) -> None:
    repo = storage.slot_watches
    a = await watch(storage, 1)
    await watch(storage, 2)
    b = await watch(storage, 1, day=DAY + timedelta(days=3))
    assert await repo.stop(a.id, 1)
    assert not await repo.stop(a.id, 1)
    assert await repo.get(a.id) is not None  # user 2 still watches
    assert await repo.delete_for_user(2) == 1
    assert await repo.get(a.id) is None  # its last watcher gone
    assert await repo.get(b.id) is not None
    c = await watch(storage, 3, day=DAY)
    assert await repo.expire(DAY + timedelta(days=1)) == 1
    assert await repo.get(c.id) is None and await repo.watchers(c.id) == []
    assert await repo.get(b.id) is not None
    assert await repo.delete_for_user(1) == 1
    assert await repo.get(b.id) is None
    assert await storage.db.fetchval("SELECT count(*) FROM slot_watchers") == 0
