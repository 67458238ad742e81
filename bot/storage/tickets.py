"""Virtual-queue tickets the bot watches, with the live "card" message shown to the user.

The watcher polls vendors and edits the card; ``card_hash`` lets it skip edits whose text
did not change (Telegram rejects those anyway and they cost rate limit), and the notice set
guarantees "you are next" style messages go out once even across restarts.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import ColumnElement, select, update

from ._common import Clock, Row, UtcDatetime, from_db_time, to_db_time, utcnow
from .db import Database
from .errors import NotFoundError, StorageError
from .schema import ticket_notices as n
from .schema import tickets as t
from .schema import users as u

__all__ = ["TicketRecord", "TicketRecordState", "TicketRepo", "card_text_hash"]

TicketRecordState = Literal["waiting", "called", "done", "left"]

_WATCHED = ("waiting", "called")


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


def _ticket(row: sa.Row[Any], notices: frozenset[str]) -> TicketRecord:
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
        now = to_db_time(self._clock())
        insert = self._db.insert(t).values(
            vendor=vendor, external_id=external_id, owner=owner, site_id=site_id,
            site_name=site_name, number=number, state=state, desk=desk, created_at=now,
            updated_at=now,
        )  # fmt: skip
        async with self._db.transaction():
            result = await self._db.execute(
                insert.on_conflict_do_nothing(index_elements=["vendor", "external_id"])
            )
            ticket = await self.get_by_external(vendor, external_id)
        if ticket is None:  # pragma: no cover - written in the same transaction
            raise StorageError("ticket vanished inside its own transaction")
        return ticket, result.rowcount == 1

    async def get(self, ticket_id: int) -> TicketRecord | None:
        found = await self._many(t.c.id == ticket_id)
        return found[0] if found else None

    async def get_by_external(self, vendor: str, external_id: str) -> TicketRecord | None:
        found = await self._many(t.c.vendor == vendor, t.c.external_id == external_id)
        return found[0] if found else None

    async def list_watched(self) -> list[TicketRecord]:
        """Tickets still in the queue (waiting or called) of users who have not blocked the
        bot: what the watcher must poll. (Per ticket a primary-key look-up of its owner.)"""
        blocked = select(u.c.telegram_id).where(u.c.telegram_id == t.c.owner, u.c.blocked_bot == 1)
        return await self._many(t.c.state.in_(_WATCHED), ~blocked.exists())

    async def list_for_owner(self, owner: int, *, watched_only: bool = True) -> list[TicketRecord]:
        watched = [t.c.state.in_(_WATCHED)] if watched_only else []
        return await self._many(t.c.owner == owner, *watched)

    async def _many(self, *where: ColumnElement[bool]) -> list[TicketRecord]:
        """Tickets by id, each with the notices already sent for it (a second query: an
        aggregate would need each engine's own JSON function)."""
        rows = await self._db.fetchall(select(t).where(*where).order_by(t.c.id))
        notices: dict[int, set[str]] = {row.id: set() for row in rows}
        if notices:
            sent = await self._db.fetchall(
                select(n.c.ticket_id, n.c.notice).where(n.c.ticket_id.in_(list(notices)))
            )
            for ticket_id, notice in sent:
                notices[ticket_id].add(notice)
        return [_ticket(row, frozenset(notices[row.id])) for row in rows]

    async def set_card(
        self, ticket_id: int, *, chat_id: int, message_id: int, text_hash: str
    ) -> None:
        """Remember which message shows the ticket and the hash of its current text."""
        await self._update(
            ticket_id, card_chat_id=chat_id, card_message_id=message_id, card_hash=text_hash
        )

    async def set_state(
        self, ticket_id: int, state: TicketRecordState, *, desk: str | None = None
    ) -> None:
        """Change state; ``desk`` (the counter that called the ticket) is kept if None."""
        await self._update(ticket_id, state=state, **({"desk": desk} if desk is not None else {}))

    async def mark_notice_sent(self, ticket_id: int, notice: str) -> bool:
        """True only for the first call per (ticket, notice): the caller sends the notice
        only then. Atomic through the primary key, also across concurrent callers.

        Marking before sending gives at-most-once delivery (a crash in between loses that
        notice); marking after sending would risk a duplicate instead.
        """
        # From a select, so a ticket deleted meanwhile (its owner was forgotten) claims
        # nothing instead of failing on the foreign key.
        claim = select(sa.literal(ticket_id, sa.BigInteger()), sa.literal(notice, sa.Text()),
                       sa.literal(to_db_time(self._clock()), sa.Text())).where(
            select(t.c.id).where(t.c.id == ticket_id).exists())
        result = await self._db.execute(
            self._db.insert(n)
            .from_select(["ticket_id", "notice", "sent_at"], claim)
            .on_conflict_do_nothing(index_elements=["ticket_id", "notice"])
        )
        return result.rowcount == 1

    async def _update(self, ticket_id: int, **values: object) -> None:
        result = await self._db.execute(
            update(t)
            .where(t.c.id == ticket_id)
            .values(**values, updated_at=to_db_time(self._clock()))
        )
        if result.rowcount != 1:
            raise NotFoundError(f"no ticket with id {ticket_id}")
