"""Staff broadcasts: who they go to, what they say, and how far sending got.

A broadcast is one row here plus one outbox row per recipient (batch
``broadcast:<id>``, key ``broadcast:<id>:<telegram id>``), created together in one
transaction, so a restart resumes where sending stopped and nobody is queued twice.
Progress is counted from the outbox rows; pausing holds them, stopping cancels them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ._common import Clock, Row, UtcDatetime, dumps_json, to_db_time, utcnow
from .db import Database
from .errors import StorageError
from .outbox import NewMessage, OutboxRepo, Priority

__all__ = ["Audience", "AudienceKind", "Broadcast", "BroadcastRepo", "BroadcastState", "Place"]

# Audiences: everyone, leaving out those who blocked the bot.
_EVERYONE = "SELECT telegram_id FROM users WHERE blocked_bot = 0"
_AT_SITE = """
    SELECT DISTINCT owner FROM bookings
    WHERE vendor = :vendor AND site_id = :place_id AND state = 'confirmed'
      AND owner NOT IN (SELECT telegram_id FROM users WHERE blocked_bot = 1)
"""
_AT_STORE = """
    SELECT DISTINCT owner FROM tickets
    WHERE vendor = :vendor AND site_id = :place_id AND state IN ('waiting', 'called')
      AND owner NOT IN (SELECT telegram_id FROM users WHERE blocked_bot = 1)
"""
# Places with an audience, busiest first.
_SITES = """
    SELECT vendor, site_id, MAX(site_name), COUNT(DISTINCT owner) FROM bookings
    WHERE state = 'confirmed'
    GROUP BY vendor, site_id
    ORDER BY COUNT(DISTINCT owner) DESC, vendor, site_id
"""
_STORES = """
    SELECT vendor, site_id, MAX(site_name), COUNT(DISTINCT owner) FROM tickets
    WHERE state IN ('waiting', 'called')
    GROUP BY vendor, site_id
    ORDER BY COUNT(DISTINCT owner) DESC, vendor, site_id
"""

_BROADCAST = """
    SELECT id, author, text, audience, photo, paid, state, progress_chat_id,
           progress_message_id, created_at
    FROM broadcasts
"""
_CREATE = """
    INSERT INTO broadcasts (author, text, audience, photo, paid, state, created_at)
    VALUES (:author, :text, :audience, :photo, :paid, 'sending', :created_at)
    RETURNING id
"""
_GET = _BROADCAST + "WHERE id = :id"
_RUNNING = _BROADCAST + "WHERE state IN ('sending', 'paused') ORDER BY id"
_SET_PROGRESS = """
    UPDATE broadcasts SET progress_chat_id = :chat_id, progress_message_id = :message_id
    WHERE id = :id
