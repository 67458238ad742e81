"""The outbox: every message the bot sends unprompted, one row per message and chat.

Turn notices, reminders, vendor status changes, slot alerts and broadcast messages are
not sent where they are decided: they are queued here under a unique ``key`` and a
sender (:mod:`bot.notifications.outbox`) sends them. That gives three promises that hold
across restarts, ``kill -9`` and a standby taking over:

* **never twice**: a key is queued once (:meth:`OutboxRepo.enqueue` ignores a key it has),
  and a row is claimed - ``sending``, with the claiming sender and a lease - in a writer
  transaction *before* the Bot API call, then settled after. A sender that dies between
  claim and settle leaves its rows ``sending``; once the lease has run out they become
  ``uncertain`` and are never sent again, because Telegram may have delivered them and a
  bot cannot ask. (This is the one window where a message can be lost rather than
  doubled; it lasts one Bot API call.)
* **never lost otherwise**: a failure that surely delivered nothing (429 flood wait, an
  error Telegram answered with (5xx),
  connection refused) puts the row back in the queue with ``due_at`` pushed; a user who
  blocked the bot is ``blocked`` and marked so in ``users``; a permanent refusal is
  ``failed`` with the reason.
* **never taken by two senders**: claiming runs in a writer transaction, one at a time
  per database across every process (see :mod:`bot.storage.db`).

Rows of one broadcast share a ``batch``; pausing holds them (``held``), stopping cancels
the rest. Lower ``priority`` goes first: turn notices before reminders before broadcasts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

from ._common import Clock, Row, UtcDatetime, dumps_json, opt_to_db_time, to_db_time, utcnow
from .db import Database

__all__ = ["NewMessage", "OutboxMessage", "OutboxRepo", "OutboxState", "OutboxStats", "Priority"]

#: The columns an :class:`OutboxMessage` is read from.
_MESSAGE = (
    "id, key, chat_id, kind, priority, batch, payload, due_at, state, attempts, error, sent_at"
)

_ENQUEUE = """
    INSERT INTO outbox (key, chat_id, kind, priority, batch, payload, due_at, state, attempts,
                        created_at, updated_at)
    VALUES (:key, :chat_id, :kind, :priority, :batch, :payload, :due_at, 'queued', 0,
            :now, :now)
    ON CONFLICT (key) DO NOTHING
"""
_COUNT = "SELECT COUNT(*) FROM outbox"
_GET = f"SELECT {_MESSAGE} FROM outbox WHERE key = :key"
_DUE = """
    SELECT id FROM outbox WHERE state = 'queued' AND due_at <= :now
    ORDER BY priority, due_at, id LIMIT :limit
"""
_CLAIM = """
    UPDATE outbox SET state = 'sending', lease_owner = :owner, lease_until = :lease_until,
                      attempts = attempts + 1, updated_at = :now
    WHERE id IN :ids
"""
_CLAIMED = f"SELECT {_MESSAGE} FROM outbox WHERE id IN :ids ORDER BY priority, due_at, id"
_SETTLE = """
    UPDATE outbox SET state = :state, error = :error, lease_owner = NULL, lease_until = NULL,
                      updated_at = :now, sent_at = :sent_at
    WHERE id IN :ids AND state = 'sending'
"""
_BLOCK_USERS = """
    UPDATE users SET blocked_bot = 1
    WHERE telegram_id IN (SELECT chat_id FROM outbox WHERE id IN :ids)
"""
_RETRY = """
    UPDATE outbox SET state = 'queued', due_at = :due_at, error = :error, lease_owner = NULL,
                      lease_until = NULL, updated_at = :now
    WHERE id = :id AND state = 'sending'
"""
_EXPIRE_LEASES = """
    UPDATE outbox SET state = 'uncertain', error = 'sender stopped during the send',
                      lease_owner = NULL, lease_until = NULL, updated_at = :now
    WHERE state = 'sending' AND lease_until < :now
