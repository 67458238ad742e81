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

from ._common import Clock, Row, UtcDatetime, dumps_json, from_db_time, to_db_time, utcnow
from .db import Database

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


_WATCH_COLUMNS = (
    "id, vendor, site_id, service_id, day, site, service, timezone, interval_ms, check_at,"
    " created_at"
)
_WATCHER_COLUMNS = "watch_id, telegram_id, language, round, created_at, notified_at"
#: Someone is still waiting on the watch (a condition on ``slot_watches``).
_WAITED_ON = """EXISTS (
    SELECT 1 FROM slot_watchers
    WHERE slot_watchers.watch_id = slot_watches.id AND slot_watchers.notified_at IS NULL
)"""

_ADD_WATCH = """
    INSERT INTO slot_watches (vendor, site_id, service_id, day, site, service, timezone,
                              interval_ms, check_at, created_at)
    VALUES (:vendor, :site_id, :service_id, :day, :site, :service, :timezone,
            :interval_ms, :check_at, :created_at)
    ON CONFLICT DO NOTHING
"""
_WATCH_ID = """
    SELECT id FROM slot_watches
    WHERE vendor = :vendor AND site_id = :site_id AND service_id = :service_id AND day = :day
"""
_SCHEDULE = """
    UPDATE slot_watches SET interval_ms = :interval_ms, check_at = :check_at WHERE id = :id
"""
_ADD_WATCHER = """
    INSERT INTO slot_watchers (watch_id, telegram_id, language, round, created_at)
    VALUES (:watch_id, :telegram_id, :language, 1, :created_at)
"""
_NEW_ROUND = """
    UPDATE slot_watchers SET language = :language, round = round + 1, notified_at = NULL
    WHERE watch_id = :watch_id AND telegram_id = :telegram_id
"""
_DUE = f"""
    SELECT {_WATCH_COLUMNS} FROM slot_watches
    WHERE check_at <= :now AND {_WAITED_ON}
    ORDER BY check_at, id
    LIMIT :limit
"""
_MARK_NOTIFIED = """
    UPDATE slot_watchers SET notified_at = :now
    WHERE watch_id = :watch_id AND telegram_id IN :telegram_ids AND notified_at IS NULL
"""
_DROP_UNWATCHED = """
    DELETE FROM slot_watches
    WHERE NOT EXISTS (SELECT 1 FROM slot_watchers WHERE slot_watchers.watch_id = slot_watches.id)
"""


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
        key = {"vendor": vendor, "site_id": str(site["id"]), "service_id": str(service["id"]),
               "day": day.isoformat()}
        schedule = {"interval_ms": int(first_check * 1000),
                    "check_at": to_db_time(now + timedelta(seconds=first_check))}
        async with self._db.transaction():
            await self._db.execute(_ADD_WATCH, {
                **key, "site": dumps_json(site), "service": dumps_json(service),
                "timezone": timezone, **schedule, "created_at": to_db_time(now)})
            watch_id = int(await self._db.fetchval(_WATCH_ID, key))
            if not await self._pending_exist(watch_id):
                await self._db.execute(_SCHEDULE, {**schedule, "id": watch_id})
            mine = {"watch_id": watch_id, "telegram_id": telegram_id}
            found = await self._db.fetchone(
                "SELECT notified_at FROM slot_watchers"
                " WHERE watch_id = :watch_id AND telegram_id = :telegram_id", mine)
            if found is None:
                await self._db.execute(_ADD_WATCHER, {
                    **mine, "language": language, "created_at": to_db_time(now)})
            elif found.notified_at is not None:  # told before: a new round
                await self._db.execute(_NEW_ROUND, {**mine, "language": language})
            else:
                await self._db.execute(
                    "UPDATE slot_watchers SET language = :language"
                    " WHERE watch_id = :watch_id AND telegram_id = :telegram_id",
                    {**mine, "language": language})
            watch = await self.get(watch_id)
        assert watch is not None
        return watch

    async def _pending_exist(self, watch_id: int) -> bool:
        found = await self._db.fetchval(
            "SELECT telegram_id FROM slot_watchers"
            " WHERE watch_id = :watch_id AND notified_at IS NULL LIMIT 1",
            {"watch_id": watch_id})
        return found is not None

    async def get(self, watch_id: int) -> SlotWatch | None:
        row = await self._db.fetchone(
            f"SELECT {_WATCH_COLUMNS} FROM slot_watches WHERE id = :id", {"id": watch_id})
        return None if row is None else _watch(row)

    async def watchers(self, watch_id: int, *, pending: bool = False) -> list[SlotWatcher]:
        pending_only = " AND notified_at IS NULL" if pending else ""
        rows = await self._db.fetchall(
            f"SELECT {_WATCHER_COLUMNS} FROM slot_watchers WHERE watch_id = :watch_id"
            f"{pending_only} ORDER BY created_at, telegram_id",
            {"watch_id": watch_id})
        return [_watcher(row) for row in rows]

    async def watcher(self, watch_id: int, telegram_id: int) -> SlotWatcher | None:
        row = await self._db.fetchone(
            f"SELECT {_WATCHER_COLUMNS} FROM slot_watchers"
            " WHERE watch_id = :watch_id AND telegram_id = :telegram_id",
            {"watch_id": watch_id, "telegram_id": telegram_id})
        return None if row is None else _watcher(row)

    async def due(self, now: datetime, limit: int = 100) -> list[SlotWatch]:
        """Watches to read now (someone still waiting on them), the most overdue first."""
        rows = await self._db.fetchall(_DUE, {"now": to_db_time(now), "limit": limit})
        return [_watch(row) for row in rows]

    async def next_check(self) -> datetime | None:
        value = await self._db.fetchval(
            f"SELECT MIN(check_at) FROM slot_watches WHERE {_WAITED_ON}")
        return None if value is None else from_db_time(value)

    async def reschedule(self, watch_id: int, *, interval: float, check_at: datetime) -> None:
        await self._db.execute(_SCHEDULE, {
            "interval_ms": int(interval * 1000), "check_at": to_db_time(check_at),
            "id": watch_id})

    async def mark_notified(self, watch_id: int, telegram_ids: Iterable[int]) -> int:
        """Watchers told (their notices queued in the same transaction); how many changed."""
        ids = list(telegram_ids)
        if not ids:
            return 0
        result = await self._db.execute(_MARK_NOTIFIED, {
            "now": to_db_time(self._clock()), "watch_id": watch_id, "telegram_ids": ids})
        return result.rowcount

    async def stop(self, watch_id: int, telegram_id: int) -> bool:
        """``telegram_id`` stops watching; the watch goes with its last watcher."""
        async with self._db.transaction():
            result = await self._db.execute(
                "DELETE FROM slot_watchers"
                " WHERE watch_id = :watch_id AND telegram_id = :telegram_id",
                {"watch_id": watch_id, "telegram_id": telegram_id})
            await self._db.execute(_DROP_UNWATCHED)
        return result.rowcount == 1

    async def delete_for_user(self, telegram_id: int) -> int:
        """Forget everything ``telegram_id`` watches (/forget); how many watches they had."""
        async with self._db.transaction():
            result = await self._db.execute(
                "DELETE FROM slot_watchers WHERE telegram_id = :telegram_id",
                {"telegram_id": telegram_id})
            await self._db.execute(_DROP_UNWATCHED)
        return result.rowcount

    async def delete(self, watch_id: int) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM slot_watchers WHERE watch_id = :id", {"id": watch_id})
            await self._db.execute("DELETE FROM slot_watches WHERE id = :id", {"id": watch_id})

    async def expire(self, before: date) -> int:
        """Drop watches of days before ``before``; how many."""
        before_day = {"before": before.isoformat()}
        async with self._db.transaction():
            await self._db.execute(
                "DELETE FROM slot_watchers"
                " WHERE watch_id IN (SELECT id FROM slot_watches WHERE day < :before)", before_day)
            result = await self._db.execute(
                "DELETE FROM slot_watches WHERE day < :before", before_day)
        return result.rowcount


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
