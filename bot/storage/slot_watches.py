"""Free-slot watches: who wants to hear when a full day gets a free time (see the v6 migration).

A watch is one (vendor, site, service, day), polled once for all its watchers; its
back-off lives here too (``interval``, ``check_at``), shared by them all. A watcher is
*pending* until told; :meth:`SlotWatchRepo.mark_notified` runs in the transaction that
queues the notice, so nobody is told twice. Someone told who asks again starts a new
``round`` (the notice key carries it). Watches go with their day (:meth:`expire`), or
with their last watcher (:meth:`stop`, :meth:`delete_for_user`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, exists, select, update

from ._common import Clock, Row, UtcDatetime, dumps_json, from_db_time, to_db_time, utcnow
from .db import Database
from .schema import slot_watchers as wr
from .schema import slot_watches as w

__all__ = ["SlotWatch", "SlotWatchRepo", "SlotWatcher"]


class SlotWatch(Row):
    id: int
    vendor: str
    site_id: str
    service_id: str
    day: date
    site: dict[str, Any]  # the vendor-neutral Site and Service, as the flow had them
    service: dict[str, Any]
    timezone: str
    interval: float  # seconds until the next read when this one finds nothing
    check_at: UtcDatetime


class SlotWatcher(Row):
    watch_id: int
    telegram_id: int
    language: str
    round: int
    notified_at: UtcDatetime | None = None


_PENDING = wr.c.notified_at.is_(None)


class SlotWatchRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def watch(
        self, *, vendor: str, site: dict[str, Any], service: dict[str, Any], day: date,
        timezone: str, telegram_id: int, language: str, first_check: float,
    ) -> SlotWatch:
        """Add ``telegram_id`` to the watch of that day (made when it is the first).

        A watch nobody was waiting on starts over: read ``first_check`` seconds from
        now, back-off reset. One others already wait on keeps its shared back-off."""
        now = self._clock()
        key = (w.c.vendor == vendor, w.c.site_id == str(site["id"]),
               w.c.service_id == str(service["id"]), w.c.day == day.isoformat())
        async with self._db.transaction():
            await self._db.execute(self._db.insert(w).values(
                vendor=vendor, site_id=str(site["id"]), service_id=str(service["id"]),
                day=day.isoformat(), site=dumps_json(site), service=dumps_json(service),
                timezone=timezone, interval_ms=int(first_check * 1000),
                check_at=to_db_time(now + timedelta(seconds=first_check)),
                created_at=to_db_time(now),
            ).on_conflict_do_nothing())
            watch_id = int(await self._db.fetchval(select(w.c.id).where(*key)))
            if not await self._pending_exist(watch_id):
                await self._db.execute(update(w).where(w.c.id == watch_id).values(
                    interval_ms=int(first_check * 1000),
                    check_at=to_db_time(now + timedelta(seconds=first_check))))
            mine = (wr.c.watch_id == watch_id, wr.c.telegram_id == telegram_id)
            found = await self._db.fetchone(select(wr.c.notified_at).where(*mine))
            if found is None:
                await self._db.execute(sa.insert(wr).values(
                    watch_id=watch_id, telegram_id=telegram_id, language=language, round=1,
                    created_at=to_db_time(now)))
            elif found.notified_at is not None:  # told before: a new round
                await self._db.execute(update(wr).where(*mine).values(
                    language=language, round=wr.c.round + 1, notified_at=None))
            else:
                await self._db.execute(update(wr).where(*mine).values(language=language))
            watch = await self.get(watch_id)
        assert watch is not None
        return watch

    async def _pending_exist(self, watch_id: int) -> bool:
        found = await self._db.fetchval(
            select(wr.c.telegram_id).where(wr.c.watch_id == watch_id, _PENDING).limit(1))
        return found is not None

    async def get(self, watch_id: int) -> SlotWatch | None:
        row = await self._db.fetchone(select(w).where(w.c.id == watch_id))
        return None if row is None else _watch(row)

    async def watchers(self, watch_id: int, *, pending: bool = False) -> list[SlotWatcher]:
        where = [wr.c.watch_id == watch_id] + ([_PENDING] if pending else [])
        rows = await self._db.fetchall(select(wr).where(*where).order_by(wr.c.created_at,
                                                                         wr.c.telegram_id))
        return [_watcher(row) for row in rows]

    async def watcher(self, watch_id: int, telegram_id: int) -> SlotWatcher | None:
        row = await self._db.fetchone(select(wr).where(
            wr.c.watch_id == watch_id, wr.c.telegram_id == telegram_id))
        return None if row is None else _watcher(row)

    async def due(self, now: datetime, limit: int = 100) -> list[SlotWatch]:
        """Watches to read now (someone still waiting on them), the most overdue first."""
        waiting = exists().where(wr.c.watch_id == w.c.id, _PENDING)
        rows = await self._db.fetchall(
            select(w).where(w.c.check_at <= to_db_time(now), waiting)
            .order_by(w.c.check_at, w.c.id).limit(limit))
        return [_watch(row) for row in rows]

    async def next_check(self) -> datetime | None:
        waiting = exists().where(wr.c.watch_id == w.c.id, _PENDING)
        value = await self._db.fetchval(select(sa.func.min(w.c.check_at)).where(waiting))
        return None if value is None else from_db_time(value)

    async def reschedule(self, watch_id: int, *, interval: float, check_at: datetime) -> None:
        await self._db.execute(update(w).where(w.c.id == watch_id).values(
            interval_ms=int(interval * 1000), check_at=to_db_time(check_at)))

    async def mark_notified(self, watch_id: int, telegram_ids: Iterable[int]) -> int:
        """Watchers told (their notices queued in the same transaction); how many changed."""
        ids = list(telegram_ids)
        if not ids:
            return 0
        result = await self._db.execute(update(wr).where(
            wr.c.watch_id == watch_id, wr.c.telegram_id.in_(ids), _PENDING,
        ).values(notified_at=to_db_time(self._clock())))
        return result.rowcount

    async def stop(self, watch_id: int, telegram_id: int) -> bool:
        """``telegram_id`` stops watching; the watch goes with its last watcher."""
        async with self._db.transaction():
            result = await self._db.execute(delete(wr).where(
                wr.c.watch_id == watch_id, wr.c.telegram_id == telegram_id))
            await self._drop_unwatched()
        return result.rowcount == 1

    async def delete_for_user(self, telegram_id: int) -> int:
        """Forget everything ``telegram_id`` watches (/forget); how many watches they had."""
        async with self._db.transaction():
            result = await self._db.execute(delete(wr).where(wr.c.telegram_id == telegram_id))
            await self._drop_unwatched()
        return result.rowcount

    async def delete(self, watch_id: int) -> None:
        async with self._db.transaction():
            await self._db.execute(delete(wr).where(wr.c.watch_id == watch_id))
            await self._db.execute(delete(w).where(w.c.id == watch_id))

    async def expire(self, before: date) -> int:
        """Drop watches of days before ``before``; how many."""
        old = select(w.c.id).where(w.c.day < before.isoformat())
        async with self._db.transaction():
            await self._db.execute(delete(wr).where(wr.c.watch_id.in_(old)))
            result = await self._db.execute(delete(w).where(w.c.day < before.isoformat()))
        return result.rowcount

    async def _drop_unwatched(self) -> None:
        watched = exists().where(wr.c.watch_id == w.c.id)
        await self._db.execute(delete(w).where(~watched))


def _watch(row: Any) -> SlotWatch:
    data = dict(row._mapping)
    return SlotWatch(
        id=data["id"], vendor=data["vendor"], site_id=data["site_id"],
        service_id=data["service_id"], day=date.fromisoformat(data["day"]),
        site=json.loads(data["site"]), service=json.loads(data["service"]),
        timezone=data["timezone"], interval=data["interval_ms"] / 1000,
        check_at=from_db_time(data["check_at"]),
    )


def _watcher(row: Any) -> SlotWatcher:
    data = dict(row._mapping)
    return SlotWatcher(
        watch_id=data["watch_id"], telegram_id=data["telegram_id"], language=data["language"],
        round=data["round"],
        notified_at=from_db_time(data["notified_at"]) if data["notified_at"] else None,
    )
