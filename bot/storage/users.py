"""Telegram users the bot has seen: language, role, and whether they blocked the bot."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, Row, func, select

from ._common import Clock, UtcDatetime, to_db_time, utcnow
from ._common import Row as RowModel
from .db import Database
from .errors import StorageError
from .schema import users as t

__all__ = ["Role", "UserRecord", "UserRepo"]

Role = Literal["customer", "staff"]


class UserRecord(RowModel):
    telegram_id: int
    language: str | None
    role: Role
    blocked_bot: bool
    created_at: UtcDatetime
    seen_at: UtcDatetime | None  # None until the user actually wrote to the bot


def _user(row: Row[Any]) -> UserRecord:
    # Pydantic reads the stored ISO text as aware datetimes and 0/1 as bool.
    return UserRecord.model_validate(row._mapping)


class UserRepo:
    """Setters upsert, so staff can be configured before they ever open the bot."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def get(self, telegram_id: int) -> UserRecord | None:
        row = await self._db.fetchone(select(t).where(t.c.telegram_id == telegram_id))
        return None if row is None else _user(row)

    async def upsert_seen(self, telegram_id: int, language_code: str | None) -> UserRecord:
        """Record activity. The language is taken only while none is stored: Telegram's
        ``language_code`` is a guess from the client, a choice made with /language wins."""
        now = to_db_time(self._clock())
        new = self._db.insert(t).excluded
        return await self._upsert(
            telegram_id,
            {"language": language_code, "seen_at": now},
            {"seen_at": new.seen_at, "language": func.coalesce(t.c.language, new.language)},
        )

    async def set_language(self, telegram_id: int, language: str) -> UserRecord:
        return await self._upsert(telegram_id, {"language": language})

    async def set_role(self, telegram_id: int, role: Role) -> UserRecord:
        return await self._upsert(telegram_id, {"role": role})

    async def set_blocked(self, telegram_id: int, blocked: bool) -> UserRecord:
        """Blocked users are skipped by broadcasts; call with False when they come back."""
        return await self._upsert(telegram_id, {"blocked_bot": int(blocked)})

    async def list_active(self) -> list[UserRecord]:
        """Users that can be messaged (have not blocked the bot), by id for stable paging."""
        return await self._many(t.c.blocked_bot == 0)

    async def blocked_ids(self) -> set[int]:
        """The ids of users marked as having blocked the bot."""
        rows = await self._db.fetchall(select(t.c.telegram_id).where(t.c.blocked_bot == 1))
        return {telegram_id for (telegram_id,) in rows}

    async def list_staff(self) -> list[UserRecord]:
        return await self._many(t.c.role == "staff")

    async def _many(self, where: ColumnElement[bool]) -> list[UserRecord]:
        rows = await self._db.fetchall(select(t).where(where).order_by(t.c.telegram_id))
        return [_user(row) for row in rows]

    async def _upsert(
        self,
        telegram_id: int,
        values: dict[str, object],
        on_conflict: dict[str, object] | None = None,
    ) -> UserRecord:
        """Insert the user with ``values``, or set ``on_conflict`` (default: ``values``)."""
        insert = self._db.insert(t).values(
            telegram_id=telegram_id, created_at=to_db_time(self._clock()), **values
        )
        statement = insert.on_conflict_do_update(
            index_elements=["telegram_id"],
            set_=on_conflict if on_conflict is not None else values,
        )
        async with self._db.transaction():
            await self._db.execute(statement)
            user = await self.get(telegram_id)
        if user is None:  # pragma: no cover - written in the same transaction
            raise StorageError(f"user {telegram_id} vanished after upsert")
        return user