"""
_NEXT_DUE = "SELECT MIN(due_at) FROM outbox WHERE state = 'queued'"
_FORGET_CHAT = "DELETE FROM outbox WHERE chat_id = :chat_id"
_STATS = "SELECT state, COUNT(*) FROM outbox WHERE batch = :batch GROUP BY state"

# Moving rows from one state to another: rows in one of the states :olds get :new.
_MOVE = "UPDATE outbox SET state = :new, updated_at = :now WHERE state IN :olds AND "
_MOVE_BATCH = _MOVE + "batch = :batch"
_MOVE_KEYS = _MOVE + "key IN :keys"
#: ``/`` escapes ``%``, ``_`` and itself in the pattern (see :func:`_prefix_pattern`).
_MOVE_PREFIX = _MOVE + "key LIKE :pattern ESCAPE '/'"
_MOVE_PREFIX_KEEPING = _MOVE_PREFIX + " AND key NOT IN :keep"
_MOVE_CHAT = _MOVE + "chat_id = :chat_id"
_MOVE_CHAT_KEYS = _MOVE_CHAT + " AND key IN :keys"

OutboxState = Literal[
    "queued", "held", "sending", "sent", "failed", "blocked", "cancelled", "uncertain"
]


class Priority:
    """Lower goes first."""

    NOTICE = 0  # someone is waiting for it right now (your turn, your desk)
    UPDATE = 1  # reminders, status changes, slot alerts
    BULK = 2  # broadcasts


class NewMessage(Row):
    key: str
    chat_id: int
    kind: str
    payload: dict[str, Any]
    due_at: UtcDatetime | None = None  # None: now
    priority: int = Priority.UPDATE
    batch: str | None = None


class OutboxMessage(Row):
    id: int
    key: str
    chat_id: int
    kind: str
    priority: int
    batch: str | None
    payload: dict[str, Any]
    due_at: UtcDatetime
    state: OutboxState
    attempts: int
    error: str | None
    sent_at: UtcDatetime | None


class OutboxStats(Row):
    queued: int = 0
    held: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    uncertain: int = 0

    @property
    def remaining(self) -> int:
        return self.queued + self.held + self.sending

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in type(self).model_fields)


class OutboxRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    # -- queueing ---------------------------------------------------------------------
    async def enqueue(self, message: NewMessage) -> bool:
        """Queue one message; False when its key was queued before (whatever became of it)."""
        return await self.enqueue_many([message]) == 1

    async def enqueue_many(self, messages: Iterable[NewMessage]) -> int:
        """Queue messages whose keys are new, atomically; returns how many were new."""
        now = to_db_time(self._clock())
        rows = [
            {
                "key": m.key, "chat_id": m.chat_id, "kind": m.kind, "priority": m.priority,
                "batch": m.batch, "payload": dumps_json(m.payload),
                "due_at": opt_to_db_time(m.due_at) or now, "now": now,
            }
            for m in messages
        ]
        if not rows:
            return 0
        async with self._db.transaction():
            before = await self._count()
            for start in range(0, len(rows), 500):
                await self._db.execute(_ENQUEUE, rows[start:start + 500])
            return await self._count() - before

    async def _count(self) -> int:
        return int(await self._db.fetchval(_COUNT) or 0)

    async def get(self, key: str) -> OutboxMessage | None:
        row = await self._db.fetchone(_GET, {"key": key})
        return None if row is None else _message(row)

    # -- sending ----------------------------------------------------------------------
    async def claim(self, owner: str, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Claim up to ``limit`` due rows for ``owner``, most urgent first."""
        now = self._clock()
        async with self._db.transaction():
            due = await self._db.fetchall(_DUE, {"now": to_db_time(now), "limit": limit})
            ids = [row.id for row in due]
            if not ids:
                return []
            await self._db.execute(_CLAIM, {
                "ids": ids, "owner": owner, "lease_until": to_db_time(now + lease),
                "now": to_db_time(now),
            })
            rows = await self._db.fetchall(_CLAIMED, {"ids": ids})
        return [_message(row) for row in rows]

    async def settle(self, outcomes: dict[int, tuple[OutboxState, str | None]]) -> None:
        """Record how each claimed row ended: ``sent``, ``failed``, ``blocked`` or ``uncertain``.

        Only rows still ``sending`` change, so a row already settled stays as it is."""
        now = to_db_time(self._clock())
        # One statement per outcome (a whole group is usually "sent"), not one per row.
        same: dict[tuple[OutboxState, str | None], list[int]] = {}
        for row_id, outcome in outcomes.items():
            same.setdefault(outcome, []).append(row_id)
        async with self._db.transaction():
            for (state, error), ids in same.items():
                await self._db.execute(_SETTLE, {
                    "ids": ids, "state": state, "error": error, "now": now,
                    "sent_at": now if state == "sent" else None,
                })
            blocked = [row_id for row_id, (state, _) in outcomes.items() if state == "blocked"]
            if blocked:
                await self._db.execute(_BLOCK_USERS, {"ids": blocked})

    async def retry(self, row_id: int, due_at: datetime, error: str) -> None:
        """A claimed row that surely was not delivered goes back in the queue."""
        await self._db.execute(_RETRY, {
            "id": row_id, "due_at": to_db_time(due_at), "error": error,
            "now": to_db_time(self._clock()),
        })

    async def expire_leases(self) -> int:
        """Rows claimed by a sender that died are ``uncertain``: maybe delivered, never resent."""
        now = to_db_time(self._clock())
        result = await self._db.execute(_EXPIRE_LEASES, {"now": now})
        return result.rowcount

    async def next_due(self) -> datetime | None:
        """When the earliest queued row falls due (to sleep until then)."""
        value = await self._db.fetchval(_NEXT_DUE)
        return None if value is None else datetime.fromisoformat(value)

    # -- batches, keys ----------------------------------------------------------------
    async def hold(self, batch: str) -> int:
        return await self._move(_MOVE_BATCH, {"batch": batch}, ("queued",), "held")

    async def release(self, batch: str) -> int:
        return await self._move(_MOVE_BATCH, {"batch": batch}, ("held",), "queued")

    async def cancel_batch(self, batch: str) -> int:
        return await self._move(_MOVE_BATCH, {"batch": batch}, ("queued", "held"), "cancelled")

    async def cancel(self, keys: Iterable[str]) -> int:
        """Cancel messages not sent yet (a reminder of a booking that was cancelled)."""
        listed = list(keys)
        if not listed:
            return 0
        return await self._move(_MOVE_KEYS, {"keys": listed}, ("queued", "held"), "cancelled")

    async def cancel_prefix(self, prefix: str, *, keep: Iterable[str] = ()) -> int:
        """Cancel unsent messages whose key starts with ``prefix``, except the ``keep`` keys
        (a moved booking's reminders: the old time's go, the new time's stay)."""
        kept = list(keep)
        statement, params = (
            (_MOVE_PREFIX_KEEPING, {"pattern": _prefix_pattern(prefix), "keep": kept}) if kept
            else (_MOVE_PREFIX, {"pattern": _prefix_pattern(prefix)})
        )
        return await self._move(statement, params, ("queued", "held"), "cancelled")

    async def block_chat(self, chat_id: int) -> int:
        """The chat blocked the bot: its unsent messages are settled ``blocked``, not tried."""
        return await self._move(_MOVE_CHAT, {"chat_id": chat_id}, ("queued", "held"), "blocked")

    async def unblock(self, chat_id: int, keys: Iterable[str]) -> int:
        """The chat is back: these of its rows settled ``blocked`` are queued again (each
        row once: a row already queued, sent or cancelled is left as it is)."""
        listed = list(keys)
        if not listed:
            return 0
        return await self._move(_MOVE_CHAT_KEYS, {"chat_id": chat_id, "keys": listed},
                                ("blocked",), "queued")

    async def forget_chat(self, chat_id: int) -> int:
        """Delete every row for a chat (the user asked the bot to forget them)."""
        return (await self._db.execute(_FORGET_CHAT, {"chat_id": chat_id})).rowcount

    async def stats(self, batch: str) -> OutboxStats:
        rows = await self._db.fetchall(_STATS, {"batch": batch})
        return OutboxStats(**{state: count for state, count in rows})

    async def _move(self, statement: str, params: dict[str, Any], olds: tuple[str, ...],
                    new: OutboxState) -> int:
        """Run one of the ``_MOVE_*`` statements: rows it selects that are in one of the
        ``olds`` states get state ``new``."""
        result = await self._db.execute(statement, {
            **params, "olds": olds, "new": new, "now": to_db_time(self._clock()),
        })
        return result.rowcount


def _prefix_pattern(prefix: str) -> str:
    """A LIKE pattern (escape character ``/``) for keys that start with ``prefix``."""
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%"


def _message(row: Any) -> OutboxMessage:
    data = dict(row._mapping)  # the _MESSAGE columns
    data["payload"] = json.loads(data["payload"])
    return OutboxMessage.model_validate(data)
