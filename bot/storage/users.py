"""Telegram users the bot has seen: language, role, and whether they blocked the bot."""

from __future__ import annotations

from typing import Any, Literal

from ._common import Clock, Row, UtcDatetime, to_db_time, utcnow
from .db import Database
from .errors import StorageError

__all__ = ["Role", "UserRecord", "UserRepo"]

Role = Literal["customer", "staff"]

_SELECT = "SELECT telegram_id, language, role, blocked_bot, created_at, seen_at FROM users"

# Setters upsert: a new user gets the given column (the others their defaults), a known
# one has it set.
_SEEN = """
    INSERT INTO users (telegram_id, created_at, language, seen_at)
    VALUES (:telegram_id, :now, :language, :now)
    ON CONFLICT (telegram_id) DO UPDATE
    SET seen_at = excluded.seen_at, language = COALESCE(users.language, excluded.language)
"""
_SET_LANGUAGE = """
    INSERT INTO users (telegram_id, created_at, language) VALUES (:telegram_id, :now, :language)
    ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language
"""
_SET_ROLE = """
    INSERT INTO users (telegram_id, created_at, role) VALUES (:telegram_id, :now, :role)
    ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role
"""
_SET_BLOCKED = """
    INSERT INTO users (telegram_id, created_at, blocked_bot)
    VALUES (:telegram_id, :now, :blocked_bot)
    ON CONFLICT (telegram_id) DO UPDATE SET blocked_bot = excluded.blocked_bot
"""


class UserRecord(Row):
    telegram_id: int
    language: str | None
    role: Role
    blocked_bot: bool
    created_at: UtcDatetime
    seen_at: UtcDatetime | None  # None until the user actually wrote to the bot


def _user(row: Any) -> UserRecord:
    # Pydantic reads the stored ISO text as aware datetimes and 0/1 as bool.
    return UserRecord.model_validate(row._mapping)


class UserRepo:
    """Setters upsert, so staff can be configured before they ever open the bot."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def get(self, telegram_id: int) -> UserRecord | None:
        row = await self._db.fetchone(
            f"{_SELECT} WHERE telegram_id = :telegram_id", {"telegram_id": telegram_id}
        )
        return None if row is None else _user(row)

    async def upsert_seen(self, telegram_id: int, language_code: str | None) -> UserRecord:
        """Record activity. The language is taken only while none is stored: Telegram's
        ``language_code`` is a guess from the client, a choice made with /language wins."""
        return await self._upsert(_SEEN, telegram_id, {"language": language_code})

    async def set_language(self, telegram_id: int, language: str) -> UserRecord:
        return await self._upsert(_SET_LANGUAGE, telegram_id, {"language": language})

    async def set_role(self, telegram_id: int, role: Role) -> UserRecord:
        return await self._upsert(_SET_ROLE, telegram_id, {"role": role})

    async def set_blocked(self, telegram_id: int, blocked: bool) -> UserRecord:
        """Blocked users are skipped by broadcasts; call with False when they come back."""
        return await self._upsert(_SET_BLOCKED, telegram_id, {"blocked_bot": int(blocked)})

    async def list_active(self) -> list[UserRecord]:
        """Users that can be messaged (have not blocked the bot), by id for stable paging."""
        return await self._many(f"{_SELECT} WHERE blocked_bot = 0 ORDER BY telegram_id")

    async def blocked_ids(self) -> set[int]:
        """The ids of users marked as having blocked the bot."""
        rows = await self._db.fetchall("SELECT telegram_id FROM users WHERE blocked_bot = 1")
        return {telegram_id for (telegram_id,) in rows}

    async def list_staff(self) -> list[UserRecord]:
        return await self._many(f"{_SELECT} WHERE role = 'staff' ORDER BY telegram_id")

    async def _many(self, statement: str) -> list[UserRecord]:
        rows = await self._db.fetchall(statement)
        return [_user(row) for row in rows]

    async def _upsert(
        self, statement: str, telegram_id: int, values: dict[str, object]
    ) -> UserRecord:
        """Run one of the upserts above with ``values`` and return the user's row."""
        params = {**values, "telegram_id": telegram_id, "now": to_db_time(self._clock())}
        async with self._db.transaction():
            await self._db.execute(statement, params)
            user = await self.get(telegram_id)
        if user is None:  # pragma: no cover - written in the same transaction
            raise StorageError(f"user {telegram_id} vanished after upsert")
        return user
