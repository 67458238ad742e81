"""Virtual-queue tickets the bot watches, with the live "card" message shown to the user.

The watcher polls vendors and edits the card; ``card_hash`` lets it skip edits whose text
did not change (Telegram rejects those anyway and they cost rate limit), and the notice set
guarantees "you are next" style messages go out once even across restarts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

from ._common import Clock, Row, UtcDatetime, from_db_time, to_db_time, utcnow
from .db import Database
from .errors import NotFoundError, StorageError

__all__ = ["TicketRecord", "TicketRecordState", "TicketRepo", "card_text_hash"]

TicketRecordState = Literal["waiting", "called", "done", "left"]

_SELECT = """SELECT id, vendor, external_id, owner, site_id, site_name, number, state, desk,
    card_chat_id, card_message_id, card_hash, created_at, updated_at FROM tickets"""
# Ticket ids are compared as BIGINT: the column is INTEGER, and on PostgreSQL an id from
# a (forged) button beyond its range would otherwise fail instead of finding nothing.
# Still in the queue (the states of the partial index tickets_watched).
_WATCHED = "state IN ('waiting', 'called')"
_OWNER_REACHABLE = """NOT EXISTS (SELECT 1 FROM users
    WHERE users.telegram_id = tickets.owner AND users.blocked_bot = 1)"""

_ADD = """
    INSERT INTO tickets (vendor, external_id, owner, site_id, site_name, number, state, desk,
        created_at, updated_at)
    VALUES (:vendor, :external_id, :owner, :site_id, :site_name, :number, :state, :desk,
        :now, :now)
    ON CONFLICT (vendor, external_id) DO NOTHING
"""
_NOTICES = "SELECT ticket_id, notice FROM ticket_notices WHERE ticket_id IN :ids"
# From a select, so a ticket deleted meanwhile (its owner was forgotten) claims nothing
# instead of failing on the foreign key.
_MARK_NOTICE = """
    INSERT INTO ticket_notices (ticket_id, notice, sent_at)
    SELECT id, CAST(:notice AS TEXT), CAST(:now AS TEXT) FROM tickets
    WHERE id = CAST(:ticket_id AS BIGINT)
    ON CONFLICT (ticket_id, notice) DO NOTHING
"""
_SET_CARD = """
    UPDATE tickets SET card_chat_id = :chat_id, card_message_id = :message_id,
        card_hash = :card_hash, updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""
# A NULL :desk keeps the stored one.
_SET_STATE = """
    UPDATE tickets SET state = :state, desk = COALESCE(CAST(:desk AS TEXT), desk),
        updated_at = :now
    WHERE id = CAST(:id AS BIGINT)
"""


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


def _ticket(row: Any, notices: frozenset[str]) -> TicketRecord:
    data = dict(row._mapping)
    data["created_at"] = from_db_time(data["created_at"])
    data["updated_at"] = from_db_time(data["updated_at"])
    return TicketRecord(notices_sent=notices, **data)


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
        values = {
            "vendor": vendor, "external_id": external_id, "owner": owner, "site_id": site_id,
            "site_name": site_name, "number": number, "state": state, "desk": desk,
            "now": to_db_time(self._clock()),
        }  # fmt: skip
        async with self._db.transaction():
            result = await self._db.execute(_ADD, values)
            ticket = await self.get_by_external(vendor, external_id)
        if ticket is None:  # pragma: no cover - written in the same transaction
            raise StorageError("ticket vanished inside its own transaction")
        return ticket, result.rowcount == 1

    async def get(self, ticket_id: int) -> TicketRecord | None:
        found = await self._many("id = CAST(:id AS BIGINT)", {"id": ticket_id})
        return found[0] if found else None

    async def get_by_external(self, vendor: str, external_id: str) -> TicketRecord | None:
        found = await self._many(
            "vendor = :vendor AND external_id = :external_id",
            {"vendor": vendor, "external_id": external_id},
        )
        return found[0] if found else None

    async def list_watched(self) -> list[TicketRecord]:
        """Tickets still in the queue (waiting or called) of users who have not blocked the
        bot: what the watcher must poll. (Per ticket a primary-key look-up of its owner.)"""
        return await self._many(f"{_WATCHED} AND {_OWNER_REACHABLE}", {})

    async def list_for_owner(self, owner: int, *, watched_only: bool = True) -> list[TicketRecord]:
        where = f"owner = :owner AND {_WATCHED}" if watched_only else "owner = :owner"
        return await self._many(where, {"owner": owner})

    async def _many(self, where: str, params: Mapping[str, Any]) -> list[TicketRecord]:
        """Tickets matching ``where`` (one of this module's fixed conditions) by id, each
        with the notices already sent for it (a second query: an aggregate would need
        each engine's own JSON function)."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE {where} ORDER BY id", params)
        notices: dict[int, set[str]] = {row.id: set() for row in rows}
        if notices:
            sent = await self._db.fetchall(_NOTICES, {"ids": list(notices)})
            for ticket_id, notice in sent:
                notices[ticket_id].add(notice)
        return [_ticket(row, frozenset(notices[row.id])) for row in rows]

    async def set_card(
        self, ticket_id: int, *, chat_id: int, message_id: int, text_hash: str
    ) -> None:
        """Remember which message shows the ticket and the hash of its current text."""
        await self._update(
            _SET_CARD, ticket_id, chat_id=chat_id, message_id=message_id, card_hash=text_hash
        )

    async def set_state(
        self, ticket_id: int, state: TicketRecordState, *, desk: str | None = None
    ) -> None:
        """Change state; ``desk`` (the counter that called the ticket) is kept if None."""
        await self._update(_SET_STATE, ticket_id, state=state, desk=desk)

    async def mark_notice_sent(self, ticket_id: int, notice: str) -> bool:
        """True only for the first call per (ticket, notice): the caller sends the notice
        only then. Atomic through the primary key, also across concurrent callers.

        Marking before sending gives at-most-once delivery (a crash in between loses that
        notice); marking after sending would risk a duplicate instead.
        """
        result = await self._db.execute(
            _MARK_NOTICE,
            {"ticket_id": ticket_id, "notice": notice, "now": to_db_time(self._clock())},
        )
        return result.rowcount == 1

    async def _update(self, statement: str, ticket_id: int, **values: object) -> None:
        result = await self._db.execute(
            statement, {**values, "id": ticket_id, "now": to_db_time(self._clock())}
        )
        if result.rowcount != 1:
            raise NotFoundError(f"no ticket with id {ticket_id}")
