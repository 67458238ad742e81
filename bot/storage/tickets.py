"""Virtual-queue tickets the bot watches, with the live "card" message shown to the user.

The watcher polls vendors and edits the card; ``card_hash`` lets it skip edits whose text
did not change (Telegram rejects those anyway and they cost rate limit), and the notice set
guarantees "you are next" style messages go out once even across restarts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Literal

from ._common import Clock, Row, UtcDatetime, from_db_time, to_db_time, utcnow
from .db import Database
from .errors import NotFoundError, StorageError

__all__ = ["TicketRecord", "TicketRecordState", "TicketRepo", "card_text_hash"]

TicketRecordState = Literal["waiting", "called", "done", "left"]

_SELECT = (
    "SELECT t.id, t.vendor, t.external_id, t.owner, t.site_id, t.site_name, t.number,"
    " t.state, t.desk, t.card_chat_id, t.card_message_id, t.card_hash, t.created_at,"
    " t.updated_at, (SELECT json_group_array(n.notice) FROM ticket_notices AS n"
    " WHERE n.ticket_id = t.id) AS notices FROM tickets AS t"
)


class TicketRecord(Row):
    id: int
    vendor: str
    external_id: str
    owner: int  # telegram id
    site_id: str
    site_name: str
    number: str  # as displayed by the vendor, e.g. "A042"
    state: TicketRecordState
    desk: str | None
    card_chat_id: int | None
    card_message_id: int | None
    card_hash: str | None
    notices_sent: frozenset[str]
    created_at: UtcDatetime
    updated_at: UtcDatetime


def card_text_hash(text: str) -> str:
    """Digest stored instead of the card text: enough to detect change, nothing to leak."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ticket(row: sqlite3.Row) -> TicketRecord:
    data = dict(row)
    data["notices_sent"] = frozenset(json.loads(data.pop("notices")))
    data["created_at"] = from_db_time(data["created_at"])
    data["updated_at"] = from_db_time(data["updated_at"])
    return TicketRecord(**data)


class TicketRepo:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def add(
        self,
        vendor: str,
        external_id: str,
        *,
        owner: int,
        site_id: str,
        site_name: str,
        number: str,
        state: TicketRecordState = "waiting",
        desk: str | None = None,
    ) -> tuple[TicketRecord, bool]:
        """Store a ticket; idempotent per (vendor, external_id). ``created`` tells whether
        this call inserted it (and so whether a card still has to be sent)."""
        now = to_db_time(self._clock())
        async with self._db.transaction():
            result = await self._db.execute(
                "INSERT INTO tickets (vendor, external_id, owner, site_id, site_name, number,"
                " state, desk, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (vendor, external_id) DO NOTHING",
                (vendor, external_id, owner, site_id, site_name, number, state, desk, now, now),
            )
            ticket = await self.get_by_external(vendor, external_id)
        if ticket is None:  # pragma: no cover - written in the same transaction
            raise StorageError("ticket vanished inside its own transaction")
        return ticket, result.rowcount == 1

    async def get(self, ticket_id: int) -> TicketRecord | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE t.id = ?", (ticket_id,))
        return None if row is None else _ticket(row)

    async def get_by_external(self, vendor: str, external_id: str) -> TicketRecord | None:
        row = await self._db.fetchone(
            f"{_SELECT} WHERE t.vendor = ? AND t.external_id = ?", (vendor, external_id)
        )
        return None if row is None else _ticket(row)

    async def list_watched(self) -> list[TicketRecord]:
        """Tickets still in the queue (waiting or called): what the watcher must poll."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE t.state IN ('waiting', 'called') ORDER BY t.id"
        )
        return [_ticket(row) for row in rows]

    async def list_for_owner(self, owner: int, *, watched_only: bool = True) -> list[TicketRecord]:
        where = "t.owner = ?" + (" AND t.state IN ('waiting', 'called')" if watched_only else "")
        rows = await self._db.fetchall(f"{_SELECT} WHERE {where} ORDER BY t.id", (owner,))
        return [_ticket(row) for row in rows]

    async def set_card(
        self, ticket_id: int, *, chat_id: int, message_id: int, text_hash: str
    ) -> None:
        """Remember which message shows the ticket and the hash of its current text."""
        await self._update(
            ticket_id,
            "card_chat_id = ?, card_message_id = ?, card_hash = ?",
            chat_id,
            message_id,
            text_hash,
        )

    async def set_state(
        self, ticket_id: int, state: TicketRecordState, *, desk: str | None = None
    ) -> None:
        """Change state; ``desk`` (the counter that called the ticket) is kept if None."""
        await self._update(ticket_id, "state = ?, desk = COALESCE(?, desk)", state, desk)

    async def mark_notice_sent(self, ticket_id: int, notice: str) -> bool:
        """True only for the first call per (ticket, notice): the caller sends the notice
        only then. Atomic through the primary key, also across concurrent callers.

        Marking before sending gives at-most-once delivery (a crash in between loses that
        notice); marking after sending would risk a duplicate instead.
        """
        result = await self._db.execute(
            "INSERT INTO ticket_notices (ticket_id, notice, sent_at) VALUES (?, ?, ?)"
            " ON CONFLICT (ticket_id, notice) DO NOTHING",
            (ticket_id, notice, to_db_time(self._clock())),
        )
        return result.rowcount == 1

    async def _update(self, ticket_id: int, assignments: str, *params: object) -> None:
        result = await self._db.execute(
            f"UPDATE tickets SET {assignments}, updated_at = ? WHERE id = ?",
            (*params, to_db_time(self._clock()), ticket_id),
        )
        if result.rowcount != 1:
            raise NotFoundError(f"no ticket with id {ticket_id}")
