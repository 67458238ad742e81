"""Telegram users the bot has seen: language, role, and whether they blocked the bot."""

from __future__ import annotations

import sqlite3
from typing import Literal

from ._common import (
    Clock,
    Row,
    UtcDatetime,
    from_db_time,
    opt_from_db_time,
    to_db_time,
    utcnow,
)
from .db import Database
from .errors import StorageError

__all__ = ["Role", "UserRecord", "UserRepo"]

Role = Literal["customer", "staff"]

_COLUMNS = "telegram_id, language, role, blocked_bot, created_at, seen_at"


class UserRecord(Row):
    telegram_id: int
    language: str | None
    role: Role
    blocked_bot: bool
    created_at: UtcDatetime
    seen_at: UtcDatetime | None  # None until the user actually wrote to the bot


def _user(row: sqlite3.Row) -> UserRecord:
    return UserRecord(
        telegram_id=row["telegram_id"],
        language=row["language"],
        role=row["role"],
        blocked_bot=bool(row["blocked_bot"]),
        created_at=from_db_time(row["created_at"]),
        seen_at=opt_from_db_time(row["seen_at"]),
    )


class UserRepo:
    """Setters upsert, so staff can be configured before they ever open the bot."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def get(self, telegram_id: int) -> UserRecord | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM users WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else _user(row)

    async def upsert_seen(self, telegram_id: int, language_code: str | None) -> UserRecord:
        """Record activity. The language is taken only while none is stored: Telegram's
        ``language_code`` is a guess from the client, a choice made with /language wins."""
        now = to_db_time(self._clock())
        return await self._upsert(
            "INSERT INTO users (telegram_id, language, created_at, seen_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET seen_at = excluded.seen_at,"
            " language = COALESCE(users.language, excluded.language)",
            (telegram_id, language_code, now, now),
            telegram_id,
        )

    async def set_language(self, telegram_id: int, language: str) -> UserRecord:
        return await self._upsert(
            "INSERT INTO users (telegram_id, language, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language",
            (telegram_id, language, to_db_time(self._clock())),
            telegram_id,
        )

    async def set_role(self, telegram_id: int, role: Role) -> UserRecord:
        return await self._upsert(
            "INSERT INTO users (telegram_id, role, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role",
            (telegram_id, role, to_db_time(self._clock())),
            telegram_id,
        )

    async def set_blocked(self, telegram_id: int, blocked: bool) -> UserRecord:
        """Blocked users are skipped by broadcasts; call with False when they come back."""
        return await self._upsert(
            "INSERT INTO users (telegram_id, blocked_bot, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET blocked_bot = excluded.blocked_bot",
            (telegram_id, int(blocked), to_db_time(self._clock())),
            telegram_id,
        )

    async def list_active(self) -> list[UserRecord]:
        """Users that can be messaged (have not blocked the bot), by id for stable paging."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM users WHERE blocked_bot = 0 ORDER BY telegram_id"
        )
        return [_user(row) for row in rows]

    async def list_staff(self) -> list[UserRecord]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM users WHERE role = 'staff' ORDER BY telegram_id"
        )
        return [_user(row) for row in rows]

    async def _upsert(self, sql: str, params: tuple[object, ...], telegram_id: int) -> UserRecord:
        async with self._db.transaction():
            await self._db.execute(sql, params)
            user = await self.get(telegram_id)
        if user is None:  # pragma: no cover - written in the same transaction
            raise StorageError(f"user {telegram_id} vanished after upsert")
        return user
