"""Forgetting one person: every row the bot keeps about a Telegram user, in one transaction.

What a user's ``/forget`` removes, table by table (the schema is in
:mod:`.schema`; a table added there that names a user belongs here too):

* ``users`` (language, role, blocked flag), ``oauth_states``, ``join_claims`` and
  ``slot_watchers`` (their id; a free-slot watch nobody else waits on goes too), ``bookings`` and ``tickets`` (owner) with the tickets' notices;
* ``outbox``: every message to their chat, sent or not (reminders and notices
  hold what they booked); a broadcast's other recipients keep theirs;
* ``ptb_user_data``, ``ptb_chat_data`` of their private chat (chat id == user id)
  and every conversation state whose key names them;
* ``vendor_tokens`` and ``vendor_refs`` kept under their pseudonym (the keyed
  hash vendors know them by: per-user vendor logins, a linked profile and its
  keys, the appointments an adapter remembers for them);
* broadcasts a staff member wrote keep their text for the audit of what was
  sent, but no longer say who wrote it or where its progress message is.

The bot's in-memory copies (PTB's user and chat data, conversation states,
watches in ``bot_data``) are the caller's to drop.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, exists, select, update

from .db import Database
from .schema import (
    bookings,
    broadcasts,
    join_claims,
    oauth_states,
    outbox,
    ptb_chat_data,
    ptb_conversations,
    ptb_user_data,
    slot_watchers,
    slot_watches,
    ticket_notices,
    tickets,
    users,
    vendor_refs,
    vendor_tokens,
)

__all__ = ["forget_user"]


async def forget_user(db: Database, telegram_id: int, pseudonym: str) -> dict[str, int]:
    """Delete what the database holds about ``telegram_id``; rows removed per table."""
    removed: dict[str, int] = {}

    async def gone(name: str, statement) -> None:  # type: ignore[no-untyped-def]
        removed[name] = removed.get(name, 0) + (await db.execute(statement)).rowcount

    owned_tickets = select(tickets.c.id).where(tickets.c.owner == telegram_id).scalar_subquery()
    async with db.transaction():
        await gone("ticket_notices", delete(ticket_notices).where(
            ticket_notices.c.ticket_id.in_(owned_tickets)))
        await gone("tickets", delete(tickets).where(tickets.c.owner == telegram_id))
        await gone("bookings", delete(bookings).where(bookings.c.owner == telegram_id))
        await gone("join_claims", delete(join_claims).where(join_claims.c.owner == telegram_id))
        await gone("oauth_states", delete(oauth_states).where(
            oauth_states.c.telegram_id == telegram_id))
        await gone("outbox", delete(outbox).where(outbox.c.chat_id == telegram_id))
        await gone("ptb_user_data", delete(ptb_user_data).where(
            ptb_user_data.c.user_id == telegram_id))
        await gone("ptb_chat_data", delete(ptb_chat_data).where(
            ptb_chat_data.c.chat_id == telegram_id))
        c = ptb_conversations.c
        candidates = await db.fetchall(
            select(c.name, c.key).where(c.key.contains(str(telegram_id), autoescape=True)))
        for name, key in candidates:
            if telegram_id in _ids(key):
                await gone("ptb_conversations", delete(ptb_conversations).where(
                    c.name == name, c.key == key))
        await gone("slot_watchers", delete(slot_watchers).where(
            slot_watchers.c.telegram_id == telegram_id))
        watched = exists().where(slot_watchers.c.watch_id == slot_watches.c.id)
        await gone("slot_watches", delete(slot_watches).where(~watched))  # nobody else's
        await gone("vendor_tokens", delete(vendor_tokens).where(vendor_tokens.c.owner == pseudonym))
        await gone("vendor_refs", delete(vendor_refs).where(vendor_refs.c.owner == pseudonym))
        await gone("broadcasts", update(broadcasts).where(broadcasts.c.author == telegram_id).values(
            author=0, progress_chat_id=None, progress_message_id=None))
        await gone("users", delete(users).where(users.c.telegram_id == telegram_id))
    return {name: count for name, count in removed.items() if count}


def _ids(key: str) -> list[object]:
    """The parts of a stored conversation key (a JSON list of chat and user ids)."""
    try:
        parts = json.loads(key)
    except ValueError:
        return []
    return parts if isinstance(parts, list) else []
