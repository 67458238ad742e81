"""Staff broadcasts and their per-recipient deliveries.

Deliveries are rows, not an in-memory loop, so a restart mid-broadcast resumes where it
stopped instead of messaging everybody again. One sender task is assumed:
``next_queued`` does not lease rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import case, func, insert, literal, select, update

from ._common import (
    Clock,
    Row,
    UtcDatetime,
    from_db_time,
    opt_to_db_time,
    to_db_time,
    utcnow,
)
from .db import Database
from .errors import NotFoundError, StorageError
from .schema import broadcasts as b
from .schema import deliveries as d
from .schema import users

__all__ = [
    "Broadcast",
    "BroadcastRepo",
    "BroadcastStats",
    "Delivery",
    "DeliveryState",
    "QueuedDelivery",
]

DeliveryState = Literal["queued", "sent", "failed", "blocked"]


class Broadcast(Row):
    id: int
    author: int  # telegram id of the staff member
    text: str
    created_at: UtcDatetime


class Delivery(Row):
    broadcast_id: int
    telegram_id: int
    state: DeliveryState
    attempts: int
    error: str | None
    not_before: UtcDatetime | None
    sent_at: UtcDatetime | None
    updated_at: UtcDatetime


class QueuedDelivery(Row):
    """A delivery to attempt now, with the text so the sender needs no second query."""

    broadcast_id: int
    telegram_id: int
    attempts: int
    text: str


class BroadcastStats(Row):
    queued: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.blocked


class BroadcastRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def create_with_recipients(
        self, author: int, text: str, recipients: Iterable[int]
    ) -> Broadcast:
        """Create the broadcast and queue one delivery per distinct recipient, atomically
        (a half-created broadcast would silently skip people)."""
        created = self._clock()
        now = to_db_time(created)
        unique = list(dict.fromkeys(recipients))
        async with self._db.transaction():
            broadcast_id = await self._db.fetchval(
                insert(b).values(author=author, text=text, created_at=now).returning(b.c.id)
            )
            if broadcast_id is None:  # pragma: no cover - INSERT always returns it
                raise StorageError("broadcast insert returned no id")
            if unique:
                await self._db.execute(
                    insert(d),
                    [
                        {"broadcast_id": broadcast_id, "telegram_id": telegram_id,
                         "updated_at": now}
                        for telegram_id in unique
                    ],
                )  # fmt: skip
        return Broadcast(id=broadcast_id, author=author, text=text, created_at=created)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetchone(select(b).where(b.c.id == broadcast_id))
        if row is None:
            return None
        return Broadcast(
            id=row.id, author=row.author, text=row.text, created_at=from_db_time(row.created_at)
        )

    async def get_delivery(self, broadcast_id: int, telegram_id: int) -> Delivery | None:
        row = await self._db.fetchone(
            select(d).where(d.c.broadcast_id == broadcast_id, d.c.telegram_id == telegram_id)
        )
        return None if row is None else _delivery(row)

    async def next_queued(
        self, limit: int = 30, *, now: datetime | None = None
    ) -> list[QueuedDelivery]:
        """Oldest broadcast first; deliveries postponed by ``retry_at`` wait their turn."""
        moment = to_db_time(now if now is not None else self._clock())
        rows = await self._db.fetchall(
            select(d.c.broadcast_id, d.c.telegram_id, d.c.attempts, b.c.text)
            .select_from(d.join(b, b.c.id == d.c.broadcast_id))
            .where(
                d.c.state == "queued",
                sa.or_(d.c.not_before.is_(None), d.c.not_before <= moment),
            )
            .order_by(d.c.broadcast_id, d.c.telegram_id)
            .limit(limit)
        )
        return [QueuedDelivery(**row._mapping) for row in rows]

    async def mark_sent(self, broadcast_id: int, telegram_id: int) -> None:
        now = to_db_time(self._clock())
        await self._finish(
            broadcast_id, telegram_id,
            state="sent", attempts=d.c.attempts + 1, error=None, sent_at=now, updated_at=now,
        )  # fmt: skip

    async def mark_failed(
        self,
        broadcast_id: int,
        telegram_id: int,
        error: str,
        *,
        retry_at: datetime | None = None,
        max_attempts: int = 3,
    ) -> DeliveryState:
        """Count a failed attempt. With ``retry_at`` the delivery is queued again (until
        ``max_attempts`` is reached); otherwise it is failed for good. Returns the state."""
        again = (
            case((d.c.attempts + 1 < max_attempts, literal("queued")), else_=literal("failed"))
            if retry_at is not None
            else literal("failed")
        )
        async with self._db.transaction():
            await self._finish(
                broadcast_id, telegram_id,
                attempts=d.c.attempts + 1, error=error, not_before=opt_to_db_time(retry_at),
                updated_at=to_db_time(self._clock()), state=again,
            )  # fmt: skip
            delivery = await self.get_delivery(broadcast_id, telegram_id)
        if delivery is None:  # pragma: no cover - _finish raised already
            raise NotFoundError(f"no delivery of broadcast {broadcast_id} to {telegram_id}")
        return delivery.state

    async def mark_blocked(self, broadcast_id: int, telegram_id: int) -> None:
        """The recipient blocked the bot: stop this delivery and flag the user, in one
        transaction, so later broadcasts skip them."""
        async with self._db.transaction():
            await self._finish(
                broadcast_id, telegram_id,
                state="blocked", attempts=d.c.attempts + 1, error="blocked",
                updated_at=to_db_time(self._clock()),
            )  # fmt: skip
            await self._db.execute(
                update(users).where(users.c.telegram_id == telegram_id).values(blocked_bot=1)
            )

    async def stats(self, broadcast_id: int) -> BroadcastStats:
        rows = await self._db.fetchall(
            select(d.c.state, func.count())
            .where(d.c.broadcast_id == broadcast_id)
            .group_by(d.c.state)
        )
        return BroadcastStats(**{state: count for state, count in rows})

    async def _finish(self, broadcast_id: int, telegram_id: int, **values: object) -> None:
        """Update a queued delivery; finished ones are left alone (a late duplicate report
        must not turn 'sent' into 'failed')."""
        result = await self._db.execute(
            update(d)
            .where(
                d.c.broadcast_id == broadcast_id,
                d.c.telegram_id == telegram_id,
                d.c.state == "queued",
            )
            .values(**values)
        )
        if result.rowcount == 0 and await self.get_delivery(broadcast_id, telegram_id) is None:
            raise NotFoundError(f"no delivery of broadcast {broadcast_id} to {telegram_id}")


def _delivery(row: sa.Row[Any]) -> Delivery:
    # Pydantic reads the stored ISO text as aware datetimes.
    return Delivery.model_validate(row._mapping)
