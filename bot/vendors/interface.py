"""The vendor-neutral booking interface.

Conversations speak only this language: sites, services, days, slots, the
details a service needs, bookings. Each vendor package adapts its own protocol
to it and declares :class:`Capability` flags so the chat shows only what the
vendor really supports (a Reschedule button only where moving works, capacity
only where the vendor reports it, ...). No vendor name appears in this module.

Times are timezone-aware and expressed in the site's timezone; the site's
``timezone`` is an IANA name so the chat can format times where the site is.
"""

from __future__ import annotations

import abc
import enum
import re
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict


class Capability(enum.StrEnum):
    """What a vendor can do beyond listing and booking."""

    CANCEL = "cancel"  # bookings can be cancelled through the API
    RESCHEDULE = "reschedule"  # a booking can be moved to another slot
    CAPACITY = "capacity"  # slots report how many places remain
    COORDINATES = "coordinates"  # sites carry latitude/longitude
    PRICES = "prices"  # services carry a price
    DURATION = "duration"  # services carry a duration
    QUEUE = "queue"  # the vendor runs virtual queues rather than slots


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Customer(_Model):
    """Who a call is made for.

    ``pseudonym`` is the stable id vendors see instead of the Telegram id, name
    or phone: derived with a keyed hash so it cannot be traced back without
    our secret key.
    """

    telegram_id: int
    pseudonym: str
    language: str = "en"


class Money(_Model):
    amount: Decimal
    currency: str  # ISO 4217


class Site(_Model):
    """A place where a service is delivered (a branch, an office, a store)."""

    id: str
    name: str
    timezone: str
    address: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Service(_Model):
    id: str
    site_id: str
    name: str
    description: str | None = None
    duration_minutes: int | None = None
    price: Money | None = None


class Slot(_Model):
    """A bookable start time.

    ``id`` is opaque to the conversation: the vendor packs into it whatever it
    needs to book that exact slot later (a resource id, a slot id, ...).
    """

    id: str
    start: datetime
    end: datetime | None = None
    remaining: int | None = None  # places left, when the vendor says
    resource: str | None = None  # e.g. "Entrance", shown only when useful


DetailKind = Literal["phone", "email", "text", "first_name", "last_name", "address"]


class DetailField(_Model):
    """A detail a service requires before booking, with the vendor's rule."""

    id: str
    label: str
    kind: DetailKind = "text"
    pattern: str | None = None  # the vendor's own regular expression
    placeholder: str | None = None
    required: bool = True

    def accepts(self, value: str) -> bool:
        """Check a value with the vendor's rule; an unparsable rule accepts all.

        A broken regex from a vendor must not lock users out of booking: the
        vendor still validates on submit and its refusal is shown then.
        """
        if not value.strip() and self.required:
            return False
        if not self.pattern:
            return True
        try:
            return re.search(self.pattern, value) is not None
        except re.error:
            return True


class BookingDraft(_Model):
    """Everything needed to submit a booking, collected by the conversation.

    ``idempotency_key`` is fixed when the summary is shown, so a second tap on
    Confirm, a retry or a restart mid-submit resolves to the same booking.
    """

    site: Site
    service: Service
    slot: Slot
    details: dict[str, str] = {}
    idempotency_key: str


BookingState = Literal["pending", "confirmed", "cancelled", "failed", "done"]


class Booking(_Model):
    """A booking as the vendor reports it."""

    vendor: str
    external_id: str
    label: str | None = None  # a short code shown at the desk, e.g. "C22"
    site_id: str
    site_name: str | None = None
    service_id: str | None = None
    service_name: str | None = None
    start: datetime
    end: datetime | None = None
    timezone: str
    state: BookingState = "confirmed"
    price: Money | None = None


class Vendor(abc.ABC):
    """What every backend has, whether it sells slots or runs queues.

    Implementations live in their own package under ``bot.vendors`` and are
    built by the registry from their configuration. Every method may raise the
    errors in :mod:`bot.vendors.errors` and nothing else.
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @property
    def title(self) -> str:
        """The business name shown to users when several are enabled."""
        return self.name

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    async def aclose(self) -> None:
        """Release HTTP connections; called once at shutdown."""


class BookingVendor(Vendor):
    """One backend that sells slots."""

    async def business_name(self, customer: Customer) -> str:
        """The name to show for this business; may need a call to learn it."""
        return self.title

    @abc.abstractmethod
    async def list_sites(self, customer: Customer) -> list[Site]: ...

    async def get_site(self, customer: Customer, site_id: str) -> Site:
        from bot.vendors.errors import NotFound

        for site in await self.list_sites(customer):
            if site.id == site_id:
                return site
        raise NotFound(f"site {site_id}", vendor=self.name)

    @abc.abstractmethod
    async def list_services(self, customer: Customer, site_id: str) -> list[Service]: ...

    @abc.abstractmethod
    async def open_days(
        self, customer: Customer, site_id: str, service_id: str, start: date, limit: int
    ) -> list[date]:
        """The next days (from ``start``, in the site's timezone) with any opening."""

    @abc.abstractmethod
    async def list_slots(
        self, customer: Customer, site_id: str, service_id: str, day: date
    ) -> list[Slot]:
        """Bookable slots of that day, in order, already filtered of full ones."""

    @abc.abstractmethod
    async def required_details(
        self, customer: Customer, site_id: str, service_id: str
    ) -> list[DetailField]: ...

    @abc.abstractmethod
    async def book(self, customer: Customer, draft: BookingDraft) -> Booking: ...

    @abc.abstractmethod
    async def list_bookings(self, customer: Customer) -> list[Booking]: ...

    async def cancel(self, customer: Customer, booking: Booking) -> None:
        raise NotImplementedError(f"{self.name} cannot cancel")

    async def reschedule(self, customer: Customer, booking: Booking, slot: Slot) -> Booking:
        raise NotImplementedError(f"{self.name} cannot reschedule")
