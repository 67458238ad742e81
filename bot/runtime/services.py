"""The long-lived objects handlers need: one typed object, built once by the app.

They are reached through the application (:class:`bot.runtime.BotApplication`)
rather than ``bot_data`` because ``bot_data`` is persisted and these (a
database connection, HTTP clients, background tasks) are not data.
Background tasks that features talk to are declared here as small
protocols, so features depend on what they need and the app plugs in the
real task (:class:`bot.notifications.QueueWatcher`) without any layer
importing upwards.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from telegram import User

from bot.config import Settings
from bot.storage import BookingRecord, Storage, TicketRecord
from bot.vendors import Building, Customer, QueueSnapshot, Space, Ticket, TicketState, Vendors


@functools.lru_cache(maxsize=4096)
def pseudonym(secret_key: str, telegram_id: int) -> str:
    """A stable id for vendors and logs that reveals nothing without our key.

    Keyed with BOT_SECRET_KEY so nobody can test a guessed Telegram id
    against it; vendors see this instead of names, phones or ids. Every
    update's log line and vendor call needs it, so the latest few thousand
    users' are kept rather than computed again.
    """
    digest = hmac.new(secret_key.encode(), f"user:{telegram_id}".encode(), hashlib.sha256)
    return f"tg-{digest.hexdigest()[:24]}"


class QueueWatch(Protocol):
    """What features ask of the running queue watcher (cards and turn notices)."""

    async def show_card(self, ticket: TicketRecord, timezone: str) -> None: ...

    async def refresh(self, ticket: TicketRecord, timeout: float = 5.0) -> QueueSnapshot | None: ...

    async def ended(self, ticket: TicketRecord, state: TicketState) -> None: ...

    async def called(self, vendor_name: str, called: Ticket) -> None: ...

    def watched_sites(self, vendor_name: str) -> list[str]: ...

    def trigger(self, vendor_name: str, site_ids: Iterable[str] | None = None) -> int: ...

    async def resume(self, owner: int) -> int: ...


class SpaceWatch(Protocol):
    """What features ask of the running space watcher ("Notify me when it frees up")."""

    async def watch(self, vendor_name: str, building: Building, space: Space, user_id: int,
                    language: str) -> None: ...

    async def forget_user(self, user_id: int) -> int: ...


class BookingFollow(Protocol):
    """The running follower of bookings (reminders, the vendor's changes): told of each change."""

    async def changed(self, booking: BookingRecord) -> None: ...

    async def user_returned(self, owner: int) -> int: ...


class SlotWatchWake(Protocol):
    """The running free-slot watcher: told when a watch was added, to read it in time."""

    @property
    def first_check(self) -> float: ...

    def wake(self) -> None: ...


class OutboxWake(Protocol):
    """The running outbox sender: told when something was queued for now."""

    def wake(self) -> None: ...


class BroadcastTracking(Protocol):
    """The running broadcasts' progress messages."""

    def track(self, broadcast_id: int) -> None: ...

    def refresh(self, broadcast_id: int) -> None: ...


@dataclass
class Services:
    settings: Settings
    storage: Storage
    vendors: Vendors
    # Set by the app once the running bot's watcher exists; None in a bot
    # that is built but not running.
    queue_watcher: QueueWatch | None = None
    space_watcher: SpaceWatch | None = None
    outbox: OutboxWake | None = None
    booking_follow: BookingFollow | None = None
    broadcasts: BroadcastTracking | None = None
    slot_watcher: SlotWatchWake | None = None
    # Users marked blocked (see bot.notifications.blocking), kept in memory so that
    # an update from one of them (they are back) is noticed without a database read.
    blocked_users: set[int] = field(default_factory=set)

    async def booking_changed(self, booking: BookingRecord) -> None:
        """A feature booked, cancelled or moved ``booking``: reminders and watches follow."""
        if self.booking_follow is not None:
            await self.booking_follow.changed(booking)

    def pseudonym(self, telegram_id: int) -> str:
        return pseudonym(self.settings.bot_secret_key.get_secret_value(), telegram_id)

    def customer(self, user: User, language: str) -> Customer:
        return Customer(telegram_id=user.id, pseudonym=self.pseudonym(user.id), language=language)
