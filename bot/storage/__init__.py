"""Durable storage for the bot: SQLite (WAL, fsync on commit) or PostgreSQL.

Open everything at once with :meth:`Storage.open`, given a ``DATABASE_URL`` (a file path,
``sqlite:///…`` or ``postgresql://…``); the repositories share one :class:`Database` and
one :class:`SecretBox`, and are written once for both engines (plain SQL both accept).

    storage = await Storage.open("bot.sqlite3", settings.bot_secret_key)
    booking, created = await storage.bookings.claim(key, draft)
    application = ApplicationBuilder().persistence(storage.persistence()) ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType

from telegram.ext import PersistenceInput

from ._common import Clock, utcnow
from .bookings import BookingDraftRecord, BookingRecord, BookingRepo, BookingState
from .broadcasts import Audience, AudienceKind, Broadcast, BroadcastRepo, BroadcastState, Place
from .crypto import SecretBox
from .db import Database, ExecResult
from .errors import DecryptionError, IdempotencyConflictError, NotFoundError, StorageError
from .forget import forget_user
from .leader import Leadership
from .join_claims import JoinClaim, JoinClaimRepo
from .oauth import OAuthState, OAuthStateRepo
from .inbox import Inbox
from .outbox import NewMessage, OutboxMessage, OutboxRepo, OutboxState, OutboxStats, Priority
from .engine import DatabaseUrl, parse_database_url
from .persistence import DatabasePersistence
from .rate_windows import RateWindowRepo
from .slot_watches import SlotWatch, SlotWatcher, SlotWatchRepo
from .subscriptions import Subscription, SubscriptionRepo
from .tickets import TicketRecord, TicketRecordState, TicketRepo, card_text_hash
from .tokens import StoredToken, TokenRepo
from .updates import UpdateLog
from .users import Role, UserRecord, UserRepo
from .vendor_refs import VendorRef, VendorRefRepo

__all__ = [
    "Audience",
    "AudienceKind",
    "BookingDraftRecord",
    "BookingRecord",
    "BookingRepo",
    "BookingState",
    "Broadcast",
    "BroadcastRepo",
    "BroadcastState",
    "Clock",
    "Database",
    "DatabasePersistence",
    "DatabaseUrl",
    "DecryptionError",
    "ExecResult",
    "IdempotencyConflictError",
    "Leadership",
    "Inbox",
    "JoinClaim",
    "JoinClaimRepo",
    "NotFoundError",
    "OAuthState",
    "OAuthStateRepo",
    "NewMessage",
    "OutboxMessage",
    "OutboxRepo",
    "OutboxState",
    "OutboxStats",
    "Place",
    "Priority",
    "RateWindowRepo",
    "Role",
    "SecretBox",
    "Storage",
    "SlotWatch",
    "SlotWatchRepo",
    "SlotWatcher",
    "StorageError",
    "StoredToken",
    "Subscription",
    "SubscriptionRepo",
    "TicketRecord",
    "TicketRecordState",
    "TicketRepo",
    "TokenRepo",
    "UpdateLog",
    "UserRecord",
    "UserRepo",
    "VendorRef",
    "VendorRefRepo",
    "card_text_hash",
    "parse_database_url",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """Every repository over one database; pass this around instead of the pieces."""

    db: Database
    box: SecretBox
    users: UserRepo
    tokens: TokenRepo
    bookings: BookingRepo
    tickets: TicketRepo
    oauth: OAuthStateRepo
    subscriptions: SubscriptionRepo
    outbox: OutboxRepo
    broadcasts: BroadcastRepo
    updates: UpdateLog
    inbox: Inbox
    vendor_refs: VendorRefRepo
    join_claims: JoinClaimRepo
    rate_windows: RateWindowRepo
    slot_watches: SlotWatchRepo

    @classmethod
    async def open(
        cls, url: str | os.PathLike[str], secret_key: str, *, clock: Clock = utcnow
    ) -> Storage:
        """Open and migrate the database at ``url`` (see :func:`parse_database_url`).
        ``clock`` stamps created/updated times."""
        box = SecretBox(secret_key)  # validate the key before touching the database
        db = await Database.open(url)
        outbox = OutboxRepo(db, clock=clock)
        return cls(
            db=db,
            box=box,
            users=UserRepo(db, clock=clock),
            tokens=TokenRepo(db, box, clock=clock),
            bookings=BookingRepo(db, clock=clock),
            tickets=TicketRepo(db, clock=clock),
            oauth=OAuthStateRepo(db, box, clock=clock),
            subscriptions=SubscriptionRepo(db, box, clock=clock),
            outbox=outbox,
            broadcasts=BroadcastRepo(db, outbox, clock=clock),
            updates=UpdateLog(db, clock=clock),
            inbox=Inbox(db, box, clock=clock),
            vendor_refs=VendorRefRepo(db, clock=clock),
            join_claims=JoinClaimRepo(db, box, clock=clock),
            rate_windows=RateWindowRepo(db),
            slot_watches=SlotWatchRepo(db, clock=clock),
        )

    async def forget_user(self, telegram_id: int, pseudonym: str) -> dict[str, int]:
        """Delete every row about one user (see :mod:`.forget`); rows removed per table.

        On SQLite the write-ahead log still holds the pages as they were before: they are
        copied into the file (whose deleted bytes are zeroed, see :mod:`.engine`) and the
        log emptied, so the old pages do not linger there either."""
        removed = await forget_user(self.db, telegram_id, pseudonym)
        if self.db.kind == "sqlite":
            await self.db.fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    def persistence(
        self, store_data: PersistenceInput | None = None, update_interval: float = 60
    ) -> DatabasePersistence:
        return DatabasePersistence(
            self.db, store_data=store_data, update_interval=update_interval, box=self.box
        )

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