"""
_SWITCH = "UPDATE broadcasts SET state = :new WHERE id = :id AND state = :old"

AudienceKind = Literal["everyone", "site", "store"]
BroadcastState = Literal["sending", "paused", "stopped", "done"]


class Audience(Row):
    """Everyone; people with bookings at a site; people waiting at a store."""

    kind: AudienceKind = "everyone"
    vendor: str | None = None
    place_id: str | None = None
    place_name: str | None = None


class Place(Row):
    """A site or store that has an audience, for staff to pick from."""

    vendor: str
    place_id: str
    name: str
    people: int


class Broadcast(Row):
    id: int
    author: int  # telegram id of the staff member
    text: str
    audience: Audience
    photo: str | None  # a Telegram file id
    paid: bool
    state: BroadcastState
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: UtcDatetime

    @property
    def batch(self) -> str:
        return batch_of(self.id)


def batch_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


class BroadcastRepo:
    def __init__(self, db: Database, outbox: OutboxRepo, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._outbox = outbox
        self._clock = clock

    # -- audiences --------------------------------------------------------------------
    async def recipients(self, audience: Audience) -> list[int]:
        """Who the audience is now, leaving out everyone who blocked the bot."""
        if audience.kind == "everyone":
            rows = await self._db.fetchall(_EVERYONE)
        else:
            rows = await self._db.fetchall(
                _AT_SITE if audience.kind == "site" else _AT_STORE,
                {"vendor": audience.vendor, "place_id": audience.place_id},
            )
        return sorted(row[0] for row in rows)

    async def places(self, kind: Literal["site", "store"]) -> list[Place]:
        """Sites with confirmed bookings, or stores with people waiting, busiest first."""
        rows = await self._db.fetchall(_SITES if kind == "site" else _STORES)
        return [Place(vendor=v, place_id=p, name=n or p, people=c) for v, p, n, c in rows]

    # -- broadcasts -------------------------------------------------------------------
    async def create(
        self, author: int, text: str, audience: Audience, *, photo: str | None = None,
        paid: bool = False,
    ) -> tuple[Broadcast, int]:
        """Create the broadcast and queue it for its audience as it is now, atomically.

        Returns the broadcast and how many people it was queued for."""
        created = self._clock()
        async with self._db.transaction():
            broadcast_id = await self._db.fetchval(_CREATE, {
                "author": author, "text": text, "audience": dumps_json(audience.model_dump()),
                "photo": photo, "paid": int(paid), "created_at": to_db_time(created),
            })
            if broadcast_id is None:  # pragma: no cover - INSERT always returns it
                raise StorageError("broadcast insert returned no id")
            payload: dict[str, Any] = {"text": text, "photo": photo, "paid": paid}
            queued = await self._outbox.enqueue_many(
                NewMessage(
                    key=f"{batch_of(broadcast_id)}:{telegram_id}", chat_id=telegram_id,
                    kind="broadcast", payload=payload, priority=Priority.BULK,
                    batch=batch_of(broadcast_id),
                )
                for telegram_id in await self.recipients(audience)
            )
        broadcast = await self.get(broadcast_id)
        assert broadcast is not None
        return broadcast, queued

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetchone(_GET, {"id": broadcast_id})
        return None if row is None else _broadcast(row)

    async def list_running(self) -> list[Broadcast]:
        """Broadcasts still sending or paused: their progress messages need an updater."""
        rows = await self._db.fetchall(_RUNNING)
        return [_broadcast(row) for row in rows]

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(_SET_PROGRESS, {
            "id": broadcast_id, "chat_id": chat_id, "message_id": message_id})

    async def pause(self, broadcast_id: int) -> bool:
        return await self._switch(broadcast_id, "sending", "paused", self._outbox.hold)

    async def resume(self, broadcast_id: int) -> bool:
        return await self._switch(broadcast_id, "paused", "sending", self._outbox.release)

    async def stop(self, broadcast_id: int) -> bool:
        for state in ("sending", "paused"):
            if await self._switch(broadcast_id, state, "stopped", self._outbox.cancel_batch):
                return True
        return False

    async def finish(self, broadcast_id: int) -> bool:
        """Mark a broadcast whose rows are all settled as done; a paused one too: its
        pause came while its last messages were already going out, nothing was left to
        hold, and "Paused, 0 remaining" would wait for a Resume that has nothing to do."""
        for state in ("sending", "paused"):
            if await self._switch(broadcast_id, state, "done", None):
                return True
        return False

    async def _switch(self, broadcast_id: int, old: str, new: str, rows: Any) -> bool:
        async with self._db.transaction():
            result = await self._db.execute(
                _SWITCH, {"id": broadcast_id, "old": old, "new": new})
            if result.rowcount and rows is not None:
                await rows(batch_of(broadcast_id))
        return bool(result.rowcount)


def _broadcast(row: Any) -> Broadcast:
    data = dict(row._mapping)
    data["audience"] = json.loads(data["audience"] or "{}")
    data["paid"] = bool(data["paid"])
    return Broadcast.model_validate(data)
