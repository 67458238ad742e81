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

from ._common import Clock, dumps_json, to_db_time, utcnow
from .crypto import SecretBox
from .db import Database

__all__ = ["Inbox"]

log = logging.getLogger(__name__)

MAX_REPLAYS = 3
_CONTEXT = "inbox"

# Constants: receive and settle run for every batch of updates, nothing is built per call.
_KEEP = """
    INSERT INTO inbox (update_id, body, attempts, received_at)
    VALUES (:update_id, :body, 0, :received_at)
    ON CONFLICT (update_id) DO NOTHING
"""
_MARK_PROCESSED = """
    INSERT INTO processed_updates (update_id, processed_at)
    VALUES (:update_id, :processed_at)
    ON CONFLICT (update_id) DO NOTHING
"""
_COUNT_REPLAY = "UPDATE inbox SET attempts = attempts + 1"
_GIVEN_UP = "SELECT update_id FROM inbox WHERE attempts > :max_replays"
_DROP_GIVEN_UP = "DELETE FROM inbox WHERE attempts > :max_replays"
_BODIES = "SELECT body FROM inbox ORDER BY update_id"
_SETTLE = "DELETE FROM inbox WHERE update_id IN :update_ids"
_PRUNE = "DELETE FROM inbox WHERE received_at < :cutoff"


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
        rows = [{"update_id": update_id, "received_at": now,
                 "body": self._box.encrypt(dumps_json(body), context=_CONTEXT)}
                for update_id, body in updates]
        async with self._db.transaction():
            if rows:
                await self._db.execute(_KEEP, rows)
            if settled:
                await self._db.execute(
                    _MARK_PROCESSED,
                    [{"update_id": update_id, "processed_at": now} for update_id in settled])

    async def replay(self) -> list[dict[str, Any]]:
        """Bodies still here, oldest first, each counted as one more replay; those
        replayed too often are dropped instead."""
        async with self._db.transaction():
            await self._db.execute(_COUNT_REPLAY)
            too_many = {"max_replays": MAX_REPLAYS}
            given_up = await self._db.fetchall(_GIVEN_UP, too_many)
            if given_up:
                log.warning("updates %s never finished after %d starts: dropped",
                            [row[0] for row in given_up], MAX_REPLAYS)
                await self._db.execute(_DROP_GIVEN_UP, too_many)
            rows = await self._db.fetchall(_BODIES)
        return [json.loads(self._box.decrypt(row[0], context=_CONTEXT)) for row in rows]

    async def settle(self, update_ids: Iterable[int]) -> None:
        """Processed (or known to be): gone from here."""
        ids = list(update_ids)
        if ids:
            await self._db.execute(_SETTLE, {"update_ids": ids})

    async def prune(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Drop what Telegram itself would have given up on (it keeps updates a day)."""
        cutoff = to_db_time(self._clock() - older_than)
        result = await self._db.execute(_PRUNE, {"cutoff": cutoff})
        return result.rowcount
