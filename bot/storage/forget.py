"""Forgetting one person: every row the bot keeps about a Telegram user, in one transaction.

What a user's ``/forget`` removes, table by table (the tables are
created in ``migrations/versions``; a table added there that names a user belongs
here too):

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

from .db import Database

__all__ = ["forget_user"]

_FORGET_TICKET_NOTICES = """
    DELETE FROM ticket_notices
    WHERE ticket_id IN (SELECT id FROM tickets WHERE owner = :id)
"""
# "key" is quoted: a keyword in SQLite. The pattern is the id's digits: no LIKE wildcards.
_CONVERSATIONS_LIKE = 'SELECT name, "key" FROM ptb_conversations WHERE "key" LIKE :pattern'
_FORGET_CONVERSATION = 'DELETE FROM ptb_conversations WHERE name = :name AND "key" = :key'
_FORGET_UNWATCHED = """
    DELETE FROM slot_watches
    WHERE NOT EXISTS (SELECT 1 FROM slot_watchers WHERE slot_watchers.watch_id = slot_watches.id)
"""
_ANONYMISE_BROADCASTS = """
    UPDATE broadcasts SET author = 0, progress_chat_id = NULL, progress_message_id = NULL
    WHERE author = :id
"""


async def forget_user(db: Database, telegram_id: int, pseudonym: str) -> dict[str, int]:
    """Delete what the database holds about ``telegram_id``; rows removed per table."""
    removed: dict[str, int] = {}

    async def gone(name: str, statement: str, params: dict[str, object] | None = None) -> None:
        removed[name] = removed.get(name, 0) + (await db.execute(statement, params)).rowcount

    user = {"id": telegram_id}
    who = {"who": pseudonym}
    async with db.transaction():
        await gone("ticket_notices", _FORGET_TICKET_NOTICES, user)
        await gone("tickets", "DELETE FROM tickets WHERE owner = :id", user)
        await gone("bookings", "DELETE FROM bookings WHERE owner = :id", user)
        await gone("join_claims", "DELETE FROM join_claims WHERE owner = :id", user)
        await gone("oauth_states", "DELETE FROM oauth_states WHERE telegram_id = :id", user)
        await gone("outbox", "DELETE FROM outbox WHERE chat_id = :id", user)
        await gone("ptb_user_data", "DELETE FROM ptb_user_data WHERE user_id = :id", user)
        await gone("ptb_chat_data", "DELETE FROM ptb_chat_data WHERE chat_id = :id", user)
        candidates = await db.fetchall(_CONVERSATIONS_LIKE, {"pattern": f"%{telegram_id}%"})
        for name, key in candidates:
            if telegram_id in _ids(key):
                await gone("ptb_conversations", _FORGET_CONVERSATION, {"name": name, "key": key})
        await gone("slot_watchers", "DELETE FROM slot_watchers WHERE telegram_id = :id", user)
        await gone("slot_watches", _FORGET_UNWATCHED)  # a watch nobody else waits on
        await gone("vendor_tokens", "DELETE FROM vendor_tokens WHERE owner = :who", who)
        await gone("vendor_refs", "DELETE FROM vendor_refs WHERE owner = :who", who)
        await gone("broadcasts", _ANONYMISE_BROADCASTS, user)
        await gone("users", "DELETE FROM users WHERE telegram_id = :id", user)
    return {name: count for name, count in removed.items() if count}


def _ids(key: str) -> list[object]:
    """The parts of a stored conversation key (a JSON list of chat and user ids)."""
    try:
        parts = json.loads(key)
    except ValueError:
        return []
    return parts if isinstance(parts, list) else []
