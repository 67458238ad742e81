"""The events role: a vendor that calls back when something changes.

Callbacks are hints, never facts: one generic route on the bot's web server
receives every vendor's calls, authenticated by a secret in its path (one
per subscription, chosen by the caller and part of ``callback_url``), and
hands each call to :meth:`EventsRole.parse_call`, which answers only *what
to re-read* (:class:`Reread`). The bot then reads that from the vendor
through the vendor's other roles, so a forged or garbled payload can cause a
read, nothing more.

Subscriptions expire at the vendor: the caller renews each one before
``expires_at`` (also after a restart, from what it stored) and drops it when
nobody watches any more.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Literal

from pydantic import Field

from bot.vendors.roles.base import RoleModel, Vendor

# What is watched: a space's bookings, a queue's site, or the bot's bookings at a site
# (their state, time and calls by the desk).
Topic = Literal["space", "queue_site", "site_bookings"]


class EventSubscription(RoleModel):
    """A subscription as the vendor granted it; stored by the caller to renew or drop it."""

    vendor: str
    external_id: str  # the vendor's id for it, needed to renew or drop
    topic: Topic
    ids: tuple[str, ...]  # the watched spaces or sites
    callback_url: str
    expires_at: datetime


class InboundCall(RoleModel):
    """One call the vendor made to the callback route; the route already checked the secret."""

    payload: dict[str, Any] = {}  # the JSON object received, untrusted
    headers: dict[str, str] = {}
    received_at: datetime


class Reread(RoleModel):
    """What a callback says to read again; no ``ids`` means everything watched of ``topic``."""

    topic: Topic
    ids: tuple[str, ...] = Field(default=())


class EventsRole(Vendor):
    """A vendor that pushes change notices to a URL it is given."""

    longest_subscription: ClassVar[timedelta] = timedelta(hours=1)  # what the vendor grants

    def vendor_now(self) -> datetime:
        """The vendor's time, by which ``expires_at`` runs out.

        Renewal compares ``expires_at`` with this, not with our clock: an
        adapter that can tell the vendor's time (e.g. from its answers' ``Date``
        header) overrides it, so a vendor clock ahead of ours cannot let a
        subscription lapse unnoticed.
        """
        return datetime.now(timezone.utc)

    @abc.abstractmethod
    async def subscribe(
        self, topic: Topic, ids: Sequence[str], callback_url: str, lifetime: timedelta
    ) -> EventSubscription:
        """Ask for calls to ``callback_url`` while any of ``ids`` changes, for ``lifetime``."""

    @abc.abstractmethod
    async def renew(self, subscription: EventSubscription, lifetime: timedelta) -> EventSubscription:
        """The same watch for another ``lifetime``; the answer replaces what was stored."""

    @abc.abstractmethod
    async def drop(self, subscription: EventSubscription) -> None:
        """Stop the calls; an expired or unknown subscription is not an error."""

    @abc.abstractmethod
    def parse_call(self, subscription: EventSubscription | None, call: InboundCall) -> list[Reread]:
        """What ``call`` says to re-read, within ``subscription``'s ids when one is known.

        Never raises on a malformed payload: what cannot be read means
        "re-read everything the subscription watches".
        """
