"""Updates taken from Telegram and not processed yet (see the v7 migration for why).

Telegram forgets an update once the bot confirms it: with polling, the next
``getUpdates`` confirms the batch before (the bot's whole point being concurrency)
its updates are processed; with a webhook, answering 200 does. Either way an update
in a handler's hands when the process dies would be lost. So a batch is written
here, in one transaction, before it is confirmed, and each update leaves in the
transaction that marks it processed (:mod:`bot.app.durable`); whatever is still
here at the next start, on this process or a standby taking over, is handled then.

Bodies are encrypted: an update carries what people type, names and phone numbers.
An update replayed :data:`MAX_REPLAYS` times without finishing (one that kills the
process, say) is dropped with a warning rather than replayed forever.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from ._common import Clock, dumps_json, to_db_time, utcnow
from .crypto import SecretBox
from .db import Database
from .schema import inbox as t
from .schema import processed_updates as processed

__all__ = ["Inbox"]

log = logging.getLogger(__name__)

MAX_REPLAYS = 3
_CONTEXT = "inbox"


class Inbox:
    def __init__(self, db: Database, box: SecretBox, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._box = box
        self._clock = clock

    async def receive(self, updates: Sequence[tuple[int, dict[str, Any]]],
                      settled: Sequence[int] = ()) -> None:
        """Keep ``(update_id, body)`` pairs, all in one transaction; ids already here
        are left as they are (Telegram resent an unconfirmed batch). The ``settled`` ids,
        received with them and dropped unprocessed (a flood's excess), are recorded as
        processed in the same transaction instead of kept."""
        if not updates and not settled:
            return
        now = to_db_time(self._clock())
        rows = [{"update_id": update_id, "attempts": 0, "received_at": now,
                 "body": self._box.encrypt(dumps_json(body), context=_CONTEXT)}
                for update_id, body in updates]
        statement = self._db.insert(t).on_conflict_do_nothing(index_elements=["update_id"])
        async with self._db.transaction():
            if rows:
                await self._db.execute(statement, rows)
            if settled:
                await self._db.execute(
                    self._db.insert(processed).on_conflict_do_nothing(
                        index_elements=["update_id"]),
                    [{"update_id": update_id, "processed_at": now} for update_id in settled])

    async def replay(self) -> list[dict[str, Any]]:
        """Bodies still here, oldest first, each counted as one more replay; those
        replayed too often are dropped instead."""
        async with self._db.transaction():
            await self._db.execute(update(t).values(attempts=t.c.attempts + 1))
            given_up = await self._db.fetchall(
                select(t.c.update_id).where(t.c.attempts > MAX_REPLAYS))
            if given_up:
                log.warning("updates %s never finished after %d starts: dropped",
                            [row[0] for row in given_up], MAX_REPLAYS)
                await self._db.execute(delete(t).where(t.c.attempts > MAX_REPLAYS))
            rows = await self._db.fetchall(select(t.c.body).order_by(t.c.update_id))
        return [json.loads(self._box.decrypt(row[0], context=_CONTEXT)) for row in rows]

    async def settle(self, update_ids: Iterable[int]) -> None:
        """Processed (or known to be): gone from here."""
        ids = list(update_ids)
        if ids:
            await self._db.execute(delete(t).where(t.c.update_id.in_(ids)))

    async def prune(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Drop what Telegram itself would have given up on (it keeps updates a day)."""
        cutoff = to_db_time(self._clock() - older_than)
        result = await self._db.execute(delete(t).where(t.c.received_at < cutoff))
        return result.rowcount
